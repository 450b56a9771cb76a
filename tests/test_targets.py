"""The target language: every cell of the five seeds parses; property tests; the kinds of target."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import GOLDEN
from healthplan.catalog.targets import parse_target
from healthplan.text import parse_value


def _seed_cells():
    targets, baselines = set(), set()
    for path in sorted(GOLDEN.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for row in data["indicators"]:
            targets.add(row["target"]["text"])
            if row["outlook"]:
                targets.add(row["outlook"]["text"])
            if row["baseline"]:
                baselines.add(row["baseline"]["text"])
        for row in data["completion"]:
            targets.add(row["target"]["text"])
            baselines.add(row["actual"]["text"])
    return sorted(targets), sorted(baselines)


TARGETS, BASELINES = _seed_cells()
QUALITATIVE = {"有效控制", "达到高收入国家平均水平"}


@pytest.mark.parametrize("text", TARGETS)
def test_every_seed_target_parses(text):
    t = parse_target(text, "up")
    if text in QUALITATIVE:
        assert t.kind == "qualitative"
    else:
        assert t.kind in ("threshold", "relative", "rate", "direction", "linked", "compound"), (text, t.kind)


@pytest.mark.parametrize("text", BASELINES)
def test_every_seed_baseline_parses(text):
    v = parse_value(text)
    if text == "--":
        assert v["value"] is None
    elif "," in text:
        assert v["values"] and len(v["values"]) == 2
    else:
        assert v["value"] is not None, text


@pytest.mark.parametrize("text,op,value", [
    ("＜8", "<", 8), ("<8", "<", 8), ("≤12", "<=", 12), (">79", ">", 79), ("＞83", ">", 83), ("≥35", ">=", 35),
    ("不低于90", ">=", 90), ("不高于5", "<=", 5), ("不超过30", "<=", 30), ("80%以上", ">=", 80), ("3‰以下", "<=", 3),
    ("25左右", "~", 25), ("力争≥95", ">=", 95), ("控制在5%以下", "<=", 5), ("保持100", ">=", 100),
])
def test_comparators_full_and_half_width_and_words(text, op, value):
    t = parse_target(text, "up")
    assert (t.kind, t.op, t.value) == ("threshold", op, value)


def test_bare_number_reads_through_direction():
    assert parse_target("79", "up").op == ">="
    assert parse_target("79", "down").op == "<="
    assert parse_target("79", "neutral").op == "~"
    assert parse_target("79").bare


def test_relative_targets():
    t = parse_target("增长30%")
    assert (t.kind, t.change, t.change_unit, t.reference_year) == ("relative", 30, "percent", None)
    t = parse_target("累计增长1岁")
    assert (t.kind, t.change, t.change_unit, t.unit) == ("relative", 1, "absolute", "岁")
    t = parse_target("比2015年降低5%")
    assert (t.kind, t.change, t.reference_year, t.direction) == ("relative", -5, 2015, "down")
    t = parse_target("提高1岁左右")
    assert t.approximate and t.change == 1


def test_rates_direction_linked_ratio_compound_qualitative():
    t = parse_target("力争每年降低0.5个百分点以上")
    assert (t.kind, t.change, t.change_unit, t.aspirational, t.bound) == ("rate", -0.5, "percentage_point", True, "以上")
    assert parse_target("持续提升").direction == "up" and parse_target("持续下降").direction == "down"
    t = parse_target("同比例\n提高")
    assert (t.kind, t.direction) == ("linked", "up")
    t = parse_target("1:1.09", "up")
    assert (t.kind, t.ratio, t.value, t.op) == ("threshold", True, 1.09, ">=")
    t = parse_target("100,75", "up")
    assert t.kind == "compound" and [p.value for p in t.parts] == [100, 75]
    assert parse_target("有效控制").kind == "qualitative"
    assert parse_target("--").kind == "none"
    t = parse_target("7.4-7.5")
    assert (t.op, t.value, t.value_high) == ("between", 7.4, 7.5)


@given(st.text(max_size=40))
def test_parser_never_raises(text):
    t = parse_target(text)
    assert t.text == text
    assert t.describe()


NUM = st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False, allow_infinity=False)


@given(NUM, st.sampled_from([("≥", ">="), ("＞", ">"), (">", ">"), ("≤", "<="), ("＜", "<"), ("<", "<"),
                             ("不低于", ">="), ("不超过", "<=")]))
def test_comparator_round_trip(number, comparator):
    word, op = comparator
    t = parse_target(f"{word}{number}")
    assert t.kind == "threshold" and t.op == op and t.value == pytest.approx(float(number))


@given(NUM, st.sampled_from(["%", "个百分点", "岁", ""]), st.sampled_from(["增长", "提高", "降低", "下降"]))
def test_relative_round_trip(number, unit, verb):
    t = parse_target(f"{verb}{number}{unit}")
    sign = 1 if verb in ("增长", "提高") else -1
    assert t.kind == "relative" and t.change == pytest.approx(sign * float(number))
