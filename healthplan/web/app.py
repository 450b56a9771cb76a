"""The web app factory: pages (Jinja2, server-rendered) and the JSON API on one store.

Everything the browser loads comes from this app (ECharts is in ``static/``); the Content-Security-Policy
forbids any other origin, so a page cannot reach a CDN even by mistake.
"""

from __future__ import annotations

import os
import secrets
from importlib import resources
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from ..evaluate import STATUS_ZH
from .i18n import pick_lang, translator
from .security import LoginLimiter, LoginRequired, StoreLoginLimiter, csrf_token, current_user

HERE = resources.files("healthplan") / "web"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")


def create_app(store, secret_key: str | None = None, *, secure_cookies: bool | None = None,
               login_limit: int = 5, login_window: float = 300.0, shared_login_limit: bool = False) -> FastAPI:
    """The app on ``store``. ``secret_key`` signs the session cookie (default ``HEALTHPLAN_SECRET_KEY``,
    else a random key: sessions then end when the server restarts). ``secure_cookies``: send the cookie only
    over HTTPS (default ``HEALTHPLAN_SECURE_COOKIES=1``; switch it on behind TLS). ``shared_login_limit``:
    count failed sign-ins in the database, shared by every server process (``healthplan serve`` does)."""
    from . import admin, api, pages, plan_upload, planning

    secret_key = secret_key or os.environ.get("HEALTHPLAN_SECRET_KEY") or secrets.token_urlsafe(48)
    if secure_cookies is None:
        secure_cookies = os.environ.get("HEALTHPLAN_SECURE_COOKIES") == "1"
    # no /docs or /redoc: FastAPI's Swagger UI loads from a CDN; /openapi.json documents the API
    app = FastAPI(title="healthplan", version="0.1.0", docs_url=None, redoc_url=None,
                  description="卫生健康规划监测 API：地区、规划、年度评估、指标序列、数据填报、模板导入、报告下载。"
                              "登录后使用会话 Cookie；每个 POST 须带 X-CSRF-Token 请求头（令牌见 GET /api/me）。")
    app.state.store = store
    app.state.limiter = (StoreLoginLimiter(store, login_limit, login_window) if shared_login_limit
                         else LoginLimiter(login_limit, login_window))
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["status_zh"] = STATUS_ZH
    app.state.templates = templates

    app.add_middleware(HeadersMiddleware, secure_cookies=secure_cookies)

    # added last = outermost: the session is there for the middleware above and every route
    app.add_middleware(SessionMiddleware, secret_key=secret_key, session_cookie="healthplan_session",
                       max_age=12 * 3600, same_site="lax", https_only=secure_cookies)

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(plan_upload.router)  # 规划上传与核对: pages and /api/plan-drafts
    app.include_router(planning.router)  # 地区比较、资源规划: pages and /api twins
    app.include_router(admin.router)  # 用户管理

    def is_api(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired):
        if is_api(request):
            return JSONResponse({"detail": "not signed in / 未登录"}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        t = translator(request.state.lang)
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        message = t(detail) if detail in ("forbidden", "not_found", "csrf") else detail
        if is_api(request):
            return JSONResponse({"detail": message}, status_code=exc.status_code, headers=exc.headers)
        return render(request, "error.html", {"message": message, "code": exc.status_code},
                      status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        if is_api(request):
            return JSONResponse({"detail": exc.errors()}, status_code=422)
        return render(request, "error.html", {"message": "请求参数不正确。 / Bad request.", "code": 422},
                      status_code=422)

    return app


class HeadersMiddleware:
    """Security headers on every response, the page language (``?lang=`` remembered in a cookie) in
    ``request.state.lang``. Plain ASGI: cheaper per request than ``@app.middleware("http")``."""

    HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
               (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"DENY")]

    def __init__(self, app, secure_cookies: bool = False):
        self.app = app
        self.secure_cookies = secure_cookies

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope)
        lang_q = request.query_params.get("lang")
        scope.setdefault("state", {})["lang"] = pick_lang(lang_q, request.cookies.get("lang"))
        static = scope["path"].startswith("/static/")
        cookie = None
        if lang_q in ("zh", "en"):
            cookie = (f"lang={lang_q}; Max-Age={365 * 86400}; Path=/; HttpOnly; SameSite=lax"
                      + ("; Secure" if self.secure_cookies else "")).encode()

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                have = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in self.HEADERS if k not in have]
                if not static and b"cache-control" not in have:
                    headers.append((b"cache-control", b"no-store"))
                if cookie:
                    headers.append((b"set-cookie", cookie))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def render(request: Request, name: str, context: dict, status_code: int = 200):
    lang = getattr(request.state, "lang", "zh")
    ctx = {"t": translator(lang), "lang": lang, "user": current_user(request), "csrf": csrf_token(request),
           "path": request.url.path, "query": request.url.query, **context}
    return request.app.state.templates.TemplateResponse(request, name, ctx, status_code=status_code)
