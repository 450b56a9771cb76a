"""Web pages (.html, .htm): block elements as paragraphs, ``<table>`` as tables (网页).

Encoding: a byte-order mark wins; else a declared charset (``<meta charset>``, ``http-equiv``
Content-Type, or an XML declaration) is honoured, GB2312/GBK read as GB18030 (their superset); with
no declaration, or one that cannot decode the bytes, the text reader's detection (UTF-8, else
GB18030) is used. A file declared GB2312/GBK whose bytes are valid UTF-8 with Chinese in it was
re-saved by an editor without fixing the declaration, and is read as UTF-8.

Tables: a cell with ``colspan`` appears once in its row; where a ``rowspan`` cell continues into a
row, that row gets an empty cell at its place. The pieces of a cell (``<p>``, ``<br>``) are joined
with nothing in between, as in the other readers (in a table of one column, a 专栏 box, each piece
is an item: see :mod:`.lineview`).
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from ...errors import IngestError
from ..blocks import Document
from .lineview import LineView
from .txt import decode

BLOCK_TAGS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "section",
    "article", "header", "footer", "nav", "aside", "main", "blockquote", "pre", "address", "figure",
    "figcaption", "center", "form", "fieldset", "legend", "hr", "body", "html", "details", "summary",
    "caption", "menu",
}
SKIP_TAGS = {"script", "style", "head", "title", "noscript", "template", "meta", "link", "iframe",
             "object", "embed", "svg", "math", "select", "option", "button", "input", "textarea"}
GB_FAMILY = {"gb2312", "gbk", "x-gbk", "gb18030", "cp936", "windows-936", "ms936", "csgb2312",
             "gb_2312-80", "euc-cn", "chinese", "iso-ir-58", "csiso58gb231280", "x-euc-cn"}
_DECLARED = [
    re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I),
    re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9_.:-]+)", re.I),
]
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def read_html(path: Path, file: str | None = None) -> Document:
    file = file or str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise IngestError("无法打开文件。", f"Cannot open the file ({exc.strerror or exc}).", file) from exc
    return parse_html(decode_html(data, file), file)


def declared_charset(data: bytes) -> str | None:
    """The charset named in the first 64 KB (meta tag or XML declaration), lower-cased."""
    head = data[:65536]
    for pattern in _DECLARED:
        m = pattern.search(head)
        if m:
            return m.group(1).decode("ascii", "replace").strip().lower()
    return None


def decode_html(data: bytes, file: str) -> str:
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return decode(data, file)
    name = declared_charset(data)
    if name:
        if name in GB_FAMILY:
            if _is_utf8_chinese(data):
                return data.decode("utf-8")
            name = "gb18030"
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            codec = None
        if codec and "utf-16" not in codec and "utf-32" not in codec:  # a lie when there is no BOM
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                pass
    return decode(data, file)


def _is_utf8_chinese(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def parse_html(text: str, file: str = "<html>") -> Document:
    from bs4 import BeautifulSoup

    try:
        soup = BeautifulSoup(text, "lxml")
    except Exception as exc:
        raise IngestError("无法解析 HTML 文件。", f"Cannot parse the HTML file ({type(exc).__name__}: {exc}).",
                          file) from exc
    walker = _Walker(LineView(file, "html"))
    walker.walk(soup.body or soup)
    walker.flush()
    return walker.view.document()


class _Walker:
    def __init__(self, view: LineView):
        self.view = view
        self.buffer: list[str] = []

    def flush(self) -> None:
        if self.buffer:
            self.view.paragraph("".join(self.buffer))
            self.buffer = []

    def walk(self, node) -> None:
        from bs4 import NavigableString, Tag

        for child in node.children:
            if isinstance(child, Tag):
                name = (child.name or "").lower()
                if name in SKIP_TAGS or _hidden(child):
                    continue
                if name == "table":
                    self.flush()
                    self.table(child)
                elif name == "br":
                    self.flush()
                elif name == "pre":
                    self.flush()
                    for line in child.get_text().splitlines():
                        self.view.paragraph(line)
                elif name in BLOCK_TAGS:
                    self.flush()
                    self.walk(child)
                    self.flush()
                else:
                    self.walk(child)
            elif isinstance(child, NavigableString) and type(child) is NavigableString:
                self.buffer.append(str(child))  # not comments, CDATA, doctype, processing instructions

    def table(self, table) -> None:
        caption = table.find("caption")
        if caption is not None and caption.find_parent("table") is table:
            self.view.paragraph(_cell_text(caption))
        self.view.table(table_rows(table))


def _hidden(tag) -> bool:
    return tag.has_attr("hidden") or bool(_HIDDEN.search(str(tag.get("style", ""))))


def _span(value, default: int = 1) -> int:
    try:
        n = int(str(value).strip().split(".")[0])
    except (TypeError, ValueError):
        return default
    return max(1, min(n, 1000)) if n > 0 else default


def _cell_text(tag) -> str:
    return "".join(_cell_pieces(tag))


def _cell_pieces(tag) -> list[str]:
    """The paragraphs of a cell: its text split at block elements and ``<br>``."""
    from bs4 import NavigableString, Tag

    pieces: list[str] = [""]

    def walk(node) -> None:
        for child in node.children:
            if isinstance(child, Tag):
                name = (child.name or "").lower()
                if name in SKIP_TAGS or _hidden(child):
                    continue
                if name == "br":
                    pieces.append("")
                elif name in BLOCK_TAGS or name in ("table", "tr"):
                    pieces.append("")
                    walk(child)
                    pieces.append("")
                else:
                    walk(child)
            elif isinstance(child, NavigableString) and type(child) is NavigableString:
                pieces[-1] += str(child)

    walk(tag)
    return [piece for piece in pieces if piece.strip()] or [""]


def table_rows(table) -> list[list[str | list[str]]]:
    """Rows of one table (not of tables nested in its cells): colspan once, rowspan continuations empty."""
    trs = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    rows: list[list[str | list[str]]] = []
    pending: dict[int, list[int]] = {}  # grid column → [rows still covered, colspan]
    for tr in trs:
        out: list[str | list[str]] = []
        col = 0

        def continuations() -> None:
            nonlocal col
            while col in pending:
                left, span = pending[col]
                out.append("")
                if left <= 1:
                    del pending[col]
                else:
                    pending[col][0] = left - 1
                col += span

        for td in tr.find_all(["td", "th"], recursive=False):
            continuations()
            colspan = _span(td.get("colspan"))
            rowspan = _span(td.get("rowspan"))
            if td.get("rowspan") is not None and str(td.get("rowspan")).strip() == "0":
                rowspan = len(trs)  # rowspan="0": to the end of the table
            out.append(_cell_pieces(td))
            if rowspan > 1:
                pending[col] = [rowspan - 1, colspan]
            col += colspan
        while any(c >= col for c in pending):
            col = min(c for c in pending if c >= col)
            continuations()
        rows.append(out)
    return rows
