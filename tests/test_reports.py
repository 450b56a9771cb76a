"""Monitoring and evaluation reports: numbers against the evaluation engine, every format, example data.

The stores are module-scoped SQLite files (the seeds loaded once); one smoke test runs on PostgreSQL.
"""

from __future__ import annotations

import io
import math
import re
import shutil
import subprocess

import pytest
from sqlalchemy import select

from conftest import SEEDS, drop_store, make_store
from healthplan.evaluate import STATUS_ZH
from healthplan.evaluate.plans import evaluate_plan
from healthplan.examples import SOURCE, clear_example_data, load_example_data
from healthplan.reports import FORMATS, render, render_comparison, render_report, write_demo_reports
from healthplan.reports.content import (EXAMPLE_TAG, NO_DATA, ReportError, build_report, find_region, full_name,
                                        regions_with_plans)
from healthplan.reports.layout import INDICATOR_HEADERS
from healthplan.store import models as m


def _load(store, paths):
    from healthplan.ingest import ingest_file
    from healthplan.store.plans import load_plan

    with store.session() as s:
        for path in paths:
            load_plan(s, ingest_file(path), path.read_bytes())


@pytest.fixture(scope="module")
def example_store(tmp_path_factory):
    """The five seed plans with the example data set (2021–2025)."""
    store, schema = make_store("sqlite", tmp_path_factory.mktemp("reports"))
    _load(store, SEEDS)
    with store.session() as s:
        load_example_data(s)
    yield store
    drop_store(store, schema)


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory):
    """The seed plans without any observed figure."""
    store, schema = make_store("sqlite", tmp_path_factory.mktemp("nodata"))
    _load(store, SEEDS)
    yield store
    drop_store(store, schema)


@pytest.fixture(scope="module")
def reports(example_store):
    """Mid-term (2023) reports of every seed region, with the evaluation rows they must agree with."""
    out = {}
    with example_store.session() as s:
        for unit, name in regions_with_plans(s):
            report = build_report(s, name, 2023, "midterm")
            out[name] = (report, evaluate_plan(s, report.plan_id, 2023))
    return out


@pytest.fixture
def fast_charts(monkeypatch):
    """A blank PNG in place of each chart, for tests about tables and files rather than drawings."""
    from PIL import Image

    from healthplan.reports import charts

    buf = io.BytesIO()
    Image.new("RGB", (60, 24), "white").save(buf, format="PNG")
    png = buf.getvalue()
    monkeypatch.setattr(charts, "_indicator_chart", lambda key: png)
    monkeypatch.setattr(charts, "_comparison_chart", lambda *args: png)
    return png


def _float(cell: str) -> float | None:
    """The leading number of a cell (+1.2, -0.5, 36.64（2022年）); None for —."""
    found = re.match(r"^[+-]?\d+(?:\.\d+)?", cell.strip())
    return float(found.group(0)) if found else None


def _close(shown: float | None, exact: float | None) -> bool:
    if exact is None:
        return shown is None
    return shown is not None and math.isclose(shown, exact, rel_tol=0.005, abs_tol=0.006)


# --- example data ----------------------------------------------------------------------------------

def test_example_data_covers_every_target_and_is_labelled(example_store):
    with example_store.session() as s:
        for plan in s.scalars(select(m.Plan)):
            targets = s.scalars(select(m.Target).where(m.Target.plan_id == plan.id,
                                                       m.Target.facility_id.is_(None))).all()
            for t in targets:
                start = (t.baseline_year or plan.period_start - 1) + 1
                obs = s.scalars(select(m.Observation).where(m.Observation.org_unit_id == plan.org_unit_id,
                                                            m.Observation.indicator_id == t.indicator_id,
                                                            m.Observation.facility_id.is_(None))).all()
                years = {o.year for o in obs}
                assert set(range(start, t.target_year + 1)) <= years, (t.name_in_plan, years)
                assert all(o.example and o.source == SOURCE for o in obs if o.year > plan.period_start - 1)
        progress = s.scalars(select(m.ProjectProgress)).all()
        assert progress and all(p.example for p in progress)
        statuses = {r.evaluation.status for p in s.scalars(select(m.Plan)) for r in evaluate_plan(s, p.id, 2023)}
    # a mix: some reach their targets, some lag, some go the wrong way
    assert {"achieved", "on_track", "behind", "off_track"} <= statuses


def test_example_data_is_deterministic_and_never_overwrites_real_figures(tmp_path):
    store, schema = make_store("sqlite", tmp_path)
    try:
        _load(store, SEEDS[:1])
        with store.session() as s:
            plan = s.scalars(select(m.Plan)).one()
            t = s.scalars(select(m.Target).where(m.Target.plan_id == plan.id)).first()
            from healthplan.store.observations import put_observation

            put_observation(s, plan.org_unit_id, t.indicator_id, "2022", 12.5, check=False, source="统计年鉴")
            first = load_example_data(s, plan.id)
            values = {(o.indicator_id, o.year): o.value for o in s.scalars(select(m.Observation))}
            assert first["kept_real"] == 1
            real = s.scalars(select(m.Observation).where(m.Observation.indicator_id == t.indicator_id,
                                                         m.Observation.year == 2022)).one()
            assert real.value == 12.5 and not real.example
            load_example_data(s, plan.id)
            assert {(o.indicator_id, o.year): o.value for o in s.scalars(select(m.Observation))} == values
            removed = clear_example_data(s, plan.id)
            assert removed["observations"] == first["observations"]
            left = s.scalars(select(m.Observation)).all()
            assert [o.value for o in left] == [12.5]
    finally:
        drop_store(store, schema)


# --- content against the evaluation engine -----------------------------------------------------------

def test_report_rows_are_the_evaluation(reports):
    for name, (report, rows) in reports.items():
        assert report.title == f"{name}“十四五”卫生健康规划中期评估报告（2023年）"
        assert [r.target_id for r in report.rows] == [r.target_id for r in rows], name  # binding first
        for got, ev in zip(report.rows, rows):
            assert got.status == ev.evaluation.status
            assert got.value == ev.value
            assert _close(got.gap, ev.evaluation.gap)
        counts = report.counts["合计"]
        for status in STATUS_ZH:
            assert counts[status] == sum(1 for r in rows if r.evaluation.status == status)
        shown = sorted(r.target_id for d in report.domains for r in d.rows)
        assert shown == sorted(r.target_id for r in rows)  # every indicator in exactly one domain table


def test_binding_indicators_come_first(reports):
    report, _ = reports["汕头市龙湖区"]
    flags = [r.binding for r in report.rows]
    assert flags == sorted(flags, reverse=True) and flags[0]
    assert "约束性指标" in report.binding_text


def test_region_names(example_store):
    with example_store.session() as s:
        unit, name = find_region(s, "清城区")
        assert name == "清远市清城区" == full_name(s, unit)
        assert find_region(s, "天河")[1] == "广州市天河区"
        assert find_region(s, "441802")[1] == "清远市清城区"
        with pytest.raises(ReportError) as ambiguous:
            find_region(s, "区")
        assert "不明确" in ambiguous.value.zh
        assert set(ambiguous.value.candidates) == {"清远市清城区", "广州市天河区", "汕头市龙湖区"}
        with pytest.raises(ReportError) as unknown:
            find_region(s, "北京市朝阳区")
        assert "未找到" in unknown.value.zh and "南宫市" in unknown.value.zh


# --- Word ------------------------------------------------------------------------------------------

def _docx(data: bytes):
    from docx import Document

    return Document(io.BytesIO(data))


@pytest.mark.parametrize("region", ["清远市清城区", "汕头市龙湖区"])
def test_docx_tables_agree_with_evaluate_plan(reports, region, fast_charts):
    report, rows = reports[region]
    doc = _docx(render(report, "docx"))
    by_name = {r.name: r for r in rows}
    seen = []
    for table in doc.tables:
        header = [c.text for c in table.rows[0].cells]
        if header != INDICATOR_HEADERS:
            continue
        col = {h: i for i, h in enumerate(header)}
        for tr in table.rows[1:]:
            cells = [c.text for c in tr.cells]
            ev = by_name[cells[col["指标"]]]
            seen.append(ev.name)
            e = ev.evaluation
            assert cells[col["评估状态"]] == STATUS_ZH[e.status], ev.name
            assert _close(_float(cells[col["差距"]]), e.gap), (ev.name, cells, e.gap)
            needed = _float(cells[col["每年需变化"]])
            assert needed is None or _close(needed, e.needed_per_year), (ev.name, cells)
            assert _close(_float(cells[col["最新值"]]), ev.value), (ev.name, cells)
            assert (cells[col["性质"]] == "约束性") == ev.binding
    assert sorted(seen) == sorted(r.name for r in rows)  # every indicator of the plan, once


def test_docx_is_real_word(reports):
    report, _ = reports["广州市天河区"]
    doc = _docx(render(report, "docx"))
    charts = sum(1 for r in report.rows if r.chart is not None)
    assert len(doc.inline_shapes) == charts > 0
    assert len(doc.tables) >= 1 + len(report.domains)
    header = doc.sections[0].header.paragraphs[0].text
    assert EXAMPLE_TAG in header  # repeated on every page
    fonts = doc.styles["Normal"].element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
    assert doc.paragraphs[0].text == report.title


# --- PDF, HTML, Markdown -------------------------------------------------------------------------------

def test_pdf_text_is_chinese_and_every_page_says_example(reports):
    import pdfplumber

    report, rows = reports["南宫市"]
    with pdfplumber.open(io.BytesIO(render(report, "pdf"))) as pdf:
        texts = [re.sub(r"\s+", "", page.extract_text() or "") for page in pdf.pages]
        cjk = [c for c in pdf.pages[0].chars if "\u4e00" <= c["text"] <= "\u9fff"]
    assert report.title in texts[0]
    assert len(texts) > 3 and all(EXAMPLE_TAG in t for t in texts)
    assert cjk and all("+" in c["fontname"] for c in cjk)  # an embedded (subset) font, not a stand-in
    whole = "".join(texts)
    for r in rows:
        assert re.sub(r"\s+", "", r.name)[:12] in whole


def test_html_is_self_contained(reports, fast_charts):
    report, rows = reports["阳江市"]
    html = render(report, "html").decode("utf-8")
    assert not re.search(r"https?://", html)
    assert "<script" not in html and "@import" not in html
    assert html.count('src="data:image/png;base64,') == sum(1 for r in report.rows if r.chart is not None)
    for section in re.findall(r"<section id=\"(?:summary|indicators|charts|recommendations)\">.*?</section>", html,
                              re.S):
        assert EXAMPLE_TAG in section
    for r in rows:
        assert r.name in html


def test_markdown_lists_every_indicator(reports):
    report, rows = reports["清远市清城区"]
    md = render(report, "md").decode("utf-8")
    assert md.startswith(f"# {report.title}") and EXAMPLE_TAG in md.splitlines()[6]
    for r in rows:
        assert f"| {r.name} |" in md


def test_region_without_data_says_so(empty_store, fast_charts):
    with empty_store.session() as s:
        report = build_report(s, "天河区", 2023, "midterm")
    assert not report.has_data and not report.example
    assert report.summary_text.startswith(NO_DATA)
    assert all(r.status == "not_assessable" for r in report.rows)
    for fmt in FORMATS:
        data = render(report, fmt)
        if fmt == "docx":
            text = "\n".join(p.text for p in _docx(data).paragraphs)
            assert EXAMPLE_TAG not in _docx(data).sections[0].header.paragraphs[0].text
        elif fmt == "pdf":
            import pdfplumber

            with pdfplumber.open(io.BytesIO(data)) as pdf:
                text = re.sub(r"\s+", "", pdf.pages[0].extract_text())
        else:
            text = data.decode("utf-8")
        assert NO_DATA in text, fmt


# --- comparison -----------------------------------------------------------------------------------------

def test_comparison_of_shared_indicators(example_store, fast_charts):
    from healthplan.reports.compare import build_comparison

    with example_store.session() as s:
        cmp = build_comparison(s, 2023)
        evaluated = {full_name(s, p.org_unit): {r.code: r for r in evaluate_plan(s, p.id, 2023)}
                     for p in s.scalars(select(m.Plan))}
    assert len(cmp.overview_rows) == 5 and cmp.example
    codes = [i.code for i in cmp.indicators]
    assert "HR-BED" in codes and all(len(i.regions) >= 2 for i in cmp.indicators)
    beds = cmp.indicators[codes.index("HR-BED")]
    assert beds.national_target_value is not None  # 7.4-7.5 as a reference line
    for rv in beds.regions:
        row = evaluated[rv.region]["HR-BED"]
        assert rv.status_zh == STATUS_ZH[row.evaluation.status]
        if row.baseline:
            expected = (rv.target_value - row.baseline) / row.baseline * 100
            assert _close(_float(rv.ambition.rstrip("%")), expected), rv
    html = render_comparison(example_store, 2023, "html").decode("utf-8")
    assert not re.search(r"https?://", html) and "全国（参考）" in html and EXAMPLE_TAG in html
    md = render_comparison(example_store, 2023, "md").decode("utf-8")
    assert "个百分点" in md  # percentages compared in points


# --- demo, CLI, LibreOffice, PostgreSQL -------------------------------------------------------------------

def test_write_demo_reports(tmp_path, fast_charts):
    store, schema = make_store("sqlite", tmp_path)
    try:
        _load(store, [SEEDS[0], SEEDS[2]])  # 清城区 and 天河区 keep it quick
        with store.session() as s:
            load_example_data(s)
        written = write_demo_reports(store, tmp_path / "out")
    finally:
        drop_store(store, schema)
    names = sorted(p.name for p in written)
    assert len(names) == 2 * 2 * 3 + 3
    assert "清远市清城区_中期评估报告_2023.docx" in names and "广州市天河区_终期评估报告_2025.pdf" in names
    assert all((tmp_path / "out" / n).stat().st_size > 1000 for n in names)


def test_cli_report(example_store, tmp_path, fast_charts):
    import typer
    from typer.testing import CliRunner

    from healthplan.reports.cli import register

    app = typer.Typer()
    app.command("noop")(lambda: None)
    register(app)
    runner = CliRunner()
    out = tmp_path / "t.md"
    result = runner.invoke(app, ["report", "--plan", "龙湖", "--year", "2025", "--kind", "final", "-o", str(out),
                                 "--db", example_store.url])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("# 汕头市龙湖区“十四五”卫生健康规划终期评估报告（2025年）")
    bad = runner.invoke(app, ["report", "--plan", "区", "--year", "2023", "-o", str(tmp_path / "x.docx"),
                              "--db", example_store.url])
    assert bad.exit_code == 2 and "不明确" in bad.output
    cmp = runner.invoke(app, ["report", "--compare", "--year", "2023", "--format", "md", "-o",
                              str(tmp_path / "c.md"), "--db", example_store.url])
    assert cmp.exit_code == 0, cmp.output


@pytest.mark.skipif(not (shutil.which("libreoffice") or shutil.which("soffice")),
                    reason="LibreOffice not installed (Debian: libreoffice-writer-nogui)")
def test_libreoffice_opens_the_docx(reports, tmp_path):
    report, _ = reports["广州市天河区"]
    path = tmp_path / "report.docx"
    path.write_bytes(render(report, "docx"))
    exe = shutil.which("libreoffice") or shutil.which("soffice")
    subprocess.run([exe, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(path)], check=True, capture_output=True, timeout=180)
    import pdfplumber

    with pdfplumber.open(tmp_path / "report.pdf") as pdf:
        text = re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in pdf.pages[:2]))
    assert "主要指标进展" in text and EXAMPLE_TAG in text


def test_cjk_fonts_are_found():
    """Charts and PDFs need a CJK font (scripts/setup.sh installs fonts-wqy-zenhei): no tofu boxes."""
    from healthplan.reports.fonts import SAMPLE, _covers, matplotlib_family, reportlab_font

    family = matplotlib_family()
    assert family, "no CJK font: install fonts-wqy-zenhei"
    from matplotlib import font_manager

    path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    assert _covers(path, SAMPLE + "清城区天河龙湖南宫阳江")
    name, embedded = reportlab_font()
    assert embedded, "reportlab has no TrueType CJK font to embed"


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_report_on_postgresql(seeded_store, fast_charts):
    with seeded_store.session() as s:
        load_example_data(s)
    html = render_report(seeded_store, "南宫", 2023, "midterm", "html").decode("utf-8")
    assert "南宫市“十四五”卫生健康规划中期评估报告（2023年）" in html and EXAMPLE_TAG in html
    with seeded_store.session() as s:
        plan_id = build_report(s, "南宫", 2023, "midterm").plan_id
        rows = evaluate_plan(s, plan_id, 2023)
    for r in rows:
        assert STATUS_ZH[r.evaluation.status] in html


def test_optional_sections_use_the_audit_and_the_resource_plan(example_store, reports):
    """Findings from healthplan.checks and resource gaps from healthplan.resources, when installed."""
    from healthplan.plan import Plan as PlanDoc

    report, _ = reports["广州市天河区"]
    with example_store.session() as s:
        doc = PlanDoc.model_validate(s.get(m.Plan, report.plan_id).document)
    try:
        from healthplan.checks import audit_plan
    except ImportError:
        assert report.findings is None and "从略" in report.findings_note
    else:
        assert [f.message for f in report.findings or []] == [f.message for f in audit_plan(doc)]
    try:
        from healthplan.resources.requirements import requirements
    except ImportError:
        assert report.resources is None and "从略" in report.resources_note
    else:
        expected = {r.resource: (r.required, r.current, r.gap) for r in requirements(doc).items}
        assert {r.resource: (r.required, r.current, r.gap) for r in report.resources} == expected
        yangjiang, _ = reports["阳江市"]  # states no population: the section says why it is left out
        assert yangjiang.resources is None and "常住人口" in yangjiang.resources_note
