"""Plain-text exports of Word files (.txt): decoding and the table finder (表格识别).

In such exports a table cell is a line that starts with a tab; a short line without a tab right
after a cell continues it (``→健康`` ``水平`` is ``健康水平``); a blank line followed by a cell may
start a new row, but blank lines also fall inside rows, so rows are rebuilt from the table width.
"""

from __future__ import annotations

import re
from pathlib import Path

from ...errors import IngestError
from ...text import clean_cell, strip_noise
from ..blocks import Cell, Document, Paragraph, Table

PROPERTY_WORDS = ("预期性", "约束性")
HEADING = re.compile(
    r"^(第.{1,4}[章节部分篇]|[一二三四五六七八九十]+[、．.]|[（(][一二三四五六七八九十\d]+[）)]"
    r"|注[:：\d]|表\s*\d|\d+[、．.]\D|附|专栏)"
)
SENTENCE_PUNCT = re.compile(r"[。；;，,：:！？]")
CONTINUATION_MAX = 20


def decode(data: bytes, file: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (covers GBK/GB2312)."""
    if not data.strip():
        raise IngestError("文件为空，没有可读取的内容。", "The file is empty.", file)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data:
        raise IngestError("文件不是文本文档（含有二进制内容）。请提供 .txt、.docx、.pdf 或 .html 规划文件。",
                          "The file is not a text document (binary content).", file)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text
    raise IngestError("无法识别文件编码（应为 UTF-8 或 GB18030/GBK）。",
                      "Unknown text encoding (expected UTF-8 or GB18030/GBK).", file)


CONTROL_OR_PRIVATE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\ue000-\uf8ff]")


def _looks_like_text(text: str) -> bool:
    """Few control or private-use characters: a wrong decoding of binary data yields many."""
    return len(CONTROL_OR_PRIVATE.findall(text)) <= max(2, len(text) // 1000)


def read_txt(path: Path, file: str | None = None) -> Document:
    file = file or str(path)
    return parse_text(decode(path.read_bytes(), file), file)


def normalise_lines(text: str) -> list[str]:
    """Lines without CR and export noise; a line that held only noise is an empty paragraph: blank."""
    return [strip_noise(raw).rstrip(" \u3000\f\v")
            for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]


def _is_cell_line(line: str) -> bool:
    return line.lstrip(" ").startswith("\t")


def _is_blank(line: str) -> bool:
    return not _is_cell_line(line) and not line.strip()


def _continuation_candidate(line: str) -> bool:
    s = clean_cell(line)
    return 0 < len(s) <= CONTINUATION_MAX and not HEADING.match(s) and not SENTENCE_PUNCT.search(s)


def _continues_cell(lines: list[str], i: int) -> bool:
    """Is non-tab line ``i`` the rest of the cell above it?

    The export ends every row with a blank line, so a line right under a cell (no blank line
    between) that is no heading belongs to it, whatever its length (a cell of two paragraphs).
    After a blank line, only a short line that reads like no heading or sentence and is followed,
    after other such lines, by another cell continues it (``→健康`` ``(blank)`` ``水平`` ``→人均寿命``).
    """
    line = clean_cell(lines[i])
    if not line or HEADING.match(line):
        return False
    if i > 0 and not _is_blank(lines[i - 1]):
        return True
    j = i
    while j < len(lines):
        if _is_blank(lines[j]):
            j += 1
            continue
        if _is_cell_line(lines[j]):
            return True
        if not _continuation_candidate(lines[j]):
            return False
        j += 1
    return False


def parse_text(text: str, file: str = "<text>") -> Document:
    lines = normalise_lines(text)
    blocks: list = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _is_cell_line(line):
            table, i = _read_table(lines, i)
            table.caption = _caption(blocks, table.line)
            blocks.append(table)
            continue
        if line and line.strip():
            blocks.append(Paragraph(clean_cell(line), i + 1))
        i += 1
    return Document(file=file, blocks=blocks, lines=lines, format="txt")


def _caption(blocks: list, line: int) -> list[Paragraph]:
    """Up to two short paragraphs right above the table (title, ``单位：张``), each within 3 lines."""
    caption: list[Paragraph] = []
    for block in reversed(blocks[-2:]):
        if not isinstance(block, Paragraph) or len(block.text) > 60 or line - block.line > 3:
            break
        caption.insert(0, block)
        line = block.line
    return caption


def _read_table(lines: list[str], start: int) -> tuple[Table, int]:
    """Collect cells from ``start`` to the end of the table; returns the table and the next line."""
    cells: list[tuple[Cell, bool]] = []  # (cell, blank line before it)
    pieces: list[str] = []
    blank_before = False
    i = start
    last = start

    def close() -> None:
        if pieces:
            cells[-1][0].text = clean_cell("".join(pieces))

    while i < len(lines):
        line = lines[i]
        if _is_blank(line):
            blank_before = True
            i += 1
            continue
        if _is_cell_line(line):
            last = i
            close()
            cells.append((Cell("", i + 1), blank_before and bool(cells)))
            pieces = [line.lstrip(" \t")]
            blank_before = False
            i += 1
            continue
        if _continues_cell(lines, i) and not (clean_cell("".join(pieces)).startswith("专栏") and
                                              ("。" in line or len(clean_cell(line)) > 40)):
            # a 专栏 title takes no sentences: they are the box's items, read as paragraphs
            last = i
            pieces.append(line)
            blank_before = False  # blank lines inside a cell do not separate rows
            i += 1
            continue
        break
    close()
    rows = _group_rows(cells)
    return Table(rows=rows, line=start + 1, end_line=last + 1), i


def _group_rows(cells: list[tuple[Cell, bool]]) -> list[list[Cell]]:
    """Rows from cells: blank lines split segments; segments that fit in one row are joined."""
    segments: list[list[Cell]] = []
    for cell, new_segment in cells:
        if new_segment or not segments:
            segments.append([])
        segments[-1].append(cell)
    width = max((len(s) for s in segments), default=0)
    rows: list[list[Cell]] = []
    for segment in segments:
        if rows and len(rows[-1]) + len(segment) <= width and rows[-1][-1].text not in PROPERTY_WORDS:
            rows[-1].extend(segment)
        else:
            rows.append(list(segment))
    return rows
