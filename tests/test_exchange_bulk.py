"""Set-based import (批量导入) on SQLite and PostgreSQL: exactly what the row-by-row path wrote.

A file of a few thousand rows — inserts, updates, unchanged figures, an example flag cleared, figures
kept when the file leaves source or comment empty, facility figures, figures marked as derived,
populations, counts whose per-capita values are derived, reported values that agree (a disagreement
removed) or disagree (one made, one updated), project progress, and org units from the national code
list — is imported set-based into one store and figure by figure (``put_observation``, the former path)
into a second store prepared alike: every table, version and audit entry is the same. Updates bump
versions (a stale edit is refused), a conflicting change makes the whole import fail with nothing
written, undo restores the state before, and the reader gives the values openpyxl gives.
"""

from __future__ import annotations

import io
import sys
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select, update

from conftest import ROOT, SEEDS, drop_store, make_store
from healthplan.ingest import ingest_file
from healthplan.ingest.region import REGION_DATA
from healthplan.store import models as m
from healthplan.store.exchange import export_data, import_data, undo_import
from healthplan.store.exchange_files import TABLES, _Book, read_file
from healthplan.store.exchange_import import import_rowwise
from healthplan.store.exchange_write import BulkWriter
from healthplan.store.observations import ConflictError, find_observation, put_observation
from healthplan.store.plans import load_plan

VOLATILE = {"created_at", "updated_at", "at", "undone_at"}  # clock readings: differ between any two runs
DATA = (m.OrgUnit, m.Facility, m.Indicator, m.Observation, m.Population, m.Disagreement, m.ProjectProgress)
NEW_REGIONS = sorted(c for c in REGION_DATA if c.startswith("45") and not c.endswith("00"))[:120]
PROJECT = "清远市清城区人民医院新院建设工程"


def ids(s, code=None, unit=None, facility=None):
    if code is not None:
        return s.scalars(select(m.Indicator.id).where(m.Indicator.code == code)).one()
    if unit is not None:
        return s.scalars(select(m.OrgUnit.id).where(m.OrgUnit.code == unit)).one()
    return s.scalars(select(m.Facility.id).where(m.Facility.name == facility)).one()


def prepare(store) -> None:
    """The seed plans, then figures of every kind: derived, example, a facility's, two disagreements, progress."""
    with store.session() as s:
        for path in SEEDS:
            load_plan(s, ingest_file(path), path.read_bytes())
    with store.session() as s:
        tianhe, qingcheng, nangong = ids(s, unit="440106"), ids(s, unit="441802"), ids(s, unit="130581")
        put_observation(s, tianhe, ids(s, "HR-NBED"), "2020", 13563, user="alice")  # → derived HR-BED 2020
        put_observation(s, tianhe, ids(s, "HR-NDOC"), "2020", 9000, user="alice")
        put_observation(s, tianhe, ids(s, "HR-DOC"), "2020", 2.0, user="alice")  # disagrees with 9000 ÷ 常住人口
        put_observation(s, tianhe, ids(s, "HL-HLIT"), "2023", 30.5, user="alice", comment="监测", source="年鉴")
        put_observation(s, tianhe, ids(s, "HS-LE"), "2022", 80.1, user="alice", example=True, source="示例")
        put_observation(s, tianhe, ids(s, "HL-SMOK"), "2021", 20.0, user="alice")
        put_observation(s, nangong, ids(s, "HR-NBED"), "2020", 600, facility_id=ids(s, facility="南宫市人民医院"),
                        user="alice")
        s.add(m.Population(org_unit_id=qingcheng, year=2021, kind="常住人口", value=500000, projected=False))
        s.flush()
        put_observation(s, qingcheng, ids(s, "HR-NNUR"), "2021", 1500, user="bob")
        put_observation(s, qingcheng, ids(s, "HR-NUR"), "2021", 1.0, user="bob")  # disagrees with 3.0
        project = s.scalars(select(m.Project).where(m.Project.name == PROJECT)).first()
        s.add(m.ProjectProgress(project_id=project.id, year=2022, status="在建", percent_complete=30))


def big_file(path, extra_obs=(), extra_pops=()):
    """The export workbook's sheets: a few thousand rows mixing every case (see the module's doc)."""
    obs_cols = [c.key for c in TABLES["observations"][1]]
    pop_cols = [c.key for c in TABLES["populations"][1]]
    prog_cols = [c.key for c in TABLES["project_progress"][1]]

    def o(code, name, ind, period, value, facility=None, source=None, comment=None, derived="否", example="否"):
        d = dict(org_unit_code=code, org_unit=name, org_unit_valid_from=None, facility=facility,
                 indicator_code=ind, indicator=None, unit=None, period=period, value=value, source=source,
                 comment=comment, derived=derived, example=example)
        return [d[k] for k in obs_cols]

    def p(code, name, year, value, kind="常住人口", projected="否", source="统计年鉴"):
        d = dict(org_unit_code=code, org_unit=name, org_unit_valid_from=None, year=year, kind=kind, value=value,
                 projected=projected, source=source)
        return [d[k] for k in pop_cols]

    obs, pops = [], []
    for k, code in enumerate(NEW_REGIONS):  # units new to the store: made from the national code list
        name = REGION_DATA[code]
        people = 300_000 + 1_000 * k
        pops.append(p(code, name, 2022, people))
        for year in (2020, 2021, 2022):
            obs += [o(code, name, "HL-HLIT", str(year), 20 + k % 30 + year % 10 / 10),
                    o(code, name, "HL-SMOK", str(year), 18 + k % 7),
                    o(code, name, "HS-LE", str(year), 75 + k % 5, source="统计公报"),
                    o(code, name, "MS-ALOS", str(year), 8 + k % 3 / 2),
                    o(code, name, "DC-EPI", str(year), 95 + k % 5, comment="年报" if k % 2 else None),
                    o(code, name, "HR-NBED", str(year), 1500 + 10 * k)]
        obs.append(o(code, name, "HL-HLIT", "2022Q1", 21 + k % 30))
        if k % 3 == 0:  # a reported per-capita value beside the count: agreeing, or not
            computed = (1500 + 10 * k) / people * 1000
            obs.append(o(code, name, "HR-BED", "2022", round(computed if k % 2 else computed * 1.5, 2)))
    obs += [
        o("440106", "天河区", "HR-NBED", "2020", 13600, comment="修正"),  # derived HR-BED recomputed
        o("440106", "天河区", "HL-HLIT", "2023", 31),  # source and comment left empty: the stored ones stay
        o("440106", "天河区", "HS-LE", "2022", 80.1, source="统计公报"),  # same value, no longer an example
        o("440106", "天河区", "HL-SMOK", "2021", 20),  # unchanged
        o("440106", "天河区", "HR-NDOC", "2020", 4484),  # now agrees with HR-DOC 2.0: the disagreement goes
        o("440106", "天河区", "HL-HLIT", "2024", 33.5),
        o("440106", "天河区", "HR-BED", "2019", 5.9, derived="是", source="计算"),  # derived, new: inserted
        o("440106", "天河区", "HR-BED", "2020", 9.9, derived="是"),  # derived, stored already: left alone
        o("441802", "清城区", "HR-NNUR", "2021", 2000),  # still disagrees with HR-NUR 1.0: updated
        o("130581", "南宫市", "HR-NBED", "2020", 610, facility="南宫市人民医院"),
        o("130581", "南宫市", "HR-NBED", "2020", 150, facility="南宫市中医院"),
        *extra_obs,
    ]
    pops += [p("440106", "天河区", 2020, 2250000), p("440106", "天河区", 2021, 2255000), *extra_pops]
    prog = [dict(org_unit_code="441802", org_unit="清城区", org_unit_valid_from=None, project=PROJECT, year=year,
                 status=status, percent_complete=pct, spent_wan=None, comment=None, example="否")
            for year, status, pct in ((2022, "在建", 45), (2023, "完工", 100))]
    wb = Workbook(write_only=True)
    for table, rows in (("observations", obs), ("populations", pops),
                        ("project_progress", [[r[k] for k in prog_cols] for r in prog])):
        ws = wb.create_sheet(TABLES[table][0])
        ws.append([c.zh for c in TABLES[table][1]])
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def _strip(snap):
    return None if snap is None else {k: v for k, v in snap.items() if k not in VOLATILE}


def dump(store, skip=()):
    """Every row of the data tables and import batches (clock readings left out), and the audit log by entity."""
    out = {}
    with store.session() as s:
        for model in (*DATA, m.ImportBatch):
            table = model.__table__
            out[table.name] = [{k: v for k, v in r.items() if k not in VOLATILE and k not in skip}
                               for r in s.execute(select(table).order_by(table.c.id)).mappings()]
        log: dict[str, list] = {}
        for a in s.scalars(select(m.AuditLog).order_by(m.AuditLog.id)):
            log.setdefault(a.entity, []).append((a.action, a.entity_id, a.user, a.source_file, a.import_id,
                                                 _strip(a.old), _strip(a.new)))
        out["audit_log"] = log
    return out


@pytest.fixture
def twin(store, tmp_path):
    """A second store of the same kind, prepared exactly like ``store``."""
    folder = tmp_path / "twin"
    folder.mkdir()
    other, schema = make_store(store.dialect, folder)
    prepare(store)
    prepare(other)
    yield other
    drop_store(other, schema)


def test_set_based_import_writes_exactly_what_the_row_by_row_path_wrote(store, twin, tmp_path):
    path = big_file(tmp_path / "大文件.xlsx")
    assert dump(store) == dump(twin), "both stores start alike"
    fast = import_data(store, path, user="carol")
    slow = import_rowwise(twin, path, user="carol")
    assert (fast.rows, fast.inserted, fast.updated, fast.unchanged, fast.created) == \
        (slow.rows, slow.inserted, slow.updated, slow.unchanged, slow.created)
    assert fast.rows > 2000 and fast.updated >= 8 and fast.unchanged == 2
    assert set(fast.seconds) == {"read", "check", "write", "commit"}
    a, b = dump(store), dump(twin)
    for table in a:
        assert a[table] == b[table], table

    # the file's cases all happened (so the equality above covers them)
    log = a["audit_log"]
    assert {x[0] for x in log["disagreement"]} == {"insert", "update", "delete"}
    assert [x[0] for x in log["population"]].count("update") == 1
    assert any(x[0] == "update" and x[6]["derived"] for x in log["observation"]), "a derived value recomputed"
    assert sum(x[0] == "insert" and x[6]["derived"] and x[6]["import_id"] is None for x in log["observation"]) == 80
    with store.session() as s:
        tianhe = ids(s, unit="440106")
        hlit = find_observation(s, tianhe, ids(s, "HL-HLIT"), "2023")
        assert (hlit.value, hlit.comment, hlit.source, hlit.version, hlit.import_id) == (31, "监测", "年鉴", 2,
                                                                                        fast.import_id)
        le = find_observation(s, tianhe, ids(s, "HS-LE"), "2022")
        assert (le.example, le.version, le.updated_by) == (False, 2, "carol")
        smok = find_observation(s, tianhe, ids(s, "HL-SMOK"), "2021")
        assert (smok.version, smok.updated_by, smok.import_id) == (1, "alice", None)
        bed = find_observation(s, tianhe, ids(s, "HR-BED"), "2020")
        assert bed.derived and bed.value == pytest.approx(13600 / 2250000 * 1000) and bed.version == 2
        assert find_observation(s, tianhe, ids(s, "HR-BED"), "2019").derived
        assert s.scalar(select(func.count()).select_from(m.Disagreement).where(
            m.Disagreement.org_unit_id == tianhe)) == 0
        assert s.scalar(select(func.count()).select_from(m.OrgUnit).where(m.OrgUnit.code.like("45%"))) > 120


def test_an_import_bumps_versions_so_a_stale_edit_is_refused(store, tmp_path):
    prepare(store)
    with store.session() as s:
        tianhe, hlit = ids(s, unit="440106"), ids(s, "HL-HLIT")
        seen = find_observation(s, tianhe, hlit, "2023").version  # what an editor's page shows
    import_data(store, big_file(tmp_path / "a.xlsx"), user="carol")
    with store.session() as s:
        with pytest.raises(ConflictError):
            put_observation(s, tianhe, hlit, "2023", 32.0, user="dave", expected_version=seen)
    with store.session() as s:
        now = find_observation(s, tianhe, hlit, "2023")
        assert (now.value, now.version) == (31, seen + 1)
        put_observation(s, tianhe, hlit, "2023", 32.0, user="dave", expected_version=now.version)
    with store.session() as s:
        assert find_observation(s, tianhe, hlit, "2023").version == seen + 2


def test_an_unchanged_derived_value_is_left_alone(store, tmp_path):
    prepare(store)
    path = big_file(tmp_path / "a.xlsx")
    import_data(store, path)
    with store.session() as s:
        bed = find_observation(s, ids(s, unit="440106"), ids(s, "HR-BED"), "2020")
        before = (bed.value, bed.version, bed.updated_at)
    again = import_data(store, path)  # the same file: nothing changes, nothing is audited
    assert again.inserted == again.updated == 0
    with store.session() as s:
        bed = find_observation(s, ids(s, unit="440106"), ids(s, "HR-BED"), "2020")
        assert (bed.value, bed.version, bed.updated_at) == before
        assert s.scalar(select(func.count()).select_from(m.AuditLog).where(
            m.AuditLog.import_id == again.import_id)) == 0


def test_undo_after_a_big_import_restores_the_state_before(store, tmp_path):
    prepare(store)
    before = dump(store, skip={"version"})
    exported = export_data(store, "json")
    result = import_data(store, big_file(tmp_path / "a.xlsx"), user="carol")
    assert export_data(store, "json") != exported
    done = undo_import(store, result.import_id, user="erin")
    assert done.deleted > 2000 and done.restored >= 8
    assert export_data(store, "json") == exported
    after = dump(store, skip={"version"})
    for table in DATA:
        assert after[table.__tablename__] == before[table.__tablename__], table.__tablename__


def test_a_conflicting_change_fails_the_whole_import(store, tmp_path, monkeypatch):
    """A figure changed between reading and writing (its version moved on): nothing of the import is kept."""
    prepare(store)
    path = big_file(tmp_path / "a.xlsx")
    before = dump(store)
    original = BulkWriter.write

    def racing(self):
        rec = next(r for r, _ in self.changed["observation"])
        t = m.Observation.__table__
        self.s.execute(update(t).where(t.c.id == rec["id"]).values(version=t.c.version + 1))
        return original(self)

    monkeypatch.setattr(BulkWriter, "write", racing)
    with pytest.raises(ConflictError) as err:
        import_data(store, path, user="carol")
    assert "未保存" in err.value.zh
    assert dump(store) == before
    if store.dialect != "postgresql":
        return

    # on PostgreSQL, a writer in another transaction, committed while the import runs: 天河's HL-HLIT 2023
    # changed (the import updates it), or 天河's HL-HLIT 2024 stored (the import inserts it: COPY meets the
    # unique index)
    with store.session() as s:
        tianhe, hlit = ids(s, unit="440106"), ids(s, "HL-HLIT")
    for period in ("2023", "2024"):
        def racer(self, period=period):
            with store.session() as s:
                put_observation(s, tianhe, hlit, period, 42.0, user="frank")
            return original(self)

        monkeypatch.setattr(BulkWriter, "write", racer)
        with pytest.raises(ConflictError) as err:
            import_data(store, path, user="carol")
        assert "导入" in err.value.zh
        with store.session() as s:
            assert find_observation(s, tianhe, hlit, period).value == 42.0
            assert s.scalar(select(func.count()).select_from(m.ImportBatch)) == 0
            assert s.scalar(select(func.count()).select_from(m.AuditLog).where(m.AuditLog.user == "carol")) == 0


def test_the_reader_gives_what_openpyxl_gives(tmp_path):
    """Shared and inline strings, rich text, numbers, booleans, dates, errors, formulas (plain, shared,
    array), blank and absent cells, cells and rows without a reference: as openpyxl's read-only mode."""
    wb = Workbook()
    ws = wb.active
    ws.title = "数据值"
    ws.append(["行政区划代码", "地区", "指标代码", "期间", "数值", "备注", "计算值"])
    ws.append(["440106", "天河区", "HL-HLIT", 2023, 35.5, "  空格  ", True])
    ws.append([440106, None, "HS-LE", "2023Q1", 80, "=SUM(E2:E3)", False])
    ws.append(["440106", "天河区", "HS-LE", datetime(2021, 3, 4, 5, 6, 7), 1e-7, date(2020, 1, 2), "#N/A"])
    ws["E5"] = "=A1"
    ws["E6"] = "=A2"
    ws["F5"] = 12345678901234
    buf = io.BytesIO()
    wb.save(buf)
    extra = ('<row r="8"><c r="A8" t="inlineStr"><is><r><t>富</t></r><r><t>文本</t></r>'
             '<rPh sb="0" eb="1"><t>x</t></rPh></is></c>'
             '<c r="B8" t="e"><v>#DIV/0!</v></c><c r="C8"><f t="shared" ref="C8:C9" si="0">A8&amp;"x"</f><v>1</v></c>'
             '<c r="D8"><f t="array" ref="D8">SUM(A1:A2)</f><v>0</v></c><c r="E8" t="str"><v>文字</v></c></row>'
             '<row r="9"><c r="C9"><f t="shared" si="0"/><v>2</v></c><c><v>7</v></c><c t="b"><v>1</v></c></row>'
             '<row><c r="A10" s="0"/><c r="B10" t="inlineStr"><is><t xml:space="preserve"> a </t></is></c></row>'
             ).encode()
    src, out = zipfile.ZipFile(buf), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b"</sheetData>", extra + b"</sheetData>")
            dst.writestr(info, body)
    data = out.getvalue()

    theirs = load_workbook(io.BytesIO(data), read_only=True, data_only=False)["数据值"]
    theirs.reset_dimensions()  # as the former reader did: the dimension tag may lie
    expected = {}
    for row in theirs.iter_rows():
        for c in row:
            if getattr(c, "value", None) is not None:
                v = c.value
                expected[(c.row, c.column)] = getattr(v, "text", v)
    book = _Book(data)
    got = {(r, col): v for r, cells in book.rows("数据值") for col, (v, _) in cells.items() if v is not None}
    book.close()
    assert got == expected
    assert got[(8, 1)] == "富文本" and got[(9, 3)] == '=A9&"x"' and got[(10, 2)] == " a "

    path = tmp_path / "cells.xlsx"
    path.write_bytes(data)
    rows = read_file(path).rows["observations"]
    row3 = next(r for r in rows if r.row == 3)
    assert row3.cells["comment"].formula and row3.cells["comment"].column == "F（备注）"
    assert row3.cells["org_unit"].value is None and row3.cells["org_unit"].column == "地区"


@pytest.mark.parametrize("with_data", [False, True])
def test_the_benchmark_runs_on_an_empty_store_and_on_generated_data(store, with_data):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from import_bench import bench_import

    from healthplan.generate import generate

    if with_data:
        generate(store, units=12, seed=3)
    [result] = bench_import(store, rows=1200)
    assert result["name"] == "import_excel_rows" and result["unit"] == "s"
    assert result["value"] > 0 and result["baseline"] > 0 and result["ratio"] > 0  # no timing is asserted
    assert result["mix"]["rows"] == 1200 and "scaled linearly to 1,200" in result["baseline_name"]
