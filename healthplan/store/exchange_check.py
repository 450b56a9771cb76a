"""Checking an import (导入校验): every cell of every row, against the database and the file itself.

Types, units, ranges (``observations.check_value``), known org unit, facility, indicator and project
names, period formats, duplicate rows, formulas in cells, text in number cells, and facility beds that do
not add up to the region's total. Each problem is recorded as (sheet, row, column, value, reason in
Chinese); nothing here writes to the database. What passes becomes a ``_Plan`` of writes for
``exchange_import``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..catalog import load_catalog
from ..ingest.region import REGION_DATA
from ..text import fold_width
from . import models as m
from .exchange_files import MAX_PROBLEMS, Incoming, Problem, RawRow, _short
from .observations import PERIOD, check_value

SUM_CODES = ("HR-NBED", "HR-NBEDQ")  # facility counts that must add up to the region's total
NUMBER = re.compile(r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$")
THOUSANDS = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
CODE = re.compile(r"^\d{6}(?:\d{6})?$")
BAD = object()  # a cell that failed its check (the problem is already recorded)
TRUE = {"是", "true", "yes", "y", "1", "√"}
FALSE = {"否", "false", "no", "n", "0", ""}


# --- reading cells ------------------------------------------------------------------------------

class _Checker:
    """Cell parsers that record a problem (sheet, row, column, value, reason) and return BAD."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems

    def bad(self, row: RawRow, key: str, reason: str):
        cell = row.get(key)
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(row.sheet, row.row, cell.column, _short(cell.value), reason))
        return BAD

    def raw(self, row: RawRow, key: str):
        cell = row.cells.get(key)
        if cell is None:
            return None
        if cell.formula:
            return self.bad(row, key, "单元格含公式，导入时不计算公式；请复制后“选择性粘贴→数值”再导入")
        return cell.value

    def text(self, row: RawRow, key: str, limit: int = 300, required: bool = False):
        v = self.raw(row, key)
        if v is BAD:
            return BAD
        if type(v) is str:  # the usual case, as below
            v = v.strip()
            if not v:
                return self.bad(row, key, "不能为空") if required else None
            if len(v) > limit:
                return self.bad(row, key, f"文字过长（{len(v)}字，上限{limit}字）")
            return v
        if isinstance(v, bool) or not isinstance(v, (str, int, float, datetime, date, type(None))):
            return self.bad(row, key, "应为文字")
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        v = v.isoformat() if isinstance(v, (date, datetime)) else (None if v is None else str(v).strip())
        if not v:
            return self.bad(row, key, "不能为空") if required else None
        if len(v) > limit:
            return self.bad(row, key, f"文字过长（{len(v)}字，上限{limit}字）")
        return v

    def code(self, row: RawRow, key: str):
        v = self.raw(row, key)
        if v is BAD or v is None or (isinstance(v, str) and not v.strip()):
            return None if v is not BAD else BAD
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        text = fold_width(str(v)).strip() if not isinstance(v, bool) else ""
        if not CODE.match(text):
            return self.bad(row, key, "行政区划代码应为6位或12位数字")
        return text

    def number(self, row: RawRow, key: str, required: bool = False):
        v = self.raw(row, key)
        if v is BAD:
            return BAD
        if v is None or (isinstance(v, str) and not v.strip()):
            return self.bad(row, key, "数值不能为空") if required else None
        if isinstance(v, bool) or isinstance(v, (date, datetime)):
            return self.bad(row, key, f"“{v}”不是数值")
        if isinstance(v, (int, float)):
            if not math.isfinite(v):
                return self.bad(row, key, "数值无效（无穷大或非数）")
            return float(v)
        if not isinstance(v, str):
            return self.bad(row, key, f"“{_short(v)}”不是数值")
        text = fold_width(v).strip()
        if THOUSANDS.match(text):
            text = text.replace(",", "")
        if NUMBER.match(text):
            return float(text)
        if re.match(r"^[-+]?[\d.]+\s*(%|‰|人|张|岁|元|万元)$", text):
            return self.bad(row, key, f"“{v}”不是数值：请只填数字，不要带单位（如 95.5）")
        return self.bad(row, key, f"“{v}”不是数值（文字不能填在数值单元格中）")

    def integer(self, row: RawRow, key: str, low: int = 1900, high: int = 2100):
        v = self.number(row, key, required=True)
        if v is BAD:
            return BAD
        if not v.is_integer() or not low <= v <= high:
            return self.bad(row, key, f"年份应为{low}–{high}之间的整数")
        return int(v)

    def period(self, row: RawRow, key: str):
        v = self.raw(row, key)
        if v is BAD:
            return BAD
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        text = "" if v is None or isinstance(v, bool) else fold_width(str(v)).strip()
        if not PERIOD.match(text):
            return self.bad(row, key, "期间格式不正确，应为年份（2023）、季度（2023Q1）或月份（202301）")
        return text

    def boolean(self, row: RawRow, key: str):
        v = self.raw(row, key)
        if v is BAD:
            return BAD
        if v is None or isinstance(v, bool):
            return bool(v)
        if isinstance(v, (int, float)) and v in (0, 1):
            return bool(v)
        text = str(v).strip().lower()
        if text in TRUE or text in FALSE:
            return text in TRUE
        return self.bad(row, key, "应填“是”或“否”")

    def day(self, row: RawRow, key: str):
        v = self.raw(row, key)
        if v is BAD or v is None or v == "":
            return None if v is not BAD else BAD
        if isinstance(v, datetime):
            return v.date()
        if isinstance(v, date):
            return v
        try:
            return date.fromisoformat(str(v).strip())
        except ValueError:
            return self.bad(row, key, "日期格式应为 2021-01-01")


# --- what the file refers to --------------------------------------------------------------------

UNSPECIFIED = object()  # a file without the start-date column: the version is chosen by period


@dataclass
class _Version:
    """One version of an org unit (区划调整 make several with the same code)."""

    ref: tuple
    code: str | None
    name: str
    valid_from: date | None
    valid_to: date | None


def period_bounds(period: str | None) -> tuple[date, date] | None:
    """First day of the period and first day after it (2023, 2023Q1, 202301)."""
    if not period:
        return None
    p, year = str(period), int(str(period)[:4])
    if "Q" in p:
        q = int(p[-1])
        return date(year, 3 * q - 2, 1), date(year + (q == 4), (3 * q) % 12 + 1, 1)
    if len(p) == 6:
        month = int(p[4:])
        return date(year, month, 1), date(year + (month == 12), month % 12 + 1, 1)
    return date(year, 1, 1), date(year + 1, 1, 1)


def _pick(versions: list[_Version], start, when: str | None) -> _Version:
    """The version named by its start date; else valid when the period starts; else during it; else current."""
    if start is not UNSPECIFIED:
        exact = [v for v in versions if v.valid_from == start]
        if exact:
            return exact[-1]
    bounds, early = period_bounds(when), date.min
    if bounds:
        a, b = bounds
        for fits in (lambda v: (v.valid_from is None or v.valid_from <= a) and (v.valid_to is None or a < v.valid_to),
                     lambda v: (v.valid_from is None or v.valid_from < b) and (v.valid_to is None or v.valid_to > a)):
            found = [v for v in versions if fits(v)]
            if found:
                return max(found, key=lambda v: v.valid_from or early)
    current = [v for v in versions if v.valid_to is None]
    if current:
        return max(current, key=lambda v: v.valid_from or early)
    return max(versions, key=lambda v: v.valid_to)


@dataclass
class _Plan:
    """What the checked file will write: validated operations, in order."""

    units: list[dict] = field(default_factory=list)  # org units to create, parents first
    indicators: list[dict] = field(default_factory=list)
    need_catalog: bool = False
    facilities: list[dict] = field(default_factory=list)
    populations: list[dict] = field(default_factory=list)
    observations: list[dict] = field(default_factory=list)
    progress: list[dict] = field(default_factory=list)


class _Context:
    def __init__(self, s: Session, inc: Incoming):
        self.s, self.inc = s, inc
        self.check = _Checker(inc.problems)
        self.catalog = load_catalog()
        self.by_code: dict[str, list[_Version]] = {}  # versions of a unit share its code
        self.by_name: dict[str, list[_Version]] = {}
        for u in s.scalars(select(m.OrgUnit).order_by(m.OrgUnit.id)):
            self.index(_Version(("db", u.id), u.code, u.name, u.valid_from, u.valid_to))
        self.indicators = {i.code: i for i in s.scalars(select(m.Indicator))}
        self.file_indicators: dict[str, m.Indicator] = {}
        self.facilities = {(("db", f.org_unit_id), f.name) for f in s.scalars(select(m.Facility))}
        self.plan = _Plan()

    def index(self, v: _Version) -> None:
        if v.code:
            self.by_code.setdefault(v.code, []).append(v)
        self.by_name.setdefault(v.name, []).append(v)

    def unit(self, row: RawRow, when: str | None = None):
        """The org unit a row names: ("db", id) stored, ("file", key) defined by the file, ("region", code)
        from the national code list. Of several versions (区划调整), the one named by its start date, else
        the one valid when the period starts (or during it), else the current one."""
        code, name = self.check.code(row, "org_unit_code"), self.check.text(row, "org_unit", 100)
        start = self.check.day(row, "org_unit_valid_from") if "org_unit_valid_from" in row.cells else UNSPECIFIED
        if BAD in (code, name, start):
            return BAD
        if code:
            versions = self.by_code.get(code)
            if versions:
                v = _pick(versions, start, when)
                ref, known = v.ref, v.name
            elif code in REGION_DATA:
                ref, known = ("region", code), REGION_DATA[code]
            else:
                return self.check.bad(row, "org_unit_code", f"未知的行政区划代码“{code}”（库中和文件中都没有）")
            if name and known and name not in known and known not in name:
                return self.check.bad(row, "org_unit", f"行政区划代码{code}对应“{known}”，与填写的地区名称不符")
            return ref
        if not name:
            return self.check.bad(row, "org_unit_code", "行政区划代码和地区不能都为空")
        versions = self.by_name.get(name, [])
        codes = {v.code for v in versions}
        if not versions:
            return self.check.bad(row, "org_unit", f"未知的地区“{name}”，请填写行政区划代码")
        if len(codes) > 1 or (codes == {None} and sum(v.valid_to is None for v in versions) > 1):
            return self.check.bad(row, "org_unit", f"有多个名为“{name}”的地区，请填写行政区划代码")
        code = next(iter(codes))
        return _pick(self.by_code[code] if code else versions, start, when).ref

    def indicator(self, row: RawRow, key: str = "indicator_code"):
        code = self.check.text(row, key, 40, required=True)
        if code is BAD:
            return BAD
        if code in self.indicators:
            return self.indicators[code]
        if code in self.file_indicators:
            return self.file_indicators[code]
        entry = self.catalog.get(code)
        if entry is not None:
            self.plan.need_catalog = True
            ind = m.Indicator(code=code, name=entry.name_zh, unit=entry.unit, direction=entry.direction,
                              factor=entry.factor, per_capita=entry.per_capita, local=False)
            self.indicators[code] = ind
            return ind
        return self.check.bad(row, key, f"未知的指标代码“{code}”：标准目录和本库中都没有；"
                                        "本地指标须在文件的“指标”表中给出")


def _check_org_units(ctx: _Context) -> None:
    c, pending, seen = ctx.check, [], set()
    for row in ctx.inc.rows.get("org_units", []):
        code, name = c.code(row, "code"), c.text(row, "name", 100, required=True)
        level, pcode = c.text(row, "level", 20), c.code(row, "parent_code")
        pname, vfrom, vto = c.text(row, "parent_name", 100), c.day(row, "valid_from"), c.day(row, "valid_to")
        pstart = c.day(row, "parent_valid_from") if "parent_valid_from" in row.cells else UNSPECIFIED
        if BAD in (code, name, level, pcode, pname, vfrom, vto, pstart):
            continue
        ident = (code or f"name:{name}", vfrom)
        if ident in seen:
            c.bad(row, "code" if code else "name", "组织机构重复（同一代码和生效日期）")
            continue
        seen.add(ident)
        stored = ctx.by_code.get(code, []) if code else [v for v in ctx.by_name.get(name, []) if v.code is None]
        if any(v.valid_from == vfrom for v in stored):
            continue  # the same version is already stored
        key = f"{ident[0]}@{vfrom.isoformat() if vfrom else ''}"
        ctx.index(_Version(("file", key), code, name, vfrom, vto))
        pending.append(dict(key=key, code=code, name=name, level=level or "district", parent_code=pcode,
                            parent_name=pname, parent_start=pstart, valid_from=vfrom, valid_to=vto, row=row))
    # parents before children; a parent must be known (stored, in the file, or a national code)
    done: set[str] = set()
    while pending:
        ready = [(p, _parent(ctx, p, done)) for p in pending]
        ready = [(p, parent) for p, parent in ready if parent is not None]
        if not ready:
            for p in pending:
                c.bad(p["row"], "parent_code", "上级组织机构未知（库中、文件中和全国行政区划代码中都没有），或上下级循环")
            break
        for p, parent in ready:
            p["parent"] = parent
            done.add(p["key"])
            ctx.plan.units.append(p)
        pending = [p for p in pending if p["key"] not in done]


def _parent(ctx: _Context, p: dict, done: set[str]):
    code, name = p["parent_code"], p["parent_name"]
    if not code and not name:
        return ("none", None)
    versions = ctx.by_code.get(code, []) if code else [v for v in ctx.by_name.get(name, []) if v.code is None]
    if versions:
        ref = _pick(versions, p["parent_start"], None).ref
        return None if ref[0] == "file" and ref[1] not in done else ref
    if code in REGION_DATA:
        return ("region", code)
    return None


def _check_indicators(ctx: _Context) -> None:
    c = ctx.check
    for row in ctx.inc.rows.get("indicators", []):
        code = c.text(row, "code", 40, required=True)
        if code is BAD or code in ctx.indicators or ctx.catalog.get(code) is not None:
            continue  # stored or in the catalog: the database's own definition stands
        name, unit = c.text(row, "name", 200, required=True), c.text(row, "unit", 40)
        direction, local, reason = c.text(row, "direction", 10), c.boolean(row, "local"), c.text(row, "local_reason", 2000)
        if BAD in (name, unit, direction, local, reason):
            continue
        if code in ctx.file_indicators:
            c.bad(row, "code", "指标重复")
            continue
        if not local:
            c.bad(row, "code", f"标准目录中没有指标代码“{code}”，且未标为本地指标")
            continue
        if (direction or "neutral") not in ("up", "down", "neutral"):
            c.bad(row, "direction", "方向应为 up、down 或 neutral")
            continue
        ind = m.Indicator(code=code, name=name, unit=unit, direction=direction or "neutral", local=True,
                          local_reason=reason)
        ctx.file_indicators[code] = ind
        ctx.plan.indicators.append(dict(code=code, name=name, unit=unit, direction=direction or "neutral",
                                        reason=reason))


def _check_facilities(ctx: _Context) -> None:
    c = ctx.check
    for row in ctx.inc.rows.get("facilities", []):
        unit, name = ctx.unit(row), c.text(row, "name", 200, required=True)
        fields = {k: c.text(row, k, n) for k, n in (("type", 50), ("ownership", 20), ("level", 20), ("category", 100))}
        if BAD in (unit, name, *fields.values()):
            continue
        if (unit, name) in ctx.facilities:
            if any(f["unit"] == unit and f["name"] == name for f in ctx.plan.facilities):
                c.bad(row, "name", "机构重复")
            continue
        ctx.facilities.add((unit, name))
        ctx.plan.facilities.append(dict(unit=unit, name=name, **fields))


def _check_populations(ctx: _Context) -> None:
    c, seen = ctx.check, {}
    for row in ctx.inc.rows.get("populations", []):
        year = c.integer(row, "year")
        unit = ctx.unit(row, None if year is BAD else str(year))
        kind, value = c.text(row, "kind", 10), c.number(row, "value", required=True)
        projected, source = c.boolean(row, "projected"), c.text(row, "source", 300)
        if value not in (BAD, None) and not 0 < value < 2e9:
            value = c.bad(row, "value", f"人口数{value:g}不合常理")
        if BAD in (unit, year, kind, value, projected, source):
            continue
        key = (unit, year, kind or "常住人口", projected)
        if key in seen:
            c.bad(row, "year", f"与第{seen[key]}行重复（同一地区、年份、口径）")
            continue
        seen[key] = row.row
        ctx.plan.populations.append(dict(unit=unit, year=year, kind=kind or "常住人口", value=value,
                                         projected=projected, source=source))


def _check_observations(ctx: _Context) -> None:
    c, seen = ctx.check, {}
    for row in ctx.inc.rows.get("observations", []):
        period = c.period(row, "period")
        unit, facility = ctx.unit(row, None if period is BAD else period), c.text(row, "facility", 200)
        ind, unit_text = ctx.indicator(row), c.text(row, "unit", 40)
        value = c.number(row, "value", required=True)
        source, comment = c.text(row, "source", 300), c.text(row, "comment", 2000)
        derived, example = c.boolean(row, "derived"), c.boolean(row, "example")
        c.text(row, "indicator", 300)  # shown for reading only, but a formula there is refused too
        if facility not in (BAD, None) and unit is not BAD and (unit, facility) not in ctx.facilities:
            facility = c.bad(row, "facility", f"该地区没有名为“{facility}”的机构（机构须已在库中，或在文件的“医疗卫生机构”表中给出）")
        if ind is not BAD and unit_text not in (BAD, None) and fold_width(unit_text) != fold_width(ind.unit or ""):
            unit_text = c.bad(row, "unit", f"单位与指标“{ind.name}”的单位“{ind.unit or '无'}”不符")
        if ind is not BAD and value not in (BAD, None) and derived is False:
            reason = check_value(ind, value)
            if reason:
                value = c.bad(row, "value", reason)
        if BAD in (unit, facility, ind, unit_text, period, value, source, comment, derived, example):
            continue
        key = (unit, facility, ind.code, period)
        if key in seen:
            c.bad(row, "indicator_code", f"与第{seen[key]}行重复（同一地区、机构、指标和期间）")
            continue
        seen[key] = row.row
        ctx.plan.observations.append(dict(unit=unit, facility=facility, code=ind.code, period=period, value=value,
                                          source=source, comment=comment, derived=derived, example=example, row=row))
    _check_sums(ctx)


def _check_sums(ctx: _Context) -> None:
    """Facility beds of a region and year must add up to the region's total when the file has both."""
    parts: dict[tuple, list[dict]] = {}
    totals: dict[tuple, dict] = {}
    for o in ctx.plan.observations:
        if o["code"] in SUM_CODES and not o["derived"]:
            key = (o["unit"], o["code"], o["period"])
            if o["facility"]:
                parts.setdefault(key, []).append(o)
            else:
                totals[key] = o
    for key, total in totals.items():
        if key in parts:
            got = sum(p["value"] for p in parts[key])
            if abs(got - total["value"]) > 0.5:
                lines = "、".join(str(p["row"].row) for p in parts[key][:20])
                ctx.check.bad(total["row"], "value", f"各机构床位数合计{got:g}（第{lines}行）与本地区合计"
                                                     f"{total['value']:g}不一致")


def _check_progress(ctx: _Context) -> None:
    c, seen = ctx.check, {}
    projects: dict[tuple, m.Project] = {}
    rows = ctx.inc.rows.get("project_progress", [])
    if rows:
        current = {p.id for p in ctx.s.scalars(select(m.Plan).where(m.Plan.current.is_(True)))}
        for p in ctx.s.scalars(select(m.Project).order_by(m.Project.id)):
            key = (("db", p.org_unit_id), p.name)
            if key not in projects or (p.plan_id in current and projects[key].plan_id not in current):
                projects[key] = p
    for row in rows:
        year = c.integer(row, "year")
        unit, name = ctx.unit(row, None if year is BAD else str(year)), c.text(row, "project", 300, required=True)
        status, comment = c.text(row, "status", 20, required=True), c.text(row, "comment", 2000)
        percent, spent = c.number(row, "percent_complete"), c.number(row, "spent_wan")
        example = c.boolean(row, "example")
        if percent not in (BAD, None) and not 0 <= percent <= 100:
            percent = c.bad(row, "percent_complete", "完成比例应在0–100之间")
        if spent not in (BAD, None) and spent < 0:
            spent = c.bad(row, "spent_wan", "投资额不能为负数")
        if BAD in (unit, name, year, status, comment, percent, spent, example):
            continue
        project = projects.get((unit, name))
        if project is None:
            c.bad(row, "project", "该地区没有这个项目：项目来自规划文件，请先把该地区的规划入库（如 healthplan demo）再导入进展")
            continue
        if (project.id, year) in seen:
            c.bad(row, "year", f"与第{seen[(project.id, year)]}行重复（同一项目和年份）")
            continue
        seen[(project.id, year)] = row.row
        ctx.plan.progress.append(dict(project_id=project.id, year=year, status=status, percent=percent,
                                      spent=spent, comment=comment, example=example))


def check_all(ctx: _Context) -> None:
    """Every table of the file, in the order their rows refer to each other."""
    _check_org_units(ctx)
    _check_indicators(ctx)
    _check_facilities(ctx)
    _check_populations(ctx)
    _check_observations(ctx)
    _check_progress(ctx)
