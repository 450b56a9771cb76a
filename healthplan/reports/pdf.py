"""PDF reports with reportlab, a CJK TrueType font embedded (subset), charts as images.

Every page of a report that uses example data carries a 示例数据 banner at the top and a faint
diagonal 示例数据 watermark, drawn by the page template so that no page can lack them.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .charts import comparison_chart, indicator_chart
from .content import EXAMPLE_BANNER, Report
from .fonts import reportlab_font
from .layout import (COMPARE_WIDTHS, COUNT_HEADERS, INDICATOR_HEADERS, INDICATOR_WIDTHS, OVERVIEW_WIDTHS,
                     PROJECT_HEADERS, PROJECT_WIDTHS, RESOURCE_HEADERS, RESOURCE_WIDTHS, STATUS_COLOURS, count_rows,
                     data_source, domain_title, example_note, finding_text, indicator_cells, indicator_note,
                     project_cells, resource_cells, resource_note, section_titles)

RED = colors.HexColor("#c0392b")
FRAME_WIDTH = A4[0] - 4 * cm


class _Styles:
    def __init__(self, font: str):
        base = dict(fontName=font, wordWrap="CJK", leading=16, fontSize=10.5)
        self.title = ParagraphStyle("title", **{**base, "fontSize": 18, "leading": 26, "alignment": TA_CENTER,
                                                "spaceAfter": 6})
        self.sub = ParagraphStyle("sub", **{**base, "alignment": TA_CENTER, "textColor": colors.HexColor("#555555")})
        self.h1 = ParagraphStyle("h1", **{**base, "fontSize": 14, "leading": 20, "spaceBefore": 14, "spaceAfter": 6,
                                          "textColor": colors.HexColor("#1f3f6b")})
        self.h2 = ParagraphStyle("h2", **{**base, "fontSize": 12, "leading": 17, "spaceBefore": 8, "spaceAfter": 4})
        self.body = ParagraphStyle("body", **{**base, "spaceAfter": 4, "firstLineIndent": 21})
        self.plain = ParagraphStyle("plain", **{**base, "spaceAfter": 4})
        self.note = ParagraphStyle("note", **{**base, "fontSize": 8.5, "leading": 12,
                                              "textColor": colors.HexColor("#444444"), "spaceAfter": 6})
        self.example = ParagraphStyle("example", **{**base, "fontSize": 9.5, "leading": 14, "textColor": RED,
                                                    "spaceAfter": 6})
        self.banner = ParagraphStyle("banner", **{**base, "fontSize": 10.5, "textColor": RED, "alignment": TA_CENTER,
                                                  "borderColor": RED, "borderWidth": 1, "borderPadding": 5,
                                                  "backColor": colors.HexColor("#fdecea"), "spaceBefore": 6,
                                                  "spaceAfter": 10})
        self.cell = ParagraphStyle("cell", **{**base, "fontSize": 8, "leading": 10})
        self.head = ParagraphStyle("head", **{**base, "fontSize": 8, "leading": 10, "alignment": TA_CENTER})
        self.cell_c = ParagraphStyle("cellc", **{**base, "fontSize": 8, "leading": 10, "alignment": TA_CENTER})


def _p(text: str, style) -> Paragraph:
    return Paragraph(escape(text), style)


def _table(st: _Styles, headers: list[str], rows: list[list[str]], widths: list[float] | None = None,
           colours: list[str] | None = None, colour_col: int | None = None, left: tuple[int, ...] = (0,)) -> Table:
    data = [[_p(h, st.head) for h in headers]]
    data += [[_p(v, st.cell if i in left else st.cell_c) for i, v in enumerate(row)] for row in rows]
    if widths:
        scale = FRAME_WIDTH / (sum(widths) * cm)
        col_widths = [w * cm * min(scale, 1.0) for w in widths]
    else:
        col_widths = [FRAME_WIDTH / len(headers)] * len(headers)
    table = Table(data, colWidths=col_widths, repeatRows=1, hAlign="CENTER")
    style = [("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#8899aa")),
             ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#d9e2f3")),
             ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
    if colours and colour_col is not None:
        for n, c in enumerate(colours, start=1):
            style.append(("BACKGROUND", (colour_col, n), (colour_col, n), colors.HexColor("#" + c)))
    table.setStyle(TableStyle(style))
    return table


def _image(png: bytes, width: float = FRAME_WIDTH) -> Image:
    w, h = ImageReader(io.BytesIO(png)).getSize()
    return Image(io.BytesIO(png), width=width, height=width * h / w)


def _decorate(font: str, example: bool, title: str):
    def draw(canvas, doc):
        canvas.saveState()
        width, height = A4
        if example:
            canvas.setFillColor(RED)
            canvas.setFont(font, 9)
            canvas.drawCentredString(width / 2, height - 1.3 * cm, EXAMPLE_BANNER)
            canvas.setStrokeColor(RED)
            canvas.line(2 * cm, height - 1.45 * cm, width - 2 * cm, height - 1.45 * cm)
            canvas.setFillColor(colors.Color(0.75, 0.22, 0.17, alpha=0.07))
            canvas.setFont(font, 90)
            canvas.translate(width / 2, height / 2)
            canvas.rotate(35)
            canvas.drawCentredString(0, 0, "示例数据")
            canvas.rotate(-35)
            canvas.translate(-width / 2, -height / 2)
        else:
            canvas.setFillColor(colors.HexColor("#666666"))
            canvas.setFont(font, 8.5)
            canvas.drawCentredString(width / 2, height - 1.3 * cm, title)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.setFont(font, 9)
        canvas.drawCentredString(width / 2, 1.2 * cm, f"第 {doc.page} 页")
        canvas.restoreState()
    return draw


def _build(story: list, title: str, example: bool, font: str) -> bytes:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, topMargin=2.1 * cm,
                            bottomMargin=2 * cm, title=title, author="healthplan", lang="zh-CN")
    deco = _decorate(font, example, title)
    doc.build(story, onFirstPage=deco, onLaterPages=deco)
    return buf.getvalue()


def _head(st: _Styles, title: str, subtitle: str, generated: str, example: bool) -> list:
    story = [Spacer(1, 0.4 * cm), _p(title, st.title), _p(subtitle, st.sub), _p(f"生成日期：{generated}", st.sub)]
    if example:
        story.append(_p(EXAMPLE_BANNER, st.banner))
    else:
        story.append(Spacer(1, 0.4 * cm))
    return story


def render_pdf(report: Report) -> bytes:
    font, _ = reportlab_font()
    st = _Styles(font)
    titles = dict(section_titles(report))
    story = _head(st, report.title, report.subtitle, report.generated, report.example)
    story += [_p(titles["summary"], st.h1), _p(report.intro, st.body), _p(report.summary_text, st.body),
              _table(st, COUNT_HEADERS, count_rows(report)), Spacer(1, 4), _p(report.binding_text, st.body)]

    story.append(_p(titles["indicators"], st.h1))
    for i, section in enumerate(report.domains):
        story.append(_p(domain_title(i, section), st.h2))
        story.append(_table(st, INDICATOR_HEADERS, [indicator_cells(r) for r in section.rows], INDICATOR_WIDTHS,
                            [STATUS_COLOURS[r.status] for r in section.rows], 6))
        note = indicator_note(section, report)
        if note:
            story.append(_p(note, st.example if section.example else st.note))

    story.append(_p(titles["charts"], st.h1))
    if not report.has_data:
        story.append(_p("暂无监测数据：下列各图仅显示基期值、目标值和序时进度线。", st.note))
    for i, section in enumerate(report.domains):
        story.append(_p(domain_title(i, section), st.h2))
        for r in section.rows:
            if r.chart is None:
                story.append(_p(f"{r.name}：无可绘制的数据。", st.note))
                continue
            caption = f"{r.name}：{r.explanation}" + ("（示例数据）" if r.example else "")
            story.append(KeepTogether([_image(indicator_chart(r.chart)), _p(caption, st.note)]))

    story.append(_p(titles["projects"], st.h1))
    if report.projects:
        story.append(_table(st, PROJECT_HEADERS, [project_cells(p) for p in report.projects], PROJECT_WIDTHS,
                            left=(1,)))
        if report.projects_example:
            story.append(_p("注：项目进展为示例数据，非真实情况。", st.example))
    else:
        story.append(_p(report.projects_note or "", st.body))

    story.append(_p(titles["resources"], st.h1))
    if report.resources:
        story.append(_table(st, RESOURCE_HEADERS, [resource_cells(r) for r in report.resources], RESOURCE_WIDTHS))
        story.append(_p(resource_note(report), st.note))
    else:
        story.append(_p(report.resources_note or "", st.body))

    story.append(_p(titles["findings"], st.h1))
    if report.findings:
        for f in report.findings:
            story.append(_p(f"• {finding_text(f)}", st.plain))
    else:
        story.append(_p(report.findings_note or "", st.body))

    story.append(_p(titles["recommendations"], st.h1))
    for i, rec in enumerate(report.recommendations, 1):
        story.append(_p(f"{i}. {rec.text}", st.plain))

    story.append(_p("附：评估方法与数据说明", st.h1))
    for text in report.methods:
        story.append(_p(f"• {text}", st.plain))
    story.append(_p(data_source(report), st.plain))
    if report.example:
        story.append(_p(example_note(report), st.example))
    return _build(story, report.title, report.example, font)


def render_comparison_pdf(cmp) -> bytes:
    from .compare import comparison_rows

    font, _ = reportlab_font()
    st = _Styles(font)
    story = _head(st, cmp.title, cmp.subtitle, cmp.generated, cmp.example)
    story.append(_p("一、说明", st.h1))
    story += [_p(t, st.body) for t in cmp.notes]
    story += [_p("二、各地区规划概况", st.h1), _table(st, cmp.overview_headers, cmp.overview_rows, OVERVIEW_WIDTHS)]
    story.append(_p("三、共有指标对比", st.h1))
    for i, ind in enumerate(cmp.indicators):
        headers, rows = comparison_rows(ind)
        block = [_p(f"（{i + 1}）{ind.name}", st.h2), _table(st, headers, rows, COMPARE_WIDTHS)]
        if ind.national_note:
            block.append(_p(ind.national_note, st.note))
        block.append(_image(comparison_chart(*ind.chart_args(cmp.example))))
        story.append(KeepTogether(block))
    if cmp.example:
        story.append(_p(cmp.example_text, st.example))
    return _build(story, cmp.title, cmp.example, font)
