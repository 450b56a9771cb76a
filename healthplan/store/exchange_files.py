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


@dataclass
class Cell:
    value: object
    column: str  # the column as the user sees it: "H（2023年数值）", "数值", "value"
    formula: bool = False


@dataclass
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
    from openpyxl import load_workbook

    _check_zip(data, name)
    corrupt = "文件已损坏或不完整，无法读取工作表内容（{}）。请在 Excel 中打开并重新保存后再导入。"
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as e:  # noqa: BLE001 - any failure of the reader on a damaged file
        raise _reject(name, corrupt.format(type(e).__name__)) from e
    try:
        if META_SHEET in wb.sheetnames:
            return _read_template(wb, name)
        return _read_workbook(wb, name)
    except ImportRejected:
        raise
    except Exception as e:  # noqa: BLE001 - zlib.error, BadZipFile, XML errors in a truncated part
        raise _reject(name, corrupt.format(type(e).__name__)) from e
    finally:
        wb.close()


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _sheet_rows(ws, sheet: str, name: str, inc: Incoming, counter: list[int]):
    """(row number, cells) of the non-blank rows, without the dimension's say (it may lie).

    Reading stops after ``BLANK_RUN`` blank rows in a row, so a million formatted but empty rows cost
    nothing; whatever still holds a value below them is found by a scan of the sheet's XML bytes and
    reported, never silently dropped.
    """
    from openpyxl.cell.read_only import EMPTY_CELL

    ws.reset_dimensions()
    empty, run = None, 0
    for idx, row in enumerate(ws.iter_rows(max_col=MAX_COLUMNS), 1):
        if idx > MAX_SCAN_ROWS:
            raise _reject(name, f"工作表“{sheet}”超过{MAX_SCAN_ROWS}行（Excel 的行数上限），文件异常，拒绝读取。",
                          sheet=sheet, row=idx)
        if row is empty or all(c is EMPTY_CELL or _blank(c.value) for c in row):
            if empty is None and row and all(c is EMPTY_CELL for c in row):
                empty = row  # rows absent from the XML all come as this one tuple: cheap to recognise
            run += 1
            if run >= BLANK_RUN:
                hit = _value_below(ws, idx)
                if hit is not None:
                    inc.problems.append(Problem(sheet, hit[1], hit[0], None,
                                                f"第{idx - run + 1}行起连续{run}多行是空行，空行之下的{hit[0]}还有内容；"
                                                "请删除空行、把数据放在表格中后再导入"))
                return
            continue
        run = 0
        counter[0] += 1
        if counter[0] > MAX_DATA_ROWS:
            raise _reject(name, f"数据行超过单次导入上限{MAX_DATA_ROWS}行，请分批导入。", sheet=sheet, row=idx)
        yield idx, row


_VALUE = re.compile(rb"<(?:\w+:)?(?:v>\s*[^\s<]|f[\s>/]|t(?:\s[^>]*)?>\s*[^\s<])")
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')


def _value_below(ws, row: int) -> tuple[str, int] | None:
    """The last cell holding a value (or formula) in the sheet's XML, if it lies below ``row``.

    Rows are stored in order, so the last value tells whether anything follows; the XML is streamed in
    1 MB chunks and searched by a compiled pattern (C speed), never parsed cell by cell.
    """
    last = None
    with ws._get_source() as src:
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


def _cell(c, header: str) -> Cell:
    from openpyxl.utils import get_column_letter

    letter = get_column_letter(c.column) if hasattr(c, "column") and c.column else ""
    label = f"{letter}（{header}）" if letter else header
    if getattr(c, "data_type", None) == "f" or type(c.value).__name__ in ("ArrayFormula", "DataTableFormula"):
        text = c.value if isinstance(c.value, str) else getattr(c.value, "text", "=…")
        return Cell(text, label, True)
    return Cell(c.value, label)


def _read_workbook(wb, name: str) -> Incoming:
    inc = Incoming(name, "xlsx", sheets=list(wb.sheetnames))
    counter = [0]
    found = False
    for sheet in wb.sheetnames:
        ws = wb[sheet]
        table = SHEET_TABLES.get(sheet)
        rows: list[RawRow] = []
        columns: dict[int, str] | None = None
        header_text: dict[str, str] = {}
        for idx, row in _sheet_rows(ws, sheet, name, inc, counter):
            if columns is None:
                values = [c.value for c in row]
                if table is None:  # a sheet of another name with the observation headers
                    cand = _header_map("observations", values)
                    if {"indicator_code", "period", "value"} <= set(cand.values()):
                        table = "observations"
                    else:
                        break
                columns = _header_map(table, values)
                header_text = {k: str(values[i]).strip() for i, k in columns.items()}
                continue
            cells = {}
            for i, key in columns.items():
                if i < len(row):
                    cells[key] = _cell(row[i], header_text[key])
            rows.append(RawRow(table, sheet, idx, cells))
        if table is not None and columns is not None:
            found = True
            inc.rows.setdefault(table, []).extend(rows)
    if not found:
        raise _reject(name, "工作簿中没有可导入的工作表：应为 healthplan export 导出的工作簿（“数据值”等工作表），"
                      "或 healthplan template 生成的填报模板。")
    return inc


def _read_template(wb, name: str) -> Incoming:
    inc = Incoming(name, "template", sheets=list(wb.sheetnames))
    meta: dict[str, object] = {}
    for row in wb[META_SHEET].iter_rows(max_row=50, max_col=2, values_only=True):
        if row and row[0] is not None:
            meta[str(row[0])] = row[1] if len(row) > 1 else None
    if meta.get("type") != TEMPLATE_MARK or "year" not in meta:
        raise _reject(name, "填报模板的隐藏信息页（_meta）已被改动，无法确定地区和年份。请重新生成模板。",
                      sheet=META_SHEET)
    inc.meta = meta
    year = str(meta["year"])
    value_header = f"{year}年数值"
    counter = [0]
    rows: list[RawRow] = []
    for sheet in wb.sheetnames:
        if sheet in (META_SHEET, README_SHEET):
            continue
        columns: dict[int, str] | None = None
        headers: dict[str, str] = {}
        for idx, row in _sheet_rows(wb[sheet], sheet, name, inc, counter):
            values = [c.value for c in row]
            if columns is None:
                names = {"指标代码": "indicator_code", "机构": "facility", value_header: "value", "备注": "comment",
                         "指标名称": "indicator"}
                columns = {i: names[str(v).strip()] for i, v in enumerate(values)
                           if v is not None and str(v).strip() in names}
                headers = {k: str(values[i]).strip() for i, k in columns.items()}
                if "indicator_code" not in columns.values() or "value" not in columns.values():
                    inc.problems.append(Problem(sheet, idx, "", None,
                                                f"表头应包含“指标代码”和“{value_header}”两列，模板可能已被改动"))
                    break
                continue
            cells = {key: _cell(row[i], headers[key]) for i, key in columns.items() if i < len(row)}
            value, comment = cells.get("value"), cells.get("comment")
            if (value is None or _blank(value.value)) and not (value and value.formula):
                if comment is not None and not _blank(comment.value):
                    inc.warnings.append(f"{sheet} 第{idx}行只填写了备注、没有填写数值，该行未导入。")
                continue
            cells["org_unit_code"] = Cell(meta.get("org_unit_code"), f"{META_SHEET}（地区代码）")
            cells["org_unit"] = Cell(meta.get("org_unit"), f"{META_SHEET}（地区）")
            cells["period"] = Cell(year, f"{META_SHEET}（年份）")
            rows.append(RawRow("observations", sheet, idx, cells))
    inc.rows["observations"] = rows
    return inc


__all__ = ["Column", "TABLES", "Problem", "ImportRejected", "ExchangeError", "Cell", "RawRow", "Incoming",
           "read_file"]
