"""The five seed plans against golden files written by reading the documents."""

from __future__ import annotations

import json

import pytest

from conftest import GOLDEN, SEEDS, differences

SECTIONS = ["indicators", "completion", "projects", "facility_tables", "populations", "formulas", "glossary"]


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem[:3])
def test_seed_matches_golden(seed, seed_plans):
    expected = json.loads((GOLDEN / f"{seed.stem}.json").read_text(encoding="utf-8"))
    assert set(SECTIONS) <= set(expected), "a golden file lists every section"
    got = seed_plans[seed.stem].contract()
    problems = differences(expected, got)
    assert not problems, "\n".join(problems[:50])


def test_golden_row_counts(seed_plans):
    """Counts read off the documents by hand, as a second check on the golden files."""
    counts = {
        "000": dict(indicators=19, projects=9),
        "001": dict(indicators=21, completion=23),
        "002": dict(indicators=16, populations=2, formulas=4, glossary=4),
        "003": dict(indicators=19, facility_tables=2, populations=3),
        "004": dict(indicators=26, projects=5),
    }
    for stem, plan in seed_plans.items():
        for section, n in counts[stem[:3]].items():
            assert len(getattr(plan, section)) == n, (stem, section)


def test_inferred_baselines_say_where_they_came_from(seed_plans):
    yangjiang = seed_plans["001_a4400b38b50f820e"]
    inferred = [i for i in yangjiang.indicators if i.baseline is not None]
    assert inferred and all(i.baseline.inferred and i.baseline.source_line for i in inferred)
    beds = next(i for i in yangjiang.indicators if i.name == "每千人口拥有医疗机构床位数")
    assert beds.baseline.value == 6.20 and beds.baseline.source_line == 105  # 十三五 table: 每千常住人口…6.20
    assert next(i for i in yangjiang.indicators if i.name == "重大慢性病过早死亡率").baseline is None  # ‰ vs %


def test_other_plans_have_no_inferred_baselines(seed_plans):
    for stem, plan in seed_plans.items():
        if stem.startswith("001"):
            continue
        assert not any(i.baseline and i.baseline.inferred for i in plan.indicators), stem


def test_boxes_are_read(seed_plans):
    titles = {stem[:3]: [b.title for b in p.boxes] for stem, p in seed_plans.items()}
    assert len(titles["001"]) == 6 and len(titles["002"]) == 4 and len(titles["003"]) == 8
    nangong_box1 = seed_plans["003_d529c04d8bc59c8c"].boxes[0]
    assert nangong_box1.items[0].startswith("1.国家级、省级临床重点专科") and len(nangong_box1.items) == 4
