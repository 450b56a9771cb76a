"""Import and export on SQLite and PostgreSQL: round trips, DHIS2, the template, hostile files, undo, CLI."""

from __future__ import annotations

import io
import json
import time
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from conftest import SEEDS, drop_store, make_store
from healthplan.cli import app
from healthplan.ingest import ingest_file
from healthplan.store import models as m
from healthplan.store.exchange import (ExchangeError, ImportRejected, export_data, import_data, make_template,
                                       undo_import)
from healthplan.store.exchange_files import BLANK_RUN, read_file
from healthplan.store.observations import put_observation
from healthplan.store.plans import load_plan, local_indicator

runner = CliRunner()
TABLES = (m.OrgUnit, m.Facility, m.Indicator, m.Observation, m.Population, m.Disagreement, m.ProjectProgress,
          m.ImportBatch, m.AuditLog)


def unit(s, name):
    return s.scalars(select(m.OrgUnit).where(m.OrgUnit.name == name)).one()


def indicator(s, code):
    return s.scalars(select(m.Indicator).where(m.Indicator.code == code)).one()


def value(store, region, code, period, facility=None):
    with store.session() as s:
        q = select(m.Observation).where(m.Observation.org_unit_id == unit(s, region).id,
                                        m.Observation.indicator_id == indicator(s, code).id,
                                        m.Observation.period == period)
        q = q.where(m.Observation.facility_id.is_(None)) if facility is None else q.where(
            m.Observation.facility_id == s.scalars(select(m.Facility.id).where(m.Facility.name == facility)).one())
        obs = s.scalars(q).first()
        return None if obs is None else obs.value


def state(store):
    """Everything a rejected import must leave alone: the export and every table's row count."""
    with store.session() as s:
        counts = tuple(s.scalar(select(func.count()).select_from(t)) for t in TABLES)
    return export_data(store, "json"), counts


@pytest.fixture
def empty_store(store, tmp_path):
    """A second, empty store on the same database kind as ``store``."""
    folder = tmp_path / "empty"
    folder.mkdir()
    other, schema = make_store(store.dialect, folder)
    yield other
    drop_store(other, schema)


@pytest.fixture
def data_store(seeded_store):
    """The seed plans plus figures of every kind: derived, quarterly, plan-local, commented, example."""
    with seeded_store.session() as s:
        tianhe = unit(s, "天河区")
        put_observation(s, tianhe.id, indicator(s, "HR-NBED").id, "2020", 13563, user="alice")  # → derived HR-BED
        put_observation(s, tianhe.id, indicator(s, "HL-HLIT").id, "2023Q1", 36.5, user="alice", comment="季度监测")
        put_observation(s, tianhe.id, indicator(s, "HL-HLIT").id, "202303", 36.75, user="alice",
                        comment="=月报，勿当公式")
        local = local_indicator(s, "家庭医生签约率（本区口径）", "%", "本区自定口径")
        put_observation(s, tianhe.id, local.id, "2023", 55.5, user="bob", example=True, source="示例")
        put_observation(s, unit(s, "清城区").id, indicator(s, "HS-LE").id, "2022", 79.1, user="bob",
                        source="统计年鉴2023")
    return seeded_store


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


# --- export and round trips ---------------------------------------------------------------------

def test_json_round_trip_into_an_empty_store_is_byte_identical(data_store, empty_store, tmp_path):
    first = export_data(data_store, "json")
    assert first == export_data(data_store, "json"), "two exports of the same data are the same bytes"
    doc = json.loads(first)
    assert doc["format"] == "healthplan-data"
    derived = [o for o in doc["observations"] if o["derived"]]
    assert [(o["org_unit"], o["indicator_code"], o["period"]) for o in derived] == [("天河区", "HR-BED", "2020")]
    local = next(i for i in doc["indicators"] if i["local"])
    assert local["local_reason"] == "本区自定口径" and local["code"].startswith("LOCAL-")
    assert {"清城区", "南宫市", "广东省"} <= {u["name"] for u in doc["org_units"]}

    result = import_data(empty_store, write(tmp_path, "a.json", first), user="carol")
    assert result.created["org_unit"] == len(doc["org_units"]) and result.created["indicator"] == 1
    assert export_data(empty_store, "json") == first
    assert export_data(empty_store, "csv") == export_data(data_store, "csv")


def test_xlsx_and_csv_exports_import_back(data_store, empty_store, tmp_path):
    book = export_data(data_store, "xlsx")
    wb = load_workbook(io.BytesIO(book))
    assert wb.sheetnames[:2] == ["数据值", "人口"]
    assert [c.value for c in wb["数据值"][1]][:5] == ["行政区划代码", "地区", "地区生效日期", "机构", "指标代码"]
    formula_like = [c for row in wb["数据值"].iter_rows() for c in row if c.value == "=月报，勿当公式"]
    assert formula_like and formula_like[0].data_type == "s", "text that looks like a formula stays text"
    import_data(empty_store, write(tmp_path, "a.xlsx", book))
    assert export_data(empty_store, "json") == export_data(data_store, "json")

    text = export_data(data_store, "csv")
    assert text.startswith("\ufeff".encode()) and "'=月报" in text.decode("utf-8-sig")
    header = text.decode("utf-8-sig").splitlines()[0].split(",")
    assert header == ["行政区划代码", "地区", "地区生效日期", "机构", "指标代码", "指标名称", "单位", "期间", "数值", "来源", "备注",
                      "计算值", "示例数据"]
    # the CSV into the store it came from changes nothing
    before = export_data(data_store, "json")
    result = import_data(data_store, write(tmp_path, "a.csv", text))
    assert result.inserted == result.updated == 0
    assert export_data(data_store, "json") == before


def test_export_of_one_plan_and_its_round_trip(data_store, empty_store, tmp_path):
    doc = json.loads(export_data(data_store, "json", plan="清城区"))
    assert doc["scope"] == {"plan": "清城区", "org_unit": "清城区", "org_unit_code": "441802"}
    assert {o["org_unit"] for o in doc["observations"]} == {"清城区"}
    assert [u["name"] for u in doc["org_units"]] == ["广东省", "清远市", "清城区"]
    assert doc["populations"] == [] and doc["facilities"] == []
    with pytest.raises(ExchangeError) as err:
        export_data(data_store, "json", plan="不存在区")
    assert "没有" in err.value.zh
    first = export_data(data_store, "json", plan="清城")
    import_data(empty_store, write(tmp_path, "q.json", first))
    assert export_data(empty_store, "json", plan="清城") == first


def test_versions_of_a_unit_round_trip_and_figures_find_the_version_of_their_period(data_store, empty_store,
                                                                                   tmp_path):
    """区划调整: 天河区 renamed on 2024-01-01 keeps its code; each figure stays with its own version."""
    from datetime import date

    with data_store.session() as s:
        old = unit(s, "天河区")
        old.valid_to = date(2024, 1, 1)
        new = m.OrgUnit(code=old.code, name="天河新区", level=old.level, parent_id=old.parent_id,
                        valid_from=date(2024, 1, 1))
        s.add(new)
        s.flush()
        put_observation(s, new.id, indicator(s, "HL-HLIT").id, "2024", 38.0)
    first = export_data(data_store, "json")
    units = [u for u in json.loads(first)["org_units"] if u["code"] == "440106"]
    assert [(u["name"], u["valid_from"], u["valid_to"]) for u in units] == [
        ("天河区", "", "2024-01-01"), ("天河新区", "2024-01-01", "")]
    import_data(empty_store, write(tmp_path, "v.json", first))
    assert export_data(empty_store, "json") == first
    assert json.loads(export_data(data_store, "json", plan="天河"))["observations"]  # both versions in scope

    rows = [["440106", "", "", "HL-HLIT", "2023", "35", ""], ["440106", "", "", "HL-HLIT", "2025", "40", ""]]
    import_data(data_store, csv_file(tmp_path, "v.csv", rows))
    assert value(data_store, "天河区", "HL-HLIT", "2023") == 35
    assert value(data_store, "天河新区", "HL-HLIT", "2025") == 40 and value(data_store, "天河区", "HL-HLIT", "2025") is None


def test_project_progress_needs_the_plan_loaded_first(data_store, empty_store, tmp_path):
    with data_store.session() as s:
        project = s.scalars(select(m.Project).order_by(m.Project.id)).first()
        s.add(m.ProjectProgress(project_id=project.id, year=2023, status="在建", percent_complete=40, spent_wan=1200.5,
                                comment="主体封顶"))
    first = export_data(data_store, "json")
    assert json.loads(first)["project_progress"][0]["status"] == "在建"
    path = write(tmp_path, "p.json", first)
    with pytest.raises(ImportRejected) as err:
        import_data(empty_store, path)
    assert [p.sheet for p in err.value.problems] == ["project_progress"]
    assert "请先把该地区的规划入库" in err.value.problems[0].reason
    assert state(empty_store)[1] == (0,) * len(TABLES)
    with empty_store.session() as s:  # with the seed plans loaded, the progress finds its project
        for seed in SEEDS:
            load_plan(s, ingest_file(seed), seed.read_bytes())
    import_data(empty_store, path)
    assert export_data(empty_store, "json") == first


def test_dhis2_data_value_set(data_store):
    doc = json.loads(export_data(data_store, "dhis2"))
    assert list(doc) == ["dataValues"]
    values = doc["dataValues"]
    assert all(set(v) == {"dataElement", "period", "orgUnit", "value", "comment"} for v in values)
    assert all(isinstance(v["value"], str) for v in values)
    tianhe = {(v["dataElement"], v["period"]): v for v in values if v["orgUnit"] == "440106"}
    assert tianhe[("HR-NBED", "2020")]["value"] == "13563"
    assert tianhe[("HL-HLIT", "2023Q1")] == {"dataElement": "HL-HLIT", "period": "2023Q1", "orgUnit": "440106",
                                             "value": "36.5", "comment": "季度监测"}
    assert ("HL-HLIT", "202303") in tianhe
    assert ("HR-BED", "2020") not in tianhe, "derived per-capita values are DHIS2 indicators, not data"
    assert not any(v["dataElement"].startswith("LOCAL-") for v in values), "example figures stay out"
    assert "130581/南宫市人民医院" in {v["orgUnit"] for v in values}


# --- the template -------------------------------------------------------------------------------

def fill_template(data: bytes, values: dict[str, object], comments: dict[str, str] | None = None) -> bytes:
    """Fill the year's column by indicator code, as a planner would in Excel."""
    wb = load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        if ws.title in ("填报说明", "_meta"):
            continue
        header = [c.value for c in ws[1]]
        value_col = next(i for i, h in enumerate(header, 1) if str(h).endswith("年数值"))
        for r in range(2, ws.max_row + 1):
            code = ws.cell(r, 1).value
            if code in values:
                ws.cell(r, value_col).value = values[code]
            if comments and code in comments:
                ws.cell(r, header.index("备注") + 1).value = comments[code]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_template_is_filled_and_imported_with_audit(seeded_store, tmp_path):
    data = make_template(seeded_store, "清城区", 2023)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["填报说明", "健康水平", "健康生活", "健康服务", "卫生投入", "_meta"]
    assert wb["_meta"].sheet_state == "veryHidden"
    assert "只填数字" in "".join(str(c.value) for c in wb["填报说明"]["A"])
    ws = wb["健康生活"]
    assert [c.value for c in ws[1]] == ["指标代码", "指标名称", "单位", "基期值", "目标值", "指标性质", "2023年数值", "备注"]
    assert ws.protection.sheet and ws["A2"].protection.locked and not ws["G2"].protection.locked
    rules = {str(dv.sqref): (dv.type, dv.formula1, dv.formula2) for dv in ws.data_validations.dataValidation}
    assert ("decimal", "0", "100") in rules.values()
    assert ws["A2"].value == "HL-HLIT" and ws["C2"].value == "%"

    filled = fill_template(data, {"HL-HLIT": 28.4, "HS-LE": 79.3, "HR-BED": 3.1}, {"HL-HLIT": "2023年监测", "HS-MMR": "数据未公布"})
    result = import_data(seeded_store, write(tmp_path, "清城2023.xlsx", filled), user="planner")
    assert (result.rows, result.inserted, result.format) == (3, 3, "template")
    assert result.warnings and "只填写了备注" in result.warnings[0]
    assert value(seeded_store, "清城区", "HL-HLIT", "2023") == 28.4
    with seeded_store.session() as s:
        obs = s.scalars(select(m.Observation).where(m.Observation.indicator_id == indicator(s, "HL-HLIT").id)).one()
        assert obs.comment == "2023年监测" and obs.import_id == result.import_id and obs.updated_by == "planner"
        log = s.scalars(select(m.AuditLog).where(m.AuditLog.import_id == result.import_id)).all()
        assert len(log) == 3 and {a.source_file for a in log} == {"清城2023.xlsx"}
        assert {a.user for a in log} == {"planner"} and {a.action for a in log} == {"insert"}
        batch = s.get(m.ImportBatch, result.import_id)
        assert (batch.file_name, batch.rows, batch.status, batch.user) == ("清城2023.xlsx", 3, "applied", "planner")

    # a value just above the blank-run limit is read like any other (the sheet's rows end at 6)
    near = _xlsx_with_row(filled, "xl/worksheets/sheet2.xml",
                          b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>HS-IMR</t></is></c><c r="G%d"><v>2</v></c></row>'
                          % ((6 + BLANK_RUN,) * 3))
    result = import_data(seeded_store, write(tmp_path, "near.xlsx", near))
    assert (result.rows, result.inserted) == (4, 1) and value(seeded_store, "清城区", "HS-IMR", "2023") == 2

    # facility tables (南宫) give facility rows, stored on the facility
    data = make_template(seeded_store, "南宫", 2023)
    sheet = load_workbook(io.BytesIO(data))["县办医院"]
    assert [c.value for c in sheet[1]][:3] == ["指标代码", "机构", "指标名称"]
    assert [c.value for c in sheet[2]][:2] == ["HR-NBED", "南宫市人民医院"]
    wb = load_workbook(io.BytesIO(data))
    wb["县办医院"]["H2"] = 655
    buf = io.BytesIO()
    wb.save(buf)
    import_data(seeded_store, write(tmp_path, "南宫.xlsx", buf.getvalue()))
    assert value(seeded_store, "南宫市", "HR-NBED", "2023", facility="南宫市人民医院") == 655


# --- hostile and bad files: rejected with every bad cell, nothing written -----------------------

def _xlsx_with_row(data: bytes, part: str, row_xml: bytes) -> bytes:
    """Add a row to a sheet's XML directly: a cell a million rows down costs a few bytes."""
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == part:
                body = body.replace(b"</sheetData>", row_xml + b"</sheetData>")
            dst.writestr(info, body)
    return out.getvalue()


def case_wrong_types(store, tmp_path):
    doc = json.loads(export_data(store, "json"))
    doc["observations"][0]["value"] = [1, 2]
    doc["observations"][1]["period"] = 2023.5
    doc["observations"][2]["derived"] = "maybe"
    doc["populations"][0]["year"] = "二〇二〇"
    path = write(tmp_path, "types.json", json.dumps(doc, ensure_ascii=False))
    return path, [("observations", 1, "value", "不是数值"), ("observations", 2, "period", "期间格式"),
                  ("observations", 3, "derived", "是"), ("populations", 1, "year", "不是数值")]


def case_formula(store, tmp_path):
    data = fill_template(make_template(store, "清城区", 2023), {"HL-HLIT": "=20+8.4", "HS-LE": 79.3})
    return write(tmp_path, "formula.xlsx", data), [("健康生活", 2, "G（2023年数值）", "公式")]


def case_formula_in_export(store, tmp_path):
    wb = load_workbook(io.BytesIO(export_data(store, "xlsx")))
    wb["数据值"]["I3"] = "=SUM(I2:I2)"
    wb["数据值"]["K4"] = "=HYPERLINK(\"http://x\")"
    buf = io.BytesIO()
    wb.save(buf)
    return write(tmp_path, "export.xlsx", buf.getvalue()), [("数据值", 3, "I（数值）", "公式"), ("数据值", 4, "K（备注）", "公式")]


def case_million_blank_rows(store, tmp_path):
    data = fill_template(make_template(store, "清城区", 2023), {"HS-LE": 79.3})
    row = b'<row r="1000005"><c r="A1000005" t="inlineStr"><is><t>HS-IMR</t></is></c><c r="G1000005"><v>2.1</v></c></row>'
    return write(tmp_path, "blank.xlsx", _xlsx_with_row(data, "xl/worksheets/sheet2.xml", row)), \
        [("健康水平", 1000005, "G1000005", "空行之下")]


def case_truncated(store, tmp_path):
    data = export_data(store, "xlsx")
    return write(tmp_path, "cut.xlsx", data[: len(data) // 2]), [("", None, "", "损坏或不完整")]


def case_not_a_zip(store, tmp_path):
    return write(tmp_path, "fake.xlsx", b"PK\x03\x04 not really a workbook"), [("", None, "", "损坏或不完整")]


def case_text_in_number(store, tmp_path):
    data = fill_template(make_template(store, "清城区", 2023), {"HL-HLIT": "约28", "HS-LE": "79.3岁"})
    return write(tmp_path, "text.xlsx", data), [("健康水平", 2, "G（2023年数值）", "不要带单位"),
                                                ("健康生活", 2, "G（2023年数值）", "不是数值")]


def csv_file(tmp_path, name, rows):
    head = "行政区划代码,地区,机构,指标代码,期间,数值,备注\n"
    return write(tmp_path, name, "\ufeff" + head + "".join(",".join(r) + "\n" for r in rows))


def case_unknown_code(store, tmp_path):
    rows = [["440106", "天河区", "", "HL-HLIT", "2023", "35", ""], ["440106", "天河区", "", "XX-NOPE", "2023", "1", ""],
            ["999999", "", "", "HL-HLIT", "2023", "35", ""], ["440106", "越秀区", "", "HS-LE", "2023", "80", ""]]
    return csv_file(tmp_path, "codes.csv", rows), [("", 3, "指标代码", "未知的指标代码"), ("", 4, "行政区划代码", "未知的行政区划代码"),
                                                   ("", 5, "地区", "不符")]


def case_out_of_range(store, tmp_path):
    data = fill_template(make_template(store, "清城区", 2023), {"HL-HLIT": 130, "HR-BED": 80, "HS-LE": 79})
    return write(tmp_path, "range.xlsx", data), [("健康生活", 2, "G（2023年数值）", "0–100%"),
                                                 ("健康服务", 2, "G（2023年数值）", "不合常理")]


def case_duplicates_and_sums(store, tmp_path):
    rows = [["130581", "南宫市", "南宫市人民医院", "HR-NBED", "2023", "650", ""],
            ["130581", "南宫市", "南宫市中医院", "HR-NBED", "2023", "150", ""],
            ["130581", "南宫市", "", "HR-NBED", "2023", "900", "全市合计"],
            ["440106", "天河区", "", "HL-HLIT", "2023", "35", ""], ["440106", "天河区", "", "HL-HLIT", "2023", "36", ""],
            ["130581", "南宫市", "南宫市不存在医院", "HR-NBED", "2023", "1", ""]]
    return csv_file(tmp_path, "sums.csv", rows), [("", 4, "数值", "合计800"), ("", 6, "指标代码", "与第5行重复"),
                                                  ("", 7, "机构", "没有名为")]


def case_shared_strings_bomb(store, tmp_path):
    out = io.BytesIO()
    wb = Workbook()
    wb.active.title = "数据值"
    wb.save(out)
    bomb = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + b"<si><t>x</t></si>" * 2_200_000 + b"</sst>"
    src, dst_buf = zipfile.ZipFile(io.BytesIO(out.getvalue())), io.BytesIO()
    with zipfile.ZipFile(dst_buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        dst.writestr("xl/sharedStrings.xml", bomb)
    return write(tmp_path, "bomb.xlsx", dst_buf.getvalue()), [("", None, "", "压缩炸弹")]


CASES = [case_wrong_types, case_formula, case_formula_in_export, case_million_blank_rows, case_truncated,
         case_not_a_zip, case_text_in_number, case_unknown_code, case_out_of_range, case_duplicates_and_sums,
         case_shared_strings_bomb]


def test_bad_files_are_rejected_cell_by_cell_and_nothing_changes(data_store, tmp_path):
    """Every hostile or mistaken file, one after another on the same store (seeding it once keeps this fast)."""
    before = state(data_store)
    for case in CASES:
        path, expected = case(data_store, tmp_path)
        started = time.perf_counter()
        with pytest.raises(ImportRejected) as err:
            import_data(data_store, path, user="mallory")
        assert time.perf_counter() - started < 20, case.__name__
        got = [p.as_tuple() for p in err.value.problems]
        assert len(got) == len(expected), (case.__name__, got)
        for p, (sheet, row, column, words) in zip(err.value.problems, expected):
            assert (p.sheet, p.row) == (sheet, row) and column in p.column and words in p.reason, (case.__name__, got)
        assert "导入被拒绝" in err.value.zh and err.value.file == path.name
        assert state(data_store) == before, f"{case.__name__} changed the database"


def test_a_million_blank_rows_are_not_read_one_by_one(tmp_path):
    """Reading only (no database): a million present but blank rows below the data take seconds, not minutes."""
    wb = Workbook()
    ws = wb.active
    ws.title = "数据值"
    ws.append(["行政区划代码", "指标代码", "期间", "数值"])
    ws.append(["440106", "HL-HLIT", "2023", 35])
    buf = io.BytesIO()
    wb.save(buf)
    blank = b"".join(b'<row r="%d"><c r="B%d" t="inlineStr"><is><t> </t></is></c></row>' % (i, i)
                     for i in range(10, 10 + 1_000_000))
    path = write(tmp_path, "blank.xlsx", _xlsx_with_row(buf.getvalue(), "xl/worksheets/sheet1.xml", blank))
    started = time.perf_counter()
    incoming = read_file(path)
    assert time.perf_counter() - started < 10
    assert [(r.sheet, r.row) for r in incoming.rows["observations"]] == [("数据值", 2)] and not incoming.problems


# --- undo ---------------------------------------------------------------------------------------

def test_undo_restores_exactly(data_store, tmp_path):
    before = state(data_store)
    with data_store.session() as s:
        disagreements = s.scalar(select(func.count()).select_from(m.Disagreement))
    rows = [["440106", "天河区", "", "HR-NBED", "2020", "13600", "修正"],  # update → derived HR-BED recomputed
            ["440106", "天河区", "", "HR-BED", "2020", "6.9", "上报值"],  # replaces the derived value, disagrees
            ["440106", "天河区", "", "HL-HLIT", "2023Q1", "37", ""],  # update
            ["441802", "清城区", "", "HL-HLIT", "2023", "31.5", ""],  # insert
            ["130581", "南宫市", "南宫市人民医院", "HR-NBED", "2020", "615", ""],  # facility update
            ["110101", "东城区", "", "HS-LE", "2023", "82.5", ""]]  # a region new to the store (national codes)
    result = import_data(data_store, csv_file(tmp_path, "fix.csv", rows), user="dave")
    assert (result.inserted, result.updated) == (2, 4) and result.created == {"org_unit": 2}
    assert value(data_store, "天河区", "HR-BED", "2020") == 6.9
    with data_store.session() as s:
        assert s.scalar(select(func.count()).select_from(m.Disagreement)) == disagreements + 1
    assert state(data_store) != before

    done = undo_import(data_store, result.import_id, user="erin")
    assert done.deleted == 5 and done.restored >= 4
    after = state(data_store)
    assert after[0] == before[0], "the data is exactly as before"
    with data_store.session() as s:
        assert s.scalar(select(func.count()).select_from(m.Disagreement)) == disagreements
        batch = s.get(m.ImportBatch, result.import_id)
        assert batch.status == "undone" and batch.undone_at is not None
        log = s.scalars(select(m.AuditLog).where(m.AuditLog.user == "erin")).all()
        assert {a.action for a in log} == {"update", "delete"} and all("撤销导入" in a.source_file for a in log)
        assert any(a.entity == "import_batch" for a in log)
    with pytest.raises(ExchangeError) as err:
        undo_import(data_store, result.import_id, user="erin")
    assert "撤销过" in err.value.zh

    # populations (the derived per-capita value follows them) and project progress
    with data_store.session() as s:
        project = s.scalars(select(m.Project).order_by(m.Project.id)).first()
        s.add(m.ProjectProgress(project_id=project.id, year=2023, status="在建", percent_complete=40))
    before = state(data_store)
    doc = json.loads(before[0])
    pop = next(p for p in doc["populations"] if p["org_unit"] == "天河区" and p["year"] == 2020)
    pop["value"] = 2250000  # a corrected census figure: the derived 每千人口床位数 follows
    doc["populations"].append({**pop, "year": 2023, "value": 2260000, "projected": False})
    doc["project_progress"][0].update(status="完工", percent_complete=100, spent_wan=3000)
    doc["project_progress"].append({**doc["project_progress"][0], "year": 2024})
    result = import_data(data_store, write(tmp_path, "fix.json", json.dumps(doc, ensure_ascii=False)))
    assert (result.inserted, result.updated) == (2, 2)
    assert value(data_store, "天河区", "HR-BED", "2020") == pytest.approx(13563 / 2250000 * 1000)
    undo_import(data_store, result.import_id)
    assert state(data_store)[0] == before[0]


def test_undo_is_refused_when_a_value_changed_afterwards(data_store, tmp_path):
    rows = [["441802", "清城区", "", "HL-HLIT", "2023", "31.5", ""], ["441802", "清城区", "", "HS-LE", "2023", "79.5", ""]]
    first = import_data(data_store, csv_file(tmp_path, "a.csv", rows), user="dave")
    with data_store.session() as s:
        obs = s.scalars(select(m.Observation).where(m.Observation.import_id == first.import_id,
                                                    m.Observation.indicator_id == indicator(s, "HL-HLIT").id)).one()
        put_observation(s, obs.org_unit_id, obs.indicator_id, "2023", 32.0, user="frank", expected_version=obs.version)
    before = state(data_store)
    with pytest.raises(ExchangeError) as err:
        undo_import(data_store, first.import_id, user="dave")
    assert "frank" in err.value.zh and "居民健康素养水平" in err.value.zh and "未做任何改动" in err.value.zh
    assert state(data_store) == before
    # a later import over the same value: undo that one first, then the earlier one goes
    second = import_data(data_store, csv_file(tmp_path, "b.csv", [rows[1][:5] + ["80", ""]]), user="gina")
    with pytest.raises(ExchangeError) as err:
        undo_import(data_store, first.import_id)
    assert f"第{second.import_id}批导入" in err.value.zh
    undo_import(data_store, second.import_id)
    assert value(data_store, "清城区", "HS-LE", "2023") == 79.5
    with data_store.session() as s:  # put frank's change back to what the import wrote, then undo is exact again
        obs = s.get(m.Observation, obs.id)
        put_observation(s, obs.org_unit_id, obs.indicator_id, "2023", 31.5, user="frank")
    with pytest.raises(ExchangeError):  # frank's audited edits still block the undo
        undo_import(data_store, first.import_id)


# --- the command line ---------------------------------------------------------------------------

def test_cli_export_import_undo_and_template(data_store, empty_store, tmp_path):
    db, empty = data_store.url, empty_store.url
    for fmt in ("json", "csv", "xlsx", "dhis2"):
        out = tmp_path / f"all.{fmt}"
        result = runner.invoke(app, ["export", "--format", fmt, "-o", str(out), "--db", db])
        assert result.exit_code == 0, result.output
        assert out.read_bytes() == export_data(data_store, fmt) or fmt == "xlsx"
    result = runner.invoke(app, ["export", "--format", "json", "--plan", "天河区", "--db", db])
    assert result.exit_code == 0 and json.loads(result.stdout)["scope"]["org_unit_code"] == "440106"

    result = runner.invoke(app, ["import", str(tmp_path / "all.json"), "--db", empty, "--user", "cli-user"])
    assert result.exit_code == 0, result.output
    assert "第1批" in result.stdout and "--undo 1" in result.stdout
    assert export_data(empty_store, "json") == (tmp_path / "all.json").read_bytes()
    result = runner.invoke(app, ["import", "--undo", "1", "--db", empty, "--user", "cli-user"])
    assert result.exit_code == 0 and "已撤销第1批导入" in result.stdout
    assert json.loads(export_data(empty_store, "json"))["observations"] == []

    template = tmp_path / "t.xlsx"
    result = runner.invoke(app, ["template", "--plan", "清城区", "--year", "2024", "-o", str(template), "--db", db])
    assert result.exit_code == 0, result.output
    bad = write(tmp_path, "bad.xlsx", fill_template(template.read_bytes(), {"HL-HLIT": "很好", "HS-LE": 79.3}))
    before = state(data_store)
    result = runner.invoke(app, ["import", str(bad), "--db", db])
    assert result.exit_code == 2
    assert "导入被拒绝" in result.stdout and "健康生活" in result.stdout and "不是数值" in result.stdout
    assert state(data_store) == before

    result = runner.invoke(app, ["import", "--db", db])
    assert result.exit_code == 2 and "二者选一" in result.output
    result = runner.invoke(app, ["template", "--plan", "不存在", "--year", "2024", "-o", str(template), "--db", db])
    assert result.exit_code == 2 and "没有" in result.output
