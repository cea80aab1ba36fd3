"""The compiled report (``reviews.report.Report``) as Word, Markdown and HTML.

Each rendering walks the same tree generically: the cover, the summary, then
every section's heading, numbered paragraphs (with their notes) and, in a
draft, what an empty chapter waits for and the notes for the editor.

Word: built with python-docx, laid out as a United Nations document: A4, the
cover of the real report (symbol, bodies and sessions, agenda item with its
note, distribution, date in "5 February 2024" form, languages), a running
header with the symbol (left on even pages, right on odd ones), page numbers
"n/N", and plain styles (Times New Roman, black, numbered paragraphs with a
hanging number). Headings use Word's own "Heading 1"… styles, so the
navigation pane shows the outline. python-docx cannot make footnotes, so the
footnotes part (``word/footnotes.xml``) is written here from the
WordprocessingML elements themselves: each note is a real footnote at its
first citation, a note cited again is a NOTEREF cross-reference to it (Word
numbers footnotes by their order, which is the notes' order of first
appearance, so the numbers agree), and two marks in a row are separated by a
comma so that they never read as one number.
"""

import io

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Mm, Pt, RGBColor

from .report import NoteRef, display_symbol, same_language

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FORMATS = ("docx", "html", "md")
# Word's language tags for the report's languages.
WORD_LANGUAGES = {
    "ar": "ar-SA",
    "zh-hans": "zh-CN",
    "en": "en-GB",
    "fr": "fr-FR",
    "ru": "ru-RU",
    "es": "es-ES",
}
EAST_ASIAN_FONT = "SimSun"
FONT = "Times New Roman"


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


def _note_markdown(note):
    out = []
    for part in note.parts:
        if isinstance(part, NoteRef):
            words = [w for w in (part.label, part.symbol) if w]
            if part.url:
                words.append(f"<{part.url}>")
            out.append(", ".join(words))
        else:
            out.append(part)
    return "".join(out)


def render_markdown(report):
    lines = [f"# {report.title}", ""]
    meta = [part for part in (display_symbol(report.symbol), report.document_type) if part]
    if report.is_draft:
        meta.append(_("Draft"))
    lines += [" · ".join(meta), ""]
    if report.is_draft and report.language_share:
        lines += [f"*{report.language_share}*", ""]
    lines += [f"## {_('Summary')}", ""]
    for text in report.summary:
        lines += [text, ""]
    for section in report.headings():
        lines += [f"{'#' * min(section.level + 1, 6)} {section.heading}", ""]
        for paragraph in section.paragraphs:
            if paragraph.origin == "gap":
                lines += [f"*{paragraph.text}*", ""]
                continue
            text = " ".join(
                s.text + ",".join(f"[^{c.note}]" for c in s.citations) for s in paragraph.sentences
            )
            lines += [f"{paragraph.number}. {text}", ""]
        if report.is_draft and section.waiting:
            lines += [f"> *{section.waiting}*", ""]
        if report.is_draft:
            for note in section.editor_notes:
                lines += [f"> **{note.title}**", ">"]
                for label, entities, sentences in note.groups:
                    lines.append(f"> *{label}* ({', '.join(e.acronym for e in entities)})")
                    for sentence in sentences:
                        lines.append(f"> - {sentence.text}")
                    lines.append(">")
                lines.append("")
    if report.notes:
        for note in report.notes:
            lines.append(f"[^{note.number}]: {_note_markdown(note)}")
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

# The styles footnotes use, which python-docx's default template lacks: UN-like
# (9 pt notes, the number hanging).
_STYLES_XML = [
    f'<w:style {nsdecls("w")} w:type="paragraph" w:styleId="FootnoteText">'
    '<w:name w:val="footnote text"/><w:basedOn w:val="Normal"/><w:uiPriority w:val="99"/>'
    '<w:unhideWhenUsed/><w:pPr><w:tabs><w:tab w:val="left" w:pos="1077"/></w:tabs>'
    '<w:spacing w:after="0" w:line="220" w:lineRule="exact"/>'
    '<w:ind w:left="1077" w:right="1134" w:hanging="170"/><w:jc w:val="left"/></w:pPr>'
    '<w:rPr><w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr></w:style>',
    f'<w:style {nsdecls("w")} w:type="character" w:styleId="FootnoteReference">'
    '<w:name w:val="footnote reference"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>'
    '<w:rPr><w:vertAlign w:val="superscript"/></w:rPr></w:style>',
    f'<w:style {nsdecls("w")} w:type="character" w:styleId="Hyperlink">'
    '<w:name w:val="Hyperlink"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>'
    '<w:rPr><w:color w:val="000000"/></w:rPr></w:style>',
]


class _Footnotes:
    """The document's footnotes part, created on first use."""

    def __init__(self, document, offset=0):
        self.document = document
        self.offset = offset  # footnote id = note number + offset
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

    def _footnote(self, footnote_id, mark=None):
        footnote = OxmlElement("w:footnote")
        footnote.set(qn("w:id"), str(footnote_id))
        p = OxmlElement("w:p")
        p_pr = OxmlElement("w:pPr")
        p_pr.append(_val("w:pStyle", "FootnoteText"))
        p.append(p_pr)
        p.append(_run("\t"))
        reference = _run(style="FootnoteReference")
        reference.append(OxmlElement("w:footnoteRef"))
        p.append(reference)
        p.append(_run(" "))
        footnote.append(p)
        self.part.element.append(footnote)
        return p

    def add(self, note):
        p = self._footnote(note.number + self.offset)
        for part in note.parts:
            if not isinstance(part, NoteRef):
                p.append(_run(part))
                continue
            words = [w for w in (part.label, part.symbol) if w]
            if words:
                p.append(_run(", ".join(words) + (", " if part.url else "")))
            if part.url:
                link = OxmlElement("w:hyperlink")
                r_id = self.part.relate_to(part.url, RT.HYPERLINK, is_external=True)
                link.set(qn("r:id"), r_id)
                link.append(_run(part.url, style="Hyperlink"))
                p.append(link)

    def add_starred(self, footnote_id, text):
        """A note marked "*" (the cover's note on the agenda), outside the numbering."""
        p = self._footnote(footnote_id, mark="*")
        p.append(_run(text))

    def cite_starred(self, paragraph, footnote_id):
        run = _run(style="FootnoteReference")
        reference = OxmlElement("w:footnoteReference")
        reference.set(qn("w:customMarkFollows"), "1")
        reference.set(qn("w:id"), str(footnote_id))
        run.append(reference)
        paragraph._p.append(run)
        paragraph._p.append(_run("*", style="FootnoteReference"))

    def cite(self, paragraph, citation, after_another=False):
        """The note's mark in the text: the footnote itself, or a reference back
        to it; after another mark, a comma first, so marks never run together."""
        p = paragraph._p
        if after_another:
            p.append(_run(",", style="FootnoteReference"))
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
            reference.set(qn("w:id"), str(citation.note + self.offset))
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


def _field(paragraph, instruction):
    """A simple field (PAGE, NUMPAGES) in a paragraph."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    field.append(_run("1"))
    paragraph._p.append(field)


def _fonts(r_pr, east_asian):
    """Times New Roman for every script (SimSun for Chinese), no theme fonts."""
    for old in r_pr.findall(qn("w:rFonts")):
        r_pr.remove(old)
    fonts = OxmlElement("w:rFonts")
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), FONT)
    fonts.set(qn("w:eastAsia"), east_asian)
    r_pr.insert(0, fonts)


def _plain_style(style, *, size, bold=False, italic=False, before=0, after=0, keep=False):
    """Make a style of the default template plain: no theme fonts or colours, no
    borders, the given size and weight."""
    element = style.element
    r_pr = element.get_or_add_rPr()
    for tag in ("w:color", "w:sz", "w:szCs", "w:b", "w:bCs", "w:i", "w:iCs", "w:spacing"):
        for old in r_pr.findall(qn(tag)):
            r_pr.remove(old)
    _fonts(r_pr, EAST_ASIAN_FONT)
    p_pr = element.get_or_add_pPr()
    for tag in ("w:pBdr", "w:numPr", "w:contextualSpacing"):
        for old in p_pr.findall(qn(tag)):
            p_pr.remove(old)
    font = style.font
    font.size = Pt(size)
    font.bold = bold
    font.italic = italic
    font.color.rgb = RGBColor(0, 0, 0)
    fmt = style.paragraph_format
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    fmt.keep_with_next = keep
    fmt.line_spacing = 1.0  # single: larger type is never cut by the body's exact 12 pt


def _set_language(document, language):
    """The document's default fonts and language."""
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    r_pr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _fonts(r_pr, EAST_ASIAN_FONT)
    for old in r_pr.findall(qn("w:lang")):
        r_pr.remove(old)
    lang = OxmlElement("w:lang")
    tag = WORD_LANGUAGES.get(language, "en-GB")
    lang.set(qn("w:val"), tag if not tag.startswith(("zh", "ar")) else "en-GB")
    lang.set(qn("w:eastAsia"), tag if tag.startswith("zh") else "zh-CN")
    lang.set(qn("w:bidi"), tag if tag.startswith("ar") else "ar-SA")
    r_pr.append(lang)


def _mark_language(run, language):
    """Mark a run written in ``language`` (spell-checking, voice, direction)."""
    r_pr = run._r.get_or_add_rPr()
    tag = WORD_LANGUAGES.get(language, "en-GB")
    lang = OxmlElement("w:lang")
    if tag.startswith("zh"):
        lang.set(qn("w:eastAsia"), tag)
    elif tag.startswith("ar"):
        lang.set(qn("w:bidi"), tag)
        r_pr.append(OxmlElement("w:rtl"))
    else:
        lang.set(qn("w:val"), tag)
    r_pr.append(lang)


def _right_to_left(paragraph):
    paragraph._p.get_or_add_pPr().append(OxmlElement("w:bidi"))


def _no_theme(document):
    """No theme fonts or theme colours in any style of the template: every style
    the editors may pick stays plain."""
    for style in document.styles.element.iter(qn("w:style")):
        for fonts in style.iter(qn("w:rFonts")):
            for name in list(fonts.attrib):
                if name.endswith(("Theme", "theme")):
                    del fonts.attrib[name]
            for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
                fonts.set(qn(attribute), FONT)
            fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
        for color in list(style.iter(qn("w:color"))):
            color.getparent().remove(color)
    for border in document.styles.element.iter(qn("w:pBdr")):
        for edge in border:
            for name in list(edge.attrib):
                if name.endswith(("themeColor", "themeShade", "themeTint")):
                    del edge.attrib[name]
            edge.set(qn("w:color"), "000000")


def _styles(document):
    _no_theme(document)
    styles = document.styles
    normal = styles["Normal"]
    _plain_style(normal, size=10)
    normal.paragraph_format.line_spacing = Pt(12)
    _plain_style(styles["Title"], size=14, bold=True, after=12, keep=True)
    _plain_style(styles["Subtitle"], size=12, bold=True, after=12, keep=True)
    sizes = {1: (12, True, False), 2: (10, True, False), 3: (10, True, False)}
    for level in range(1, 7):
        size, bold, italic = sizes.get(level, (10, level == 4, level > 4))
        style = styles[f"Heading {level}"]
        _plain_style(style, size=size, bold=bold, italic=italic, before=12, after=6, keep=True)
        fmt = style.paragraph_format
        fmt.left_indent = Cm(1.27)
        fmt.first_line_indent = Cm(-1.27) if level > 1 else Cm(-1.27)
        fmt.right_indent = Cm(1.27)
    body = styles.add_style("UN Paragraph", normal.type)
    body.base_style = normal
    fmt = body.paragraph_format
    fmt.left_indent = Cm(1.9)
    fmt.right_indent = Cm(1.27)
    fmt.first_line_indent = Cm(-0.63)
    fmt.space_after = Pt(6)
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.tab_stops.add_tab_stop(Cm(1.9))
    draft = styles.add_style("Draft note", normal.type)
    draft.base_style = normal
    draft.font.italic = True
    draft.font.color.rgb = RGBColor(0x40, 0x40, 0x40)
    draft.paragraph_format.left_indent = Cm(1.9)
    draft.paragraph_format.right_indent = Cm(1.27)
    draft.paragraph_format.space_after = Pt(6)


def _page(document):
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.2)
    section.left_margin = section.right_margin = Cm(2.2)
    section.header_distance = section.footer_distance = Cm(1.27)
    return section


def _running_heads(document, section, report):
    """Symbol at the top, page n/N at the foot; left on even pages, right on odd
    ones; none on the cover (the first page)."""
    section.different_first_page_header_footer = True
    document.settings.odd_and_even_pages_header_footer = True
    symbol = display_symbol(report.symbol) or report.cycle_title
    for header, alignment in (
        (section.header, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_header, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        p = header.paragraphs[0]
        p.alignment = alignment
        run = p.add_run(symbol)
        run.bold = True
        run.font.size = Pt(9)
        _bottom_border(p)
    for footer, alignment in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        p = footer.paragraphs[0]
        p.alignment = alignment
        _field(p, "PAGE")
        p.add_run("/")
        _field(p, "NUMPAGES")
        for run in p.runs:
            run.bold = True
            run.font.size = Pt(9)


def _bottom_border(paragraph, size=4):
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), str(size))
    bottom.set(qn("w:space"), "1")
    bottom.set(qn("w:color"), "000000")
    borders.append(bottom)
    p_pr.append(borders)


def _no_borders(table):
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    tbl_pr.append(borders)


def _cell_text(cell, lines, *, size=10, bold_first=False, alignment=None):
    paragraph = cell.paragraphs[0]
    for i, line in enumerate(lines):
        if i:
            paragraph = cell.add_paragraph()
        if alignment is not None:
            paragraph.alignment = alignment
        paragraph.paragraph_format.space_after = Pt(0)
        paragraph.paragraph_format.line_spacing = 1.0
        run = paragraph.add_run(line)
        run.font.size = Pt(size)
        run.bold = bold_first and i == 0
    return paragraph


def _cover(document, report, footnotes, note_id):
    """The first page: the masthead, the bodies and the agenda item, the title,
    the summary."""
    cover = report.cover
    top = document.add_table(rows=2, cols=2)
    _no_borders(top)
    top.alignment = WD_TABLE_ALIGNMENT.CENTER
    _cell_text(top.cell(0, 0), [_("United Nations")], size=12)
    _cell_text(
        top.cell(0, 1), [display_symbol(cover.symbol)], size=18, bold_first=True,
        alignment=WD_ALIGN_PARAGRAPH.RIGHT,
    )  # fmt: skip
    names = [body for body, _lines in cover.bodies] or [_("General Assembly")]
    _cell_text(top.cell(1, 0), names, size=14, bold_first=False)
    for paragraph in top.cell(1, 0).paragraphs:
        for run in paragraph.runs:
            run.bold = True
    with translation.override(cover.masthead_language):
        masthead = [_("Distr.: %(distribution)s") % {"distribution": cover.distribution}]
        if cover.date:
            masthead.append(cover.date)
        if cover.language_name and cover.language_name != cover.original_language_name:
            masthead.append(cover.language_name)
        if cover.original_language_name:
            masthead.append(
                _("Original: %(language)s") % {"language": cover.original_language_name}
            )
    _cell_text(top.cell(1, 1), masthead, size=10)
    rule = document.add_paragraph()
    _bottom_border(rule, size=24)

    if cover.bodies:
        table = document.add_table(rows=1, cols=len(cover.bodies))
        _no_borders(table)
        for i, (body, lines) in enumerate(cover.bodies):
            cell = table.cell(0, i)
            _cell_text(cell, [body, *lines], size=10, bold_first=True)
            if cover.foreign:
                for paragraph in cell.paragraphs[1:]:
                    for run in paragraph.runs:
                        _mark_language(run, cover.text_language)
            if i == len(cover.bodies) - 1 and cover.agenda_item:
                p = cell.add_paragraph()
                p.add_run(_("Agenda item %(item)s") % {"item": cover.agenda_item})
                if cover.agenda_note:
                    footnotes.cite_starred(p, note_id)
                if cover.agenda_title:
                    run = cell.add_paragraph().add_run(cover.agenda_title)
                    run.bold = True
                    if cover.foreign:
                        _mark_language(run, cover.text_language)
    document.add_paragraph()
    document.add_paragraph(report.title, style="Title")
    document.add_paragraph(report.document_type, style="Subtitle")
    summary = document.add_table(rows=1, cols=1)
    summary.style = None
    cell = summary.cell(0, 0)
    heading = cell.paragraphs[0]
    heading.add_run(_("Summary")).bold = True
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text in report.summary:
        p = cell.add_paragraph(text)
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        p.paragraph_format.space_after = Pt(6)
        if not same_language(report.summary_language, report.language):
            for run in p.runs:
                _mark_language(run, report.summary_language)
    _box(summary)


def _box(table):
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "single")
        element.set(qn("w:sz"), "4")
        element.set(qn("w:color"), "000000")
        borders.append(element)
    tbl_pr.append(borders)


def _paragraph(document, report, paragraph, footnotes):
    p = document.add_paragraph(style="UN Paragraph")
    rtl = same_language(report.language, "ar") and same_language(paragraph.language, "ar")
    if rtl:
        _right_to_left(p)
    if paragraph.origin == "gap":
        p.add_run(f"{paragraph.gap[0]}.\t")
        p.add_run(paragraph.text).italic = True
        return
    p.add_run(f"{paragraph.number}.\t")
    foreign = not same_language(paragraph.language, report.language)
    for i, sentence in enumerate(paragraph.sentences):
        run = p.add_run(("" if i == 0 else " ") + sentence.text)
        if foreign:
            _mark_language(run, paragraph.language)
        for k, citation in enumerate(sentence.citations):
            footnotes.cite(p, citation, after_another=k > 0)


def _editor_note(document, note):
    document.add_paragraph(note.title, style="Draft note").runs[0].bold = True
    for label, entities, sentences in note.groups:
        acronyms = ", ".join(e.acronym for e in entities)
        document.add_paragraph(f"{label} ({acronyms})", style="Draft note")
        for sentence in sentences:
            document.add_paragraph(f"– {sentence.text}", style="Draft note")


def render_docx(report):
    """The report as a .docx file (bytes)."""
    document = Document()
    document.core_properties.title = report.title
    document.core_properties.subject = display_symbol(report.symbol) or report.cycle_title
    document.core_properties.language = WORD_LANGUAGES.get(report.language, "en-GB")
    _styles(document)
    _set_language(document, report.language)
    section = _page(document)
    _running_heads(document, section, report)
    # The footnotes' ids follow the order the text cites them, as some readers
    # (LibreOffice) match them by that order: the cover's "*" note first, then
    # the numbered ones. Word numbers them by their place in the text.
    starred = bool(report.cover.agenda_note and report.cover.agenda_item and report.cover.bodies)
    footnotes = _Footnotes(document, offset=1 if starred else 0)
    if starred:
        footnotes.add_starred(1, report.cover.agenda_note.rstrip(".") + ".")
    for note in report.notes:
        footnotes.add(note)

    _cover(document, report, footnotes, note_id=1)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    if report.is_draft:
        line = _("Draft compiled on %(date)s from %(count)s accepted or published submissions.") % {
            "date": report.compiled_at.date().isoformat(),
            "count": report.submissions_included,
        }
        share = report.language_share
        document.add_paragraph(f"{line} {share}".strip(), style="Draft note")

    for heading in report.headings():
        document.add_heading(heading.heading, level=min(heading.level, 9))
        for paragraph in heading.paragraphs:
            _paragraph(document, report, paragraph, footnotes)
        if report.is_draft and heading.waiting:
            document.add_paragraph(heading.waiting, style="Draft note")
        if report.is_draft:
            for note in heading.editor_notes:
                _editor_note(document, note)

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
