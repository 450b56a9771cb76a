"""用户管理: the administrators' pages (``/admin/users``) and their JSON twins (``/api/admin/…``).

Everyone else gets 403, every POST/PATCH needs the CSRF token. A generated password is shown once, in the
response to the request that made it (never in a URL, never stored in clear).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, Field

from . import accounts
from .app import render
from .data import forbidden
from .security import check_csrf, require_user
from .users import ROLE_ZH, ROLES, Principal, UserError

pages = APIRouter(prefix="/admin", include_in_schema=False)
api = APIRouter(prefix="/api/admin", tags=["admin"])
router = APIRouter()


def require_admin(who: Principal = Depends(require_user)) -> Principal:
    """The signed-in administrator; 403 for any other role."""
    if not who.is_admin:
        raise forbidden()
    return who


def _unit_id(text: str | None) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise UserError("所属地区无效。", "Invalid org unit.") from None


def _run(store, fn, *args):
    """``fn(session, *args)`` in one transaction; an unknown user is 404."""
    try:
        with store.session() as s:
            return fn(s, *args)
    except LookupError:
        raise HTTPException(404, detail="not_found") from None


# --- pages ---------------------------------------------------------------------------------------------

def _page(request: Request, status_code: int = 200, **extra):
    with request.app.state.store.session() as s:
        ctx = {"users": accounts.list_users(s), "units": accounts.org_units(s), "roles": ROLES, "role_zh": ROLE_ZH,
               "msg": request.query_params.get("msg"), "err": None, "shown_password": None, **extra}
    return render(request, "admin_users.html", ctx, status_code=status_code)


@pages.get("/users")
def users_page(request: Request, _admin: Principal = Depends(require_admin)):
    return _page(request)


@pages.post("/users", dependencies=[Depends(check_csrf)])
def create_page(request: Request, username: str = Form(..., max_length=100), role: str = Form(..., max_length=20),
                org_unit_id: str = Form("", max_length=12), password: str = Form("", max_length=200),
                who: Principal = Depends(require_admin)):
    try:
        user, generated = _run(request.app.state.store, lambda s: _create(s, who, username, role, org_unit_id, password))
    except UserError as e:
        return _page(request, 422, err=e.message(request.state.lang))
    return _page(request, msg="created", shown_password=(user, generated) if generated else None)


def _create(s, who, username, role, org_unit_id, password):
    user, generated = accounts.create_user(s, who, username, role, _unit_id(org_unit_id), password or None)
    return user.username, generated


@pages.post("/users/{user_id}", dependencies=[Depends(check_csrf)])
def update_page(request: Request, user_id: int, role: str = Form(..., max_length=20),
                org_unit_id: str = Form("", max_length=12), who: Principal = Depends(require_admin)):
    try:
        _run(request.app.state.store, lambda s: accounts.update_user(s, who, user_id, role, _unit_id(org_unit_id)))
    except UserError as e:
        return _page(request, 422, err=e.message(request.state.lang))
    return RedirectResponse("/admin/users?msg=updated", status_code=303)


@pages.post("/users/{user_id}/password", dependencies=[Depends(check_csrf)])
def password_page(request: Request, user_id: int, password: str = Form("", max_length=200),
                  who: Principal = Depends(require_admin)):
    try:
        name, generated = _run(request.app.state.store,
                               lambda s: accounts.reset_password(s, who, user_id, password or None))
    except UserError as e:
        return _page(request, 422, err=e.message(request.state.lang))
    return _page(request, msg="password_reset", shown_password=(name, generated) if generated else None)


@pages.post("/users/{user_id}/active", dependencies=[Depends(check_csrf)])
def active_page(request: Request, user_id: int, active: int = Form(...), who: Principal = Depends(require_admin)):
    try:
        _run(request.app.state.store, lambda s: accounts.set_active(s, who, user_id, bool(active)))
    except UserError as e:
        return _page(request, 422, err=e.message(request.state.lang))
    return RedirectResponse(f"/admin/users?msg={'activated' if active else 'deactivated'}", status_code=303)


# --- API -----------------------------------------------------------------------------------------------

class UserIn(BaseModel):
    username: str = Field(..., max_length=100)
    role: str = Field(..., description=" | ".join(ROLES))
    org_unit_id: int | None = Field(None, description="所属地区（管理员可不填）")
    password: str | None = Field(None, max_length=200, description="初始密码；不填则生成一个，只在本次响应中返回")


class UserChange(BaseModel):
    role: str = Field(..., description=" | ".join(ROLES))
    org_unit_id: int | None = None


class PasswordIn(BaseModel):
    password: str | None = Field(None, max_length=200, description="新密码；不填则生成一个，只在本次响应中返回")


def _refused(e: UserError, request: Request) -> JSONResponse:
    return JSONResponse({"detail": e.message(request.state.lang)}, status_code=422)


@api.get("/users", summary="用户管理: every user (administrators only)")
def users_api(request: Request, _admin: Principal = Depends(require_admin)):
    with request.app.state.store.session() as s:
        return accounts.list_users(s)


@api.get("/org-units", summary="today's org units, in tree order, for a user's region")
def units_api(request: Request, _admin: Principal = Depends(require_admin)):
    with request.app.state.store.session() as s:
        return accounts.org_units(s)


@api.post("/users", status_code=201, summary="create a user (the generated password is returned once)",
          dependencies=[Depends(check_csrf)])
def create_api(request: Request, body: UserIn, who: Principal = Depends(require_admin)):
    def go(s):
        user, generated = accounts.create_user(s, who, body.username, body.role, body.org_unit_id, body.password)
        return {"user": accounts.user_dict(user), "password": generated}
    try:
        return _run(request.app.state.store, go)
    except UserError as e:
        return _refused(e, request)


@api.patch("/users/{user_id}", summary="change a user's role and org unit", dependencies=[Depends(check_csrf)])
def update_api(request: Request, user_id: int, body: UserChange, who: Principal = Depends(require_admin)):
    try:
        return _run(request.app.state.store,
                    lambda s: accounts.user_dict(accounts.update_user(s, who, user_id, body.role, body.org_unit_id)))
    except UserError as e:
        return _refused(e, request)


@api.post("/users/{user_id}/password", summary="reset a password (a generated one is returned once)",
          dependencies=[Depends(check_csrf)])
def password_api(request: Request, user_id: int, body: PasswordIn, who: Principal = Depends(require_admin)):
    try:
        _, generated = _run(request.app.state.store, lambda s: accounts.reset_password(s, who, user_id, body.password))
        return {"password": generated}
    except UserError as e:
        return _refused(e, request)


@api.post("/users/{user_id}/deactivate", summary="deactivate a user: no sign-in, open sessions end",
          dependencies=[Depends(check_csrf)])
def deactivate_api(request: Request, user_id: int, who: Principal = Depends(require_admin)):
    try:
        return _run(request.app.state.store, lambda s: accounts.user_dict(accounts.set_active(s, who, user_id, False)))
    except UserError as e:
        return _refused(e, request)


@api.post("/users/{user_id}/activate", summary="reactivate a user", dependencies=[Depends(check_csrf)])
def activate_api(request: Request, user_id: int, who: Principal = Depends(require_admin)):
    return _run(request.app.state.store, lambda s: accounts.user_dict(accounts.set_active(s, who, user_id, True)))


router.include_router(pages)
router.include_router(api)
