"""Reading numbers and cleaning cells."""

from __future__ import annotations

import pytest

from healthplan.ingest.indicators import split_name_unit
from healthplan.text import clean_cell, name_key, parse_value


@pytest.mark.parametrize("text,value,qualifier,year", [
    ("77.80", 77.8, None, None),
    ("0", 0.0, None, None),
    ("12.07%", 12.07, None, None),
    ("＞94", 94.0, ">", None),
    ("≥70", 70.0, ">=", None),
    ("<8", 8.0, "<", None),
    ("≤209.7", 209.7, "<=", None),
    ("6.39(2019年)", 6.39, None, 2019),
    ("6.39（2019年）", 6.39, None, 2019),
    ("1:0.53", 0.53, "ratio", None),
    ("1：1.09", 1.09, "ratio", None),
    ("25左右", 25.0, "~", None),
    ("不低于90", 90.0, ">=", None),
    ("2,241,826", 2241826.0, None, None),
    ("--", None, None, None),
    ("持续提升", None, None, None),
    ("增长30%", None, None, None),
    ("每年降低0.5个百分点以上", None, None, None),
    ("", None, None, None),
])
def test_parse_value(text, value, qualifier, year):
    got = parse_value(text)
    assert got["value"] == value
    assert got["qualifier"] == qualifier
    assert got["year"] == year


def test_compound_cell():
    assert parse_value("99,72") == {"value": None, "qualifier": None, "year": None, "values": [99.0, 72.0]}
    assert parse_value("100，75")["values"] == [100.0, 75.0]


@pytest.mark.parametrize("raw,unit_column,name,unit", [
    ("每千人口执业（助理）医师数（人）", None, "每千人口执业（助理）医师数", "人"),
    ("婴儿死亡率(‰)", None, "婴儿死亡率", "‰"),
    ("孕产妇死亡率（/10万）", None, "孕产妇死亡率", "/10万"),
    ("床人比（卫生人员）", None, "床人比（卫生人员）", None),
    ("医护比", None, "医护比", None),
    ("其中：每千人口拥有中医类别执业（助理）医师数（人）", None, "每千人口拥有中医类别执业（助理）医师数", "人"),
    ("过早死亡率（%）", "%", "过早死亡率", "%"),
    ("每千人口执业（助理）医师数", "人", "每千人口执业（助理）医师数", "人"),
    ("抗菌药物使用强度（DDDS)门诊处方抗菌药物使用率", "DDDS-100/人天%", "抗菌药物使用强度（DDDS)门诊处方抗菌药物使用率", "DDDS-100/人天%"),
])
def test_split_name_unit(raw, unit_column, name, unit):
    assert split_name_unit(raw, unit_column) == (name, unit)


def test_clean_cell():
    assert clean_cell("小  计") == "小计"
    assert clean_cell("30～70 岁人群") == "30～70岁人群"
    assert clean_cell("DDDs 100 ") == "DDDs 100"
    assert clean_cell("[bookmark: _Toc1]领域") == "领域"


def test_name_key_joins_variants():
    assert name_key("人均期望寿命") == name_key("人均预期寿命")
    assert name_key("每千常住人口医疗机构床位数") == name_key("每千人口拥有医疗机构床位数")
    assert name_key("每千人口公共卫生人员数") != name_key("每千常住人口公共卫生医师数")
