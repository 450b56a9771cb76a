"""Resource planning: populations, requirements, Hill-Burton, facility reconciliation, norms, WISN,
equity indices and scenarios. Every expected number is worked out by hand in the comments."""

from __future__ import annotations

import json
import math

import pytest
import typer
from openpyxl import load_workbook
from typer.testing import CliRunner

from conftest import ROOT
from healthplan.resources import cli as resources_cli
from healthplan.resources.equity import EquityError, Unit, agglomeration, explain_agglomeration, gini, theil
from healthplan.resources.facilities import AllocationError, reallocate, reconcile
from healthplan.resources.hill_burton import HillBurtonInputs, compare_beds, hill_burton
from healthplan.resources.norms import NormConfigError, check_norms, hospitals_from_plan, load_norms
from healthplan.resources.population import (PopulationError, from_plan, from_points, from_rate,
                                             parse_population_option)
from healthplan.resources.requirements import (ResourceInputError, requirements, schedule_shares, split_whole,
                                               stated_counts)
from healthplan.resources.scenarios import (Scenario, ScenarioError, compare, load_scenario, run_scenario,
                                            save_scenario, to_xlsx)
from healthplan.resources.wisn import Activity, Allowance, WisnError, WorkingTime, wisn

SEED = ROOT / "healthplan" / "data" / "seeds"
QINGCHENG, YANGJIANG, TIANHE, NANGONG = (SEED / f for f in (
    "000_10740625b364617c.txt", "001_a4400b38b50f820e.txt", "002_0267441d0b41c813.txt", "003_d529c04d8bc59c8c.txt"))
runner = CliRunner()


@pytest.fixture(scope="module")
def tianhe(seed_plans):
    return seed_plans[TIANHE.stem]


@pytest.fixture(scope="module")
def nangong(seed_plans):
    return seed_plans[NANGONG.stem]


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.command()
    def other() -> None:  # a second command, so that "resources" is a sub-group as in the real CLI
        pass

    resources_cli.register(app)
    return app


def run(*args: str):
    return runner.invoke(_app(), ["resources", *map(str, args)])


# --- populations ---------------------------------------------------------------------------------
def test_tianhe_population_geometric_interpolation_and_extrapolation(tianhe):
    s = from_plan(tianhe)
    assert s.at(2020) == 2241826 and s.at(2025) == 2454694  # stated (line 163)
    # geometric: 2,241,826 × (2,454,694 / 2,241,826)^(3/5) in 2023
    assert s.at(2023) == pytest.approx(2241826 * (2454694 / 2241826) ** 0.6)
    # ln(2,454,694 / 2,241,826) = ln(1.094953) = 0.090711; ÷ 5 = 0.018142; e^0.018142 − 1 = 1.8308 % a year
    rate = (2454694 / 2241826) ** (1 / 5) - 1
    assert rate == pytest.approx(0.018308, abs=1e-6)
    assert s.at(2027) == pytest.approx(2454694 * (1 + rate) ** 2)  # beyond: the last rate
    assert s.at(2019) == pytest.approx(2241826 / (1 + rate))
    assert "几何插值" in s.explain(2023) and "1.83%" in s.explain(2023)
    assert any("未注明口径" in a for a in s.assumptions)  # the 2025 projection has no kind


def test_linear_interpolation_option(tianhe):
    s = from_plan(tianhe, method="linear")
    # 2,241,826 + (2,454,694 − 2,241,826) × 3/5 = 2,241,826 + 127,720.8
    assert s.at(2023) == pytest.approx(2369546.8)
    assert s.at(2026) == pytest.approx(2454694 + 212868 / 5)  # the same yearly increment beyond


def test_base_and_growth_rate():
    s = from_rate(2020, 396700, 0.00292)  # 南宫's 人口自然增长率 2.92‰ as an example
    assert s.at(2025) == pytest.approx(396700 * 1.00292 ** 5)  # 402,526
    assert round(s.at(2025)) == 402526
    flat = from_points({2020: 396700})
    assert flat.at(2025) == 396700 and "不变假定" in flat.explain(2025)


def test_population_option_parsing():
    assert parse_population_option("2020=396700") == (2020, 396700)
    assert parse_population_option("2020=39.67万") == (2020, pytest.approx(396700))
    assert parse_population_option("2025:2,454,694") == (2025, 2454694)
    with pytest.raises(PopulationError, match="年份=人口数"):
        parse_population_option("396700")


def test_region_without_population_says_what_to_provide(seed_plans):
    plan = seed_plans[QINGCHENG.stem]
    with pytest.raises(PopulationError) as e:
        requirements(plan)
    assert "没有常住人口" in e.value.zh and "--population 2020=" in e.value.zh and "--growth-rate" in e.value.zh
    result = run(QINGCHENG, "--format", "json")
    assert result.exit_code == 2
    assert "--population" in result.stderr and "Traceback" not in result.output + result.stderr


# --- requirements ----------------------------------------------------------------------------------
def test_tianhe_2025_beds_doctors_nurses(tianhe):
    report = requirements(tianhe, year=2025)
    beds, doctors, nurses = report.get("床位"), report.get("执业（助理）医师"), report.get("注册护士")
    # beds: 6.30 × 2,454,694 ÷ 1000 = 15,464.57 → 15,465 (at least 6.30: round up)
    #       2020: 6.03 × 2,241,826 ÷ 1000 = 13,518.21 → 13,518; gap 15,465 − 13,518 = 1,947
    assert beds.required_exact == pytest.approx(15464.5722)
    assert (beds.required, beds.current, beds.gap) == (15465, 13518, 1947)
    # doctors: 4.70 × 2,454,694 ÷ 1000 = 11,537.06 → 11,538; 4.62 × 2,241,826 ÷ 1000 = 10,357.24 → 10,357
    assert (doctors.required, doctors.current, doctors.gap) == (11538, 10357, 1181)
    # nurses: 6.0 × 2,454,694 ÷ 1000 = 14,728.16 → 14,729; 5.96 × 2,241,826 ÷ 1000 = 13,361.28 → 13,361
    assert (nurses.required, nurses.current, nurses.gap) == (14729, 13361, 1368)
    # GPs per 10,000: 4 × 245.4694 = 981.88 → 982; 1.92 × 224.1826 = 430.43 → 430
    gp = report.get("全科医生")
    assert (gp.per, gp.required, gp.current, gp.gap) == (10000, 982, 430, 552)
    assert {r.resource for r in report.items} == {"床位", "执业（助理）医师", "注册护士", "全科医生", "公共卫生人员", "托位"}
    assert "6.3 × 2,454,694 ÷ 1000 = 15,464.57" in beds.explanation
    assert "6.03 × 2,241,826 ÷ 1000 = 13,518.21" in beds.explanation
    assert "15,465 − 13,518 = 1,947" in beds.explanation
    assert beds.current_source == "computed" and not beds.met


def test_yearly_increments_straight_and_front_loaded(tianhe):
    straight = requirements(tianhe).get("床位").schedule
    # 1,947 ÷ 5 = 389.4 a year; the two largest remainders (equal, earliest first) get one more
    assert [r.increment for r in straight] == [390, 390, 389, 389, 389]
    assert straight[-1].planned == 15465 and straight[0].planned == 13518 + 390
    # required each year follows the population: 6.30 × P(2021) ÷ 1000, P(2021) = 2,282,869
    assert straight[0].required == math.ceil(6.3 * 2241826 * (2454694 / 2241826) ** 0.2 / 1000)
    front = requirements(tianhe, schedule="front").get("床位").schedule
    # 1,947 × 40/25/15/10/10 % = 778.8, 486.75, 292.05, 194.7, 194.7 → floors add up to 1,944;
    # the 3 left go to the largest remainders .8, .75 and the first .7
    assert [r.increment for r in front] == [779, 487, 292, 195, 194]
    assert schedule_shares(4, "front") == pytest.approx([1 / 2.176, 0.6 / 2.176, 0.36 / 2.176, 0.216 / 2.176])
    assert split_whole(10, [0.5, 0.5]) == [5, 5] and sum(split_whole(7, schedule_shares(3))) == 7
    with pytest.raises(ResourceInputError):
        schedule_shares(5, "sideways")


def test_cli_json_rows(tianhe):
    result = run(TIANHE, "--year", "2025", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    beds = next(r for r in rows if r["resource"] == "床位")
    assert {k: beds[k] for k in ("resource", "per_1000_target", "per", "population", "required", "current", "gap")} == {
        "resource": "床位", "per_1000_target": 6.3, "per": 1000, "population": 2454694, "required": 15465,
        "current": 13518, "gap": 1947}
    gp = next(r for r in rows if r["resource"] == "全科医生")
    assert gp["per"] == 10000 and gp["per_1000_target"] == 4
    text = run(TIANHE, "--year", "2025")
    assert text.exit_code == 0 and "15,465" in text.stdout and "资源需求测算" in text.stdout


def test_nangong_uses_the_stated_counts(nangong):
    counts = stated_counts(nangong)
    assert counts[("床位", 2020)].value == 1826  # 实有床位 合计 (line 397), not 编制 1,676
    assert counts[("执业（助理）医师", 2020)].value == 982 and counts[("注册护士", 2020)].value == 524
    report = requirements(nangong)
    beds = report.get("床位")
    # 2025 population: none stated → 396,700 assumed constant (said in the assumptions)
    # 5.90 × 396,700 ÷ 1000 = 2,340.53 → 2,341; current 1,826 stated; gap 515
    assert (beds.required, beds.current, beds.gap, beds.current_source) == (2341, 1826, 515, "stated")
    # the stated 1,826 disagrees with 3.71 × 396,700 ÷ 1000 = 1,471.76
    assert any("1,471.76" in n and "不一致" in n for n in beds.notes)
    assert any("不变" in a for a in report.assumptions)
    assert report.get("执业（助理）医师").gap == 1056 - 982  # 2.66 × 396.7 = 1,055.22 → 1,056
    assert report.get("注册护士").gap == 1155 - 524  # 2.91 × 396.7 = 1,154.40 → 1,155
    # the user's current count wins over both
    assert requirements(nangong, current={"床位": 1900}).get("床位").current == 1900


def test_target_already_met(seed_plans):
    plan = seed_plans[YANGJIANG.stem]  # 阳江 states no population: give the 2020 figure
    report = requirements(plan, from_points({2020: 2602959}))
    gp = report.get("全科医生")
    # 每万人口全科医生 baseline 4.68 > target 4: required 4 × 260.2959 = 1,041.18 → 1,042;
    # current 4.68 × 260.2959 = 1,218.18 → 1,218; gap −176
    assert (gp.required, gp.current, gp.gap, gp.met) == (1042, 1218, -176, True)
    assert "已满足" in gp.explanation and "富余176人" in gp.explanation
    assert all(r.increment == 0 for r in gp.schedule)


def test_shrinking_population(tianhe):
    series = from_plan(tianhe, {2025: 2100000})  # a 2025 population below 2020's 2,241,826
    report = requirements(tianhe, series)
    beds = report.get("床位")
    # 6.30 × 2,100,000 ÷ 1000 = 13,230 < current 13,518: the target is met by shrinking alone
    assert (beds.required, beds.current, beds.gap, beds.met) == (13230, 13518, -288, True)
    required = [r.required for r in beds.schedule]
    assert required == sorted(required, reverse=True) and required[0] > required[-1]
    assert any("减少" in n for n in beds.notes)
    assert from_rate(2020, 100000, -0.01).at(2025) == pytest.approx(100000 * 0.99 ** 5)


def test_targets_that_are_not_plain_numbers(seed_plans, tianhe):
    plan = seed_plans[QINGCHENG.stem]
    report = requirements(plan, from_points({2020: 600000}))
    phw = report.get("公共卫生人员")
    # 增长30% on the baseline 0.08: 0.08 × 1.30 = 0.104 per 1000; 0.104 × 600 = 62.4 → 63
    assert phw.per_capita_target == pytest.approx(0.104) and phw.required == 63 and phw.current == 48
    changed = tianhe.model_copy(deep=True)
    row = next(i for i in changed.indicators if i.name == "每千人口注册护士数")
    row.target.text = "持续提升"
    report = requirements(changed)
    assert report.get("注册护士") is None
    assert any(s.indicator == "每千人口注册护士数" and "方向" in s.reason for s in report.skipped)
    # a scenario override by resource name, and one that matches nothing
    report = requirements(tianhe, targets={"床位": "6.5", "无此资源": 1})
    assert report.get("床位").required == math.ceil(6.5 * 2454694 / 1000)
    assert any(s.indicator == "无此资源" for s in report.skipped)


# --- Hill-Burton -------------------------------------------------------------------------------------
def test_hill_burton_arithmetic(tianhe):
    # 2,454,694 × 0.17 × 9 = 3,755,681.82 patient days; ÷ (365 × 0.85 = 310.25) = 12,105.34 → 12,106
    hb = hill_burton(2454694, year=2025)
    assert hb.patient_days == pytest.approx(3755681.82)
    assert hb.beds_exact == pytest.approx(12105.34, abs=0.01) and hb.beds == 12106
    assert "假定" in hb.explanation and "0.17" in hb.explanation
    report = requirements(tianhe)
    side = compare_beds(report.population, 2025, report.get("床位"))
    assert (side.hill_burton.beds, side.per_1000_beds, side.difference) == (12106, 15465, 12106 - 15465)
    # 15,465 beds at these admissions run at 3,755,681.82 ÷ (365 × 15,465) = 66.53 % occupancy
    assert side.occupancy_at_per_1000 == pytest.approx(0.6653, abs=1e-4)
    edited = HillBurtonInputs().with_(alos=8, occupancy=0.9)
    assert edited.sources["alos"] == "用户给出"
    # 100,000 × 0.2 × 8 ÷ (365 × 0.9) = 160,000 ÷ 328.5 = 487.06 → 488
    assert hill_burton(100000, HillBurtonInputs(admission_rate=0.2, alos=8, occupancy=0.9)).beds == 488
    with pytest.raises(ResourceInputError, match="0.85"):
        HillBurtonInputs(occupancy=85)
    result = run("beds", TIANHE, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["hill_burton"]["beds"] == 12106 and data["per_1000"]["beds"] == 15465


# --- 南宫 facility tables --------------------------------------------------------------------------------
def test_nangong_facility_tables_reconciled(nangong):
    rec = reconcile(nangong)
    assert rec.population == 396700 and rec.year == 2025
    sums = {(m.column, m.kind): m for m in rec.mismatches}
    # beds 2025, 乡镇卫生院和社区卫生服务中心 (lines 266–384): 54 + 32 + 31 + 90 + 23 + 43 + 48 + 62 + 35 + 31
    # + 37 + 27 + 15 + 28 + 28 + 69 + 99 = 752, printed 小计 741 (line 385); 合计 2,791 = 1,550 + 741 + 500
    # copies it, the rows give 1,550 + 752 + 500 = 2,802
    sub = sums[("2025年床位数", "subtotal")]
    assert (sub.printed, sub.computed, sub.line) == (741, 752, 385)
    total = sums[("2025年床位数", "total")]
    assert (total.printed, total.computed, total.line) == (2791, 2802, 397)
    # doctors 2025 (lines 482–598): 25 + 15 + 14 + 41 + 11 + 20 + 22 + 28 + 16 + 14 + 17 + 12 + 7 + 13 + 13 + 32
    # + 15 = 315, printed 345 (line 601); 合计 1,569 = 744 + 345 + 180 + 300, rows 744 + 315 + 180 + 300 = 1,539
    sub = sums[("2025年执业（助理）医师", "subtotal")]
    assert (sub.printed, sub.computed, sub.line) == (345, 315, 601)
    assert sums[("2025年执业（助理）医师", "total")].computed == 1539
    # everything else adds up: 2020 beds 748 + 545 + 383 = 1,676 and 936 + 507 + 383 = 1,826; 县办 2025
    # 850 + 200 + 200 + 300 = 1,550; 2020 staff 397 + 165 + 141 + 279 = 982, 303 + 51 + 146 + 24 = 524;
    # 2025 nurses 930 + 381 + 190 + 30 = 1,531
    assert len(rec.mismatches) == 4

    checks = {c.resource: c for c in rec.target_checks}
    # beds: 5.90 × 396,700 ÷ 1000 = 2,340.53 → 2,341; table 2,791 → 450 more (7.04 per 1000; 5.90 fits 473,051 people)
    assert (checks["床位"].required, checks["床位"].planned, checks["床位"].status) == (2341, 2791, "exceeds")
    assert checks["床位"].planned_rows == 2802 and round(checks["床位"].implied_population) == 473051
    # doctors: 2.66 × 396.7 = 1,055.22 → 1,056 against 1,569 (+513);
    # nurses: 2.91 × 396.7 = 1,154.40 → 1,155 against 1,531 (+376)
    assert (checks["执业（助理）医师"].difference, checks["注册护士"].difference) == (513, 376)
    # 公立中医类医院床位: 0.85 × 396.7 = 337.19 → 338, but 南宫市中医院 plans 200: short by 138
    tcm = checks["公立中医类医院床位"]
    assert (tcm.required, tcm.planned, tcm.difference, tcm.status) == (338, 200, -138, "shortfall")

    base = {c.resource: c for c in rec.baseline_checks}
    # 2020: 1,826 ÷ 396,700 × 1000 = 4.603 beds per 1000, the indicator table says 3.71;
    # 982 → 2.4754 doctors (table 2.02); 524 → 1.3209 nurses (table 1.08); 中医院 145 → 0.3655 (table 0.30)
    assert {k: round(c.implied_per_capita, 4) for k, c in base.items()} == {
        "床位": 4.603, "执业（助理）医师": 2.4754, "注册护士": 1.3209, "公立中医类医院床位": 0.3655}
    assert all(c.status == "differs" for c in base.values())

    ratios = {r.name: r for r in rec.ratio_checks}
    # 医护比 target 1:1.09; table 2025: 1,531 ÷ 1,569 = 0.9758 → 1:0.98, fails (1,569 × 1.09 = 1,710.21 → 1,711 nurses)
    assert ratios["医护比"].status == "fail" and ratios["医护比"].value == pytest.approx(1531 / 1569)
    assert "1,711" in ratios["医护比"].explanation and "2.91 ÷ 2.66" in ratios["医护比"].explanation
    assert ratios["医护比（基期）"].status == "pass"  # 524 ÷ 982 = 0.5336 = 1:0.53 as printed
    # 床人比 1:1.60: 2,791 × 1.6 = 4,465.6 → 4,466 workers; doctors + nurses 3,100; 1,366 others not in the tables
    assert ratios["床人比"].status == "needs_data" and "1,366" in ratios["床人比"].explanation

    assert len(rec.issues) == 4 + 4 + 4 + 1  # sums, target checks, baseline checks, 医护比
    notes = "\n".join(rec.notes)
    assert "南宫市人民医院实有610张、编制490张，超出120张" in notes  # 实有 above 编制
    assert "南宫市明化镇中心卫生院" in notes and "1:3.33" in notes  # 15 doctors, 50 nurses


def test_reallocate_what_if(nangong):
    beds_table, staff_table = nangong.facility_tables
    what = reallocate(beds_table, {"南宫市中医院": 338}, plan=nangong)
    assert what.changes[0].before == 200 and what.changes[0].delta == 138
    # totals recomputed from the rows: 2,802 + 138 = 2,940 (the printed 741 subtotal is corrected to 752)
    assert what.totals_before["2025年床位数"] == 2791 and what.totals_after["2025年床位数"] == 2940
    assert any("741改为752" in r for r in what.recomputed)
    checks = {c.resource: c for c in what.reconciliation.target_checks}
    assert checks["公立中医类医院床位"].status == "meets"
    assert not [m for m in what.reconciliation.mismatches if m.table == beds_table.title]
    # the staff table has two 2025 columns: the column must be named
    with pytest.raises(AllocationError, match="请指明"):
        reallocate(staff_table, {"南宫市明化镇中心卫生院": 45})
    fixed = reallocate(staff_table, {"南宫市明化镇中心卫生院": {"执业（助理）医师": 45}}, plan=nangong)
    # 15 → 45 doctors makes the rows add up to the printed 345 and 1,569
    assert fixed.totals_after["2025年执业（助理）医师"] == 1569
    assert not [m for m in fixed.reconciliation.mismatches if m.table == staff_table.title]
    with pytest.raises(AllocationError, match="南宫市中医院"):
        reallocate(beds_table, {"南宫市中医医院": 300})


def test_facilities_cli(nangong):
    result = run("facilities", NANGONG, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["mismatches"]) == 4 and len(data["issues"]) == 13
    result = run("facilities", NANGONG, "--change", "南宫市中医院=338", "--change",
                 "南宫市明化镇中心卫生院:执业（助理）医师=45")
    assert result.exit_code == 0, result.output
    assert "200 → 338" in result.stdout and "15 → 45" in result.stdout
    assert "问题" in result.stdout
    result = run("facilities", TIANHE)
    assert result.exit_code == 2 and "没有机构床位" in result.stderr


# --- norms -------------------------------------------------------------------------------------------
def test_norms_for_nangong(nangong):
    pop = 396700
    results = {r.rule: r for r in check_norms(pop, {"hospitals": hospitals_from_plan(nangong)})}
    # infectious beds: 50 per 300–500 thousand → 50 for 396,700 (strict reading 50 × 396.7/300 = 66.1 → 67)
    assert results["infectious_beds"].required == {"infectious_beds": 50, "infectious_beds_strict": 67}
    assert results["infectious_beds"].status == "needs_data"
    # psychiatry 4 and 8.68 per 100,000: 15.87 → 16, 34.43 → 35; rehabilitation 8 and 12: 31.74 → 32, 47.60 → 48
    assert results["psychiatry"].required == {"psychiatrists": 16, "psychiatric_nurses": 35}
    assert results["rehabilitation"].required == {"rehab_doctors": 32, "rehab_therapists": 48}
    # CDC 1.75 per 10,000: 69.42 → 70; village doctors 1 per 1,000: 396.7 → 397; inspectors 1–1.5 per 10,000: 40–59
    assert results["cdc_staff"].required == {"cdc_staff": 70}
    assert results["village_doctors"].required == {"village_doctors": 397}
    assert results["health_inspectors"].required == {"health_inspectors": 40, "health_inspectors_max": 59}
    # the new-beds rule: 南宫市人民医院 goes from 610 to 850 beds (+240); occupancy and stay unknown
    assert [h["name"] for h in hospitals_from_plan(nangong)] == ["南宫市人民医院"]
    assert results["new_beds_occupancy"].status == "needs_data" and "240" in results["new_beds_occupancy"].explanation

    given = {"infectious_beds": 40, "psychiatrists": 16, "psychiatric_nurses": 30, "cdc_staff": 70,
             "health_inspectors": 70,
             "hospitals": [{"name": "甲医院", "occupancy": 0.70, "alos": 9.5, "new_beds": 100},
                           {"name": "乙医院", "occupancy": 0.80, "alos": 9.5, "new_beds": 50}]}
    results = {r.rule: r for r in check_norms(pop, given)}
    assert results["infectious_beds"].status == "fail" and "缺10张" in results["infectious_beds"].explanation
    assert results["psychiatry"].status == "fail" and "缺5人" in results["psychiatry"].explanation  # 35 − 30
    assert results["cdc_staff"].status == "pass"
    assert results["health_inspectors"].status == "pass" and "上限" in results["health_inspectors"].explanation
    # occupancy 70 % < 75 % and stay 9.5 > 9 days: no new beds for 甲; 乙 (80 %) may add beds
    assert results["new_beds_occupancy"].status == "fail"
    assert "甲医院" in results["new_beds_occupancy"].explanation and "乙医院" in results["new_beds_occupancy"].explanation


def test_norms_switchable_per_region(tmp_path):
    config = tmp_path / "norms.yaml"
    config.write_text("rules:\n  psychiatry: {enabled: false}\n  village_doctors: {basis: rural}\n"
                      "  infectious_beds: {beds: 60}\n", encoding="utf-8")
    results = {r.rule: r for r in check_norms(396700, {"rural_population": 213300}, config)}
    assert "psychiatry" not in results
    assert results["village_doctors"].required == {"village_doctors": 214}  # 1 × 213,300 ÷ 1000 = 213.3 → 214
    assert results["infectious_beds"].required["infectious_beds"] == 60
    assert load_norms({"cdc_staff": False})["cdc_staff"]["enabled"] is False
    with pytest.raises(NormConfigError, match="没有名为"):
        load_norms({"rules": {"no_such_rule": {}}})
    with pytest.raises(NormConfigError, match="没有参数"):
        load_norms({"rules": {"cdc_staff": {"per_1k": 2}}})
    result = run("norms", NANGONG, "--input", "cdc_staff=60", "--format", "json")
    assert result.exit_code == 0, result.output
    cdc = next(r for r in json.loads(result.stdout) if r["rule"] == "cdc_staff")
    assert cdc["status"] == "fail" and cdc["required"] == {"cdc_staff": 70}


# --- WISN --------------------------------------------------------------------------------------------
def test_wisn_worked_example():
    """Nurses of a township health centre, computed by hand.

    Available working time: 260 days − (11 holidays + 10 leave + 5 sick + 4 training) = 230 days × 8 h = 1,840 h.
    Outpatient visits, 10 min each: standard workload 1,840 × 60 ÷ 10 = 11,040 a year; 22,080 visits → 2.0 nurses.
    Inpatient days, 2 an hour (30 min): 1,840 × 2 = 3,680; 7,360 days → 2.0. Immunisations, 15 min: 7,360; 3,680 → 0.5.
    A = 4.5. Category allowance: meetings 5 % + records 184 h (184 ÷ 1,840 = 10 %) = 15 % → CAF = 1 ÷ 0.85 = 1.17647.
    Individual allowance: the head nurse's 368 h of supervision ÷ 1,840 = 0.2.
    Required = 4.5 × 1.17647 + 0.2 = 5.29412 + 0.2 = 5.49412 → 6 persons; 4 nurses: WISN ratio 4 ÷ 5.49412 = 0.7281.
    """
    time = WorkingTime(days=260, public_holidays=11, annual_leave=10, sick_leave=5, training=4, hours_per_day=8)
    result = wisn("注册护士", time, [Activity(name="门诊", workload=22080, minutes=10),
                                   Activity(name="住院床日", workload=7360, per_hour=2),
                                   Activity(name="预防接种", workload=3680, minutes=15)], current=4,
                  category_allowances=[Allowance(name="会议", percent=5), Allowance(name="记录", hours=184)],
                  individual_allowances=[Allowance(name="护士长管理", hours=368, staff=1)])
    assert result.available_hours == 1840
    assert [a.standard_workload for a in result.activities] == [11040, 3680, 7360]
    assert result.service_staff == pytest.approx(4.5)
    assert result.cas_percent == pytest.approx(15) and result.caf == pytest.approx(1 / 0.85)
    assert result.iaf == pytest.approx(0.2)
    assert result.required == pytest.approx(4.5 / 0.85 + 0.2) and result.required_whole == 6
    assert result.ratio == pytest.approx(4 / 5.494118, abs=1e-6) and result.difference == pytest.approx(-1.494118)
    assert "WISN比值" in result.explanation and "人员不足" in result.explanation
    with pytest.raises(WisnError):
        wisn("x", time, [Activity(name="无标准", workload=10)], current=1)
    with pytest.raises(WisnError):
        wisn("x", time, [], current=1, category_allowances=[Allowance(name="全部", percent=100)])


# --- equity --------------------------------------------------------------------------------------------
UNITS = [Unit(name="甲镇", population=100, resource=30, area=100, group="东片"),
         Unit(name="乙镇", population=200, resource=20, area=100, group="东片"),
         Unit(name="丙镇", population=700, resource=50, area=300, group="西片")]


def test_gini_by_population_and_resource_share():
    """Population shares 0.1, 0.2, 0.7; bed shares 0.3, 0.2, 0.5; beds per person 0.30, 0.10, 0.071.

    Sorted by beds per person (丙, 乙, 甲): cumulative population 0.7, 0.9, 1.0; cumulative beds 0.5, 0.7, 1.0.
    Σ (Xᵢ − Xᵢ₋₁)(Yᵢ + Yᵢ₋₁) = 0.7 × 0.5 + 0.2 × 1.2 + 0.1 × 1.7 = 0.35 + 0.24 + 0.17 = 0.76 → G = 0.24.
    """
    g = gini(UNITS)
    assert g.gini == pytest.approx(0.24)
    assert [p.name for p in g.lorenz[1:]] == ["丙镇", "乙镇", "甲镇"]
    assert [round(p.resource_share, 6) for p in g.lorenz] == [0, 0.5, 0.7, 1.0]
    assert g.reading == "比较公平"
    assert gini([Unit(name="a", population=1, resource=2), Unit(name="b", population=3, resource=6)]).gini == \
        pytest.approx(0)


def test_theil_with_decomposition():
    """T = 0.1 ln(0.1/0.3) + 0.2 ln(0.2/0.2) + 0.7 ln(0.7/0.5) = −0.109861 + 0 + 0.235531 = 0.125670.

    Groups 东片 (甲, 乙: P 0.3, R 0.5) and 西片 (丙: P 0.7, R 0.5):
    between = 0.3 ln(0.3/0.5) + 0.7 ln(0.7/0.5) = −0.153248 + 0.235531 = 0.082283;
    within 东片: shares inside (1/3, 2/3) and (0.6, 0.4): (1/3) ln((1/3)/0.6) + (2/3) ln((2/3)/0.4)
    = −0.195929 + 0.340550 = 0.144622, × 0.3 = 0.043387; 西片 has one unit, 0. Sum 0.125670.
    """
    t = theil(UNITS)
    assert t.theil == pytest.approx(0.125670, abs=1e-6)
    assert t.between == pytest.approx(0.082283, abs=1e-6) and t.within == pytest.approx(0.043387, abs=1e-6)
    assert t.between + t.within == pytest.approx(t.theil)
    assert t.between_share == pytest.approx(0.6548, abs=1e-4)
    east = next(g for g in t.groups if g.group == "东片")
    assert east.theil_within == pytest.approx(0.144622, abs=1e-6)
    with pytest.raises(EquityError):
        theil([Unit(name="a", population=1, resource=0), Unit(name="b", population=1, resource=1)])


def test_agglomeration_degree():
    """Areas 100, 100, 300 (shares 0.2, 0.2, 0.6). 甲: HRAD 0.3/0.2 = 1.5, PAD 0.1/0.2 = 0.5, HRAD/PAD 3;
    乙: 1, 1, 1; 丙: HRAD 0.5/0.6 = 0.8333, PAD 0.7/0.6 = 1.1667, HRAD/PAD 0.7143."""
    rows = {a.name: a for a in agglomeration(UNITS)}
    assert (rows["甲镇"].hrad, rows["甲镇"].pad, rows["甲镇"].hrad_pad) == pytest.approx((1.5, 0.5, 3.0))
    assert (rows["丙镇"].hrad, rows["丙镇"].pad, rows["丙镇"].hrad_pad) == pytest.approx((0.833333, 1.166667, 0.714286))
    assert "资源相对人口不足" in explain_agglomeration(list(rows.values()))
    with pytest.raises(EquityError, match="面积"):
        agglomeration([Unit(name="a", population=1, resource=1)])


# --- scenarios -------------------------------------------------------------------------------------------
def test_scenarios_save_compare_export(tianhe, tmp_path):
    plan_a = Scenario(name="规划口径", description="规划给出的人口")
    low = Scenario(name="低增长", population={2025: 2300000}, targets={"床位": 6.5}, hill_burton={"alos": 8},
                   schedule="front")
    path = save_scenario(low, tmp_path / "low.json")
    assert json.loads(path.read_text(encoding="utf-8"))["population"] == {"2025": 2300000.0}
    again = load_scenario(path)
    assert again == low
    results = [run_scenario(tianhe, plan_a), run_scenario(tianhe, again)]
    rows = compare(results)
    pop = next(r for r in rows if r["item"] == "常住人口")
    assert pop["规划口径"] == 2454694 and pop["低增长"] == 2300000
    required = next(r for r in rows if r["item"] == "床位" and r["measure"] == "需要")
    # 6.30 × 2,454,694 ÷ 1000 → 15,465; 6.5 × 2,300,000 ÷ 1000 = 14,950
    assert required["规划口径"] == 15465 and required["低增长"] == 14950
    hb = next(r for r in rows if r["item"].startswith("床位（Hill-Burton"))
    # 2,300,000 × 0.17 × 8 ÷ 310.25 = 3,128,000 ÷ 310.25 = 10,082.19 → 10,083
    assert hb["低增长"] == 10083 and hb["规划口径"] == 12106
    out = to_xlsx(results, tmp_path / "情景.xlsx")
    wb = load_workbook(out)
    assert wb.sheetnames[:2] == ["情景对比", "情景设定"] and "低增长" in wb.sheetnames
    header = [c.value for c in wb["情景对比"][1]]
    assert header == ["项目", "口径", "规划口径", "低增长"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left
    with pytest.raises(ScenarioError, match="重复"):
        compare([results[0], results[0]])
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x", "populaton": {}}', encoding="utf-8")
    with pytest.raises(ScenarioError, match="populaton"):
        load_scenario(bad)


def test_scenario_cli(tmp_path):
    a, b, xlsx = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "out.xlsx"
    assert run("scenario", "save", "规划口径", "-o", a).exit_code == 0
    result = run("scenario", "save", "高目标", "-o", b, "--target", "床位=7", "--population", "2025=2,500,000",
                 "--occupancy", "0.9")
    assert result.exit_code == 0, result.output
    assert load_scenario(b).hill_burton.occupancy == 0.9
    result = run("scenario", "compare", TIANHE, "-s", a, "-s", b, "--xlsx", xlsx, "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    beds = next(r for r in rows if r["item"] == "床位" and r["measure"] == "需要")
    assert beds == {"item": "床位", "measure": "需要", "规划口径": 15465, "高目标": 17500}  # 7 × 2,500,000 ÷ 1000
    assert xlsx.exists()


def test_region_name_from_the_store(tmp_path):
    from healthplan.ingest import ingest_file
    from healthplan.store import Store
    from healthplan.store.plans import load_plan

    db = tmp_path / "hp.db"
    store = Store(str(db))
    with store.session() as s:
        load_plan(s, ingest_file(TIANHE), TIANHE.read_bytes())
    store.close()
    result = run("天河区", "--db", db, "--format", "json")
    assert result.exit_code == 0, result.output
    beds = next(r for r in json.loads(result.stdout) if r["resource"] == "床位")
    assert (beds["required"], beds["current"]) == (15465, 13518)
    result = run("不存在的区", "--db", db)
    assert result.exit_code == 2 and "库中也没有" in result.stderr
