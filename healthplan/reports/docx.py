"""Word (.docx) reports with python-docx: real tables, embedded PNG charts, East Asian fonts set.

Fonts are named for East Asian text (``w:eastAsia``: 宋体 for body text, 黑体 for headings) besides
the Latin font, so Word shows Chinese in a Chinese face; a report that uses example data carries
示例数据 in the page header, which Word repeats on every page.
"""

from __future__ import annotations

import io
from datetime import datetime, timezone

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from .charts import comparison_chart, indicator_chart
from .content import EXAMPLE_BANNER, Report
from .fonts import DOCX_BODY_EAST_ASIA, DOCX_HEADING_EAST_ASIA, DOCX_LATIN
from .layout import (COMPARE_WIDTHS, COUNT_HEADERS, INDICATOR_HEADERS, INDICATOR_WIDTHS, OVERVIEW_WIDTHS,
                     PROJECT_HEADERS, PROJECT_WIDTHS, RESOURCE_HEADERS, RESOURCE_WIDTHS, STATUS_COLOURS, count_rows,
                     data_source, domain_title, example_note, finding_text, indicator_cells, indicator_note,
                     project_cells, resource_cells, resource_note, section_titles)

RED = RGBColor(0xC0, 0x39, 0x2B)


def _east_asia(element, east: str, latin: str = DOCX_LATIN) -> None:
    """Set the fonts of a style or run: Latin and East Asian, dropping theme fonts that would override them."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east)
    fonts.set(qn("w:cs"), latin)


def _styles(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.size = Pt(11)
    _east_asia(normal.element, DOCX_BODY_EAST_ASIA)
    # Chinese typesetting: a little more line spacing, no space after every paragraph
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.25
    for name, size in (("Title", 20), ("Heading 1", 15), ("Heading 2", 13), ("Heading 3", 11.5)):
        style = doc.styles[name]
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = RGBColor(0, 0, 0)
        _east_asia(style.element, DOCX_HEADING_EAST_ASIA)
    # A Chinese language tag so that Word picks East Asian line breaking and fonts
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal.element.get_or_add_rPr().append(lang)


def _shade(cell, colour: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), colour)
    tc_pr.append(shd)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _cell_text(cell, text: str, size: float = 9, bold: bool = False, align=None) -> None:
    p = cell.paragraphs[0]
    p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.line_spacing = 1.0
    if align is not None:
        p.alignment = align
    run = p.add_run(text)
    run.font.size = Pt(size)
    run.bold = bold


def _table(doc, headers: list[str], rows: list[list[str]], widths: list[float] | None = None,
           colours: list[str | None] | None = None, colour_col: int | None = None, left: tuple[int, ...] = (0,)):
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = widths is None
    for i, h in enumerate(headers):
        cell = table.rows[0].cells[i]
        _cell_text(cell, h, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        _shade(cell, "D9E2F3")
    _repeat_header(table.rows[0])
    for n, values in enumerate(rows):
        cells = table.add_row().cells
        for i, v in enumerate(values):
            _cell_text(cells[i], v, align=None if i in left else WD_ALIGN_PARAGRAPH.CENTER)
        if colours and colour_col is not None and colours[n]:
            _shade(cells[colour_col], colours[n])
    if widths:  # Word reads the cell widths, LibreOffice the grid
        for i, w in enumerate(widths):
            table.columns[i].width = Cm(w)
        for row in table.rows:
            for i, w in enumerate(widths):
                row.cells[i].width = Cm(w)
    return table


def _note(doc, text: str, colour: RGBColor | None = None, size: float = 9):
    p = doc.add_paragraph()
    run = p.add_run(text)
    run.font.size = Pt(size)
    if colour is not None:
        run.font.color.rgb = colour
    return p


def _page_number(paragraph) -> None:
    paragraph.add_run("第 ")
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
    paragraph.add_run(" 页")


def _document(title: str, example: bool):
    doc = Document()
    _styles(doc)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.0)
    section.top_margin, section.bottom_margin = Cm(2.3), Cm(2.0)
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if example:
        run = header.add_run(EXAMPLE_BANNER)
        run.bold = True
        run.font.size = Pt(9)
        run.font.color.rgb = RED
    else:
        run = header.add_run(title)
        run.font.size = Pt(9)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_number(footer)
    props = doc.core_properties
    props.title, props.author, props.language = title, "healthplan", "zh-CN"
    props.created = props.modified = datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None)
    return doc


def _title(doc, title: str, subtitle: str, example: bool, generated: str) -> None:
    p = doc.add_paragraph(style="Title")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run(title)
    sub = doc.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub.add_run(subtitle).font.size = Pt(11)
    date = doc.add_paragraph()
    date.alignment = WD_ALIGN_PARAGRAPH.CENTER
    date.add_run(f"生成日期：{generated}").font.size = Pt(10)
    if example:
        banner = doc.add_paragraph()
        banner.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = banner.add_run(EXAMPLE_BANNER)
        run.bold = True
        run.font.color.rgb = RED


def render_docx(report: Report) -> bytes:
    doc = _document(report.title, report.example)
    _title(doc, report.title, report.subtitle, report.example, report.generated)
    titles = dict(section_titles(report))

    doc.add_heading(titles["summary"], level=1)
    doc.add_paragraph(report.intro)
    doc.add_paragraph(report.summary_text)
    _table(doc, COUNT_HEADERS, count_rows(report))
    doc.add_paragraph(report.binding_text)

    doc.add_heading(titles["indicators"], level=1)
    for i, section in enumerate(report.domains):
        doc.add_heading(domain_title(i, section), level=2)
        _table(doc, INDICATOR_HEADERS, [indicator_cells(r) for r in section.rows], INDICATOR_WIDTHS,
               [STATUS_COLOURS[r.status] for r in section.rows], colour_col=6)
        note = indicator_note(section, report)
        if note:
            _note(doc, note, RED if section.example else None)

    doc.add_heading(titles["charts"], level=1)
    if not report.has_data:
        _note(doc, "暂无监测数据：下列各图仅显示基期值、目标值和序时进度线。", size=10)
    for i, section in enumerate(report.domains):
        doc.add_heading(domain_title(i, section), level=2)
        for r in section.rows:
            if r.chart is None:
                _note(doc, f"{r.name}：无可绘制的数据。")
                continue
            doc.add_picture(io.BytesIO(indicator_chart(r.chart)), width=Cm(16.5))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            _note(doc, f"{r.name}：{r.explanation}" + ("（示例数据）" if r.example else ""))

    doc.add_heading(titles["projects"], level=1)
    if report.projects:
        _table(doc, PROJECT_HEADERS, [project_cells(p) for p in report.projects], PROJECT_WIDTHS, left=(1,))
        if report.projects_example:
            _note(doc, "注：项目进展为示例数据，非真实情况。", RED)
    else:
        doc.add_paragraph(report.projects_note or "")

    doc.add_heading(titles["resources"], level=1)
    if report.resources:
        _table(doc, RESOURCE_HEADERS, [resource_cells(r) for r in report.resources], RESOURCE_WIDTHS)
        _note(doc, resource_note(report))
    else:
        doc.add_paragraph(report.resources_note or "")

    doc.add_heading(titles["findings"], level=1)
    if report.findings:
        for f in report.findings:
            doc.add_paragraph(finding_text(f), style="List Bullet")
    else:
        doc.add_paragraph(report.findings_note or "")

    doc.add_heading(titles["recommendations"], level=1)
    for i, rec in enumerate(report.recommendations, 1):
        doc.add_paragraph(f"{i}. {rec.text}")

    doc.add_heading("附：评估方法与数据说明", level=1)
    for text in report.methods:
        doc.add_paragraph(text, style="List Bullet")
    doc.add_paragraph(data_source(report))
    if report.example:
        _note(doc, example_note(report), RED, size=10)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def render_comparison_docx(cmp) -> bytes:
    from .compare import comparison_rows

    doc = _document(cmp.title, cmp.example)
    _title(doc, cmp.title, cmp.subtitle, cmp.example, cmp.generated)
    doc.add_heading("一、说明", level=1)
    for text in cmp.notes:
        doc.add_paragraph(text)
    doc.add_heading("二、各地区规划概况", level=1)
    _table(doc, cmp.overview_headers, cmp.overview_rows, OVERVIEW_WIDTHS)
    doc.add_heading("三、共有指标对比", level=1)
    for i, ind in enumerate(cmp.indicators):
        doc.add_heading(f"（{i + 1}）{ind.name}", level=2)
        headers, rows = comparison_rows(ind)
        _table(doc, headers, rows, COMPARE_WIDTHS)
        if ind.national_note:
            _note(doc, ind.national_note)
        doc.add_picture(io.BytesIO(comparison_chart(*ind.chart_args(cmp.example))), width=Cm(16.5))
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    if cmp.example:
        _note(doc, cmp.example_text, RED, size=10)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
