"""Data exchange (数据交换): export, the Excel data-collection template, import and undo.

- ``export_data(store, fmt, plan=None)``: ``json`` (deterministic: sorted keys, stable row order, no
  timestamps — two exports of the same data are the same bytes), ``csv`` (one row per figure, UTF-8 with
  BOM), ``xlsx`` (a readable workbook, importable again) and ``dhis2`` (a ``dataValueSets`` document).
- ``make_template(store, region, year)``: a workbook with a sheet per domain of the region's current plan,
  fixed and locked indicator cells, and a validated input column for the year.
- ``import_data`` / ``undo_import``: see ``exchange_import``; files are read by ``exchange_files``.

See docs/exchange.md for the formats and the rules.
"""

from __future__ import annotations

import csv
import io
import json
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import Store
from . import models as m
from .exchange_files import (JSON_FORMAT, META_SHEET, README_SHEET, TABLES, TEMPLATE_MARK, ExchangeError,
                             ImportRejected, Problem)
from .exchange_import import ImportResult, UndoResult, import_data, undo_import

FORMATS = ("json", "csv", "xlsx", "dhis2")


# --- what is exported ---------------------------------------------------------------------------

def find_region(s: Session, text: str) -> m.OrgUnit:
    """The org unit named by ``--plan``: a code, a name, or a unique part of a name or plan title."""
    text = text.strip()
    planned = s.execute(select(m.OrgUnit, m.Plan.title).join(m.Plan, m.Plan.org_unit_id == m.OrgUnit.id)).all()
    units = {u.id: u for u, _ in planned}
    for pool in (
        [u for u in units.values() if text in (u.code, u.name)],
        list({u.id: u for u, title in planned if text in u.name or (title and text in title)}.values()),
        s.scalars(select(m.OrgUnit).where((m.OrgUnit.name == text) | (m.OrgUnit.code == text))).all(),
        s.scalars(select(m.OrgUnit).where(m.OrgUnit.name.contains(text, autoescape=True))).all(),
    ):
        current = [u for u in pool if u.valid_to is None] or pool
        if len(current) == 1:
            return current[0]
        if len(current) > 1:
            names = "、".join(sorted(f"{u.name}（{u.code or '无代码'}）" for u in current))
            raise ExchangeError(f"“{text}”对应多个地区：{names}，请写得更具体或使用行政区划代码。",
                                f"'{text}' matches several regions: {names}.")
    raise ExchangeError(f"库中没有“{text}”的规划或地区。请先导入该地区的规划（healthplan demo）或检查名称。",
                        f"No plan or region '{text}' in the database.")


def _scope(s: Session, plan: str | None) -> tuple[dict[int, m.OrgUnit], set[int]]:
    """All org units to list (the region, its parents and its subtree) and the ids whose data is exported."""
    units = {u.id: u for u in s.scalars(select(m.OrgUnit))}
    if plan is None:
        return units, set(units)
    root = find_region(s, plan)
    children: dict[int | None, list[int]] = {}
    for u in units.values():
        children.setdefault(u.parent_id, []).append(u.id)
    # every version of the region (区划调整 keep the code), their subtrees, and the parents above them
    inside, todo = set(), [u.id for u in units.values() if u.id == root.id or (root.code and u.code == root.code)]
    while todo:
        uid = todo.pop()
        if uid not in inside:
            inside.add(uid)
            todo.extend(children.get(uid, []))
    listed = set(inside)
    for uid in inside:
        parent = units[uid].parent_id
        while parent is not None and parent not in listed:
            listed.add(parent)
            parent = units[parent].parent_id
    return {i: units[i] for i in listed}, inside


def _num(value: float | None):
    if value is None:
        return None
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else value


def collect(s: Session, plan: str | None = None) -> dict:
    """The exported data as plain rows (the JSON document), sorted so that the same data gives the same bytes."""
    units, inside = _scope(s, plan)
    code = {i: (u.code or "") for i, u in units.items()}
    name = {i: u.name for i, u in units.items()}
    start = {i: u.valid_from.isoformat() if u.valid_from else "" for i, u in units.items()}

    def where(unit_id: int) -> dict:
        return {"org_unit_code": code[unit_id], "org_unit": name[unit_id], "org_unit_valid_from": start[unit_id]}

    def place(r: dict) -> tuple:
        return r["org_unit_code"], r["org_unit"], r["org_unit_valid_from"]

    facilities = {f.id: f for f in s.scalars(select(m.Facility)) if f.org_unit_id in inside}
    indicators = {i.id: i for i in s.scalars(select(m.Indicator))}
    observations, used = [], set()
    for o in s.scalars(select(m.Observation)):
        if o.org_unit_id not in inside:
            continue
        ind = indicators[o.indicator_id]
        used.add(ind.id)
        observations.append({
            **where(o.org_unit_id), "facility": facilities[o.facility_id].name if o.facility_id else "", "indicator_code": ind.code,
            "indicator": ind.name, "unit": ind.unit or "", "period": o.period, "value": _num(o.value),
            "source": o.source or "", "comment": o.comment or "", "derived": bool(o.derived), "example": bool(o.example)})
    observations.sort(key=lambda r: (*place(r), r["facility"], r["indicator_code"], r["period"]))
    populations = sorted(({
        **where(p.org_unit_id), "year": p.year, "kind": p.kind,
        "value": _num(p.value), "projected": bool(p.projected), "source": p.source or ""}
        for p in s.scalars(select(m.Population)) if p.org_unit_id in inside),
        key=lambda r: (*place(r), r["year"], r["kind"], r["projected"]))
    progress = sorted(({
        **where(pr.org_unit_id), "project": pr.name,
        "year": pp.year, "status": pp.status, "percent_complete": _num(pp.percent_complete),
        "spent_wan": _num(pp.spent_wan), "comment": pp.comment or "", "example": bool(pp.example)}
        for pp, pr in s.execute(select(m.ProjectProgress, m.Project).join(m.Project)) if pr.org_unit_id in inside),
        key=lambda r: (*place(r), r["project"], r["year"]))
    org_units = sorted(({
        "code": u.code or "", "name": u.name, "level": u.level,
        "parent_code": code.get(u.parent_id, "") if u.parent_id else "",
        "parent_name": name.get(u.parent_id, "") if u.parent_id else "",
        "parent_valid_from": start.get(u.parent_id, "") if u.parent_id else "",
        "valid_from": u.valid_from.isoformat() if u.valid_from else "",
        "valid_to": u.valid_to.isoformat() if u.valid_to else ""} for u in units.values()),
        key=lambda r: (r["code"], r["name"], r["valid_from"]))
    facility_rows = sorted(({
        **where(f.org_unit_id), "name": f.name,
        "type": f.type or "", "ownership": f.ownership or "", "level": f.level or "", "category": f.category or ""}
        for f in facilities.values()), key=lambda r: (*place(r), r["name"]))
    indicator_rows = sorted(({
        "code": i.code, "name": i.name, "unit": i.unit or "", "direction": i.direction, "local": bool(i.local),
        "local_reason": i.local_reason or ""} for i in (indicators[j] for j in used)), key=lambda r: r["code"])
    scope = {"plan": plan, "org_unit_code": None, "org_unit": None}
    if plan is not None:
        root = find_region(s, plan)
        scope.update(org_unit_code=root.code, org_unit=root.name)
    return {"format": JSON_FORMAT, "version": 1, "scope": scope, "org_units": org_units,
            "facilities": facility_rows, "indicators": indicator_rows, "populations": populations,
            "observations": observations, "project_progress": progress}


def export_data(store: Store, fmt: str, plan: str | None = None) -> bytes:
    """The store's data (or one region's, ``plan``) as json, csv, xlsx or dhis2 bytes."""
    if fmt not in FORMATS:
        raise ExchangeError(f"不支持的导出格式“{fmt}”，可选：{'、'.join(FORMATS)}。", f"Unknown format '{fmt}'.")
    with store.session() as s:
        data = collect(s, plan)
    if fmt == "json":
        return (json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode("utf-8")
    if fmt == "csv":
        return _csv(data)
    if fmt == "dhis2":
        return _dhis2(data)
    return _xlsx(data)


def _guard(value):
    """Text that Excel would run as a formula gets a leading apostrophe (read back by the importer)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _cell_value(col, value):
    if col.kind == "bool":
        return "是" if value else "否"
    return value


def _csv(data: dict) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    cols = TABLES["observations"][1]
    writer.writerow([c.zh for c in cols])
    for row in data["observations"]:
        writer.writerow([_guard(_cell_value(c, row[c.key])) if c.kind != "number" else row[c.key] for c in cols])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def dhis2_period(period: str) -> str:
    """Our periods are DHIS2's already: 2023 (yearly), 2023Q1 (quarterly), 202301 (monthly)."""
    return period


def _dhis2(data: dict) -> bytes:
    values = []
    for o in data["observations"]:
        if o["derived"] or o["example"]:
            continue  # DHIS2 computes indicators itself; example figures are never real data
        unit = o["org_unit_code"] or o["org_unit"]
        values.append({"dataElement": o["indicator_code"], "period": dhis2_period(o["period"]),
                       "orgUnit": f"{unit}/{o['facility']}" if o["facility"] else unit,
                       "value": f"{o['value']}" if isinstance(o["value"], int) else repr(float(o["value"])),
                       "comment": o["comment"]})
    values.sort(key=lambda v: (v["orgUnit"], v["dataElement"], v["period"]))
    return (json.dumps({"dataValues": values}, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode("utf-8")


def _xlsx(data: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for table in ("observations", "populations", "project_progress", "org_units", "facilities", "indicators"):
        title, cols = TABLES[table]
        ws = wb.create_sheet(title)
        ws.freeze_panes = "A2"
        for i, c in enumerate(cols, 1):
            ws.column_dimensions[get_column_letter(i)].width = c.width
        header = []
        for c in cols:
            cell = WriteOnlyCell(ws, c.zh)
            cell.font, cell.fill = bold, fill
            header.append(cell)
        ws.append(header)
        for row in data[table]:
            cells = []
            for c in cols:
                value = _cell_value(c, row[c.key])
                cell = WriteOnlyCell(ws, value if value != "" else None)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # text, never a formula
                cells.append(cell)
            ws.append(cells)
    about = wb.create_sheet("说明")
    scope = data["scope"]
    for line in (["healthplan 数据导出"], ["范围", scope["org_unit"] or "全部地区"],
                 ["数据值", len(data["observations"])], ["人口", len(data["populations"])],
                 ["说明", "本工作簿可用 healthplan import 重新导入；“计算值”为由人数和常住人口计算的人均指标。"]):
        about.append(line)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- the data-collection template ---------------------------------------------------------------

def _sheet_title(text: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "", text or "其他指标").strip("'")[:28] or "其他指标"
    title, n = base, 2
    while title in used or title in (META_SHEET, README_SHEET):
        title, n = f"{base[:26]}{n}", n + 1
    used.add(title)
    return title


def make_template(store: Store, region: str, year: int) -> bytes:
    """An .xlsx to collect ``year``'s figures for ``region``'s current plan (read back by ``import_data``)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.workbook.protection import WorkbookProtection
    from openpyxl.worksheet.datavalidation import DataValidation

    if not 1990 <= int(year) <= 2100:
        raise ExchangeError(f"年份{year}不合理。", f"Bad year {year}.")
    with store.session() as s:
        unit = find_region(s, region)
        plan = s.scalars(select(m.Plan).where(m.Plan.org_unit_id == unit.id, m.Plan.current.is_(True))
                         .order_by(m.Plan.period_start.desc(), m.Plan.version.desc())).first()
        if plan is None:
            raise ExchangeError(f"{unit.name}没有现行规划，无法生成填报模板。", f"{unit.name} has no current plan.")
        targets = s.scalars(select(m.Target).where(m.Target.plan_id == plan.id)
                            .order_by(m.Target.facility_id.is_not(None), m.Target.line, m.Target.part,
                                      m.Target.id)).all()
        facilities = {f.id: f.name for f in s.scalars(select(m.Facility).where(m.Facility.org_unit_id == unit.id))}
        domains: dict[str, list[dict]] = {}
        seen = set()
        for t in targets:
            key = (t.facility_id, t.indicator.code)
            if key in seen:
                continue
            seen.add(key)
            compound = bool(t.unit_in_plan and re.search(r"[,，、]", t.unit_in_plan))
            base = t.baseline_text
            if base is None and t.baseline_value is not None:
                base = f"{t.baseline_value:g}"
            domains.setdefault(t.domain or "其他指标", []).append({
                "code": t.indicator.code, "facility": facilities.get(t.facility_id, "") if t.facility_id else "",
                "name": t.indicator.name if compound or t.facility_id else t.name_in_plan,
                "unit": t.indicator.unit if compound or not t.unit_in_plan else t.unit_in_plan,
                "baseline": f"{base}（{t.baseline_year}年）" if base and t.baseline_year else (base or ""),
                "target": f"{t.target_text}（{t.target_year}年）", "property": t.property or "",
                "indicator": t.indicator})
        title = plan.title or f"{unit.name}规划"
    wb = Workbook()
    readme = wb.active
    readme.title = README_SHEET
    lines = [
        f"{title} —— {year}年监测数据填报模板",
        "",
        f"地区：{unit.name}（行政区划代码 {unit.code or '无'}）    年份：{year}    规划期：{plan.period_start}–{plan.period_end}",
        "",
        "填写方法：",
        f"1. 每个领域一张工作表，每行一个指标。只需在黄色的“{year}年数值”列填写数值，“备注”列可填写数据来源或说明。",
        "2. 只填数字，不要带单位，不要填公式（含公式的单元格会被拒绝）。百分比填 0–100 之间的数，如 95.5 表示 95.5%。",
        "3. 暂无数据的指标留空即可；留空的行不会导入。",
        "4. 指标代码、名称、单位、基期值、目标值和指标性质已锁定，请勿修改，也不要增删或重命名工作表。",
        "5. 填好后保存为 .xlsx，用命令 healthplan import 文件名.xlsx 导入。",
        "6. 导入前会逐格检查；只要有一处问题，整个文件都不会导入，并列出每一处问题（工作表、行、列、原因），改正后再导入即可。",
        "7. 导入后可以用 healthplan import --undo 批次号 撤销整批导入。",
    ]
    for line in lines:
        readme.append([line])
    readme["A1"].font = Font(bold=True, size=14)
    readme.column_dimensions["A"].width = 120
    headers = ["指标代码", "机构", "指标名称", "单位", "基期值", "目标值", "指标性质", f"{year}年数值", "备注"]
    widths = [14, 24, 40, 10, 18, 22, 10, 14, 36]
    head_font, head_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    input_fill = PatternFill("solid", fgColor="FFF2CC")
    used: set[str] = set()
    for domain, rows in domains.items():
        ws = wb.create_sheet(_sheet_title(domain, used))
        has_facility = any(r["facility"] for r in rows)
        cols = [h for h in headers if has_facility or h != "机构"]
        ws.append(cols)
        for i, h in enumerate(cols, 1):
            ws.column_dimensions[get_column_letter(i)].width = widths[headers.index(h)]
            cell = ws.cell(1, i)
            cell.font, cell.fill = head_font, head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        value_col = get_column_letter(cols.index(f"{year}年数值") + 1)
        note_col = get_column_letter(cols.index("备注") + 1)
        rules = {
            "pct": DataValidation(type="decimal", operator="between", formula1="0", formula2="100"),
            "permille": DataValidation(type="decimal", operator="between", formula1="0", formula2="1000"),
            "any": DataValidation(type="decimal", operator="between", formula1="-1000000000000",
                                  formula2="1000000000000"),
        }
        messages = {"pct": "请填写0到100之间的数字（百分比只填数字，如 95.5）。",
                    "permille": "请填写0到1000之间的数字（千分率只填数字）。", "any": "请只填写数字，不要带单位或文字。"}
        for kind, dv in rules.items():
            dv.allow_blank = True
            dv.showErrorMessage = dv.showInputMessage = True
            dv.errorTitle, dv.error = "数值无效", messages[kind]
            dv.promptTitle, dv.prompt = "填写数值", messages[kind]
            ws.add_data_validation(dv)
        for n, r in enumerate(rows, 2):
            values = {"指标代码": r["code"], "机构": r["facility"], "指标名称": r["name"], "单位": r["unit"],
                      "基期值": r["baseline"], "目标值": r["target"], "指标性质": r["property"]}
            ws.append([values.get(h) or None for h in cols])
            for ref in (f"{value_col}{n}", f"{note_col}{n}"):
                ws[ref].protection = Protection(locked=False)
                ws[ref].fill = input_fill
            ws[f"{value_col}{n}"].number_format = "General"
            rules[_rule(r["indicator"])].add(f"{value_col}{n}")
        ws.freeze_panes = "B2"
        ws.protection.sheet = True
        ws.protection.formatColumns = False
        ws.protection.formatRows = False
    meta = wb.create_sheet(META_SHEET)
    for key, value in (("type", TEMPLATE_MARK), ("version", 1), ("org_unit_code", unit.code or ""),
                       ("org_unit", unit.name), ("year", int(year)), ("plan_id", plan.id), ("plan_title", title)):
        meta.append([key, value])
    meta.sheet_state = "veryHidden"
    meta.protection.sheet = True
    wb.security = WorkbookProtection(lockStructure=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rule(ind: m.Indicator) -> str:
    growth = any(w in (ind.name or "") for w in ("增长", "增速", "变化"))
    if ind.unit == "%" and not growth:
        return "pct"
    if ind.unit == "‰" and not growth and ind.direction != "neutral":
        return "permille"
    return "any"


__all__ = ["export_data", "make_template", "import_data", "undo_import", "ImportResult", "UndoResult",
           "ImportRejected", "ExchangeError", "Problem", "find_region", "FORMATS"]
