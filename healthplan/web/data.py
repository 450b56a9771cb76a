"""What the pages and the API show, read through the library with the user's scope applied.

Pages and the JSON API call the same functions; a refusal is an ``HTTPException`` (403 / 404), a value
the store refuses is 422 (``ValidationError``) and a stale version is 409 (``ConflictError``).
"""

from __future__ import annotations

import io
import tempfile
from datetime import date
from pathlib import Path

from fastapi import HTTPException
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..evaluate.plans import evaluate_plan, summary
from ..store import models as m
from ..store.exchange import ImportRejected, find_region, import_data
from ..store.exchange_files import ExchangeError, read_file
from ..store.observations import ConflictError, ValidationError, find_observation, put_observation
from .users import Principal

MAX_UPLOAD = 10 * 1024 * 1024


def forbidden() -> HTTPException:
    return HTTPException(403, detail="forbidden")


def not_found() -> HTTPException:
    return HTTPException(404, detail="not_found")


# --- regions and plans ---------------------------------------------------------------------------

def regions(s: Session, who: Principal) -> list[dict]:
    """The org-unit tree down to every unit with a plan the user may read, in tree order with depth."""
    units = {u.id: u for u in s.scalars(select(m.OrgUnit))}
    plans: dict[int, list[m.Plan]] = {}
    for p in s.scalars(select(m.Plan).where(m.Plan.current.is_(True)).order_by(m.Plan.period_start.desc())):
        if who.can_read_plan(p):
            plans.setdefault(p.org_unit_id, []).append(p)
    shown: set[int] = set()
    for uid in plans:
        while uid is not None and uid not in shown:
            shown.add(uid)
            uid = units[uid].parent_id
    children: dict[int | None, list[m.OrgUnit]] = {}
    for uid in shown:
        children.setdefault(units[uid].parent_id, []).append(units[uid])
    out: list[dict] = []

    def walk(parent: int | None, depth: int) -> None:
        for u in sorted(children.get(parent, []), key=lambda u: (u.code or "", u.name)):
            out.append({"id": u.id, "code": u.code, "name": u.name, "level": u.level, "parent_id": u.parent_id,
                        "depth": depth, "own": who.owns(u.id), "writable": who.can_write(u.id),
                        "plans": [plan_dict(p) for p in plans.get(u.id, [])]})
            walk(u.id, depth + 1)

    walk(None, 0)
    return out


def plan_dict(p: m.Plan) -> dict:
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


def evaluation(s: Session, plan: m.Plan, year: int, domain: str | None = None,
               prop: str | None = None) -> dict:
    """The plan evaluated in ``year``: rows (binding first), counts, filters and edit versions."""
    rows = evaluate_plan(s, plan.id, year)
    domains = sorted({r.domain for r in rows if r.domain})
    shown = [r for r in rows if (not domain or r.domain == domain) and (not prop or r.property == prop)]
    targets = {t.id: t for t in s.scalars(select(m.Target).where(m.Target.plan_id == plan.id))}
    out = []
    for r in shown:
        t = targets[r.target_id]
        obs = find_observation(s, plan.org_unit_id, t.indicator_id, str(year))
        out.append({**r.model_dump(mode="json"), "indicator_id": t.indicator_id,
                    "year_value": obs.value if obs else None, "year_version": obs.version if obs else 0,
                    "year_example": bool(obs and obs.example), "year_derived": bool(obs and obs.derived)})
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


def report_bytes(store, region: str, year: int, kind: str) -> bytes:
    from ..reports import render_report

    return render_report(store, region, year, kind, "docx")


__all__ = ["regions", "readable_plan", "evaluation", "series", "put_value", "upload", "ConflictError",
           "ValidationError", "ImportRejected", "io"]
