"""Charts drawn on the server as SVG, readable without scripts.

Each chart is an ``<svg role="img">`` whose ``<title>`` and ``<desc>`` give its
text alternative; its numbers are also shown as a table next to it. The SVG is
built with ElementTree, so it is always well-formed XML and every text is
escaped.
"""

import itertools
import xml.etree.ElementTree as ET

from django.utils.safestring import mark_safe

_ids = itertools.count(1)

BAR = "#1f5f8b"
PALETTE = [
    "#8c8c8c",  # invited
    "#c98a00",  # draft
    "#1f5f8b",  # submitted
    "#6a3d9a",  # under review
    "#c0392b",  # changes requested
    "#2e8b57",  # accepted
    "#145a32",  # published
    "#555555",  # declined
]


def _svg(width, height, title, desc):
    uid = f"chart-{next(_ids)}"
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "class": "chart",
            "role": "img",
            "viewBox": f"0 0 {width} {height}",
            "width": "100%",
            "preserveAspectRatio": "xMinYMin meet",
            "aria-labelledby": f"{uid}-title {uid}-desc",
            "font-family": "system-ui, sans-serif",
            "font-size": "12",
            # The geometry is drawn left to right; in Arabic pages the text inside
            # keeps its own direction, but anchors must not flip.
            "direction": "ltr",
        },
    )
    ET.SubElement(svg, "title", {"id": f"{uid}-title"}).text = str(title)
    ET.SubElement(svg, "desc", {"id": f"{uid}-desc"}).text = str(desc)
    return svg


def _shorten(text, length):
    return text if len(text) <= length else text[: length - 1] + "…"


def _render(svg):
    return mark_safe(ET.tostring(svg, encoding="unicode"))


def bar_chart(title, desc, rows, *, label_width=150):
    """Horizontal bars; ``rows`` are ``(label, value)`` pairs."""
    # Narrower than the other charts, so that labels stay legible on a phone.
    row_height, width = 22, 500
    height = max(1, len(rows)) * row_height + 10
    svg = _svg(width, height, title, desc)
    top = max([value for _, value in rows] + [1])
    span = width - label_width - 60
    for i, (label, value) in enumerate(rows):
        y = 5 + i * row_height
        group = ET.SubElement(svg, "g")
        ET.SubElement(
            group,
            "text",
            {"x": str(label_width - 6), "y": str(y + 15), "text-anchor": "end"},
        ).text = _shorten(str(label), label_width // 7)
        bar = round(span * value / top, 1)
        ET.SubElement(
            group,
            "rect",
            {
                "x": str(label_width),
                "y": str(y + 3),
                "width": str(max(bar, 0.5 if value else 0)),
                "height": str(row_height - 6),
                "fill": BAR,
            },
        )
        ET.SubElement(
            group, "text", {"x": str(label_width + bar + 4), "y": str(y + 15)}
        ).text = str(value)
    return _render(svg)


def heat_map(title, desc, row_labels, column_labels, cells):
    """A grid coloured by count; ``cells[r][c]`` is the number for row r, column c."""
    cell, left, top_margin = 30, 50, 24
    width = left + cell * len(column_labels) + 4
    height = top_margin + cell * len(row_labels) + 4
    svg = _svg(width, height, title, desc)
    top = max([n for row in cells for n in row] + [1])
    for c, label in enumerate(column_labels):
        ET.SubElement(
            svg,
            "text",
            {"x": str(left + c * cell + cell / 2), "y": "16", "text-anchor": "middle"},
        ).text = str(label)
    for r, label in enumerate(row_labels):
        y = top_margin + r * cell
        ET.SubElement(svg, "text", {"x": "4", "y": str(y + cell / 2 + 4)}).text = str(label)
        for c, n in enumerate(cells[r]):
            x = left + c * cell
            ET.SubElement(
                svg,
                "rect",
                {
                    "x": str(x),
                    "y": str(y),
                    "width": str(cell - 2),
                    "height": str(cell - 2),
                    "fill": BAR,
                    "fill-opacity": f"{0.08 + 0.92 * n / top:.2f}" if n else "0.03",
                    "stroke": "#ccc",
                    "stroke-width": "0.5",
                },
            )
            if n:
                ET.SubElement(
                    svg,
                    "text",
                    {
                        "x": str(x + (cell - 2) / 2),
                        "y": str(y + cell / 2 + 3),
                        "text-anchor": "middle",
                        "font-size": "10",
                        "fill": "#fff" if n / top > 0.5 else "#000",
                    },
                ).text = str(n)
    return _render(svg)


def column_chart(title, desc, rows):
    """Vertical columns over time; ``rows`` are ``(label, value)`` pairs."""
    width, height, bottom, left = 640, 220, 24, 36
    svg = _svg(width, height, title, desc)
    top = max([value for _, value in rows] + [1])
    slot = min(60, (width - left) / max(1, len(rows)))
    plot = height - bottom - 16
    ET.SubElement(
        svg,
        "line",
        {
            "x1": str(left),
            "x2": str(width),
            "y1": str(height - bottom),
            "y2": str(height - bottom),
            "stroke": "#666",
        },
    )
    for i, (label, value) in enumerate(rows):
        x = left + i * slot
        bar = plot * value / top
        ET.SubElement(
            svg,
            "rect",
            {
                "x": f"{x + slot * 0.15:.1f}",
                "y": f"{height - bottom - bar:.1f}",
                "width": f"{slot * 0.7:.1f}",
                "height": f"{bar:.1f}",
                "fill": BAR,
            },
        )
        ET.SubElement(
            svg,
            "text",
            {
                "x": f"{x + slot / 2:.1f}",
                "y": f"{height - bottom - bar - 3:.1f}",
                "text-anchor": "middle",
            },
        ).text = str(value)
        ET.SubElement(
            svg,
            "text",
            {"x": f"{x + slot / 2:.1f}", "y": str(height - 6), "text-anchor": "middle"},
        ).text = str(label)
    return _render(svg)


def stacked_area(title, desc, days, series):
    """States over time: ``series`` is ``[(label, [value per day])]``, stacked in order."""
    width, height, bottom, left, legend = 640, 260, 24, 36, 150
    svg = _svg(width, height, title, desc)
    plot_w = width - left - legend
    plot_h = height - bottom - 10
    if len(days) == 1:  # one day: a flat band across the plot
        days = days * 2
        series = [(label, values * 2) for label, values in series]
    n = len(days)
    totals = [sum(values[i] for _, values in series) for i in range(n)]
    top = max(totals + [1])

    def x(i):
        return left + (plot_w * i / (n - 1) if n > 1 else 0)

    def y(v):
        return 10 + plot_h - plot_h * v / top

    base = [0] * n
    for k, (label, values) in enumerate(series):
        upper = [base[i] + values[i] for i in range(n)]
        if any(values):
            points = [f"{x(i):.1f},{y(upper[i]):.1f}" for i in range(n)]
            points += [f"{x(i):.1f},{y(base[i]):.1f}" for i in reversed(range(n))]
            ET.SubElement(
                svg,
                "polygon",
                {"points": " ".join(points), "fill": PALETTE[k % len(PALETTE)]},
            )
        base = upper
        ly = 14 + k * 18
        ET.SubElement(
            svg,
            "rect",
            {
                "x": str(width - legend + 10),
                "y": str(ly - 10),
                "width": "12",
                "height": "12",
                "fill": PALETTE[k % len(PALETTE)],
            },
        )
        ET.SubElement(svg, "text", {"x": str(width - legend + 28), "y": str(ly)}).text = str(label)
    ET.SubElement(
        svg,
        "text",
        {"x": str(left - 4), "y": f"{y(top) + 4:.1f}", "text-anchor": "end"},
    ).text = str(top)
    ET.SubElement(
        svg, "text", {"x": str(left - 4), "y": f"{y(0):.1f}", "text-anchor": "end"}
    ).text = "0"
    if days:
        ET.SubElement(svg, "text", {"x": str(left), "y": str(height - 6)}).text = str(days[0])
        ET.SubElement(
            svg,
            "text",
            {"x": str(left + plot_w), "y": str(height - 6), "text-anchor": "end"},
        ).text = str(days[-1])
    return _render(svg)
