"""What every reader produces: a document as paragraphs and tables, each with its line.

A reader (txt, docx, pdf, html) turns a file into a :class:`Document`; the extractors only ever
see these blocks, so a Word table and a tab-indented text export give the same plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Cell:
    """单元格: cleaned text and the line where it starts."""

    text: str
    line: int


@dataclass
class Paragraph:
    """段落: one line of prose."""

    text: str
    line: int


@dataclass
class Table:
    """表格: rows of cells. Rows may be shorter than the widest row where cells are merged."""

    rows: list[list[Cell]]
    line: int
    caption: list[Paragraph] = field(default_factory=list)  # lines just above: title, 单位：张
    end_line: int = 0  # last line holding text of the table

    def __post_init__(self) -> None:
        self.end_line = self.end_line or max((c.line for r in self.rows for c in r), default=self.line)

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    @property
    def title(self) -> str:
        """The caption line that names the table (not the ``单位：…`` line)."""
        names = [p.text for p in self.caption if not p.text.startswith("单位")]
        return names[-1] if names else ""

    @property
    def unit_note(self) -> str | None:
        """``单位：张`` above the table → ``张``."""
        for p in self.caption:
            if p.text.startswith("单位"):
                return p.text.split("：", 1)[-1].split(":", 1)[-1].strip() or None
        return None


Block = Paragraph | Table


@dataclass
class Document:
    """A read document: its blocks and the normalised lines they point into."""

    file: str
    blocks: list[Block]
    lines: list[str]
    format: str = "txt"

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def text(self) -> str:
        return "\n".join(self.lines)
