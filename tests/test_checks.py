"""The plan audit (healthplan.checks) on the five seeds, the three unseen plans and altered copies.

Every expected finding below was verified by reading the document (``sed -n Np``); the arithmetic
in the comments is the one the finding must show. Known-correct facts are asserted NOT flagged.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from conftest import SEEDS
from healthplan.checks import Finding, audit_plan
from healthplan.checks.cli import register
from healthplan.checks.numbers import half_unit, unit_scale
from healthplan.checks.render import to_html, to_json, to_text
from healthplan.ingest import extract_plan, read_document

UNSEEN = sorted((Path(__file__).parent / "unseen").glob("*.txt"))
SEED = {p.stem[:3]: p for p in SEEDS}


def run(path: Path):
    doc = read_document(path)
    plan = extract_plan(doc)
    return plan, doc, audit_plan(plan, doc)


@pytest.fixture(scope="module")
def audits():
    return {p.stem[:3]: run(p) for p in SEEDS} | {p.stem: run(p) for p in UNSEEN}


def keys(findings: list[Finding]) -> list[tuple]:
    return sorted((f.check, f.severity, tuple(f.lines)) for f in findings)


def one(findings: list[Finding], check: str, lines: list[int]) -> Finding:
    found = [f for f in findings if f.check == check and f.lines == lines]
    assert len(found) == 1, f"{check} {lines}: {[(f.check, f.lines) for f in findings]}"
    return found[0]


def flagged_lines(findings, check=None) -> set[int]:
    return {ln for f in findings if check is None or f.check == check for ln in f.lines}


# --- 清城 (000) ---------------------------------------------------------------------------------

QINGCHENG = [
    # 表1 千人口献血率(%) 2.71: a rate per 1000 people printed in % (阳江 prints ‰).
    ("units", "error", (207,)),
    # 婴儿死亡率 1.59‰ → ＜3, 5岁以下 2.21‰ → ＜4: targets already met at the 2020 baseline (预期性).
    ("targets", "info", (179,)),
    ("targets", "info", (185,)),
    # reference (national 十四五, informational): beds 5.5 < 7.4-7.5, doctors 2.75 < 3.20, 中医 0.5 < 0.62,
    # 药师 0.5 < 0.54; 个人卫生支出 baseline 61.21% = 2.21 × the national 27.7%.
    ("reference", "info", (223,)),
    ("reference", "info", (238,)),
    ("reference", "info", (245,)),
    ("reference", "info", (257,)),
    ("reference", "info", (287,)),
]


def test_qingcheng(audits):
    plan, doc, findings = audits["000"]
    assert keys(findings) == sorted(QINGCHENG)
    f = one(findings, "units", [207])
    assert "千人口献血率" in f.message and "%" in f.message and "‰" in f.message
    assert one(findings, "reference", [287]).quantities["倍数"] == pytest.approx(61.21 / 27.7, abs=1e-4)


def test_qingcheng_correct_facts_not_flagged(audits):
    _, _, findings = audits["000"]
    # no population is stated; the per-1000 values and counts imply one population within rounding:
    # 2626/2.3 (line 27), 1836/1.6, 1958/1.8, 4388/3.9, 320/2.9 per 万 (line 31), 280/0.3, 555/0.5 → ≈1.118 M.
    assert not [f for f in findings if f.check in ("per_capita", "prose_vs_table")]
    # 606家 = 公立187 + 民营419 (line 18); 区级280/2626 = 10.7% ≈ 11%, 555/2626 = 21.1% ≈ 21%,
    # 1791/2626 = 68.2% ≈ 68% (line 27); 4388/5016 = 87.5% ≈ 87% (line 31); 42/389 ≈ 11%, 133/389 ≈ 34%,
    # 170/389 ≈ 44% (line 36); project 2 content 17,300 + 2,700 = 20,000万元 = 总投资.
    assert not flagged_lines(findings) & {18, 22, 27, 31, 34, 36, 551}
    # 人均寿命 77.8 → 79 and 孕产妇死亡率 8.83 → ＜8 are more ambitious than the baseline
    assert not flagged_lines(findings, "targets") & {167, 173}


# --- 阳江 (001) ---------------------------------------------------------------------------------

YANGJIANG = [
    # 重大慢性病过早死亡率: ‰ in the 十四五 table (line 179, <10) but % in the 十三五 table (line 63, 12.07%).
    ("units", "error", (63, 179)),
    # 个人卫生支出占比 (约束性) 18.61% (十三五 table, line 130) → 25左右: 6.39 points looser.
    ("targets", "warning", (130, 259)),
    # 孕产妇 3.73 → <8, 婴儿 2.16 → <3, 5岁以下 3.47 → <4 (baselines inferred from lines 25/30/35);
    # 全科医生 4.68 (line 125) → 4.
    ("targets", "info", (25, 164)),
    ("targets", "info", (30, 169)),
    ("targets", "info", (35, 174)),
    ("targets", "info", (125, 229)),
    # line 352: 到2025年每千人口执业（助理）医师数2.8人; table 2.75. 2.75 rounds to 2.8, so this is
    # rounding, but as targets they differ (an actual 2.77 meets one and misses the other): 提示 only.
    ("prose_vs_table", "info", (209, 352)),
    ("reference", "info", (209,)),  # 2.75 < national 3.20
]


def test_yangjiang(audits):
    _, _, findings = audits["001"]
    assert keys(findings) == sorted(YANGJIANG)
    f = one(findings, "prose_vs_table", [209, 352])
    assert "2.75" in f.message and "2.8" in f.message and "四舍五入" in f.message
    assert f.quantities == {"表中目标值": 2.75, "正文": 2.8}
    assert "10倍" in one(findings, "units", [63, 179]).message


def test_yangjiang_correct_facts_not_flagged(audits):
    _, _, findings = audits["001"]
    # line 7: 2.30 and 2.90 per 1000 = the 十三五 table's 2020 actuals; line 6: 全科医生 4.68 = table;
    # line 352: 全科医生 4名以上 = target 4; line 343: 托位 5.5 = target; line 5: 77.8, 3.73, 2.16, 3.47.
    assert not flagged_lines(findings, "prose_vs_table") & {5, 6, 7, 343}
    assert not [f for f in findings if f.check == "prose_vs_table" and 229 in f.lines]


# --- 天河 (002) ---------------------------------------------------------------------------------

TIANHE = [
    # line 2: 床位数13563, 医师10407; note line 163: 2020 常住人口 2,241,826.
    # 13563 ÷ 2241826 × 1000 = 6.05 (table 6.03); 10407 ÷ 2241826 × 1000 = 4.64 (table 4.62).
    ("per_capita", "warning", (2, 118, 163)),
    ("per_capita", "warning", (2, 125, 163)),
    # 免疫规划疫苗接种率 (约束性) 99 → ＞96.
    ("targets", "warning", (90,)),
    # 婴儿 1.49 → ≤3; 5岁以下 2.18 → ≤4.8; 健康素养 35.23 → ≥35; 65岁以上老年人健康管理率 ≥70 → ≥65.
    ("targets", "info", (61,)),
    ("targets", "info", (68,)),
    ("targets", "info", (83,)),
    ("targets", "info", (97,)),
    # reference: 人均期望寿命 ＞83 vs 82.7 + 1 = 83.7; beds 6.30 < 7.4.
    ("reference", "info", (47,)),
    ("reference", "info", (118,)),
]


def test_tianhe(audits):
    _, _, findings = audits["002"]
    assert keys(findings) == sorted(TIANHE)
    beds = one(findings, "per_capita", [2, 118, 163])
    assert "13,563 ÷ 2,241,826" in beds.message and "6.05" in beds.message and "常住人口" in beds.message
    assert beds.quantities["按常住人口计算"] == pytest.approx(6.05, abs=1e-4)
    doctors = one(findings, "per_capita", [2, 125, 163])
    assert doctors.quantities["按常住人口计算"] == pytest.approx(10407 / 2241826 * 1000, abs=1e-4)
    elderly = one(findings, "targets", [97])
    assert "≥70" in elderly.message and "≥65" in elderly.message and elderly.quantities["相差"] == 5


def test_tianhe_correct_facts_not_flagged(audits):
    _, _, findings = audits["002"]
    # nurses 5.96, GP 1.92 … have no count in the text: nothing to recompute; 2025 targets are not checked
    # against the 2020 population; line 34 "2025年人均预期寿命达到83岁以上" agrees with ＞83;
    # 中医非药物疗法 100 → 100 keeps the ceiling.
    assert not flagged_lines(findings) & {34, 111, 132, 139, 146, 153}


# --- 南宫 (003) ---------------------------------------------------------------------------------

NANGONG = [
    # line 7: 户籍 508,000, 常住 396,700. line 10: 1826 beds, "每千常驻人口床位4.55张"; table line 86: 3.71.
    # 1826/396700 × 1000 = 4.60, 1826/508000 × 1000 = 3.59: neither 4.55 nor 3.71 (3.71 ⇒ 492,183 people).
    ("prose_vs_table", "error", (7, 10, 86)),
    # line 11: 医师982, 每千常住人口2.48 (= 982/396700 × 1000); table line 93: 2.02.
    ("prose_vs_table", "error", (7, 11, 93)),
    # line 11: 护士524, 1.32 (= 524/396700 × 1000); table line 100: 1.08.
    ("prose_vs_table", "error", (7, 11, 100)),
    # 床人比 1:0.97 (line 128): 卫生人员2812 ÷ 床位1826 = 1.54 (卫技1861 ÷ 1826 = 1.02).
    ("per_capita", "error", (10, 11, 128)),
    # 全科医生 2025: table 3.93 (line 114), line 408 3.93, 专栏8 line 747 "每万人口达到3名".
    ("prose_vs_table", "error", (114, 408, 747)),
    # beds table 2025: 乡镇/社区 小计 printed 741 (line 385), the 17 rows (266–378) add to 752;
    # 合计 2791 (line 397) = 1550 + 741 + 500, by rows 2802.
    ("sums", "error", tuple(range(266, 379, 7)) + (385, 397)),
    # staff table 2025 医师: 小计 printed 345 (line 601), rows (482–594) add to 315; 合计 1569 (line 619) → 1539.
    ("sums", "error", tuple(range(482, 595, 7)) + (601, 619)),
    # 每千人口专业公共卫生机构人员数 0.04 → 0.83 = 20.75 ×.
    ("targets", "warning", (49,)),
    # 医护比 target 1:1.09 (line 121) but the staff table plans 1531 nurses ÷ 1569 doctors = 0.98.
    ("per_capita", "warning", (121, 619)),
    # reference: beds 5.90 < 7.4, doctors 2.66 < 3.20, nurses 2.91 < 3.80.
    ("reference", "info", (86,)),
    ("reference", "info", (93,)),
    ("reference", "info", (100,)),
]


def test_nangong(audits):
    _, _, findings = audits["003"]
    assert keys(findings) == sorted(NANGONG)
    beds = one(findings, "prose_vs_table", [7, 10, 86])
    assert "1,826 ÷ 396,700" in beds.message and "4.60" in beds.message and "3.59" in beds.message
    assert "492,183" in beds.message
    assert beds.quantities["表中基期值"] == 3.71 and beds.quantities["正文"] == 4.55
    doctors = one(findings, "prose_vs_table", [7, 11, 93])
    assert "与正文2.48一致" in doctors.message and "应改正表中基期值（第93行）" in doctors.message
    gp = one(findings, "prose_vs_table", [114, 408, 747])
    assert "第747行的3" in gp.message
    sub = [f for f in findings if f.check == "sums" and 385 in f.lines][0]
    assert "741" in sub.message and "= 752" in sub.message and "2,802" in sub.message
    assert sub.quantities == {"印出小计": 741, "机构相加": 752, "印出合计": 2791, "逐行相加合计": 2802}
    staff = [f for f in findings if f.check == "sums" and 601 in f.lines][0]
    assert staff.quantities["印出小计"] == 345 and staff.quantities["机构相加"] == 315
    ratio = one(findings, "per_capita", [10, 11, 128])
    assert "2,812" in ratio.message and "1.54" in ratio.message and "1:1.02" in ratio.message


def test_nangong_correct_facts_not_flagged(audits):
    _, _, findings = audits["003"]
    # 医护比 2020 1:0.53 = 524/982; 床位 1826 = 936 + 507 + 383 (line 10); all 2020 subtotals and totals
    # of both facility tables; 2025 nurses (381); 5.90 = 4.54 + 1.36 and 4.54 = 3.11 + 1.43 (line 208);
    # 2025 targets 5.90, 2.66, 2.91, 0.54, 0.83, 4.5 repeated in lines 208, 407, 409, 710.
    ratio = [f for f in findings if 121 in f.lines]
    assert len(ratio) == 1 and "2025年" in ratio[0].message
    assert not flagged_lines(findings) & {208, 407, 409, 710, 462, 257}
    assert not [f for f in findings if f.check == "shares"]


# --- 龙湖 (004) ---------------------------------------------------------------------------------

LONGHU = [
    # line 4: "5岁以下儿童死亡率0.54%，婴儿死亡率0.54%"; table lines 112/120: 0.54‰.
    ("units", "error", (4, 112)),
    ("units", "error", (4, 120)),
    # line 7: 公立5个 31.25%, 民营12个 68.75%: 5/17 = 29.41%, 12/17 = 70.59% (31.25% = 5/16).
    ("shares", "error", (7,)),
    # no population stated: 1925/2.37 ≈ 812,236, 1307/1.58 ≈ 827,215, 1303/2.15 ≈ 606,047 people.
    ("per_capita", "error", (10, 11, 193, 201, 209)),
    # line 10: 医院1774 + 基层1151 = 2925 > 1925; 1925 − 1774 = 151 is the 7.84%.
    ("shares", "error", (10,)),
    # line 17: 公立20546 + 民营10397 = 30943 (全区 admissions, line 16), not 医院 29419:
    # 20546/29419 = 69.84% (printed 66.40%), 10397/29419 = 35.34% (printed 33.60%).
    ("shares", "error", (16, 17)),
    # line 15: 466533 ÷ 3011083 (总诊疗, line 12) = 15.49%, printed 15.86%.
    ("shares", "warning", (12, 15)),
    # 约束性 targets looser than the baseline: 免疫 ＞94 → ＞90, 孕产妇系统管理 98.98 → ＞85,
    # 7岁以下 95.63 → ＞90, 眼保健 91.38 → ＞90.
    ("targets", "warning", (152,)),
    ("targets", "warning", (241,)),
    ("targets", "warning", (249,)),
    ("targets", "warning", (265,)),
    ("targets", "warning", (161,)),  # 艾滋病 2035 展望 <0.2 looser than 2025 target <0.15
    ("targets", "warning", (193,)),  # beds 2.37 → 9.61 = 4.05 ×
    # project 4 汕头国瑞医院 续建 2017—2021: 35亿 total all listed as 十四五 investment.
    ("sums", "warning", (412,)),
    # 预期性 targets met at baseline: 孕产妇 0 → <12, 婴儿 0.54 → <4, 5岁以下 0.54 → <5,
    # 艾滋病 0.0576 → <0.15, 心脑血管疾病死亡率 206.82 → ≤209.7.
    ("targets", "info", (104,)),
    ("targets", "info", (112,)),
    ("targets", "info", (120,)),
    ("targets", "info", (161,)),
    ("targets", "info", (177,)),
]


def test_longhu(audits):
    _, _, findings = audits["004"]
    assert keys(findings) == sorted(LONGHU)
    beds = one(findings, "shares", [10])
    assert "1,774 + 1,151 = 2,925" in beds.message and "应为151" in beds.message
    assert beds.quantities["基层医疗卫生机构计算占比"] == pytest.approx(59.79)
    hospitals = one(findings, "shares", [7])
    assert "5 ÷ 17 = 29.41%" in hospitals.message and "= 16" in hospitals.message
    adm = one(findings, "shares", [16, 17])
    assert "69.84%" in adm.message and "35.34%" in adm.message and "30,943" in adm.message
    pop = one(findings, "per_capita", [10, 11, 193, 201, 209])
    assert pop.quantities == {"每千人口医疗卫生机构床位数隐含人口": 812236, "每千人口执业（助理）医师数隐含人口": 827215,
                              "每千人口注册护士数隐含人口": 606047}
    cvd = one(findings, "targets", [177])
    assert "206.82" in cvd.message and "≤209.7" in cvd.message and cvd.quantities["相差"] == pytest.approx(2.88)
    jump = one(findings, "targets", [193])
    assert "4.05倍" in jump.message


def test_longhu_correct_facts_not_flagged(audits):
    _, _, findings = audits["004"]
    # line 11: 3097 + 59 + 102 + 311 + 33 = 3602; line 13: 968279 + 2042804 = 3011083 with 32.16%/67.84%;
    # line 14: 718184/968279 = 74.17%, 250095/968279 = 25.83%; line 16: 29419/30943 = 95.07%, 1524 → 4.93%.
    assert not flagged_lines(findings, "shares") & {11, 13, 14}
    assert not [f for f in findings if f.check == "shares" and 16 in f.lines and 17 not in f.lines]
    # project 1 新建 2022-2023 with 1.00 of 1.00 in the period, project 5 续建 2020—2023 (3 of 4 years inside)
    assert not flagged_lines(findings, "sums") & {388, 420}


# --- unseen plans: consistent on purpose --------------------------------------------------------

UNSEEN_EXPECTED = {
    # Only targets met at the 2025 baseline (预期性, 提示): 孕产妇 0 → ＜9, 婴儿 2.05 → ＜3, 5岁以下 2.84 → ＜4.
    # Checked and consistent: 640/112,600 = 5.68, 396 → 3.52, 410 → 3.64, 57 → 5.1/万 (line 10);
    # 医护比 410/396 = 1.04; 2030: 713/115,000 = 6.2, 449 → 3.9, 495 → 4.3, 495/449 = 1:1.1 (line 105);
    # 186 = 3 + 21 + 142 + 20; 4.62/17.02 = 27.1%; projects 6, 11.21亿 and 11.04亿 (line 245) = the table.
    "a_county_15th": [("targets", "info", (123,)), ("targets", "info", (130,)), ("targets", "info", (137,))],
    # Only targets met at baseline (提示): 孕产妇 6.95 → ≤8, 婴儿 1.82 → ≤3, 5岁以下 2.46 → ≤4,
    # 严重精神障碍规范管理率 92.36 → ≥90. Consistent: 9795/1,206,238 = 8.12, 5862 → 4.86, 7732 → 6.41;
    # prose 81.95, 6.95, 1.82, 82.5 (2025) and 84 (2035) agree with the table.
    "b_district_units": [("targets", "info", (59,)), ("targets", "info", (68,)), ("targets", "info", (76,)),
                         ("targets", "info", (134,))],
    # Only the informational national reference: beds 5.50 < 7.4-7.5. Consistent: 8553/1,859,400 = 4.60,
    # 5764 → 3.10, 6136 → 3.30, 1:1.06; 2025: 11000/2,000,000 = 5.50, 7200 → 3.60, 8000 → 4.00, 1:1.11;
    # facility subtotals and totals; projects 4, 39.95亿 and 32.65亿 (line 247).
    "c_city_facilities": [("reference", "info", (29,))],
}


@pytest.mark.parametrize("name", sorted(UNSEEN_EXPECTED))
def test_unseen_plans_have_no_errors(audits, name):
    _, _, findings = audits[name]
    assert keys(findings) == sorted(UNSEEN_EXPECTED[name])
    assert all(f.severity == "info" for f in findings)


def test_the_fuzzy_public_beds_row_is_not_the_total(audits):
    """义乌's 每千人口公立医疗机构床位数 matches the beds entry only fuzzily: 1.75 is never compared
    with the 8553 beds of all institutions."""
    _, _, findings = audits["c_city_facilities"]
    assert not flagged_lines(findings) & {35}


# --- altered copies of the unseen plans: the audit finds what was broken ------------------------

def altered(tmp_path: Path, name: str, *changes: tuple[str, str]) -> list[Finding]:
    text = (Path(__file__).parent / "unseen" / f"{name}.txt").read_text(encoding="utf-8")
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    return [f for f in run(path)[2] if f.severity != "info"]


def test_altered_count_is_recomputed(tmp_path):
    found = altered(tmp_path, "b_district_units", ("实有床位9795张", "实有床位9995张"))
    assert keys(found) == [("per_capita", "error", (5, 143, 197))]
    assert "9,995 ÷ 1,206,238" in found[0].message


def test_altered_prose_target(tmp_path):
    found = altered(tmp_path, "b_district_units", ("人均预期寿命达到82.5岁", "人均预期寿命达到82.8岁"))
    assert keys(found) == [("prose_vs_table", "error", (16, 43))]


def test_altered_unit(tmp_path):
    found = altered(tmp_path, "a_county_15th", ("婴儿死亡率2.05‰", "婴儿死亡率2.05%"))
    assert [f.check for f in found] == ["units"] and 8 in found[0].lines


def test_altered_totals(tmp_path):
    found = altered(tmp_path, "a_county_15th", ("共有医疗卫生机构186家", "共有医疗卫生机构176家"),
                    ("总投资11.21亿元", "总投资12.21亿元"))
    assert sorted(f.check for f in found) == ["shares", "sums"]
    assert "3 + 21 + 142 + 20 = 186" in [f for f in found if f.check == "shares"][0].message
    assert "11.21" in [f for f in found if f.check == "sums"][0].message


def test_altered_facility_row(tmp_path):
    text = (Path(__file__).parent / "unseen" / "c_city_facilities.txt").read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[129].strip() == "40"  # line 130: 稠城街道社区卫生服务中心, 2025 beds
    lines[129] = "\t50"  # 小计 160 (line 134) now disagrees: 120 + 50 = 170
    path = tmp_path / "c.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    found = [f for f in run(path)[2] if f.check == "sums"]
    assert len(found) == 1 and "120 + 50 = 170" in found[0].message and 134 in found[0].lines


def test_binding_qualitative_target(tmp_path):
    found = altered(tmp_path, "b_district_units", ("\t＞95\n\t＞95\n\t＞95\n\t约束性", "\t＞95\n\t有效提高\n\t＞95\n\t约束性"))
    assert keys(found) == [("targets", "warning", (109,))]
    assert "约束性" in found[0].message and "有效提高" in found[0].message


# --- helpers ------------------------------------------------------------------------------------

def test_rounding_tolerance():
    assert half_unit("2.35") == 0.005
    assert half_unit("2.30") == 0.05 and half_unit("4.00") == 0.05  # a trailing zero is often a copied "2.3"
    assert half_unit("2.30", lenient=False) == 0.005
    assert half_unit("1826") == 0.5
    assert unit_scale("‰") == 1000 and unit_scale("1/10万") == 100000 and unit_scale("人") is None


def test_audit_without_document_uses_tables_only(audits):
    plan, _, _ = audits["003"]
    stored = plan.model_copy(update={"file": "/nonexistent/plan.txt"})
    findings = audit_plan(stored)
    assert [f for f in findings if f.check == "sums"] and not [f for f in findings if f.check == "shares"]
    assert not [f for f in findings if f.check == "prose_vs_table"]


# --- output and command line --------------------------------------------------------------------

def test_json_output(audits):
    plan, _, findings = audits["003"]
    data = json.loads(to_json(findings, plan))
    assert set(data) >= {"findings"} and data["region"] == "南宫市"
    assert all(set(f) == {"check", "severity", "lines", "message", "quantities"} for f in data["findings"])
    assert data["findings"][0]["severity"] == "error"
    assert [f["severity"] for f in data["findings"]] == sorted(
        (f["severity"] for f in data["findings"]), key=["error", "warning", "info"].index)


def test_html_output(audits):
    plan, doc, findings = audits["004"]
    page = to_html(findings, plan, doc.lines)
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", page)  # self-contained: no CDN
    assert page.index("错误（6项）") < page.index("警告（8项）") < page.index("提示（5项）")
    assert "5岁以下儿童死亡率0.54%" in page  # the document line is quoted
    assert "表格行：婴儿死亡率｜‰｜0.54｜&lt;4" in page


def test_text_output(audits):
    plan, _, findings = audits["002"]
    text = to_text(findings, plan)
    assert "广州市天河区规划审核结果" in text and "人均指标" in text and "警告" in text


@pytest.fixture()
def app():
    a = typer.Typer()

    @a.callback()
    def main():  # a group, so that "audit" is a subcommand as in healthplan's app
        pass

    register(a)
    return a


def test_cli_json(app):
    result = CliRunner().invoke(app, ["audit", str(SEED["003"]), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["findings"]) == len(NANGONG)


def test_cli_html_and_text_files(app, tmp_path):
    out = tmp_path / "audit.html"
    result = CliRunner().invoke(app, ["audit", str(SEED["004"]), "-f", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "汕头市龙湖区规划审核结果" in out.read_text(encoding="utf-8")
    txt = tmp_path / "audit.txt"
    result = CliRunner().invoke(app, ["audit", str(SEED["000"]), "-o", str(txt)])
    assert result.exit_code == 0 and "计量单位" in txt.read_text(encoding="utf-8")


def test_cli_text_and_strict(app):
    result = CliRunner().invoke(app, ["audit", str(SEED["001"])])
    assert result.exit_code == 0 and "阳江市规划审核结果" in result.stdout
    assert CliRunner().invoke(app, ["audit", str(SEED["001"]), "--strict"]).exit_code == 1
    clean = UNSEEN[0]
    assert CliRunner().invoke(app, ["audit", str(clean), "--strict"]).exit_code == 0


def test_cli_bad_file(app, tmp_path):
    result = CliRunner().invoke(app, ["audit", str(tmp_path / "missing.txt")])
    assert result.exit_code == 2


# --- reading facts from prose: what is read, and what is deliberately not ----------------------

def prose_facts(*paragraphs: str):
    from healthplan.catalog import load_catalog
    from healthplan.checks.facts import extract
    from healthplan.checks.prose import split_sentences

    return extract(split_sentences([(p, i + 1) for i, p in enumerate(paragraphs)]), load_catalog())


def test_rates_in_prose():
    f = prose_facts("2020年，人均预期寿命由2015年的77.2岁上升至77.8岁；孕产妇死亡率、婴儿死亡率和5岁以下儿童死亡率"
                    "分别为3.73/10万、2.16‰和3.47‰。",
                    "居民健康素养水平由2015年的8.5%提高到2020年的22.1%。",
                    "到2025年，儿童青少年总体近视率逐年下降0.5个百分点以上，公立综合医院床位使用率低于75%的不再增加床位。")
    got = [(r.code, r.value, r.unit, r.year) for r in f.rates]
    assert got == [("HS-LE", 77.8, "岁", 2020), ("HS-MMR", 3.73, "/10万", 2020), ("HS-IMR", 2.16, "‰", 2020),
                   ("HS-U5MR", 3.47, "‰", 2020), ("HL-HLIT", 22.1, "%", 2020)]


def test_counts_and_per_capita_in_prose():
    f = prose_facts("截至2020年底，全市医疗机构拥有床位1826张（其中市办医院共计936张，社会办医疗机构床位383张），"
                    "每千常驻人口床位4.55张。执业（含助理）医师982人，每千常住人口2.48人；执业医师800人。",
                    "2020年全省每千人口床位数为6.1张，培训全科医生886人，总诊疗人次389万。")
    pcs = [(p.code, p.value, p.population, p.subset, p.count.value if p.count else None) for p in f.per_capita]
    # 4.55 belongs to the 1826 beds of the whole city, not to the 383 inside the parenthesis;
    # 全省 6.1 is another area's value and is not read.
    assert pcs == [("HR-BED", 4.55, "常住人口", False, 1826), ("HR-DOC", 2.48, "常住人口", False, 982)]
    counts = {(c.value, c.code, c.subset) for c in f.counts}
    assert {(1826, "HR-BED", False), (936, None, True), (383, "HR-BED", True), (982, "HR-DOC", False)} <= counts
    assert (800, None, False) in counts  # 执业医师 without 助理 is another count
    assert (886, None, False) in counts  # trained, not employed
    big = [c for c in f.counts if c.value == 3890000]
    assert big and big[0].half == 5000


def test_shares_need_their_total():
    from healthplan.checks import shares
    from healthplan.checks.context import Context

    f = prose_facts("2020年全区医疗卫生机构入院30943人次。入院人数中，医院29419人次（占95.07%），基层医疗卫生机构"
                    "1524人次（占4.93%）。",
                    "公立医院入院20546人次（占医院总数的66.40%），民营医院10397人次（占医院总数的33.60%）。")
    ctx = Context.__new__(Context)
    ctx.__dict__["facts"] = f
    found = shares.check(ctx)
    assert len(found) == 1 and found[0].lines == [1, 2] and found[0].severity == "error"
    assert "20,546 ÷ 29,419 = 69.84%" in found[0].message


def test_same_findings_from_a_word_file(tmp_path, audits):
    """The audit reads blocks, not text lines: the .docx of a seed gives the same findings
    (line numbers are those of the reader's line view)."""
    from builders import build_docx

    docx = build_docx(SEED["003"], tmp_path / "nangong.docx")
    _, _, findings = run(docx)
    _, _, from_txt = audits["003"]
    assert sorted((f.check, f.severity) for f in findings) == sorted((f.check, f.severity) for f in from_txt)


def test_planned_counts_against_per_1000_targets(tmp_path):
    """c_city line 72: 11000 beds, 7200 doctors, 8000 nurses for 2,000,000 people give the targets
    5.50, 3.60, 4.00. With 2,200,000 people the planned staff and beds fall short of the targets; with
    1,800,000 they exceed them, which still meets a per-1000 target."""
    short = altered(tmp_path, "c_city_facilities", ("常住人口200万人", "常住人口220万人"))
    assert sorted(f.severity for f in short) == ["warning"] * 3
    assert all(f.check == "per_capita" and "达不到该目标" in f.message for f in short)
    assert "11,000 ÷ 2,200,000" in " ".join(f.message for f in short)
    assert altered(tmp_path, "c_city_facilities", ("常住人口200万人", "常住人口180万人")) == []
