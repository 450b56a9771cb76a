"""The prose of a plan as sentences, each with its line and the year it speaks about (正文分句).

Text is folded to half width (``（`` → ``(``, ``％`` → ``%``) and its spaces removed, so that the
fact patterns see one spelling. A sentence ends at ``。；;！？``; a sentence without a year of its
own speaks about the year of the sentence before it in the same paragraph. Comparison years
(``比2015年``, ``由2015年的``, ``同比2015年``) and ranges (``2018-2020年``) are not the year spoken
about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..text import fold_width, strip_noise

SENTENCE_END = re.compile(r"[。；;！？!?]")
YEAR = re.compile(r"((?:19|20)\d{2})年")
# years that are not the one the sentence reports: comparisons and ranges
MASKED_YEAR = re.compile(
    r"(?:比|较|同比|由|从|相比|与|自)((?:19|20)\d{2})年(?:底|末)?的?"
    r"|((?:19|20)\d{2})\s*[-—–~～至到]\s*((?:19|20)\d{2})年?(?:度)?"
    r"|((?:19|20)\d{2})年度"
)


def fold(text: str) -> str:
    """Half width, no export noise, no spaces (numbers such as ``606 家`` → ``606家``)."""
    s = fold_width(strip_noise(text))
    return re.sub(r"[\s\u3000]+", "", s)


@dataclass
class Sentence:
    text: str
    line: int
    paragraph: int
    index: int
    year: int | None  # the year of the sentence (inherited when it names none)
    year_marks: list[tuple[int, int]]  # (position, year) of every unmasked year mention

    def year_at(self, pos: int) -> int | None:
        """The year a value at ``pos`` speaks about: the last year named before it, else the sentence's."""
        before = [y for p, y in self.year_marks if p < pos]
        return before[-1] if before else self.year


def _year_marks(text: str) -> list[tuple[int, int]]:
    masked = set()
    for m in MASKED_YEAR.finditer(text):
        masked.update(range(m.start(), m.end()))
    return [(m.start(), int(m.group(1))) for m in YEAR.finditer(text) if m.start() not in masked]


def split_sentences(paragraphs: list[tuple[str, int]]) -> list[Sentence]:
    """Sentences of ``(text, line)`` paragraphs, in document order."""
    out: list[Sentence] = []
    for pi, (raw, line) in enumerate(paragraphs):
        text = fold(raw)
        if not text:
            continue
        inherited = None
        start = 0
        pieces = []
        for m in SENTENCE_END.finditer(text):
            pieces.append(text[start:m.end()])
            start = m.end()
        if start < len(text):
            pieces.append(text[start:])
        for piece in pieces:
            if not piece.strip("。；;！？!?"):
                continue
            marks = _year_marks(piece)
            own = marks[0][1] if marks else None
            year = own if own is not None else inherited
            out.append(Sentence(text=piece, line=line, paragraph=pi, index=len(out), year=year,
                                year_marks=marks))
            if marks:
                inherited = marks[-1][1]
    return out


def document_paragraphs(doc) -> list[tuple[str, int]]:
    """Prose of a read document: its paragraphs and the text of 专栏 boxes (one-column tables)."""
    from ..ingest.blocks import Paragraph, Table

    out: list[tuple[str, int]] = []
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            out.append((block.text, block.line))
        elif isinstance(block, Table) and block.width <= 1:
            for row in block.rows:
                for cell in row:
                    if cell.text:
                        out.append((cell.text, cell.line))
    return out
