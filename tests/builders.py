"""Build .docx, .html and .pdf versions of a seed plan at test time (no binary fixtures in git).

Every builder reads a seed ``.txt`` with :func:`healthplan.ingest.readers.txt.parse_text`: its
blocks are the source of truth, so a reader of another format is right when it gives the same
blocks back. Short table rows (merged cells) are written as a first cell merged across the missing
columns — ``gridSpan`` in Word, ``colspan`` in HTML, ``SPAN`` in the PDF — so they read back as
short rows.

PDF text uses reportlab's built-in CID font ``STSong-Light`` (no font file needed; pdfminer maps it
back to Unicode through the Adobe-GB1 tables it ships). The few characters that font's encoding
cannot carry (the middle dot ``·`` in the seeds) are written with ``Vera.ttf``, which ships with
reportlab. Lines are broken here, not by reportlab, so that no line break falls inside an ASCII word
or number, as in a PDF printed from Word.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path

from healthplan.ingest.blocks import Document, Paragraph, Table
from healthplan.ingest.readers.txt import parse_text

ASCII_WORD = re.compile(r"[A-Za-z0-9]+")


def seed_document(seed: str | Path) -> Document:
    seed = Path(seed)
    return parse_text(seed.read_text(encoding="utf-8"), seed.name)


def _short(row: list, width: int) -> int:
    """Columns the first cell of ``row`` spans beyond its own."""
    return max(0, width - len(row))


# ---------------------------------------------------------------- .docx


def build_docx(seed: str | Path, out: str | Path) -> Path:
    """A Word document: paragraphs, and bordered tables whose short rows start with a merged cell.

    Long cell texts are split over two paragraphs of the cell, as a cell's lines often are in Word.
    """
    import docx

    out = Path(out)
    source = seed_document(seed)
    document = docx.Document()
    for block in source.blocks:
        if isinstance(block, Paragraph):
            document.add_paragraph(block.text)
            continue
        width = block.width
        table = document.add_table(rows=len(block.rows), cols=width)
        table.style = "Table Grid"
        for r, row in enumerate(block.rows):
            cells = table.rows[r].cells
            missing = _short(row, width)
            targets = [cells[0].merge(cells[missing]) if missing else cells[0]] + list(cells[missing + 1:])
            for cell, source_cell in zip(targets, row):
                head, tail = _split_cell(source_cell.text)
                cell.text = head
                if tail:
                    cell.add_paragraph(tail)
    document.save(str(out))
    return out


def _split_cell(text: str) -> tuple[str, str]:
    """Cut a long text in two where no ASCII word is broken (the reader joins a cell's paragraphs)."""
    if len(text) <= 40:
        return text, ""
    for cut in range(len(text) // 2, len(text) - 1):
        if not (text[cut - 1].isascii() or text[cut].isascii()):
            return text[:cut], text[cut:]
    return text, ""


# ---------------------------------------------------------------- .html


def build_html(seed: str | Path, out: str | Path, *, encoding: str = "utf-8", declare: bool = True) -> Path:
    """A web page with ``<p>`` paragraphs and ``<table>``s (header row in ``<thead>``, ``colspan``
    for short rows). ``declare=False`` leaves out ``<meta charset>``; characters the encoding
    lacks are written as character references, as browsers and editors do."""
    out = Path(out)
    source = seed_document(seed)
    parts = ["<!DOCTYPE html>", "<html>", "<head>"]
    if declare:
        parts.append(f'<meta charset="{encoding}">')
    parts += ["<title>规划</title>", "<style>td, th { border: 1px solid #000; }</style>", "</head>", "<body>"]
    for block in source.blocks:
        if isinstance(block, Paragraph):
            parts.append(f"<p>{html.escape(block.text, quote=False)}</p>")
            continue
        width = block.width
        parts.append('<table border="1" cellspacing="0">')
        for r, row in enumerate(block.rows):
            tag = "th" if r == 0 else "td"
            if r == 0:
                parts.append("<thead>")
            elif r == 1:
                parts.append("<tbody>")
            missing = _short(row, width)
            cells = []
            for k, cell in enumerate(row):
                span = f' colspan="{missing + 1}"' if k == 0 and missing else ""
                cells.append(f"<{tag}{span}>{html.escape(cell.text, quote=False)}</{tag}>")
            parts.append("  <tr>" + "".join(cells) + "</tr>")
            if r == 0:
                parts.append("</thead>")
        if len(block.rows) > 1:
            parts.append("</tbody>")
        parts.append("</table>")
    parts += ["</body>", "</html>", ""]
    out.write_bytes("\n".join(parts).encode(encoding, errors="xmlcharrefreplace"))
    return out


# ---------------------------------------------------------------- .pdf

FONT = "STSong-Light"
FALLBACK = "Vera"
BODY_SIZE, BODY_LEADING = 10.5, 15.75
CELL_SIZE, CELL_LEADING, PAD = 9.0, 12.0, 3.0


@lru_cache(maxsize=None)
def _fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    pdfmetrics.registerFont(TTFont(FALLBACK, "Vera.ttf"))


@lru_cache(maxsize=None)
def _cid_maps():
    from pdfminer.cmapdb import CMapDB

    return CMapDB.get_cmap("UniGB-UCS2-H"), CMapDB.get_unicode_map("Adobe-GB1")


@lru_cache(maxsize=None)
def font_for(ch: str) -> str:
    """``STSong-Light`` when a reader gets ``ch`` back from it, else the fallback TrueType font."""
    if ch == " ":
        return FONT
    cmap, umap = _cid_maps()
    try:
        cids = list(cmap.decode(ch.encode("utf-16-be")))
        if len(cids) == 1 and umap.get_unichr(cids[0]) == ch:
            return FONT
    except (KeyError, UnicodeEncodeError):
        pass
    from reportlab.pdfbase import pdfmetrics

    face = pdfmetrics.getFont(FALLBACK).face
    if ord(ch) not in face.charToGlyph:
        raise ValueError(f"no font in the PDF builder can write {ch!r} (U+{ord(ch):04X})")
    return FALLBACK


def _width(text: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return sum(stringWidth(ch, font_for(ch), size) for ch in text)


def wrap(text: str, first: float, rest: float, size: float) -> list[str]:
    """Break ``text`` into lines no wider than ``first`` (the first line) and ``rest`` points.

    A break may fall between any two characters except inside a run of ASCII letters and digits;
    a space at a break is dropped, as word processors do.
    """
    lines: list[str] = []
    current, used, room = "", 0.0, first
    for token in re.findall(r"[A-Za-z0-9]+|.", text):
        if token == " ":
            if current:
                current += " "
                used += _width(" ", size)
            continue
        w = _width(token, size)
        if current and used + w > room:
            lines.append(current.rstrip(" "))
            current, used, room = "", 0.0, rest
        if w > room:
            raise ValueError(f"{token!r} is wider than its column; widen the column in the builder")
        current += token
        used += w
    lines.append(current.rstrip(" "))
    return lines


def _markup(lines: list[str]) -> str:
    out = []
    for line in lines:
        pieces = []
        for ch in line:
            piece = html.escape(ch, quote=False)
            pieces.append(piece if font_for(ch) == FONT else f'<font name="{FALLBACK}">{piece}</font>')
        out.append("".join(pieces))
    return "<br/>".join(out)


def _column_widths(table: Table, total: float) -> list[float]:
    """Natural widths scaled to the frame; each column at least as wide as its longest ASCII word."""
    width = table.width
    natural = [2 * CELL_SIZE + 2 * PAD] * width
    least = list(natural)
    for row in table.rows:
        missing = _short(row, width)
        for k, cell in enumerate(row):
            col = 0 if k == 0 else k + missing
            text = cell.text
            words = ASCII_WORD.findall(text)
            longest = max((_width(w, CELL_SIZE) for w in words), default=0.0) + 2 * PAD + 1
            least[col] = max(least[col], longest)
            if k or not missing:
                natural[col] = max(natural[col], _width(text, CELL_SIZE) + 2 * PAD + 1)
    if sum(natural) <= total:
        return [w * total / sum(natural) for w in natural]
    spare = total - sum(least)
    if spare < 0:
        raise ValueError("table too wide for the page")
    extra = [n - m for n, m in zip(natural, least)]
    return [m + spare * e / sum(extra) if sum(extra) else m for m, e in zip(least, extra)]


def build_pdf(seed: str | Path, out: str | Path) -> Path:
    """A text PDF (A4): indented paragraphs, ruled tables with wrapping cells, page numbers.

    Long tables run over pages; every other table repeats its header row on each page.
    """
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph as RLParagraph
    from reportlab.platypus import SimpleDocTemplate
    from reportlab.platypus import Table as RLTable

    _fonts()
    out = Path(out)
    source = seed_document(seed)
    margin = 56.0
    doc = SimpleDocTemplate(str(out), pagesize=A4, leftMargin=margin, rightMargin=margin,
                            topMargin=margin, bottomMargin=margin, title=source.file)
    frame = A4[0] - 2 * margin
    body = ParagraphStyle("body", fontName=FONT, fontSize=BODY_SIZE, leading=BODY_LEADING,
                          firstLineIndent=2 * BODY_SIZE, spaceBefore=4)
    cell_style = ParagraphStyle("cell", fontName=FONT, fontSize=CELL_SIZE, leading=CELL_LEADING)
    slack = 1.0
    story = []
    tables = 0
    for block in source.blocks:
        if isinstance(block, Paragraph):
            lines = wrap(block.text, frame - 2 * BODY_SIZE - slack, frame - slack, BODY_SIZE)
            story.append(RLParagraph(_markup(lines), body))
            continue
        width = block.width
        widths = _column_widths(block, frame)
        data, style = [], [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), PAD), ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
        for r, row in enumerate(block.rows):
            missing = _short(row, width)
            if missing:
                style.append(("SPAN", (0, r), (missing, r)))
            cells = []
            for k, cell in enumerate(row):
                span = sum(widths[: missing + 1]) if k == 0 else widths[k + missing]
                lines = wrap(cell.text, span - 2 * PAD - slack, span - 2 * PAD - slack, CELL_SIZE)
                cells.append(RLParagraph(_markup(lines), cell_style))
                if k == 0:
                    cells += [""] * missing
            data.append(cells)
        story.append(RLTable(data, colWidths=widths, style=style, hAlign="LEFT",
                             repeatRows=1 if tables % 2 == 0 else 0))
        tables += 1

    def page_number(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 9)
        canvas.drawCentredString(A4[0] / 2, 28, f"- {document.page} -")
        canvas.restoreState()

    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return out
