"""The JSON API (``/api``, documented at ``/docs`` and ``/openapi.json``): what the pages do, as data.

Sign in through ``/login`` (the session cookie); every POST carries the ``X-CSRF-Token`` header whose
value ``GET /api/me`` returns. Refusals: 401 not signed in, 403 outside the user's scope or CSRF,
404 unknown, 409 stale version, 422 a value or file the store refuses (with every bad cell).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from ..reports import KINDS
from . import data
from .security import check_csrf, csrf_token, require_user, require_user_in
from .users import Principal

router = APIRouter(prefix="/api", tags=["api"])


class ValueIn(BaseModel):
    org_unit_id: int
    indicator_id: int
    period: str = Field(..., max_length=8, examples=["2023"])
    value: float
    version: int = Field(0, description="the version read (0: there was no value); a stale one gives 409")
    source: str | None = Field(None, max_length=300)


@router.get("/me", summary="the signed-in user, its scope and the CSRF token")
def me(request: Request, who: Principal = Depends(require_user)):
    return {"username": who.username, "role": who.role, "org_unit_id": who.org_unit_id,
            "org_unit": who.org_unit_name, "csrf_token": csrf_token(request)}


@router.get("/regions", summary="the org-unit tree with the plans the user may read")
def regions(request: Request, under: int | None = None, limit: int = Query(1000, ge=1, le=100_000),
            who: Principal = Depends(require_user)):
    """Tree order with depth; ``under`` restricts to one unit's subtree; beyond ``limit`` rows the tree stops
    at the deepest level that fits and each unit cut off gives ``hidden_plans`` (open it with ``under``)."""
    with request.app.state.store.session() as s:
        return data.regions(s, who, under, limit)


@router.get("/plans/{plan_id}", summary="one plan")
def plan(request: Request, plan_id: int, who: Principal = Depends(require_user)):
    with request.app.state.store.session() as s:
        p = data.readable_plan(s, who, plan_id)
        return {**data.plan_dict(p), "org_unit": {"id": p.org_unit_id, "name": p.org_unit.name},
                "writable": who.can_write(p.org_unit_id)}


@router.get("/plans/{plan_id}/evaluation", summary="the plan evaluated in a year (binding indicators first)")
async def evaluation(request: Request, plan_id: int, year: int | None = None, domain: str | None = None,
                     property: str | None = None):
    """The plan page's data (signed in: 401 otherwise). Runs on the event loop with one database session
    for the whole request: almost always a cached result checked by a few indexed reads (see
    ``store.cache``), cheaper than handing the request to a worker thread or a second connection."""
    with request.app.state.store.session() as s:
        who = require_user_in(request, s)
        p = data.readable_plan(s, who, plan_id)
        year = data.check_year(p, year) if year else data.default_year(s, p)
        return Response(data.evaluation_json(s, p, year, domain, property), media_type="application/json")


@router.get("/plans/{plan_id}/targets/{target_id}/series",
            summary="one indicator: yearly figures, path to target, audit history")
def series(request: Request, plan_id: int, target_id: int, who: Principal = Depends(require_user)):
    with request.app.state.store.session() as s:
        p = data.readable_plan(s, who, plan_id)
        return data.series(s, who, p, target_id)


@router.post("/values", summary="write one figure (optimistic version)", dependencies=[Depends(check_csrf)])
def put_value(request: Request, body: ValueIn, who: Principal = Depends(require_user)):
    try:
        with request.app.state.store.session() as s:
            obs = data.put_value(s, who, body.org_unit_id, body.indicator_id, body.period, body.value,
                                 body.version, body.source)
            out = {"org_unit_id": obs.org_unit_id, "indicator_id": obs.indicator_id, "period": obs.period,
                   "value": obs.value, "version": obs.version}
    except data.ConflictError as e:
        return JSONResponse({"detail": e.message(), "conflict": True}, status_code=409)
    except data.ValidationError as e:
        return JSONResponse({"detail": e.message()}, status_code=422)
    return out


@router.post("/plans/{plan_id}/upload", summary="import a filled-in data template (.xlsx), all or nothing",
             dependencies=[Depends(check_csrf)])
async def upload(request: Request, plan_id: int, file: UploadFile = File(...), who: Principal = Depends(require_user)):
    content = await file.read(data.MAX_UPLOAD + 1)
    store = request.app.state.store
    p = data.writable_plan(store, who, plan_id)
    try:
        r = data.upload(store, who, p, file.filename or "upload.xlsx", content)
    except data.ImportRejected as e:
        return JSONResponse({"detail": e.message(), "problems": [
            {"sheet": x.sheet, "row": x.row, "column": x.column, "value": None if x.value is None else str(x.value),
             "reason": x.reason} for x in e.problems]}, status_code=422)
    return {"import_id": r.import_id, "rows": r.rows, "inserted": r.inserted, "updated": r.updated,
            "unchanged": r.unchanged, "warnings": r.warnings}


@router.get("/plans/{plan_id}/report", summary="the evaluation report as .docx, .pdf, .html or .md")
def report(request: Request, plan_id: int, year: int, kind: str = "monitoring", format: str = "docx",
           who: Principal = Depends(require_user)) -> Response:
    from .pages import plan_report

    if kind not in KINDS or format not in data.REPORT_FORMATS:
        return JSONResponse({"detail": f"kind: {', '.join(KINDS)}; format: {', '.join(data.REPORT_FORMATS)}"},
                            status_code=422)
    return plan_report(request, plan_id, year, kind, who, format)


@router.get("/plans/{plan_id}/findings", summary="the plan audit: inconsistent figures in the plan document")
def findings(request: Request, plan_id: int, who: Principal = Depends(require_user)):
    with request.app.state.store.session() as s:
        return data.findings(s, data.readable_plan(s, who, plan_id))
