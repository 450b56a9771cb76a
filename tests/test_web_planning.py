"""地区比较 and 资源规划 in the web app, on SQLite and PostgreSQL: the numbers against the library and the seed
documents, and every refusal (signed out, another region's draft, a bad assumption, a missing population).

The store is test_web's (five seed plans, 示例数据, users; 天河's plan is an unpublished draft).
"""

from __future__ import annotations

import io
import math
import re

from test_web import REMOTE, client, login, site  # noqa: F401 - fixtures

from healthplan.reports.compare import build_comparison
from healthplan.resources import requirements
from healthplan.resources.population import from_plan
from healthplan.resources.source import plan_from_row
from healthplan.store import models as m

TIANHE_POP_2020, TIANHE_POP_2025 = 2_241_826, 2_454_694  # stated in 天河's plan (BRIEF §1)


def _unit(store, plan_id: int) -> int:
    with store.session() as s:
        return s.get(m.Plan, plan_id).org_unit_id


def _library_plan(store, plan_id: int):
    with store.session() as s:
        return plan_from_row(s, s.get(m.Plan, plan_id))


# --- signed out ----------------------------------------------------------------------------------------

def test_nothing_without_login(client, site):
    _, plans = site
    pid = plans["天河区"]
    for path in ("/compare", "/resources", f"/resources?plan={pid}", f"/resources.xlsx?plan={pid}"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), path
    for path in ("/api/compare", f"/api/plans/{pid}/resources"):
        assert client.get(path).status_code == 401, path


# --- 地区比较 ------------------------------------------------------------------------------------------

def test_comparison_is_the_library_comparison(client, site):
    store, plans = site
    login(client, "admin")
    got = client.get("/api/compare", params={"year": 2023, "indicator": "HR-BED"}).json()
    with store.session() as s:
        lib = next(i for i in build_comparison(s, 2023, min_regions=1).indicators if i.code == "HR-BED")
    assert got["year"] == 2023 and [i["code"] for i in got["rows"]] == ["HR-BED"]
    rows = got["rows"][0]["regions"]
    assert len(rows) == 5 == len(lib.regions)  # an administrator reads every region, the draft included
    for row, rv in zip(rows, lib.regions):
        assert (row["short"], row["latest"], row["target_value"], row["status"], row["gap"]) == \
            (rv.short, rv.latest, rv.target_value, rv.status, rv.gap)
    # each region's own evaluation, never the national line, decides its status
    for row in rows:
        ev = client.get(f"/api/plans/{row['plan_id']}/evaluation", params={"year": 2023}).json()
        own = next(r for r in ev["rows"] if r["code"] == "HR-BED")
        assert row["status"] == own["evaluation"]["status"] and row["latest"] == own["value"]
    # the seed: 天河 plans 6.30 beds per 1000 in 2025; the gap is what is left to that target
    tianhe = next(r for r in rows if r["plan_id"] == plans["天河区"])
    assert tianhe["target_text"] == "6.30" and tianhe["target_value"] == 6.3
    assert math.isclose(tianhe["gap"], max(0.0, 6.3 - tianhe["latest"]), abs_tol=1e-9)
    national = got["rows"][0]["national"]  # 《"十四五"国民健康规划》: 7.4-7.5, a reference only
    assert national["target_text"] == "7.4-7.5" and "参考" in got["national_note"]


def test_comparison_by_domain(client, site):
    login(client, "gd_analyst")
    got = client.get("/api/compare", params={"year": 2024, "domain": "健康水平"}).json()
    assert got["rows"] and all(any(r["domain"] == "健康水平" for r in i["regions"]) for i in got["rows"])
    html = client.get("/compare", params={"year": 2024, "domain": "健康水平"}).text
    assert html.count('class="cmp-indicator"') == len(got["rows"])
    assert client.get("/api/compare", params={"year": 1900}).status_code == 422


def test_comparison_page(client, site):
    store, plans = site
    login(client, "qc_viewer")
    html = client.get("/compare", params={"year": 2023, "indicator": "HR-BED"}).text
    rows = client.get("/api/compare", params={"year": 2023, "indicator": "HR-BED"}).json()["rows"][0]["regions"]
    for r in rows:  # one coloured row per region, with its status and gap
        row = re.search(rf'<tr class="st-(\w+)" data-org-unit="{r["org_unit_id"]}".*?</tr>', html, re.S)
        assert row and row.group(1) == r["status"]
        assert f'badge st-{r["status"]}' in row.group(0)
    assert 'id="national-HR-BED"' in html and "全国（参考）" in html and "仅作参考" in html
    assert 'id="compare-data"' in html and 'src="/static/compare.js"' in html
    assert re.findall(r"<script(?![^>]*(?:src=|application/json))", html) == []  # CSP: no inline script
    assert client.get("/static/compare.js").status_code == 200
    assert "Compare regions" in client.get("/compare", params={"lang": "en"}).text


def test_comparison_hides_another_regions_draft(client, site):
    store, plans = site
    tianhe_unit = _unit(store, plans["天河区"])
    with store.session() as s:  # what only 天河's draft holds: its domains and any indicator of its own
        all_rows = build_comparison(s, 2023, min_regions=1).indicators
    only_tianhe = [i.code for i in all_rows if {r.org_unit_id for r in i.regions} == {tianhe_unit}]
    tianhe_domains = {r.domain for i in all_rows for r in i.regions if r.org_unit_id == tianhe_unit}
    other_domains = {r.domain for i in all_rows for r in i.regions if r.org_unit_id != tianhe_unit}
    for user in ("qc_editor", "ng_editor"):
        client.cookies.clear()
        login(client, user)
        for year in (2023, 2025):
            everything = client.get("/api/compare", params={"year": year}).json()
            seen = {r["org_unit_id"] for code in [i["code"] for i in everything["indicators"]]
                    for i in client.get("/api/compare", params={"year": year, "indicator": code}).json()["rows"]
                    for r in i["regions"]}
            assert seen and tianhe_unit not in seen
            assert not (tianhe_domains - other_domains) & set(everything["domains"])
        for code in only_tianhe:
            assert client.get("/api/compare", params={"indicator": code}).status_code == 404
        html = client.get("/compare", params={"year": 2023, "indicator": "HR-BED"}).text
        assert "天河" not in html and f'data-org-unit="{tianhe_unit}"' not in html
    client.cookies.clear()
    login(client, "gd_analyst")  # its province: the draft is its own
    rows = client.get("/api/compare", params={"year": 2023, "indicator": "HR-BED"}).json()["rows"][0]["regions"]
    assert tianhe_unit in {r["org_unit_id"] for r in rows}


# --- 资源规划 ------------------------------------------------------------------------------------------

def test_resources_are_the_library_requirements(client, site):
    store, plans = site
    login(client, "gd_analyst")
    pid = plans["天河区"]
    got = client.get(f"/api/plans/{pid}/resources").json()
    plan, stored = _library_plan(store, pid)
    lib = requirements(plan, from_plan(plan, stored=stored))
    assert got["year"] == 2025 and len(got["requirements"]) == len(lib.items)
    rows = {r["resource"]: r for r in got["requirements"]}
    for item in lib.items:
        r = rows[item.resource]
        assert (r["required"], r["current"], r["gap"], r["population"]) == \
            (item.required, item.current, item.gap, round(item.population))
    beds = rows["床位"]  # the seed: 6.3 per 1000 of 2,454,694 in 2025; 6.03 per 1000 of 2,241,826 in 2020
    assert beds["population"] == TIANHE_POP_2025
    assert beds["required"] == math.ceil(6.3 * TIANHE_POP_2025 / 1000) == 15465
    assert beds["current"] == round(6.03 * TIANHE_POP_2020 / 1000) == 13518 and beds["gap"] == 1947
    for r in got["requirements"]:  # gaps by year: each year's required minus current, as the library says
        for y in r["by_year"]:
            assert y["gap"] == requirements(plan, from_plan(plan, stored=stored), year=y["year"]).get(r["resource"]).gap
    doc, nur = rows["执业（助理）医师"], rows["注册护士"]
    ratio = got["nurse_doctor_ratio"]
    assert math.isclose(ratio["current"], nur["current"] / doc["current"])
    assert math.isclose(ratio["required"], nur["required"] / doc["required"])
    pops = {p["year"]: p["value"] for p in got["population"]}
    assert pops[2020] == TIANHE_POP_2020 and pops[2025] == TIANHE_POP_2025
    assert math.isclose(pops[2023], TIANHE_POP_2020 * (TIANHE_POP_2025 / TIANHE_POP_2020) ** (3 / 5))
    assert [r["code"] for r in got["indicators"]] == ["HR-BED", "HR-DOC", "HR-NUR"]  # 天河 has no 医护比 row


def test_assumptions_change_the_result(client, site):
    store, plans = site
    login(client, "qc_viewer")  # 南宫 is published: anyone may plan with it
    pid = plans["南宫市"]
    base = client.get(f"/api/plans/{pid}/resources").json()
    beds = next(r for r in base["requirements"] if r["resource"] == "床位")
    assert beds["current"] == 1826 and beds["current_source"] == "stated"  # 实有床位 合计 of the facility table
    assert beds["required"] == math.ceil(5.9 * 396_700 / 1000) == 2341 and beds["gap"] == 515
    ratio = base["nurse_doctor_ratio"]  # 南宫 plans 医护比 1:1.09 from 1:0.53
    assert ratio["target"] == 1.09 and ratio["baseline"] == 0.53 and ratio["met"] is True
    assert math.isclose(ratio["current"], 524 / 982)
    changed = client.get(f"/api/plans/{pid}/resources",
                         params={"beds": "7", "growth": "1", "schedule": "front", "cur_nurses": "600"}).json()
    pop_2025 = 396_700 * 1.01 ** 5
    rows = {r["resource"]: r for r in changed["requirements"]}
    assert rows["床位"]["required"] == math.ceil(7 * pop_2025 / 1000 - 1e-9)
    assert rows["床位"]["gap"] == rows["床位"]["required"] - 1826 != beds["gap"]
    assert rows["注册护士"]["current"] == 600 and rows["注册护士"]["current_source"] == "user"
    shares = [y["increment"] for y in rows["床位"]["by_year"]]  # 前置法: 40/25/15/10/10 %
    assert sum(shares) == rows["床位"]["gap"] and shares == sorted(shares, reverse=True)
    assert changed["scenario"]["growth_rate"] == 0.01 and changed["scenario"]["targets"] == {"床位": 7.0}
    again = client.get(f"/api/plans/{pid}/resources").json()  # nothing was saved
    assert next(r for r in again["requirements"] if r["resource"] == "床位")["gap"] == 515


def test_resources_page(client, site):
    _, plans = site
    login(client, "qc_editor")
    html = client.get("/resources").text  # its own region's plan first: 清城, which states no population
    assert f'<option value="{plans["清城区"]}" selected' in html
    assert 'id="resource-error"' in html and "没有常住人口数" in html and "Traceback" not in html
    assert f'value="{plans["天河区"]}"' not in html  # another region's draft is not offered
    r = client.get("/resources", params={"plan": plans["清城区"], "population": "2020=1147500", "growth": "0.8"})
    assert r.status_code == 200 and 'id="requirements"' in r.text and 'id="resource-error"' not in r.text
    assert 'id="gaps"' in r.text and 'id="resources-data"' in r.text and 'src="/static/resources.js"' in r.text
    assert re.findall(r"<script(?![^>]*(?:src=|application/json))", r.text) == []
    en = client.get("/resources", params={"plan": plans["清城区"], "lang": "en"}).text
    assert "has no resident population" in en and "Resource planning" in en
    for path in ("/compare", "/resources", f"/resources?plan={plans['南宫市']}"):
        assert not REMOTE.search(client.get(path).text), path


def test_resource_errors_are_the_library_messages(client, site):
    _, plans = site
    login(client, "qc_editor")
    qc, ng = plans["清城区"], plans["南宫市"]
    r = client.get(f"/api/plans/{qc}/resources")
    assert r.status_code == 422 and "没有常住人口数" in r.json()["detail"] and "/work" not in r.json()["detail"]
    for params, words in (({"growth": "abc"}, "不是数字"), ({"population": "2020=abc"}, "格式不正确"),
                          ({"occupancy": "1.5"}, "目标床位使用率"), ({"method": "cubic"}, "插值方法"),
                          ({"beds": "-1"}, "床位每千人口目标")):
        r = client.get(f"/api/plans/{ng}/resources", params=params)
        assert r.status_code == 422 and words in r.json()["detail"], (params, r.text)
        page = client.get("/resources", params={"plan": ng, **params})
        assert page.status_code == 200 and words in page.text
    assert client.get(f"/resources.xlsx?plan={qc}").status_code == 422
    assert client.get("/api/plans/999999/resources").status_code == 404


def test_resources_of_another_regions_draft_are_refused(client, site):
    _, plans = site
    tianhe = plans["天河区"]
    login(client, "qc_editor")
    assert client.get(f"/api/plans/{tianhe}/resources").status_code == 403
    assert client.get("/resources", params={"plan": tianhe}).status_code == 403
    assert client.get("/resources.xlsx", params={"plan": tianhe}).status_code == 403


def test_resources_xlsx(client, site):
    from openpyxl import load_workbook

    _, plans = site
    login(client, "gd_analyst")
    pid = plans["天河区"]
    r = client.get("/resources.xlsx", params={"plan": pid, "beds": "6.5", "name": "高床位"})
    assert r.status_code == 200 and r.content[:2] == b"PK" and "attachment" in r.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(r.content))["情景对比"]
    cells = {(row[0].value, row[1].value): row[2].value for row in ws.iter_rows(min_row=2)}
    assert ws.cell(1, 3).value == "高床位"
    assert cells[("床位", "需要")] == math.ceil(6.5 * TIANHE_POP_2025 / 1000)
    assert cells[("床位", "缺口")] == math.ceil(6.5 * TIANHE_POP_2025 / 1000) - 13518
    html = client.get("/resources", params={"plan": pid, "beds": "6.5"}).text
    assert f'href="/resources.xlsx?plan={pid}&amp;beds=6.5"' in html  # the download carries the assumptions


def test_openapi_documents_the_twins(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/compare" in paths and "/api/plans/{plan_id}/resources" in paths
    params = {p["name"] for p in paths["/api/plans/{plan_id}/resources"]["get"]["parameters"]}
    assert {"growth", "beds", "doctors", "nurses", "schedule", "population"} <= params
    assert "/compare" not in paths and "/resources" not in paths  # pages are not API
