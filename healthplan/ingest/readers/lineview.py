"""The normalised line view shared by the .docx, .pdf and .html readers (行视图).

These formats have no lines of their own, so a reader feeds paragraphs and tables, in document
order, to a :class:`LineView`, which lays them out the way a Word text export does:

- one line per paragraph (its cleaned text);
- for a table, one line per cell, prefixed with a tab, and a blank line between rows (none after
  the last row, so that a paragraph right under a table sits on the next line, as the lines of a
  专栏 box or a ``注：`` list do in the exports).

Blocks point into these lines (1-based), so ``line`` means the same thing in every format.
"""

from __future__ import annotations

from ...text import clean_cell
from ..blocks import Block, Cell, Document, Paragraph, Table
from .txt import _caption


class LineView:
    """Collects blocks and their lines; :meth:`document` returns the finished :class:`Document`."""

    def __init__(self, file: str, format: str):
        self.file = file
        self.format = format
        self.lines: list[str] = []
        self.blocks: list[Block] = []

    def paragraph(self, text: str, *, keep_blank: bool = False) -> None:
        """One paragraph; an empty one adds a blank line only when ``keep_blank`` (Word's empty paragraphs)."""
        text = clean_cell(text)
        if not text:
            if keep_blank:
                self.lines.append("")
            return
        self.lines.append(text)
        self.blocks.append(Paragraph(text, len(self.lines)))

    def table(self, rows: list[list[str]]) -> Table | None:
        """One table from rows of raw cell texts (merged cells already reduced by the reader)."""
        rows = [row for row in rows if row]
        if not rows:
            return None
        out: list[list[Cell]] = []
        for k, row in enumerate(rows):
            if k:
                self.lines.append("")
            cells = []
            for text in row:
                text = clean_cell(text or "")
                self.lines.append("\t" + text)
                cells.append(Cell(text, len(self.lines)))
            out.append(cells)
        table = Table(rows=out, line=out[0][0].line)
        table.caption = _caption(self.blocks, table.line)
        self.blocks.append(table)
        return table

    def document(self) -> Document:
        return Document(file=self.file, blocks=self.blocks, lines=self.lines, format=self.format)
