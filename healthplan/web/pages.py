"""Server-rendered pages: login, regions, plan, indicator, data entry, upload, downloads."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from ..reports import KINDS
from . import data
from .app import render
from .security import check_csrf, client_ip, current_user, require_user, sign_in
from .users import ROLE_ZH, Principal, authenticate

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never ``//host`` or ``http://…``)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login")
def login_page(request: Request, next: str = "/"):
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login", dependencies=[Depends(check_csrf)])
def login(request: Request, username: str = Form(..., max_length=100), password: str = Form(..., max_length=200),
          next: str = Form("/")):
    limiter = request.app.state.limiter
    ip = client_ip(request)
    t_ctx = {"next": _safe_next(next)}
    if limiter.blocked(username, ip):
        return render(request, "login.html", {**t_ctx, "error": "too_many"}, status_code=429)
    with request.app.state.store.session() as s:
        user = authenticate(s, username, password)
        uid, epoch = (user.id, user.session_epoch or 0) if user else (None, 0)
    if uid is None:
        limiter.failed(username, ip)
        return render(request, "login.html", {**t_ctx, "error": "bad_login"}, status_code=401)
    limiter.succeeded(username, ip)
    sign_in(request, uid, epoch)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request):
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def regions_page(request: Request, under: int | None = None, who: Principal = Depends(require_user)):
    with request.app.state.store.session() as s:
        tree = data.regions(s, who, under)
    return render(request, "regions.html", {"tree": tree, "role_zh": ROLE_ZH, "under": under})


def _plan_url(plan_id: int, **params) -> str:
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return f"/plans/{plan_id}" + (f"?{urlencode(params)}" if params else "")


@router.get("/plans/{plan_id}")
def plan_page(request: Request, plan_id: int, year: int | None = None, domain: str | None = None,
              prop: str | None = None, msg: str | None = None, err: str | None = None,
              who: Principal = Depends(require_user)):
    with request.app.state.store.session() as s:
        plan = data.readable_plan(s, who, plan_id)
        year = data.check_year(plan, year) if year else data.default_year(s, plan)
        ev = data.evaluation(s, plan, year, domain or None, prop or None)
        writable = who.can_write(plan.org_unit_id)
        findings = data.findings(s, plan)
    years = list(range(plan.period_start, plan.period_end + 1))
    return render(request, "plan.html", {**ev, "years": years, "domain": domain or "", "prop": prop or "",
                                         "writable": writable, "msg": msg, "err": err, "kinds": KINDS,
                                         "problems": None, "findings": findings,
                                         "formats": list(data.REPORT_FORMATS)})


@router.post("/plans/{plan_id}/values", dependencies=[Depends(check_csrf)])
def plan_value(request: Request, plan_id: int, indicator_id: int = Form(...), year: int = Form(...),
               value: str = Form(..., max_length=40), version: int = Form(0), back: str = Form(""),
               who: Principal = Depends(require_user)):
    """Inline edit: a value written over the version the page showed (0: there was none)."""
    msg = err = None
    try:
        number = float(value.strip().replace(",", ""))
    except ValueError:
        number = None
        err = f"“{value}”不是数值。 / Not a number."
    if number is not None:
        try:
            with request.app.state.store.session() as s:
                plan = data.readable_plan(s, who, plan_id)
                data.check_year(plan, year)
                data.put_value(s, who, plan.org_unit_id, indicator_id, str(year), number, version)
            msg = "saved"
        except (data.ConflictError, data.ValidationError) as e:
            err = e.message()
    target = _safe_next(back) if back else _plan_url(plan_id, year=year)
    sep = "&" if "?" in target else "?"
    extra = f"msg={msg}" if msg else f"err={quote(err or '')}"
    return RedirectResponse(f"{target}{sep}{extra}", status_code=303)


@router.get("/plans/{plan_id}/targets/{target_id}")
def indicator_page(request: Request, plan_id: int, target_id: int, msg: str | None = None, err: str | None = None,
                   who: Principal = Depends(require_user)):
    with request.app.state.store.session() as s:
        plan = data.readable_plan(s, who, plan_id)
        sr = data.series(s, who, plan, target_id)
    years = list(range((sr["target"]["baseline_year"] or plan.period_start - 1) + 1, plan.period_end + 1))
    have = {o["year"]: o for o in sr["observations"]}
    entry = [{"year": y, "value": have[y]["value"] if y in have else None,
              "version": have[y]["version"] if y in have else 0} for y in years]
    chart = {"observed": [[o["year"], o["value"]] for o in sr["observations"]], "path": sr["path"],
             "target_year": sr["target"]["target_year"], "target_value": sr["target"]["target_value"]}
    return render(request, "indicator.html", {**sr, "entry": entry, "chart": chart, "msg": msg, "err": err})


@router.post("/plans/{plan_id}/upload", dependencies=[Depends(check_csrf)])
async def plan_upload(request: Request, plan_id: int, file: UploadFile, year: int | None = Form(None),
                      who: Principal = Depends(require_user)):
    content = await file.read(data.MAX_UPLOAD + 1)
    store = request.app.state.store
    plan = data.writable_plan(store, who, plan_id)
    problems = None
    try:
        result = data.upload(store, who, plan, file.filename or "upload.xlsx", content)
    except data.ImportRejected as e:
        problems = e.problems
    else:
        return RedirectResponse(_plan_url(plan_id, year=year, msg=f"import:{result.inserted}:{result.updated}:"
                                                                  f"{result.unchanged}"), status_code=303)
    with store.session() as s:
        plan = data.readable_plan(s, who, plan_id)
        year = year or data.default_year(s, plan)
        ev = data.evaluation(s, plan, year)
        findings = data.findings(s, plan)
    return render(request, "plan.html", {**ev, "years": list(range(plan.period_start, plan.period_end + 1)),
                                         "domain": "", "prop": "", "writable": True, "msg": None, "err": None,
                                         "kinds": KINDS, "problems": problems, "findings": findings,
                                         "formats": list(data.REPORT_FORMATS)}, status_code=422)


@router.get("/plans/{plan_id}/template.xlsx")
def plan_template(request: Request, plan_id: int, year: int, who: Principal = Depends(require_user)):
    store = request.app.state.store
    with store.session() as s:
        plan = data.readable_plan(s, who, plan_id)
        if not who.can_write(plan.org_unit_id):
            raise data.forbidden()
        data.check_year(plan, year)
        region, name = data.region_key(plan), plan.org_unit.name
    body = data.template_bytes(store, region, year)
    return _download(body, f"{name}_{year}年填报模板.xlsx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@router.get("/plans/{plan_id}/report.docx")
def plan_report(request: Request, plan_id: int, year: int, kind: str = "monitoring",
                who: Principal = Depends(require_user), format: str = "docx"):
    """The evaluation report of the plan's region in a year, as Word (default), PDF, HTML or Markdown."""
    if kind not in KINDS:
        raise HTTPException(422, detail=f"报告类型应为 {'、'.join(KINDS)}。")
    if format not in data.REPORT_FORMATS:
        raise HTTPException(422, detail=f"报告格式应为 {'、'.join(data.REPORT_FORMATS)}。")
    store = request.app.state.store
    with store.session() as s:
        plan = data.readable_plan(s, who, plan_id)
        data.check_year(plan, year)
        region, name = data.region_key(plan), plan.org_unit.name
    body = data.report_bytes(store, region, year, kind, format)
    suffix, media_type = data.REPORT_FORMATS[format]
    return _download(body, f"{name}_{kind}_{year}.{suffix}", media_type)


@router.get("/plans/{plan_id}/report")
def plan_report_any(request: Request, plan_id: int, year: int, kind: str = "monitoring", format: str = "docx",
                    who: Principal = Depends(require_user)):
    return plan_report(request, plan_id, year, kind, who, format)


def _download(body: bytes, filename: str, media_type: str) -> Response:
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(body, media_type=media_type, headers={"Content-Disposition": disposition})


__all__ = ["router", "current_user"]
