"""The store on SQLite and PostgreSQL: plans, versions, observations, derived values, audit, locking."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from conftest import SEEDS
from healthplan.ingest import ingest_file
from healthplan.store import models as m
from healthplan.store.observations import ConflictError, ValidationError, put_observation
from healthplan.store.plans import load_plan


def count(s, model):
    return s.scalar(select(func.count()).select_from(model))


def unit(s, name):
    return s.scalars(select(m.OrgUnit).where(m.OrgUnit.name == name)).one()


def indicator(s, code):
    return s.scalars(select(m.Indicator).where(m.Indicator.code == code)).one()


def test_seed_plans_are_stored(seeded_store):
    with seeded_store.session() as s:
        assert count(s, m.Plan) == 5
        assert count(s, m.Project) == 14
        tianhe = unit(s, "天河区")
        assert tianhe.code == "440106" and s.get(m.OrgUnit, tianhe.parent_id).name == "广州市"
        targets = s.scalars(select(m.Target).where(m.Target.org_unit_id == tianhe.id)).all()
        assert len(targets) == 16
        beds = next(t for t in targets if t.indicator.code == "HR-BED")
        assert (beds.baseline_value, beds.target_text, beds.target_year, beds.property) == (6.03, "6.30", 2025, "预期性")
        binding = [t for t in targets if t.property == "约束性"]
        assert [t.indicator.code for t in binding] == ["DC-EPI"]
        pops = s.scalars(select(m.Population).where(m.Population.org_unit_id == tianhe.id)
                         .order_by(m.Population.year)).all()
        assert [(p.year, p.value, p.projected) for p in pops] == [(2020, 2241826, False), (2025, 2454694, True)]


def test_compound_row_becomes_two_targets(seeded_store):
    with seeded_store.session() as s:
        rows = s.scalars(select(m.Target).where(m.Target.unit_in_plan == "%，%").order_by(m.Target.part)).all()
        assert [(t.indicator.code, t.baseline_value, t.target_text) for t in rows] == \
            [("TC-NDT", 99, "100"), ("TC-NDTV", 72, "75")]


def test_facility_tables_become_facilities_observations_and_targets(seeded_store):
    with seeded_store.session() as s:
        nangong = unit(s, "南宫市")
        hospital = s.scalars(select(m.Facility).where(m.Facility.name == "南宫市人民医院")).one()
        assert hospital.org_unit_id == nangong.id and hospital.category == "县办医院"
        beds = indicator(s, "HR-NBED")
        obs = s.scalars(select(m.Observation).where(m.Observation.facility_id == hospital.id,
                                                    m.Observation.indicator_id == beds.id)).one()
        assert (obs.period, obs.value) == ("2020", 610)
        planned = s.scalars(select(m.Target).where(m.Target.facility_id == hospital.id,
                                                   m.Target.indicator_id == beds.id)).one()
        assert (planned.target_year, planned.target_text) == (2025, "850")


def test_same_document_twice_is_one_version_and_a_corrected_one_is_a_new_version(store):
    path = SEEDS[2]
    data = path.read_bytes()
    with store.session() as s:
        first = load_plan(s, ingest_file(path), data)
        again = load_plan(s, ingest_file(path), data)
        assert first.id == again.id
    fixed = data.replace("6.30".encode(), "6.50".encode())
    tmp = path.parent / "x"  # only the bytes differ; the document is read from a temporary copy
    with store.session() as s:
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as d:
            copy = Path(d) / path.name
            copy.write_bytes(fixed)
            second = load_plan(s, ingest_file(copy), fixed)
        assert second.version == 2 and second.current
    with store.session() as s:
        plans = s.scalars(select(m.Plan).order_by(m.Plan.version)).all()
        assert [(p.version, p.current) for p in plans] == [(1, False), (2, True)]
        old_beds = [t for t in s.scalars(select(m.Target).where(m.Target.plan_id == plans[0].id))
                    if t.indicator.code == "HR-BED"][0]
        assert old_beds.target_text == "6.30", "the old version stays readable"
    assert not tmp.exists()


def test_observation_audit_and_optimistic_lock(seeded_store):
    with seeded_store.session() as s:
        tianhe, lit = unit(s, "天河区"), indicator(s, "HL-HLIT")
        obs = put_observation(s, tianhe.id, lit.id, "2023", 36.5, user="alice")
        assert obs.version == 1
    with seeded_store.session() as s:
        obs = put_observation(s, tianhe.id, lit.id, "2023", 37.0, user="bob", expected_version=1)
        assert obs.version == 2
    with pytest.raises(ConflictError) as err:
        with seeded_store.session() as s:
            put_observation(s, tianhe.id, lit.id, "2023", 38.0, user="carol", expected_version=1)
    assert "bob" in err.value.zh and "刷新" in err.value.zh
    with seeded_store.session() as s:
        obs = s.scalars(select(m.Observation).where(m.Observation.indicator_id == lit.id)).one()
        assert obs.value == 37.0
        log = s.scalars(select(m.AuditLog).where(m.AuditLog.entity == "observation",
                                                 m.AuditLog.entity_id == obs.id).order_by(m.AuditLog.id)).all()
        assert [(a.user, a.action) for a in log] == [("alice", "insert"), ("bob", "update")]
        assert (log[1].old["value"], log[1].new["value"]) == (36.5, 37.0)


@pytest.mark.parametrize("code,value,words", [
    ("HL-HLIT", 130.0, "0–100%"), ("HR-BED", 80.0, "不合常理"), ("HR-NBED", -5.0, "负数"),
    ("HS-LE", 150.0, "预期寿命"), ("HL-HLIT", "abc", "不是数值"),
])
def test_implausible_values_are_refused(seeded_store, code, value, words):
    with pytest.raises(ValidationError) as err:
        with seeded_store.session() as s:
            put_observation(s, unit(s, "天河区").id, indicator(s, code).id, "2023", value)
    assert words in err.value.zh
    with seeded_store.session() as s:
        assert count(s, m.Observation) == 84, "nothing written"


def test_bad_period_is_refused(seeded_store):
    with pytest.raises(ValidationError):
        with seeded_store.session() as s:
            put_observation(s, unit(s, "天河区").id, indicator(s, "HL-HLIT").id, "2023年", 30.0)


def test_per_capita_values_are_derived_and_disagreements_kept(seeded_store):
    with seeded_store.session() as s:
        tianhe = unit(s, "天河区")
        # 2020: 13,563 beds for 2,241,826 residents (天河's prose) → 6.05 per 1000
        put_observation(s, tianhe.id, indicator(s, "HR-NBED").id, "2020", 13563)
        derived = s.scalars(select(m.Observation).where(m.Observation.indicator_id == indicator(s, "HR-BED").id,
                                                        m.Observation.org_unit_id == tianhe.id)).one()
        assert derived.derived and derived.value == pytest.approx(13563 / 2241826 * 1000)
        assert "13563" in derived.source and "2241826" in derived.source
        # a reported value far from the computed one is kept, and the disagreement recorded
        put_observation(s, tianhe.id, indicator(s, "HR-BED").id, "2020", 6.5, expected_version=derived.version)
        kept = s.get(m.Observation, derived.id)
        assert kept.value == 6.5 and not kept.derived
        put_observation(s, tianhe.id, indicator(s, "HR-NBED").id, "2020", 13600)
        gap = s.scalars(select(m.Disagreement)).one()
        assert gap.reported == 6.5 and gap.computed == pytest.approx(13600 / 2241826 * 1000)
