"""Audit findings as JSON, a Chinese text table (rich) and a self-contained HTML page."""

from __future__ import annotations

import html
import io
import json
import re

from rich.console import Console
from rich.table import Table

from .model import SEVERITY_ORDER, SEVERITY_ZH, Finding

CHECK_ZH = {
    "prose_vs_table": "正文与表格",
    "per_capita": "人均指标复算",
    "sums": "表格合计",
    "shares": "分项与占比",
    "units": "计量单位",
    "targets": "目标值",
    "reference": "参考目标",
}
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def summary(findings: list[Finding]) -> dict[str, int]:
    out = {k: 0 for k in SEVERITY_ORDER}
    for f in findings:
        out[f.severity] += 1
    return out


def to_json(findings: list[Finding], plan=None) -> str:
    data = {
        "file": plan.file if plan is not None else None,
        "region": plan.region if plan is not None else None,
        "summary": summary(findings),
        "findings": [f.model_dump(mode="json") for f in findings],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _title(plan) -> str:
    if plan is None:
        return "规划审核结果"
    name = plan.region or plan.file
    return f"{name}规划审核结果" if plan.region else f"规划审核结果：{name}"


def _counts_zh(findings: list[Finding]) -> str:
    s = summary(findings)
    return "，".join(f"{SEVERITY_ZH[k]}{v}项" for k, v in s.items())


def to_rich(findings: list[Finding], plan=None) -> Table:
    table = Table(title=f"{_title(plan)}（{_counts_zh(findings)}）", show_lines=True, expand=True)
    table.add_column("序号", justify="right", no_wrap=True)
    table.add_column("级别", no_wrap=True)
    table.add_column("检查", overflow="fold", max_width=12)
    table.add_column("行号", overflow="fold", max_width=12)
    table.add_column("说明", overflow="fold", ratio=1)
    for i, f in enumerate(findings, 1):
        table.add_row(str(i), f"[{SEVERITY_STYLE[f.severity]}]{SEVERITY_ZH[f.severity]}[/]",
                      CHECK_ZH.get(f.check, f.check), "、".join(str(x) for x in f.lines), f.message)
    return table


def to_text(findings: list[Finding], plan=None, width: int = 120) -> str:
    """The table as plain text (for ``-o report.txt``)."""
    buf = io.StringIO()
    console = Console(file=buf, width=width, color_system=None, force_terminal=False, legacy_windows=False)
    if findings:
        console.print(to_rich(findings, plan))
    else:
        console.print(f"{_title(plan)}：未发现问题。")
    return buf.getvalue()


CSS = """
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC",sans-serif;margin:2em auto;max-width:60em;
color:#222;line-height:1.6;padding:0 1em}
h1{font-size:1.5em;border-bottom:2px solid #444;padding-bottom:.3em}
h2{font-size:1.2em;margin-top:1.6em}
.summary span{display:inline-block;margin-right:1.2em;padding:.1em .6em;border-radius:3px}
.finding{border:1px solid #ccc;border-left:6px solid #999;border-radius:4px;margin:1em 0;padding:.6em 1em}
.error{border-left-color:#c0392b}.warning{border-left-color:#d68910}.info{border-left-color:#2e86c1}
.tag{font-size:.85em;color:#fff;padding:.05em .5em;border-radius:3px;margin-right:.5em}
.tag.error{background:#c0392b}.tag.warning{background:#d68910}.tag.info{background:#2e86c1}
.check{font-weight:bold}.lines{color:#555;font-size:.9em}
blockquote{margin:.5em 0;padding:.3em .8em;background:#f6f6f6;border-left:3px solid #bbb;font-size:.9em}
blockquote .ln{color:#888;margin-right:.6em;font-family:monospace}
table.q{border-collapse:collapse;font-size:.85em;margin-top:.4em}
table.q td,table.q th{border:1px solid #ddd;padding:.1em .6em;text-align:left}
.none{color:#2e7d32}
"""


def _quote(lines: list[str] | None, n: int, message: str = "", limit: int = 240) -> str:
    """Line ``n`` of the document; a long line is cut around the first number the finding names."""
    if not lines or n < 1 or n > len(lines):
        return ""
    text = lines[n - 1].replace("\t", " ").strip()
    if not text:
        return ""
    if len(text) > limit:
        tokens = sorted({t for t in re.findall(r"\d[\d,]*(?:\.\d+)?", message) if len(t.replace(",", "")) >= 2},
                        key=len, reverse=True)
        hits = [text.find(t.replace(",", "")) for t in tokens]
        hits = [h for h in hits if h >= 0]
        centre = min(hits) if hits else 0
        start = max(0, min(centre - limit // 3, len(text) - limit))
        text = ("……" if start > 0 else "") + text[start:start + limit] + ("……" if start + limit < len(text) else "")
    return f'<div><span class="ln">第{n}行</span>{html.escape(text)}</div>'


def _row_texts(plan) -> dict[int, str]:
    """Table rows as one line each, by the line of their first cell: a quote shows the whole row."""
    if plan is None:
        return {}
    out: dict[int, str] = {}

    def put(line, cells):
        out.setdefault(line, "｜".join(str(c) for c in cells if c not in (None, "")))

    for r in plan.indicators:
        put(r.line, [r.name, r.unit, r.baseline.text if r.baseline else None, r.target.text if r.target else None,
                     r.outlook.text if r.outlook else None, r.property])
    for r in plan.completion:
        put(r.line, [r.name, r.unit, r.target.text, r.actual.text])
    for t in plan.facility_tables:
        heads = [f"{c.year or ''}{c.label}" for c in t.columns]
        for row in t.rows:
            name = "合计" if row.total else ("小计" if row.subtotal else (row.facility or row.category))
            values = "｜".join(f"{h} {v:g}" for h, v in zip(heads, row.values) if v is not None)
            put(row.line, [name, values])
    for p in plan.projects:
        put(p.line, [p.name, p.stage, f"{p.start_year}—{p.end_year}" if p.start_year else None,
                     f"总投资{p.total_investment_wan:g}万元" if p.total_investment_wan is not None else None,
                     f"期间投资{p.period_investment_wan:g}万元" if p.period_investment_wan is not None else None])
    return out


def to_html(findings: list[Finding], plan=None, document_lines: list[str] | None = None) -> str:
    title = html.escape(_title(plan))
    row_texts = _row_texts(plan)
    parts = [f"<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">",
             f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>",
             f"<style>{CSS}</style></head><body>", f"<h1>{title}</h1>"]
    if plan is not None:
        parts.append(f"<p>文件：{html.escape(plan.file or '')}</p>")
    s = summary(findings)
    parts.append('<p class="summary">' + "".join(
        f'<span class="tag {k}">{SEVERITY_ZH[k]} {v} 项</span>' for k, v in s.items()) + "</p>")
    if not findings:
        parts.append('<p class="none">未发现问题。</p>')
    for sev in SEVERITY_ORDER:
        group = [f for f in findings if f.severity == sev]
        if not group:
            continue
        parts.append(f'<section><h2>{SEVERITY_ZH[sev]}（{len(group)}项）</h2>')
        for f in group:
            lines = "、".join(str(x) for x in f.lines)
            parts.append(f'<div class="finding {sev}"><div><span class="tag {sev}">{SEVERITY_ZH[sev]}</span>'
                         f'<span class="check">{html.escape(CHECK_ZH.get(f.check, f.check))}</span> '
                         f'<span class="lines">第{lines}行</span></div>')
            parts.append(f"<p>{html.escape(f.message)}</p>")
            quotes = "".join(_quote_row(row_texts, n) or _quote(document_lines, n, f.message) for n in f.lines)
            if quotes:
                parts.append(f"<blockquote>{quotes}</blockquote>")
            if f.quantities:
                rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(_num(v))}</td></tr>"
                               for k, v in f.quantities.items())
                parts.append(f'<table class="q"><tr><th>数量</th><th>数值</th></tr>{rows}</table>')
            parts.append("</div>")
        parts.append("</section>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _quote_row(rows: dict[int, str], n: int) -> str:
    if n not in rows:
        return ""
    return f'<div><span class="ln">第{n}行</span>表格行：{html.escape(rows[n])}</div>'


def _num(v: float) -> str:
    if abs(v - round(v)) < 1e-9:
        return f"{int(round(v)):,}"
    return f"{v:,.4f}".rstrip("0").rstrip(".")
