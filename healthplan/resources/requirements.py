"""Resource requirements (资源需求测算): how many beds, doctors, nurses … in each year to the target year.

For a per-capita target *T* per *f* people (f = 1000 or 10000 …) and population *P(y)*:

- **required** in year y = T × P(y) ÷ f, rounded **up** for an at-least target (≥: 15,464.57 beds →
  15,465, the smallest whole number that meets it), down for an at-most target, to the nearest
  otherwise;
- **current** = baseline per-capita × baseline population ÷ f, rounded to the nearest whole number —
  or, when the plan states the count itself (南宫's facility tables: 实有床位 合计 1,826), that count,
  with any disagreement between the two said;
- **gap** = required − current; a gap ≤ 0 means the target is already met (现有数已满足);
- **increments**: the gap in the target year spread over the years after the baseline year:
  - ``straight`` (直线法): equal shares, 1/n each year;
  - ``front`` (前置法, front-loaded): most of the increase early, when the plan is fresh and the
    money of the first budget years is committed. Five years: 40 %, 25 %, 15 %, 10 %, 10 %. Any other
    number of years: a geometric schedule, each year 0.6 times the year before (normalised to 100 %);
  - or any list of shares given by the user.
  Shares are turned into whole increments that add up to the gap exactly (largest remainder).
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, Field

from ..catalog import Catalog
from ..errors import HealthplanError
from ..plan import Plan
from ._fmt import num, per_word
from .population import PopulationSeries, from_plan
from .targets import PerCapitaTarget, Skipped, describe, per_capita_targets

Schedule = Literal["straight", "front"]
FRONT_LOADED_5 = (0.40, 0.25, 0.15, 0.10, 0.10)
FRONT_RATIO = 0.6
SCHEDULE_ZH = {"straight": "直线法（每年等额）", "front": "前置法（前期多、后期少）"}
DISAGREE = 0.02  # a stated count more than 2 % away from the computed one is reported

# facility-table measures that state a count of a resource (the first found wins: 实有 before 编制)
MEASURE_RESOURCE = {"beds_actual": "床位", "beds": "床位", "beds_approved": "床位",
                    "doctors": "执业（助理）医师", "nurses": "注册护士"}
MEASURE_ORDER = ["beds_actual", "beds", "doctors", "nurses", "beds_approved"]
MEASURE_ZH = {"beds_actual": "实有床位", "beds": "床位数", "beds_approved": "编制床位", "doctors": "执业（助理）医师",
              "nurses": "注册护士"}


class ResourceInputError(HealthplanError):
    """An input to a resource calculation that cannot be used (参数不正确)."""


class StatedCount(BaseModel):
    resource: str
    year: int
    value: float
    source: str


class YearRequirement(BaseModel):
    year: int
    population: int
    required: int  # what the target ratio needs in this year's population
    planned: int  # the count on the increment schedule
    increment: int  # added in this year on the schedule


class Requirement(BaseModel):
    """One resource: required, current, gap, and the schedule to close the gap."""

    resource: str
    indicator: str
    code: str | None
    unit: str | None
    per: float
    op: str
    per_capita_target: float
    target_text: str
    target_year: int
    baseline_year: int
    baseline_per_capita: float | None
    year: int
    population: float
    required_exact: float
    required: int
    baseline_population: float
    current_exact: float | None
    current: int | None
    current_source: Literal["computed", "stated", "user"] | None
    current_computed: float | None = None
    gap: int | None
    met: bool | None
    planned: int | None = None  # the count on the schedule in ``year``
    schedule: list[YearRequirement] = Field(default_factory=list)
    explanation: str
    notes: list[str] = Field(default_factory=list)

    def row(self) -> dict:
        """The public JSON row of ``healthplan resources``."""
        return {"resource": self.resource, "per_1000_target": round(self.per_capita_target, 6), "per": int(self.per),
                "unit": self.unit, "indicator": self.indicator, "code": self.code, "year": self.year,
                "population": round(self.population), "required": self.required, "current": self.current,
                "gap": self.gap, "met": self.met, "required_exact": round(self.required_exact, 2),
                "current_exact": None if self.current_exact is None else round(self.current_exact, 2),
                "current_source": self.current_source, "baseline_year": self.baseline_year,
                "baseline_per_capita": self.baseline_per_capita, "target_year": self.target_year,
                "target_text": self.target_text, "planned": self.planned,
                "schedule": [s.model_dump() for s in self.schedule], "explanation": self.explanation,
                "notes": self.notes}


class RequirementReport(BaseModel):
    region: str | None
    file: str | None
    year: int
    schedule: str
    population: PopulationSeries
    items: list[Requirement]
    skipped: list[Skipped] = Field(default_factory=list)
    assumptions: list[str] = Field(default_factory=list)

    def get(self, resource: str) -> Requirement | None:
        return next((r for r in self.items if r.resource == resource or r.indicator == resource or r.code == resource),
                    None)

    def rows(self) -> list[dict]:
        return [r.row() for r in self.items]


# --- rounding and schedules --------------------------------------------------------------------------
def whole(exact: float, op: str) -> int:
    """Whole count that meets a target: up for ≥, down for ≤, nearest for ~."""
    if op in (">=", ">"):
        return math.ceil(exact - 1e-9)
    if op in ("<=", "<"):
        return math.floor(exact + 1e-9)
    return math.floor(exact + 0.5)


def schedule_shares(years: int, schedule: Schedule | list[float] = "straight") -> list[float]:
    """The share of the increase that falls in each of ``years`` years (adds up to 1)."""
    if years <= 0:
        return []
    if isinstance(schedule, (list, tuple)):
        if len(schedule) != years or any(s < 0 for s in schedule) or sum(schedule) <= 0:
            raise ResourceInputError(f"自定义年度比例应为{years}个非负数，而给出的是{list(schedule)}。",
                                     f"Custom shares must be {years} non-negative numbers.")
        total = float(sum(schedule))
        return [s / total for s in schedule]
    if schedule == "straight":
        return [1 / years] * years
    if schedule == "front":
        if years == len(FRONT_LOADED_5):
            return list(FRONT_LOADED_5)
        weights = [FRONT_RATIO ** k for k in range(years)]
        return [w / sum(weights) for w in weights]
    raise ResourceInputError(f"年度安排方式应为 straight（直线法）或 front（前置法），而不是“{schedule}”。",
                             f"Schedule must be straight or front, not '{schedule}'.")


def split_whole(total: int, shares: list[float]) -> list[int]:
    """Whole parts of ``total`` in proportion to ``shares`` that add up to ``total`` (largest remainder)."""
    if not shares:
        return []
    sign = -1 if total < 0 else 1
    raw = [abs(total) * s for s in shares]
    parts = [math.floor(r + 1e-9) for r in raw]
    left = abs(total) - sum(parts)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return [sign * p for p in parts]


# --- stated counts -----------------------------------------------------------------------------------
def stated_counts(plan: Plan) -> dict[tuple[str, int], StatedCount]:
    """Counts the plan states in its facility tables' 合计 rows: {(resource, year): count}."""
    found: dict[tuple[str, int], tuple[int, StatedCount]] = {}
    for table in plan.facility_tables:
        total = next((r for r in table.rows if r.total), None)
        if total is None:
            continue
        for col, value in zip(table.columns, total.values):
            if col.measure not in MEASURE_RESOURCE or col.year is None or value is None:
                continue
            key = (MEASURE_RESOURCE[col.measure], col.year)
            rank = MEASURE_ORDER.index(col.measure)
            source = f"《{table.title}》合计行（第{total.line}行）{col.year}年{MEASURE_ZH[col.measure]}"
            if key not in found or rank < found[key][0]:
                found[key] = (rank, StatedCount(resource=key[0], year=col.year, value=value, source=source))
    return {k: v for k, (_, v) in found.items()}


# --- the calculation ---------------------------------------------------------------------------------
def compute(t: PerCapitaTarget, population: PopulationSeries, *, year: int | None = None,
            schedule: Schedule | list[float] = "straight", stated: StatedCount | None = None,
            user_current: float | None = None) -> Requirement:
    """The requirement for one per-capita target."""
    year = year or t.target_year
    unit = t.unit or ""
    pop = population.at(year)
    exact = t.target * pop / t.per
    required = whole(exact, t.op)
    pop_b = population.at(t.baseline_year)
    notes: list[str] = []
    computed = t.baseline * pop_b / t.per if t.baseline is not None else None
    if user_current is not None:
        current_exact, source = float(user_current), "user"
    elif stated is not None:
        current_exact, source = stated.value, "stated"
    elif computed is not None:
        current_exact, source = computed, "computed"
    else:
        current_exact, source = None, None
    current = None if current_exact is None else math.floor(current_exact + 0.5)
    gap = None if current is None else required - current
    met = None if gap is None else (gap <= 0 if t.op in (">=", ">", "~") else gap >= 0)

    lines = [f"{t.resource}（规划第{t.line}行“{t.indicator}”）：目标为{describe(t)}（{t.how}）。"]
    pop_lines = [population.explain(year)]
    if t.baseline_year != year and (computed is not None or source is None):
        pop_lines.append(population.explain(t.baseline_year))
    lines.append("人口：" + "；".join(pop_lines) + "。")
    rounding = {">=": "向上取整（满足“不低于”）", ">": "向上取整", "<=": "向下取整（满足“不高于”）",
                "<": "向下取整"}.get(t.op, "四舍五入")
    label = "需要" if t.op in (">=", ">", "~") else "上限"
    lines.append(f"{year}年{label}：{num(t.target, 4)} × {num(pop, 0)} ÷ {t.per:g} = {num(exact)}，"
                 f"{rounding}为{num(required)}{unit}。")
    if year > t.target_year:
        notes.append(f"{year}年晚于目标年{t.target_year}年，按目标年的人均标准和{year}年人口测算。")
    if computed is not None:
        calc = (f"{num(t.baseline, 4)} × {num(pop_b, 0)} ÷ {t.per:g} = {num(computed)}"
                f" ≈ {num(math.floor(computed + 0.5))}{unit}")
    if source == "user":
        lines.append(f"现有（{t.baseline_year}年）：用户给出{num(current_exact)}{unit}。")
        if computed is not None:
            notes.append(f"按基期人均值测算的现有数为 {calc}。")
    elif source == "stated":
        lines.append(f"现有（{t.baseline_year}年）：{stated.source}为{num(current_exact)}{unit}。")
        if computed is not None:
            diff = current_exact - computed
            if abs(diff) > max(1.0, DISAGREE * abs(computed)):
                notes.append(f"规划给出的{t.baseline_year}年实数{num(current_exact)}{unit}与按指标表基期值测算的 {calc} "
                             f"不一致（相差{num(diff)}{unit}，折合{per_word(t.per)}"
                             f"{num(current_exact / pop_b * t.per, 4)}{unit}，而指标表为{num(t.baseline, 4)}）；"
                             f"以规划给出的实数为现有数。")
    elif source == "computed":
        lines.append(f"现有（{t.baseline_year}年）：{calc}。")
    else:
        lines.append(f"现有：规划没有{t.baseline_year}年基期值，也没有给出实数，无法计算缺口"
                     f"（可用 --current {t.resource}=数量 给出）。")
    if gap is not None:
        if t.op in ("<=", "<"):
            lines.append(f"差额：{num(required)} − {num(current)} = {num(gap)}{unit}（目标为上限）。")
        elif gap <= 0:
            lines.append(f"缺口：{num(required)} − {num(current)} = {num(gap)}{unit}，现有数已满足{year}年需要"
                         + (f"，富余{num(-gap)}{unit}" if gap < 0 else "") + "，无需新增。")
        else:
            lines.append(f"缺口：{num(required)} − {num(current)} = {num(gap)}{unit}。")
    if pop_b > 0 and population.at(t.target_year) < pop_b:
        notes.append(f"人口由{t.baseline_year}年{num(pop_b, 0)}人减少到{t.target_year}年"
                     f"{num(population.at(t.target_year), 0)}人，所需数量随人口下降。")

    plan_rows: list[YearRequirement] = []
    planned_at = None
    if current is not None and t.target_year > t.baseline_year:
        n = t.target_year - t.baseline_year
        target_required = whole(t.target * population.at(t.target_year) / t.per, t.op)
        to_add = max(0, target_required - current) if t.op in (">=", ">", "~") else 0
        increments = split_whole(to_add, schedule_shares(n, schedule))
        level = current
        for i, y in enumerate(range(t.baseline_year + 1, t.target_year + 1)):
            level += increments[i]
            p = population.at(y)
            plan_rows.append(YearRequirement(year=y, population=round(p), required=whole(t.target * p / t.per, t.op),
                                             planned=level, increment=increments[i]))
        if to_add > 0:
            name = SCHEDULE_ZH.get(schedule, "自定义比例") if isinstance(schedule, str) else "自定义比例"
            steps = "，".join(f"{r.year}年+{num(r.increment)}" for r in plan_rows)
            lines.append(f"年度新增（{name}）：{steps}。")
        planned_at = next((r.planned for r in plan_rows if r.year == year), None)
        if planned_at is None and year > t.target_year and plan_rows:
            planned_at = plan_rows[-1].planned
    return Requirement(resource=t.resource, indicator=t.indicator, code=t.code, unit=t.unit, per=t.per, op=t.op,
                       per_capita_target=t.target, target_text=t.target_text, target_year=t.target_year,
                       baseline_year=t.baseline_year, baseline_per_capita=t.baseline, year=year, population=pop,
                       required_exact=exact, required=required, baseline_population=pop_b,
                       current_exact=current_exact, current=current, current_source=source,
                       current_computed=computed, gap=gap, met=met, planned=planned_at, schedule=plan_rows,
                       explanation="".join(lines) + ("" if not notes else "注：" + "".join(notes)), notes=notes)


def requirements(plan: Plan, population: PopulationSeries | None = None, *, year: int | None = None,
                 schedule: Schedule | list[float] = "straight", current: dict[str, float] | None = None,
                 targets: dict[str, float | str] | None = None, use_stated: bool = True,
                 catalog: Catalog | None = None) -> RequirementReport:
    """Every per-capita target of ``plan`` turned into counts for ``year`` (default: each target's year).

    ``population`` defaults to the plan's own figures (:func:`population.from_plan`, which raises a
    clear error when there are none); ``current`` gives counts by resource name (床位=1826) that
    replace the computed ones; ``targets`` overrides targets (scenarios).
    """
    population = population or from_plan(plan)
    items, skipped = per_capita_targets(plan, catalog=catalog, overrides=targets)
    counts = stated_counts(plan) if use_stated else {}
    current = dict(current or {})
    out = []
    for t in items:
        user = current.pop(t.resource, None)
        if user is None:
            user = current.pop(t.indicator, None)
        out.append(compute(t, population, year=year, schedule=schedule,
                           stated=counts.get((t.resource, t.baseline_year)), user_current=user))
    for key in current:
        skipped.append(Skipped(indicator=key, reason=f"给出的现有数“{key}”在规划中没有对应的人均指标，未使用"))
    target_year = year or (plan.period.end if plan.period else max((t.target_year for t in items), default=0))
    name = SCHEDULE_ZH.get(schedule, "自定义比例") if isinstance(schedule, str) else "自定义比例"
    return RequirementReport(region=plan.region, file=plan.file, year=target_year, schedule=name,
                             population=population, items=out, skipped=skipped,
                             assumptions=list(population.assumptions))

