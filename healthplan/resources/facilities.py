"""Allocation across facilities (机构资源配置核对): 南宫's beds-per-facility and staff-per-facility tables
reconciled against the plan's own per-capita targets, and what-if reallocation.

Checks, each reported with its arithmetic:

1. **Sums**: every 小计 against the facility rows above it, every 合计 against the subtotals and the
   rows without one (and against all facility rows: a wrong subtotal that the total copies is found too).
2. **Targets**: the table's total in the target year against per-capita target × population ÷ factor
   (床位, 执业（助理）医师, 注册护士; 公立中医类医院床位 against the public 中医 hospitals). A table total
   below the requirement is a shortfall (不足); above by more than 5 % it is reported too (高于指标测算),
   with the per-capita value it implies and the population the per-capita target would need.
3. **Baseline**: the table's baseline-year total against baseline per-capita × baseline population.
4. **Ratios**: 医护比 (nurses per doctor), 床护比 (nurses per bed) and 床人比 (health workers per bed)
   from the tables against the targets. The tables list doctors and nurses only, so 床人比 needs the other
   staff: the check says how many more are needed (needs data).
5. **Notes**: 实有床位 above 编制床位 (the plan says open beds should match approved beds), and
   facilities whose nurses-per-doctor is far from the target.

``reallocate(table, changes)`` applies a user's changes, recomputes the subtotals and totals, and runs
the same checks on the new allocation.
"""

from __future__ import annotations

import difflib
import math
from typing import Literal

from pydantic import BaseModel, Field

from ..catalog import Catalog, load_catalog
from ..catalog.targets import parse_target
from ..errors import HealthplanError
from ..plan import FacilityRow, FacilityTable, Plan
from ._fmt import num, per_word
from .population import PopulationSeries, from_plan
from .requirements import MEASURE_RESOURCE, whole
from .targets import per_capita_targets

EXCEEDS = 0.05  # a planned total more than 5 % above the requirement is reported
RATIO_TOLERANCE = 0.005  # 1:1.09 is met by 1.0858 (printed to two decimals)
TARGET_MEASURES = {"床位": ("beds", "beds_actual", "beds_approved"), "执业（助理）医师": ("doctors",),
                   "注册护士": ("nurses",)}
BASELINE_MEASURES = {"床位": ("beds_actual", "beds", "beds_approved"), "执业（助理）医师": ("doctors",),
                     "注册护士": ("nurses",)}


class AllocationError(HealthplanError):
    """A facility table or a change to it that cannot be used (机构配置表错误)."""


class ColumnTotal(BaseModel):
    table: str
    column: str  # 2025年床位数
    year: int | None
    measure: str | None
    printed: float | None  # the 合计 row as printed
    from_parts: float  # printed subtotals + rows without a subtotal
    from_rows: float  # every facility (and category) row


class Mismatch(BaseModel):
    table: str
    column: str
    kind: Literal["subtotal", "total"]
    category: str | None
    line: int
    printed: float
    computed: float
    difference: float  # printed − computed
    explanation: str


class TargetCheck(BaseModel):
    resource: str
    indicator: str
    scope: str  # 全市合计, or the facilities a target covers
    year: int
    per: float
    per_capita_target: float | None
    population: float
    required: int | None
    planned: float | None
    planned_rows: float | None = None  # the facility rows' sum when it differs from the printed total
    difference: float | None  # planned − required
    implied_per_capita: float | None
    implied_population: float | None
    status: Literal["shortfall", "meets", "exceeds", "differs", "agrees", "needs_data"]
    explanation: str


class RatioCheck(BaseModel):
    name: str  # 医护比 / 床护比 / 床人比
    year: int
    target: float | None
    value: float | None
    status: Literal["pass", "fail", "needs_data"]
    explanation: str


class FacilityLine(BaseModel):
    facility: str | None
    category: str | None
    beds_approved: float | None = None
    beds_actual: float | None = None
    beds: float | None = None  # target year
    doctors: float | None = None  # target year
    nurses: float | None = None
    nurses_per_doctor: float | None = None
    staff_per_bed: float | None = None  # (doctors + nurses) per bed, target year


class Reconciliation(BaseModel):
    region: str | None
    year: int
    baseline_year: int | None
    population: float
    population_note: str
    baseline_population: float | None = None
    totals: list[ColumnTotal] = Field(default_factory=list)
    mismatches: list[Mismatch] = Field(default_factory=list)
    target_checks: list[TargetCheck] = Field(default_factory=list)
    baseline_checks: list[TargetCheck] = Field(default_factory=list)
    ratio_checks: list[RatioCheck] = Field(default_factory=list)
    facilities: list[FacilityLine] = Field(default_factory=list)
    issues: list[str] = Field(default_factory=list)  # every shortfall and inconsistency
    notes: list[str] = Field(default_factory=list)  # what to look at, needs-data


# --- sums ------------------------------------------------------------------------------------------
def column_name(table: FacilityTable, i: int) -> str:
    c = table.columns[i]
    return f"{c.year}年{c.label}" if c.year else c.label


def _leaf(row: FacilityRow) -> bool:
    return not row.subtotal and not row.total


def _row_name(row: FacilityRow) -> str:
    return row.facility or row.category or "（无名称）"


def check_sums(table: FacilityTable) -> tuple[list[Mismatch], list[ColumnTotal]]:
    """Subtotals and totals against the rows they sum up, every column."""
    mismatches: list[Mismatch] = []
    ncol = len(table.columns)
    parts = [0.0] * ncol  # printed subtotals + rows outside any subtotal
    rows_sum = [0.0] * ncol
    group: list[FacilityRow] = []
    group_cat: str | None = None
    printed_total: list[float | None] = [None] * ncol

    def flush_group() -> None:
        for r in group:
            for i, v in enumerate(r.values[:ncol]):
                parts[i] += v or 0.0

    for row in table.rows:
        if row.total:
            printed_total = list(row.values[:ncol])
            continue
        if row.subtotal:
            members = [r for r in group if r.category == row.category] or list(group)
            for i in range(ncol):
                vals = [r.values[i] for r in members if i < len(r.values) and r.values[i] is not None]
                computed = sum(vals)
                printed = row.values[i] if i < len(row.values) else None
                if printed is not None:
                    parts[i] += printed
                if printed is not None and abs(printed - computed) > 1e-6:
                    terms = " + ".join(num(v) for v in vals)
                    mismatches.append(Mismatch(
                        table=table.title, column=column_name(table, i), kind="subtotal", category=row.category,
                        line=row.line, printed=printed, computed=computed, difference=printed - computed,
                        explanation=(f"《{table.title}》{column_name(table, i)}：{row.category or ''}{len(vals)}个机构逐行相加 "
                                     f"{terms} = {num(computed)}，表中小计（第{row.line}行）为{num(printed)}，"
                                     f"{_more_less(printed - computed)}。")))
            group, group_cat = [], None
            continue
        if group and row.category != group_cat:
            flush_group()
            group = []
        group.append(row)
        group_cat = row.category
        for i, v in enumerate(row.values[:ncol]):
            rows_sum[i] += v or 0.0
    flush_group()

    totals = []
    total_row = next((r for r in table.rows if r.total), None)
    for i in range(ncol):
        c = table.columns[i]
        totals.append(ColumnTotal(table=table.title, column=column_name(table, i), year=c.year, measure=c.measure,
                                  printed=printed_total[i], from_parts=parts[i], from_rows=rows_sum[i]))
        printed = printed_total[i]
        if printed is None or total_row is None:
            continue
        if abs(printed - parts[i]) > 1e-6:
            mismatches.append(Mismatch(
                table=table.title, column=column_name(table, i), kind="total", category=None, line=total_row.line,
                printed=printed, computed=parts[i], difference=printed - parts[i],
                explanation=(f"《{table.title}》{column_name(table, i)}：各小计及未设小计的行相加为{num(parts[i])}，"
                             f"表中合计（第{total_row.line}行）为{num(printed)}，{_more_less(printed - parts[i])}。")))
        elif abs(printed - rows_sum[i]) > 1e-6:
            mismatches.append(Mismatch(
                table=table.title, column=column_name(table, i), kind="total", category=None, line=total_row.line,
                printed=printed, computed=rows_sum[i], difference=printed - rows_sum[i],
                explanation=(f"《{table.title}》{column_name(table, i)}：合计{num(printed)}（第{total_row.line}行）"
                             f"等于各小计之和，但小计有误；按机构逐行相加为{num(rows_sum[i])}，"
                             f"合计应为{num(rows_sum[i])}（{_more_less(printed - rows_sum[i])}）。")))
    return mismatches, totals


def _more_less(diff: float) -> str:
    """``-11`` → ``表中数少11``."""
    return f"表中数{'多' if diff > 0 else '少'}{num(abs(diff))}"


# --- looking up columns -----------------------------------------------------------------------------
def _find_column(plan_tables: list[FacilityTable], measures: tuple[str, ...], year: int):
    for measure in measures:
        for t in plan_tables:
            for i, c in enumerate(t.columns):
                if c.measure == measure and c.year == year:
                    return t, i
    return None


def _total(table: FacilityTable, i: int) -> tuple[float | None, float]:
    """(printed total, sum of all rows) of column ``i``."""
    printed = next((r.values[i] for r in table.rows if r.total and i < len(r.values)), None)
    rows = sum(r.values[i] or 0.0 for r in table.rows if _leaf(r) and i < len(r.values))
    return printed, rows


def _years(tables: list[FacilityTable]) -> list[int]:
    return sorted({c.year for t in tables for c in t.columns if c.year})


# --- reconciliation ----------------------------------------------------------------------------------
def reconcile(plan: Plan, population: PopulationSeries | None = None, *, year: int | None = None,
              tables: list[FacilityTable] | None = None, catalog: Catalog | None = None) -> Reconciliation:
    """All checks of the plan's facility tables (or ``tables``) for the target ``year``."""
    tables = plan.facility_tables if tables is None else tables
    if not tables:
        raise AllocationError("该规划没有机构床位或人员配置表，无法核对机构配置。",
                              "This plan has no facility tables.", plan.file)
    population = population or from_plan(plan)
    catalog = catalog or load_catalog()
    years = _years(tables)
    year = year or (plan.period.end if plan.period else years[-1])
    baseline_year = (plan.period.start - 1) if plan.period else (years[0] if years else None)
    pop = population.at(year)
    out = Reconciliation(region=plan.region, year=year, baseline_year=baseline_year, population=pop,
                         population_note=population.explain(year),
                         baseline_population=population.at(baseline_year) if baseline_year else None)
    for t in tables:
        mm, totals = check_sums(t)
        out.mismatches += mm
        out.totals += totals
    out.issues += [m.explanation for m in out.mismatches]

    targets, _ = per_capita_targets(plan, catalog=catalog)
    for t in targets:
        if t.resource in TARGET_MEASURES:
            found = _find_column(tables, TARGET_MEASURES[t.resource], year)
            if found:
                table, i = found
                printed, rows = _total(table, i)
                planned = printed if printed is not None else rows
                check = _target_check(t, f"《{table.title}》合计", year, pop, planned,
                                      rows if printed is not None and abs(rows - printed) > 1e-6 else None)
                out.target_checks.append(check)
            if baseline_year and t.baseline is not None:
                found = _find_column(tables, BASELINE_MEASURES[t.resource], baseline_year)
                if found:
                    table, i = found
                    printed, rows = _total(table, i)
                    out.baseline_checks.append(_baseline_check(t, table, i, baseline_year,
                                                               population.at(baseline_year),
                                                               printed if printed is not None else rows))
        elif t.code == "TC-BED":
            checks, bases = _tcm_checks(t, tables, year, baseline_year, pop, population)
            out.target_checks += checks
            out.baseline_checks += bases
    for c in out.target_checks:
        if c.status in ("shortfall", "exceeds"):
            out.issues.append(c.explanation)
    for c in out.baseline_checks:
        if c.status == "differs":
            out.issues.append(c.explanation)

    out.facilities = _facility_lines(tables, year, baseline_year)
    out.ratio_checks = _ratio_checks(plan, tables, year, baseline_year, catalog, out)
    for r in out.ratio_checks:
        if r.status == "fail":
            out.issues.append(r.explanation)
        elif r.status == "needs_data":
            out.notes.append(r.explanation)
    out.notes += _bed_notes(tables, baseline_year)
    out.notes += facility_ratio_notes(out)
    return out


def _target_check(t, scope: str, year: int, pop: float, planned: float | None, rows: float | None) -> TargetCheck:
    exact = t.target * pop / t.per
    required = whole(exact, t.op)
    unit = t.unit or ""
    head = (f"{scope}{year}年{t.resource}：按{per_word(t.per)}{num(t.target, 4)}{unit}测算需要 "
            f"{num(t.target, 4)} × {num(pop, 0)}（{year}年常住人口）÷ {t.per:g} = {num(exact)} → {num(required)}{unit}")
    if planned is None:
        return TargetCheck(resource=t.resource, indicator=t.indicator, scope=scope, year=year, per=t.per,
                           per_capita_target=t.target, population=pop, required=required, planned=None,
                           difference=None, implied_per_capita=None, implied_population=None, status="needs_data",
                           explanation=head + "；表中没有该年数量。")
    diff = planned - required
    implied = planned / pop * t.per
    implied_pop = planned / t.target * t.per if t.target else None
    rows_note = (f"（按机构逐行相加为{num(rows)}{unit}）" if rows is not None else "")
    if diff < 0:
        status = "shortfall"
        text = (f"{head}；表中规划{num(planned)}{unit}{rows_note}，不足{num(-diff)}{unit}"
                f"（折合{per_word(t.per)}{num(implied, 2)}{unit}，低于目标{num(t.target, 4)}）。")
    elif diff > EXCEEDS * required:
        status = "exceeds"
        text = (f"{head}；表中规划{num(planned)}{unit}{rows_note}，比指标测算多{num(diff)}{unit}"
                f"（折合{per_word(t.per)}{num(implied, 2)}{unit}，而目标为{num(t.target, 4)}；"
                f"按目标{num(t.target, 4)}反推相当于{num(implied_pop, 0)}人口）。机构配置表与指标表不一致。")
    else:
        status = "meets"
        text = f"{head}；表中规划{num(planned)}{unit}{rows_note}，满足目标（多{num(diff)}{unit}）。"
    return TargetCheck(resource=t.resource, indicator=t.indicator, scope=scope, year=year, per=t.per,
                       per_capita_target=t.target, population=pop, required=required, planned=planned,
                       planned_rows=rows, difference=diff, implied_per_capita=implied,
                       implied_population=implied_pop, status=status, explanation=text)


def _baseline_check(t, table: FacilityTable, i: int, year: int, pop: float, stated: float) -> TargetCheck:
    exact = t.baseline * pop / t.per
    implied = stated / pop * t.per
    unit = t.unit or ""
    differs = abs(implied - t.baseline) > max(0.005, 0.02 * t.baseline)  # printed to 2 decimals; 2 % tolerance
    head = (f"《{table.title}》{column_name(table, i)}合计{num(stated)}{unit}，折合{per_word(t.per)}"
            f"{num(stated)} ÷ {num(pop, 0)} × {t.per:g} = {num(implied, 4)}{unit}")
    text = (f"{head}；指标表{year}年基期值为{num(t.baseline, 4)}{unit}（即 {num(t.baseline, 4)} × {num(pop, 0)} ÷ "
            f"{t.per:g} = {num(exact)}{unit}），" + ("二者不一致，相差" + num(stated - exact) + unit + "。" if differs
                                                  else "二者一致。"))
    return TargetCheck(resource=t.resource, indicator=t.indicator, scope=f"《{table.title}》合计", year=year,
                       per=t.per, per_capita_target=t.baseline, population=pop, required=round(exact),
                       planned=stated, difference=stated - exact, implied_per_capita=implied,
                       implied_population=stated / t.baseline * t.per if t.baseline else None,
                       status="differs" if differs else "agrees", explanation=text)


def _tcm(row: FacilityRow) -> bool:
    name = row.facility or ""
    return "中医" in name and not (row.category and "非公立" in row.category)


def _tcm_checks(t, tables, year, baseline_year, pop, population) -> tuple[list[TargetCheck], list[TargetCheck]]:
    """公立中医类医院床位 against the beds of the public 中医 hospitals in the beds table."""
    out: list[TargetCheck] = []
    bases: list[TargetCheck] = []
    found = _find_column(tables, ("beds",), year)
    if not found:
        return out, bases
    table, i = found
    rows = [r for r in table.rows if _leaf(r) and _tcm(r)]
    if not rows:
        return out, bases
    names = "、".join(r.facility for r in rows)
    planned = sum(r.values[i] or 0.0 for r in rows)
    out.append(_target_check(t, f"公立中医类医院（{names}）", year, pop, planned, None))
    if baseline_year and t.baseline is not None:
        base = _find_column(tables, ("beds_actual", "beds"), baseline_year)
        if base:
            bt, bi = base
            stated = sum(r.values[bi] or 0.0 for r in bt.rows if _leaf(r) and _tcm(r) and bi < len(r.values))
            check = _baseline_check(t, bt, bi, baseline_year, population.at(baseline_year), stated)
            check.scope = f"公立中医类医院（{names}）"
            check.explanation = check.explanation.replace(f"《{bt.title}》{column_name(bt, bi)}合计",
                                                          f"公立中医类医院（{names}）{column_name(bt, bi)}")
            bases.append(check)
    return out, bases


def _facility_lines(tables: list[FacilityTable], year: int, baseline_year: int | None) -> list[FacilityLine]:
    lines: dict[str, FacilityLine] = {}
    for t in tables:
        for row in t.rows:
            if not _leaf(row):
                continue
            key = row.facility or f"[{row.category}]"
            line = lines.setdefault(key, FacilityLine(facility=row.facility, category=row.category))
            for c, v in zip(t.columns, row.values):
                if c.year == year and c.measure in ("beds", "doctors", "nurses"):
                    setattr(line, c.measure, v)
                elif c.year == baseline_year and c.measure in ("beds_approved", "beds_actual"):
                    setattr(line, c.measure, v)
    for line in lines.values():
        if line.doctors:
            line.nurses_per_doctor = (line.nurses or 0) / line.doctors
        if line.beds and line.doctors is not None and line.nurses is not None:
            line.staff_per_bed = (line.doctors + line.nurses) / line.beds
    return list(lines.values())


def _ratio_target(plan: Plan, catalog: Catalog, code: str):
    for row in plan.indicators:
        found = catalog.match(row.name, row.unit)
        if found.entry is not None and found.entry.code == code:
            t = parse_target(row.target.text, found.entry.direction)
            base = row.baseline.value if row.baseline else None
            return row, (t.value if t.kind == "threshold" else None), base
    return None, None, None


def _ratio_checks(plan, tables, year, baseline_year, catalog, rec: Reconciliation) -> list[RatioCheck]:
    out = []
    doctors = _find_column(tables, ("doctors",), year)
    nurses = _find_column(tables, ("nurses",), year)
    beds = _find_column(tables, ("beds",), year)
    d = _total(*doctors)[0] if doctors else None
    n = _total(*nurses)[0] if nurses else None
    b = _total(*beds)[0] if beds else None
    # 医护比 1:x = nurses per doctor
    row, target, base = _ratio_target(plan, catalog, "HR-DN")
    if row is not None and target is not None:
        if d and n is not None:
            value = n / d
            ok = value >= target - RATIO_TOLERANCE
            need = math.ceil(d * target - 1e-9)
            text = (f"医护比：目标{year}年1:{num(target, 2)}（规划第{row.line}行）；机构配置表{year}年注册护士{num(n)}人 ÷ "
                    f"执业（助理）医师{num(d)}人 = {num(value, 4)}，即1:{num(value, 2)}，"
                    + ("达到目标。" if ok else f"未达到目标：按{num(d)}名医师需注册护士{num(d)} × {num(target, 2)} = "
                       f"{num(d * target)} → {num(need)}人，差{num(need - n)}人。"))
            per = {t.resource: t.per_capita_target for t in rec.target_checks if t.per_capita_target}
            if "执业（助理）医师" in per and "注册护士" in per:
                implied = per["注册护士"] / per["执业（助理）医师"]
                text += (f"（每千人口目标{num(per['注册护士'], 4)} ÷ {num(per['执业（助理）医师'], 4)} = {num(implied, 4)}，"
                         f"与医护比目标{'一致' if abs(implied - target) <= RATIO_TOLERANCE + 0.005 else '不一致'}。）")
            out.append(RatioCheck(name="医护比", year=year, target=target, value=value,
                                  status="pass" if ok else "fail", explanation=text))
        else:
            out.append(RatioCheck(name="医护比", year=year, target=target, value=None, status="needs_data",
                                  explanation=f"医护比：目标1:{num(target, 2)}，机构配置表没有{year}年医师和护士数，无法核对。"))
    if row is not None and base is not None and baseline_year:
        bd = _find_column(tables, ("doctors",), baseline_year)
        bn = _find_column(tables, ("nurses",), baseline_year)
        if bd and bn and _total(*bd)[0]:
            d0, n0 = _total(*bd)[0], _total(*bn)[0] or 0
            v0 = n0 / d0
            ok = abs(v0 - base) <= RATIO_TOLERANCE + 0.005
            out.append(RatioCheck(
                name="医护比（基期）", year=baseline_year, target=base, value=v0, status="pass" if ok else "fail",
                explanation=f"医护比基期：{num(n0)} ÷ {num(d0)} = {num(v0, 4)}（1:{num(v0, 2)}），指标表基期值1:{num(base, 2)}，"
                            + ("一致。" if ok else "不一致。")))
    # 床护比 1:x = nurses per bed
    row, target, _ = _ratio_target(plan, catalog, "HR-BN")
    if row is not None and target is not None:
        if b and n is not None:
            value = n / b
            ok = value >= target - RATIO_TOLERANCE
            out.append(RatioCheck(name="床护比", year=year, target=target, value=value, status="pass" if ok else "fail",
                                  explanation=f"床护比：目标1:{num(target, 2)}；{num(n)} ÷ {num(b)} = {num(value, 4)}，"
                                              + ("达到目标。" if ok else "未达到目标。")))
    # 床人比 1:x = health workers per bed; the tables hold doctors and nurses only
    row, target, base = _ratio_target(plan, catalog, "HR-BS")
    if row is not None and target is not None:
        if b and d is not None and n is not None:
            need = math.ceil(b * target - 1e-9)
            dn = d + n
            text = (f"床人比：目标{year}年1:{num(target, 2)}（规划第{row.line}行，卫生人员 ÷ 床位）；{num(b)}张床需卫生人员 "
                    f"{num(b)} × {num(target, 2)} = {num(b * target)} → {num(need)}人。机构配置表只列执业（助理）医师和注册护士，"
                    f"合计{num(d)} + {num(n)} = {num(dn)}人（1:{num(dn / b, 2)}），")
            if dn >= need:
                out.append(RatioCheck(name="床人比", year=year, target=target, value=dn / b, status="pass",
                                      explanation=text + "仅医护已达到目标。"))
            else:
                out.append(RatioCheck(name="床人比", year=year, target=target, value=None, status="needs_data",
                                      explanation=text + f"其余{num(need - dn)}人须为药师、技师、管理和工勤等其他卫生人员；"
                                                         f"规划未给出这些人员的配置，需补充数据才能判断。"))
        else:
            out.append(RatioCheck(name="床人比", year=year, target=target, value=None, status="needs_data",
                                  explanation=f"床人比：目标1:{num(target, 2)}，机构配置表缺少{year}年床位或人员数，无法核对。"))
    return out


def _bed_notes(tables: list[FacilityTable], baseline_year: int | None) -> list[str]:
    """实有床位 above 编制床位 (open beds should match approved beds), facility by facility."""
    notes = []
    found_a = _find_column(tables, ("beds_approved",), baseline_year) if baseline_year else None
    found_b = _find_column(tables, ("beds_actual",), baseline_year) if baseline_year else None
    if not found_a or not found_b or found_a[0] is not found_b[0]:
        return notes
    table, ia = found_a
    ib = found_b[1]
    over = [(r, r.values[ia], r.values[ib]) for r in table.rows if _leaf(r) and r.facility
            and r.values[ia] is not None and r.values[ib] is not None and r.values[ib] > r.values[ia]]
    if over:
        parts = "；".join(f"{r.facility}实有{num(b)}张、编制{num(a)}张，超出{num(b - a)}张" for r, a, b in over)
        notes.append(f"{baseline_year}年实有床位超过编制床位：{parts}（开放床位数应与编制床位数基本一致）。")
    under = [(r, r.values[ia], r.values[ib]) for r in table.rows if _leaf(r) and r.facility
             and r.values[ia] is not None and r.values[ib] is not None and r.values[ib] < r.values[ia]]
    if under:
        parts = "；".join(f"{r.facility}实有{num(b)}张、编制{num(a)}张" for r, a, b in under)
        notes.append(f"{baseline_year}年实有床位少于编制床位：{parts}。")
    return notes


def facility_ratio_notes(rec: Reconciliation, low: float = 0.5, high: float = 2.0) -> list[str]:
    """Facilities whose nurses per doctor is below ``low`` or above ``high`` times the 医护比 target."""
    target = next((r.target for r in rec.ratio_checks if r.name == "医护比"), None)
    if not target:
        return []
    out = []
    for f in rec.facilities:
        if f.nurses_per_doctor is None:
            continue
        if f.nurses_per_doctor < low * target or f.nurses_per_doctor > high * target:
            out.append(f"{f.facility or f.category}{rec.year}年执业（助理）医师{num(f.doctors)}人、注册护士{num(f.nurses)}人，"
                       f"医护比1:{num(f.nurses_per_doctor, 2)}，与全市目标1:{num(target, 2)}相差较大。")
    return out


# --- what-if ----------------------------------------------------------------------------------------
class Change(BaseModel):
    facility: str
    column: str
    before: float | None
    after: float
    delta: float


class Reallocation(BaseModel):
    table: FacilityTable
    changes: list[Change]
    totals_before: dict[str, float | None]
    totals_after: dict[str, float | None]
    recomputed: list[str]  # subtotals and totals recomputed from the rows (printed errors corrected)
    reconciliation: Reconciliation | None = None
    explanation: str


def _column_index(table: FacilityTable, key: str | int | None) -> int:
    latest = max((c.year or 0) for c in table.columns)
    if key is None:
        idx = [i for i, c in enumerate(table.columns) if (c.year or 0) == latest]
        if len(idx) == 1:
            return idx[0]
        labels = "、".join(column_name(table, i) for i in idx)
        raise AllocationError(f"《{table.title}》{latest}年有多列（{labels}），请指明要改哪一列，"
                              f"如 {{\"南宫市中医院\": {{\"注册护士\": 130}}}}。",
                              "Several target-year columns: name the column to change.")
    if isinstance(key, int):
        return key
    for i, _c in enumerate(table.columns):
        if column_name(table, i) == key:
            return i
    matches = [i for i, c in enumerate(table.columns)
               if key in (c.label, c.measure, MEASURE_RESOURCE.get(c.measure or ""))]
    if matches:
        return max(matches, key=lambda i: table.columns[i].year or 0)
    names = "、".join(column_name(table, i) for i in range(len(table.columns)))
    raise AllocationError(f"《{table.title}》没有“{key}”这一列；可用的列：{names}。",
                          f"No column '{key}' in the table.")


def _recompute(rows: list[FacilityRow], table: FacilityTable) -> list[str]:
    """Subtotals and totals recomputed from the facility rows; says where printed figures changed."""
    said = []
    ncol = len(table.columns)
    group: list[FacilityRow] = []
    for row in rows:
        if row.subtotal:
            members = [r for r in group if r.category == row.category] or group
            for i in range(ncol):
                new = sum(r.values[i] or 0.0 for r in members)
                if row.values[i] is not None and abs(row.values[i] - new) > 1e-6:
                    said.append(f"{row.category or ''}小计{column_name(table, i)}由{num(row.values[i])}改为{num(new)}")
                row.values[i] = new
            group = []
        elif row.total:
            for i in range(ncol):
                new = sum(r.values[i] or 0.0 for r in rows if _leaf(r))
                if row.values[i] is not None and abs(row.values[i] - new) > 1e-6:
                    said.append(f"合计{column_name(table, i)}由{num(row.values[i])}改为{num(new)}")
                row.values[i] = new
        else:
            group.append(row)
    return said


def reallocate(table: FacilityTable, changes: dict[str, float | dict[str, float]], *, plan: Plan | None = None,
               population: PopulationSeries | None = None, year: int | None = None) -> Reallocation:
    """Apply ``changes`` ({facility: value} or {facility: {column: value}}) and check the new allocation.

    A bare value changes the table's target-year column (the beds table has one); a staff table needs
    the column named (``{"南宫市中医院": {"注册护士": 130}}``). Keys may name a facility, or a category
    for a row without facilities (``非公立医院``). Subtotals and totals are recomputed from the rows.
    With ``plan`` (and its population), the new table is reconciled against the plan's targets.
    """
    new = table.model_copy(deep=True)
    index = {(_row_name(r)): r for r in new.rows if _leaf(r)}
    applied: list[Change] = []
    for name, change in changes.items():
        row = index.get(name)
        if row is None:
            close = difflib.get_close_matches(name, list(index), n=3, cutoff=0.5)
            hint = f"是否是：{'、'.join(close)}？" if close else f"表中机构有：{'、'.join(list(index)[:8])}等。"
            raise AllocationError(f"《{table.title}》中没有“{name}”。{hint}", f"No facility '{name}' in the table.")
        items = change.items() if isinstance(change, dict) else [(None, change)]
        for key, value in items:
            i = _column_index(new, key)
            if value is None or value < 0:
                raise AllocationError(f"“{name}”的{column_name(new, i)}应为非负数，而给出的是{value}。",
                                      "A count must be non-negative.")
            before = row.values[i]
            row.values[i] = float(value)
            applied.append(Change(facility=name, column=column_name(new, i), before=before, after=float(value),
                                  delta=float(value) - (before or 0.0)))
    before_totals = {column_name(table, i): _total(table, i)[0] for i in range(len(table.columns))}
    recomputed = _recompute(new.rows, new)
    after_totals = {column_name(new, i): _total(new, i)[0] if any(r.total for r in new.rows) else _total(new, i)[1]
                    for i in range(len(new.columns))}
    lines = [f"{c.facility}{c.column}：{num(c.before)} → {num(c.after)}（{'+' if c.delta >= 0 else ''}{num(c.delta)}）"
             for c in applied]
    text = "调整：" + "；".join(lines) + "。"
    for k in after_totals:
        if before_totals.get(k) != after_totals[k]:
            text += f"{k}合计：{num(before_totals.get(k))} → {num(after_totals[k])}。"
    if recomputed:
        text += "小计与合计按机构逐行重新计算：" + "；".join(recomputed) + "。"
    rec = None
    if plan is not None:
        tables = [new if t.title == table.title and t.line == table.line else t for t in plan.facility_tables]
        if not any(t is new for t in tables):
            tables.append(new)
        rec = reconcile(plan, population, year=year, tables=tables)
    return Reallocation(table=new, changes=applied, totals_before=before_totals, totals_after=after_totals,
                        recomputed=recomputed, reconciliation=rec, explanation=text)
