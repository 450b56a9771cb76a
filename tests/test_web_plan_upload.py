"""Upload a plan document → review and correct the extracted tables → save (规划上传与核对), on SQLite and PostgreSQL.

One store per database for the module (the five seed plans + users); each test gets a fresh app and its
own draft folder. Saving makes new plan versions: tests compare with the state they start from.
"""

from __future__ import annotations

import re

import pytest
from conftest import SEEDS, drop_store, make_store, seed_site

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from healthplan.ingest import ingest_file  # noqa: E402
from healthplan.store import models as m  # noqa: E402
from healthplan.web import create_app  # noqa: E402

from test_web import PASSWORD, REMOTE  # noqa: E402
from test_web import USERS as WEB_USERS  # noqa: E402

USERS = {**WEB_USERS, "gd_editor": ("region_editor", "广东省")}  # name → (role, region)
REGION_OF = {"000": "清城区", "001": "阳江市", "002": "天河区", "003": "南宫市", "004": "龙湖区"}


def seed(prefix: str):
    return next(p for p in SEEDS if p.name.startswith(prefix))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request, tmp_path_factory):
    store, schema = make_store(request.param, tmp_path_factory.mktemp("upload"))
    with store.session() as s:
        seed_site(s, USERS, PASSWORD, examples=False, draft=None)
    yield store
    drop_store(store, schema)


@pytest.fixture
def client(site, tmp_path):
    app = create_app(site, "test-secret")
    app.state.draft_dir = tmp_path / "drafts"
    with TestClient(app) as c:
        c.drafts = app.state.draft_dir
        yield c


def form_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(c: TestClient, user: str) -> str:
    """Sign in through the form; returns the CSRF token."""
    c.cookies.clear()
    token = form_token(c.get("/login").text)
    r = c.post("/login", data={"username": user, "password": PASSWORD, "csrf_token": token, "next": "/"},
               follow_redirects=False)
    assert r.status_code == 303, r.text
    return c.get("/api/me").json()["csrf_token"]


def upload(c: TestClient, csrf: str, name: str, body: bytes):
    return c.post("/api/plan-drafts", files={"file": (name, body)}, headers={"X-CSRF-Token": csrf})


def upload_seed(c: TestClient, csrf: str, prefix: str) -> dict:
    path = seed(prefix)
    r = upload(c, csrf, path.name, path.read_bytes())
    assert r.status_code == 201, r.text
    return r.json()


def plan_count(store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(m.Plan))


def current_plan(store, unit_name: str) -> m.Plan:
    with store.session() as s:
        return s.scalars(select(m.Plan).join(m.OrgUnit).where(m.OrgUnit.name == unit_name,
                                                              m.Plan.current.is_(True))).one()


def targets(store, plan_id: int) -> dict[int, list[tuple]]:
    """line → what a target row of the plan says (name, unit, domain, property, baseline, target)."""
    with store.session() as s:
        rows = s.scalars(select(m.Target).where(m.Target.plan_id == plan_id, m.Target.facility_id.is_(None))
                         .order_by(m.Target.line, m.Target.part)).all()
        out: dict[int, list[tuple]] = {}
        for t in rows:
            out.setdefault(t.line, []).append((t.name_in_plan, t.unit_in_plan, t.domain, t.property,
                                               t.baseline_text, t.target_text))
        return out


def drafts_left(c) -> list:
    return sorted(p.name for p in c.drafts.glob("*")) if c.drafts.exists() else []


def numeric_row(draft: dict) -> dict:
    """A plain row whose target is a number or a comparison (not a compound cell)."""
    return next(r for r in draft["rows"] if r["kind"] == "threshold" and "，" not in (r["unit"] or "")
                and "," not in r["target"])


# --- the draft is what ingest_file gives --------------------------------------------------------------

@pytest.mark.parametrize("prefix", sorted(REGION_OF))
def test_each_seed_gives_the_rows_of_ingest_file(client, prefix):
    csrf = login(client, "admin")
    path = seed(prefix)
    expected = ingest_file(path).contract()
    draft = upload_seed(client, csrf, prefix)
    assert draft["plan"]["indicators"] == expected["indicators"]
    assert draft["plan"]["projects"] == expected["projects"]
    assert draft["plan"]["facility_tables"] == expected["facility_tables"]
    assert draft["region"] == REGION_OF[prefix] and not draft["corrected"]
    assert [r["line"] for r in draft["rows"]] == [i["line"] for i in expected["indicators"]]
    assert [r["target"] for r in draft["rows"]] == [i["target"]["text"] for i in expected["indicators"]]
    lines = path.read_text(encoding="utf-8").splitlines()
    for r in draft["rows"]:  # each row's source line holds its name as printed
        raw = next(i["raw_name"] for i in expected["indicators"] if i["line"] == r["line"])
        assert raw[:2] in lines[r["line"] - 1], (r["line"], raw)
    assert client.get(f"/api/plan-drafts/{draft['token']}").json() == draft
    html = client.get(draft["review_url"]).text
    for r in draft["rows"]:
        assert f'href="#L{r["line"]}"' in html and f'id="L{r["line"]}"' in html
    assert html.count('class="ln') == len(draft["lines"]) and 'src="/static/plan_review.js"' in html
    if expected["projects"]:
        assert 'id="review-projects"' in html
    if expected["facility_tables"]:
        assert 'id="review-facilities-1"' in html


@pytest.mark.parametrize("kind", ["docx", "html"])
def test_other_formats(client, kind, tmp_path):
    from builders import build_docx, build_html

    build = {"docx": build_docx, "html": build_html}[kind]
    path = build(seed("004"), tmp_path / f"龙湖.{kind}")
    csrf = login(client, "admin")
    draft = upload(client, csrf, path.name, path.read_bytes()).json()
    assert draft["plan"]["indicators"] == ingest_file(path).contract()["indicators"]
    assert draft["plan"]["format"] == kind and draft["region"] == "龙湖区"


# --- correcting and saving ---------------------------------------------------------------------------

def test_correct_a_target_and_save(client, site):
    csrf = login(client, "qc_editor")
    before = current_plan(site, "清城区")
    old_targets = targets(site, before.id)
    draft = upload_seed(client, csrf, "000")
    row = numeric_row(draft)
    r = client.patch(f"/api/plan-drafts/{draft['token']}", headers={"X-CSRF-Token": csrf},
                     json={"corrections": [{"row": row["row"], "column": "target", "value": "≥99.5"}]})
    assert r.status_code == 200, r.text
    after = r.json()
    fixed = after["rows"][row["row"] - 1]
    assert fixed["target"] == "≥99.5" and fixed["reading"] == "不低于99.5" and fixed["changed"] == ["target"]
    assert after["corrected"] and sum(bool(x["changed"]) for x in after["rows"]) == 1
    assert client.get(f"/api/plan-drafts/{draft['token']}").json()["rows"][row["row"] - 1]["target"] == "≥99.5"

    r = client.post(f"/api/plan-drafts/{draft['token']}/save", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    saved = r.json()
    assert saved["new_version"] and saved["version"] == before.version + 1 and saved["plan_id"] != before.id
    now = current_plan(site, "清城区")
    assert now.id == saved["plan_id"] and now.created_by == "qc_editor"
    new_targets = targets(site, now.id)
    assert set(new_targets) == set(old_targets)
    for line, rows in old_targets.items():
        if line == row["line"]:
            assert [t[5] for t in new_targets[line]] == ["≥99.5"]
            assert [t[:5] for t in new_targets[line]] == [t[:5] for t in rows]
        else:
            assert new_targets[line] == rows, line  # every other row as it was
    assert "≥99.5" in client.get(f"/plans/{now.id}").text
    assert client.get(f"/api/plan-drafts/{draft['token']}").status_code == 404  # the draft is gone
    assert drafts_left(client) == []


def test_uncorrected_upload_is_the_stored_version(client, site):
    csrf = login(client, "ng_editor")
    stored = current_plan(site, "南宫市")
    count = plan_count(site)
    draft = upload_seed(client, csrf, "003")
    saved = client.post(f"/api/plan-drafts/{draft['token']}/save", headers={"X-CSRF-Token": csrf}).json()
    assert saved == {"plan_id": stored.id, "version": stored.version, "new_version": False,
                     "url": f"/plans/{stored.id}"}
    assert plan_count(site) == count


def test_review_page_check_and_save(client, site):
    csrf = login(client, "qc_editor")
    assert 'id="plan-upload-link"' in client.get("/").text
    page = client.get("/plan-upload")
    assert page.status_code == 200 and 'id="plan-upload-form"' in page.text
    path = seed("000")
    r = client.post("/plan-upload", data={"csrf_token": csrf}, files={"file": (path.name, path.read_bytes())},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/plan-upload/")
    url = r.headers["location"]
    html = client.get(url).text
    assert 'id="review-indicators"' in html and 'id="source-pane"' in html
    draft = client.get(f"/api/plan-drafts/{url.rsplit('/', 1)[-1]}").json()
    row = numeric_row(draft)
    other = next(x for x in draft["rows"] if x["row"] != row["row"])
    key = f"c{other['row']}-name"
    r = client.post(url, data={"csrf_token": csrf, "action": "check", key: other["name"] + "（核对）"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("msg=pu_checked")
    html = client.get(r.headers["location"]).text
    assert "尚未入库" in html and f'value="{other["name"]}（核对）"' in html and "cell-input  changed" in html
    count = plan_count(site)
    r = client.post(url, data={"csrf_token": csrf, "action": "save", f"c{row['row']}-target": "≥98",
                               f"c{row['row']}-property": "约束性"}, follow_redirects=False)
    assert r.status_code == 303 and "msg=plan_saved" in r.headers["location"], r.text
    assert plan_count(site) == count + 1
    page = client.get(r.headers["location"]).text
    assert "规划已保存入库" in page and "≥98" in page and f"{other['name']}（核对）" in page
    plan = current_plan(site, "清城区")
    t = targets(site, plan.id)
    assert t[row["line"]][0][3:] == ("约束性", row["baseline"], "≥98")


def test_discard(client):
    csrf = login(client, "qc_editor")
    draft = upload_seed(client, csrf, "000")
    assert drafts_left(client)
    r = client.post(f"/plan-upload/{draft['token']}/discard", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and drafts_left(client) == []
    draft = upload_seed(client, csrf, "000")
    assert client.delete(f"/api/plan-drafts/{draft['token']}", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert drafts_left(client) == []


def test_drafts_expire(client):
    import os
    import time

    csrf = login(client, "qc_editor")
    draft = upload_seed(client, csrf, "000")
    old = time.time() - 2 * 24 * 3600
    for path in client.drafts.glob(f"{draft['token']}.*"):
        os.utime(path, (old, old))
    assert client.get(f"/api/plan-drafts/{draft['token']}").status_code == 404
    fresh = upload_seed(client, csrf, "000")  # each upload clears out drafts untouched for a day
    assert drafts_left(client) == sorted([f"{fresh['token']}.bin", f"{fresh['token']}.json"])


# --- refusals ----------------------------------------------------------------------------------------

def test_not_signed_in(client):
    for path in ("/plan-upload", "/plan-upload/" + "a" * 32):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), path
    assert client.get("/api/plan-drafts/" + "a" * 32).status_code == 401
    path = seed("000")
    assert client.post("/api/plan-drafts", files={"file": (path.name, path.read_bytes())}).status_code in (401, 403)
    assert drafts_left(client) == []


@pytest.mark.parametrize("user", ["qc_viewer", "gd_analyst"])
def test_readers_may_not_upload(client, site, user):
    csrf = login(client, user)
    assert 'id="plan-upload-link"' not in client.get("/").text
    assert client.get("/plan-upload").status_code == 403
    path = seed("000")
    count = plan_count(site)
    assert upload(client, csrf, path.name, path.read_bytes()).status_code == 403
    r = client.post("/plan-upload", data={"csrf_token": csrf}, files={"file": (path.name, path.read_bytes())})
    assert r.status_code == 403 and "无权访问" in r.text
    assert plan_count(site) == count and drafts_left(client) == []


def test_another_regions_plan_is_refused(client, site):
    csrf = login(client, "qc_editor")
    path = seed("003")  # 南宫市
    r = upload(client, csrf, path.name, path.read_bytes())
    assert r.status_code == 403 and "无权上传" in r.json()["detail"] and "南宫市" in r.json()["detail"]
    r = client.post("/plan-upload", data={"csrf_token": csrf}, files={"file": (path.name, path.read_bytes())})
    assert r.status_code == 403 and 'id="error-message"' in r.text and "南宫市" in r.text
    assert drafts_left(client) == []
    csrf = login(client, "gd_editor")  # a province editor writes the units below it
    assert upload(client, csrf, seed("000").name, seed("000").read_bytes()).status_code == 201
    assert upload(client, csrf, path.name, path.read_bytes()).status_code == 403


def test_another_users_draft(client):
    csrf = login(client, "admin")
    draft = upload_seed(client, csrf, "000")
    token = draft["token"]
    csrf = login(client, "qc_editor")  # may write 清城区, but the draft is admin's
    assert client.get(f"/api/plan-drafts/{token}").status_code == 403
    assert client.get(f"/plan-upload/{token}").status_code == 403
    body = {"corrections": [{"row": 1, "column": "target", "value": "1"}]}
    assert client.patch(f"/api/plan-drafts/{token}", json=body, headers={"X-CSRF-Token": csrf}).status_code == 403
    assert client.post(f"/api/plan-drafts/{token}/save", headers={"X-CSRF-Token": csrf}).status_code == 403
    assert client.delete(f"/api/plan-drafts/{token}", headers={"X-CSRF-Token": csrf}).status_code == 403
    assert client.post(f"/plan-upload/{token}", data={"csrf_token": csrf, "action": "save"}).status_code == 403
    for bad in ("b" * 32, "..%2F..%2Fetc", "short"):
        assert client.get(f"/api/plan-drafts/{bad}").status_code == 404, bad
    csrf = login(client, "admin")
    assert client.get(f"/api/plan-drafts/{token}").json()["rows"] == draft["rows"]  # untouched


def test_csrf_is_required(client, site):
    csrf = login(client, "qc_editor")
    path = seed("000")
    assert client.post("/api/plan-drafts", files={"file": (path.name, path.read_bytes())}).status_code == 403
    r = client.post("/plan-upload", files={"file": (path.name, path.read_bytes())})
    assert r.status_code == 403 and "CSRF" in r.text
    assert drafts_left(client) == []
    draft = upload_seed(client, csrf, "000")
    token, count = draft["token"], plan_count(site)
    body = {"corrections": [{"row": 1, "column": "target", "value": "≥1"}]}
    assert client.patch(f"/api/plan-drafts/{token}", json=body).status_code == 403
    assert client.post(f"/api/plan-drafts/{token}/corrections", json=body).status_code == 403
    assert client.post(f"/api/plan-drafts/{token}/save").status_code == 403
    assert client.post(f"/plan-upload/{token}", data={"action": "save", "c1-target": "≥1"}).status_code == 403
    assert client.delete(f"/api/plan-drafts/{token}").status_code == 403
    assert client.get(f"/api/plan-drafts/{token}").json()["rows"] == draft["rows"] and plan_count(site) == count


BAD_FILES = [
    ("空.txt", b"", "文件为空"),
    ("二进制.txt", b"\x00\x01\x02\x03binary\x00" * 50, "二进制"),
    ("表格.xlsx", b"PK\x03\x04 not really", "不支持的文件类型"),
    ("旧版.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "不支持的文件类型"),
    ("坏的.docx", b"PK\x03\x04 broken zip", "无法读取 Word 文档"),
    ("坏的.pdf", b"%PDF-1.4 broken", "PDF"),
    ("散文.txt", "清城区卫生健康事业发展“十四五”规划\n\n这是一段没有表格的文字。\n".encode(), "未找到主要指标表"),
    ("无名", b"some text", "不支持的文件类型"),
]


@pytest.mark.parametrize("name,body,words", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_are_told_and_nothing_is_stored(client, site, name, body, words):
    csrf = login(client, "qc_editor")
    count = plan_count(site)
    r = upload(client, csrf, name, body)
    assert r.status_code == 422 and words in r.json()["detail"], r.text
    r = client.post("/plan-upload", data={"csrf_token": csrf}, files={"file": (name, body)})
    assert r.status_code == 422 and 'id="error-message"' in r.text and words in r.text
    assert 'id="plan-upload-form"' in r.text  # the form again, not an error page
    assert plan_count(site) == count and drafts_left(client) == []


def test_too_large_and_no_file(client, monkeypatch):
    from healthplan.web import plan_drafts

    csrf = login(client, "qc_editor")
    monkeypatch.setattr(plan_drafts, "MAX_UPLOAD", 1000)
    r = upload(client, csrf, "big.txt", b"x" * 2000)
    assert r.status_code == 413 and "文件过大" in r.json()["detail"]
    r = client.post("/plan-upload", data={"csrf_token": csrf}, files={"file": ("", b"")})
    assert r.status_code == 422 and "请选择要上传的规划文件" in r.text


def test_unparsable_corrections_are_refused_whole(client, site):
    csrf = login(client, "qc_editor")
    draft = upload_seed(client, csrf, "000")
    token, row = draft["token"], numeric_row(draft)
    other = next(x for x in draft["rows"] if x["row"] != row["row"])
    count = plan_count(site)
    body = {"corrections": [
        {"row": other["row"], "column": "name", "value": "改过的名称"},  # valid, but the batch fails
        {"row": row["row"], "column": "target", "value": "≥abc"},
        {"row": row["row"], "column": "baseline", "value": "7O.5x"},
        {"row": row["row"], "column": "property", "value": "必须"},
        {"row": 999, "column": "target", "value": "1"},
        {"row": 1, "column": "colour", "value": "red"},
    ]}
    r = client.patch(f"/api/plan-drafts/{token}", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 422
    problems = r.json()["problems"]
    assert [(p["row"], p["column"]) for p in problems] == [
        (row["row"], "baseline"), (row["row"], "property"), (999, "target"), (1, "colour"), (row["row"], "target")]
    target = problems[-1]["reason"]
    assert f"主要指标第{row['row']}行（{row['name']}）“目标值”列" in target and "无法解读为目标值" in target
    assert "“基期值”列" in problems[0]["reason"] and "约束性" in problems[1]["reason"]
    assert client.get(f"/api/plan-drafts/{token}").json()["rows"] == draft["rows"]  # nothing applied
    for empty in ({"corrections": []}, {"corrections": [{"row": 0, "column": "name", "value": "x"}]}):
        assert client.patch(f"/api/plan-drafts/{token}", json=empty, headers={"X-CSRF-Token": csrf}).status_code == 422
    # the page: the message names row and column, the typed text stays, nothing is saved
    r = client.post(f"/plan-upload/{token}", data={"csrf_token": csrf, "action": "save",
                                                    f"c{other['row']}-name": "改过的名称",
                                                    f"c{row['row']}-target": "大约8O"})
    assert r.status_code == 422 and 'id="correction-problems"' in r.text
    assert f"主要指标第{row['row']}行" in r.text and "“目标值”列" in r.text and 'value="大约8O"' in r.text
    assert 'aria-invalid="true"' in r.text
    assert plan_count(site) == count
    assert client.get(f"/api/plan-drafts/{token}").json()["rows"] == draft["rows"]
    # words alone are a qualitative target (定性目标), read as such
    r = client.patch(f"/api/plan-drafts/{token}", headers={"X-CSRF-Token": csrf},
                     json={"corrections": [{"row": row["row"], "column": "target", "value": "有效控制"}]})
    assert r.status_code == 200 and r.json()["rows"][row["row"] - 1]["kind"] == "qualitative"


# --- language, documentation, no remote resources -------------------------------------------------------

def test_english_openapi_and_nothing_remote(client):
    csrf = login(client, "qc_editor")
    draft = upload_seed(client, csrf, "000")
    html = client.get(draft["review_url"], params={"lang": "en"}).text
    assert "Review the extraction" in html and "Source text" in html
    r = client.patch(f"/api/plan-drafts/{draft['token']}", headers={"X-CSRF-Token": csrf},
                     json={"corrections": [{"row": 1, "column": "target", "value": "≥x1"}]})
    assert "Indicator row 1" in r.json()["problems"][0]["reason"]
    client.get("/", params={"lang": "zh"})
    for path in ("/plan-upload", draft["review_url"]):
        r = client.get(path)
        assert r.status_code == 200 and not REMOTE.search(r.text), path
        assert "default-src 'self'" in r.headers["content-security-policy"] and "<script>" not in r.text
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths["/api/plan-drafts/{token}"]) == {"get", "patch", "delete"}
    assert paths["/api/plan-drafts"]["post"]["summary"].startswith("upload a plan document")
    assert "/api/plan-drafts/{token}/save" in paths and not any(p.startswith("/plan-upload") for p in paths)
