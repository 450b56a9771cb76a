"""Populations year by year (人口测算): from the figures a plan states, from a base and a growth rate.

- Two or more stated figures: **geometric** interpolation between neighbouring years (constant annual
  growth rate inside each span; the default, as demographers project), or **linear** (equal yearly
  increments) as an option. 天河 states 2,241,826 (2020) and 2,454,694 (2025): geometric gives an
  annual rate of (2,454,694 ÷ 2,241,826)^(1/5) − 1 = 1.83 %.
- One figure and a growth rate: ``P(y) = P₀ × (1 + r)^(y − y₀)`` (geometric) or ``P₀ × (1 + r·(y − y₀))``
  (linear). One figure and no rate: the population is assumed constant, and the assumption is said.
- Years beyond the stated ones are extrapolated with the rate of the last span (before the first
  stated year, with the rate of the first span); an explicit growth rate overrides that.
- Only 常住人口 counts (BRIEF §3): per-capita indicators use the resident population unless stated. A
  projection whose kind the plan does not name (天河 2025) is taken as 常住人口, and said so.

A region with no population at all raises :class:`PopulationError` saying what to provide.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from ..errors import HealthplanError
from ..plan import Plan
from ._fmt import num, pct

Method = Literal["geometric", "linear"]
METHOD_ZH = {"geometric": "几何插值（年均增长率不变）", "linear": "线性插值（每年增加量相同）"}


class PopulationError(HealthplanError):
    """No usable population (缺少人口数), or a population figure that cannot be used."""


class PopulationPoint(BaseModel):
    year: int
    value: float
    source: str
    projected: bool = False
    origin: Literal["plan", "user", "store"] = "user"
    text: str | None = None  # the words of the plan the figure was read from


ORIGIN_ZH = {"plan": "规划给出", "user": "用户给出", "store": "数据库"}


class YearPopulation(BaseModel):
    year: int
    value: float
    stated: bool
    how: str  # 规划给出 / 用户给出 / 插值 / 外推 / 按增长率推算 / 假定不变


class PopulationSeries(BaseModel):
    """A population that can be read for any year, with the reasoning behind every figure."""

    region: str | None = None
    points: list[PopulationPoint]
    method: Method = "geometric"
    growth_rate: float | None = None  # annual; overrides extrapolation from the stated figures
    assumptions: list[str] = Field(default_factory=list)

    def model_post_init(self, _context) -> None:
        if not self.points:
            raise PopulationError("没有任何人口数。", "No population figure.")
        by_year: dict[int, PopulationPoint] = {}
        for p in self.points:
            if p.value <= 0:
                raise PopulationError(f"{p.year}年人口数{num(p.value)}不是正数，无法使用。",
                                      f"Population {p.value} for {p.year} is not positive.")
            by_year[p.year] = p  # a later point of the same year wins (user figures come last)
        self.points = [by_year[y] for y in sorted(by_year)]

    # --- reading ---------------------------------------------------------------------------------
    def stated(self, year: int) -> PopulationPoint | None:
        return next((p for p in self.points if p.year == year), None)

    def span_rate(self, a: PopulationPoint, b: PopulationPoint) -> float:
        """Annual rate between two stated figures: geometric (compound) or linear (share of ``a`` per year)."""
        years = b.year - a.year
        if self.method == "geometric":
            return (b.value / a.value) ** (1 / years) - 1
        return (b.value - a.value) / years / a.value

    def at(self, year: int) -> float:
        return self._at(year)[0]

    def _at(self, year: int) -> tuple[float, str]:
        pts = self.points
        hit = self.stated(year)
        if hit is not None:
            return hit.value, ORIGIN_ZH[hit.origin]
        if len(pts) == 1 or self.growth_rate is not None and not (pts[0].year < year < pts[-1].year):
            anchor = pts[-1] if year > pts[-1].year else (pts[0] if year < pts[0].year else _before(pts, year))
            rate = self.growth_rate or 0.0
            how = "按增长率推算" if self.growth_rate else "假定不变"
            return self._grow(anchor.value, rate, year - anchor.year), how
        if year < pts[0].year:
            a, b = pts[0], pts[1]
            return self._grow(a.value, self.span_rate(a, b), year - a.year), "外推"
        if year > pts[-1].year:
            a, b = pts[-2], pts[-1]
            rate = self.span_rate(a, b)
            if self.method == "linear":  # the same yearly increment as the last span
                return b.value + (b.value - a.value) / (b.year - a.year) * (year - b.year), "外推"
            return self._grow(b.value, rate, year - b.year), "外推"
        a = _before(pts, year)
        b = next(p for p in pts if p.year > year)
        share = (year - a.year) / (b.year - a.year)
        if self.method == "geometric":
            return a.value * (b.value / a.value) ** share, "插值"
        return a.value + (b.value - a.value) * share, "插值"

    def _grow(self, base: float, rate: float, years: int) -> float:
        if self.method == "geometric":
            return base * (1 + rate) ** years
        return base * (1 + rate * years)

    def table(self, start: int, end: int) -> list[YearPopulation]:
        out = []
        for y in range(start, end + 1):
            value, how = self._at(y)
            out.append(YearPopulation(year=y, value=value, stated=how in ORIGIN_ZH.values(), how=how))
        return out

    def explain(self, year: int) -> str:
        """How the figure for ``year`` was obtained, in Chinese, with the arithmetic."""
        value, how = self._at(year)
        pts = self.points
        if how in ORIGIN_ZH.values():
            p = self.stated(year)
            return f"{year}年常住人口{num(value, 0)}人（{p.source}{'，预测值' if p.projected else ''}）"
        if how == "插值":
            a = _before(pts, year)
            b = next(p for p in pts if p.year > year)
            if self.method == "geometric":
                return (f"{year}年常住人口 = {num(a.value, 0)} × ({num(b.value, 0)} ÷ {num(a.value, 0)})^"
                        f"(({year}−{a.year})/({b.year}−{a.year})) = {num(value, 0)}人"
                        f"（{a.year}–{b.year}年几何插值，年均增长{pct(self.span_rate(a, b))}）")
            return (f"{year}年常住人口 = {num(a.value, 0)} + ({num(b.value, 0)} − {num(a.value, 0)}) × "
                    f"({year}−{a.year})/({b.year}−{a.year}) = {num(value, 0)}人（{a.year}–{b.year}年线性插值）")
        if how == "外推":
            a, b = (pts[-2], pts[-1]) if year > pts[-1].year else (pts[0], pts[1])
            anchor = b if year > pts[-1].year else a
            rate = self.span_rate(a, b)
            word = "最后" if year > pts[-1].year else "最初"
            if self.method == "geometric":
                return (f"{year}年常住人口 = {num(anchor.value, 0)} × (1 + {pct(rate)})^({year}−{anchor.year}) = "
                        f"{num(value, 0)}人（按{word}一段{a.year}–{b.year}年的年均增长率{pct(rate)}外推）")
            step = (b.value - a.value) / (b.year - a.year)
            return (f"{year}年常住人口 = {num(anchor.value, 0)} + {num(step, 1)} × ({year}−{anchor.year}) = "
                    f"{num(value, 0)}人（按{word}一段{a.year}–{b.year}年每年增加量外推）")
        anchor = pts[-1] if year > pts[-1].year else (pts[0] if year < pts[0].year else _before(pts, year))
        if how == "假定不变":
            return (f"{year}年常住人口按{anchor.year}年{num(anchor.value, 0)}人不变假定（未给出{year}年人口，"
                    f"可用 --population {year}=人口数 或 --growth-rate 年增长率 修改）")
        r = self.growth_rate or 0.0
        if self.method == "geometric":
            return (f"{year}年常住人口 = {num(anchor.value, 0)} × (1 + {pct(r)})^({year}−{anchor.year}) = "
                    f"{num(value, 0)}人（按年增长率{pct(r)}推算）")
        return (f"{year}年常住人口 = {num(anchor.value, 0)} × (1 + {pct(r)} × ({year}−{anchor.year})) = "
                f"{num(value, 0)}人（按年增长率{pct(r)}线性推算）")


def _before(pts: list[PopulationPoint], year: int) -> PopulationPoint:
    return [p for p in pts if p.year <= year][-1]


# --- building a series -----------------------------------------------------------------------------
def from_points(points: dict[int, float] | list[tuple[int, float]], *, method: Method = "geometric",
                growth_rate: float | None = None, source: str = "用户给出", region: str | None = None) -> PopulationSeries:
    items = points.items() if isinstance(points, dict) else points
    return PopulationSeries(region=region, method=method, growth_rate=growth_rate,
                            points=[PopulationPoint(year=int(y), value=float(v), source=source) for y, v in items])


def from_rate(base_year: int, base: float, rate: float, *, method: Method = "geometric",
              region: str | None = None) -> PopulationSeries:
    """A base population and an annual growth rate (``0.0292`` = 2.92 %, negative for a shrinking region)."""
    return PopulationSeries(region=region, method=method, growth_rate=rate,
                            points=[PopulationPoint(year=base_year, value=base, source="用户给出的基数", origin="user")],
                            assumptions=[f"按{base_year}年{num(base, 0)}人、年增长率{pct(rate)}推算"])


RESIDENT = ("常住人口", None)


def from_plan(plan: Plan, overrides: dict[int, float] | None = None, *, method: Method = "geometric",
              growth_rate: float | None = None, stored: dict[int, float] | None = None) -> PopulationSeries:
    """The plan's 常住人口 figures (and unnamed projections), the store's (``stored``) over them where
    they differ, and the user's figures (``overrides``) on top.

    Raises :class:`PopulationError` when neither gives a figure, naming what to provide.
    """
    points: list[PopulationPoint] = []
    assumptions: list[str] = []
    for p in sorted(plan.populations, key=lambda p: (p.year, not p.projected)):
        if p.kind not in RESIDENT:
            continue
        if any(q.year == p.year for q in points):
            continue  # a census figure before a projection of the same year
        points.append(PopulationPoint(year=p.year, value=p.value, source=f"规划第{p.line}行", projected=p.projected,
                                      origin="plan", text=p.text))
        if p.kind is None:
            assumptions.append(f"规划第{p.line}行的{p.year}年人口未注明口径，按常住人口使用")
    for year, value in (stored or {}).items():
        same = next((q for q in points if q.year == year), None)
        if same is not None and abs(same.value - value) < 0.5:
            continue
        points = [q for q in points if q.year != year]
        points.append(PopulationPoint(year=int(year), value=float(value), source="数据库中的常住人口", origin="store"))
    for year, value in (overrides or {}).items():
        points = [q for q in points if q.year != year]
        points.append(PopulationPoint(year=int(year), value=float(value), source="用户给出（--population）"))
    if not points:
        raise missing_population(plan)
    series = PopulationSeries(region=plan.region, points=points, method=method, growth_rate=growth_rate,
                              assumptions=assumptions)
    if len(series.points) == 1 and growth_rate is None:
        p = series.points[0]
        series.assumptions.append(f"规划只给出{p.year}年常住人口{num(p.value, 0)}人，其他年份假定人口不变"
                                  f"（可用 --population 年份=人口数 或 --growth-rate 修改）")
    series.assumptions.append(f"人口插值方法：{METHOD_ZH[method]}")
    return series


def missing_population(plan: Plan) -> PopulationError:
    region = plan.region or plan.file
    others = [p for p in plan.populations if p.kind not in RESIDENT]
    extra = ""
    if others:
        listed = "、".join(f"{p.year}年{p.kind}{num(p.value, 0)}人" for p in others)
        extra = f"规划中只有{listed}，不是常住人口，未自动使用；如确需使用请显式给出。"
    year = (plan.period.start - 1) if plan.period else 2020
    return PopulationError(
        f"“{region}”没有常住人口数，无法按每千人口指标测算资源需求。{extra}"
        f"请提供常住人口，例如 --population {year}=396700（可重复给出多个年份，如再加 --population "
        f"{year + 5}=410000），或给出一个年份的人口并加 --growth-rate 0.005（年增长率）。",
        f"'{region}' has no resident population, so per-capita targets cannot be turned into counts. "
        f"Provide one, e.g. --population {year}=396700 (repeat for more years), or one year plus --growth-rate.",
        plan.file)


_OPTION = re.compile(r"^\s*((?:19|20)\d{2})\s*[=:：]\s*([0-9][0-9,]*(?:\.\d+)?)\s*(万)?\s*(?:人)?\s*$")


def parse_population_option(text: str) -> tuple[int, float]:
    """``2020=396700``, ``2020=39.67万`` or ``2025:2,454,694`` → (year, population)."""
    m = _OPTION.match(text or "")
    if not m:
        raise PopulationError(f"人口参数“{text}”格式不正确，应为 年份=人口数，例如 2020=396700 或 2020=39.67万。",
                              f"Bad population '{text}': use YEAR=N, e.g. 2020=396700.")
    value = float(m.group(2).replace(",", "")) * (10000 if m.group(3) else 1)
    if value <= 0:
        raise PopulationError(f"人口参数“{text}”不是正数。", f"Population '{text}' is not positive.")
    return int(m.group(1)), value
