"""The indicator catalog: its data, name matching, and the mapping of every seed row."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from healthplan.catalog import load_catalog
from healthplan.cli import app
from healthplan.text import fold_width

CATEGORIES = {"健康水平", "健康生活", "疾病防控", "妇幼健康", "医疗服务", "卫生资源", "中医药", "健康保障", "人口"}
SEED_MAPPING = {  # (seed, line of the row) → code; each pair reviewed against the row's name and unit
    "000": {
        167: "HS-LE", 173: "HS-MMR", 179: "HS-IMR", 185: "HS-U5MR", 191: "HS-PMCD", 201: "HL-HLIT",
        207: "HL-BLOOD", 213: "HL-SMOK", 223: "HR-BED", 230: "MC-TUO", 238: "HR-DOC", 245: "TC-DOC",
        251: "HR-NUR", 257: "HR-PHA", 263: "HR-GP", 269: "HR-PHW", 275: "DC-MYO", 281: "MS-GER",
        287: "HP-OOP",
    },
    "001": {
        159: "HS-LE", 164: "HS-MMR", 169: "HS-IMR", 174: "HS-U5MR", 179: "HS-PMCD", 184: "HL-HLIT",
        189: "HL-SMOK", 194: "HL-BLOOD", 199: "HL-HCITY", 204: "HR-BED", 209: "HR-DOC", 214: "TC-DOC",
        219: "HR-NUR", 224: "HR-PHA", 229: "HR-GP", 234: "HR-PHW", 239: "MC-TUO", 244: "DC-MYO",
        249: "MS-GER", 254: "DC-NOISE", 259: "HP-OOP", 18: "HS-LE", 23: "HS-MMR", 28: "HS-IMR",
        33: "HS-U5MR", 38: "HL-HLIT", 43: "DC-EPI", 48: "DC-HIVN", 53: "DC-TB", 58: "DC-VECT",
        63: "HS-PMCD", 68: "MC-PMS", 73: "MC-CSM3", 78: "MC-PCE", 83: "PO-TOT", 88: "PO-NGR",
        93: "PO-SRB", 98: "MS-ALOS3", 103: "HR-BED", 108: "HR-DOC", 113: "HR-NUR", 118: "HR-PHP",
        123: "HR-GP", 128: "HP-OOP",
    },
    "002": {
        47: "HS-LE", 54: "HS-MMR", 61: "HS-IMR", 68: "HS-U5MR", 75: "HS-PMCD", 83: "HL-HLIT",
        90: "DC-EPI", 97: "DC-ELD", 104: "DC-OCC", 111: "TC-NDT", 118: "HR-BED", 125: "HR-DOC",
        132: "HR-NUR", 139: "HR-GP", 146: "HR-PHW10K", 153: "MC-TUO",
    },
    "003": {
        34: "HS-LE", 41: "HS-HALE", 49: "HR-PHI", 56: "DC-CDCF", 63: "DC-INFD", 70: "DC-FEV",
        77: "HR-ICU", 86: "HR-BED", 93: "HR-DOC", 100: "HR-NUR", 107: "HR-PHA", 114: "HR-GP",
        121: "HR-DN", 128: "HR-BS", 136: "TC-DOC", 143: "TC-BED", 150: "TC-GUAN", 157: "MC-TUO",
        164: "MS-GER",
    },
    "004": {
        96: "HS-LE", 104: "HS-MMR", 112: "HS-IMR", 120: "HS-U5MR", 128: "HL-HLIT", 136: "HL-SALT",
        144: "HL-SMOK", 152: "DC-EPI", 161: "DC-HIVR", 169: "DC-TB", 177: "HS-CVDM", 185: "HS-PMCD",
        193: "HR-BED", 201: "HR-DOC", 209: "HR-NUR", 217: "HR-GP", 225: "HR-PHW", 233: "MC-TUO",
        241: "MC-PMS", 249: "MC-CHM7", 257: "MC-PCE", 265: "MC-EYE", 273: "DC-ELD", 281: "MS-ALOS3",
        289: "MS-AMS", 297: "TC-NDT",
    },
}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_catalog_is_complete_and_consistent(catalog):
    assert len(catalog) >= 80
    codes = [e.code for e in catalog.entries]
    assert len(codes) == len(set(codes))
    names = [fold_width(n) for e in catalog.entries for n in e.names]
    assert len(names) == len(set(names)), "a name or alias belongs to one entry only"
    for e in catalog.entries:
        assert e.category in CATEGORIES and e.direction in ("up", "down", "neutral")
        assert e.name_en and e.definition and e.source
        assert (e.numerator is None) == (e.denominator is None), e.code
        if e.per_capita:
            assert e.factor and e.factor >= 1000 and "人口" in e.denominator, e.code  # 每3万人口救护车: 30000


def test_directions_of_well_known_indicators(catalog):
    direction = {e.name_zh: e.direction for e in catalog.entries}
    for name in ("孕产妇死亡率", "婴儿死亡率", "15岁以上人群吸烟率", "个人卫生支出占卫生总费用的比重", "儿童青少年总体近视率"):
        assert direction[name] == "down", name
    for name in ("人均预期寿命", "居民健康素养水平", "每千人口医疗卫生机构床位数", "每万人口全科医生数"):
        assert direction[name] == "up", name
    assert direction["出生人口性别比"] == "neutral"


def test_formula_of_beds_per_1000(catalog):
    beds = catalog.match("每千常住人口医疗机构床位数", "张").entry
    assert beds.factor == 1000 and beds.per_capita == "床位" and "常住人口" in beds.denominator


@pytest.mark.parametrize("seed", sorted(SEED_MAPPING))
def test_every_seed_row_maps_to_the_catalog(seed, seed_plans, catalog):
    plan = next(p for stem, p in seed_plans.items() if stem.startswith(seed))
    rows = plan.indicators + plan.completion
    assert {r.line for r in rows} == set(SEED_MAPPING[seed])
    for row in rows:
        found = catalog.match(row.name, row.unit)
        assert found.entry is not None and found.entry.code == SEED_MAPPING[seed][row.line], (row.line, row.name)


def test_compound_row_maps_to_two_indicators(seed_plans, catalog):
    row = next(r for r in seed_plans["004_dc5dfa00d9cdf9b7"].indicators if r.unit == "%，%")
    assert [m.entry.code for m in catalog.match_row(row.name, row.unit)] == ["TC-NDT", "TC-NDTV"]


@pytest.mark.parametrize("name,unit,code,method", [
    ("人均期望寿命", "岁", "HS-LE", "alias"),
    ("全市人均期望寿命", "岁", "HS-LE", "normalised"),
    ("每千常住人口拥有注册护士数", "人", "HR-NUR", "alias"),
    ("居民健康素养", "%", "HL-HLIT", "fuzzy"),
    ("孕产妇死亡率（/10万）", None, "HS-MMR", "normalised"),
])
def test_name_variants(catalog, name, unit, code, method):
    found = catalog.match(name, unit)
    assert (found.entry.code, found.method) == (code, method)
    assert 0 < found.score <= 1


@pytest.mark.parametrize("name", ["每千人口拥有口腔医生数", "每千人口执业医师数", "区域医疗中心建设项目数"])
def test_unknown_rows_stay_plan_local_with_a_reason(catalog, name):
    found = catalog.match(name, "人")
    assert found.entry is None and found.method == "none" and "本地指标" in found.reason


def test_per_1000_never_matches_per_10000(catalog):
    assert catalog.match("每万人口执业（助理）医师数", "人").entry is None or \
        catalog.match("每万人口执业（助理）医师数", "人").entry.code != "HR-DOC"


runner = CliRunner()


def test_catalog_commands():
    listed = runner.invoke(app, ["catalog", "list", "--format", "json"])
    assert listed.exit_code == 0 and len(__import__("json").loads(listed.stdout)) >= 80
    shown = runner.invoke(app, ["catalog", "show", "HR-BED"])
    assert shown.exit_code == 0 and "每千人口医疗卫生机构床位数" in shown.stdout and "1000" in shown.stdout
    matched = runner.invoke(app, ["catalog", "match", "每千常住人口医疗机构床位数", "--format", "json"])
    assert __import__("json").loads(matched.stdout)["code"] == "HR-BED"
    missing = runner.invoke(app, ["catalog", "show", "NOPE"])
    assert missing.exit_code == 2 and "NOPE" in missing.stderr
    assert re.search(r"HR-BED", runner.invoke(app, ["catalog", "list"]).stdout)


def test_map_plan_lists_what_did_not_match(seed_plans, tmp_path):
    from healthplan.catalog import map_plan
    from healthplan.ingest import ingest_file

    for plan in seed_plans.values():
        rows, unmatched = map_plan(plan)
        assert rows and not unmatched
    doc = tmp_path / "local.txt"
    doc.write_text("某某县“十四五”卫生健康规划\n表1 主要指标\n\t领域\n\t指标\n\t2020年\n\t2025年\n\t指标性质\n\n"
                   "\t健康服务\n\t每千人口拥有口腔医生数（人）\n\t0.2\n\t0.3\n\t预期性\n\n"
                   "\t\n\t孕产妇死亡率（/10万）\n\t10\n\t＜8\n\t预期性\n\n", encoding="utf-8")
    rows, unmatched = map_plan(ingest_file(doc))
    assert [r.name for r in unmatched] == ["每千人口拥有口腔医生数"]
    assert "本地指标" in unmatched[0].matches[0].reason
    assert rows[1].matches[0].entry.code == "HS-MMR"
