"""PDF files with a text layer (.pdf): ruled tables and the paragraphs around them (PDF 文档).

Per page, ruled tables are found with pdfplumber; the text lines outside them are read in
reading order and tables and lines are kept in document order by their vertical position.

- Paragraphs: a PDF has lines, not paragraphs. A line continues the line above when it starts at
  the left margin (not indented, not centred), follows at the normal line spacing (or opens the
  next page), and the line above is full: the first word of this line would not have fitted at its
  end. The left margin is the leftmost start shared by several lines; the right margin is the left
  one mirrored, or further right where lines reach (not far beyond it: an overflowing line is no
  margin). Pieces are joined with nothing between them, except a space between two ASCII letters
  or digits (a word break), as in :func:`healthplan.text.clean_cell`.
- Page numbers in the top or bottom margin (``- 3 -``, ``第3页``), and running heads or feet (the
  same line there on most pages, numbers aside), are dropped.
- Tables: ruled tables, a lone ruled rectangle with text in it included (a 专栏 box of one cell).
  pdfplumber gives ``None`` for grid positions not started by a cell. Such a position
  covered by a cell begun to its left in the same row is a horizontal merge and is dropped, so the
  merged cell appears once and the row is shorter; one covered by a cell begun in a row above is
  the continuation of a vertical merge and becomes one empty cell.
- In a table of one column (a 专栏 box), the paragraphs of a cell are told apart as on the page
  and each becomes a row (see :mod:`.lineview`).
- A table that opens a page right after a table that closed the previous one, with the same outer
  edges and columns (no caption between), is the same table; a repeated header row is dropped.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import IngestError
from ...text import clean_cell
from ..blocks import Document
from .lineview import LineView

PAGE_NUMBER = re.compile(r"^[-—–－\s]*(第\s*)?\d{1,4}\s*页?\s*([/／]\s*\d{1,4}|共\s*\d{1,4}\s*页)?[-—–－\s]*$")
CLOSING = set("，。、；：！？）》」』】〉”’%‰,.;:!?)]}")
MARGIN_ZONE = 0.1  # top and bottom tenth of the page: headers and footers


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    size: float
    lead: float  # width of the first word (a CJK character or an ASCII word, with closing punctuation)
    page: int
    group: int  # page width, rounded: margins are measured per group
    edge: bool = False  # in the top or bottom margin zone of the page


@dataclass
class _Tab:
    rows: list[list[str | list[str]]]
    x0: float
    x1: float
    bounds: list[float]
    page: int
    header: list[str] = field(default_factory=list)


def read_pdf(path: Path, file: str | None = None) -> Document:
    file = file or str(path)
    try:
        if Path(path).stat().st_size == 0:
            raise IngestError("文件为空，没有可读取的内容。", "The file is empty.", file)
    except OSError as exc:
        raise IngestError("无法打开文件。", f"Cannot open the file ({exc.strerror or exc}).", file) from exc
    try:
        import pdfplumber

        pdf = pdfplumber.open(str(path))
    except Exception as exc:
        raise _open_error(file, exc) from exc
    pages: list[list[_Line | _Tab]] = []
    text_chars = cid_chars = 0
    try:
        with pdf:
            for index, page in enumerate(pdf.pages):
                items, chars, cids = _read_page(page, index)
                pages.append(items)
                text_chars += chars
                cid_chars += cids
    except IngestError:
        raise
    except Exception as exc:
        raise _open_error(file, exc) from exc
    if not pages:
        raise IngestError("PDF 文件没有页面。", "The PDF has no pages.", file)
    if text_chars == 0:
        raise IngestError(
            "PDF 没有文字层（可能是扫描件或图片），无法读取文字。请先进行文字识别（OCR），或提供 .docx/.txt 版本。",
            "The PDF has no text layer (probably a scan or images), so no text can be read. Run OCR on it "
            "first, or provide the .docx/.txt version.", file)
    if cid_chars > text_chars / 2:
        raise IngestError(
            "PDF 的字体没有文字编码映射，提取出的文字无法识别。请提供 .docx/.txt 版本，或重新导出带文字的 PDF。",
            "The PDF's fonts have no Unicode mapping, so its text cannot be read. Provide the .docx/.txt "
            "version, or export the PDF again with text.", file)
    return _assemble(pages, file)


def _open_error(file: str, exc: Exception) -> IngestError:
    chain, e = [], exc
    while e is not None and len(chain) < 6:
        chain.append(e)
        e = e.__cause__ or e.__context__
    names = " ".join(f"{type(e).__name__} {e}" for e in chain)
    if re.search(r"password|encrypt", names, re.I):
        return IngestError("PDF 已加密（需要密码），无法读取。请提供未加密的版本。",
                           "The PDF is encrypted (a password is needed) and cannot be read. "
                           "Provide an unencrypted copy.", file)
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if len(reason) > 160:
        reason = reason[:157] + "…"
    return IngestError("无法读取 PDF 文件：文件已损坏、不完整或不是 PDF。",
                       f"Cannot read the PDF: the file is damaged, incomplete or not a PDF ({reason}).", file)


def _read_page(page, index: int) -> tuple[list[_Line | _Tab], int, int]:
    chars = [c for c in page.chars if c.get("text", "").strip()]
    cids = sum(1 for c in chars if c["text"].startswith("(cid:"))
    if not chars:
        return [], 0, 0
    tables = _find_tables(page, chars)
    boxes = [t.bbox for t in tables]

    def outside(obj) -> bool:
        if obj.get("object_type") != "char":
            return True
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

    text_page = page.filter(outside) if boxes else page
    found: list[tuple[float, float, _Line | _Tab]] = []
    for ln in _lines(text_page, index):
        ln.edge = ln.top < page.height * MARGIN_ZONE or ln.top > page.height * (1 - MARGIN_ZONE)
        if not (ln.edge and PAGE_NUMBER.match(ln.text)):
            found.append((ln.top, ln.x0, ln))
    for table in tables:
        rows = table_rows(table)
        if not rows:
            continue
        if all(len(row) == 1 for row in rows):  # a box: tell the paragraphs of each cell apart
            bboxes = [next(c for c in r.cells if c is not None) for r in table.rows
                      if any(c is not None for c in r.cells)]
            rows = [[_cell_paragraphs(page, bbox, index)] for bbox in bboxes]
        x0, top, x1, _ = table.bbox
        bounds = sorted({round(float(c[0]), 1) for c in table.cells} | {round(float(x1), 1)})
        found.append((float(top), float(x0), _Tab(rows=rows, x0=float(x0), x1=float(x1), bounds=bounds,
                                                  page=index, header=_row_key(rows[0]))))
    found.sort(key=lambda item: (item[0], item[1]))
    return [item for _, _, item in found], len(chars), cids


def _find_tables(page, chars: list[dict]) -> list:
    """Ruled tables, including tables of a single cell (a 专栏 box), which pdfplumber leaves out.

    A lone ruled rectangle counts when it holds text, lies in no other table and is no page border.
    """
    from pdfplumber.table import Table

    finder = page.debug_tablefinder()
    tables = list(finder.tables)
    grouped = {tuple(cell) for table in tables for cell in table.cells}
    for cell in finder.cells:
        x0, top, x1, bottom = cell
        if tuple(cell) in grouped or any(_overlap(cell, t.bbox) for t in tables):
            continue
        if x1 - x0 > 0.88 * float(page.width) and bottom - top > 0.8 * float(page.height):
            continue  # a frame round the page
        if any(x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and top <= (c["top"] + c["bottom"]) / 2 <= bottom
               for c in chars):
            tables.append(Table(page, [cell]))
    return sorted(tables, key=lambda t: (t.bbox[1], t.bbox[0]))


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _row_key(row: list[str | list[str]]) -> list[str]:
    return [clean_cell("".join(cell) if isinstance(cell, list) else cell) for cell in row]


def _lines(page, index: int) -> list[_Line]:
    out = []
    group = round(float(page.width))
    for line in page.extract_text_lines(strip=True, return_chars=True):
        line_chars = [c for c in line["chars"] if c["text"].strip()]
        if not line["text"].strip() or not line_chars:
            continue
        size = statistics.median(float(c["size"]) for c in line_chars)
        out.append(_Line(text=line["text"], x0=float(line["x0"]), x1=float(line["x1"]),
                         top=float(line["top"]),
                         size=size, lead=_lead_width(line_chars, size), page=index, group=group))
    return out


def _cell_paragraphs(page, bbox, index: int) -> list[str]:
    lines = _lines(page.crop(bbox), index)
    if not lines:
        return [""]
    rule = _Rule.measure(lines, float(bbox[0]), float(bbox[2]), _pitch([lines]), page=False)
    paragraphs: list[list[_Line]] = []
    for ln in lines:
        if paragraphs and rule.continues(paragraphs[-1][-1], ln, False):
            paragraphs[-1].append(ln)
        else:
            paragraphs.append([ln])
    return ["\n".join(ln.text for ln in para) for para in paragraphs]


@dataclass
class _Rule:
    """When a line continues the paragraph of the line above (see the module docstring)."""

    left: float
    right: float
    pitch: float | None

    @classmethod
    def measure(cls, lines: list[_Line], x0: float, x1: float, pitch: float | None, *, page: bool) -> _Rule:
        """Margins of ``lines`` set between ``x0`` and ``x1`` (a page, or a cell: no stray lines there)."""
        starts = Counter(round(ln.x0) for ln in lines)
        shared = [x for x, n in starts.items() if n >= max(2, len(lines) // 20)] if page else []
        left = float(min(shared)) if shared else min(ln.x0 for ln in lines)
        mirrored = x1 - (left - x0)
        size = statistics.median(ln.size for ln in lines)
        reach = [ln.x1 for ln in lines if ln.x1 <= mirrored + 3 * size]
        return cls(left, max([mirrored] + reach), pitch)

    def continues(self, prev: _Line, cur: _Line, opens_page: bool) -> bool:
        if cur.page != prev.page:
            if not opens_page or cur.page != prev.page + 1:
                return False
        else:
            step = cur.top - prev.top
            if step <= 0 or step > (self.pitch or 1.6 * cur.size) + 0.3 * cur.size:
                return False
        if abs(cur.size - prev.size) > 0.6 or prev.group != cur.group:
            return False
        if cur.x0 > self.left + 0.6 * cur.size:
            return False  # indented (a new paragraph) or centred
        return self.right - prev.x1 < cur.lead + 0.35 * cur.size


def _pitch(runs: list[list]) -> float | None:
    """The usual distance between the tops of two lines of a paragraph."""
    steps = [round(b.top - a.top, 1) for items in runs for a, b in zip(items, items[1:])
             if isinstance(a, _Line) and isinstance(b, _Line) and 0 < b.top - a.top < 3 * a.size]
    return Counter(steps).most_common(1)[0][0] if steps else None


def _lead_width(chars: list[dict], size: float) -> float:
    """Width of the line's first word: one CJK character, or a run of ASCII letters and digits;
    closing punctuation that may not start a line goes with it."""
    first = chars[0]
    end = 0
    if _ascii_word(first["text"]):
        while end + 1 < len(chars) and _ascii_word(chars[end + 1]["text"]) \
                and chars[end + 1]["x0"] - chars[end]["x1"] < 0.15 * size:
            end += 1
    while end + 1 < len(chars) and chars[end + 1]["text"] in CLOSING:
        end += 1
    return float(chars[end]["x1"]) - float(first["x0"])


def _ascii_word(ch: str) -> bool:
    return len(ch) == 1 and ch.isascii() and ch.isalnum()


def table_rows(table) -> list[list[str | list[str]]]:
    """Rows of a pdfplumber table with merged cells reduced (see the module docstring)."""
    texts = table.extract()
    cells = table.cells
    xs = sorted({c[0] for c in cells})
    out: list[list[str | list[str]]] = []
    for row, row_texts in zip(table.rows, texts):
        present = [c for c in row.cells if c is not None]
        if not present:
            continue
        top = min(c[1] for c in present)
        cur: list[str | list[str]] = []
        for j, (bbox, text) in enumerate(zip(row.cells, row_texts)):
            if bbox is not None:
                cur.append(text or "")
                continue
            px, py = xs[j] + 0.5, top + 0.5
            cover = next((c for c in cells if c[0] <= px < c[2] and c[1] <= py < c[3]), None)
            if cover is None:
                cur.append("")  # a gap in the ruling: an empty cell
            elif cover[1] < top - 0.5 and abs(cover[0] - xs[j]) < 0.5:
                cur.append("")  # first column of a cell merged down from a row above
            # else: covered by a cell begun to the left (merged across): it already appears once
        out.append(cur)
    return out


def _assemble(pages: list[list[_Line | _Tab]], file: str) -> Document:
    pages = _without_running_lines(pages)
    lines = [item for items in pages for item in items if isinstance(item, _Line)]
    pitch = _pitch(pages)
    rules: dict[int, _Rule] = {}
    for group in {ln.group for ln in lines}:
        rules[group] = _Rule.measure([ln for ln in lines if ln.group == group], 0.0, float(group), pitch,
                                     page=True)

    blocks: list[list[_Line] | _Tab] = []
    for items in pages:
        for k, item in enumerate(items):
            prev = blocks[-1] if blocks else None
            if isinstance(item, _Line):
                if isinstance(prev, list) and rules[item.group].continues(prev[-1], item, k == 0):
                    prev.append(item)
                else:
                    blocks.append([item])
            elif isinstance(prev, _Tab) and k == 0 and _continues_table(prev, item):
                rows = item.rows[1:] if _row_key(item.rows[0]) == prev.header else item.rows
                prev.rows.extend(rows)
                prev.page = item.page
            else:
                blocks.append(item)
    view = LineView(file, "pdf")
    for block in blocks:
        if isinstance(block, _Tab):
            view.table(block.rows)
        else:
            view.paragraph("\n".join(ln.text for ln in block))
    return view.document()


def _without_running_lines(pages: list[list[_Line | _Tab]]) -> list[list[_Line | _Tab]]:
    """Drop running heads and feet: a line in the margin zone repeated, numbers aside, on most pages."""
    if len(pages) < 3:
        return pages
    seen: Counter = Counter()
    for items in pages:
        seen.update({_digitless(it.text) for it in items if isinstance(it, _Line) and it.edge})
    running = {text for text, n in seen.items() if n >= max(3, len(pages) // 2)}
    if not running:
        return pages
    return [[it for it in items if not (isinstance(it, _Line) and it.edge and _digitless(it.text) in running)]
            for items in pages]


def _digitless(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _continues_table(prev: _Tab, cur: _Tab) -> bool:
    """``cur`` opens the page after the one ``prev`` closed, on the same grid (columns may be fewer
    where merged cells hide a ruling line)."""
    if cur.page != prev.page + 1 or abs(cur.x0 - prev.x0) > 2 or abs(cur.x1 - prev.x1) > 2:
        return False
    return all(any(abs(b - p) <= 2 for p in prev.bounds) for b in cur.bounds)
