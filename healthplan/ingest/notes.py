"""Text around the tables: 表注, formulas, populations, 名词解释, 专栏 boxes."""

from __future__ import annotations

import re

from ..plan import Box, Formula, GlossaryEntry, Note, Population
from ..text import NUMBER, to_number, year_in
from .blocks import Document, Paragraph, Table

NOTE_START = re.compile(r"^注[:：]\s*")
NUMBERED = re.compile(r"^\d+\s*[.．、]\s*")
CLAUSES = re.compile(r"[，,；;。、]")
FORMULA = re.compile(
    r"^(?P<indicator>[^=＝]+?)[=＝](?P<num>[^/／]+?)[/／](?P<den>[^×xX*＊]+?)"
    r"(?:[×xX*＊](?P<factor>\d+(?:\.\d+)?))?$"
)
POPULATION = re.compile(
    rf"(?<![每千万])(?P<kind>常住人口|户籍人口|城镇人口|预测人口|总人口)(?:数|总数)?(?:为|达到|达|约)?"
    rf"(?P<num>{NUMBER})\s*(?P<wan>万)?人?"
)


def read_notes(doc: Document) -> list[Note]:
    """Numbered items of every ``注：`` paragraph right under a table, and the lines that follow it."""
    notes: list[Note] = []
    blocks = doc.blocks
    for i, block in enumerate(blocks):
        if not (isinstance(block, Paragraph) and NOTE_START.match(block.text)):
            continue
        if not any(isinstance(b, Table) for b in blocks[max(0, i - 2): i]):
            continue
        text = NOTE_START.sub("", block.text)
        notes.append(Note(text=NUMBERED.sub("", text), line=block.line))
        prev = block.line
        for nxt in blocks[i + 1:]:
            if not (isinstance(nxt, Paragraph) and nxt.line == prev + 1 and NUMBERED.match(nxt.text)):
                break
            notes.append(Note(text=NUMBERED.sub("", nxt.text), line=nxt.line))
            prev = nxt.line
    return notes


def read_formulas(texts: list[tuple[str, int]]) -> list[Formula]:
    out = []
    for text, line in texts:
        clauses = [c for sentence in re.split(r"[。；;]", text)
                   for c in re.split(r"[，,、](?=[^=＝]*[=＝])", sentence)]
        for clause in clauses:
            m = FORMULA.match(clause.strip().rstrip("。"))
            if m:
                factor = m.group("factor")
                out.append(Formula(indicator=m.group("indicator").strip(), numerator=m.group("num").strip(),
                                   denominator=m.group("den").strip(),
                                   factor=float(factor) if factor else None, line=line))
    return out


def read_populations(texts: list[tuple[str, int]]) -> list[Population]:
    """Whole populations with their year: ``2020年…常住人口数2241826``, ``常住人口39.67万人``."""
    out: list[Population] = []
    for text, line in texts:
        if "人口" not in text:
            continue
        for sentence in re.split(r"[。；;]", text):
            year_here = None
            for clause in CLAUSES.split(sentence):
                year_here = year_in(clause) or year_here
                for m in POPULATION.finditer(clause):
                    value = to_number(m.group("num")) * (10000 if m.group("wan") else 1)
                    if value < 1000 or year_here is None:
                        continue
                    kind = m.group("kind")
                    projected = kind == "预测人口" or "预测" in clause or "规划" in clause[: m.start()]
                    out.append(Population(
                        year=year_here, value=value,
                        kind=kind if kind in ("常住人口", "户籍人口", "城镇人口") else None,
                        projected=projected, text=clause.strip(), line=line,
                    ))
    return out


def read_glossary(doc: Document) -> list[GlossaryEntry]:
    """Numbered ``术语：定义`` lines under a 名词解释 heading."""
    out: list[GlossaryEntry] = []
    paras = doc.paragraphs
    for i, p in enumerate(paras):
        if p.text.strip() not in ("名词解释", "名词解释：", "附：名词解释"):
            continue
        for q in paras[i + 1:]:
            m = re.match(r"^\d+\s*[.．、]\s*(?P<term>[^：:]{1,40})[：:](?P<def>.+)$", q.text)
            if not m:
                break
            out.append(GlossaryEntry(term=m.group("term").strip(), definition=m.group("def").strip(), line=q.line))
    return out


def read_boxes(doc: Document) -> list[Box]:
    """专栏: the box's cells and the numbered lines right below them."""
    out: list[Box] = []
    blocks = doc.blocks
    for i, block in enumerate(blocks):
        if not isinstance(block, Table) or not block.rows or not block.rows[0]:
            continue
        title = block.rows[0][0].text
        if not title.startswith("专栏"):
            continue
        items = [c.text for row in block.rows for c in row if c.text][1:]
        last = block.end_line
        for nxt in blocks[i + 1:]:
            if not (isinstance(nxt, Paragraph) and nxt.line == last + 1):
                break
            items.append(nxt.text)
            last = nxt.line
        out.append(Box(title=title, items=items, line=block.line))
    return out
