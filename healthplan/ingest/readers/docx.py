"""Word documents (.docx): paragraphs and tables in body order (Word 文档).

The body XML is walked directly (``w:p`` and ``w:tbl`` in the order they appear, also inside content
controls), because python-docx lists paragraphs and tables separately. In a table, a cell merged
across columns (``gridSpan``) is one ``w:tc`` and so appears once in its row; a cell that continues
a vertical merge (``vMerge`` without ``restart``) is kept as an empty cell. The paragraphs of a cell
are joined with nothing in between, as the text reader joins the pieces of a cell (in a table of one
column, a 专栏 box, each paragraph is an item: see :mod:`.lineview`). Empty paragraphs of the body
are blank lines of the line view, as in a text export.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import IngestError
from ..blocks import Document
from .lineview import LineView

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# copies of text shown elsewhere: the legacy twin of a text box, the old place of moved text
_COPIES = ("{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback", f"{W}moveFrom")
_TEXT_TAGS = (f"{W}t", f"{W}tab", f"{W}br", f"{W}cr", f"{W}noBreakHyphen")
_CONTAINERS = (f"{W}sdt", f"{W}sdtContent", f"{W}customXml", f"{W}smartTag")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_docx(path: Path, file: str | None = None) -> Document:
    file = file or str(path)
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise IngestError("无法打开文件。", f"Cannot open the file ({exc.strerror or exc}).", file) from exc
    if not head:
        raise IngestError("文件为空，没有可读取的内容。", "The file is empty.", file)
    if head.startswith(OLE_MAGIC):
        raise IngestError("这是旧版 Word 文档（.doc），不是 .docx。请在 Word 中另存为 .docx 后再导入。",
                          "This is an old Word document (.doc), not .docx. Save it as .docx in Word and "
                          "import that file.", file)
    try:
        import docx  # python-docx

        body = docx.Document(str(path)).element.body
    except Exception as exc:  # zip errors, missing parts, broken XML, wrong content type
        raise _damaged(file, exc) from exc
    view = LineView(file, "docx")
    try:
        _walk(body, view)
    except Exception as exc:  # malformed XML inside an otherwise readable package
        raise _damaged(file, exc) from exc
    return view.document()


def _damaged(file: str, exc: Exception) -> IngestError:
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if len(reason) > 160:
        reason = reason[:157] + "…"
    return IngestError(
        "无法读取 Word 文档（.docx）：文件已损坏、不完整或不是 Word 文档。请在 Word 中打开并重新保存后再导入。",
        f"Cannot read the Word document (.docx): the file is damaged, incomplete or not a Word document "
        f"({reason}). Open it in Word, save it again and import that file.", file)


def _walk(parent, view: LineView) -> None:
    for child in parent.iterchildren():
        tag = child.tag
        if tag == f"{W}p":
            view.paragraph(_text(child), keep_blank=True)
        elif tag == f"{W}tbl":
            view.table(_table_rows(child))
        elif tag in _CONTAINERS:
            _walk(child, view)


def _text(element) -> str:
    """The visible text under ``element`` (runs, hyperlinks, insertions; no deleted text, no copies)."""
    parts: list[str] = []
    for node in element.iter(*_TEXT_TAGS):
        if _is_copy(node, element):
            continue
        tag = node.tag
        if tag == f"{W}t":
            parts.append(node.text or "")
        elif tag == f"{W}noBreakHyphen":
            parts.append("-")
        else:
            parts.append("\n" if tag in (f"{W}br", f"{W}cr") else "\t")
    return "".join(parts)


def _is_copy(node, stop) -> bool:
    parent = node.getparent()
    while parent is not None and parent is not stop:
        if parent.tag in _COPIES:
            return True
        parent = parent.getparent()
    return False


def _children(element, tag: str) -> list:
    """Children with ``tag`` in order, looking through content controls (``w:sdt``) and the like."""
    out = []
    for child in element.iterchildren():
        if child.tag == tag:
            out.append(child)
        elif child.tag in _CONTAINERS:
            out += _children(child, tag)
    return out


def _table_rows(tbl) -> list[list[str | list[str]]]:
    rows: list[list[str | list[str]]] = []
    for tr in _children(tbl, f"{W}tr"):
        row: list[str | list[str]] = []
        for tc in _children(tr, f"{W}tc"):
            pr = tc.find(f"{W}tcPr")
            vmerge = pr.find(f"{W}vMerge") if pr is not None else None
            hmerge = pr.find(f"{W}hMerge") if pr is not None else None
            if hmerge is not None and hmerge.get(f"{W}val", "continue") != "restart":
                continue  # old-style horizontal merge: the merged cell was already counted
            if vmerge is not None and vmerge.get(f"{W}val", "continue") != "restart":
                row.append("")  # continues the cell above
                continue
            # the cell's paragraphs (a nested table counts as one) in order
            row.append([_text(child) for child in tc.iterchildren() if child.tag != f"{W}tcPr"])
        rows.append(row)
    return rows
