"""The per-capita targets of a plan (每千/每万人口指标): which resource, per how many people, what value.

A row counts when the catalog gives it ``per_capita`` and ``factor`` (床位 per 1000, 全科医生 per
10000 …), or, for a row the catalog does not know, when its name reads ``每千人口…数`` / ``每万人口…数``
/ ``每10万人口…数``. Targets that are not plain numbers are resolved through ``parse_target`` with the
baseline: ``增长30%`` → baseline × 1.30; ``每年增长5%`` → baseline × 1.05^years. Targets that give
no number (持续提升, qualitative, 同比例) are listed as skipped with the reason.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from ..catalog import Catalog, load_catalog
from ..catalog.targets import Target, parse_target
from ..plan import Indicator, Plan
from ..text import fold_width
from ._fmt import num, per_word

OP_ZH = {">=": "不低于", ">": "高于", "<=": "不高于", "<": "低于", "~": "约"}


class PerCapitaTarget(BaseModel):
    """One per-capita target: ``target`` per ``per`` people of ``resource`` in ``target_year``."""

    resource: str  # 床位, 执业（助理）医师, 注册护士, 全科医生 …
    indicator: str  # the row name in the plan
    code: str | None = None  # catalog code
    unit: str | None = None  # 张 / 人 / 个
    per: float  # 1000, 10000, 100000
    baseline_year: int
    baseline: float | None = None  # per-capita value in the baseline year
    target_year: int
    target_text: str
    target: float  # the per-capita value required in the target year
    op: str = ">="  # how the target binds: >= (at least), <= (at most), ~ (about)
    how: str = ""  # how the target text was read (Chinese)
    line: int | None = None
    overridden: bool = False


class Skipped(BaseModel):
    indicator: str
    reason: str
    line: int | None = None


_PER = re.compile(r"^每(千|万|十万|10万|百万)(?:常住|户籍)?人口(?:拥有)?(.+?)(?:数)?$")
_FACTORS = {"千": 1000.0, "万": 10000.0, "十万": 100000.0, "10万": 100000.0, "百万": 1000000.0}
_STRIP = re.compile(r"^(?:常住|拥有)+")


def _from_name(name: str) -> tuple[str, float] | None:
    """``每千人口公立医疗机构床位数`` → (``公立医疗机构床位``, 1000)."""
    m = _PER.match(fold_width(name).replace(" ", ""))
    if not m:
        return None
    return _STRIP.sub("", m.group(2)), _FACTORS[m.group(1)]


def resource_of(row: Indicator, catalog: Catalog) -> tuple[str, float, str | None, str] | None:
    """(resource, factor, code, direction) of a per-capita row, or None for any other row."""
    found = catalog.match(row.name, row.unit)
    e = found.entry
    if e is not None and e.per_capita and e.factor and found.method != "fuzzy":
        return e.per_capita, float(e.factor), e.code, e.direction
    named = _from_name(row.name)
    if named is None:
        return None
    if e is not None and e.per_capita and e.factor:  # a fuzzy match: the row's own words name the resource
        same = named[0] == e.per_capita and named[1] == e.factor
        return named[0], named[1], e.code if same else None, e.direction
    return named[0], named[1], None, "up"


def resolve(t: Target, baseline: float | None, years: int, direction: str) -> tuple[float, str, str] | str:
    """(value, op, how) for a parsed target, or the reason it gives no number."""
    if t.kind == "threshold":
        if t.op == "between":
            return t.value, ">=", f"区间{num(t.value)}–{num(t.value_high)}，按下限测算"
        op = t.op
        if t.bare:
            op = {"up": ">=", "down": "<=", "neutral": "~"}.get(direction, ">=")
        how = f"原文“{t.text.strip()}”" + ("，未标比较符，按指标方向理解为“不低于”" if t.bare and op == ">=" else "")
        return t.value, op or ">=", how
    if t.kind in ("relative", "rate"):
        if baseline is None:
            return f"目标“{t.text}”以基期值为基准，但缺少基期值"
        if t.kind == "relative" and t.reference_year:
            return f"目标“{t.text}”以{t.reference_year}年数值为基准，规划中没有该年数值"
        change = t.change or 0.0
        n = 1 if t.kind == "relative" else years
        if t.change_unit == "percent":
            value = baseline * (1 + change / 100) ** n
            formula = (f"{num(baseline)} × (1 {'+' if change >= 0 else '−'} {num(abs(change))}%)"
                       + (f"^{n}" if n != 1 else "") + f" = {num(value, 4)}")
        else:
            value = baseline + change * n
            formula = (f"{num(baseline)} {'+' if change >= 0 else '−'} {num(abs(change))}"
                       + (f" × {n}" if n != 1 else "") + f" = {num(value, 4)}")
        op = "~" if t.approximate else (">=" if change >= 0 else "<=")
        return value, op, f"“{t.text}”按基期值换算：{formula}"
    if t.kind == "compound":
        return "复合目标（一行多个指标），未按人均指标测算"
    if t.kind == "direction":
        return f"目标“{t.text}”只给出方向，没有数值"
    if t.kind == "linked":
        return f"目标“{t.text}”随其他指标同比例变化，没有数值"
    if t.kind == "none":
        return "没有目标值"
    return f"目标“{t.text}”为定性描述，没有数值"


def per_capita_targets(plan: Plan, *, catalog: Catalog | None = None,
                       overrides: dict[str, float | str] | None = None) -> tuple[list[PerCapitaTarget], list[Skipped]]:
    """Every per-capita target of the plan, read into numbers; the rows that give none, with why.

    ``overrides`` maps a resource (床位), an indicator name or a catalog code to a value or a target
    text that replaces the plan's target (a scenario's 目标调整).
    """
    catalog = catalog or load_catalog()
    overrides = dict(overrides or {})
    period_end = plan.period.end if plan.period else None
    period_start = plan.period.start if plan.period else None
    out: list[PerCapitaTarget] = []
    skipped: list[Skipped] = []
    for row in plan.indicators:
        found = resource_of(row, catalog)
        if found is None:
            continue
        resource, per, code, direction = found
        by = (row.baseline.year if row.baseline and row.baseline.year else None) or \
            (period_start - 1 if period_start else None)
        ty = row.target.year or period_end
        if by is None or ty is None:
            skipped.append(Skipped(indicator=row.name, reason="规划未给出基期年份或目标年份", line=row.line))
            continue
        baseline = row.baseline.value if row.baseline else None
        text = row.target.text
        overridden = False
        for key in (row.name, resource, code):
            if key is not None and key in overrides:
                text, overridden = str(overrides.pop(key)), True
                break
        resolved = resolve(parse_target(text, direction), baseline, ty - by, direction)
        if isinstance(resolved, str):
            skipped.append(Skipped(indicator=row.name, reason=resolved, line=row.line))
            continue
        value, op, how = resolved
        if overridden:
            how = f"情景设定的目标（规划原为“{row.target.text}”）；" + how
        out.append(PerCapitaTarget(resource=resource, indicator=row.name, code=code, unit=row.unit, per=per,
                                   baseline_year=by, baseline=baseline, target_year=ty, target_text=text,
                                   target=value, op=op, how=how, line=row.line, overridden=overridden))
    for key in overrides:  # an override that matched nothing is a mistake worth saying
        skipped.append(Skipped(indicator=str(key), reason=f"情景目标“{key}”在规划中没有对应的人均指标，未使用"))
    return out, skipped


def describe(t: PerCapitaTarget) -> str:
    """``2025年每千人口床位不低于6.3张``."""
    return f"{t.target_year}年{per_word(t.per)}{t.resource}{OP_ZH.get(t.op, '')}{num(t.target, 4)}{t.unit or ''}"
