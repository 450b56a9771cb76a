"""Reading import files safely (导入文件读取): .json, .csv and .xlsx into plain rows, nothing evaluated.

The tables of the exchange format, their columns and Chinese headers live here, with the limits that
keep a hostile file from taking minutes or gigabytes:

- the file: at most ``MAX_FILE_BYTES``;
- an .xlsx: at most ``MAX_PARTS`` zip entries, each at most ``MAX_PART_BYTES`` uncompressed, the shared
  strings (read whole by openpyxl) at most ``MAX_SHARED_BYTES``, all parts together ``MAX_TOTAL_BYTES`` — the
  sizes come from the zip directory, and Python's zipfile never inflates a member past its declared size;
- at most ``MAX_DATA_ROWS`` non-blank rows, and at most ``MAX_SCAN_ROWS`` rows per sheet, blank ones included.

A sheet is read until ``BLANK_RUN`` blank rows in a row (present in the XML or not); anything holding a value
below such a run is found by a byte scan of the sheet's XML and reported as a problem, neither silently
read nor silently dropped.
A cell holding a formula is never evaluated (read with ``data_only=False``): it is reported.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import HealthplanError

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_PARTS = 2000
MAX_PART_BYTES = 256 * 1024 * 1024
MAX_SHARED_BYTES = 32 * 1024 * 1024
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_DATA_ROWS = 200_000
MAX_SCAN_ROWS = 1_048_576  # Excel's own limit
BLANK_RUN = 1000  # blank rows in a row after which a sheet is taken to end
MAX_COLUMNS = 40
MAX_PROBLEMS = 10_000

TEMPLATE_MARK = "healthplan-template"
META_SHEET = "_meta"
README_SHEET = "填报说明"
JSON_FORMAT = "healthplan-data"


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    kind: str = "text"  # text code period number int bool date
    width: int = 14


TABLES: dict[str, tuple[str, list[Column]]] = {
    "observations": ("数据值", [
        Column("org_unit_code", "行政区划代码", "code", 14), Column("org_unit", "地区", width=12),
        Column("org_unit_valid_from", "地区生效日期", "date", 12), Column("facility", "机构", width=24), Column("indicator_code", "指标代码", width=14),
        Column("indicator", "指标名称", width=30), Column("unit", "单位", width=8),
        Column("period", "期间", "period", 10), Column("value", "数值", "number", 12),
        Column("source", "来源", width=30), Column("comment", "备注", width=30),
        Column("derived", "计算值", "bool", 8), Column("example", "示例数据", "bool", 8)]),
    "populations": ("人口", [
        Column("org_unit_code", "行政区划代码", "code"), Column("org_unit", "地区"), Column("org_unit_valid_from", "地区生效日期", "date", 12),
        Column("year", "年份", "int", 8), Column("kind", "口径", width=10), Column("value", "人口数", "number"),
        Column("projected", "预测值", "bool", 8), Column("source", "来源", width=30)]),
    "project_progress": ("项目进展", [
        Column("org_unit_code", "行政区划代码", "code"), Column("org_unit", "地区"), Column("org_unit_valid_from", "地区生效日期", "date", 12),
        Column("project", "项目名称", width=36), Column("year", "年份", "int", 8), Column("status", "状态", width=10),
        Column("percent_complete", "完成比例（%）", "number"), Column("spent_wan", "已投资（万元）", "number"),
        Column("comment", "备注", width=30), Column("example", "示例数据", "bool", 8)]),
    "org_units": ("组织机构", [
        Column("code", "行政区划代码", "code"), Column("name", "名称"), Column("level", "层级"),
        Column("parent_code", "上级代码", "code"), Column("parent_name", "上级名称"),
        Column("parent_valid_from", "上级生效日期", "date", 12),
        Column("valid_from", "生效日期", "date", 12), Column("valid_to", "失效日期", "date", 12)]),
    "facilities": ("医疗卫生机构", [
        Column("org_unit_code", "行政区划代码", "code"), Column("org_unit", "地区"), Column("org_unit_valid_from", "地区生效日期", "date", 12),
        Column("name", "机构名称", width=30),
        Column("type", "类型"), Column("ownership", "所有制", width=8), Column("level", "等级", width=8),
        Column("category", "类别", width=20)]),
    "indicators": ("指标", [
        Column("code", "指标代码"), Column("name", "指标名称", width=30), Column("unit", "单位", width=8),
        Column("direction", "方向", width=8), Column("local", "本地指标", "bool", 8),
        Column("local_reason", "本地指标原因", width=40)]),
}
SHEET_TABLES = {zh: key for key, (zh, _) in TABLES.items()}


@dataclass
class Problem:
    """One bad cell: where it is, what it holds, and why it is refused (in Chinese)."""

    sheet: str
    row: int | None
    column: str
    value: object
    reason: str

    def as_tuple(self) -> tuple:
        return (self.sheet, self.row, self.column, self.value, self.reason)


class ImportRejected(HealthplanError):
    """A file refused as a whole (导入被拒绝): every bad cell in ``problems``, nothing written."""

    def __init__(self, problems: list[Problem], file: str | None = None):
        self.problems = problems
        n = len(problems)
        first = problems[0].reason if problems else ""
        super().__init__(f"导入被拒绝：发现{n}处问题，数据库未作任何修改。第一处：{first}",
                         f"Import rejected: {n} problem(s); nothing was written.", file)


class ExchangeError(HealthplanError):
    """An export, template or undo that cannot be done (导出/模板/撤销失败)."""


@dataclass(slots=True)
class Cell:
    value: object
    column: str  # the column as the user sees it: "H（2023年数值）", "数值", "value"
    formula: bool = False


@dataclass(slots=True)
class RawRow:
    table: str
    sheet: str
    row: int | None
    cells: dict[str, Cell]

    def get(self, key: str) -> Cell:
        return self.cells.get(key) or Cell(None, _header(self.table, key))


@dataclass
class Incoming:
    """A file read into rows, before any check against the database."""

    file: str
    format: str  # json csv xlsx template
    rows: dict[str, list[RawRow]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    meta: dict[str, object] = field(default_factory=dict)  # a template's region and year
    warnings: list[str] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)  # in file order, to report problems in that order

    def sorted_problems(self) -> list[Problem]:
        rank = {name: i for i, name in enumerate(self.sheets)}
        return sorted(self.problems, key=lambda p: (rank.get(p.sheet, -1), p.row or 0))


def _header(table: str, key: str) -> str:
    for col in TABLES.get(table, ("", []))[1]:
        if col.key == key:
            return col.zh
    return key


def _reject(file: str, reason: str, sheet: str = "", row: int | None = None, column: str = "",
            value: object = None) -> ImportRejected:
    return ImportRejected([Problem(sheet, row, column, value, reason)], file)


def read_file(path: Path) -> Incoming:
    """Read an import file by its extension; an unreadable or oversized file is refused at once."""
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
    except OSError as e:
        raise _reject(name, f"无法打开文件：{e.strerror or e}") from e
    if size > MAX_FILE_BYTES:
        raise _reject(name, f"文件过大（{size / 1048576:.1f} MB，上限 {MAX_FILE_BYTES // 1048576} MB），请分批导入。")
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".json":
        return read_json(data, name)
    if suffix == ".csv":
        return read_csv(data, name)
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(data, name)
    hint = "（旧版 .xls 请在 Excel 中另存为 .xlsx）" if suffix == ".xls" else ""
    raise _reject(name, f"不支持的文件类型“{suffix or '无扩展名'}”：请导入 .xlsx、.csv 或 .json 文件{hint}。")


# --- JSON ---------------------------------------------------------------------------------------

def read_json(data: bytes, name: str) -> Incoming:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        where = f"第{e.lineno}行" if isinstance(e, json.JSONDecodeError) else ""
        raise _reject(name, f"不是有效的 JSON 文件{where}（{type(e).__name__}），文件可能不完整或已损坏。") from e
    if not isinstance(doc, dict) or doc.get("format") != JSON_FORMAT:
        raise _reject(name, f"不是 healthplan 导出的数据文件（缺少 \"format\": \"{JSON_FORMAT}\"）。"
                      "DHIS2 格式的文件不能直接导入。", column="format")
    inc = Incoming(name, "json", sheets=list(TABLES))
    total = 0
    for table in TABLES:
        items = doc.get(table, [])
        if not isinstance(items, list):
            inc.problems.append(Problem(table, None, table, _short(items), "应为列表（数组）"))
            continue
        rows = []
        for i, item in enumerate(items, 1):
            if not isinstance(item, dict):
                inc.problems.append(Problem(table, i, "", _short(item), "每一行应为一个对象（{…}）"))
                continue
            rows.append(RawRow(table, table, i, {k: Cell(item.get(k), k) for k, _ in _keys(table) if k in item}))
        total += len(rows)
        inc.rows[table] = rows
    if total > MAX_DATA_ROWS:
        raise _reject(name, f"文件共有{total}行数据，超过单次导入上限{MAX_DATA_ROWS}行，请分批导入。")
    return inc


def _keys(table: str):
    return [(c.key, c) for c in TABLES[table][1]]


def _short(value: object) -> object:
    text = value if isinstance(value, (int, float, str, type(None))) else json.dumps(value, ensure_ascii=False)
    if isinstance(text, str) and len(text) > 60:
        return text[:57] + "…"
    return text


# --- CSV ----------------------------------------------------------------------------------------

def _header_map(table: str, headers: list) -> dict[int, str]:
    """Column position → key, for headers written in Chinese (数值) or as keys (value)."""
    names = {}
    for col in TABLES[table][1]:
        names[col.zh] = col.key
        names[col.key] = col.key
    out = {}
    for i, h in enumerate(headers):
        key = names.get(str(h).strip()) if h is not None else None
        if key and key not in out.values():
            out[i] = key
    return out


def read_csv(data: bytes, name: str) -> Incoming:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes almost anything
        raise _reject(name, "无法识别文件编码，请另存为 UTF-8 编码的 CSV。")
    inc = Incoming(name, "csv", sheets=[""])
    rows: list[RawRow] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    columns: dict[int, str] | None = None
    try:
        for record in reader:
            line = reader.line_num
            if not any(v.strip() for v in record):
                continue
            if columns is None:
                columns = _header_map("observations", record)
                missing = [c for c in ("indicator_code", "period", "value") if c not in columns.values()]
                if missing or not ({"org_unit_code", "org_unit"} & set(columns.values())):
                    need = "、".join(_header("observations", c) for c in missing) or "行政区划代码或地区"
                    raise _reject(name, f"表头缺少必需的列：{need}。请使用 healthplan export 导出的 CSV 的表头。",
                                  row=line, value=",".join(record)[:60])
                continue
            if len(rows) >= MAX_DATA_ROWS:
                raise _reject(name, f"文件超过单次导入上限{MAX_DATA_ROWS}行，请分批导入。", row=line)
            cells = {}
            for i, key in columns.items():
                raw = record[i] if i < len(record) else ""
                headers = _header("observations", key)
                formula = raw.startswith("=")
                if raw[:2] in ("'=", "'+", "'-", "'@"):
                    raw = raw[1:]  # the export's guard against formula injection
                cells[key] = Cell(raw, headers, formula)
            rows.append(RawRow("observations", "", line, cells))
    except csv.Error as e:
        raise _reject(name, f"CSV 格式错误（第{reader.line_num}行）：{e}", row=reader.line_num) from e
    if columns is None:
        raise _reject(name, "文件是空的：没有表头和数据行。")
    inc.rows["observations"] = rows
    return inc


# --- XLSX ---------------------------------------------------------------------------------------

def _check_zip(data: bytes, name: str) -> None:
    corrupt = "文件已损坏或不完整（不是有效的 .xlsx 文件，可能下载或复制时被截断），请重新保存后再导入。"
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as e:
        raise _reject(name, corrupt) from e
    infos = z.infolist()
    if len(infos) > MAX_PARTS:
        raise _reject(name, f"文件内部结构异常（{len(infos)}个部件），拒绝读取。")
    total = 0
    for info in infos:
        total += info.file_size
        if info.filename.endswith("sharedStrings.xml") and info.file_size > MAX_SHARED_BYTES:
            raise _reject(name, f"文件中的共享文本解压后达{info.file_size / 1048576:.0f} MB（上限"
                          f"{MAX_SHARED_BYTES // 1048576} MB），疑为恶意构造的压缩炸弹，拒绝读取。")
        if info.file_size > MAX_PART_BYTES:
            raise _reject(name, f"文件中的“{info.filename}”解压后达{info.file_size / 1048576:.0f} MB，"
                          f"超过上限{MAX_PART_BYTES // 1048576} MB，拒绝读取；请删除多余的行列或分批导入。")
    if total > MAX_TOTAL_BYTES:
        raise _reject(name, f"文件解压后共{total / 1048576:.0f} MB，超过上限，拒绝读取。")
    if "xl/workbook.xml" not in {i.filename for i in infos}:
        raise _reject(name, corrupt)


def read_xlsx(data: bytes, name: str) -> Incoming:
    _check_zip(data, name)
    corrupt = "文件已损坏或不完整，无法读取工作表内容（{}）。请在 Excel 中打开并重新保存后再导入。"
    try:
        book = _Book(data)
    except Exception as e:  # noqa: BLE001 - any failure of the reader on a damaged file
        raise _reject(name, corrupt.format(type(e).__name__)) from e
    try:
        if META_SHEET in book.sheetnames:
            return _read_template(book, name)
        return _read_workbook(book, name)
    except ImportRejected:
        raise
    except Exception as e:  # noqa: BLE001 - zlib.error, BadZipFile, XML errors in a truncated part
        raise _reject(name, corrupt.format(type(e).__name__)) from e
    finally:
        book.close()


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _C, _V, _F, _IS, _T, _R = (_MAIN + t for t in ("row", "c", "v", "f", "is", "t", "r"))


class _Book:
    """An .xlsx opened for reading values: openpyxl reads the package, the shared strings, the sheet list and
    the date styles; the sheets' cells are read here, row by row with lxml (no cell objects, and no pass over
    a whole sheet to find its size, which openpyxl's read-only mode makes when a sheet has no dimension tag,
    as write-only workbooks such as the export's do).

    The XML parser resolves no entities and loads nothing from the network.
    """

    def __init__(self, data: bytes):
        from openpyxl.reader.excel import ExcelReader
        from openpyxl.styles.stylesheet import apply_stylesheet

        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=False)
        self.archive = reader.archive
        try:
            reader.read_manifest()
            reader.read_strings()
            reader.read_workbook()
            apply_stylesheet(reader.archive, reader.wb)
            wb = reader.wb
            self.strings = reader.shared_strings
            self.epoch, self.dates, self.durations = wb.epoch, set(wb._date_formats), set(wb._timedelta_formats)
            self.sheets: dict[str, str] = {}
            for sheet, rel in reader.parser.find_sheets():
                if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
                    self.sheets[sheet.name] = rel.target
        except BaseException:
            self.archive.close()
            raise
        self.sheetnames = list(self.sheets)

    def close(self) -> None:
        self.archive.close()

    def open(self, sheet: str):
        return self.archive.open(self.sheets[sheet])

    def rows(self, sheet: str, max_col: int = MAX_COLUMNS):
        """(row number, {column: (value, formula text or None)}) for each row in the sheet's XML, in order.

        Values as openpyxl gives them with ``data_only=False``: numbers int or float, dates (by the cell's
        style) datetime, shared and inline strings str, booleans bool, errors their text; a cell with a
        formula gives its formula text (``=…``) as value and as formula text.
        """
        from lxml import etree
        from openpyxl.formula.translate import Translator
        from openpyxl.utils import column_index_from_string
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        strings, dates, durations, epoch = self.strings, self.dates, self.durations, self.epoch
        columns: dict[str, int] = {}
        shared: dict[str, Translator] = {}
        number = 0
        with self.open(sheet) as src:
            parser = etree.iterparse(src, events=("end",), tag=_ROW, resolve_entities=False, no_network=True,
                                     load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True)
            for _, row in parser:
                r = row.get("r")
                if r is None:
                    number += 1
                else:
                    try:
                        number = int(r)
                    except ValueError:
                        if not float(r).is_integer():
                            raise ValueError(f"{r} is not a valid row number") from None
                        number = int(float(r))
                cells: dict[int, tuple] = {}
                col = 0
                for c in row:
                    if c.tag != _C:
                        continue
                    ref = c.get("r")
                    if ref:
                        letters = ref.rstrip("0123456789")
                        col = columns.get(letters)
                        if col is None:
                            col = columns[letters] = column_index_from_string(letters)
                    else:
                        col += 1
                    if col > max_col:
                        continue
                    kind = c.get("t", "n")
                    value = formula = inline = None
                    if len(c) == 1:  # the usual cell: one <v> or one <is>
                        child = c[0]
                        tag = child.tag
                        if tag == _V:
                            value = child.text or None
                        elif tag == _IS:
                            inline = child
                        elif tag == _F:
                            formula = child
                    else:
                        for child in c:
                            tag = child.tag
                            if tag == _V:
                                value = child.text or None
                            elif tag == _F:
                                formula = child
                            elif tag == _IS:
                                inline = child
                    if kind == "inlineStr":
                        value = None
                    if formula is not None:
                        text = "=" + (formula.text or "")
                        ftype = formula.get("t")
                        if ftype == "shared":
                            si = formula.get("si")
                            if si in shared:
                                text = shared[si].translate_formula(ref)
                            elif text != "=":
                                shared[si] = Translator(text, ref)
                        elif ftype == "dataTable":
                            text = "=…"
                        cells[col] = (text, text)
                        continue
                    if value is not None:
                        if kind == "n":
                            value = float(value) if ("." in value or "E" in value or "e" in value) else int(value)
                            style = c.get("s")
                            if style and int(style) in dates:
                                try:
                                    value = from_excel(value, epoch, timedelta=int(style) in durations)
                                except (OverflowError, ValueError):
                                    value = "#VALUE!"
                        elif kind == "s":
                            value = strings[int(value)]
                        elif kind == "b":
                            value = bool(int(value))
                        elif kind == "d":
                            value = from_ISO8601(value)
                    elif kind == "inlineStr" and inline is not None:
                        if len(inline) == 1 and inline[0].tag == _T:
                            value = inline[0].text or ""
                        else:
                            value = _inline_text(inline)
                    cells[col] = (value, None)
                row.clear(keep_tail=False)
                while row.getprevious() is not None:
                    del row.getparent()[0]
                yield number, cells


def _inline_text(element) -> str:
    """An inline string's text: its ``t`` and the ``t`` of its runs, without phonetic hints (as openpyxl)."""
    if len(element) == 1 and element[0].tag == _T:
        return element[0].text or ""
    parts = []
    for child in element:
        if child.tag == _T:
            if child.text is not None:
                parts.append(child.text)
        elif child.tag == _R:
            for t in child:
                if t.tag == _T and t.text is not None:
                    parts.append(t.text)
    return "".join(parts)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _sheet_rows(book: _Book, sheet: str, name: str, inc: Incoming, counter: list[int]):
    """(row number, cells) of the non-blank rows, without the dimension's say (it may lie).

    Reading stops after ``BLANK_RUN`` blank rows in a row (rows absent from the XML count, for free), so a
    million formatted but empty rows cost nothing; whatever still holds a value below them is found by a
    scan of the sheet's XML bytes and reported, never silently dropped.
    """
    run, last = 0, 0

    def too_many(row: int) -> ImportRejected:
        return _reject(name, f"工作表“{sheet}”超过{MAX_SCAN_ROWS}行（Excel 的行数上限），文件异常，拒绝读取。",
                       sheet=sheet, row=row)

    def stop(idx: int) -> None:
        hit = _value_below(book, sheet, idx)
        if hit is not None:
            inc.problems.append(Problem(sheet, hit[1], hit[0], None,
                                        f"第{idx - run + 1}行起连续{run}多行是空行，空行之下的{hit[0]}还有内容；"
                                        "请删除空行、把数据放在表格中后再导入"))

    for idx, cells in book.rows(sheet):
        if idx <= last:
            continue  # a row out of order (as openpyxl's reader, which skips it too)
        gap = idx - last - 1  # rows absent from the XML are blank
        if gap:
            if run + gap >= BLANK_RUN:
                end = last + BLANK_RUN - run
                if end > MAX_SCAN_ROWS:
                    raise too_many(max(last + 1, MAX_SCAN_ROWS + 1))
                run = BLANK_RUN
                stop(end)
                return
            if idx - 1 > MAX_SCAN_ROWS:
                raise too_many(max(last + 1, MAX_SCAN_ROWS + 1))
            run += gap
        last = idx
        if idx > MAX_SCAN_ROWS:
            raise too_many(idx)
        if all(formula is None and _blank(value) for value, formula in cells.values()):
            run += 1
            if run >= BLANK_RUN:
                stop(idx)
                return
            continue
        run = 0
        counter[0] += 1
        if counter[0] > MAX_DATA_ROWS:
            raise _reject(name, f"数据行超过单次导入上限{MAX_DATA_ROWS}行，请分批导入。", sheet=sheet, row=idx)
        yield idx, cells


_VALUE = re.compile(rb"<(?:\w+:)?(?:v>\s*[^\s<]|f[\s>/]|t(?:\s[^>]*)?>\s*[^\s<])")
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')


def _value_below(book: _Book, sheet: str, row: int) -> tuple[str, int] | None:
    """The last cell holding a value (or formula) in the sheet's XML, if it lies below ``row``.

    Rows are stored in order, so the last value tells whether anything follows; the XML is streamed in
    1 MB chunks and searched by a compiled pattern (C speed), never parsed cell by cell.
    """
    last = None
    with book.open(sheet) as src:
        tail = b""
        while chunk := src.read(1 << 20):
            buf = tail + chunk
            pos = len(buf)
            while pos > 0:  # the last value of the chunk: search back from the end, 64 KB at a time
                start = max(0, pos - 65536)
                hits = list(_VALUE.finditer(buf, start, min(len(buf), pos + 256)))
                if hits:
                    refs = _REF.findall(buf, max(0, hits[-1].start() - 65536), hits[-1].start())
                    if refs:
                        last = (refs[-1][0] + refs[-1][1]).decode(), int(refs[-1][1])
                    break
                pos = start
            tail = buf[-4096:]
    return last if last is not None and last[1] > row else None


class _Columns:
    """The cells of a sheet's mapped columns: a label per column (“I（数值）”), one shared empty cell each."""

    def __init__(self, columns: dict[int, str], headers: dict[str, str]):
        from openpyxl.utils import get_column_letter

        self.columns = [(i + 1, key) for i, key in columns.items()]
        self.labels = {i + 1: f"{get_column_letter(i + 1)}（{headers[key]}）" for i, key in columns.items()}
        self.empty = {key: Cell(None, headers[key]) for key in columns.values()}

    def cells(self, row: dict[int, tuple]) -> dict[str, Cell]:
        out = {}
        for col, key in self.columns:
            got = row.get(col)
            if got is None:
                out[key] = self.empty[key]
            elif got[1] is not None:
                out[key] = Cell(got[1], self.labels[col], True)
            else:
                out[key] = Cell(got[0], self.labels[col])
        return out


def _values(row: dict[int, tuple]) -> list:
    """A row's values by position (0 = column A), as far as its last cell."""
    values = [None] * (max(row) if row else 0)
    for col, (value, _) in row.items():
        values[col - 1] = value
    return values


def _read_workbook(book: _Book, name: str) -> Incoming:
    inc = Incoming(name, "xlsx", sheets=list(book.sheetnames))
    counter = [0]
    found = False
    for sheet in book.sheetnames:
        table = SHEET_TABLES.get(sheet)
        rows: list[RawRow] = []
        columns: _Columns | None = None
        for idx, row in _sheet_rows(book, sheet, name, inc, counter):
            if columns is None:
                values = _values(row)
                if table is None:  # a sheet of another name with the observation headers
                    cand = _header_map("observations", values)
                    if {"indicator_code", "period", "value"} <= set(cand.values()):
                        table = "observations"
                    else:
                        break
                mapped = _header_map(table, values)
                columns = _Columns(mapped, {k: str(values[i]).strip() for i, k in mapped.items()})
                continue
            rows.append(RawRow(table, sheet, idx, columns.cells(row)))
        if table is not None and columns is not None:
            found = True
            inc.rows.setdefault(table, []).extend(rows)
    if not found:
        raise _reject(name, "工作簿中没有可导入的工作表：应为 healthplan export 导出的工作簿（“数据值”等工作表），"
                      "或 healthplan template 生成的填报模板。")
    return inc


def _read_template(book: _Book, name: str) -> Incoming:
    inc = Incoming(name, "template", sheets=list(book.sheetnames))
    meta: dict[str, object] = {}
    for idx, row in book.rows(META_SHEET, max_col=2):
        if idx > 50:
            break
        key = row.get(1)
        if key is not None and key[0] is not None:
            meta[str(key[0])] = row[2][0] if 2 in row else None
    if meta.get("type") != TEMPLATE_MARK or "year" not in meta:
        raise _reject(name, "填报模板的隐藏信息页（_meta）已被改动，无法确定地区和年份。请重新生成模板。",
                      sheet=META_SHEET)
    inc.meta = meta
    year = str(meta["year"])
    value_header = f"{year}年数值"
    counter = [0]
    rows: list[RawRow] = []
    unit_code = Cell(meta.get("org_unit_code"), f"{META_SHEET}（地区代码）")
    unit_name = Cell(meta.get("org_unit"), f"{META_SHEET}（地区）")
    period = Cell(year, f"{META_SHEET}（年份）")
    for sheet in book.sheetnames:
        if sheet in (META_SHEET, README_SHEET):
            continue
        columns: _Columns | None = None
        for idx, row in _sheet_rows(book, sheet, name, inc, counter):
            if columns is None:
                values = _values(row)
                names = {"指标代码": "indicator_code", "机构": "facility", value_header: "value", "备注": "comment",
                         "指标名称": "indicator"}
                mapped = {i: names[str(v).strip()] for i, v in enumerate(values)
                          if v is not None and str(v).strip() in names}
                if "indicator_code" not in mapped.values() or "value" not in mapped.values():
                    inc.problems.append(Problem(sheet, idx, "", None,
                                                f"表头应包含“指标代码”和“{value_header}”两列，模板可能已被改动"))
                    break
                columns = _Columns(mapped, {k: str(values[i]).strip() for i, k in mapped.items()})
                continue
            cells = columns.cells(row)
            value, comment = cells.get("value"), cells.get("comment")
            if (value is None or _blank(value.value)) and not (value and value.formula):
                if comment is not None and not _blank(comment.value):
                    inc.warnings.append(f"{sheet} 第{idx}行只填写了备注、没有填写数值，该行未导入。")
                continue
            cells["org_unit_code"], cells["org_unit"], cells["period"] = unit_code, unit_name, period
            rows.append(RawRow("observations", sheet, idx, cells))
    inc.rows["observations"] = rows
    return inc


__all__ = ["Column", "TABLES", "Problem", "ImportRejected", "ExchangeError", "Cell", "RawRow", "Incoming",
           "read_file"]
