"""用户管理 in the web app, on SQLite and PostgreSQL: administrators only, CSRF on every change, a generated
password shown once, role and region changes in force at the next request, deactivated users locked out.

The store is test_web's; each test makes the users it changes, so the module's shared users stay as they are.
"""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select
from test_web import PASSWORD, client, form_token, login, site  # noqa: F401 - fixtures

from healthplan.store import models as m
from healthplan.store.exchange import find_region
from healthplan.web import create_app

NON_ADMINS = ("qc_editor", "qc_viewer", "gd_analyst", "ng_editor")


def _name(prefix: str = "u") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def _region(store, name: str) -> int:
    with store.session() as s:
        return find_region(s, name).id


def _user(store, username: str) -> m.User | None:
    with store.session() as s:
        user = s.scalars(select(m.User).where(m.User.username == username)).first()
        if user is not None:
            s.expunge(user)
        return user


def _make(client, token, store, role="viewer", region="清城区", password=PASSWORD) -> tuple[int, str]:
    name = _name()
    r = client.post("/api/admin/users", headers={"X-CSRF-Token": token},
                    json={"username": name, "role": role, "org_unit_id": _region(store, region), "password": password})
    assert r.status_code == 201, r.text
    return r.json()["user"]["id"], name


def _second_client(store):
    return TestClient(create_app(store, "test-secret"))


# --- who may ---------------------------------------------------------------------------------------------

def test_signed_out(client):
    r = client.get("/admin/users", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    assert client.get("/api/admin/users").status_code == 401
    assert client.post("/api/admin/users", json={"username": "x", "role": "viewer"}).status_code in (401, 403)


def test_only_administrators(client, site):
    store, _ = site
    for user in NON_ADMINS:
        client.cookies.clear()
        token = login(client, user)
        h = {"X-CSRF-Token": token}
        assert client.get("/admin/users").status_code == 403
        assert "无权访问" in client.get("/admin/users").text
        assert client.get("/api/admin/users").status_code == 403
        assert client.get("/api/admin/org-units").status_code == 403
        name = _name("intruder")
        r = client.post("/api/admin/users", headers=h, json={"username": name, "role": "administrator",
                                                            "password": "password-123"})
        assert r.status_code == 403
        r = client.post("/admin/users", data={"csrf_token": token, "username": name, "role": "administrator",
                                              "password": "password-123"})
        assert r.status_code == 403 and _user(store, name) is None
        me = client.get("/api/me").json()
        own = _user(store, user).id
        assert client.patch(f"/api/admin/users/{own}", headers=h,
                            json={"role": "administrator", "org_unit_id": None}).status_code == 403
        assert client.post(f"/admin/users/{own}", data={"csrf_token": token, "role": "administrator",
                                                        "org_unit_id": ""}).status_code == 403
        assert client.post(f"/api/admin/users/{own}/password", headers=h, json={}).status_code == 403
        assert client.post(f"/admin/users/{own}/password", data={"csrf_token": token}).status_code == 403
        assert client.post(f"/api/admin/users/{own}/deactivate", headers=h).status_code == 403
        assert client.post(f"/admin/users/{own}/active", data={"csrf_token": token, "active": 0}).status_code == 403
        assert _user(store, user).role == me["role"] != "administrator"
        nav = client.get("/").text
        assert 'id="nav-compare"' in nav and 'id="nav-admin"' not in nav and "用户管理" not in nav


def test_every_change_needs_csrf(client, site):
    store, _ = site
    token = login(client, "admin")
    uid, name = _make(client, token, store)
    bad = {"X-CSRF-Token": "forged"}
    assert client.post("/api/admin/users", json={"username": _name(), "role": "administrator",
                                                 "password": "password-123"}).status_code == 403
    assert client.patch(f"/api/admin/users/{uid}", headers=bad, json={"role": "administrator"}).status_code == 403
    assert client.post(f"/api/admin/users/{uid}/password", json={}).status_code == 403
    assert client.post(f"/api/admin/users/{uid}/deactivate", headers=bad).status_code == 403
    assert client.post(f"/admin/users/{uid}", data={"role": "administrator", "org_unit_id": ""}).status_code == 403
    assert client.post(f"/admin/users/{uid}/active", data={"active": 0}).status_code == 403
    r = client.post("/admin/users", data={"username": _name(), "role": "viewer", "csrf_token": "forged"})
    assert r.status_code == 403 and "CSRF" in r.text
    user = _user(store, name)
    assert user.role == "viewer" and user.active
    assert 'id="nav-admin"' in client.get("/").text


# --- what an administrator does ------------------------------------------------------------------------

def test_create_with_a_generated_password_shown_once(client, site):
    store, _ = site
    token = login(client, "admin")
    name = _name()
    r = client.post("/admin/users", data={"csrf_token": token, "username": name, "role": "region_editor",
                                          "org_unit_id": str(_region(store, "南宫市")), "password": ""})
    assert r.status_code == 200 and 'id="shown-password"' in r.text
    password = re.search(r'<code id="new-password">([^<]+)</code>', r.text).group(1)
    assert len(password) >= 16
    listing = client.get("/admin/users").text
    assert name in listing and password not in listing  # shown once only
    assert password not in client.get("/api/admin/users").text
    with store.session() as s:
        user = s.scalars(select(m.User).where(m.User.username == name)).one()
        assert user.role == "region_editor" and user.org_unit.name == "南宫市" and password not in user.password_hash
        logs = s.scalars(select(m.AuditLog).where(m.AuditLog.entity == "app_user",
                                                  m.AuditLog.entity_id == user.id)).all()
        assert logs and all("password_hash" not in (a.new or {}) for a in logs) and logs[0].user == "admin"
    with _second_client(store) as other:
        login(other, name, password)
        assert other.get("/api/me").json()["org_unit"] == "南宫市"


def test_create_refusals(client, site):
    store, _ = site
    token = login(client, "admin")
    h = {"X-CSRF-Token": token}
    unit = _region(store, "清城区")
    for body, words in (({"username": "qc_editor", "role": "viewer", "org_unit_id": unit}, "已存在"),
                        ({"username": _name(), "role": "viewer"}, "所属地区"),
                        ({"username": _name(), "role": "king", "org_unit_id": unit}, "角色"),
                        ({"username": _name(), "role": "viewer", "org_unit_id": 999999}, "不存在"),
                        ({"username": _name(), "role": "viewer", "org_unit_id": unit, "password": "short"}, "8个字符")):
        r = client.post("/api/admin/users", headers=h, json=body)
        assert r.status_code == 422 and words in r.json()["detail"], (body, r.text)
    r = client.post("/admin/users", data={"csrf_token": token, "username": "qc_editor", "role": "viewer",
                                          "org_unit_id": str(unit)})
    assert r.status_code == 422 and "已存在" in r.text and 'id="error-message"' in r.text


def test_role_and_region_change_at_the_next_request(client, site):
    store, plans = site
    token = login(client, "admin")
    uid, name = _make(client, token, store, role="viewer", region="清城区")
    with _second_client(store) as other:
        login(other, name)
        assert other.get(f"/api/plans/{plans['天河区']}").status_code == 403
        r = client.patch(f"/api/admin/users/{uid}", headers={"X-CSRF-Token": token},
                         json={"role": "province_analyst", "org_unit_id": _region(store, "广东省")})
        assert r.status_code == 200 and r.json()["role"] == "province_analyst"
        me = other.get("/api/me").json()  # the same session, the new scope
        assert me["role"] == "province_analyst" and me["org_unit"] == "广东省"
        assert other.get(f"/api/plans/{plans['天河区']}").status_code == 200
        r = client.post(f"/admin/users/{uid}", data={"csrf_token": token, "role": "viewer",
                                                     "org_unit_id": str(_region(store, "南宫市"))},
                        follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/admin/users?msg=updated"
        assert other.get("/api/me").json()["org_unit"] == "南宫市"
        assert other.get(f"/api/plans/{plans['天河区']}").status_code == 403
    r = client.patch(f"/api/admin/users/{uid}", headers={"X-CSRF-Token": token}, json={"role": "viewer"})
    assert r.status_code == 422 and "所属地区" in r.json()["detail"]
    assert client.patch("/api/admin/users/999999", headers={"X-CSRF-Token": token},
                        json={"role": "viewer", "org_unit_id": _region(store, "南宫市")}).status_code == 404


def test_reset_password(client, site):
    store, _ = site
    token = login(client, "admin")
    uid, name = _make(client, token, store)
    r = client.post(f"/api/admin/users/{uid}/password", headers={"X-CSRF-Token": token}, json={})
    new = r.json()["password"]
    assert r.status_code == 200 and new and len(new) >= 16
    with _second_client(store) as other:
        tok = form_token(other.get("/login").text)
        r = other.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": tok})
        assert r.status_code == 401  # the old password no longer works
        login(other, name, new)
    r = client.post(f"/admin/users/{uid}/password", data={"csrf_token": token, "password": "chosen-password-9"})
    assert r.status_code == 200 and 'id="shown-password"' not in r.text  # a chosen password is not echoed
    with _second_client(store) as other:
        login(other, name, "chosen-password-9")
    r = client.post(f"/api/admin/users/{uid}/password", headers={"X-CSRF-Token": token}, json={"password": "short"})
    assert r.status_code == 422


def test_deactivated_user_is_locked_out_at_once(client, site):
    store, plans = site
    token = login(client, "admin")
    uid, name = _make(client, token, store)
    with _second_client(store) as other:
        login(other, name)
        assert other.get("/api/me").status_code == 200
        r = client.post(f"/admin/users/{uid}/active", data={"csrf_token": token, "active": 0}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/admin/users?msg=deactivated"
        assert other.get("/api/me").status_code == 401  # the open session ends with the next request
        r = other.get(f"/plans/{plans['清城区']}", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        tok = form_token(other.get("/login").text)
        r = other.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": tok})
        assert r.status_code == 401 and "用户名或密码不正确" in r.text
    assert not _user(store, name).active
    users = {u["username"]: u for u in client.get("/api/admin/users").json()}
    assert users[name]["active"] is False
    assert 'class="inactive"' in client.get("/admin/users").text
    r = client.post(f"/api/admin/users/{uid}/activate", headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.json()["active"] is True
    with _second_client(store) as other:
        login(other, name)
    r = client.post(f"/api/admin/users/{uid}/deactivate", headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.json()["active"] is False


def test_an_administrator_keeps_their_own_access(client, site):
    store, _ = site
    token = login(client, "admin")
    own = _user(store, "admin").id
    h = {"X-CSRF-Token": token}
    r = client.post(f"/api/admin/users/{own}/deactivate", headers=h)
    assert r.status_code == 422 and "自己" in r.json()["detail"]
    r = client.patch(f"/api/admin/users/{own}", headers=h, json={"role": "viewer", "org_unit_id": _region(store, "清城区")})
    assert r.status_code == 422 and "自己" in r.json()["detail"]
    r = client.post(f"/admin/users/{own}/active", data={"csrf_token": token, "active": 0})
    assert r.status_code == 422 and 'id="error-message"' in r.text
    user = _user(store, "admin")
    assert user.active and user.role == "administrator"


def test_admin_page_and_openapi(client, site):
    login(client, "admin")
    html = client.get("/admin/users").text
    for name in ("admin", "qc_editor", "gd_analyst"):
        assert f'data-user="{name}"' in html
    assert 'id="create-user"' in html and "地区填报员" in html and 'name="csrf_token"' in html
    assert "<h1>Users</h1>" in client.get("/admin/users", params={"lang": "en"}).text
    units = client.get("/api/admin/org-units").json()
    assert {"清城区", "南宫市", "广东省"} <= {u["name"] for u in units}
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/admin/users", "/api/admin/users/{user_id}", "/api/admin/users/{user_id}/password",
            "/api/admin/users/{user_id}/deactivate"} <= set(paths)
    assert "patch" in paths["/api/admin/users/{user_id}"]


def test_password_reset_ends_every_open_session(client, site):
    """Sessions signed in before a reset are over at their next request, in any server process (the epoch is
    in the database); a sign-in with the new password works, and other users' sessions are untouched."""
    store, _ = site
    token = login(client, "admin")
    uid, name = _make(client, token, store)
    with _second_client(store) as first, _second_client(store) as second, _second_client(store) as bystander:
        login(first, name)
        login(second, name)
        login(bystander, "qc_viewer")
        assert first.get("/api/me").status_code == 200 and second.get("/api/me").status_code == 200
        r = client.post(f"/api/admin/users/{uid}/password", headers={"X-CSRF-Token": token},
                        json={"password": "after-reset-7"})
        assert r.status_code == 200
        assert first.get("/api/me").status_code == 401 and second.get("/api/me").status_code == 401
        assert bystander.get("/api/me").status_code == 200
        assert client.get("/api/me").status_code == 200  # the administrator who reset it stays signed in
        login(first, name, "after-reset-7")
        assert first.get("/api/me").status_code == 200


def test_login_limit_is_shared_by_server_processes(site):
    """Two app instances on one database (two ``serve --workers`` processes): failures add up across them,
    a success clears them, and the count does not depend on which process answers."""
    from healthplan.web.security import StoreLoginLimiter

    store, _ = site
    name = _name("limit")
    apps = [TestClient(create_app(store, "test-secret", shared_login_limit=True, login_limit=4)) for _ in range(2)]
    with apps[0] as a, apps[1] as b:
        assert isinstance(a.app.state.limiter, StoreLoginLimiter)
        for k in range(4):
            c = (a, b)[k % 2]
            tok = form_token(c.get("/login").text)
            assert c.post("/login", data={"username": name, "password": "wrong-one", "csrf_token": tok}
                          ).status_code == 401
        for c in (a, b):
            tok = form_token(c.get("/login").text)
            r = c.post("/login", data={"username": name, "password": "wrong-one", "csrf_token": tok})
            assert r.status_code == 429
        a.app.state.limiter.succeeded(name, "testclient")
        tok = form_token(b.get("/login").text)
        assert b.post("/login", data={"username": name, "password": "wrong-one", "csrf_token": tok}
                      ).status_code == 401
    with store.session() as s:
        s.execute(m.LoginFailure.__table__.delete().where(m.LoginFailure.username == name))
