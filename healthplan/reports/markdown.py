"""Markdown reports: the same sections and tables as plain text (charts are in the Word, PDF and HTML versions)."""

from __future__ import annotations

from .content import EXAMPLE_BANNER, EXAMPLE_TAG, Report
from .layout import (COUNT_HEADERS, INDICATOR_HEADERS, PROJECT_HEADERS, RESOURCE_HEADERS, count_rows, data_source,
                     domain_title, example_note, finding_text, indicator_cells, indicator_note, project_cells,
                     resource_cells, resource_note, section_titles)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(_cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _h(title: str, example: bool, level: int = 2) -> str:
    return "#" * level + " " + title + (f"（{EXAMPLE_TAG}）" if example else "")


def render_markdown(report: Report) -> bytes:
    ex = report.example
    titles = dict(section_titles(report))
    out = [f"# {report.title}", "", report.subtitle, "", f"生成日期：{report.generated}", ""]
    if ex:
        out += [f"> **{EXAMPLE_BANNER}**", ""]
    out += [_h(titles["summary"], ex), "", report.intro, "", report.summary_text, "",
            _table(COUNT_HEADERS, count_rows(report)), "", report.binding_text, ""]
    out += [_h(titles["indicators"], ex), ""]
    for i, section in enumerate(report.domains):
        table = _table(INDICATOR_HEADERS, [indicator_cells(r) for r in section.rows])
        out += [f"### {domain_title(i, section)}", "", table, ""]
        note = indicator_note(section, report)
        if note:
            out += [note, ""]
    out += [_h(titles["charts"], ex), "", "图表见本报告的 Word、PDF 或 HTML 版本。各指标评估说明如下：", ""]
    for r in report.rows:
        out.append(f"- **{r.name}**：{r.explanation}" + ("（示例数据）" if r.example else ""))
    out.append("")
    out += [_h(titles["projects"], report.projects_example), ""]
    if report.projects:
        out += [_table(PROJECT_HEADERS, [project_cells(p) for p in report.projects]), ""]
        if report.projects_example:
            out += ["注：项目进展为示例数据，非真实情况。", ""]
    else:
        out += [report.projects_note or "", ""]
    out += [_h(titles["resources"], False), ""]
    if report.resources:
        out += [_table(RESOURCE_HEADERS, [resource_cells(r) for r in report.resources]), "", resource_note(report), ""]
    else:
        out += [report.resources_note or "", ""]
    out += [_h(titles["findings"], False), ""]
    if report.findings:
        for f in report.findings:
            out.append(f"- {finding_text(f)}")
        out.append("")
    else:
        out += [report.findings_note or "", ""]
    out += [_h(titles["recommendations"], ex), ""]
    out += [f"{i}. {rec.text}" for i, rec in enumerate(report.recommendations, 1)]
    out += ["", "## 附：评估方法与数据说明", ""]
    out += [f"- {t}" for t in report.methods]
    out += ["", data_source(report), ""]
    if ex:
        out += [f"> **{example_note(report)}**", ""]
    return "\n".join(out).encode("utf-8")


def render_comparison_markdown(cmp) -> bytes:
    from .compare import comparison_rows

    ex = cmp.example
    out = [f"# {cmp.title}", "", cmp.subtitle, "", f"生成日期：{cmp.generated}", ""]
    if ex:
        out += [f"> **{EXAMPLE_BANNER}**", ""]
    out += ["## 一、说明", ""] + [t + "\n" for t in cmp.notes]
    out += [_h("二、各地区规划概况", ex), "", _table(cmp.overview_headers, cmp.overview_rows), ""]
    out += [_h("三、共有指标对比", ex), ""]
    for i, ind in enumerate(cmp.indicators):
        headers, rows = comparison_rows(ind)
        out += [f"### （{i + 1}）{ind.name}", "", _table(headers, rows), ""]
        if ind.national_note:
            out += [ind.national_note, ""]
    if ex:
        out += [f"> **{cmp.example_text}**", ""]
    return "\n".join(out).encode("utf-8")
