"""Title, plan period (规划期) and region of a document."""

from __future__ import annotations

import re
from collections import Counter

from ..plan import Period
from ..text import chinese_number
from .blocks import Document
from .region import Region, find_region

EXPLICIT = re.compile(r"[（(]\s*((?:19|20)\d{2})\s*[-—–~～至]+\s*((?:19|20)\d{2})\s*年?\s*[）)]")
PLAN_WORD = re.compile(r"规划(（\d{4}[-—–]\d{4}年）)?$")


def five_year_period(number: int) -> Period:
    """The Nth five-year plan: the 3rd began in 1966, each one five years after the last (十四五 → 2021–2025)."""
    start = 1966 + 5 * (number - 3)
    return Period(start=start, end=start + 4)


def _five_year_counts(text: str) -> Counter:
    counts: Counter = Counter()
    for m in re.finditer(r"十([三四五六])五", text):
        counts[10 + chinese_number(m.group(1))] += 1
    return counts


def find_period(doc: Document, title: str | None) -> Period | None:
    """From the title, else the explicit ``(2021—2025年)``, else the most named 十N五."""
    for text in filter(None, [title]):
        counts = _five_year_counts(text)
        if counts:
            return five_year_period(counts.most_common(1)[0][0])
    counts = _five_year_counts(doc.text())
    if counts:
        return five_year_period(counts.most_common(1)[0][0])
    m = EXPLICIT.search("\n".join(doc.lines[:40]))
    if m and int(m.group(2)) - int(m.group(1)) == 4:
        return Period(start=int(m.group(1)), end=int(m.group(2)))
    return None


def period_named(text: str) -> Period | None:
    counts = _five_year_counts(text)
    return five_year_period(counts.most_common(1)[0][0]) if counts else None


def find_title(doc: Document) -> str | None:
    """The opening short lines up to one that ends in 规划 (``南宫市`` + ``“十四五”医疗卫生服务体系规划``)."""
    parts: list[str] = []
    for p in doc.paragraphs[:4]:
        if len(p.text) > 50:
            break
        parts.append(p.text)
        if PLAN_WORD.search(p.text):
            return "".join(parts)
    return None


def find_plan_region(doc: Document, title: str | None) -> Region | None:
    headline = " ".join(filter(None, [title] + [t.title for t in doc.tables]))
    return find_region(headline, doc.text())
