"""Table sums (表格合计): facility-table subtotals and totals, project investments.

- each 小计 of a facility table (南宫's beds and staff tables) against the facilities above it, and
  the 合计 against the subtotals and the category rows without a subtotal;
- project tables: “十四五”期间投资 not above the total; a 续建 project mostly built before the period
  whose whole investment is listed as the period's; the totals the prose states (``项目6个，总投资
  11.21亿元，其中“十五五”期间投资11.04亿元``) against the table; the investment a project's
  content cell states against its 总投资 column.
"""

from __future__ import annotations

import re

from ..plan import FacilityTable
from ..text import NUMBER, to_number
from .context import Context
from .model import Finding, finding
from .numbers import fmt, half_unit

CHECK = "sums"


def check(ctx: Context) -> list[Finding]:
    out = []
    for t in ctx.plan.facility_tables:
        out += _facility(t)
    out += _projects(ctx)
    return out


def _col_name(t: FacilityTable, i: int) -> str:
    c = t.columns[i]
    return f"{c.year}年{c.label}" if c.year else c.label


def _facility(t: FacilityTable) -> list[Finding]:
    out = []
    unit = t.unit or ("张" if t.kind == "beds" else "人")
    # blocks: the facility rows of a category, closed by its 小计
    blocks = []  # (category, facility rows, subtotal row or None)
    standalone = []  # category rows without facilities (非公立医院 383)
    current: list = []
    total = None
    for row in t.rows:
        if row.total:
            total = row
        elif row.subtotal:
            blocks.append((row.category, current, row))
            current = []
        elif row.facility is None:
            if current:
                blocks.append((current[0].category, current, None))
                current = []
            standalone.append(row)
        else:
            if current and current[-1].category != row.category:
                blocks.append((current[0].category, current, None))
                current = []
            current.append(row)
    if current:
        blocks.append((current[0].category, current, None))

    for i in range(len(t.columns)):
        def val(row):
            return row.values[i] if i < len(row.values) and row.values[i] is not None else None

        printed_parts, row_parts = [], []
        for category, rows, sub in blocks:
            values = [val(r) for r in rows]
            if any(v is None for v in values):
                continue
            s = sum(values)
            row_parts.append(s)
            if sub is not None and val(sub) is not None:
                printed_parts.append(val(sub))
                if abs(s - val(sub)) > 1e-9:
                    expr = " + ".join(fmt(v) for v in values)
                    msg = (f"{t.title}：{category}小计（第{sub.line}行）{_col_name(t, i)}印为{fmt(val(sub))}{unit}，"
                           f"但该类{len(rows)}个机构（第{rows[0].line}～{rows[-1].line}行）相加为{expr} = {fmt(s)}{unit}，"
                           f"相差{fmt(abs(s - val(sub)))}{unit}。")
                    lines = [sub.line] + [r.line for r in rows]
                    q = {"印出小计": val(sub), "机构相加": s}
                    if total is not None and val(total) is not None:
                        others = [val(r) for r in standalone if val(r) is not None]
                        printed_total = sum(printed_parts_all(blocks, val)) + sum(others)
                        rows_total = sum(rows_all(blocks, val)) + sum(others)
                        if abs(printed_total - val(total)) < 1e-9:
                            msg += (f"合计（第{total.line}行）{fmt(val(total))}{unit}是按印出的小计相加得出的；"
                                    f"按机构逐行相加，合计应为{fmt(rows_total)}{unit}。")
                            lines.append(total.line)
                            q["印出合计"] = val(total)
                            q["逐行相加合计"] = rows_total
                    msg += "请核对小计或各机构的数值（某一机构的数值可能有误）。"
                    out.append(finding(CHECK, "error", lines, msg, q))
            else:
                printed_parts.append(s)
        if total is None or val(total) is None:
            continue
        others = [val(r) for r in standalone if val(r) is not None]
        printed_total = sum(printed_parts) + sum(others)
        if abs(printed_total - val(total)) > 1e-9 and printed_parts:
            subs = [sub for _, _, sub in blocks if sub is not None] + standalone
            expr = " + ".join(fmt(v) for v in printed_parts + others)
            msg = (f"{t.title}：合计（第{total.line}行）{_col_name(t, i)}印为{fmt(val(total))}{unit}，"
                   f"但各类小计和未分机构的类别相加为{expr} = {fmt(printed_total)}{unit}，"
                   f"相差{fmt(abs(printed_total - val(total)))}{unit}。请核对合计。")
            out.append(finding(CHECK, "error", [total.line] + [s.line for s in subs], msg,
                               {"印出合计": val(total), "相加": printed_total}))
    return out


def printed_parts_all(blocks, val):
    out = []
    for _, rows, sub in blocks:
        if sub is not None and val(sub) is not None:
            out.append(val(sub))
        else:
            values = [val(r) for r in rows]
            if all(v is not None for v in values):
                out.append(sum(values))
    return out


def rows_all(blocks, val):
    out = []
    for _, rows, _ in blocks:
        values = [val(r) for r in rows]
        if all(v is not None for v in values):
            out.append(sum(values))
    return out


# --- projects -----------------------------------------------------------------------------------

MONEY = rf"(?P<num>{NUMBER})\s*(?P<unit>亿元|万元|亿|万)"
TOTAL_INV = re.compile(rf"总投资(?:约|为|达|共)?{MONEY}")
PERIOD_INV = re.compile(rf"(?:期间|期内|规划期)(?:计划|预计)?投资(?:约|为|达)?{MONEY}")
PROJECT_COUNT = re.compile(r"项目(?P<n>\d+)个|(?P<m>\d+)个(?:重点|重大)?(?:建设)?项目")


def _wan(num: str, unit: str) -> tuple[float, float]:
    scale = 10000 if unit.startswith("亿") else 1
    return to_number(num) * scale, half_unit(num, lenient=False) * scale


def _projects(ctx: Context) -> list[Finding]:
    projects = ctx.plan.projects
    if not projects:
        return []
    out = []
    period = ctx.plan.period
    for p in projects:
        cu = p.currency_unit
        scale = 10000 if cu == "亿元" else 1
        if p.total_investment_wan is not None and p.period_investment_wan is not None:
            if p.period_investment_wan > p.total_investment_wan + 1e-6:
                out.append(finding(CHECK, "error", [p.line],
                                   f"项目“{p.name}”（第{p.line}行）规划期内投资{fmt(p.period_investment_wan / scale)}{cu}"
                                   f"大于总投资{fmt(p.total_investment_wan / scale)}{cu}。请核对。",
                                   {"总投资（万元）": p.total_investment_wan,
                                    "期间投资（万元）": p.period_investment_wan}))
            elif (period and p.start_year and p.end_year and p.start_year < period.start
                  and abs(p.period_investment_wan - p.total_investment_wan) < 1e-6):
                years = p.end_year - p.start_year + 1
                inside = max(0, min(p.end_year, period.end) - max(p.start_year, period.start) + 1)
                if years > 0 and inside / years < 0.5:
                    out.append(finding(
                        CHECK, "warning", [p.line],
                        f"项目“{p.name}”（第{p.line}行）建设年限{p.start_year}—{p.end_year}年，{years}年中只有{inside}年"
                        f"在规划期（{period.start}—{period.end}年）内，但规划期内投资{fmt(p.period_investment_wan / scale)}{cu}"
                        f"等于总投资，意味着{period.start}年以前没有投资。请核对“期间投资”一栏。",
                        {"总投资（万元）": p.total_investment_wan, "期间投资（万元）": p.period_investment_wan,
                         "建设年数": years, "规划期内年数": inside}))
        if p.content and p.total_investment_wan is not None:
            out += _content(p)
    out += _stated_totals(ctx, projects)
    return out


def _content(p) -> list[Finding]:
    """``项目总投资为20,000万元。其中：工程费用…17,300万元，设备费用2,700万元``."""
    text = p.content.replace(" ", "")
    m = TOTAL_INV.search(text)
    if not m:
        return []
    stated, half = _wan(m.group("num"), m.group("unit"))
    out = []
    cu = p.currency_unit
    scale = 10000 if cu == "亿元" else 1
    if abs(stated - p.total_investment_wan) > half + 1e-6:
        out.append(finding(CHECK, "error", [p.line],
                           f"项目“{p.name}”（第{p.line}行）建设内容写明总投资{m.group('num')}{m.group('unit')}，"
                           f"总投资一栏为{fmt(p.total_investment_wan / scale)}{cu}。请统一。",
                           {"内容所写总投资（万元）": stated, "总投资栏（万元）": p.total_investment_wan}))
    rest = text[m.end():]
    if rest.lstrip("。，,；;").startswith("其中"):
        parts = [(_wan(x.group("num"), x.group("unit"))) for x in re.finditer(MONEY, rest)]
        if len(parts) >= 2:
            s = sum(v for v, _ in parts)
            tol = half + sum(h for _, h in parts)
            if abs(s - stated) > tol + 1e-6:
                expr = " + ".join(fmt(v) for v, _ in parts)
                out.append(finding(CHECK, "error", [p.line],
                                   f"项目“{p.name}”（第{p.line}行）建设内容中各项费用{expr} = {fmt(s)}万元，"
                                   f"不等于所写总投资{fmt(stated)}万元。",
                                   {"分项之和（万元）": s, "总投资（万元）": stated}))
    return out


def _stated_totals(ctx: Context, projects) -> list[Finding]:
    facts = ctx.facts
    if facts is None:
        return []
    tables: dict[str, list] = {}
    for p in projects:
        tables.setdefault(p.table, []).append(p)
    candidates = [projects] + (list(tables.values()) if len(tables) > 1 else [])
    out = []
    for s in facts.sentences:
        if "项目" not in s.text or "投资" not in s.text:
            continue
        checks = []
        mt = TOTAL_INV.search(s.text)
        if mt:
            v, h = _wan(mt.group("num"), mt.group("unit"))
            checks.append(("总投资", v, h, mt.group("num") + mt.group("unit"), "total_investment_wan"))
        mp = PERIOD_INV.search(s.text)
        if mp:
            v, h = _wan(mp.group("num"), mp.group("unit"))
            checks.append(("规划期内投资", v, h, mp.group("num") + mp.group("unit"), "period_investment_wan"))
        mc = PROJECT_COUNT.search(s.text)
        if not checks or not (mc or re.search(r"共|合计|总计|累计|全部", s.text)):
            continue  # a sentence about one project, not about the table
        for label, value, half, printed, attr in checks:
            if any(getattr(p, attr) is not None and abs(getattr(p, attr) - value) <= half + 1e-6 for p in projects):
                continue  # the investment of one project
            sums = []
            for group in candidates:
                values = [getattr(p, attr) for p in group]
                if any(v is None for v in values):
                    continue
                sums.append((sum(values), group))
            if not sums or any(abs(total - value) <= half + 1e-6 for total, _ in sums):
                continue
            total, group = sums[0]
            unit = "亿元" if printed.endswith(("亿元", "亿")) else "万元"
            scale = 10000 if unit == "亿元" else 1
            expr = " + ".join(fmt(getattr(p, attr) / scale) for p in group)
            out.append(finding(CHECK, "error", [s.line] + [p.line for p in group],
                               f"正文第{s.line}行写明项目{label}{printed}，但项目表各项目相加为{expr} = "
                               f"{fmt(round(total / scale, 4))}{unit}，相差{fmt(round(abs(total - value) / scale, 4))}{unit}。"
                               f"请核对正文或项目表。",
                               {f"正文{label}（万元）": value, f"表中{label}之和（万元）": total}))
        if mc:
            n = int(mc.group("n") or mc.group("m"))
            if all(len(g) != n for g in candidates):
                out.append(finding(CHECK, "error", [s.line] + [p.line for p in projects],
                                   f"正文第{s.line}行写明项目{n}个，但项目表列出{len(projects)}个项目。请核对。",
                                   {"正文项目数": n, "表中项目数": len(projects)}))
    return out
