"""Build .docx, .html and .pdf versions of a seed plan at test time (no binary fixtures in git).

Every builder reads a seed ``.txt`` with :func:`healthplan.ingest.readers.txt.parse_text`: its
blocks are the source of truth, so a reader of another format is right when it gives the same
blocks back. Short table rows (merged cells) are written as a first cell merged across the missing
columns — ``gridSpan`` in Word, ``colspan`` in HTML, ``SPAN`` in the PDF — so they read back as
short rows. The lines the text export prints right under a 专栏 box (its items, which the txt reader
reads as paragraphs joined to the box) are paragraphs of the box's last cell, as in the Word file
the export came from.

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

from healthplan.ingest.blocks import Document, Paragraph
from healthplan.ingest.readers.txt import parse_text

ASCII_WORD = re.compile(r"[A-Za-z0-9]+")


def seed_document(seed: str | Path) -> Document:
    seed = Path(seed)
    return parse_text(seed.read_text(encoding="utf-8"), seed.name)


def _short(row: list, width: int) -> int:
    """Columns the first cell of ``row`` spans beyond its own."""
    return max(0, width - len(row))


def layout(source: Document) -> list[str | list[list[list[str]]]]:
    """The document as written: paragraph texts, and tables as rows of cells, a cell being the list
    of its paragraphs. A one-column table takes the paragraphs that follow it line by line."""
    out: list = []
    blocks = source.blocks
    i = 0
    while i < len(blocks):
        block = blocks[i]
        i += 1
        if isinstance(block, Paragraph):
            out.append(block.text)
            continue
        rows = [[[cell.text] for cell in row] for row in block.rows]
        if block.width == 1:
            last = block.end_line
            while i < len(blocks) and isinstance(blocks[i], Paragraph) and blocks[i].line == last + 1:
                rows[-1][-1].append(blocks[i].text)
                last = blocks[i].line
                i += 1
        out.append(rows)
    return out


# ---------------------------------------------------------------- .docx


def build_docx(seed: str | Path, out: str | Path) -> Path:
    """A Word document: paragraphs, and bordered tables whose short rows start with a merged cell.

    Long cell texts are split over two paragraphs of the cell, as a cell's lines often are in Word.
    """
    import docx

    out = Path(out)
    document = docx.Document()
    for block in layout(seed_document(seed)):
        if isinstance(block, str):
            document.add_paragraph(block)
            continue
        width = max(len(row) for row in block)
        table = document.add_table(rows=len(block), cols=width)
        table.style = "Table Grid"
        for r, row in enumerate(block):
            cells = table.rows[r].cells
            missing = _short(row, width)
            targets = [cells[0].merge(cells[missing]) if missing else cells[0]] + list(cells[missing + 1:])
            for cell, paragraphs in zip(targets, row):
                if width > 1:
                    paragraphs = [part for part in _split_cell(paragraphs[0]) if part]
                cell.text = paragraphs[0] if paragraphs else ""
                for more in paragraphs[1:]:
                    cell.add_paragraph(more)
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
    for block in layout(source):
        if isinstance(block, str):
            parts.append(f"<p>{html.escape(block, quote=False)}</p>")
            continue
        width = max(len(row) for row in block)
        parts.append('<table border="1" cellspacing="0">')
        for r, row in enumerate(block):
            tag = "th" if r == 0 else "td"
            if r == 0:
                parts.append("<thead>")
            elif r == 1:
                parts.append("<tbody>")
            missing = _short(row, width)
            cells = []
            for k, paragraphs in enumerate(row):
                span = f' colspan="{missing + 1}"' if k == 0 and missing else ""
                if width == 1:  # a box: one <p> per paragraph
                    inner = "".join(f"<p>{html.escape(t, quote=False)}</p>" for t in paragraphs)
                else:  # a long cell broken over two lines, as editors do
                    inner = "<br>".join(html.escape(t, quote=False) for t in _split_cell(paragraphs[0]) if t)
                cells.append(f"<{tag}{span}>{inner}</{tag}>")
            parts.append("  <tr>" + "".join(cells) + "</tr>")
            if r == 0:
                parts.append("</thead>")
        if len(block) > 1:
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


def _column_widths(rows: list[list[list[str]]], width: int, total: float) -> list[float]:
    """Natural widths scaled to the frame; each column at least as wide as its longest ASCII word."""
    natural = [2 * CELL_SIZE + 2 * PAD] * width
    least = list(natural)
    for row in rows:
        missing = _short(row, width)
        for k, paragraphs in enumerate(row):
            col = 0 if k == 0 else k + missing
            text = "".join(paragraphs)
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
    """A text PDF (A4): indented paragraphs, ruled tables with wrapping cells, a running head and
    page numbers.

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
    frame = A4[0] - 2 * margin - 12  # the frame pads its content by 6 points on each side
    body = ParagraphStyle("body", fontName=FONT, fontSize=BODY_SIZE, leading=BODY_LEADING,
                          firstLineIndent=2 * BODY_SIZE, spaceBefore=4)
    cell_style = ParagraphStyle("cell", fontName=FONT, fontSize=CELL_SIZE, leading=CELL_LEADING)
    indent = 2 * CELL_SIZE  # paragraphs of a box cell: indented first lines, as in the body
    box_style = ParagraphStyle("box", parent=cell_style, firstLineIndent=indent, spaceBefore=2)
    slack = 1.0
    story = []
    tables = 0
    for block in layout(source):
        if isinstance(block, str):
            lines = wrap(block, frame - 2 * BODY_SIZE - slack, frame - slack, BODY_SIZE)
            story.append(RLParagraph(_markup(lines), body))
            continue
        width = max(len(row) for row in block)
        widths = _column_widths(block, width, frame)
        data, style = [], [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), PAD), ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
        for r, row in enumerate(block):
            missing = _short(row, width)
            if missing:
                style.append(("SPAN", (0, r), (missing, r)))
            cells = []
            for k, paragraphs in enumerate(row):
                span = sum(widths[: missing + 1]) if k == 0 else widths[k + missing]
                room = span - 2 * PAD - slack
                flow = [RLParagraph(_markup(wrap(t, room - (indent if len(paragraphs) > 1 else 0), room,
                                                 CELL_SIZE)),
                                    box_style if len(paragraphs) > 1 else cell_style) for t in paragraphs]
                cells.append(flow if len(flow) > 1 else flow[0])
                if k == 0:
                    cells += [""] * missing
            data.append(cells)
        story.append(RLTable(data, colWidths=widths, style=style, hAlign="LEFT",
                             repeatRows=1 if tables % 2 == 0 else 0))
        tables += 1

    def page_number(canvas, document) -> None:  # a running head and the page number
        canvas.saveState()
        canvas.setFont(FONT, 9)
        canvas.drawCentredString(A4[0] / 2, A4[1] - 34, "卫生健康事业发展规划（测试文本）")
        canvas.drawCentredString(A4[0] / 2, 28, f"- {document.page} -")
        canvas.restoreState()

    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return out


# ---------------------------------------------------------------- merged cells, every format

# A caption and a 6 × 3 table with cells merged across, down, and both ways:
# (row, column, rows spanned, columns spanned, text) for the top-left position of every cell.
GRID_CAPTION = ["表9 合并单元格示例", "单位：张"]
GRID_SIZE = (6, 3)
GRID = [
    (0, 0, 1, 1, "类别"), (0, 1, 1, 1, "机构名称"), (0, 2, 1, 1, "床位数"),
    (1, 0, 1, 2, "非公立医院"), (1, 2, 1, 1, "383"),
    (2, 0, 2, 1, "县办医院"), (2, 1, 1, 1, "人民医院"), (2, 2, 1, 1, "490"),
    (3, 1, 1, 1, "中医院"), (3, 2, 1, 1, "300"),
    (4, 0, 2, 2, "合计"), (4, 2, 1, 1, "1173"),
    (5, 2, 1, 1, "1200"),
]
# merged across: once; the rest of a cell merged down: one empty cell
GRID_ROWS = [["类别", "机构名称", "床位数"], ["非公立医院", "383"], ["县办医院", "人民医院", "490"],
             ["", "中医院", "300"], ["合计", "1173"], ["", "1200"]]


def build_grid_docx(out: str | Path) -> Path:
    import docx

    document = docx.Document()
    for text in GRID_CAPTION:
        document.add_paragraph(text)
    table = document.add_table(rows=GRID_SIZE[0], cols=GRID_SIZE[1])
    table.style = "Table Grid"
    for r, c, down, across, text in GRID:
        cell = table.cell(r, c)
        if down > 1 or across > 1:
            cell = cell.merge(table.cell(r + down - 1, c + across - 1))
        cell.text = text
    document.add_paragraph("注：示例。")
    document.save(str(out))
    return Path(out)


def build_grid_html(out: str | Path) -> Path:
    rows: list[list[str]] = [[] for _ in range(GRID_SIZE[0])]
    for r, c, down, across, text in GRID:
        span = (f' rowspan="{down}"' if down > 1 else "") + (f' colspan="{across}"' if across > 1 else "")
        rows[r].append(f"<td{span}>{text}</td>")
    body = "".join(f"<p>{t}</p>" for t in GRID_CAPTION)
    body += "<table border=1>" + "".join(f"<tr>{''.join(r)}</tr>" for r in rows) + "</table><p>注：示例。</p>"
    page = f'<html><head><meta charset="utf-8"></head><body>{body}</body></html>'
    Path(out).write_text(page, encoding="utf-8")
    return Path(out)


def build_grid_pdf(out: str | Path) -> Path:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph as RLParagraph
    from reportlab.platypus import SimpleDocTemplate
    from reportlab.platypus import Table as RLTable

    _fonts()
    style = ParagraphStyle("g", fontName=FONT, fontSize=10.5, leading=15)
    data = [[""] * GRID_SIZE[1] for _ in range(GRID_SIZE[0])]
    spans = [("GRID", (0, 0), (-1, -1), 0.5, colors.black)]
    for r, c, down, across, text in GRID:
        data[r][c] = RLParagraph(text, style)
        if down > 1 or across > 1:
            spans.append(("SPAN", (c, r), (c + across - 1, r + down - 1)))
    story = [RLParagraph(t, style) for t in GRID_CAPTION]
    story += [RLTable(data, colWidths=[120, 120, 120], style=spans, hAlign="LEFT"),
              RLParagraph("注：示例。", style)]
    SimpleDocTemplate(str(out), pagesize=A4).build(story)
    return Path(out)
