"""Evaluation of a target in a year: statuses, gaps, the straight-line path, projections, edge cases."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthplan.evaluate import evaluate, meets

PLAN = dict(baseline_year=2020, target_year=2025)


def test_relative_growth_mid_plan():
    # 清城 每千人口公共卫生人员数: 0.08 in 2020, 增长30% → 0.104 in 2025; path in 2023: 0.08 + 0.024 × 3/5
    e = evaluate("增长30%", year=2023, value=0.09, baseline=0.08, direction="up", **PLAN)
    assert e.target_value == pytest.approx(0.104)
    assert e.expected == pytest.approx(0.0944)
    assert e.status == "behind"
    assert e.gap == pytest.approx(0.014) and e.needed_per_year == pytest.approx(0.007)
    assert e.explanation.startswith("目标：2025年较2020年增长30%，即不低于0.104")
    assert evaluate("增长30%", year=2023, value=0.095, baseline=0.08, direction="up", **PLAN).status == "on_track"
    assert evaluate("增长30%", year=2023, value=0.07, baseline=0.08, direction="up", **PLAN).status == "off_track"
    assert evaluate("增长30%", year=2023, value=0.11, baseline=0.08, direction="up", **PLAN).status == "achieved"


@pytest.mark.parametrize("text,value,achieved", [
    ("＜8", 8.0, False), ("＜8", 7.99, True), ("≤8", 8.0, True), ("≥35", 35.0, True), ("＞83", 83.0, False),
    (">95", 95.0, False), (">95", 95.01, True),
])
def test_strict_and_non_strict_comparators_at_the_boundary(text, value, achieved):
    e = evaluate(text, year=2025, value=value, baseline=9.0 if "8" in text else 30.0, **PLAN)
    assert e.achieved is achieved


def test_strict_boundary_in_the_target_year_is_behind_not_achieved():
    e = evaluate("＜8", year=2025, value=8.0, baseline=8.83, direction="down", **PLAN)
    assert (e.status, e.achieved) == ("behind", False)


def test_target_looser_than_baseline():
    # 龙湖 心脑血管疾病死亡率: baseline 206.82, target ≤209.7 (lower is better)
    ok = evaluate("≤209.7", year=2023, value=208.0, baseline=206.82, direction="down", **PLAN)
    assert ok.status == "achieved"
    worse = evaluate("≤209.7", year=2023, value=210.0, baseline=206.82, direction="down", **PLAN)
    assert worse.status == "off_track" and worse.gap == pytest.approx(-0.3)


def test_maintain_at_100():
    # 天河 中医非药物疗法比例: 100 → 100
    assert evaluate("100", year=2023, value=100, baseline=100, direction="up", **PLAN).status == "achieved"
    e = evaluate("100", year=2023, value=98, baseline=100, direction="up", **PLAN)
    assert e.status == "off_track" and e.gap == pytest.approx(2)


def test_per_year_rate_in_a_mid_plan_year():
    # 清城 近视率 37.45, 每年降低0.5个百分点以上: by 2023 at most 35.95, by 2025 at most 34.95
    kw = dict(year=2023, baseline=37.45, direction="down", **PLAN)
    e = evaluate("每年降低0.5个百分点以上", value=35.9, **kw)
    assert e.target_value == pytest.approx(34.95) and e.expected == pytest.approx(35.95)
    assert e.status == "on_track"
    assert evaluate("每年降低0.5个百分点以上", value=36.2, **kw).status == "behind"
    assert evaluate("每年降低0.5个百分点以上", value=38.0, **kw).status == "off_track"
    assert evaluate("力争每年降低0.5个百分点以上", value=34.9, **kw).status == "achieved"


def test_percentage_rate_per_year_compounds():
    e = evaluate("年均增长10%", year=2022, value=121, baseline=100, direction="up", **PLAN)
    assert e.target_value == pytest.approx(100 * 1.1 ** 5)
    assert e.expected == pytest.approx(121) and e.status == "on_track"


def test_ratio_targets():
    # 南宫 医护比 1:0.53 → 1:1.09
    e = evaluate("1:1.09", year=2023, value=0.9, baseline=0.53, direction="up", **PLAN)
    assert e.target_value == pytest.approx(1.09)
    assert e.expected == pytest.approx(0.53 + 0.56 * 0.6)
    assert e.status == "on_track"


def test_compound_rows_are_judged_part_by_part():
    # 龙湖 中医非药物疗法: 99,72 → 100,75
    e = evaluate("100,75", year=2023, value=[100, 70], baseline=[99, 72], direction="up", **PLAN)
    assert [p.status for p in e.parts] == ["achieved", "off_track"]
    assert e.status == "off_track" and e.achieved is False


def test_relative_to_another_year_needs_that_value():
    e = evaluate("比2015年降低5%", year=2020, value=12.07, target_year=2020, direction="down")
    assert e.status == "not_assessable" and "2015" in e.explanation
    e = evaluate("比2015年降低5%", year=2020, value=12.07, target_year=2020, direction="down",
                 reference_values={2015: 13.0})
    assert e.target_value == pytest.approx(12.35) and e.status == "achieved"


def test_linked_target_follows_the_other_indicator():
    # 南宫 健康预期寿命 同比例提高 with 人均预期寿命 77.75 → 78.5
    e = evaluate("同比例提高", year=2023, value=69.0, baseline=68.0, direction="up", linked=(77.75, 78.5), **PLAN)
    assert e.target_value == pytest.approx(68 * 78.5 / 77.75)
    assert evaluate("同比例提高", year=2023, value=69.0, baseline=68.0, **PLAN).status == "not_assessable"


def test_direction_only():
    kw = dict(year=2023, baseline=2.71, direction="up", **PLAN)
    assert evaluate("持续提升", value=3.0, **kw).status == "on_track"
    assert evaluate("持续提升", value=2.71, **kw).status == "behind"
    assert evaluate("持续提升", value=2.5, **kw).status == "off_track"
    assert evaluate("持续提升", value=3.0, **{**kw, "year": 2025}).status == "achieved"


def test_qualitative_needs_a_judgement():
    e = evaluate("有效控制", year=2023, value=50, baseline=53.47, direction="down", **PLAN)
    assert e.status == "not_assessable" and "人工判断" in e.explanation
    e = evaluate("有效控制", year=2023, value=50, baseline=53.47, judgement="on_track", **PLAN)
    assert e.status == "on_track"


def test_missing_data_rules():
    assert evaluate("≥35", year=2023, value=None, baseline=30, **PLAN).status == "not_assessable"
    # no baseline: a met target is still achieved; otherwise the path cannot be drawn
    assert evaluate("≥35", year=2023, value=36, **PLAN).status == "achieved"
    e = evaluate("≥35", year=2023, value=30, **PLAN)
    assert e.status == "not_assessable" and e.achieved is False and "基期" in e.explanation
    # an earlier observation stands in for the missing baseline
    e = evaluate("≥35", year=2023, value=33, history=[(2021, 30)], **PLAN)  # path: 30 → 35 over 2021–2025
    assert e.baseline == 30 and e.status == "on_track"


def test_zero_denominator_rules():
    # baseline 0: growth rates cannot be computed, the straight line still can
    e = evaluate("5.3", year=2023, value=2.0, baseline=0, direction="up", **PLAN)
    assert e.progress is None and "0" in e.progress_note
    assert e.expected == pytest.approx(3.18) and e.status == "behind"
    # target year equal to the baseline year: the path is the target itself
    e = evaluate("≥10", year=2020, value=9, baseline=8, baseline_year=2020, target_year=2020)
    assert e.expected == 10 and e.status == "behind"


def test_projection_from_the_trend():
    e = evaluate("≥10", year=2023, value=8, baseline=5, history=[(2021, 6), (2022, 7)], **PLAN)
    assert e.projection == pytest.approx(10.0) and e.projection_meets is True


def test_open_sdg_growth_grading():
    kw = dict(baseline=100, direction="up", **PLAN)
    assert evaluate("≥200", year=2023, value=150, **kw).progress == "substantial_progress"
    assert evaluate("≥200", year=2023, value=125, **kw).progress == "moderate_progress"
    assert evaluate("≥200", year=2023, value=105, **kw).progress == "limited_progress"
    assert evaluate("≥200", year=2023, value=95, **kw).progress == "deterioration"
    assert evaluate("≥200", year=2023, value=201, **kw).progress == "target_achieved"
    assert evaluate("持续提升", year=2023, value=104, **kw).progress == "substantial_progress"


@given(b=st.floats(1, 1000), t=st.floats(1, 1000), v=st.floats(0, 2000), y=st.integers(2021, 2025))
def test_status_is_consistent_with_the_path(b, t, v, y):
    e = evaluate(f"≥{t:.2f}", year=y, value=v, baseline=b, direction="up", **PLAN)
    tv = float(f"{t:.2f}")
    if v >= tv - 1e-9:  # float noise within 1e-9 counts as equal
        assert e.status == "achieved"
    elif v < b - 1e-9:
        assert e.status == "off_track"
    else:
        assert e.status in ("on_track", "behind")
        assert (e.status == "on_track") == (v >= e.expected - 1e-9 and y < 2025)


def test_meets_about():
    assert meets(26, "~", 25) and not meets(27, "~", 25)
    assert meets(20, "~", 25, direction="down")
