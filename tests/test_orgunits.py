"""区划调整 on SQLite and PostgreSQL: splits, merges and renames keep past figures where they were reported.

天河东区 (440191) and 天河西区 (440192) are made up: 天河区 has never been split.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from conftest import SEEDS
from healthplan.ingest import ingest_file
from healthplan.store import models as m
from healthplan.store.observations import ValidationError, put_observation
from healthplan.store.orgunits import (merge_units, predecessors, rename_unit, split_unit, successors,
                                       unit_by_code, units_on, valid_during)
from healthplan.store.plans import ensure_org_unit, load_plan

TIANHE, QINGCHENG = SEEDS[2], SEEDS[0]
BEDS_2020_2023 = {"2020": 13563, "2021": 13800, "2022": 14050, "2023": 14300}


def _load(store, *paths):
    with store.session() as s:
        for p in paths:
            load_plan(s, ingest_file(p), p.read_bytes())


def _unit(s, code, day="2023-06-30"):
    return unit_by_code(s, code, day)


def _ind(s, code):
    return s.scalars(select(m.Indicator).where(m.Indicator.code == code)).one()


def _figures(s, unit_id, code):
    return {o.period: o.value for o in s.scalars(select(m.Observation).where(
        m.Observation.org_unit_id == unit_id, m.Observation.indicator_id == _ind(s, code).id))}


def _names(units, level="district"):
    return sorted(u.name for u in units if u.level == level)


def _assert_tree(units):
    ids = {u.id for u in units}
    assert all(u.parent_id is None or u.parent_id in ids for u in units), "a valid unit under an ended parent"


@pytest.fixture
def tianhe_store(store):
    """天河's plan stored, with its beds reported for 2020–2023."""
    _load(store, TIANHE)
    with store.session() as s:
        tianhe, beds = _unit(s, "440106"), _ind(s, "HR-NBED")
        for period, value in BEDS_2020_2023.items():
            put_observation(s, tianhe.id, beds.id, period, value, user="alice")
    return store


def _split(s, on="2024-01-01", **kw):
    return split_unit(s, _unit(s, "440106").id, date.fromisoformat(on), [("440191", "天河东区"), ("440192", "天河西区")],
                      user="planner", note="区划调整（虚构）", **kw)


def test_split_keeps_past_figures_on_the_old_unit(tianhe_store):
    with tianhe_store.session() as s:
        tianhe = _unit(s, "440106")
        old_id, parent_id = tianhe.id, tianhe.parent_id
        east, west = _split(s)
        assert (east.name, east.code, west.name, west.code) == ("天河东区", "440191", "天河西区", "440192")
        for u in (east, west):
            assert (u.valid_from, u.valid_to, u.parent_id, u.level) == (date(2024, 1, 1), None, parent_id, "district")
    with tianhe_store.session() as s:
        tianhe = s.get(m.OrgUnit, old_id)
        assert tianhe.valid_to == date(2024, 1, 1)
        change = s.scalars(select(m.OrgUnitChange)).one()
        assert (change.kind, change.on, change.before_ids, change.after_ids, change.note) == \
            ("split", date(2024, 1, 1), [old_id], [east.id, west.id], "区划调整（虚构）")
        # the figures of 2020–2023 (and the derived per-capita one) stay with 天河区
        assert _figures(s, old_id, "HR-NBED") == BEDS_2020_2023
        assert "2020" in _figures(s, old_id, "HR-BED")
        assert _figures(s, east.id, "HR-NBED") == {} and _figures(s, west.id, "HR-NBED") == {}
        # so do the plan and its targets
        plan = s.scalars(select(m.Plan)).one()
        assert plan.org_unit_id == old_id
        assert {t.org_unit_id for t in s.scalars(select(m.Target))} == {old_id}
        # a figure for 2025 goes to the unit that exists in 2025
        assert _unit(s, "440106", "2025-06-30") is None
        assert not valid_during(tianhe, "2025") and valid_during(tianhe, "2023") and valid_during(east, "2025")
        assert not valid_during(east, "2023Q4") and valid_during(east, "2024Q1") and valid_during(tianhe, "202312")
        target = _unit(s, "440191", "2025-06-30")
        assert target.id == east.id
        put_observation(s, target.id, _ind(s, "HR-NBED").id, "2025", 8000, user="bob")
    with tianhe_store.session() as s:
        assert _figures(s, east.id, "HR-NBED") == {"2025": 8000}
        assert _figures(s, old_id, "HR-NBED") == BEDS_2020_2023
        assert [u.id for u in successors(s, old_id)] == [east.id, west.id]
        assert [u.id for u in predecessors(s, east.id)] == [old_id]
        assert predecessors(s, old_id) == [] and successors(s, east.id) == []
        # re-loading the plan finds the ended 天河区, not an undated duplicate
        assert ensure_org_unit(s, "440106", "天河区", "district").id == old_id


def test_split_is_audited(tianhe_store):
    with tianhe_store.session() as s:
        old_id = _unit(s, "440106").id
        east, west = _split(s)
    with tianhe_store.session() as s:
        log = s.scalars(select(m.AuditLog).where(m.AuditLog.user == "planner").order_by(m.AuditLog.id)).all()
        rows = [(a.action, a.entity, a.entity_id) for a in log]
        change = s.scalars(select(m.OrgUnitChange)).one()
        assert rows == [("update", "org_unit", old_id), ("insert", "org_unit", east.id),
                        ("insert", "org_unit", west.id), ("insert", "org_unit_change", change.id)]
        assert (log[0].old["valid_to"], log[0].new["valid_to"]) == (None, "2024-01-01")
        assert log[1].new["name"] == "天河东区" and log[1].new["valid_from"] == "2024-01-01"
        assert log[3].new["before_ids"] == [old_id]


def test_units_on_before_and_after(tianhe_store):
    with tianhe_store.session() as s:
        _split(s)
    with tianhe_store.session() as s:
        before, day_of, after = units_on(s, "2023-12-31"), units_on(s, date(2024, 1, 1)), units_on(s, "2030-01-01")
        assert _names(before) == ["天河区"]
        assert _names(day_of) == _names(after) == ["天河东区", "天河西区"]
        assert [u.name for u in before if u.level != "district"] == [u.name for u in after if u.level != "district"]
        for units in (before, day_of, after):
            _assert_tree(units)


def test_merge(tianhe_store):
    with tianhe_store.session() as s:
        old_id = _unit(s, "440106").id
        east, west = _split(s)
        put_observation(s, east.id, _ind(s, "HR-NBED").id, "2024", 7000)
        put_observation(s, west.id, _ind(s, "HR-NBED").id, "2024", 7500)
    with tianhe_store.session() as s:
        merged = merge_units(s, [east.id, west.id], date(2026, 1, 1), "440106", "天河区", user="planner",
                             note="重新合并（虚构）")
        assert (merged.code, merged.valid_from, merged.parent_id) == ("440106", date(2026, 1, 1), east.parent_id)
    with tianhe_store.session() as s:
        assert [s.get(m.OrgUnit, i).valid_to for i in (east.id, west.id)] == [date(2026, 1, 1)] * 2
        change = s.scalars(select(m.OrgUnitChange).where(m.OrgUnitChange.kind == "merge")).one()
        assert (change.before_ids, change.after_ids) == ([east.id, west.id], [merged.id])
        assert _figures(s, east.id, "HR-NBED") == {"2024": 7000} and _figures(s, west.id, "HR-NBED") == {"2024": 7500}
        assert _figures(s, merged.id, "HR-NBED") == {} and _figures(s, old_id, "HR-NBED") == BEDS_2020_2023
        assert [u.id for u in predecessors(s, merged.id)] == [east.id, west.id]
        assert [u.id for u in predecessors(s, merged.id, transitive=True)] == [east.id, west.id, old_id]
        assert [u.id for u in successors(s, old_id, transitive=True)] == [east.id, west.id, merged.id]
        # the code 440106 names a different unit depending on the day
        assert [_unit(s, "440106", d).id if _unit(s, "440106", d) else None
                for d in ("2023-06-30", "2025-06-30", "2026-06-30")] == [old_id, None, merged.id]
        assert ensure_org_unit(s, "440106", "天河区", "district").id == merged.id
        assert _names(units_on(s, "2025-12-31")) == ["天河东区", "天河西区"]
        assert _names(units_on(s, "2026-01-01")) == ["天河区"]
        audit = s.scalars(select(m.AuditLog).where(m.AuditLog.entity == "org_unit_change",
                                                   m.AuditLog.entity_id == change.id)).one()
        assert audit.user == "planner"


def test_rename_moves_children_and_facilities_to_the_new_version(tianhe_store):
    with tianhe_store.session() as s:
        tianhe = _unit(s, "440106")
        street = m.OrgUnit(code="440106009", name="石牌街道", level="township", parent_id=tianhe.id)
        s.add(street)
        s.flush()
        hospital = m.Facility(org_unit_id=tianhe.id, name="天河区人民医院", type="综合医院")
        s.add(hospital)
        s.flush()
        put_observation(s, tianhe.id, _ind(s, "HR-NBED").id, "2023", 900, facility_id=hospital.id)
        ids = tianhe.id, street.id, hospital.id
    with tianhe_store.session() as s:
        renamed = rename_unit(s, ids[0], "2024-01-01", "天河新区", user="planner")
        assert (renamed.name, renamed.code) == ("天河新区", "440106")
    with tianhe_store.session() as s:
        old_street = s.get(m.OrgUnit, ids[1])
        assert old_street.valid_to == date(2024, 1, 1) and old_street.parent_id == ids[0]
        new_street = _unit(s, "440106009", "2024-06-30")
        assert new_street.id != ids[1] and new_street.parent_id == renamed.id and new_street.name == "石牌街道"
        assert [u.id for u in successors(s, ids[1])] == [new_street.id]
        kinds = [c.kind for c in s.scalars(select(m.OrgUnitChange).order_by(m.OrgUnitChange.id))]
        assert kinds == ["rename", "move"]
        # the facility now belongs to 天河新区; its 2023 figure stays recorded for 天河区
        assert s.get(m.Facility, ids[2]).org_unit_id == renamed.id
        obs = s.scalars(select(m.Observation).where(m.Observation.facility_id == ids[2])).one()
        assert obs.org_unit_id == ids[0]
        moved = s.scalars(select(m.AuditLog).where(m.AuditLog.entity == "facility")).one()
        assert (moved.old["org_unit_id"], moved.new["org_unit_id"]) == (ids[0], renamed.id)
        for day in ("2023-12-31", "2024-01-01"):
            _assert_tree(units_on(s, day))
        assert [u.name for u in units_on(s, "2023-12-31") if u.level == "township"] == ["石牌街道"]
        assert s.get(m.OrgUnit, ids[0]).name == "天河区", "the old version keeps its name"


def test_split_needs_every_child_unit_assigned(tianhe_store):
    with tianhe_store.session() as s:
        tianhe = _unit(s, "440106")
        street = m.OrgUnit(code="440106009", name="石牌街道", level="township", parent_id=tianhe.id)
        s.add(street)
        s.flush()
        street_id = street.id
    with pytest.raises(ValidationError) as err:
        with tianhe_store.session() as s:
            _split(s)
    assert "石牌街道" in err.value.zh
    with tianhe_store.session() as s:
        assert _unit(s, "440106", "2030-01-01") is not None, "nothing changed"
        east, west = _split(s, children={street_id: "440192"})
    with tianhe_store.session() as s:
        assert _unit(s, "440106009", "2024-06-30").parent_id == west.id
        assert _unit(s, "440106009", "2023-06-30").id == street_id


@pytest.mark.parametrize("case", ["one unit", "ended unit", "too early", "code in use", "other parent",
                                  "same unit twice"])
def test_bad_changes_are_refused(tianhe_store, case):
    _load(tianhe_store, QINGCHENG)
    with tianhe_store.session() as s:
        before = len(s.scalars(select(m.OrgUnit)).all())
    with pytest.raises(ValidationError):
        with tianhe_store.session() as s:
            tianhe, qingcheng = _unit(s, "440106"), _unit(s, "441802")
            if case == "one unit":
                split_unit(s, tianhe.id, date(2024, 1, 1), [("440191", "天河东区")])
            elif case == "ended unit":
                _split(s)
                rename_unit(s, tianhe.id, date(2025, 1, 1), "天河新区")
            elif case == "too early":
                east, _ = _split(s)
                rename_unit(s, east.id, date(2024, 1, 1), "天河东新区")
            elif case == "code in use":
                split_unit(s, tianhe.id, date(2024, 1, 1), [("441802", "天河东区"), ("440192", "天河西区")])
            elif case == "other parent":
                merge_units(s, [tianhe.id, qingcheng.id], date(2024, 1, 1), "440199", "天清区")
            else:
                merge_units(s, [tianhe.id, tianhe.id], date(2024, 1, 1), "440199", "天河区")
    with tianhe_store.session() as s:
        assert len(s.scalars(select(m.OrgUnit)).all()) == before
        assert s.scalars(select(m.OrgUnitChange)).all() == []
