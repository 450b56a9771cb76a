"""A stored plan evaluated in a year from stored figures (both databases)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from healthplan.evaluate.plans import evaluate_plan, summary
from healthplan.store import models as m
from healthplan.store.observations import put_observation


def _plan(s, region):
    unit = s.scalars(select(m.OrgUnit).where(m.OrgUnit.name == region)).one()
    return s.scalars(select(m.Plan).where(m.Plan.org_unit_id == unit.id, m.Plan.current)).one(), unit


def _ind(s, code):
    return s.scalars(select(m.Indicator).where(m.Indicator.code == code)).one()


def test_no_data_means_not_assessable_but_every_indicator_listed(seeded_store):
    with seeded_store.session() as s:
        plan, _ = _plan(s, "清城区")
        rows = evaluate_plan(s, plan.id, 2023)
        assert len(rows) == 19
        assert summary(rows)["not_assessable"] == 19
        assert [r.binding for r in rows[:2]] == [True, True] and not any(r.binding for r in rows[2:])


def test_figures_give_statuses_binding_first(seeded_store):
    with seeded_store.session() as s:
        plan, unit = _plan(s, "清城区")
        put_observation(s, unit.id, _ind(s, "DC-MYO").id, "2023", 36.2)   # 37.45 − 1.5 = 35.95 needed: behind
        put_observation(s, unit.id, _ind(s, "HP-OOP").id, "2023", 24.0)   # ＜25: achieved
        put_observation(s, unit.id, _ind(s, "HS-LE").id, "2023", 78.5)    # 77.8 → 79: path 78.52, behind
        put_observation(s, unit.id, _ind(s, "HS-IMR").id, "2023", 1.8)    # ＜3: achieved
        put_observation(s, unit.id, _ind(s, "HL-HLIT").id, "2023", 20.0)  # below the 22.10 baseline: off track
        rows = evaluate_plan(s, plan.id, 2023)
        by_code = {r.code: r for r in rows}
        assert rows[0].code == "DC-MYO" and rows[0].evaluation.status == "behind"
        assert rows[1].code == "HP-OOP" and rows[1].evaluation.status == "achieved"
        assert by_code["HS-LE"].evaluation.status == "behind"
        assert by_code["HS-LE"].evaluation.expected == pytest.approx(77.8 + 1.2 * 3 / 5)
        assert by_code["HS-IMR"].evaluation.status == "achieved"
        assert by_code["HL-HLIT"].evaluation.status == "off_track"
        assert summary(rows) == {"achieved": 2, "on_track": 0, "behind": 2, "off_track": 1, "not_assessable": 14}


def test_linked_target_uses_the_partner(seeded_store):
    with seeded_store.session() as s:
        plan, unit = _plan(s, "南宫市")
        put_observation(s, unit.id, _ind(s, "HS-LE").id, "2023", 78.5)
        put_observation(s, unit.id, _ind(s, "HS-HALE").id, "2020", 68.0)
        put_observation(s, unit.id, _ind(s, "HS-HALE").id, "2023", 69.0)
        row = next(r for r in evaluate_plan(s, plan.id, 2023) if r.code == "HS-HALE")
        assert row.evaluation.target_value == pytest.approx(68.0 * 78.5 / 77.75)
        assert row.evaluation.status == "achieved"
