"""What the comparison (地区比较) and resource planner (资源规划) pages show, read through the library
with the user's scope applied: only plans the user may read are compared or planned for.

The comparison is :func:`healthplan.reports.compare.build_comparison` on the readable plans; the planner
is :func:`healthplan.resources.scenarios.run_scenario` on the plan's document and the store's populations.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from fastapi import HTTPException
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import HealthplanError
from ..evaluate import STATUS_ZH
from ..evaluate.plans import evaluate_plan
from ..reports.compare import NATIONAL_NOTE, build_comparison
from ..resources.population import parse_population_option
from ..resources.ratios import nurse_doctor_ratio
from ..resources.requirements import ResourceInputError
from ..resources.scenarios import HillBurtonSettings, Scenario, run_scenario, to_xlsx
from ..resources.source import plan_from_row
from ..store import models as m
from .data import not_found, plan_dict
from .users import Principal

MAIN = ("床位", "执业（助理）医师", "注册护士")  # the resources the planner puts first and charts
RATIO_CODES = ("HR-BED", "HR-DOC", "HR-NUR", "HR-DN")  # 每千人口床位/医师/护士, 医护比


def readable_plans(s: Session, who: Principal) -> list[m.Plan]:
    """Current plans the user may read: its own subtree's first, then the published plans of others."""
    plans = [p for p in s.scalars(select(m.Plan).where(m.Plan.current.is_(True))) if who.can_read_plan(p)]
    return sorted(plans, key=lambda p: (not who.owns(p.org_unit_id), p.org_unit_id, -p.period_start))


# --- 地区比较 ------------------------------------------------------------------------------------------

def compare_years(plans: list[m.Plan]) -> tuple[list[int], int]:
    """The years offered and the default one (the last plan year, at most last year, as the report does)."""
    if not plans:
        year = date.today().year - 1
        return [year], year
    start, end = min(p.period_start for p in plans), max(p.period_end for p in plans)
    return list(range(start - 1, end + 1)), min(end, date.today().year - 1)


def comparison(s: Session, who: Principal, year: int | None, indicator: str | None, domain: str | None) -> dict:
    """Every readable region on one indicator (or on every indicator of a domain) in ``year``."""
    plans = readable_plans(s, who)
    years, default = compare_years(plans)
    year = year or default
    if not years[0] - 5 <= year <= years[-1] + 5:
        raise HTTPException(422, detail=f"年份{year}不在可比较的规划期附近（{years[0]}–{years[-1]}）。")
    cmp = build_comparison(s, year, plans, min_regions=1)
    options = [{"code": i.code, "name": i.name, "unit": i.unit, "regions": len(i.regions)} for i in cmp.indicators]
    domains = sorted({r.domain for i in cmp.indicators for r in i.regions if r.domain})
    if indicator:
        shown = [i for i in cmp.indicators if i.code == indicator]
        if not shown:  # unknown, or planned only by regions the user may not read: the same answer
            raise not_found()
    elif domain:
        shown = [i for i in cmp.indicators if any(r.domain == domain for r in i.regions)]
    else:
        shown = cmp.indicators[:1]
    return {"year": year, "years": years, "indicator": indicator or "", "domain": domain or "",
            "indicators": options, "domains": domains, "example": cmp.example, "example_text": cmp.example_text,
            "national_note": NATIONAL_NOTE, "rows": [_indicator(i) for i in shown]}


def _indicator(ind) -> dict:
    regions = [{"org_unit_id": r.org_unit_id, "plan_id": r.plan_id, "region": r.region, "short": r.short,
                "unit": r.unit, "domain": r.domain, "baseline": r.baseline, "target_text": r.target_text,
                "target_value": r.target_value, "latest": r.latest, "value_year": r.value_year,
                "status": r.status, "status_zh": r.status_zh, "gap": r.gap, "example": r.example}
               for r in ind.regions]
    national = None
    if ind.national_target_text:
        national = {"baseline": ind.national_baseline, "target_text": ind.national_target_text,
                    "target_value": ind.national_target_value, "note": ind.national_note}
    return {"code": ind.code, "name": ind.name, "unit": ind.unit, "regions": regions, "national": national}


# --- 资源规划 ------------------------------------------------------------------------------------------

_SPLIT = re.compile(r"[,，;；\s]+")


def _number(text: str | None, what: str, low: float, high: float) -> float | None:
    text = (text or "").strip().replace(",", "")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ResourceInputError(f"{what}“{text}”不是数字。", f"{what}: '{text}' is not a number.") from None
    if not low <= value <= high:
        raise ResourceInputError(f"{what}应在{low:g}到{high:g}之间，而给出的是{value:g}。",
                                 f"{what} must lie between {low:g} and {high:g}.")
    return value


@dataclass
class Assumptions:
    """The planner form (测算假定), as typed; :meth:`scenario` reads it into a library Scenario."""

    year: str | None = None
    population: str | None = None  # 2020=396700, 2025=410000
    growth: str | None = None  # per cent a year
    method: str = "geometric"
    schedule: str = "straight"
    targets: dict[str, str | None] = field(default_factory=dict)  # per 1000, by resource
    current: dict[str, str | None] = field(default_factory=dict)  # counts, by resource
    admission_rate: str | None = None
    alos: str | None = None
    occupancy: str | None = None
    name: str | None = None

    def scenario(self) -> tuple[Scenario, int | None]:
        if self.method not in ("geometric", "linear"):
            raise ResourceInputError("人口插值方法应为几何或线性。", "Method: geometric or linear.")
        if self.schedule not in ("straight", "front"):
            raise ResourceInputError("年度安排应为直线法或前置法。", "Schedule: straight or front.")
        year = _number(self.year, "测算年份", 1990, 2100)
        population: dict[int, float] = {}
        for item in _SPLIT.split((self.population or "").strip()):
            if item:
                y, v = parse_population_option(item)
                population[y] = v
        growth = _number(self.growth, "年人口增长率（%）", -20, 20)
        targets = {k: v for k, v in ((k, _number(t, f"{k}每千人口目标", 0, 1000)) for k, t in self.targets.items())
                   if v is not None}
        current = {k: v for k, v in ((k, _number(c, f"现有{k}数", 0, 1e8)) for k, c in self.current.items())
                   if v is not None}
        hb = HillBurtonSettings(admission_rate=_number(self.admission_rate, "年住院率", 0, 5),
                                alos=_number(self.alos, "平均住院日", 0.1, 365),
                                occupancy=_number(self.occupancy, "目标床位使用率", 0.01, 1))
        name = (self.name or "").strip()[:60] or "网页测算"
        return Scenario(name=name, population=population, method=self.method,
                        growth_rate=None if growth is None else growth / 100, targets=targets, current=current,
                        schedule=self.schedule, hill_burton=hb), None if year is None else int(year)


def resource_plan(s: Session, plan_row: m.Plan, form: Assumptions):
    """(the library's ScenarioResult, the plan as a document); HealthplanError for unusable input."""
    plan, stored = plan_from_row(s, plan_row)
    scenario, year = form.scenario()
    return run_scenario(plan, scenario, year, stored=stored), plan


def resource_view(s: Session, plan_row: m.Plan, form: Assumptions, lang: str = "zh") -> dict:
    """The planner's result as data, or ``error`` with the library's message (never an exception)."""
    out = {"plan": plan_dict(plan_row), "org_unit": {"id": plan_row.org_unit_id, "name": plan_row.org_unit.name},
           "indicators": _ratios_in_store(s, plan_row)}
    try:
        result, plan = resource_plan(s, plan_row, form)
    except HealthplanError as e:
        return {**out, "error": e.en if lang == "en" else e.zh}
    report = result.report
    items = sorted(report.items, key=lambda r: (MAIN.index(r.resource) if r.resource in MAIN else len(MAIN)))
    start = min([r.baseline_year for r in items] + [plan_row.period_start - 1])
    end = max([result.year, plan_row.period_end])
    ratio = nurse_doctor_ratio(plan, report)
    return {**out, "error": None, "year": result.year, "scenario": result.scenario.model_dump(mode="json"),
            "scenario_text": result.scenario.describe(),
            "population": [p.model_dump() for p in report.population.table(start, end)],
            "population_notes": [report.population.explain(result.year), *report.assumptions],
            "requirements": [{**r.row(), "by_year": _by_year(r)} for r in items],
            "skipped": [x.model_dump() for x in report.skipped],
            "nurse_doctor_ratio": ratio.model_dump() if ratio else None,
            "hill_burton": None if result.beds is None else {
                "beds": result.beds.hill_burton.beds, "per_1000_beds": result.beds.per_1000_beds,
                "difference": result.beds.difference, "explanation": result.beds.explanation}}


def _by_year(r) -> list[dict]:
    """Each year to the target: population, required, on the schedule, and the gap against current."""
    return [{**y.model_dump(), "gap": None if r.current is None else y.required - r.current} for y in r.schedule]


def _ratios_in_store(s: Session, plan_row: m.Plan) -> list[dict]:
    """The plan's beds/doctors/nurses per 1000 and 医护比: baseline, target, the latest figure in the store."""
    year = max(plan_row.period_start, min(date.today().year - 1, plan_row.period_end))
    rows = [r for r in evaluate_plan(s, plan_row.id, year) if r.code in RATIO_CODES]
    rows.sort(key=lambda r: RATIO_CODES.index(r.code))
    return [{"code": r.code, "name": r.name, "unit": r.unit, "baseline": r.baseline, "baseline_text": r.baseline_text,
             "baseline_year": r.baseline_year, "target_text": r.target_text, "target_value": r.evaluation.target_value,
             "latest": r.value, "value_year": r.value_year, "status": r.evaluation.status,
             "status_zh": STATUS_ZH[r.evaluation.status], "example": r.example} for r in rows]


def resource_xlsx(s: Session, plan_row: m.Plan, form: Assumptions) -> bytes:
    """The result as the scenarios module's workbook (情景对比, 情景设定, one sheet of detail)."""
    result, _ = resource_plan(s, plan_row, form)
    with tempfile.TemporaryDirectory(prefix="healthplan-resources-") as tmp:
        path = to_xlsx([result], Path(tmp) / "resources.xlsx")
        return path.read_bytes()
