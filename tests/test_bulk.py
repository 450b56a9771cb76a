"""Set-based evaluation (healthplan.evaluate.bulk) gives exactly the scalar evaluator's statuses."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from healthplan.evaluate.bulk import STATUSES, evaluate_year, evaluate_year_rowwise
from healthplan.evaluate.plans import evaluate_plan
from healthplan.generate import generate
from healthplan.store import models as m

YEARS = (2018, 2021, 2023, 2028)


@pytest.fixture
def generated(store):
    generate(store, units=30, years=(2016, 2030), seed=7)
    return store


def test_bulk_equals_scalar_evaluate_plan(generated):
    """Every county × indicator target (1,800 rows) in several years, against evaluate_plan row by row."""
    kinds = set()
    with generated.session() as s:
        plan_ids = s.scalars(select(m.Plan.id)).all()
        for year in YEARS:
            result = evaluate_year(s, year)
            assert len(result.frame) == 30 * 60
            got = dict(zip(result.frame.target_id.tolist(), result.status_names()))
            expected = {}
            for pid in plan_ids:
                for row in evaluate_plan(s, pid, year):
                    expected[row.target_id] = row.evaluation.status
            assert got == expected
            assert evaluate_year_rowwise(result.frame) == result.status_names()
            kinds |= {k for k, n in result.counts().items() if n}
    assert kinds == set(STATUSES)  # every status occurs: the data exercise every branch


def test_bulk_covers_the_target_forms(generated):
    with generated.session() as s:
        texts = set(s.scalars(select(m.Target.target_text)))
    assert any(t.startswith("≥") for t in texts) and any(t.startswith("≤") for t in texts)
    assert any(t.endswith("以上") for t in texts) and any(t.endswith("左右") for t in texts)
    assert any(t.startswith(">") for t in texts) and any(t.startswith("<") for t in texts)
    assert any("比2018年" in t or "较2018年" in t for t in texts)
    assert any(t.startswith("每年") or t.startswith("年均") for t in texts)
    assert "持续提升" in texts


def test_bulk_handcrafted_edge_cases(tmp_path):
    """Forms the generator does not print: ranges, ratios, 力争, compound, linked, missing baselines."""
    from healthplan.catalog import load_catalog
    from healthplan.store import Store
    from healthplan.store.plans import sync_catalog

    store = Store(str(tmp_path / "edge.db"))
    texts = ["7.4-7.5", "1:1.2", "力争≥80", "100,75", "同比例提高", "有效控制", "--", "79", "80%以上", "≥ 82",
             "比2019年提高2个百分点", "较基期增长5%左右", "每年降低2%", "年均增长1岁", "＞83", "30‰以下", "降低0"]
    with store.session() as s:
        ind = sync_catalog(s, load_catalog())
        county = m.OrgUnit(code="S99", name="合成测试县", level="county", note="synthetic")
        s.add(county)
        s.flush()
        plan = m.Plan(org_unit_id=county.id, title="（合成数据）", period_start=2021, period_end=2025,
                      file_name="x", file_sha256="x", document={})
        s.add(plan)
        s.flush()
        codes = ["HS-LE", "HS-HALE", "HS-IMR", "MS-BOR", "DC-EPI", "HR-DN"]
        line = 0
        for code in codes:
            for k, t in enumerate(texts):
                line += 1
                i = ind[code]
                missing = k % 4 == 3
                s.add(m.Target(plan_id=plan.id, indicator_id=i.id, org_unit_id=county.id, name_in_plan=i.name,
                               direction=i.direction, baseline_year=None if missing else 2020,
                               baseline_value=None if missing else 70.0 + k, target_year=2025, target_text=t,
                               line=line))
            for y in range(2016, 2026):
                if y in (2022,) and code == "HS-IMR":
                    continue
                s.add(m.Observation(org_unit_id=county.id, indicator_id=ind[code].id, period=str(y), year=y,
                                    value=68.0 + (y - 2016) * 1.5 + codes.index(code) % 3, source="合成数据"))
    with store.session() as s:
        for year in (2015, 2019, 2020, 2022, 2024, 2026):
            result = evaluate_year(s, year)
            got = dict(zip(result.frame.target_id.tolist(), result.status_names()))
            assert got == {r.target_id: r.evaluation.status for r in evaluate_plan(s, plan.id, year)}
    store.close()
