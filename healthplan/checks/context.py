"""What every check reads: the plan, its prose facts, and each table row's catalog entry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from ..catalog import Catalog, Entry, load_catalog
from ..plan import CompletionRow, Indicator, Plan
from ..text import NUMBER, to_number
from .facts import ProseFacts, extract
from .numbers import half_unit
from .prose import document_paragraphs, split_sentences

SURE = ("exact", "alias", "normalised")  # a fuzzy match never decides that two numbers are the same quantity


@dataclass
class Row:
    """A row of an indicator or completion table with its catalog entry (None when unsure or compound)."""

    row: Indicator | CompletionRow
    kind: str  # "indicator" | "completion"
    entry: Entry | None
    entries: list[Entry | None]  # one per part of a compound row

    @property
    def code(self) -> str | None:
        return self.entry.code if self.entry else None

    @property
    def line(self) -> int:
        return self.row.line

    @property
    def name(self) -> str:
        return self.row.name

    @property
    def unit(self) -> str | None:
        return self.row.unit


@dataclass
class PopulationFact:
    year: int
    value: float
    half: float
    kind: str | None
    projected: bool
    line: int
    text: str

    @property
    def label(self) -> str:
        return self.kind or ("预测人口" if self.projected else "人口")


class Context:
    def __init__(self, plan: Plan, document=None, catalog: Catalog | None = None):
        self.plan = plan
        self.document = document
        self.catalog = catalog or load_catalog()

    @cached_property
    def rows(self) -> list[Row]:
        out = []
        for kind, rows in (("indicator", self.plan.indicators), ("completion", self.plan.completion)):
            for r in rows:
                matches = self.catalog.match_row(r.name, r.unit)
                entries = [m.entry if m.method in SURE else None for m in matches]
                entry = entries[0] if len(entries) == 1 else None
                out.append(Row(row=r, kind=kind, entry=entry, entries=entries))
        return out

    @property
    def indicators(self) -> list[Row]:
        return [r for r in self.rows if r.kind == "indicator"]

    @property
    def completion(self) -> list[Row]:
        return [r for r in self.rows if r.kind == "completion"]

    @cached_property
    def facts(self) -> ProseFacts | None:
        if self.document is None:
            return None
        sentences = split_sentences(document_paragraphs(self.document))
        names = {}
        for r in self.rows:
            if r.code:
                names[r.row.name] = r.code
        return extract(sentences, self.catalog, names)

    @cached_property
    def populations(self) -> list[PopulationFact]:
        """Whole populations (常住/户籍, or unnamed): 城镇人口 is a part, not a denominator."""
        out = []
        for p in self.plan.populations:
            if p.kind == "城镇人口":
                continue
            out.append(PopulationFact(year=p.year, value=p.value, half=_population_half(p.text, p.value),
                                      kind=p.kind, projected=p.projected, line=p.line, text=p.text))
        return out

    def populations_in(self, year: int | None) -> list[PopulationFact]:
        """Populations of a year, 常住人口 first (the denominator of per-capita indicators unless stated)."""
        order = {"常住人口": 0, None: 1, "户籍人口": 2}
        return sorted((p for p in self.populations if p.year == year), key=lambda p: order.get(p.kind, 3))

    @property
    def baseline_year(self) -> int | None:
        years = [r.row.baseline.year for r in self.indicators if r.row.baseline and r.row.baseline.year]
        if years:
            return max(set(years), key=years.count)
        return self.plan.period.start - 1 if self.plan.period else None

    @property
    def target_years(self) -> set[int]:
        years = {r.row.target.year for r in self.indicators if r.row.target and r.row.target.year}
        years |= {r.row.outlook.year for r in self.indicators
                  if isinstance(r.row, Indicator) and r.row.outlook and r.row.outlook.year}
        if self.plan.period:
            years.add(self.plan.period.end)
        return years


def _population_half(text: str, value: float) -> float:
    """The rounding error of a printed population: ``39.67万`` → 50 persons, ``2241826`` → 0.5."""
    for m in re.finditer(rf"({NUMBER})\s*(万)?", text or ""):
        num = m.group(1)
        scale = 10000 if m.group(2) else 1
        if abs(to_number(num) * scale - value) < 1e-6 * max(value, 1):
            if scale == 1 and "." not in num:
                return 0.0  # a census count (2241826) is exact
            return half_unit(num, lenient=False) * scale
    return 0.0
