"""Equity of a distribution across townships or facilities (卫生资源配置公平性), as Chinese planning
studies report it.

- **Gini coefficient** (基尼系数) by population share against resource share: units sorted by resource
  per person (ascending), cumulative population shares *X* and resource shares *Y* (the Lorenz curve),
  *G = 1 − Σ (Xᵢ − Xᵢ₋₁)(Yᵢ + Yᵢ₋₁)* (trapezoids). 0 is perfect equality; < 0.2 is usually read as
  absolutely fair, 0.2–0.3 fairly fair, 0.3–0.4 relatively reasonable, 0.4–0.5 a large gap, > 0.5 a
  very large gap (the customary reading, stated as such).
- **Theil index** (泰尔指数) weighted by population: *T = Σ Pᵢ ln(Pᵢ / Rᵢ)* with population and resource
  shares *P* and *R* (natural logarithm). With groups *g* (e.g. 城区 / 乡镇):
  *T_between = Σ P_g ln(P_g / R_g)*, *T_within = Σ P_g T_g* with *T_g = Σ_{i∈g} (Pᵢ/P_g) ln((Pᵢ/P_g) / (Rᵢ/R_g))*;
  *T = T_between + T_within*, and each part's share of *T* is its contribution (贡献率).
- **Agglomeration degree** (集聚度): resource *HRAD = (Rᵢ/R) ÷ (Aᵢ/A)*, population *PAD = (Pᵢ/P) ÷ (Aᵢ/A)*
  with area *A*; *HRAD/PAD = resource share ÷ population share*: 1 means the resource follows the
  population; above 1 more than its share, below 1 less.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, Field

from ..errors import HealthplanError
from ._fmt import num


class EquityError(HealthplanError):
    """Data that cannot be used for an equity index (公平性测算数据不正确)."""


class Unit(BaseModel):
    name: str
    population: float
    resource: float
    area: float | None = None  # km²
    group: str | None = None


class LorenzPoint(BaseModel):
    name: str | None
    population_share: float  # cumulative
    resource_share: float  # cumulative


class GiniResult(BaseModel):
    gini: float
    lorenz: list[LorenzPoint]
    reading: str
    explanation: str


class TheilGroup(BaseModel):
    group: str
    population_share: float
    resource_share: float
    between_term: float
    theil_within: float  # T_g
    within_term: float  # P_g × T_g


class TheilResult(BaseModel):
    theil: float
    between: float
    within: float
    between_share: float | None
    within_share: float | None
    groups: list[TheilGroup] = Field(default_factory=list)
    explanation: str


class Agglomeration(BaseModel):
    name: str
    area_share: float
    population_share: float
    resource_share: float
    hrad: float
    pad: float
    hrad_pad: float


def _check(units: list[Unit], area: bool = False) -> tuple[float, float, float]:
    if not units:
        raise EquityError("没有任何单位（乡镇或机构）的数据。", "No units.")
    for u in units:
        if u.population <= 0 or u.resource < 0 or (area and (u.area is None or u.area <= 0)):
            need = "人口为正、资源不为负" + ("、面积为正" if area else "")
            raise EquityError(f"“{u.name}”的数据不可用：需{need}。", f"Unit '{u.name}' has unusable figures.")
    p = sum(u.population for u in units)
    r = sum(u.resource for u in units)
    if r <= 0:
        raise EquityError("资源合计为0，无法计算公平性指数。", "The resource adds up to 0.")
    return p, r, sum(u.area or 0 for u in units)


def gini_reading(g: float) -> str:
    if g < 0.2:
        return "绝对公平"
    if g < 0.3:
        return "比较公平"
    if g < 0.4:
        return "相对合理"
    if g < 0.5:
        return "差距较大"
    return "差距悬殊"


def gini(units: list[Unit]) -> GiniResult:
    """Gini coefficient by population share vs resource share, with the Lorenz curve."""
    p, r, _ = _check(units)
    ordered = sorted(units, key=lambda u: u.resource / u.population)
    points = [LorenzPoint(name=None, population_share=0.0, resource_share=0.0)]
    area, terms = 0.0, []
    x = y = 0.0
    for u in ordered:
        x2, y2 = x + u.population / p, y + u.resource / r
        area += (x2 - x) * (y2 + y)
        terms.append(f"({num(x2 - x, 4)} × ({num(y2, 4)} + {num(y, 4)}))")
        points.append(LorenzPoint(name=u.name, population_share=x2, resource_share=y2))
        x, y = x2, y2
    g = 1 - area
    reading = gini_reading(g)
    text = (f"按人均资源由低到高排序（{'、'.join(u.name for u in ordered)}），基尼系数 G = 1 − Σ(人口比重 × "
            f"(累计资源比重 + 上一累计资源比重)) = 1 − [{' + '.join(terms)}] = 1 − {num(area, 4)} = {num(g, 4)}"
            f"（{reading}）。")
    return GiniResult(gini=g, lorenz=points, reading=reading, explanation=text)


def theil(units: list[Unit]) -> TheilResult:
    """Population-weighted Theil index; with ``group`` set on the units, its between/within decomposition."""
    p, r, _ = _check(units)
    for u in units:
        if u.resource <= 0:
            raise EquityError(f"“{u.name}”的资源为0，泰尔指数的对数无定义。", f"Unit '{u.name}' has no resource.")
    total = sum((u.population / p) * math.log((u.population / p) / (u.resource / r)) for u in units)
    groups: dict[str, list[Unit]] = {}
    for u in units:
        groups.setdefault(u.group or "全部", []).append(u)
    rows = []
    for name, members in groups.items():
        pg = sum(u.population for u in members) / p
        rg = sum(u.resource for u in members) / r
        tg = sum((u.population / p / pg) * math.log((u.population / p / pg) / (u.resource / r / rg)) for u in members)
        rows.append(TheilGroup(group=name, population_share=pg, resource_share=rg, between_term=pg * math.log(pg / rg),
                               theil_within=tg, within_term=pg * tg))
    between = sum(g.between_term for g in rows)
    within = sum(g.within_term for g in rows)
    bs = between / total if total > 1e-12 else None
    ws = within / total if total > 1e-12 else None
    text = f"泰尔指数 T = Σ 人口比重 × ln(人口比重 ÷ 资源比重) = {num(total, 6)}"
    if len(rows) > 1:
        b_terms = " + ".join(f"{num(g.population_share, 4)} × ln({num(g.population_share, 4)} ÷ "
                             f"{num(g.resource_share, 4)})" for g in rows)
        w_terms = " + ".join(f"{num(g.population_share, 4)} × {num(g.theil_within, 6)}" for g in rows)
        text += f"；组间 = {b_terms} = {num(between, 6)}，组内 = {w_terms} = {num(within, 6)}"
        if bs is not None:
            text += f"；组间贡献率{num(bs * 100, 2)}%，组内贡献率{num(ws * 100, 2)}%"
    return TheilResult(theil=total, between=between, within=within, between_share=bs, within_share=ws,
                       groups=rows if len(rows) > 1 else [], explanation=text + "。")


def agglomeration(units: list[Unit]) -> list[Agglomeration]:
    """集聚度 of each unit: resource (HRAD), population (PAD) and their ratio."""
    p, r, a = _check(units, area=True)
    out = []
    for u in units:
        ash, psh, rsh = u.area / a, u.population / p, u.resource / r
        out.append(Agglomeration(name=u.name, area_share=ash, population_share=psh, resource_share=rsh,
                                 hrad=rsh / ash, pad=psh / ash, hrad_pad=rsh / psh))
    return out


def explain_agglomeration(rows: list[Agglomeration]) -> str:
    parts = []
    for x in rows:
        word = "资源相对人口偏多" if x.hrad_pad > 1.05 else ("资源相对人口不足" if x.hrad_pad < 0.95 else "资源与人口相当")
        parts.append(f"{x.name}：HRAD = {num(x.resource_share, 4)} ÷ {num(x.area_share, 4)} = {num(x.hrad, 4)}，"
                     f"PAD = {num(x.population_share, 4)} ÷ {num(x.area_share, 4)} = {num(x.pad, 4)}，"
                     f"HRAD/PAD = {num(x.hrad_pad, 4)}（{word}）")
    return "；".join(parts) + "。"
