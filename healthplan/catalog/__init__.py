"""The canonical indicator catalog (指标目录): what each indicator means, and name matching.

Entries live in ``healthplan/data/catalog.yaml`` (WS/T 598 names and definitions where it has one).
``match`` maps a plan's row name to an entry with a score; a row no entry fits is a plan-local
indicator (本地指标) and says why.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel

from ..text import fold_width, name_key
from .targets import Direction

Method = Literal["exact", "alias", "normalised", "fuzzy", "none"]


class Entry(BaseModel):
    """One canonical indicator (标准指标)."""

    model_config = {"extra": "forbid"}

    code: str
    name_zh: str
    name_en: str
    unit: str | None
    direction: Direction
    category: str
    definition: str
    numerator: str | None = None
    denominator: str | None = None
    factor: float | None = None
    per_capita: str | None = None
    count_code: str | None = None  # the count indicator a per-capita value is computed from (HR-BED ← HR-NBED)
    source: str
    aliases: list[str] = []
    bare_op: str | None = None  # how a bare target number reads when direction alone does not say (总人口: a cap)

    @property
    def names(self) -> list[str]:
        return [self.name_zh, *self.aliases]


class Match(BaseModel):
    """A plan row matched to the catalog."""

    name: str
    entry: Entry | None
    score: float
    method: Method
    reason: str | None = None  # why a row stays plan-local


class Catalog:
    """The loaded catalog with indexes for matching."""

    def __init__(self, entries: list[Entry]):
        self.entries = entries
        self.by_code = {e.code: e for e in entries}
        self._exact: dict[str, Entry] = {}
        self._key: dict[str, Entry] = {}
        for e in entries:
            for n in e.names:
                self._exact.setdefault(_plain(n), e)
                self._key.setdefault(name_key(n), e)
        self._keys = list(self._key)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, code: str) -> Entry | None:
        return self.by_code.get(code)

    def match(self, name: str, unit: str | None = None, threshold: float = 0.8) -> Match:
        """Find the entry for a row name: exact, alias, normalised (常住/拥有/期望…), then fuzzy."""
        plain = _plain(name)
        e = self._exact.get(plain)
        if e is not None:
            return Match(name=name, entry=e, score=1.0, method="exact" if plain == _plain(e.name_zh) else "alias")
        key = name_key(name)
        e = self._key.get(key)
        if e is not None and _unit_ok(e, unit):
            return Match(name=name, entry=e, score=0.95, method="normalised")
        best, score = None, 0.0
        prefix, core = _split_core(key)
        for k in difflib.get_close_matches(key, self._keys, n=5, cutoff=threshold - 0.1):
            k_prefix, k_core = _split_core(k)
            if k_prefix != prefix:
                continue  # 每千人口 … never matches 每万人口 …
            ratio = difflib.SequenceMatcher(None, core, k_core).ratio()
            if ratio >= threshold and ratio > score and _unit_ok(self._key[k], unit):
                best, score = self._key[k], ratio
        if best is not None:
            return Match(name=name, entry=best, score=round(score, 3), method="fuzzy")
        return Match(name=name, entry=None, score=0.0, method="none",
                     reason="目录中没有同名或近似的标准指标，作为本规划的本地指标保留。")

    def match_row(self, name: str, unit: str | None = None) -> list[Match]:
        """A table row: one match, or one per part of a compound row (unit ``%，%``, names joined by ，)."""
        units = re.split(r"[,，、]", unit) if unit else []
        names = re.split(r"[，,](?=[^，,]{4,})", name)
        if len(units) > 1 and len(names) == len(units):
            return [self.match(n, u) for n, u in zip(names, units)]
        return [self.match(name, unit)]

    def search(self, text: str, limit: int = 10) -> list[tuple[Entry, float]]:
        """Entries ranked by similarity to ``text`` (for ``catalog match``)."""
        key = name_key(text)
        scored = []
        for k, e in self._key.items():
            ratio = difflib.SequenceMatcher(None, key, k).ratio()
            if key and (key in k or k in key):
                ratio = max(ratio, 0.9)
            scored.append((e, ratio))
        best: dict[str, tuple[Entry, float]] = {}
        for e, r in sorted(scored, key=lambda x: -x[1]):
            best.setdefault(e.code, (e, r))
        return sorted(best.values(), key=lambda x: -x[1])[:limit]


_PER = re.compile(r"^每(?:千|万|十万|百万)?人口?")
_TAIL = re.compile(r"(?:数|率|比例|比重)$")


def _split_core(key: str) -> tuple[str, str]:
    """``每千人口口腔医生数`` → (``每千人口``, ``口腔医生``): fuzzy matching compares what is counted."""
    m = _PER.match(key)
    prefix = m.group(0) if m else ""
    return prefix, _TAIL.sub("", key[len(prefix):])


def _plain(name: str) -> str:
    return re.sub(r"\s+", "", fold_width(name)).removeprefix("其中:")


UNIT_FAMILIES = [{"%", "‰", "‱", "/10万", "1/10万"}, {"人"}, {"张"}, {"个"}, {"岁"}, {"天"}]


def _unit_ok(e: Entry, unit: str | None) -> bool:
    """A unit of the same family (rates with rates, counts with counts), or no unit to compare."""
    if not unit or not e.unit:
        return True
    a, b = fold_width(unit), fold_width(e.unit)
    if a == b:
        return True
    return any(a in fam and b in fam for fam in UNIT_FAMILIES)


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    text = (resources.files("healthplan") / "data" / "catalog.yaml").read_text(encoding="utf-8")
    return Catalog([Entry(**item) for item in yaml.safe_load(text)])


class RowMapping(BaseModel):
    """A plan row and the catalog entries it maps to (one per part of a compound row)."""

    line: int
    name: str
    unit: str | None
    matches: list[Match]


def map_plan(plan, catalog: Catalog | None = None) -> tuple[list[RowMapping], list[RowMapping]]:
    """Every indicator and completion row of a plan matched to the catalog: (all rows, unmatched rows)."""
    catalog = catalog or load_catalog()
    rows = [RowMapping(line=r.line, name=r.name, unit=r.unit, matches=catalog.match_row(r.name, r.unit))
            for r in [*plan.indicators, *plan.completion]]
    return rows, [r for r in rows if any(m.entry is None for m in r.matches)]
