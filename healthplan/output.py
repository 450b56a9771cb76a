"""Writing plans out: JSON (the public contract), YAML, and an Excel workbook a planner can correct.

Files are written to a temporary file in the same folder and renamed, so a failed write never
leaves half a file behind.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

import yaml

from .plan import Plan


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a written report is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def to_json(plans: list[Plan]) -> str:
    data = [p.contract() for p in plans]
    return json.dumps(data[0] if len(data) == 1 else data, ensure_ascii=False, indent=2) + "\n"


def to_yaml(plans: list[Plan]) -> str:
    data = [p.contract() for p in plans]
    return yaml.safe_dump(data[0] if len(data) == 1 else data, allow_unicode=True, sort_keys=False)


# (sheet title, section, [(column header, getter)])
def _value(v, key):
    return None if v is None else v.get(key)


SHEETS = [
    ("主要指标", "indicators", [
        ("领域", lambda r: r["domain"]), ("序号", lambda r: r["seq"]), ("指标", lambda r: r["name"]),
        ("单位", lambda r: r["unit"]),
        ("基期年份", lambda r: _value(r["baseline"], "year")), ("基期值（原文）", lambda r: _value(r["baseline"], "text")),
        ("基期值", lambda r: _value(r["baseline"], "value")),
        ("基期值来源", lambda r: ("推断：" + (r["baseline"].get("source") or "") + f"第{r['baseline'].get('source_line')}行")
         if r["baseline"] and r["baseline"].get("inferred") else None),
        ("目标年份", lambda r: r["target"]["year"]), ("目标值（原文）", lambda r: r["target"]["text"]),
        ("展望年份", lambda r: _value(r["outlook"], "year")), ("展望值", lambda r: _value(r["outlook"], "text")),
        ("指标性质", lambda r: r["property"]), ("原文行号", lambda r: r["line"]),
    ]),
    ("完成情况", "completion", [
        ("领域", lambda r: r["domain"]), ("指标", lambda r: r["name"]), ("单位", lambda r: r["unit"]),
        ("目标年份", lambda r: r["target"]["year"]), ("目标值（原文）", lambda r: r["target"]["text"]),
        ("实际年份", lambda r: r["actual"]["year"]), ("实际值（原文）", lambda r: r["actual"]["text"]),
        ("实际值", lambda r: r["actual"]["value"]), ("原文行号", lambda r: r["line"]),
    ]),
    ("建设项目", "projects", [
        ("序号", lambda r: r["seq"]), ("专项工程", lambda r: r["category"]), ("项目名称", lambda r: r["name"]),
        ("建设内容及规模", lambda r: r["content"]), ("建设阶段", lambda r: r["stage"]),
        ("立项时间", lambda r: r["approved"]), ("开工年份", lambda r: r["start_year"]),
        ("完工年份", lambda r: r["end_year"]), ("总投资（万元）", lambda r: r["total_investment_wan"]),
        ("规划期内投资（万元）", lambda r: r["period_investment_wan"]), ("原文行号", lambda r: r["line"]),
    ]),
    ("人口", "populations", [
        ("年份", lambda r: r["year"]), ("人口数（人）", lambda r: r["value"]), ("口径", lambda r: r["kind"]),
        ("预测", lambda r: "是" if r["projected"] else "否"), ("原文", lambda r: r["text"]),
        ("原文行号", lambda r: r["line"]),
    ]),
    ("计算公式", "formulas", [
        ("指标", lambda r: r["indicator"]), ("分子", lambda r: r["numerator"]), ("分母", lambda r: r["denominator"]),
        ("系数", lambda r: r["factor"]), ("原文行号", lambda r: r["line"]),
    ]),
    ("名词解释", "glossary", [
        ("名词", lambda r: r["term"]), ("解释", lambda r: r["definition"]), ("原文行号", lambda r: r["line"]),
    ]),
]


def to_xlsx(plans: list[Plan], path: Path) -> None:
    """One workbook: a sheet per section, one row per table row, frozen headers, the source line kept."""
    from openpyxl import Workbook

    wb = Workbook()
    overview = wb.active
    overview.title = "概览"
    overview.append(["文件", "地区", "行政区划代码", "层级", "标题", "规划期", "指标数", "项目数", "机构表数"])
    for p in plans:
        c = p.contract()
        period = f"{c['period']['start']}–{c['period']['end']}" if c["period"] else None
        overview.append([c["file"], c["region"], c["region_code"], c["level"], c["title"], period,
                         len(c["indicators"]), len(c["projects"]), len(c["facility_tables"])])
    for title, section, cols in SHEETS:
        rows = [(p.region or p.file, r) for p in plans for r in p.contract()[section]]
        if not rows and section not in ("indicators",):
            continue
        ws = wb.create_sheet(title)
        ws.append(["地区"] + [h for h, _ in cols])
        for region, r in rows:
            ws.append([region] + [get(r) for _, get in cols])
    tables = [(plan, t) for plan in plans for t in plan.contract()["facility_tables"]]
    for i, (plan, table) in enumerate(tables, 1):
        ws = wb.create_sheet(f"机构配置{i}")
        ws.append(["地区", "类别", "机构名称"] + [f"{c['year'] or ''}年{c['label']}" for c in table["columns"]]
                  + ["小计", "合计", "原文行号"])
        for r in table["rows"]:
            ws.append([plan.region, r["category"], r["facility"]] + r["values"]
                      + ["是" if r["subtotal"] else None, "是" if r["total"] else None, r["line"]])
    save_workbook(wb, path)


def save_workbook(wb, path: Path) -> None:
    """Bold frozen header rows, columns sized to their text, then an atomic write."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for ws in wb.worksheets:
        ws.freeze_panes = "A2"
        for cell in ws[1]:
            cell.font, cell.fill = header_font, header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for idx, column in enumerate(ws.columns, 1):
            width = max((len(str(c.value)) for c in column if c.value is not None), default=4)
            ws.column_dimensions[get_column_letter(idx)].width = min(60, max(8, width * 1.6))
    buf = io.BytesIO()
    wb.save(buf)
    atomic_write(Path(path), buf.getvalue())
