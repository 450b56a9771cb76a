"""Caches of derived results are invalidated by what they were computed from (store.cache, bulk.targets).

Each test changes the store the way a writer would and checks that the next read sees the change —
the cache is never consulted blindly."""

from __future__ import annotations

from sqlalchemy import delete, select

from healthplan.evaluate import bulk
from healthplan.evaluate.plans import evaluate_plan
from healthplan.generate import generate
from healthplan.store import models as m
from healthplan.store.cache import FingerprintCache, unit_fingerprint
from healthplan.store.observations import put_observation


def _unit_and_indicator(store):
    with store.session() as s:
        plan = s.scalars(select(m.Plan).where(m.Plan.current).order_by(m.Plan.id)).first()
        t = s.scalars(select(m.Target).where(m.Target.plan_id == plan.id).order_by(m.Target.id)).first()
        return plan.id, plan.org_unit_id, t.indicator_id


def test_unit_fingerprint_moves_with_every_kind_of_write(store):
    generate(store, units=2, years=(2019, 2021), seed=3)
    _, unit, ind = _unit_and_indicator(store)
    seen = []  # each write must move the fingerprint away from the state before it

    def fp():
        with store.session() as s:
            value = unit_fingerprint(s, unit)
        assert not seen or value != seen[-1], "a write left the fingerprint unchanged"
        seen.append(value)

    fp()
    with store.session() as s:  # insert
        put_observation(s, unit, ind, "2030", 50.0, user="t")
    fp()
    with store.session() as s:  # update (version + 1)
        put_observation(s, unit, ind, "2030", 51.0, user="t", expected_version=1)
    fp()
    with store.session() as s:  # delete
        s.execute(delete(m.Observation).where(m.Observation.org_unit_id == unit, m.Observation.period == "2030"))
    fp()
    with store.session() as s:  # delete the newest row and insert another: SQLite may reuse its id
        newest = s.scalars(select(m.Observation).where(m.Observation.org_unit_id == unit)
                           .order_by(m.Observation.id.desc())).first()
        period, value = newest.period, newest.value
        s.delete(newest)
        s.flush()
        put_observation(s, unit, newest.indicator_id, period, value, user="t")
    fp()


def test_fingerprint_cache_recomputes_only_when_the_fingerprint_changes(store):
    generate(store, units=2, years=(2019, 2021), seed=3)
    cache = FingerprintCache(maxsize=2)
    calls = []
    with store.session() as s:
        for fp in ((1,), (1,), (2,), (2,)):
            cache.get_or_compute(s, "k", fp, lambda: calls.append(1) or len(calls))
        assert len(calls) == 2 and cache.hits == 2
        for k in ("a", "b", "k"):  # bounded: "k" was pushed out by a and b
            cache.get_or_compute(s, k, (2,), lambda: calls.append(1) or len(calls))
        assert len(calls) == 5


def test_cached_targets_follow_new_plans_and_figures(store):
    generate(store, units=3, years=(2016, 2025), seed=5)
    with store.session() as s:
        first = bulk.evaluate_year(s, 2023)
        again = bulk.targets(s)
        assert again is bulk.targets(s)  # unchanged store: the same cached object
        n = len(first.frame)
    plan_id, unit, ind = _unit_and_indicator(store)
    # a corrected plan: a new current version with one target fewer replaces the old one
    with store.session() as s:
        old = s.get(m.Plan, plan_id)
        old.current = False
        new = m.Plan(org_unit_id=unit, title=old.title, period_start=2021, period_end=2025, version=2,
                     current=True, file_name="x", file_sha256="corrected", document={})
        s.add(new)
        s.flush()
        for t in s.scalars(select(m.Target).where(m.Target.plan_id == plan_id).order_by(m.Target.id)).all()[1:]:
            s.add(m.Target(plan_id=new.id, indicator_id=t.indicator_id, org_unit_id=unit, name_in_plan=t.name_in_plan,
                           direction=t.direction, baseline_year=t.baseline_year, baseline_value=t.baseline_value,
                           target_year=t.target_year, target_text=t.target_text, line=t.line))
        new_id = new.id
    with store.session() as s:
        second = bulk.evaluate_year(s, 2023)
        assert len(second.frame) == n - 1
        assert plan_id not in set(second.frame.plan_id.tolist()) and new_id in set(second.frame.plan_id.tolist())
        got = {t: st for t, st, p in zip(second.frame.target_id.tolist(), second.status_names(),
                                         second.frame.plan_id.tolist()) if p == new_id}
        assert got == {r.target_id: r.evaluation.status for r in evaluate_plan(s, new_id, 2023)}
    # a figure changed: the warm evaluation reads figures afresh
    with store.session() as s:
        t = s.scalars(select(m.Target).where(m.Target.plan_id == new_id).order_by(m.Target.id)).first()
        obs = s.scalars(select(m.Observation).where(m.Observation.org_unit_id == unit,
                                                    m.Observation.indicator_id == t.indicator_id,
                                                    m.Observation.period == "2023")).one()
        changed = obs.value * 0.9
        put_observation(s, unit, t.indicator_id, "2023", changed, user="t", expected_version=obs.version)
        tid = t.id
    with store.session() as s:
        third = bulk.evaluate_year(s, 2023)
        k = third.frame.target_id.tolist().index(tid)
        assert third.frame.value[k] == changed
        assert third.status_names()[k] == {r.target_id: r.evaluation.status
                                           for r in evaluate_plan(s, new_id, 2023)}[tid]
