"""The web app: every refusal (401/403/429/409/422) and every success, on SQLite and PostgreSQL.

One seeded store per database for the module (the five seed plans + 示例数据 + users); each test gets a
fresh app (its own login limiter). Tests that write use their own indicator or year.
"""

from __future__ import annotations

import io
import re

import pytest
from conftest import drop_store, make_store, seed_site

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from healthplan.web import create_app  # noqa: E402

PASSWORD = "correct-horse-1"
USERS = {  # name → (role, region)
    "admin": ("administrator", None),
    "qc_editor": ("region_editor", "清城区"),
    "qc_viewer": ("viewer", "清城区"),
    "gd_analyst": ("province_analyst", "广东省"),
    "ng_editor": ("region_editor", "南宫市"),
}
REMOTE = re.compile(r"(?:https?:)?//(?!127\.0\.0\.1|localhost)[a-z0-9.-]+\.[a-z]{2,}", re.I)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request, tmp_path_factory):
    store, schema = make_store(request.param, tmp_path_factory.mktemp("web"))
    with store.session() as s:
        plans = seed_site(s, USERS, PASSWORD)  # 天河's plan is a draft: only its own province sees it
    yield store, plans
    drop_store(store, schema)


@pytest.fixture
def client(site):
    store, _ = site
    with TestClient(create_app(store, "test-secret")) as c:
        yield c


def form_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(c: TestClient, user: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the CSRF token for API calls."""
    token = form_token(c.get("/login").text)
    r = c.post("/login", data={"username": user, "password": password, "csrf_token": token, "next": "/"},
               follow_redirects=False)
    assert r.status_code == 303, r.text
    return c.get("/api/me").json()["csrf_token"]


def evaluation(c, plan_id, year):
    r = c.get(f"/api/plans/{plan_id}/evaluation", params={"year": year})
    assert r.status_code == 200, r.text
    return r.json()


# --- signing in ----------------------------------------------------------------------------------

def test_nothing_without_login(client, site):
    _, plans = site
    for path in ("/", f"/plans/{plans['清城区']}", f"/plans/{plans['清城区']}/report.docx?year=2023"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), path
    for path in ("/api/regions", "/api/me", f"/api/plans/{plans['清城区']}/evaluation"):
        assert client.get(path).status_code == 401, path
    r = client.post("/api/values", json={"org_unit_id": 1, "indicator_id": 1, "period": "2023", "value": 1})
    assert r.status_code in (401, 403)


def test_login_needs_csrf_and_the_right_password(client):
    r = client.post("/login", data={"username": "admin", "password": PASSWORD, "next": "/"}, follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text
    token = form_token(client.get("/login").text)
    r = client.post("/login", data={"username": "admin", "password": "wrong", "csrf_token": token})
    assert r.status_code == 401 and "用户名或密码不正确" in r.text
    r = client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token, "next": "//evil.example"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"  # never an off-site redirect
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie


def test_secure_cookie_flag(site):
    store, _ = site
    with TestClient(create_app(store, "k", secure_cookies=True), base_url="https://testserver") as c:
        r = c.get("/login")
        assert "secure" in r.headers["set-cookie"].lower()


def test_login_rate_limit(client):
    token = form_token(client.get("/login").text)
    for _ in range(5):
        r = client.post("/login", data={"username": "qc_viewer", "password": "nope", "csrf_token": token})
        assert r.status_code == 401
    r = client.post("/login", data={"username": "qc_viewer", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429 and "5分钟" in r.text  # even the right password, until the window passes
    login(client, "qc_editor")  # another user name from the same address is not blocked


def test_logout_needs_csrf_and_ends_the_session(client):
    login(client, "qc_viewer")
    assert client.post("/logout", follow_redirects=False).status_code == 403
    token = form_token(client.get("/").text)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert client.get("/api/me").status_code == 401


# --- reading -------------------------------------------------------------------------------------

def _plan_ids(regions):
    return {u["name"]: [p["id"] for p in u["plans"]] for u in regions if u["plans"]}


def test_regions_in_scope(client, site):
    _, plans = site
    login(client, "qc_editor")
    seen = _plan_ids(client.get("/api/regions").json())
    assert set(seen) == {"清城区", "阳江市", "南宫市", "龙湖区"}  # 天河's unpublished plan is not listed
    html = client.get("/").text
    assert "清城区" in html and "广东省" in html and f"/plans/{plans['天河区']}" not in html


def test_large_trees_stop_at_a_level_and_open_below(client, site):
    """A province or the country: beyond ``limit`` rows the tree keeps the levels that fit, and each unit cut
    off says how many plans lie below it; ``under`` opens one unit."""
    login(client, "admin")
    full = client.get("/api/regions").json()
    cut = client.get("/api/regions", params={"limit": 3}).json()
    assert len(cut) <= 3 and all(r["depth"] == 0 for r in cut)  # provinces only
    below = {r["name"]: r["hidden_plans"] for r in cut}
    assert below["广东省"] == 4 and below["河北省"] == 1  # 清城 天河 阳江 龙湖; 南宫 (from the seeds)
    guangdong = next(r["id"] for r in cut if r["name"] == "广东省")
    opened = client.get("/api/regions", params={"under": guangdong}).json()
    assert opened[0]["name"] == "广东省" and {n for n in _plan_ids(opened)} == {"清城区", "天河区", "阳江市", "龙湖区"}
    assert len(_plan_ids(full)) == 5
    html = client.get("/", params={"under": guangdong}).text
    assert "河北省" not in html and "龙湖区" in html
    assert client.get("/api/regions", params={"limit": 0}).status_code == 422


def test_province_analyst_and_admin_see_the_draft(client, site):
    _, plans = site
    login(client, "gd_analyst")
    assert "天河区" in _plan_ids(client.get("/api/regions").json())
    assert client.get(f"/plans/{plans['天河区']}").status_code == 200


def test_unpublished_plan_of_another_region_is_refused(client, site):
    _, plans = site
    tianhe = plans["天河区"]
    for user in ("qc_editor", "qc_viewer", "ng_editor"):
        client.cookies.clear()
        login(client, user)
        assert client.get(f"/plans/{tianhe}").status_code == 403
        assert "无权访问" in client.get(f"/plans/{tianhe}").text
        assert client.get(f"/api/plans/{tianhe}").status_code == 403
        assert client.get(f"/api/plans/{tianhe}/evaluation").status_code == 403
        assert client.get(f"/api/plans/{tianhe}/report", params={"year": 2023}).status_code == 403
        assert client.get(f"/plans/{tianhe}/report.docx", params={"year": 2023}).status_code == 403


def test_plan_page(client, site):
    _, plans = site
    login(client, "qc_editor")
    pid = plans["清城区"]
    r = client.get(f"/plans/{pid}", params={"year": 2023})
    assert r.status_code == 200
    html = r.text
    assert 'id="example-banner"' in html and "示例数据" in html
    ev = evaluation(client, pid, 2023)
    assert ev["example"] and ev["rows"]
    binding = [r["binding"] for r in ev["rows"]]
    assert binding == sorted(binding, reverse=True)  # 约束性 first
    assert sum(ev["summary"].values()) == len(ev["rows"])
    for status in {r["evaluation"]["status"] for r in ev["rows"]}:
        assert f"st-{status}" in html
    assert html.count('class="value-form"') == len(ev["rows"])  # an editor edits in place
    prop = ev["rows"][0]["property"]
    only = evaluation(client, pid, 2023) if prop is None else client.get(
        f"/api/plans/{pid}/evaluation", params={"year": 2023, "property": prop}).json()
    assert all(r["property"] == prop for r in only["rows"]) or prop is None
    domain = next(r["domain"] for r in ev["rows"] if r["domain"])
    filtered = client.get(f"/plans/{pid}", params={"year": 2023, "domain": domain}).text
    assert filtered.count("data-indicator=") == sum(1 for r in ev["rows"] if r["domain"] == domain)


def test_published_plan_of_another_region_is_read_only(client, site):
    _, plans = site
    login(client, "qc_editor")
    html = client.get(f"/plans/{plans['南宫市']}").text
    assert 'class="value-form"' not in html and "只读" in html and 'id="upload-form"' not in html


def test_indicator_page(client, site):
    _, plans = site
    login(client, "qc_editor")
    pid = plans["清城区"]
    row = next(r for r in evaluation(client, pid, 2023)["rows"] if r["history"])
    sr = client.get(f"/api/plans/{pid}/targets/{row['target_id']}/series").json()
    assert sr["observations"] and sr["history"] and sr["writable"]
    html = client.get(f"/plans/{pid}/targets/{row['target_id']}").text
    assert 'src="/static/echarts.min.js"' in html and 'id="chart-data"' in html and 'id="history"' in html
    assert client.get("/static/echarts.min.js").status_code == 200
    assert client.get(f"/plans/{pid}/targets/999999").status_code == 404


def test_english(client, site):
    _, plans = site
    login(client, "qc_viewer")
    html = client.get(f"/plans/{plans['清城区']}", params={"lang": "en"}).text
    assert "Binding indicators come first" in html and "Example data" in html
    assert "Regions and plans" in client.get("/").text  # the choice is kept in a cookie
    assert "地区与规划" in client.get("/", params={"lang": "zh"}).text


def test_no_page_loads_anything_remote(client, site):
    _, plans = site
    login(client, "qc_editor")
    pid = plans["清城区"]
    row = evaluation(client, pid, 2023)["rows"][0]
    pages = ["/login", "/", f"/plans/{pid}", f"/plans/{pid}?lang=en", f"/plans/{pid}/targets/{row['target_id']}",
             f"/plans/{plans['天河区']}"]
    for path in pages:
        r = client.get(path)
        assert not REMOTE.search(r.text), (path, REMOTE.search(r.text).group(0))
        assert "default-src 'self'" in r.headers["content-security-policy"]
    assert client.get("/docs").status_code == 404  # Swagger UI would load from a CDN: off
    assert "/api/values" in client.get("/openapi.json").json()["paths"]


# --- writing -------------------------------------------------------------------------------------

def _improvable(ev):
    return next(r for r in ev["rows"] if r["evaluation"]["status"] in ("behind", "off_track")
                and r["evaluation"]["target_value"] is not None and r["evaluation"]["target_op"] in (">=", "<=", ">", "<")
                and not r["evaluation"].get("parts"))


def _reaching(row) -> float:
    e = row["evaluation"]
    step = {">": 1, "<": -1}.get(e["target_op"], 0) * max(1e-3, abs(e["target_value"]) * 0.01)
    return e["target_value"] + step


def test_api_put_value_versions_and_refusals(client, site):
    _, plans = site
    pid = plans["清城区"]
    token = login(client, "qc_editor")
    ev = evaluation(client, pid, 2022)
    row = _improvable(ev)
    unit = ev["org_unit"]["id"]
    body = {"org_unit_id": unit, "indicator_id": row["indicator_id"], "period": "2022",
            "value": _reaching(row), "version": row["year_version"]}
    assert client.post("/api/values", json=body).status_code == 403  # no CSRF header
    assert client.post("/api/values", json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
    r = client.post("/api/values", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == row["year_version"] + 1
    after = next(x for x in evaluation(client, pid, 2022)["rows"] if x["target_id"] == row["target_id"])
    assert after["evaluation"]["status"] == "achieved"
    r = client.post("/api/values", json=body, headers={"X-CSRF-Token": token})  # the version read is stale now
    assert r.status_code == 409 and r.json()["conflict"] and "请刷新" in r.json()["detail"]
    r = client.post("/api/values", json={**body, "period": "20x2", "version": after["year_version"]},
                    headers={"X-CSRF-Token": token})
    assert r.status_code == 422 and "期间" in r.json()["detail"]


def test_writes_outside_scope_are_refused(client, site):
    store, plans = site
    nangong = evaluation(client_login(client, "admin"), plans["南宫市"], 2023)
    qingcheng = evaluation(client, plans["清城区"], 2023)
    ng_row, qc_row = nangong["rows"][0], qingcheng["rows"][0]
    cases = [("qc_editor", nangong, ng_row), ("qc_viewer", qingcheng, qc_row), ("gd_analyst", qingcheng, qc_row)]
    for user, ev, row in cases:
        client.cookies.clear()
        token = login(client, user)
        body = {"org_unit_id": ev["org_unit"]["id"], "indicator_id": row["indicator_id"], "period": "2023",
                "value": 1, "version": row["year_version"]}
        assert client.post("/api/values", json=body, headers={"X-CSRF-Token": token}).status_code == 403, user
        form = {"indicator_id": row["indicator_id"], "year": 2023, "value": "1", "version": row["year_version"],
                "csrf_token": token}
        r = client.post(f"/plans/{ev['plan']['id']}/values", data=form, follow_redirects=False)
        assert r.status_code == 403, user
    # nothing was written
    client.cookies.clear()
    login(client, "admin")
    assert evaluation(client, plans["南宫市"], 2023)["rows"][0]["year_version"] == ng_row["year_version"]


def client_login(client, user):
    login(client, user)
    return client


def test_inline_edit_changes_the_status_and_conflicts_are_told(client, site):
    _, plans = site
    pid = plans["清城区"]
    login(client, "qc_editor")
    row = _improvable(evaluation(client, pid, 2024))
    html = client.get(f"/plans/{pid}", params={"year": 2024}).text
    token = form_token(html)
    form = {"indicator_id": row["indicator_id"], "year": 2024, "value": f"{_reaching(row):g}",
            "version": row["year_version"], "csrf_token": token, "back": f"/plans/{pid}?year=2024"}
    assert client.post(f"/plans/{pid}/values", data={k: v for k, v in form.items() if k != "csrf_token"},
                       follow_redirects=False).status_code == 403
    r = client.post(f"/plans/{pid}/values", data=form)
    assert r.status_code == 200 and 'id="message"' in r.text and "已保存" in r.text
    after = next(x for x in evaluation(client, pid, 2024)["rows"] if x["target_id"] == row["target_id"])
    assert after["evaluation"]["status"] == "achieved"
    r = client.post(f"/plans/{pid}/values", data={**form, "value": "1"})  # the same, stale version again
    assert 'id="error-message"' in r.text and "已被qc_editor" in r.text and "请刷新后再改" in r.text
    r = client.post(f"/plans/{pid}/values", data={**form, "value": "abc", "version": after["year_version"]})
    assert "不是数值" in r.text


def test_report_download(client, site):
    _, plans = site
    login(client, "qc_viewer")
    pid = plans["清城区"]
    r = client.get(f"/plans/{pid}/report.docx", params={"year": 2023, "kind": "midterm"})
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    r = client.get(f"/api/plans/{pid}/report", params={"year": 2023})
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert client.get(f"/plans/{pid}/report.docx", params={"year": 2023, "kind": "bogus"}).status_code == 422


def _template(store, region: str, year: int, fill) -> bytes:
    from openpyxl import load_workbook

    from healthplan.store.exchange import make_template

    wb = load_workbook(io.BytesIO(make_template(store, region, year)))
    for ws in wb.worksheets:
        if ws.sheet_state != "visible" or ws.title == "填报说明" or ws.max_row < 2:
            continue
        header = [c.value for c in ws[1]]
        if f"{year}年数值" not in header:
            continue
        col = header.index(f"{year}年数值") + 1
        fill(ws, col)
        break
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_upload_template(client, site):
    store, plans = site
    pid = plans["清城区"]
    login(client, "qc_editor")
    token = form_token(client.get(f"/plans/{pid}").text)
    assert client.get(f"/plans/{pid}/template.xlsx", params={"year": 2021}).content[:2] == b"PK"

    def bad(ws, col):
        ws.cell(2, col).value = "很多"
        ws.cell(3, col).value = "=1+1"

    body = _template(store, "清城区", 2021, bad)
    r = client.post(f"/plans/{pid}/upload", data={"csrf_token": token, "year": "2021"},
                    files={"file": ("清城区2021.xlsx", body)})
    assert r.status_code == 422 and 'id="import-problems"' in r.text and "数据库未作任何修改" in r.text
    assert r.text.count("<tr><td>") >= 2  # one line per bad cell
    r = client.post(f"/api/plans/{pid}/upload", files={"file": ("x.xlsx", body)}, headers={"X-CSRF-Token": token})
    assert r.status_code == 422 and len(r.json()["problems"]) >= 2

    def good(ws, col):  # the baseline again: plausible for any indicator
        base = [c.value for c in ws[1]].index("基期值") + 1
        for row in range(2, ws.max_row + 1):
            found = re.match(r"[\d.]+", str(ws.cell(row, base).value or ""))
            if found:
                ws.cell(row, col).value = float(found.group(0))
                return

    body = _template(store, "清城区", 2021, good)
    assert client.post(f"/plans/{pid}/upload", files={"file": ("x.xlsx", body)}).status_code == 403  # no CSRF
    r = client.post(f"/plans/{pid}/upload", data={"csrf_token": token, "year": "2021"},
                    files={"file": ("清城区2021.xlsx", body)})
    m_ = re.search(r"import-problems.{0,3000}", r.text, re.S); assert r.status_code == 200 and "导入成功" in r.text, (r.status_code, m_ and m_.group(0))


def test_upload_of_another_region_is_refused(client, site):
    store, plans = site
    login(client, "qc_editor")
    token = form_token(client.get(f"/plans/{plans['清城区']}").text)
    body = _template(store, "南宫市", 2021, lambda ws, col: setattr(ws.cell(2, col), "value", 1))
    # through the editor's own plan page with another region's template, and through the other plan
    r = client.post(f"/plans/{plans['清城区']}/upload", data={"csrf_token": token}, files={"file": ("ng.xlsx", body)})
    assert r.status_code == 403
    r = client.post(f"/api/plans/{plans['南宫市']}/upload", files={"file": ("ng.xlsx", body)},
                    headers={"X-CSRF-Token": token})
    assert r.status_code == 403


# --- the command line ----------------------------------------------------------------------------

def test_user_add_and_first_admin(tmp_path):
    import typer
    from typer.testing import CliRunner

    from healthplan.store import Store
    from healthplan.web.cli import ensure_admin, register

    app = typer.Typer()
    register(app)
    db = str(tmp_path / "h.db")
    store = Store(db)
    password = ensure_admin(store)
    assert password and ensure_admin(store) is None
    store.close()
    runner = CliRunner()
    r = runner.invoke(app, ["user", "add", "bob", "--role", "viewer", "--password", "password-1", "--db", db])
    assert r.exit_code == 2 and "所属地区" in r.output  # a viewer needs a region
    r = runner.invoke(app, ["user", "add", "root2", "--role", "administrator", "--password", "password-1", "--db", db])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["user", "add", "root2", "--role", "administrator", "--password", "password-1", "--db", db])
    assert r.exit_code == 2 and "已存在" in r.output
    r = runner.invoke(app, ["serve", "--help"])
    assert r.exit_code == 0 and "--port" in r.output


def test_report_formats(client, site):
    """The report as Word, PDF, HTML or Markdown, each a real file of its kind; unknown formats refused."""
    _, plans = site
    login(client, "qc_editor")
    pid = plans["清城区"]
    magic = {"docx": b"PK", "pdf": b"%PDF", "html": b"<!doctype html", "md": "# ".encode()}
    for fmt, start in magic.items():
        r = client.get(f"/plans/{pid}/report", params={"year": 2023, "kind": "midterm", "format": fmt})
        assert r.status_code == 200, fmt
        assert r.content.lstrip()[:len(start)].lower() == start.lower(), fmt
        assert f".{fmt}" in r.headers["content-disposition"]
    assert client.get(f"/plans/{pid}/report", params={"year": 2023, "format": "exe"}).status_code == 422
    assert client.get(f"/api/plans/{pid}/report", params={"year": 2023, "format": "exe"}).status_code == 422
    assert client.get(f"/api/plans/{pid}/report", params={"year": 2023, "format": "pdf"}).content[:4] == b"%PDF"


def test_plan_page_shows_the_plan_audit(client, site):
    """南宫's document: the beds table's 乡镇 小计 741 against rows adding to 752 (an error found by reading
    the document, tests/test_checks.py) is listed on the plan page and in the API, errors first."""
    _, plans = site
    login(client, "ng_editor")
    pid = plans["南宫市"]
    found = client.get(f"/api/plans/{pid}/findings").json()
    assert found[0]["severity"] == "error"
    sums = [f for f in found if f["check"] == "sums" and 385 in f["lines"]]
    assert len(sums) == 1 and "741" in sums[0]["message"] and "752" in sums[0]["message"]
    html = client.get(f"/plans/{pid}").text
    assert 'id="findings"' in html and "741" in html and "数据一致性核查" in html
    assert client.get(f"/api/plans/{plans['天河区']}/findings").status_code == 403  # another region's draft
