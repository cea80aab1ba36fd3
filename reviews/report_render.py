"""The compiled report (``reviews.report.Report``) as Word, Markdown and HTML.

Word: built with python-docx. Headings use Word's own "Heading 1"… styles,
so the navigation pane shows the outline. python-docx cannot make footnotes,
so the footnotes part (``word/footnotes.xml``) is written here from the
WordprocessingML elements themselves: each note is a real footnote at its
first citation, and a note cited again is a NOTEREF cross-reference to it
(Word numbers footnotes by their order, which is the notes' order of first
appearance, so the numbers agree).
"""

import io

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FORMATS = ("docx", "html", "md")


def render(report, fmt):
    """The report in one of FORMATS: bytes for docx, text otherwise."""
    if fmt == "docx":
        return render_docx(report)
    if fmt == "html":
        return render_html(report)
    if fmt == "md":
        return render_markdown(report)
    raise ValueError(f"unknown format {fmt!r}")


# --- HTML (a standalone file; the web page extends the site's layout instead) ----------


def render_html(report):
    return render_to_string("reports/report_standalone.html", {"report": report})


# --- Markdown ---------------------------------------------------------------------------


def _note_text(note):
    if note.text:
        return note.text
    parts = [part for part in (note.label, note.symbol, note.url) if part]
    return ", ".join(parts) + "."


def render_markdown(report):
    lines = [f"# {report.title}", ""]
    meta = [part for part in (report.symbol, report.document_type) if part]
    if report.is_draft:
        meta.append(_("Draft"))
    lines += [" · ".join(meta), ""]
    lines += [f"## {_('Summary')}", ""]
    for text in report.summary:
        lines += [text, ""]
    for section in report.headings():
        lines += [f"{'#' * min(section.level + 1, 6)} {section.heading}", ""]
        for paragraph in section.paragraphs:
            text = " ".join(
                s.text + "".join(f"[^{c.note}]" for c in s.citations) for s in paragraph.sentences
            )
            lead = f"**{paragraph.lead}:** " if paragraph.lead else ""
            lines += [f"{paragraph.number}. {lead}{text}", ""]
    if report.notes:
        for note in report.notes:
            lines.append(f"[^{note.number}]: {_note_text(note)}")
        lines.append("")
    return "\n".join(lines)


# --- Word -------------------------------------------------------------------------------

_FOOTNOTES_XML = (
    f"<w:footnotes {nsdecls('w', 'r')}>"
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr>'
    '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'
    "<w:r><w:separator/></w:r></w:p></w:footnote>"
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr>'
    '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'
    "<w:r><w:continuationSeparator/></w:r></w:p></w:footnote>"
    "</w:footnotes>"
)

# Word's own definitions of the styles footnotes use, which python-docx's
# default template lacks.
_STYLES_XML = [
    f'<w:style {nsdecls("w")} w:type="paragraph" w:styleId="FootnoteText">'
    '<w:name w:val="footnote text"/><w:basedOn w:val="Normal"/><w:uiPriority w:val="99"/>'
    '<w:unhideWhenUsed/><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'
    '<w:rPr><w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr></w:style>',
    f'<w:style {nsdecls("w")} w:type="character" w:styleId="FootnoteReference">'
    '<w:name w:val="footnote reference"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>'
    '<w:rPr><w:vertAlign w:val="superscript"/></w:rPr></w:style>',
    f'<w:style {nsdecls("w")} w:type="character" w:styleId="Hyperlink">'
    '<w:name w:val="Hyperlink"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>'
    '<w:rPr><w:color w:val="0563C1"/><w:u w:val="single"/></w:rPr></w:style>',
]


class _Footnotes:
    """The document's footnotes part, created on first use."""

    def __init__(self, document):
        self.document = document
        self.part = XmlPart(
            PackURI("/word/footnotes.xml"),
            CT.WML_FOOTNOTES,
            parse_xml(_FOOTNOTES_XML),
            document.part.package,
        )
        document.part.relate_to(self.part, RT.FOOTNOTES)
        settings = document.settings.element
        footnote_pr = parse_xml(
            f'<w:footnotePr {nsdecls("w")}><w:footnote w:id="-1"/><w:footnote w:id="0"/>'
            "</w:footnotePr>"
        )
        compat = settings.find(qn("w:compat"))
        if compat is not None:  # the schema wants footnotePr just before compat
            compat.addprevious(footnote_pr)
        styles = document.styles.element
        for xml in _STYLES_XML:
            styles.append(parse_xml(xml))
        self.bookmark = 0

    def add(self, note):
        footnote = OxmlElement("w:footnote")
        footnote.set(qn("w:id"), str(note.number))
        p = OxmlElement("w:p")
        p_pr = OxmlElement("w:pPr")
        p_pr.append(_val("w:pStyle", "FootnoteText"))
        p.append(p_pr)
        mark = _run(style="FootnoteReference")
        mark.append(OxmlElement("w:footnoteRef"))
        p.append(mark)
        p.append(_run(" "))
        if note.text:
            p.append(_run(note.text))
        else:
            words = [part for part in (note.label, note.symbol) if part]
            if words:
                p.append(_run(", ".join(words) + (", " if note.url else ".")))
            if note.url:
                link = OxmlElement("w:hyperlink")
                r_id = self.part.relate_to(note.url, RT.HYPERLINK, is_external=True)
                link.set(qn("r:id"), r_id)
                link.append(_run(note.url, style="Hyperlink"))
                p.append(link)
                p.append(_run("."))
        footnote.append(p)
        self.part.element.append(footnote)

    def cite(self, paragraph, citation):
        """The note's mark in the text: the footnote itself, or a reference back to it."""
        p = paragraph._p
        name = f"_RefNote{citation.note}"
        if citation.first:
            self.bookmark += 1
            start = OxmlElement("w:bookmarkStart")
            start.set(qn("w:id"), str(self.bookmark))
            start.set(qn("w:name"), name)
            end = OxmlElement("w:bookmarkEnd")
            end.set(qn("w:id"), str(self.bookmark))
            run = _run(style="FootnoteReference")
            reference = OxmlElement("w:footnoteReference")
            reference.set(qn("w:id"), str(citation.note))
            run.append(reference)
            p.extend([start, run, end])
            return
        begin, separate, finish = (OxmlElement("w:fldChar") for _ in range(3))
        begin.set(qn("w:fldCharType"), "begin")
        separate.set(qn("w:fldCharType"), "separate")
        finish.set(qn("w:fldCharType"), "end")
        instruction = OxmlElement("w:instrText")
        instruction.set(qn("xml:space"), "preserve")
        instruction.text = f" NOTEREF {name} \\f \\h "
        for element in (begin, instruction, separate):
            run = _run()
            run.append(element)
            p.append(run)
        p.append(_run(str(citation.note), style="FootnoteReference"))
        run = _run()
        run.append(finish)
        p.append(run)


def _val(tag, value):
    element = OxmlElement(tag)
    element.set(qn("w:val"), value)
    return element


def _run(text=None, style=None):
    run = OxmlElement("w:r")
    if style:
        r_pr = OxmlElement("w:rPr")
        r_pr.append(_val("w:rStyle", style))
        run.append(r_pr)
    if text is not None:
        t = OxmlElement("w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = text
        run.append(t)
    return run


def render_docx(report):
    """The report as a .docx file (bytes)."""
    document = Document()
    document.core_properties.title = report.title
    document.core_properties.subject = report.symbol or report.cycle_title
    document.styles["Normal"].font.size = Pt(11)
    footnotes = _Footnotes(document)
    for note in report.notes:
        footnotes.add(note)

    if report.symbol:
        symbol = document.add_paragraph(report.symbol)
        symbol.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if report.date:
        dated = document.add_paragraph(report.date.isoformat())
        dated.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.add_paragraph(report.title, style="Title")
    document.add_paragraph(report.document_type, style="Subtitle")
    if report.is_draft:
        draft = document.add_paragraph()
        draft.add_run(
            _("Draft compiled on %(date)s from %(count)s accepted or published submissions.")
            % {
                "date": report.compiled_at.date().isoformat(),
                "count": report.submissions_included,
            }
        ).italic = True

    summary = document.add_paragraph()
    summary.add_run(_("Summary")).bold = True
    for text in report.summary:
        document.add_paragraph(text)

    for section in report.headings():
        document.add_heading(section.heading, level=min(section.level, 9))
        for paragraph in section.paragraphs:
            p = document.add_paragraph()
            fmt = p.paragraph_format
            fmt.left_indent = Cm(1)
            fmt.first_line_indent = Cm(-1)
            fmt.tab_stops.add_tab_stop(Cm(1))
            p.add_run(f"{paragraph.number}.\t")
            if paragraph.lead:
                p.add_run(f"{paragraph.lead}:").bold = True
                p.add_run(" ")
            for i, sentence in enumerate(paragraph.sentences):
                p.add_run(("" if i == 0 else " ") + sentence.text)
                for citation in sentence.citations:
                    footnotes.cite(p, citation)

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
