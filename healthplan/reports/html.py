"""Self-contained HTML reports: inline CSS, charts as base64 PNG, no script and no remote resource.

Health networks (卫生专网) are often cut off from the internet, so the page references nothing
outside itself: it opens from a USB stick or an e-mail attachment as it is.
"""

from __future__ import annotations

import base64
from html import escape

from .charts import comparison_chart, indicator_chart
from .content import EXAMPLE_BANNER, EXAMPLE_TAG, Report
from .layout import (COUNT_HEADERS, INDICATOR_HEADERS, PROJECT_HEADERS, RESOURCE_HEADERS, STATUS_COLOURS, count_rows,
                     data_source, domain_title, example_note, finding_text, indicator_cells, indicator_note,
                     project_cells, resource_cells, resource_note, section_titles)

CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Zen Hei","Microsoft YaHei","PingFang SC",
"SimHei",sans-serif;max-width:1000px;margin:0 auto;padding:24px 32px;color:#222;line-height:1.7;background:#fff}
h1{font-size:26px;text-align:center;margin:16px 0 4px}
.sub{text-align:center;color:#555;margin:0}
h2{font-size:20px;border-bottom:2px solid #1f5fa8;padding-bottom:4px;margin-top:36px}
h3{font-size:16px;margin-top:22px}
table{border-collapse:collapse;width:100%;margin:8px 0 6px;font-size:13px}
th,td{border:1px solid #aab;padding:4px 6px;text-align:center;vertical-align:middle}
th{background:#d9e2f3}
td:first-child{text-align:left}
.banner{background:#fdecea;border:2px solid #c0392b;color:#c0392b;font-weight:bold;padding:8px 12px;
text-align:center;margin:12px 0}
.tag{display:inline-block;background:#c0392b;color:#fff;font-size:12px;padding:0 6px;border-radius:3px;
margin-left:8px;vertical-align:middle;font-weight:normal}
.note{font-size:13px;color:#555}
.note.example{color:#c0392b}
figure{margin:12px 0 18px;text-align:center}
figure img{max-width:100%}
figcaption{font-size:13px;color:#444;text-align:left}
ol li,ul li{margin:4px 0}
@media print{.banner{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""


def _table(headers: list[str], rows: list[list[str]], colours: list[str] | None = None,
           colour_col: int | None = None) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for n, row in enumerate(rows):
        cells = []
        for i, v in enumerate(row):
            style = f' style="background:#{colours[n]}"' if colours and i == colour_col else ""
            cells.append(f"<td{style}>{escape(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _img(png: bytes, alt: str) -> str:
    return f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}" alt="{escape(alt)}">'


def _tag(example: bool) -> str:
    return f'<span class="tag">{EXAMPLE_TAG}</span>' if example else ""


def _page(title: str, body: list[str]) -> bytes:
    html = ("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")
    return html.encode("utf-8")


def render_html(report: Report) -> bytes:
    ex = report.example
    titles = dict(section_titles(report))
    out = [f"<h1>{escape(report.title)}</h1>", f'<p class="sub">{escape(report.subtitle)}</p>',
           f'<p class="sub">生成日期：{escape(report.generated)}</p>']
    if ex:
        out.append(f'<div class="banner">{escape(EXAMPLE_BANNER)}</div>')
    out += [f"<section id=\"summary\"><h2>{escape(titles['summary'])}{_tag(ex)}</h2>",
            f"<p>{escape(report.intro)}</p>", f"<p>{escape(report.summary_text)}</p>",
            _table(COUNT_HEADERS, count_rows(report)), f"<p>{escape(report.binding_text)}</p></section>"]

    out.append(f"<section id=\"indicators\"><h2>{escape(titles['indicators'])}{_tag(ex)}</h2>")
    for i, section in enumerate(report.domains):
        out.append(f"<h3>{escape(domain_title(i, section))}</h3>")
        out.append(_table(INDICATOR_HEADERS, [indicator_cells(r) for r in section.rows],
                          [STATUS_COLOURS[r.status] for r in section.rows], 6))
        note = indicator_note(section, report)
        if note:
            out.append(f'<p class="note{" example" if section.example else ""}">{escape(note)}</p>')
    out.append("</section>")

    out.append(f"<section id=\"charts\"><h2>{escape(titles['charts'])}{_tag(ex)}</h2>")
    if not report.has_data:
        out.append('<p class="note">暂无监测数据：下列各图仅显示基期值、目标值和序时进度线。</p>')
    for i, section in enumerate(report.domains):
        out.append(f"<h3>{escape(domain_title(i, section))}</h3>")
        for r in section.rows:
            if r.chart is None:
                out.append(f'<p class="note">{escape(r.name)}：无可绘制的数据。</p>')
                continue
            caption = f"{r.name}：{r.explanation}" + ("（示例数据）" if r.example else "")
            out.append(f"<figure>{_img(indicator_chart(r.chart), r.name)}<figcaption>{escape(caption)}</figcaption>"
                       "</figure>")
    out.append("</section>")

    out.append(f"<section id=\"projects\"><h2>{escape(titles['projects'])}{_tag(report.projects_example)}</h2>")
    if report.projects:
        out.append(_table(PROJECT_HEADERS, [project_cells(p) for p in report.projects]))
        if report.projects_example:
            out.append('<p class="note example">注：项目进展为示例数据，非真实情况。</p>')
    else:
        out.append(f"<p>{escape(report.projects_note or '')}</p>")
    out.append("</section>")

    out.append(f"<section id=\"resources\"><h2>{escape(titles['resources'])}</h2>")
    if report.resources:
        out.append(_table(RESOURCE_HEADERS, [resource_cells(r) for r in report.resources]))
        out.append(f'<p class="note">{escape(resource_note(report))}</p>')
    else:
        out.append(f"<p>{escape(report.resources_note or '')}</p>")
    out.append("</section>")

    out.append(f"<section id=\"findings\"><h2>{escape(titles['findings'])}</h2>")
    if report.findings:
        items = "".join(f"<li>{escape(finding_text(f))}</li>" for f in report.findings)
        out.append(f"<ul>{items}</ul>")
    else:
        out.append(f"<p>{escape(report.findings_note or '')}</p>")
    out.append("</section>")

    out.append(f"<section id=\"recommendations\"><h2>{escape(titles['recommendations'])}{_tag(ex)}</h2><ol>")
    out += [f"<li>{escape(r.text)}</li>" for r in report.recommendations]
    out.append("</ol></section>")

    out.append("<section id=\"methods\"><h2>附：评估方法与数据说明</h2><ul>")
    out += [f"<li>{escape(t)}</li>" for t in report.methods]
    out.append(f"</ul><p>{escape(data_source(report))}</p>")
    if ex:
        out.append(f'<p class="note example">{escape(example_note(report))}</p>')
    out.append("</section>")
    if ex:
        out.append(f'<div class="banner">{escape(EXAMPLE_BANNER)}</div>')
    return _page(report.title, out)


def render_comparison_html(cmp) -> bytes:
    from .compare import comparison_rows

    ex = cmp.example
    out = [f"<h1>{escape(cmp.title)}</h1>", f'<p class="sub">{escape(cmp.subtitle)}</p>',
           f'<p class="sub">生成日期：{escape(cmp.generated)}</p>']
    if ex:
        out.append(f'<div class="banner">{escape(EXAMPLE_BANNER)}</div>')
    out.append("<section><h2>一、说明</h2>" + "".join(f"<p>{escape(t)}</p>" for t in cmp.notes) + "</section>")
    out.append(f"<section><h2>二、各地区规划概况{_tag(ex)}</h2>{_table(cmp.overview_headers, cmp.overview_rows)}"
               "</section>")
    out.append(f"<section><h2>三、共有指标对比{_tag(ex)}</h2>")
    for i, ind in enumerate(cmp.indicators):
        headers, rows = comparison_rows(ind)
        out.append(f"<h3>（{i + 1}）{escape(ind.name)}</h3>{_table(headers, rows)}")
        if ind.national_note:
            out.append(f'<p class="note">{escape(ind.national_note)}</p>')
        out.append(f"<figure>{_img(comparison_chart(*ind.chart_args(ex)), ind.name)}</figure>")
    out.append("</section>")
    if ex:
        out.append(f'<p class="note example">{escape(cmp.example_text)}</p>')
        out.append(f'<div class="banner">{escape(EXAMPLE_BANNER)}</div>')
    return _page(cmp.title, out)
