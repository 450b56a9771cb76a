"""Project tables (重点建设项目) and facility resource tables (机构床位/人员配置表)."""

from __future__ import annotations

import re

from ..plan import FacilityColumn, FacilityRow, FacilityTable, Project
from ..text import parse_value, to_number
from .header import Layout
from .indicators import _cell, _seq, _text

YEARS = re.compile(r"((?:19|20)\d{2})\s*年?\s*(?:[-—–~～至到]+\s*((?:19|20)\d{2}))?")
YI = 10000.0  # 1 亿元 = 10000 万元


def _money(text: str | None, header: str) -> float | None:
    if not text:
        return None
    value = parse_value(text)["value"]
    if value is None:
        return None
    return value * YI if "亿" in header else value


def _stage_from_title(title: str) -> str | None:
    if "续建" in title:
        return "续建"
    kinds = [k for k in ("新建", "改建", "扩建", "改扩建") if k in title]
    return "、".join(k for k in kinds if not (k == "扩建" and "改扩建" in kinds)) or None


def read_projects(layout: Layout, title: str) -> list[Project]:
    name_col = layout.find("name")
    total_col, period_col = layout.find("total_investment"), layout.find("period_investment")
    out = []
    for row in layout.body:
        name_cell = _cell(row, name_col)
        if name_cell is None or not name_cell.text:
            continue
        years = YEARS.search(_text(row, layout.find("years")) or "")
        start = int(years.group(1)) if years else None
        end = int(years.group(2)) if years and years.group(2) else start
        out.append(Project(
            seq=_seq(_text(row, layout.find("seq"))),
            category=_text(row, layout.find("category")) or None,
            name=name_cell.text,
            content=_text(row, layout.find("content")) or None,
            stage=_text(row, layout.find("stage")) or _stage_from_title(title),
            approved=_text(row, layout.find("approved")) or None,
            start_year=start, end_year=end,
            total_investment_wan=_money(_text(row, total_col), total_col.header if total_col else ""),
            period_investment_wan=_money(_text(row, period_col), period_col.header if period_col else ""),
            line=name_cell.line, table=title,
            currency_unit="亿元" if total_col and "亿" in total_col.header else "万元",
        ))
    return out


def _measure(label: str) -> str | None:
    if "编制" in label:
        return "beds_approved"
    if "实有" in label or "开放" in label:
        return "beds_actual"
    if "床" in label:
        return "beds"
    if "医师" in label or "医生" in label:
        return "doctors"
    if "护士" in label:
        return "nurses"
    return None


def _column_label(header: str, sub: str, year: int | None) -> str:
    if sub:
        return sub
    return re.sub(r"(?:19|20)\d{2}\s*年", "", header).strip() or header


SUBTOTAL = ("小计",)
TOTAL = ("合计", "总计")


def read_facility_table(layout: Layout, title: str, unit: str | None, line: int) -> FacilityTable:
    value_cols = layout.all("value")
    columns = [FacilityColumn(year=c.year, label=_column_label(c.header, c.sub, c.year),
                              measure=_measure(c.sub or c.header)) for c in value_cols]
    name_col, cat_col = layout.find("name"), layout.find("domain")
    category, rows = None, []
    for row in layout.body:
        cat_cell, name_cell = _cell(row, cat_col), _cell(row, name_col)
        cat_text = cat_cell.text if cat_cell else ""
        name_text = name_cell.text if name_cell else ""
        spans = name_cell is not None and cat_cell is not None and not name_text and cat_text
        if cat_text in TOTAL or name_text in TOTAL:
            cell = cat_cell if cat_text in TOTAL else name_cell
            rows.append(FacilityRow(category=None, facility=None, values=_values(row, value_cols),
                                    total=True, line=cell.line))
            category = None
            continue
        if cat_text:
            category = cat_text
        if name_text in SUBTOTAL:
            rows.append(FacilityRow(category=category, facility=None, values=_values(row, value_cols),
                                    subtotal=True, line=name_cell.line))
            continue
        if spans:
            rows.append(FacilityRow(category=category, facility=None, values=_values(row, value_cols),
                                    line=cat_cell.line))
            continue
        if not name_text:
            continue
        rows.append(FacilityRow(category=category, facility=name_text, values=_values(row, value_cols),
                                line=name_cell.line))
    kind = "beds" if layout.kind == "beds" else "staff"
    return FacilityTable(kind=kind, unit=unit, title=title, columns=columns, rows=rows, line=line)


def _values(row, cols) -> list[float | None]:
    out = []
    for col in cols:
        text = _text(row, col) or ""
        try:
            out.append(to_number(text) if text else None)
        except ValueError:
            out.append(parse_value(text)["value"])
    return out
