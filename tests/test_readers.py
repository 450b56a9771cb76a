"""The same plan from .txt, .docx, .html and .pdf (readers); damaged and unreadable files.

Every seed is written as a Word file, a web page and a PDF (tests/builders.py, built once per
session from the seed's own blocks) and must read back to the same blocks and the same plan; only
the file, the format and line numbers may differ.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from builders import (GRID_CAPTION, GRID_ROWS, build_docx, build_grid_docx, build_grid_html, build_grid_pdf,
                      build_html, build_pdf, layout, seed_document)
from conftest import SEEDS, without_lines
from healthplan.errors import IngestError
from healthplan.ingest import extract_plan, ingest_file, read_document
from healthplan.ingest.blocks import Paragraph

FORMATS = {"docx": build_docx, "html": build_html, "pdf": build_pdf}


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """Every seed in every format, built once."""
    folder = tmp_path_factory.mktemp("formats")
    return {(seed.stem, kind): build(seed, folder / f"{seed.stem}.{kind}")
            for seed in SEEDS for kind, build in FORMATS.items()}


@pytest.fixture(scope="session")
def documents(built) -> dict[tuple[str, str], object]:
    return {key: read_document(path) for key, path in built.items()}


@pytest.fixture(scope="session")
def txt_contracts() -> dict[str, dict]:
    return {seed.stem: without_lines(ingest_file(seed).contract()) for seed in SEEDS}


CASES = [(seed.stem, kind) for seed in SEEDS for kind in FORMATS]
IDS = [f"{stem[:3]}-{kind}" for stem, kind in CASES]


@pytest.mark.parametrize("stem,kind", CASES, ids=IDS)
def test_same_plan_in_every_format(stem, kind, built, documents, txt_contracts):
    plan = extract_plan(documents[(stem, kind)])
    assert plan.format == kind
    assert without_lines(plan.contract()) == txt_contracts[stem]


def test_ingest_file_reads_every_format(built, txt_contracts):
    """The public entry point, once per format (the test above covers every seed)."""
    stem = SEEDS[0].stem
    for kind in FORMATS:
        assert without_lines(ingest_file(built[(stem, kind)]).contract()) == txt_contracts[stem]


def _blocks_written(stem: str) -> list:
    """The seed's blocks as the builders write them: a box's items are rows of its one column."""
    out = []
    for block in layout(seed_document(next(s for s in SEEDS if s.stem == stem))):
        if isinstance(block, str):
            out.append(("p", block))
        elif max(len(row) for row in block) == 1:
            out.append(("t", [[part] for row in block for part in row[0]]))
        else:
            out.append(("t", [["".join(cell) for cell in row] for row in block]))
    return out


@pytest.mark.parametrize("stem,kind", CASES, ids=IDS)
def test_same_blocks_in_every_format(stem, kind, documents):
    doc = documents[(stem, kind)]
    got = [("p", b.text) if isinstance(b, Paragraph) else ("t", [[c.text for c in row] for row in b.rows])
           for b in doc.blocks]
    assert got == _blocks_written(stem)


@pytest.mark.parametrize("stem,kind", CASES, ids=IDS)
def test_lines_point_at_the_text(stem, kind, documents):
    """One line per paragraph; one tab-prefixed line per cell and a blank line after each row."""
    doc = documents[(stem, kind)]
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            assert doc.lines[block.line - 1] == block.text
            continue
        assert block.line == block.rows[0][0].line
        for row in block.rows:
            for cell in row:
                assert doc.lines[cell.line - 1] == "\t" + cell.text
            assert doc.lines[row[-1].line] == ""


# ---------------------------------------------------------------- merged cells and captions

GRIDS = {"docx": build_grid_docx, "html": build_grid_html, "pdf": build_grid_pdf}


@pytest.mark.parametrize("kind", GRIDS)
def test_merged_cells(kind, tmp_path):
    """Merged across: the cell once (a shorter row); merged down: an empty cell in the rows below."""
    doc = read_document(GRIDS[kind](tmp_path / f"grid.{kind}"))
    (table,) = doc.tables
    assert [[c.text for c in row] for row in table.rows] == GRID_ROWS
    assert [p.text for p in table.caption] == [t.replace(" ", "") for t in GRID_CAPTION]
    assert table.title == "表9合并单元格示例" and table.unit_note == "张"
    assert [p.text for p in doc.paragraphs][-1] == "注：示例。"


# ---------------------------------------------------------------- .docx that cannot be read


def _assert_names_file(error: IngestError, path: Path, *words: str) -> None:
    message = str(error)
    assert str(path) in message and error.zh and error.en
    for word in words:
        assert word in message
    assert "Traceback" not in message


def test_truncated_docx(built, tmp_path):
    data = built[(SEEDS[0].stem, "docx")].read_bytes()
    path = tmp_path / "truncated.docx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(IngestError) as info:
        ingest_file(path)
    _assert_names_file(info.value, path, "损坏", "damaged")


def test_docx_with_a_missing_or_broken_part(built, tmp_path):
    source = zipfile.ZipFile(built[(SEEDS[0].stem, "docx")])
    for name, change in (("missing.docx", lambda n, d: None), ("broken.docx", lambda n, d: d[: len(d) // 2])):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as out:
            for member in source.namelist():
                data = source.read(member)
                if member == "word/document.xml":
                    data = change(member, data)
                if data is not None:
                    out.writestr(member, data)
        path = tmp_path / name
        path.write_bytes(buffer.getvalue())
        with pytest.raises(IngestError) as info:
            read_document(path)
        _assert_names_file(info.value, path, "Word", "damaged")


@pytest.mark.parametrize("content,words", [
    (b"", ("为空", "empty")),
    (b"this is not a zip file", ("损坏", "damaged")),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), (".doc", "old Word")),
], ids=["empty", "not-a-zip", "old-doc"])
def test_not_a_docx(content, words, tmp_path):
    path = tmp_path / "plan.docx"
    path.write_bytes(content)
    with pytest.raises(IngestError) as info:
        read_document(path)
    _assert_names_file(info.value, path, *words)


# ---------------------------------------------------------------- .pdf that cannot be read


def _canvas_pdf(path: Path, draw, **options) -> Path:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), **options)
    draw(c)
    c.showPage()
    c.save()
    return path


def _draw_image(c) -> None:
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader

    image = Image.new("RGB", (400, 200), "white")
    ImageDraw.Draw(image).rectangle([20, 20, 380, 180], outline="black", width=3)  # a "scanned" page
    c.drawImage(ImageReader(image), 60, 400, 480, 240)


def test_scanned_pdf(tmp_path):
    path = _canvas_pdf(tmp_path / "scan.pdf", _draw_image)
    with pytest.raises(IngestError) as info:
        ingest_file(path)
    _assert_names_file(info.value, path, "文字层", "扫描", "OCR", "no text layer")


def test_pdf_without_text(tmp_path):
    path = _canvas_pdf(tmp_path / "blank.pdf", lambda c: None)
    with pytest.raises(IngestError) as info:
        ingest_file(path)
    _assert_names_file(info.value, path, "文字层", "no text layer")


def test_encrypted_pdf(tmp_path):
    path = _canvas_pdf(tmp_path / "locked.pdf", lambda c: c.drawString(100, 700, "plan"), encrypt="secret")
    with pytest.raises(IngestError) as info:
        read_document(path)
    _assert_names_file(info.value, path, "加密", "encrypted")


@pytest.mark.parametrize("cut", ["half", "garbage", "empty"])
def test_damaged_pdf(cut, built, tmp_path):
    data = built[(SEEDS[0].stem, "pdf")].read_bytes()
    content = {"half": data[: len(data) // 2], "garbage": b"%PDF-1.4 not really", "empty": b""}[cut]
    path = tmp_path / "plan.pdf"
    path.write_bytes(content)
    with pytest.raises(IngestError) as info:
        read_document(path)
    _assert_names_file(info.value, path)


# ---------------------------------------------------------------- .html encodings


def test_gbk_html_with_meta_charset(tmp_path, txt_contracts):
    seed = SEEDS[1]
    path = build_html(seed, tmp_path / "gbk.html", encoding="gbk")
    assert b'charset="gbk"' in path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    assert without_lines(ingest_file(path).contract()) == txt_contracts[seed.stem]


def test_gb18030_html_without_charset(tmp_path, txt_contracts):
    seed = SEEDS[2]
    path = build_html(seed, tmp_path / "gb18030.html", encoding="gb18030", declare=False)
    assert b"charset" not in path.read_bytes()
    assert without_lines(ingest_file(path).contract()) == txt_contracts[seed.stem]


@pytest.mark.parametrize("declared,encoding", [
    ('<meta charset="GB2312">', "gb18030"),
    ('<meta http-equiv="Content-Type" content="text/html; charset=gbk">', "gbk"),
    ('<?xml version="1.0" encoding="GB18030"?>', "gb18030"),
    ('<meta charset="gb2312">', "utf-8"),  # re-saved as UTF-8, declaration left behind
    ('<meta charset="utf-8">', "gb18030"),  # a declaration that cannot decode the bytes
    ("", "utf-8"),
], ids=["meta-gb2312", "http-equiv-gbk", "xml-gb18030", "gb2312-but-utf8", "utf8-but-gb", "none-utf8"])
def test_html_charsets(declared, encoding, tmp_path):
    page = (f"{declared}<html><head><title>不读标题</title></head><body><h1>南宫市卫生健康规划</h1>"
            "<div>每千人口床位数<br>（张）</div><table><tr><td>指标</td><td>2025年</td></tr></table></body></html>")
    path = tmp_path / "page.html"
    path.write_bytes(page.encode(encoding))
    doc = read_document(path)
    assert [p.text for p in doc.paragraphs] == ["南宫市卫生健康规划", "每千人口床位数", "（张）"]
    assert [[c.text for c in row] for row in doc.tables[0].rows] == [["指标", "2025年"]]


# ---------------------------------------------------------------- .pdf paragraphs


def test_pdf_paragraphs_with_ascii_words_at_line_ends(tmp_path):
    """Lines of a paragraph are joined without a space, except between two ASCII words (the space a
    line break swallowed); a number pushed whole to the next line leaves a short line that still
    continues. Seventy paragraphs over several pages put every kind of break at some line end."""
    paragraphs = [f"{k + 1}.指标口径" + "甲乙丙丁" * (k % 12) + "按DDDs 100 units计算，常住人口数2241826人，"
                  "ICD 10编码C00 D48，" + "戊己庚" * (k % 7) + "WHO SDG 3.8.1覆盖指数达到80以上。"
                  for k in range(70)]
    source = tmp_path / "words.txt"
    source.write_text("\n".join(paragraphs) + "\n", encoding="utf-8")
    doc = read_document(build_pdf(source, tmp_path / "words.pdf"))
    assert [p.text for p in doc.paragraphs] == paragraphs
