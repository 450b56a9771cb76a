"""What the pages and the API show, read through the library with the user's scope applied.

Pages and the JSON API call the same functions; a refusal is an ``HTTPException`` (403 / 404), a value
the store refuses is 422 (``ValidationError``) and a stale version is 409 (``ConflictError``).
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from datetime import date
from pathlib import Path

from fastapi import HTTPException
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..evaluate.plans import evaluate_plan, summary
from ..store import models as m
from ..store.cache import FingerprintCache, unit_fingerprint
from ..store.exchange import ImportRejected, find_region, import_data
from ..store.exchange_files import ExchangeError, read_file
from ..store.observations import ConflictError, ValidationError, put_observation
from .users import Principal

MAX_UPLOAD = 10 * 1024 * 1024


def forbidden() -> HTTPException:
    return HTTPException(403, detail="forbidden")


def not_found() -> HTTPException:
    return HTTPException(404, detail="not_found")


# --- regions and plans ---------------------------------------------------------------------------

def regions(s: Session, who: Principal, under: int | None = None, limit: int = 1000) -> list[dict]:
    """The org-unit tree down to every unit with a plan the user may read, in tree order with depth.

    ``under``: only that unit and what lies below it. When more than ``limit`` rows would be shown (a
    province or the whole country), the tree stops at the deepest level that fits and each unit cut off
    says how many plans lie below it (``hidden_plans``), to be opened with ``under``."""
    u, pl = m.OrgUnit, m.Plan
    units = {r[0]: r for r in s.execute(select(u.id, u.parent_id, u.code, u.name, u.level))}
    plans: dict[int, list[dict]] = {}
    for row in s.execute(select(pl.id, pl.org_unit_id, pl.title, pl.period_start, pl.period_end, pl.version,
                                pl.current, pl.published).where(pl.current.is_(True))
                         .order_by(pl.period_start.desc(), pl.id)):
        if who.owns(row.org_unit_id) or row.published:
            plans.setdefault(row.org_unit_id, []).append(plan_dict(row))
    shown: set[int] = set()
    for uid in plans:
        while uid is not None and uid not in shown:
            shown.add(uid)
            uid = units[uid][1]
    children: dict[int | None, list[tuple]] = {}
    for uid in shown:
        children.setdefault(units[uid][1], []).append(units[uid])
    below: dict[int, int] = {}  # plans in the subtree of each shown unit

    def count(uid: int) -> int:
        below[uid] = len(plans.get(uid, ())) + sum(count(c[0]) for c in children.get(uid, ()))
        return below[uid]

    roots = [units[under]] if under in shown else ([] if under is not None else children.get(None, []))
    for r in roots:
        count(r[0])
    out: list[dict] = []

    def walk(level_units: list[tuple], depth: int) -> None:
        for uid, parent, code, name, level in sorted(level_units, key=lambda x: (x[2] or "", x[3])):
            out.append({"id": uid, "code": code, "name": name, "level": level, "parent_id": parent, "depth": depth,
                        "own": who.owns(uid), "writable": who.can_write(uid), "plans": plans.get(uid, []),
                        "hidden_plans": 0})
            walk(children.get(uid, []), depth + 1)

    walk(roots, 0)
    if len(out) > limit:  # keep the levels that fit; the cut units say what they hide
        depths = sorted({r["depth"] for r in out})
        keep = depths[0]
        for d in depths:
            if sum(1 for r in out if r["depth"] <= d) <= limit:
                keep = d
        out = [r for r in out if r["depth"] <= keep]
        for r in out:
            if r["depth"] == keep:
                r["hidden_plans"] = below[r["id"]] - len(r["plans"])
    return out


def plan_dict(p) -> dict:
    """A plan (the ORM object, or a row with the same column names) as the pages and the API give it."""
    return {"id": p.id, "org_unit_id": p.org_unit_id, "title": p.title, "period_start": p.period_start,
            "period_end": p.period_end, "version": p.version, "current": p.current, "published": p.published}


def readable_plan(s: Session, who: Principal, plan_id: int) -> m.Plan:
    plan = s.get(m.Plan, plan_id)
    if plan is None:
        raise not_found()
    if not who.can_read_plan(plan):
        raise forbidden()
    return plan


def writable_plan(store, who: Principal, plan_id: int) -> m.Plan:
    """The plan, when the user may read it and write its region (404 / 403 otherwise)."""
    with store.session() as s:
        plan = readable_plan(s, who, plan_id)
    if not who.can_write(plan.org_unit_id):
        raise forbidden()
    return plan


def default_year(s: Session, plan: m.Plan) -> int:
    """The latest year within the plan period with a figure for the unit, else the year before last."""
    years = s.scalars(select(m.Observation.year).where(m.Observation.org_unit_id == plan.org_unit_id,
                                                       m.Observation.year <= plan.period_end,
                                                       m.Observation.year >= plan.period_start)
                      .order_by(m.Observation.year.desc())).first()
    if years:
        return years
    return max(plan.period_start, min(date.today().year - 1, plan.period_end))


def check_year(plan: m.Plan, year: int) -> int:
    if not plan.period_start - 10 <= year <= plan.period_end + 10:
        raise HTTPException(422, detail=f"年份{year}不在规划期附近（{plan.period_start}–{plan.period_end}）。")
    return year


EVALUATIONS = FingerprintCache(maxsize=int(os.environ.get("HEALTHPLAN_CACHE_SIZE", "512")))  # 0: no cache


def evaluation(s: Session, plan: m.Plan, year: int, domain: str | None = None,
               prop: str | None = None) -> dict:
    """The plan evaluated in ``year``: rows (binding first), counts, filters and edit versions.

    Cached per plan, year and filters while the unit's figures are unchanged (see ``store.cache``)."""
    key = (plan.id, year, domain or "", prop or "")
    fingerprint = (*unit_fingerprint(s, plan.org_unit_id), plan.current, plan.published, plan.title)
    return EVALUATIONS.get_or_compute(s, key, fingerprint, lambda: _evaluation(s, plan, year, domain, prop))


def evaluation_json(s: Session, plan: m.Plan, year: int, domain: str | None = None,
                    prop: str | None = None) -> bytes:
    """:func:`evaluation` as UTF-8 JSON, serialised once per cached result."""
    ev = evaluation(s, plan, year, domain, prop)
    body = ev.get("_json")
    if body is None:
        body = ev["_json"] = json.dumps({k: v for k, v in ev.items() if k != "_json"}, ensure_ascii=False,
                                        separators=(",", ":")).encode("utf-8")
    return body


def _evaluation(s: Session, plan: m.Plan, year: int, domain: str | None, prop: str | None) -> dict:
    rows = evaluate_plan(s, plan.id, year)
    domains = sorted({r.domain for r in rows if r.domain})
    shown = [r for r in rows if (not domain or r.domain == domain) and (not prop or r.property == prop)]
    targets = dict(s.execute(select(m.Target.id, m.Target.indicator_id).where(m.Target.plan_id == plan.id)).all())
    o = m.Observation
    figures = {ind: (value, version, example, derived) for ind, value, version, example, derived in s.execute(
        select(o.indicator_id, o.value, o.version, o.example, o.derived)
        .where(o.org_unit_id == plan.org_unit_id, o.facility_id.is_(None), o.period == str(year)))}
    out = []
    for r in shown:
        ind = targets[r.target_id]
        value, version, example, derived = figures.get(ind, (None, 0, False, False))
        out.append({**r.model_dump(mode="json"), "indicator_id": ind, "year_value": value, "year_version": version,
                    "year_example": bool(example), "year_derived": bool(derived)})
    return {"plan": plan_dict(plan), "org_unit": {"id": plan.org_unit_id, "name": plan.org_unit.name},
            "year": year, "rows": out, "summary": summary(shown), "domains": domains,
            "example": any(r["example"] or r["year_example"] for r in out)}


def series(s: Session, who: Principal, plan: m.Plan, target_id: int) -> dict:
    """One indicator of the plan: every yearly figure, the straight-line path, and the audit history."""
    t = s.get(m.Target, target_id)
    if t is None or t.plan_id != plan.id:
        raise not_found()
    obs = s.scalars(select(m.Observation).where(m.Observation.org_unit_id == t.org_unit_id,
                                                m.Observation.indicator_id == t.indicator_id,
                                                m.Observation.facility_id.is_(None))
                    .order_by(m.Observation.year, m.Observation.period)).all()
    yearly = [o for o in obs if o.period == str(o.year)]
    row = next((r for r in evaluate_plan(s, plan.id, plan.period_end) if r.target_id == t.id), None)
    ev = row.evaluation if row else None
    path = []
    if ev is not None and t.baseline_value is not None and t.baseline_year and ev.target_value is not None:
        path = [[t.baseline_year, t.baseline_value], [t.target_year, ev.target_value]]
    history = []
    if obs:
        logs = s.scalars(select(m.AuditLog).where(m.AuditLog.entity == "observation",
                                                  m.AuditLog.entity_id.in_([o.id for o in obs]))
                         .order_by(m.AuditLog.at.desc(), m.AuditLog.id.desc()).limit(200)).all()
        for a in logs:
            history.append({"at": a.at.isoformat() if a.at else None, "user": a.user, "action": a.action,
                            "period": (a.new or a.old or {}).get("period"),
                            "old": (a.old or {}).get("value"), "new": (a.new or {}).get("value"),
                            "source_file": a.source_file})
    return {"plan": plan_dict(plan), "org_unit": {"id": t.org_unit_id, "name": plan.org_unit.name},
            "target": {"id": t.id, "indicator_id": t.indicator_id, "code": t.indicator.code, "name": t.name_in_plan,
                       "unit": t.unit_in_plan or t.indicator.unit, "property": t.property, "domain": t.domain,
                       "baseline_year": t.baseline_year, "baseline": t.baseline_value,
                       "baseline_text": t.baseline_text, "target_year": t.target_year,
                       "target_text": t.target_text, "target_value": ev.target_value if ev else None},
            "observations": [{"period": o.period, "year": o.year, "value": o.value, "version": o.version,
                              "example": o.example, "derived": o.derived, "source": o.source,
                              "updated_by": o.updated_by} for o in yearly],
            "path": path, "history": history, "writable": who.can_write(t.org_unit_id),
            "example": any(o.example for o in yearly)}


# --- writing -------------------------------------------------------------------------------------

def put_value(s: Session, who: Principal, org_unit_id: int, indicator_id: int, period: str, value: float,
              version: int | None, source: str | None = None) -> m.Observation:
    """One figure, written only inside the user's scope and only over the version the user read.

    ``version`` 0 means "there was no value": a figure someone else entered meanwhile is a conflict.
    """
    if s.get(m.OrgUnit, org_unit_id) is None:
        raise not_found()
    if not who.can_write(org_unit_id):
        raise forbidden()
    obs = put_observation(s, org_unit_id, indicator_id, period, value, user=who.username,
                          source=source or "网页填报", expected_version=version)
    return obs


def template_region(s: Session, meta: dict) -> m.OrgUnit:
    code, name = meta.get("org_unit_code"), meta.get("org_unit")
    return find_region(s, str(code or name or ""))


def upload(store, who: Principal, plan: m.Plan, filename: str, data: bytes):
    """Import a filled-in data template of a region the user may write; ImportRejected lists every bad cell."""
    if len(data) > MAX_UPLOAD:
        raise HTTPException(413, detail="文件过大（上限10 MB）。")
    name = Path(filename or "upload.xlsx").name
    if not name.lower().endswith(".xlsx"):
        raise HTTPException(422, detail="请上传由本系统生成的 .xlsx 填报模板。")
    with tempfile.TemporaryDirectory(prefix="healthplan-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        inc = read_file(path)  # raises ImportRejected for an unreadable file
        if inc.format != "template":
            raise HTTPException(422, detail="网页只接受本系统生成的填报模板（含隐藏信息页）；其他格式请用命令行导入。")
        with store.session() as s:
            try:
                unit = template_region(s, inc.meta)
            except ExchangeError as e:
                raise HTTPException(422, detail=e.message()) from e
            if not who.can_write(unit.id):
                raise forbidden()
        return import_data(store, path, user=who.username)


def region_key(plan: m.Plan) -> str:
    """How the library's region look-ups name the plan's unit (its code, else its name)."""
    return plan.org_unit.code or plan.org_unit.name


def template_bytes(store, region: str, year: int) -> bytes:
    from ..store.exchange import make_template

    return make_template(store, region, year)


REPORT_FORMATS = {  # format → (file suffix, media type)
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "pdf": ("pdf", "application/pdf"),
    "html": ("html", "text/html; charset=utf-8"),
    "md": ("md", "text/markdown; charset=utf-8"),
}


def report_bytes(store, region: str, year: int, kind: str, fmt: str = "docx") -> bytes:
    from ..reports import render_report

    body = render_report(store, region, year, kind, fmt)
    return body.encode("utf-8") if isinstance(body, str) else body


FINDINGS = FingerprintCache(maxsize=256)


def findings(s: Session, plan: m.Plan) -> list[dict]:
    """The plan audit (数据一致性核查) of the stored plan: errors first. A stored plan never changes (a
    correction is a new version), so the result is cached by plan id."""
    from ..checks import audit_plan
    from ..plan import Plan as PlanDoc

    def run() -> list[dict]:
        try:
            doc = PlanDoc.model_validate(plan.document)
        except ValueError:  # a plan stored without its document (synthetic data)
            return []
        return [f.model_dump(mode="json") for f in audit_plan(doc)]

    return FINDINGS.get_or_compute(s, plan.id, (plan.id, plan.file_sha256), run)


__all__ = ["regions", "readable_plan", "evaluation", "series", "put_value", "upload", "ConflictError",
           "ValidationError", "ImportRejected", "io"]
