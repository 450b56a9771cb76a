"""Corrections of an extracted plan (人工核对与更正): cell edits, validated all or nothing.

A correction names a row of the main-indicator table (1-based, as the review page numbers it), a column
and the new text. Every corrected target is re-read by :func:`~healthplan.catalog.targets.parse_target`
so the user sees how it will be evaluated; a cell that cannot be read is refused with a message naming
the row and the column, and then no correction of the batch is applied.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from ..catalog import load_catalog
from ..catalog.targets import parse_target
from ..ingest.indicators import to_value
from ..plan import Plan as PlanDoc
from ..text import fold_width

# column → (Chinese, English) header as the review page shows it
COLUMNS: dict[str, tuple[str, str]] = {
    "domain": ("领域", "Domain"), "name": ("指标", "Indicator"), "unit": ("单位", "Unit"),
    "baseline": ("基期值", "Baseline"), "target": ("目标值", "Target"), "property": ("指标性质", "Type"),
}
PROPERTIES = ("预期性", "约束性")
MAX_CELL = 200
# a target with a number or a comparator that still reads as qualitative is a typo, not a 定性目标
NUMERIC_HINT = re.compile(r"[\d<>≤≥=]")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class Problem:
    """One refused cell (无法接受的更正): row (1-based), column key, the text typed and why."""

    row: int
    column: str
    value: str
    zh: str
    en: str
    name: str = ""

    def message(self, lang: str = "zh") -> str:
        zh_col, en_col = COLUMNS.get(self.column, (self.column, self.column))
        if lang == "en":
            return f"Indicator row {self.row} ({self.name}), column '{en_col}': {self.en}"
        return f"主要指标第{self.row}行（{self.name}）“{zh_col}”列：{self.zh}"

    def as_dict(self, lang: str = "zh") -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.message(lang)}


class CorrectionsRejected(Exception):
    """Some cells were refused; nothing of the batch was applied."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(p.message() for p in problems))


def cell_text(row: dict, column: str) -> str:
    """The text of one cell of an indicator row as the review table shows it."""
    if column == "baseline":
        return (row.get("baseline") or {}).get("text") or ""
    if column == "target":
        return row["target"]["text"] or ""
    return row.get(column) or ""


def direction_of(name: str, unit: str | None) -> str:
    """The catalog's direction for a row (本地指标: neutral), as load_plan reads its targets."""
    found = load_catalog().match_row(name, unit)[0]
    return found.entry.direction if found.entry is not None else "neutral"


def reading(row: dict) -> tuple[str, str]:
    """(kind, planners' words) of the row's target, e.g. ("threshold", "不低于80")."""
    parsed = parse_target(row["target"]["text"], direction_of(row["name"], row.get("unit")))
    return parsed.kind, parsed.describe((row.get("baseline") or {}).get("year"))


def apply_corrections(plan: dict, corrections: list[tuple[int, str, str]]) -> dict:
    """A new plan contract with the corrections applied, or :class:`CorrectionsRejected` (nothing applied)."""
    new = copy.deepcopy(plan)
    rows = new["indicators"]
    problems: list[Problem] = []
    targets: list[tuple[int, str]] = []
    for row_no, column, value in corrections:
        text = re.sub(r"\s+", " ", value or "").strip()
        if not 1 <= row_no <= len(rows):
            problems.append(Problem(row_no, column, text, f"没有这一行（共{len(rows)}行）。",
                                    f"no such row (there are {len(rows)})."))
            continue
        row = rows[row_no - 1]
        bad = _bad_cell(column, text)
        if bad:
            problems.append(Problem(row_no, column, text, *bad, name=row["name"]))
            continue
        if column == "baseline":
            bad = _set_baseline(row, text, new.get("period"))
            if bad:
                problems.append(Problem(row_no, column, text, *bad, name=row["name"]))
        elif column == "target":
            row["target"]["text"] = text
            targets.append((row_no, text))
        elif column in ("domain", "unit", "property"):
            row[column] = text or None
        else:
            row["name"] = text
    for row_no, text in targets:  # after name and unit changes: the direction reads bare numbers
        row = rows[row_no - 1]
        bad = _bad_target(text, direction_of(row["name"], row.get("unit")))
        if bad:
            problems.append(Problem(row_no, "target", text, *bad, name=row["name"]))
    if problems:
        raise CorrectionsRejected(problems)
    return PlanDoc.model_validate(new).contract()  # the contract still holds (types, no extra keys)


def _bad_cell(column: str, text: str) -> tuple[str, str] | None:
    """(zh, en) when the text cannot go into that column at all."""
    if column not in COLUMNS:
        return f"没有名为“{column}”的列。", f"no column named '{column}'."
    if len(text) > MAX_CELL:
        return f"内容过长（上限{MAX_CELL}个字符）。", f"too long (at most {MAX_CELL} characters)."
    if CONTROL.search(text):
        return "含有控制字符。", "contains control characters."
    if column == "name" and not text:
        return "指标名称不能为空。", "the indicator name cannot be empty."
    if column == "property" and text and text not in PROPERTIES:
        return f"应为“预期性”或“约束性”（或留空），而不是“{text}”。", f"must be 预期性 or 约束性 (or empty), not '{text}'."
    return None


def _set_baseline(row: dict, text: str, period: dict | None) -> tuple[str, str] | None:
    """The baseline cell re-read as the ingester reads it (6.39(2019年), ＞94, 1:0.53, --)."""
    old = row.get("baseline") or {}
    year = old.get("year") or ((period["start"] - 1) if period else None)
    value = to_value(text, year)
    if text and value.value is None and value.values is None and re.search(r"\d", fold_width(text)):
        return (f"“{text}”无法读取为数值（可写作 77.8、＞94、6.39(2019年)、1:0.53 或 --）。",
                f"'{text}' cannot be read as a number (e.g. 77.8, >94, 6.39(2019年), 1:0.53 or --).")
    row["baseline"] = value.model_dump(mode="json")
    return None


def _bad_target(text: str, direction: str) -> tuple[str, str] | None:
    if not text:
        return "目标值不能为空（没有目标值时请填“--”）。", "the target cannot be empty (write -- when there is none)."
    parsed = parse_target(text, direction)
    if parsed.kind == "qualitative" and NUMERIC_HINT.search(fold_width(text)):
        return (f"“{text}”无法解读为目标值。可写作 ≥80、<8、25左右、7.4-7.5、增长30%、每年降低0.5个百分点以上、"
                f"1:1.09、持续提升，或文字表述的定性目标。",
                f"'{text}' cannot be read as a target (e.g. ≥80, <8, 25左右, 增长30%, 1:1.09, 持续提升, "
                f"or a qualitative goal in words).")
    return None
