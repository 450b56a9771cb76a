"""Yearly figures (数据值): checked on the way in, versioned, audited, with derived per-capita values.

``put_observation`` refuses a write based on a stale version (two people editing the same value),
and recomputes per-capita indicators from counts and 常住人口; a reported value that disagrees with
the computed one is kept and the disagreement recorded, never silently overwritten.
"""

from __future__ import annotations

import math
import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..catalog import load_catalog
from ..errors import HealthplanError
from . import models as m
from .audit import record, snapshot

PERIOD = re.compile(r"^((?:19|20)\d{2})(?:Q([1-4])|(0[1-9]|1[0-2]))?$")
TOLERANCE = 0.02  # a reported per-capita value within 2 % (or 0.01) of the computed one agrees


class ConflictError(HealthplanError):
    """Someone else changed the value since it was read (并发修改冲突)."""


class ValidationError(HealthplanError):
    """A value that cannot be stored (数据校验未通过)."""


def parse_period(period: str) -> int:
    """``2023``, ``2023Q1`` or ``202301`` → the year; anything else is refused."""
    m_ = PERIOD.match(str(period).strip())
    if not m_:
        raise ValidationError(f"期间“{period}”格式不正确，应为年份（2023）、季度（2023Q1）或月份（202301）。",
                              f"Bad period '{period}': use 2023, 2023Q1 or 202301.")
    return int(m_.group(1))


def _rules(ind: m.Indicator):
    """The plausibility rules of an indicator: (low, high, message for a value outside)."""
    unit, name = ind.unit or "", ind.name or ""
    growth = any(w in name for w in ("增长", "增速", "变化"))
    if unit == "%" and not growth:
        yield 0.0, 100.0, lambda v: f"比例应在0–100%之间，而填报为{v:g}%"
    if unit == "‰" and not growth and ind.direction != "neutral":
        yield 0.0, 1000.0, lambda v: f"千分率应在0–1000‰之间，而填报为{v:g}‰"
    if ind.per_capita and ind.factor:
        limit = {1000: 50, 10000: 300, 100000: 3000}.get(int(ind.factor), ind.factor / 20)
        yield 0.0, float(limit), lambda v: f"每{int(ind.factor)}人口的数值{v:g}不合常理（应在0–{limit:g}之间）"
    if ind.code.startswith("HR-N"):
        yield 0.0, math.inf, lambda v: "数量不能为负数"
    if ind.code in ("HS-LE", "HS-HALE"):
        yield 40.0, 100.0, lambda v: f"预期寿命{v:g}岁不合常理（应在40–100岁之间）"


def check_value(ind: m.Indicator, value) -> str | None:
    """The reason ``value`` is implausible for ``ind`` (in Chinese), or None when it is fine."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"“{value}”不是数值"
    if not math.isfinite(value):
        return "数值无效（无穷大或非数）"
    for low, high, message in _rules(ind):
        if not low <= value <= high:
            return message(value)
    return None


def plausible_range(ind: m.Indicator) -> tuple[float, float]:
    """The values :func:`check_value` accepts for ``ind``: (low, high), infinite where unbounded."""
    low, high = -math.inf, math.inf
    for lo, hi, _ in _rules(ind):
        low, high = max(low, lo), min(high, hi)
    return low, high


def find_observation(s: Session, org_unit_id: int, indicator_id: int, period: str,
                     facility_id: int | None = None) -> m.Observation | None:
    q = select(m.Observation).where(m.Observation.indicator_id == indicator_id, m.Observation.period == period)
    if facility_id is None:
        q = q.where(m.Observation.org_unit_id == org_unit_id, m.Observation.facility_id.is_(None))
    else:
        q = q.where(m.Observation.facility_id == facility_id)
    return s.scalars(q).first()


def put_observation(s: Session, org_unit_id: int, indicator_id: int, period: str, value: float, *,
                    facility_id: int | None = None, user: str = "system", source: str | None = None,
                    comment: str | None = None, import_id: int | None = None,
                    expected_version: int | None = None, check: bool = True, example: bool = False,
                    derive: bool = True, source_file: str | None = None) -> m.Observation:
    """Insert or update one figure. ``expected_version``: the version the writer read (乐观锁).

    ``source_file``: the file named in the audit log (default: ``source``), when the figure's own source
    differs from the file it came in with (an import keeps the row's source and logs the file).
    """
    source_file = source_file or source
    year = parse_period(period)
    ind = s.get(m.Indicator, indicator_id)
    if ind is None:
        raise ValidationError(f"指标不存在（id={indicator_id}）。", f"No indicator {indicator_id}.")
    if check:
        reason = check_value(ind, value)
        if reason:
            raise ValidationError(f"{ind.name} {period}：{reason}。", f"{ind.code} {period}: implausible value {value}.")
    obs = find_observation(s, org_unit_id, indicator_id, period, facility_id)
    if obs is not None and expected_version is not None and obs.version != expected_version:
        raise ConflictError(
            f"“{ind.name}”{period}年的数值已被{obs.updated_by}于{obs.updated_at:%Y-%m-%d %H:%M}修改"
            f"（当前{obs.value:g}，版本{obs.version}），请刷新后再改。",
            f"{ind.code} {period} was changed by {obs.updated_by}; reload before editing.")
    # read now: a failed flush rolls the transaction back and expires every loaded object
    name, code = ind.name, ind.code
    try:
        if obs is None:
            obs = m.Observation(org_unit_id=org_unit_id, facility_id=facility_id, indicator_id=indicator_id,
                                period=str(period), year=year, value=float(value), source=source, comment=comment,
                                import_id=import_id, created_by=user, updated_by=user, example=example)
            s.add(obs)
            s.flush()
            record(s, user, "insert", obs, source_file=source_file, import_id=import_id)
        else:
            if obs.value == float(value) and not obs.derived and obs.example == example:
                return obs
            old = snapshot(obs)
            obs.value, obs.derived, obs.updated_by = float(value), False, user
            obs.example = example  # a real figure written over an example one is real
            obs.source, obs.import_id = source or obs.source, import_id
            obs.updated_at = m.now()
            if comment is not None:
                obs.comment = comment
            s.flush()
            record(s, user, "update", obs, old=old, source_file=source_file, import_id=import_id)
        if derive and facility_id is None:
            # only the per-capita values this figure feeds: rewriting the others would make writers of
            # different figures of one unit and year conflict (or overwrite them from a stale count)
            derive_per_capita(s, org_unit_id, year, user=user, only=code)
    except (StaleDataError, IntegrityError) as e:
        raise ConflictError(f"“{name}”{period}年的数值正被他人同时修改，本次写入未保存，请刷新后重试。",
                            f"Concurrent change of {code} {period}; nothing was written.") from e
    return obs


def _num(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.4f}".rstrip("0")


def population_of(s: Session, org_unit_id: int, year: int) -> tuple[float, str] | None:
    """常住人口 of the year: a reported figure before a projection."""
    rows = s.scalars(select(m.Population).where(m.Population.org_unit_id == org_unit_id,
                                                m.Population.year == year,
                                                m.Population.kind == "常住人口")
                     .order_by(m.Population.projected)).all()
    return (rows[0].value, "预测常住人口" if rows[0].projected else "常住人口") if rows else None


def derive_per_capita(s: Session, org_unit_id: int, year: int, user: str = "system",
                      only: str | None = None) -> list[m.Observation]:
    """Per-capita values from counts and 常住人口 (每千人口床位数 = 床位数 ÷ 常住人口 × 1000).

    ``only``: an indicator code; just the per-capita values computed from it (or it is one of them).
    """
    pop = population_of(s, org_unit_id, year)
    if pop is None or pop[0] <= 0:
        return []
    population, basis = pop
    catalog = load_catalog()
    entries = [e for e in catalog.entries if e.count_code and (only is None or only in (e.code, e.count_code))]
    if not entries:
        return []
    wanted = {e.code for e in entries} | {e.count_code for e in entries}
    codes = {i.code: i for i in s.scalars(select(m.Indicator).where(m.Indicator.local.is_(False),
                                                                    m.Indicator.code.in_(wanted)))}
    derived = []
    for entry in entries:
        if entry.code not in codes or entry.count_code not in codes:
            continue
        count = find_observation(s, org_unit_id, codes[entry.count_code].id, str(year))
        if count is None:
            continue
        computed = count.value / population * (entry.factor or 1)
        formula = (f"{codes[entry.count_code].name}{_num(count.value)} ÷ {basis}{_num(population)} × "
                   f"{_num(entry.factor)} = {computed:.2f}")
        target = codes[entry.code]
        reported = find_observation(s, org_unit_id, target.id, str(year))
        if reported is not None and not reported.derived:
            if abs(reported.value - computed) > max(0.01, TOLERANCE * abs(computed)):
                _disagree(s, org_unit_id, target.id, str(year), reported.value, computed, formula)
            else:
                _agree(s, org_unit_id, target.id, str(year))
            continue
        if reported is None:
            reported = m.Observation(org_unit_id=org_unit_id, indicator_id=target.id, period=str(year), year=year,
                                     value=computed, derived=True, source=formula, created_by=user, updated_by=user)
            s.add(reported)
        else:
            reported.value, reported.source, reported.updated_at = computed, formula, m.now()
        derived.append(reported)
    s.flush()
    return derived


def _agree(s: Session, org_unit_id: int, indicator_id: int, period: str) -> None:
    for row in s.scalars(select(m.Disagreement).where(m.Disagreement.org_unit_id == org_unit_id,
                                                      m.Disagreement.indicator_id == indicator_id,
                                                      m.Disagreement.period == period)):
        s.delete(row)


def _disagree(s: Session, org_unit_id: int, indicator_id: int, period: str, reported: float, computed: float,
              formula: str) -> None:
    row = s.scalars(select(m.Disagreement).where(m.Disagreement.org_unit_id == org_unit_id,
                                                 m.Disagreement.indicator_id == indicator_id,
                                                 m.Disagreement.period == period)).first()
    if row is None:
        s.add(m.Disagreement(org_unit_id=org_unit_id, indicator_id=indicator_id, period=period, reported=reported,
                             computed=computed, formula=formula))
    else:
        row.reported, row.computed, row.formula = reported, computed, formula
