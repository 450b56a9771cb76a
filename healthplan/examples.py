"""示例数据: a clearly labelled, made-up data set so that the demo shows full reports.

The seed plans give only baselines and targets. ``load_example_data`` writes, for every region-level
target of a plan, one plausible yearly figure per year after the baseline — some indicators reach
their targets, some lag behind the straight-line path, some go the wrong way — and yearly progress
of the plan's key projects. Every row is marked ``example=True`` with source ``示例数据``; reports
print 示例数据 on every page that uses such a value. **These are not real statistics.**

Real figures replace them through the Excel template (``healthplan template`` / ``healthplan
import``, see docs/reports.md); ``clear_example_data`` removes the example rows. An existing real
figure is never overwritten by an example one.

The values are deterministic: the same plan, years and ``seed`` give the same figures.
"""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Iterable
from importlib import resources

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .catalog import load_catalog
from .catalog.targets import parse_target
from .evaluate import evaluate
from .store import models as m
from .store.audit import record, snapshot
from .store.observations import find_observation, put_observation

SOURCE = "示例数据"
COMMENT = "示例数据（演示用，非真实统计数据）"
USER = "示例数据"
DEFAULT_SEED = 14

# When a plan prints no baseline, a plausible starting value for a few common indicators (the
# national 十四五 baselines are used first where they are known).
PLAUSIBLE = {"HL-BLOOD": 10.0, "HL-HCITY": 40.0, "HR-PHW": 0.6, "HS-HALE": 68.5, "MS-GER": 30.0,
             "DC-NOISE": 70.0}


def _national_baselines() -> dict[str, float]:
    """catalog code → national 2020 value from healthplan/data/national_14th_targets.csv."""
    text = (resources.files("healthplan") / "data" / "national_14th_targets.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    catalog = load_catalog()
    out = {}
    for row in rows:
        found = catalog.match(row["name"], row["unit"])
        try:
            value = float(row["baseline_2020"])
        except (TypeError, ValueError):
            continue
        if found.entry is not None:
            out.setdefault(found.entry.code, value)
    return out


def _decimals(*texts: str | None) -> int:
    """Decimals printed in the plan's numbers (2 when none), at most 4."""
    best = 0
    for t in texts:
        for num in re.findall(r"\d+\.(\d+)", t or ""):
            best = max(best, len(num))
    return min(max(best, 1), 4) if best else 2


def _clamp(value: float, unit: str | None) -> float:
    value = max(0.0, value)
    if (unit or "").startswith("%") or unit in ("%，%",):
        value = min(100.0, value)
    return value


def _resolved(t: m.Target, start: float, by: int, ty: int):
    """(op, target value, high) the target asks for from ``start``; None when it has no number."""
    parsed = parse_target(t.target_text, t.direction)
    linked = (start, start * 1.013) if parsed.kind == "linked" else None
    ev = evaluate(parsed, year=ty, value=start, baseline=start, baseline_year=by, target_year=ty,
                  direction=t.direction, linked=linked, reference_values={})
    if ev.target_op is None or ev.target_value is None:
        return parsed, None
    return parsed, (ev.target_op, ev.target_value, ev.target_value_high)


def _start(t: m.Target, national: dict[str, float], parsed_value: float | None) -> float:
    if t.baseline_value is not None:
        return t.baseline_value
    code = t.indicator.code
    if code in national:
        return national[code]
    if code in PLAUSIBLE:
        return PLAUSIBLE[code]
    if parsed_value is not None:
        return parsed_value * {"up": 0.85, "down": 1.15}.get(t.direction, 1.0)
    return {"%": 40.0, "‰": 10.0}.get(t.unit_in_plan or "", 1.0)


def _trajectory(t: m.Target, years: list[int], by: int, ty: int, rng: random.Random,
                national: dict[str, float]) -> tuple[str, list[float]]:
    """A scenario (reach / lag / wrong) and one value per year."""
    parsed = parse_target(t.target_text, t.direction)
    start = _start(t, national, parsed.value)
    parsed, resolved = _resolved(t, start, by, ty)
    u = rng.random()
    scenario = "reach" if u < 0.5 else ("lag" if u < 0.8 else "wrong")
    direction = t.direction if t.direction in ("up", "down") else (parsed.direction or "neutral")
    if resolved is None:  # direction only (持续提升) or qualitative: a few per cent a year
        sense = {"up": 1, "down": -1}.get(direction, 1)
        goal = start * (1 + sense * 0.06) if start else sense * 1.0
    else:
        op, tv, high = resolved
        if op == "between":
            tv = (tv + (high if high is not None else tv)) / 2
        better = {"up": 1, "down": -1}.get(direction, 0)
        if op in (">=", ">", "<=", "<"):
            sense = 1 if op in (">=", ">") else -1
        elif better and better * (start - tv) >= 0:  # "25左右" for a lower-is-better share at 18.61
            sense = better
        else:
            sense = 1 if tv > start else -1 if tv < start else better
        if sense == 0:
            goal = tv
        elif sense * (start - tv) >= 0:  # met at baseline: keep improving a little
            goal = start + sense * max(abs(start) * 0.02, 10 ** -_decimals(t.baseline_text))
        else:
            goal = tv + sense * max(abs(tv - start) * 0.08, abs(tv) * 0.01, 10 ** -_decimals(t.target_text))
    span = goal - start
    if scenario == "wrong" and start <= 0 and sense > 0:
        scenario = "lag"  # nothing to lose below zero: slow progress instead
    if sense == 0 and scenario != "reach":
        span = (start or 1.0) * 0.1 * (1 if rng.random() < 0.5 else -1)
    if scenario == "lag":
        span *= rng.uniform(0.3, 0.6)
    elif scenario == "wrong":
        size = abs(span) * rng.uniform(0.15, 0.35) or abs(start) * 0.02 or 0.01
        if start > 0:
            size = min(size, abs(start) * 0.2)  # worse, but not absurdly so
        span = -(sense or 1) * size
    digits = _decimals(t.baseline_text, t.target_text)
    values = []
    for y in years:
        share = min(max((y - by) / (ty - by), 0.0), 1.0) if ty > by else 1.0
        shape = share ** 0.75 if scenario == "reach" else share
        noise = 0.0 if (scenario == "reach" and y >= ty) else rng.uniform(-0.03, 0.03) * abs(span)
        value = start + span * shape + noise
        if scenario == "wrong" and (value - start) * (span or -1) < 0:
            value = start + span * shape
        values.append(round(_clamp(value, t.unit_in_plan), digits))
    return scenario, values


def _plans(s: Session, plan_id: int | None) -> list[m.Plan]:
    if plan_id is not None:
        plan = s.get(m.Plan, plan_id)
        return [plan] if plan is not None else []
    return list(s.scalars(select(m.Plan).where(m.Plan.current.is_(True)).order_by(m.Plan.id)))


def load_example_data(s: Session, plan_id: int | None = None, years: Iterable[int] | None = None,
                      seed: int = DEFAULT_SEED) -> dict[str, int]:
    """Write example observations and project progress for one plan (or every current plan).

    ``years`` defaults to the years after each target's baseline up to its target year (2021–2025
    for a 十四五 plan). Returns counts: ``observations`` and ``projects`` written, ``kept_real``
    (years that already had a real figure, left alone).
    """
    national = _national_baselines()
    counts = {"observations": 0, "projects": 0, "kept_real": 0}
    for plan in _plans(s, plan_id):
        unit = s.get(m.OrgUnit, plan.org_unit_id)
        targets = s.scalars(select(m.Target).where(m.Target.plan_id == plan.id, m.Target.facility_id.is_(None))
                            .order_by(m.Target.line, m.Target.part)).all()
        done: set[int] = set()
        for t in targets:
            if t.indicator_id in done:
                continue
            done.add(t.indicator_id)
            by = t.baseline_year or (plan.period_start - 1)
            ty = t.target_year or plan.period_end
            ys = sorted(set(years)) if years is not None else list(range(by + 1, ty + 1))
            if not ys:
                continue
            rng = random.Random(f"{seed}|{unit.code or unit.name}|{t.indicator.code}|{t.part}")
            _, values = _trajectory(t, ys, by, ty, rng, national)
            for y, v in zip(ys, values):
                old = find_observation(s, unit.id, t.indicator_id, str(y))
                if old is not None and not old.example:
                    counts["kept_real"] += 1
                    continue
                put_observation(s, unit.id, t.indicator_id, str(y), v, user=USER, source=SOURCE, comment=COMMENT,
                                check=False, example=True, derive=False)
                counts["observations"] += 1
        counts["projects"] += _project_progress(s, plan, unit, years, seed)
    s.flush()
    return counts


def _project_progress(s: Session, plan: m.Plan, unit: m.OrgUnit, years: Iterable[int] | None, seed: int) -> int:
    projects = s.scalars(select(m.Project).where(m.Project.plan_id == plan.id).order_by(m.Project.seq,
                                                                                        m.Project.id)).all()
    ys = sorted(set(years)) if years is not None else list(range(plan.period_start, plan.period_end + 1))
    written = 0
    for p in projects:
        rng = random.Random(f"{seed}|{unit.code or unit.name}|project|{p.seq}|{p.name}")
        start = p.start_year or plan.period_start
        end = max(p.end_year or plan.period_end, start)
        u = rng.random()
        scenario = "on_time" if u < 0.6 else ("delayed" if u < 0.9 else "stalled")
        finish = end + (rng.choice([1, 2]) if scenario == "delayed" else 0)
        stall_year = rng.randint(start, max(start, end - 1)) if scenario == "stalled" else None
        total = p.period_investment_wan or p.total_investment_wan
        for y in ys:
            if y < start:
                status, pct = "未开工", 0.0
            elif stall_year is not None and y > stall_year:
                status = "停建"
                pct = round(min(100.0, (stall_year - start + 1) / (finish - start + 1) * 100), 1)
            else:
                pct = round(min(100.0, (y - start + 1) / (finish - start + 1) * 100), 1)
                status = "完工" if pct >= 100 else "在建"
            comment = {"delayed": "示例数据：进度较计划推迟", "stalled": "示例数据：因资金未到位停建"}.get(
                scenario, "示例数据") if y >= start else "示例数据"
            spent = round(total * pct / 100, 1) if total else None
            row = s.scalars(select(m.ProjectProgress).where(m.ProjectProgress.project_id == p.id,
                                                            m.ProjectProgress.year == y)).first()
            if row is not None and not row.example:
                continue
            if row is None:
                row = m.ProjectProgress(project_id=p.id, year=y, status=status, percent_complete=pct,
                                        spent_wan=spent, comment=comment, example=True)
                s.add(row)
                s.flush()
                record(s, USER, "insert", row, source_file=SOURCE)
            else:
                old = snapshot(row)
                row.status, row.percent_complete, row.spent_wan, row.comment = status, pct, spent, comment
                s.flush()
                record(s, USER, "update", row, old=old, source_file=SOURCE)
            written += 1
    return written


def clear_example_data(s: Session, plan_id: int | None = None) -> dict[str, int]:
    """Remove the example figures (observations and project progress) of one plan or of all plans."""
    plans = _plans(s, plan_id) if plan_id is not None else list(s.scalars(select(m.Plan)))
    counts = {"observations": 0, "projects": 0}
    for plan in plans:
        ids = set(s.scalars(select(m.Target.indicator_id).where(m.Target.plan_id == plan.id)))
        for obs in s.scalars(select(m.Observation).where(m.Observation.org_unit_id == plan.org_unit_id,
                                                         m.Observation.example.is_(True),
                                                         m.Observation.indicator_id.in_(ids))).all():
            record(s, USER, "delete", obs, old=snapshot(obs), source_file=SOURCE)
            s.delete(obs)
            counts["observations"] += 1
        project_ids = list(s.scalars(select(m.Project.id).where(m.Project.plan_id == plan.id)))
        if project_ids:
            result = s.execute(delete(m.ProjectProgress).where(m.ProjectProgress.project_id.in_(project_ids),
                                                               m.ProjectProgress.example.is_(True)))
            counts["projects"] += result.rowcount or 0
    s.flush()
    return counts


def has_example_data(s: Session, org_unit_id: int | None = None) -> bool:
    q = select(m.Observation.id).where(m.Observation.example.is_(True))
    if org_unit_id is not None:
        q = q.where(m.Observation.org_unit_id == org_unit_id)
    return s.scalars(q.limit(1)).first() is not None
