"""Evaluating a stored plan in a year (规划年度评估): every target against the figures in the store.

Binding (约束性) indicators come first, then the plan's own order. A 同比例 target follows the
indicator it names (健康预期寿命 with 人均预期寿命); 比2015年 targets use the stored 2015 value.
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..catalog.targets import parse_target
from ..store import models as m
from . import STATUS_ORDER, Evaluation, evaluate

LINKED_PARTNER = {"HS-HALE": "HS-LE"}  # 健康预期寿命 rises in proportion to 人均预期寿命


class TargetEvaluation(BaseModel):
    """One row of a plan evaluated in a year."""

    target_id: int
    code: str
    name: str
    domain: str | None
    unit: str | None
    property: str | None
    binding: bool
    baseline_year: int | None
    baseline: float | None
    baseline_text: str | None
    target_year: int
    target_text: str
    value: float | None
    value_year: int | None
    example: bool
    history: list[tuple[int, float]]
    evaluation: Evaluation
    line: int | None


def _series(s: Session, org_unit_id: int, indicator_ids: set[int]) -> dict[int, dict[int, tuple[float, bool]]]:
    """indicator → year → (value, example) from yearly observations of the unit."""
    out: dict[int, dict[int, tuple[float, bool]]] = defaultdict(dict)
    rows = s.execute(select(m.Observation.indicator_id, m.Observation.year, m.Observation.period,
                            m.Observation.value, m.Observation.example)
                     .where(m.Observation.org_unit_id == org_unit_id, m.Observation.facility_id.is_(None),
                            m.Observation.indicator_id.in_(indicator_ids)))
    for ind, year, period, value, example in rows:
        if period == str(year):  # yearly figures; quarters and months are not the year's value
            out[ind][year] = (value, example)
    return out


def evaluate_plan(s: Session, plan_id: int, year: int) -> list[TargetEvaluation]:
    """Every region-level target of the plan, judged with the figures up to ``year``."""
    plan = s.get(m.Plan, plan_id)
    targets = s.scalars(select(m.Target).where(m.Target.plan_id == plan_id, m.Target.facility_id.is_(None))
                        .options(joinedload(m.Target.indicator)).order_by(m.Target.line, m.Target.part)).all()
    series = _series(s, plan.org_unit_id, {t.indicator_id for t in targets})
    by_code = {t.indicator.code: t for t in targets}
    out = []
    for t in targets:
        values = series.get(t.indicator_id, {})
        upto = {y: v for y, v in values.items() if y <= year}
        latest_year = max(upto) if upto else None
        value = upto[latest_year][0] if latest_year is not None else None
        history = sorted((y, v) for y, (v, _) in upto.items())
        linked = None
        partner = by_code.get(LINKED_PARTNER.get(t.indicator.code, ""))
        if partner is not None and partner.baseline_value is not None:
            pv = {y: v for y, (v, _) in series.get(partner.indicator_id, {}).items() if y <= year}
            if pv:
                linked = (partner.baseline_value, pv[max(pv)])
        parsed = parse_target(t.target_text, t.direction)
        refs = {y: v for y, (v, _) in values.items()}
        result = evaluate(parsed, year=latest_year or year, value=value, baseline=t.baseline_value,
                          baseline_year=t.baseline_year, target_year=t.target_year, direction=t.direction,
                          history=history, reference_values=refs, linked=linked)
        out.append(TargetEvaluation(
            target_id=t.id, code=t.indicator.code, name=t.name_in_plan if not t.part else t.indicator.name,
            domain=t.domain, unit=t.unit_in_plan, property=t.property, binding=t.property == "约束性",
            baseline_year=t.baseline_year, baseline=t.baseline_value, baseline_text=t.baseline_text,
            target_year=t.target_year, target_text=t.target_text, value=value, value_year=latest_year,
            example=any(ex for _, (_, ex) in upto.items()), history=history, evaluation=result, line=t.line))
    return binding_first(out)


def binding_first(rows: list[TargetEvaluation]) -> list[TargetEvaluation]:
    """约束性 indicators first (worst status first among them), then the rest in the plan's order."""
    binding = sorted((r for r in rows if r.binding), key=lambda r: STATUS_ORDER.index(r.evaluation.status))
    return binding + [r for r in rows if not r.binding]


def summary(rows: list[TargetEvaluation]) -> dict[str, int]:
    """How many indicators are achieved, on track, behind, off track, not assessable."""
    counts = {k: 0 for k in ("achieved", "on_track", "behind", "off_track", "not_assessable")}
    for r in rows:
        counts[r.evaluation.status] += 1
    return counts
