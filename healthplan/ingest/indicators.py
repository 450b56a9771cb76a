"""Main-indicator tables (主要指标表) and previous-period completion tables (完成情况表)."""

from __future__ import annotations

import re

from ..plan import CompletionRow, Indicator, Period, Value, YearText
from ..text import fold_width, parse_value
from .blocks import Cell
from .header import Layout

UNIT_CHARS = re.compile(r"^[\d/‰%％‱a-zA-Z.\-·人张个岁天元亿万千百克次例名所家床台件户年月日]+$")
TRAILING_PARENS = re.compile(r"^(.*?)[（(]([^（）()]*)[）)]$")
SUB_ITEM = re.compile(r"^其中[：:]")


def split_name_unit(raw: str, unit_column: str | None = None) -> tuple[str, str | None]:
    """``每千人口执业（助理）医师数（人）`` → (``每千人口执业（助理）医师数``, ``人``).

    Only a trailing parenthesised unit is removed; with a unit column, it must agree with it.
    """
    name = SUB_ITEM.sub("", raw)
    m = TRAILING_PARENS.match(name)
    if m and UNIT_CHARS.match(m.group(2)):
        inner = m.group(2)
        if unit_column is None:
            return m.group(1), inner
        if fold_width(inner) == fold_width(unit_column):
            return m.group(1), unit_column
    return name, unit_column


def to_value(text: str, year: int | None) -> Value:
    parsed = parse_value(text)
    return Value(year=parsed["year"] or year, text=text, value=parsed["value"],
                 qualifier=parsed["qualifier"], values=parsed["values"])


def _cell(row: list[Cell], col) -> Cell | None:
    return row[col.index] if col is not None and col.index < len(row) else None


def _text(row: list[Cell], col) -> str | None:
    cell = _cell(row, col)
    return cell.text if cell is not None else None


def _seq(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _named_rows(layout: Layout):
    """Data rows with a name: (row, name cell, domain continued from above, name, unit)."""
    name_col, unit_col, domain_col = layout.find("name"), layout.find("unit"), layout.find("domain")
    domain = None
    for row in layout.body:
        name_cell = _cell(row, name_col)
        if name_cell is None or not name_cell.text:
            continue
        domain = _text(row, domain_col) or domain
        name, unit = split_name_unit(name_cell.text, (_text(row, unit_col) or None) if unit_col else None)
        yield row, name_cell, domain, name, unit


def read_indicators(layout: Layout, title: str, period: Period | None) -> list[Indicator]:
    base_col, target_col, outlook_col = layout.find("baseline"), layout.find("target"), layout.find("outlook")
    out = []
    for row, name_cell, domain, name, unit in _named_rows(layout):
        target_year = (target_col.year if target_col else None) or (period.end if period else None)
        baseline = None
        if base_col is not None:
            baseline = to_value(_text(row, base_col) or "", base_col.year)
        outlook = None
        if outlook_col is not None:
            outlook = YearText(year=outlook_col.year, text=_text(row, outlook_col) or "")
        out.append(Indicator(
            domain=domain, seq=_seq(_text(row, layout.find("seq"))), name=name, unit=unit,
            baseline=baseline, target=YearText(year=target_year, text=_text(row, target_col) or ""),
            outlook=outlook, property=_text(row, layout.find("property")) or None,
            line=name_cell.line, raw_name=name_cell.text, table=title,
        ))
    return out


def read_completion(layout: Layout, title: str, period: Period | None) -> list[CompletionRow]:
    target_col, actual_col = layout.find("target"), layout.find("actual")
    end = period.end if period else (actual_col.year if actual_col else None)
    out = []
    for row, name_cell, domain, name, unit in _named_rows(layout):
        actual_year = (actual_col.year if actual_col else None) or end
        actual_cell = _cell(row, actual_col)
        actual = to_value(actual_cell.text if actual_cell else "", actual_year)
        actual.source_line = actual_cell.line if actual_cell else None
        out.append(CompletionRow(
            domain=domain, name=name, unit=unit,
            target=YearText(year=end, text=_text(row, target_col) or ""),
            actual=actual,
            line=name_cell.line, raw_name=name_cell.text, table=title,
        ))
    return out
