"""The normalised line view shared by the .docx, .pdf and .html readers (行视图).

These formats have no lines of their own, so a reader feeds paragraphs and tables, in document
order, to a :class:`LineView`, which lays them out the way a Word text export does:

- one line per paragraph (its cleaned text);
- for a table, one line per cell, prefixed with a tab, and a blank line after each row.

Blocks point into these lines (1-based), so ``line`` means the same thing in every format.

A cell of several paragraphs is one text, its paragraphs joined with nothing between them — except
in a table of one column (a 专栏 box, a framed list), where each paragraph is a row of its own: the
items of a box are paragraphs of its cell in Word, and the text export shows them as lines of their
own under the box, which is where :func:`healthplan.ingest.notes.read_boxes` finds them.
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
        """One paragraph; an empty one is a blank line only with ``keep_blank`` (Word's empty paragraphs)."""
        text = clean_cell(text)
        if not text:
            if keep_blank:
                self.lines.append("")
            return
        self.lines.append(text)
        self.blocks.append(Paragraph(text, len(self.lines)))

    def table(self, rows: list[list[str | list[str]]]) -> Table | None:
        """One table from rows of cells, each its raw text or the list of its paragraphs' texts
        (merged cells already reduced by the reader: a cell merged across columns once, the rest of
        a cell merged down as an empty cell)."""
        cells_of = [[cell if isinstance(cell, list) else [cell or ""] for cell in row] for row in rows if row]
        if not cells_of:
            return None
        texts: list[list[str]] = []
        if all(len(row) == 1 for row in cells_of):
            for (parts,) in cells_of:
                parts = [part for part in parts if clean_cell(part)] or [""]
                texts += [[part] for part in parts]
        else:
            texts = [["".join(parts) for parts in row] for row in cells_of]
        out: list[list[Cell]] = []
        for row in texts:
            cells = []
            for text in row:
                text = clean_cell(text)
                self.lines.append("\t" + text)
                cells.append(Cell(text, len(self.lines)))
            self.lines.append("")
            out.append(cells)
        table = Table(rows=out, line=out[0][0].line)
        table.caption = _caption(self.blocks, table.line)
        self.blocks.append(table)
        return table

    def document(self) -> Document:
        return Document(file=self.file, blocks=self.blocks, lines=self.lines, format=self.format)
