"""A plan's own completion table (完成情况表): was each previous-period target met?

Each row's target is judged against the actual value printed beside it, for the period's end year.
"""

from __future__ import annotations

from pydantic import BaseModel

from ..catalog import Catalog, load_catalog
from ..catalog.targets import parse_target
from ..plan import CompletionRow, Plan
from . import evaluate


class CompletionJudgement(BaseModel):
    """One row: ``achieved`` true, false, or null when the document alone cannot tell."""

    domain: str | None
    name: str
    unit: str | None
    code: str | None
    target: str
    actual: str
    year: int | None
    achieved: bool | None
    why: str
    line: int


def judge_row(row: CompletionRow, catalog: Catalog) -> CompletionJudgement:
    match = catalog.match(row.name, row.unit)
    entry = match.entry
    direction = entry.direction if entry else None
    target = parse_target(row.target.text, direction)
    cap_note = ""
    if target.kind == "threshold" and target.bare and entry and entry.bare_op:
        target = target.model_copy(update={"op": entry.bare_op, "bare": False})
        direction = None
        cap_note = "（人口控制目标：未标比较符的目标值按上限理解）"
    result = evaluate(target, year=row.actual.year or row.target.year or 0, value=row.actual.value,
                      target_year=row.target.year, direction=direction)
    achieved = result.achieved if result.target_value is not None or target.kind == "compound" else None
    if achieved is None:
        why = result.explanation
    else:
        sense = f"{result.explanation.split('；')[0].removeprefix('目标：')}"
        how = "已完成" if achieved else "未完成"
        why = f"{how}：目标{sense}，{row.actual.year}年实际为{row.actual.text}。"
        why += cap_note
        if target.bare and entry is None:
            why += "（目标未标比较符，且指标方向未知，按“不低于”理解）"
    return CompletionJudgement(domain=row.domain, name=row.name, unit=row.unit, code=entry.code if entry else None,
                               target=row.target.text, actual=row.actual.text, year=row.actual.year,
                               achieved=achieved, why=why, line=row.line)


def judge_completion(plan: Plan, catalog: Catalog | None = None) -> list[CompletionJudgement]:
    catalog = catalog or load_catalog()
    return [judge_row(row, catalog) for row in plan.completion]
