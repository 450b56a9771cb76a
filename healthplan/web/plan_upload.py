"""Upload a plan document, review the extracted tables beside the source text, correct, save (规划文件上传与核对).

Pages: ``GET/POST /plan-upload`` (the form), ``GET/POST /plan-upload/{token}`` (review, check, save),
``POST /plan-upload/{token}/discard``. API: ``/api/plan-drafts`` (upload → draft JSON), ``GET`` the draft,
``PATCH`` (or ``POST …/corrections``) corrections, ``POST …/save``, ``DELETE``. Every POST, PATCH and
DELETE carries the CSRF token. Only an administrator or a region editor (for its subtree) may upload.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from . import plan_drafts as drafts
from .app import render
from .data import forbidden
from .i18n import translator
from .plan_corrections import COLUMNS, CorrectionsRejected, apply_corrections, cell_text, reading
from .security import check_csrf, require_user
from .users import Principal

pages = APIRouter(include_in_schema=False)
MESSAGES = ("pu_checked", "pu_nothing", "pu_discarded")  # the only ?msg= a page shows
api = APIRouter(prefix="/api/plan-drafts", tags=["plan upload / 规划上传"])


def _where(request: Request) -> Path:
    return drafts.folder(getattr(request.app.state, "draft_dir", None))


def _uploader(who: Principal = Depends(require_user)) -> Principal:
    if not drafts.may_upload(who):
        raise forbidden()
    return who


# --- what page and API show --------------------------------------------------------------------------

def draft_view(d: drafts.Draft) -> dict:
    """The draft as the review table shows it: one row per indicator with the parsed target."""
    rows = []
    for i, (ind, orig) in enumerate(zip(d.plan["indicators"], d.original["indicators"]), 1):
        kind, words = reading(ind)
        base = ind.get("baseline") or {}
        rows.append({"row": i, "line": ind["line"], "domain": ind.get("domain"), "name": ind["name"],
                     "unit": ind.get("unit"), "baseline": base.get("text") or "", "baseline_year": base.get("year"),
                     "baseline_inferred": bool(base.get("inferred")), "baseline_line": base.get("source_line"),
                     "target": ind["target"]["text"], "target_year": ind["target"]["year"],
                     "property": ind.get("property"), "kind": kind, "reading": words,
                     "changed": [c for c in COLUMNS if cell_text(ind, c) != cell_text(orig, c)]})
    plan = d.plan
    return {"token": d.token, "file_name": d.file_name, "region": d.unit_name, "region_code": d.unit_code,
            "title": plan.get("title"), "period": plan.get("period"), "corrected": d.corrected,
            "review_url": f"/plan-upload/{d.token}", "rows": rows, "plan": plan, "lines": d.lines}


class RowOut(BaseModel):
    row: int = Field(description="1-based row of the main-indicator table, as corrections name it")
    line: int = Field(description="source line of the row (出处行)")
    domain: str | None
    name: str
    unit: str | None
    baseline: str
    baseline_year: int | None
    baseline_inferred: bool
    baseline_line: int | None
    target: str
    target_year: int | None
    property: str | None
    kind: str = Field(description="how parse_target reads the target: threshold, relative, rate, qualitative …")
    reading: str = Field(description="the target in planners' words (系统解读)")
    changed: list[str] = Field(description="columns corrected since the upload")


class DraftOut(BaseModel):
    token: str
    file_name: str
    region: str = Field(description="the org unit the plan will be stored under")
    region_code: str | None
    title: str | None
    period: dict | None
    corrected: bool
    review_url: str
    rows: list[RowOut]
    plan: dict = Field(description="the plan JSON (docs/plan-json.md) as it will be stored")
    lines: list[str] = Field(description="the source text, one entry per line (line n is lines[n-1])")


class CorrectionIn(BaseModel):
    row: int = Field(..., ge=1, description="1-based indicator row")
    column: str = Field(..., description="domain, name, unit, baseline, target or property")
    value: str = Field(..., max_length=400)


class CorrectionsIn(BaseModel):
    corrections: list[CorrectionIn] = Field(..., min_length=1, max_length=2000)


class ProblemOut(BaseModel):
    row: int
    column: str
    value: str
    reason: str


class RejectedOut(BaseModel):
    detail: str
    problems: list[ProblemOut]


class SavedOut(BaseModel):
    plan_id: int
    version: int
    new_version: bool = Field(description="false when the same plan was stored already")
    url: str


def _rejected(e: CorrectionsRejected, lang: str) -> JSONResponse:
    detail = ("Corrections refused; nothing was changed." if lang == "en"
              else "更正被拒绝，草稿和数据库均未修改。")
    return JSONResponse({"detail": detail, "problems": [p.as_dict(lang) for p in e.problems]}, status_code=422)


def _correct(where: Path, d: drafts.Draft, corrections: list[tuple[int, str, str]]) -> drafts.Draft:
    """Apply and keep (all or nothing: CorrectionsRejected leaves the draft as it was)."""
    if corrections:
        d.plan = apply_corrections(d.plan, corrections)
        drafts.write(where, d)
    return d


# --- API ---------------------------------------------------------------------------------------------

@api.post("", status_code=201, response_model=DraftOut, dependencies=[Depends(check_csrf)],
          summary="upload a plan document (.txt/.docx/.pdf/.html) → the extracted draft to review",
          responses={403: {"description": "not an editor of the plan's region"},
                     413: {"description": "file too large"}, 422: {"description": "not readable as a plan"}})
async def api_upload(request: Request, file: UploadFile = File(...), who: Principal = Depends(_uploader)):
    data = await file.read(drafts.MAX_UPLOAD + 1)
    try:
        d = await run_in_threadpool(drafts.create, request.app.state.store, who, file.filename or "", data,
                                    _where(request))
    except drafts.UploadRejected as e:
        return JSONResponse({"detail": e.message(request.state.lang)}, status_code=e.status)
    return draft_view(d)


@api.get("/{token}", response_model=DraftOut, summary="one pending draft of the signed-in user")
def api_draft(request: Request, token: str, who: Principal = Depends(_uploader)):
    return draft_view(drafts.get(request.app.state.store, who, token, _where(request)))


def _api_correct(request: Request, token: str, body: CorrectionsIn, who: Principal):
    where = _where(request)
    d = drafts.get(request.app.state.store, who, token, where)
    try:
        d = _correct(where, d, [(c.row, c.column, c.value) for c in body.corrections])
    except CorrectionsRejected as e:
        return _rejected(e, request.state.lang)
    return draft_view(d)


@api.patch("/{token}", response_model=DraftOut, dependencies=[Depends(check_csrf)],
           summary="correct cells of the indicator table (all or nothing; targets re-parsed)",
           responses={422: {"model": RejectedOut, "description": "every refused cell; nothing applied"}})
def api_patch(request: Request, token: str, body: CorrectionsIn, who: Principal = Depends(_uploader)):
    return _api_correct(request, token, body, who)


@api.post("/{token}/corrections", response_model=DraftOut, dependencies=[Depends(check_csrf)],
          summary="correct cells (the same as PATCH, for clients without PATCH)",
          responses={422: {"model": RejectedOut, "description": "every refused cell; nothing applied"}})
def api_post_corrections(request: Request, token: str, body: CorrectionsIn, who: Principal = Depends(_uploader)):
    return _api_correct(request, token, body, who)


@api.post("/{token}/save", response_model=SavedOut, dependencies=[Depends(check_csrf)],
          summary="store the reviewed plan (a corrected plan becomes a new version); the draft is removed")
def api_save(request: Request, token: str, who: Principal = Depends(_uploader)):
    where = _where(request)
    d = drafts.get(request.app.state.store, who, token, where)
    plan_id, version, new = drafts.save(request.app.state.store, who, d, where)
    return {"plan_id": plan_id, "version": version, "new_version": new, "url": f"/plans/{plan_id}"}


@api.delete("/{token}", status_code=204, dependencies=[Depends(check_csrf)], summary="discard a draft")
def api_discard(request: Request, token: str, who: Principal = Depends(_uploader)):
    where = _where(request)
    drafts.get(request.app.state.store, who, token, where)
    drafts.discard(where, token)
    return Response(status_code=204)


# --- pages -------------------------------------------------------------------------------------------

@pages.get("/plan-upload")
def upload_page(request: Request, msg: str | None = None, who: Principal = Depends(_uploader)):
    return render(request, "plan_upload.html", {"error": None, "msg": msg if msg in MESSAGES else None})


@pages.post("/plan-upload", dependencies=[Depends(check_csrf)])
async def upload_form(request: Request, file: UploadFile | None = File(None), who: Principal = Depends(_uploader)):
    lang = request.state.lang
    if file is None or not file.filename:
        return render(request, "plan_upload.html", {"error": _choose(lang), "msg": None}, status_code=422)
    data = await file.read(drafts.MAX_UPLOAD + 1)
    try:
        d = await run_in_threadpool(drafts.create, request.app.state.store, who, file.filename, data,
                                    _where(request))
    except drafts.UploadRejected as e:
        return render(request, "plan_upload.html", {"error": e.message(lang), "msg": None}, status_code=e.status)
    except HTTPException as e:  # the plan's region: unknown (422) or not the user's (403)
        if e.status_code not in (403, 422):
            raise
        error = translator(lang)(e.detail) if e.detail == "forbidden" else e.detail
        return render(request, "plan_upload.html", {"error": error, "msg": None}, status_code=e.status_code)
    return RedirectResponse(f"/plan-upload/{d.token}", status_code=303)


def _choose(lang: str) -> str:
    return "Choose a plan document to upload." if lang == "en" else "请选择要上传的规划文件。"


@pages.get("/plan-upload/{token}")
def review_page(request: Request, token: str, msg: str | None = None, who: Principal = Depends(_uploader)):
    d = drafts.get(request.app.state.store, who, token, _where(request))
    return _review(request, d, msg=msg if msg in MESSAGES else None)


def _review(request: Request, d: drafts.Draft, *, msg=None, problems=None, typed=None, status_code=200):
    view = draft_view(d)
    lines_with_rows = {r["line"] for r in view["rows"]}
    lines_with_rows |= {p["line"] for p in view["plan"]["projects"]}
    lines_with_rows |= {r["line"] for t in view["plan"]["facility_tables"] for r in t["rows"]}
    lang = request.state.lang
    return render(request, "plan_review.html", {
        **view, "msg": msg, "problems": [p.message(lang) for p in problems or []],
        "bad": {f"c{p.row}-{p.column}" for p in problems or []}, "typed": typed or {},
        "row_lines": lines_with_rows, "columns": COLUMNS}, status_code=status_code)


@pages.post("/plan-upload/{token}", dependencies=[Depends(check_csrf)])
async def review_form(request: Request, token: str, who: Principal = Depends(_uploader)):
    """The review form: ``action=check`` keeps the corrections in the draft, ``action=save`` also stores it."""
    where, store = _where(request), request.app.state.store
    d = drafts.get(store, who, token, where)
    form = await request.form()
    typed, corrections = {}, []
    for i, ind in enumerate(d.plan["indicators"], 1):
        for col in COLUMNS:
            key = f"c{i}-{col}"
            if key in form:
                typed[key] = str(form[key])
                if " ".join(typed[key].split()) != cell_text(ind, col):
                    corrections.append((i, col, typed[key]))
    try:
        d = _correct(where, d, corrections)
    except CorrectionsRejected as e:
        return _review(request, d, problems=e.problems, typed=typed, status_code=422)
    if form.get("action") != "save":
        return RedirectResponse(f"/plan-upload/{token}?msg={'pu_checked' if corrections else 'pu_nothing'}",
                                status_code=303)
    plan_id, _version, new = await run_in_threadpool(drafts.save, store, who, d, where)
    query = urlencode({"msg": "plan_saved" if new else "plan_unchanged"})
    return RedirectResponse(f"/plans/{plan_id}?{query}", status_code=303)


@pages.post("/plan-upload/{token}/discard", dependencies=[Depends(check_csrf)])
def discard_form(request: Request, token: str, who: Principal = Depends(_uploader)):
    where = _where(request)
    drafts.get(request.app.state.store, who, token, where)
    drafts.discard(where, token)
    return RedirectResponse("/plan-upload?msg=pu_discarded", status_code=303)


router = APIRouter()
router.include_router(api)
router.include_router(pages)

__all__ = ["router", "draft_view"]
