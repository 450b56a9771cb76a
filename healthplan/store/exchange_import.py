"""Import and undo (数据导入与撤销): every cell checked before anything is written; all or nothing.

``import_data`` reads a file (``exchange_files``), checks every row (``exchange_check``) and either raises
one ``ImportRejected`` carrying every bad cell, or writes everything in one transaction as one
``ImportBatch``: the org units, plan-local indicators and facilities the file brings, then populations and
figures set-based (``exchange_write``: the rules of ``put_observation``, audited with the batch and the
file), then project progress. Per-capita values are derived once all figures are in, and what that changes
is audited with the batch too, so that ``undo_import`` can restore the state before the import exactly.

``import_rowwise`` is the former path, figure by figure through ``put_observation``: the reference the
set-based one is tested against, and the benchmark's baseline.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Date, DateTime, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..ingest.region import REGION_DATA
from . import Store
from . import models as m
from .audit import record, snapshot
from .exchange_check import _Context, check_all
from .exchange_files import ExchangeError, ImportRejected, Problem, read_file
from .exchange_write import BulkWriter
from .observations import derive_per_capita, find_observation, put_observation
from .plans import sync_catalog

MODELS = {"observation": m.Observation, "population": m.Population, "org_unit": m.OrgUnit,
          "facility": m.Facility, "indicator": m.Indicator, "disagreement": m.Disagreement,
          "project_progress": m.ProjectProgress}
VOLATILE = {"created_at", "updated_at", "at", "undone_at", "version"}  # not compared when checking for changes


@dataclass
class ImportResult:
    import_id: int
    file: str
    format: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    created: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # read, check, write, commit


@dataclass
class UndoResult:
    import_id: int
    deleted: int = 0
    restored: int = 0


# --- writing ------------------------------------------------------------------------------------

def import_data(store: Store, path: Path | str, user: str = "system") -> ImportResult:
    """Check the whole file, then write it in one transaction as one import batch; or raise ImportRejected."""
    started = time.perf_counter()
    inc = read_file(Path(path))
    read = time.perf_counter()
    with store.session() as s:
        ctx = _checked(s, inc)
        checked = time.perf_counter()
        result = _apply(s, ctx, user)
        written = time.perf_counter()
    done = time.perf_counter()
    result.seconds = {"read": read - started, "check": checked - read, "write": written - checked,
                      "commit": done - written}
    return result


def import_rowwise(store: Store, path: Path | str, user: str = "system", keep: bool = True) -> ImportResult:
    """The former path, figure by figure through ``put_observation`` (a reference for tests and benchmarks).

    ``keep=False``: everything is rolled back at the end (a timing that leaves the store as it was).
    """
    started = time.perf_counter()
    inc = read_file(Path(path))
    read = time.perf_counter()
    with store.sessions() as s:  # closing the session without a commit rolls it back
        ctx = _checked(s, inc)
        checked = time.perf_counter()
        result = _apply_rowwise(s, ctx, user)
        written = time.perf_counter()
        if keep:
            s.commit()
    done = time.perf_counter()
    result.seconds = {"read": read - started, "check": checked - read, "write": written - checked,
                      "commit": done - written}
    return result


def _checked(s: Session, inc) -> _Context:
    ctx = _Context(s, inc)
    check_all(ctx)
    if inc.problems:
        raise ImportRejected(inc.sorted_problems(), inc.file)
    if not any((ctx.plan.observations, ctx.plan.populations, ctx.plan.progress, ctx.plan.units,
                ctx.plan.facilities, ctx.plan.indicators)):
        raise ImportRejected([Problem("", None, "", None, "文件中没有可导入的数据（模板中的数值列是空的？）")],
                             inc.file)
    return ctx


class _Writer:
    def __init__(self, s: Session, ctx: _Context, batch: m.ImportBatch, user: str):
        self.s, self.ctx, self.batch, self.user = s, ctx, batch, user
        self.result = ImportResult(batch.id, batch.file_name, batch.format, warnings=list(ctx.inc.warnings))
        self.units: dict[tuple, int] = {}

    def audit(self, action: str, obj, old: dict | None = None) -> None:
        record(self.s, self.user, action, obj, old=old, source_file=self.batch.file_name, import_id=self.batch.id)

    def created(self, kind: str, obj) -> None:
        self.audit("insert", obj)
        self.result.created[kind] = self.result.created.get(kind, 0) + 1

    def unit_id(self, ref: tuple) -> int | None:
        kind, key = ref
        if kind == "none":
            return None
        if kind == "db":
            return key
        if ref not in self.units:
            assert kind == "region", ref
            self.units[ref] = self.region(key)
        return self.units[ref]

    def region(self, code: str) -> int:
        """A unit from the national code list, with its parents (each audited as created)."""
        from ..ingest.region import level_of, parent_code

        found = self.s.scalars(select(m.OrgUnit).where(m.OrgUnit.code == code).order_by(
            m.OrgUnit.valid_to.is_(None).desc(), m.OrgUnit.valid_to.desc(), m.OrgUnit.id.desc())).first()
        if found is not None:
            return found.id
        pcode = parent_code(code)
        parent = self.region(pcode) if pcode and pcode in REGION_DATA else None
        unit = m.OrgUnit(code=code, name=REGION_DATA[code], level=level_of(code, REGION_DATA[code]), parent_id=parent)
        self.s.add(unit)
        self.s.flush()
        self.created("org_unit", unit)
        return unit.id


def _start(s: Session, ctx: _Context, user: str) -> tuple[_Writer, dict[tuple[int, str], int]]:
    """The batch, then the catalog, org units, plan-local indicators and facilities the file needs."""
    p = ctx.plan
    batch = m.ImportBatch(user=user, file_name=ctx.inc.file[:300], format=ctx.inc.format, rows=0)
    s.add(batch)
    s.flush()
    w = _Writer(s, ctx, batch, user)
    if p.need_catalog:
        ctx.indicators.update(sync_catalog(s))
    for u in p.units:
        parent = w.unit_id(u["parent"]) if u["parent"][0] != "file" else w.units[u["parent"]]
        unit = m.OrgUnit(code=u["code"], name=u["name"], level=u["level"], parent_id=parent,
                         valid_from=u["valid_from"], valid_to=u["valid_to"])
        s.add(unit)
        s.flush()
        w.units[("file", u["key"])] = unit.id
        w.created("org_unit", unit)
    for i in p.indicators:
        ind = m.Indicator(code=i["code"], name=i["name"], unit=i["unit"], direction=i["direction"], local=True,
                          local_reason=i["reason"])
        s.add(ind)
        s.flush()
        ctx.indicators[ind.code] = ind
        w.created("indicator", ind)
    facilities = {(f.org_unit_id, f.name): f.id for f in s.scalars(select(m.Facility))}
    for f in p.facilities:
        fac = m.Facility(org_unit_id=w.unit_id(f["unit"]), name=f["name"], type=f["type"], ownership=f["ownership"],
                         level=f["level"], category=f["category"])
        s.add(fac)
        s.flush()
        facilities[(fac.org_unit_id, fac.name)] = fac.id
        w.created("facility", fac)
    return w, facilities


def _apply(s: Session, ctx: _Context, user: str) -> ImportResult:
    """The checked file written set-based (``exchange_write.BulkWriter``): the same rows, versions and audit
    entries as the row-by-row path (``_apply_rowwise``), with a few queries instead of several per row."""
    p = ctx.plan
    w, facilities = _start(s, ctx, user)
    pops = [(w.unit_id(pop["unit"]), pop) for pop in p.populations]
    figures = []
    for o in p.observations:  # units from the national code list are made here, in the file's order
        unit_id = w.unit_id(o["unit"])
        fac_id = facilities[(unit_id, o["facility"])] if o["facility"] else None
        figures.append((o, unit_id, fac_id, ctx.indicators[o["code"]]))
    pairs = {(unit_id, pop["year"]) for unit_id, pop in pops}
    pairs |= {(unit_id, int(o["period"][:4])) for o, unit_id, fac_id, _ in figures
              if fac_id is None and not o["derived"]}
    bulk = BulkWriter(s, w.batch, user, w.result)
    wanted = {c for e in bulk.entries() for c in (e.code, e.count_code)}
    codes = {i.code: i for i in s.scalars(select(m.Indicator).where(m.Indicator.local.is_(False),
                                                                    m.Indicator.code.in_(wanted)))}
    unit_keys = {(unit_id, ind.id, o["period"]) for o, unit_id, fac_id, ind in figures if fac_id is None}
    facility_keys = {(fac_id, ind.id, o["period"]) for o, _, fac_id, ind in figures if fac_id is not None}
    file_pops = {(unit_id, pop["year"]) for unit_id, pop in pops if pop["kind"] == "常住人口"}
    bulk.load(unit_keys, facility_keys, pairs, codes, file_pops)
    for unit_id, pop in pops:
        bulk.population(unit_id, pop)
    for o, unit_id, fac_id, ind in figures:
        if not o["derived"]:
            bulk.figure(unit_id, fac_id, ind, o)
    bulk.derive(pairs, codes)
    for o, unit_id, fac_id, ind in figures:
        if o["derived"]:
            bulk.derived_figure(unit_id, fac_id, ind, o)
    bulk.write()
    _progress(w)
    return _finish(w)


def _progress(w: _Writer) -> None:
    """Project progress (a row per project and year: few), through the ORM, stored rows read at once."""
    s, rows = w.s, w.ctx.plan.progress
    stored: dict[tuple[int, int], m.ProjectProgress] = {}
    projects = sorted({pr["project_id"] for pr in rows})
    for start in range(0, len(projects), 500):
        for row in s.scalars(select(m.ProjectProgress).where(
                m.ProjectProgress.project_id.in_(projects[start:start + 500]))):
            stored[(row.project_id, row.year)] = row
    for pr in rows:
        row = stored.get((pr["project_id"], pr["year"]))
        fields = dict(status=pr["status"], percent_complete=pr["percent"], spent_wan=pr["spent"],
                      comment=pr["comment"], example=pr["example"])
        if row is None:
            row = m.ProjectProgress(project_id=pr["project_id"], year=pr["year"], **fields)
            s.add(row)
            s.flush()
            w.audit("insert", row)
            w.result.inserted += 1
        elif any(getattr(row, k) != v for k, v in fields.items()):
            old = snapshot(row)
            for k, v in fields.items():
                setattr(row, k, v)
            s.flush()
            w.audit("update", row, old)
            w.result.updated += 1
        else:
            w.result.unchanged += 1


def _finish(w: _Writer) -> ImportResult:
    p = w.ctx.plan
    w.result.rows = len(p.observations) + len(p.populations) + len(p.progress)
    w.batch.rows = w.result.rows
    w.s.flush()
    return w.result


def _apply_rowwise(s: Session, ctx: _Context, user: str) -> ImportResult:
    """The former writing, figure by figure through ``put_observation`` (a reference for tests and benchmarks)."""
    p = ctx.plan
    w, facilities = _start(s, ctx, user)
    batch = w.batch
    pairs: set[tuple[int, int]] = set()
    for pop in p.populations:
        unit_id = w.unit_id(pop["unit"])
        row = s.scalars(select(m.Population).where(m.Population.org_unit_id == unit_id, m.Population.year == pop["year"],
                                                   m.Population.kind == pop["kind"],
                                                   m.Population.projected == pop["projected"])).first()
        if row is None:
            row = m.Population(org_unit_id=unit_id, year=pop["year"], kind=pop["kind"], value=pop["value"],
                               projected=pop["projected"], source=pop["source"])
            s.add(row)
            s.flush()
            w.audit("insert", row)
            w.result.inserted += 1
        elif (row.value, row.source) != (pop["value"], pop["source"]):
            old = snapshot(row)
            row.value, row.source = pop["value"], pop["source"]
            s.flush()
            w.audit("update", row, old)
            w.result.updated += 1
        else:
            w.result.unchanged += 1
        pairs.add((unit_id, pop["year"]))
    derived_rows = []
    for o in p.observations:
        unit_id = w.unit_id(o["unit"])
        fac_id = facilities[(unit_id, o["facility"])] if o["facility"] else None
        ind = ctx.indicators[o["code"]]
        if o["derived"]:
            derived_rows.append((o, unit_id, fac_id, ind))
            continue
        obs = put_observation(s, unit_id, ind.id, o["period"], o["value"], facility_id=fac_id, user=user,
                              source=o["source"], comment=o["comment"], import_id=batch.id, example=o["example"],
                              derive=False, source_file=batch.file_name)
        if obs.import_id != batch.id:  # the same value was stored already: put_observation left it alone
            w.result.unchanged += 1
        elif obs.version == 1:
            w.result.inserted += 1
        else:
            w.result.updated += 1
        if fac_id is None:
            pairs.add((unit_id, int(o["period"][:4])))
    _derive(w, pairs)
    for o, unit_id, fac_id, ind in derived_rows:
        if find_observation(s, unit_id, ind.id, o["period"], fac_id) is None:
            obs = m.Observation(org_unit_id=unit_id, facility_id=fac_id, indicator_id=ind.id, period=o["period"],
                                year=int(o["period"][:4]), value=o["value"], source=o["source"], comment=o["comment"],
                                derived=True, example=o["example"], import_id=batch.id, created_by=user,
                                updated_by=user)
            s.add(obs)
            s.flush()
            w.audit("insert", obs)
            w.result.inserted += 1
        else:
            w.result.unchanged += 1
    _progress(w)
    return _finish(w)


def _side_state(s: Session, pairs: set[tuple[int, int]]) -> dict[tuple[str, int], tuple[object, dict]]:
    """Derived figures and disagreements of the (unit, year) pairs an import touched."""
    units = sorted({u for u, _ in pairs})
    out: dict[tuple[str, int], tuple[object, dict]] = {}
    if not units:
        return out
    for o in s.scalars(select(m.Observation).where(m.Observation.org_unit_id.in_(units),
                                                   m.Observation.facility_id.is_(None),
                                                   m.Observation.derived.is_(True))):
        if (o.org_unit_id, o.year) in pairs:
            out[("observation", o.id)] = (o, snapshot(o))
    for d in s.scalars(select(m.Disagreement).where(m.Disagreement.org_unit_id.in_(units))):
        if (d.org_unit_id, int(d.period[:4])) in pairs:
            out[("disagreement", d.id)] = (d, snapshot(d))
    return out


def _derive(w: _Writer, pairs: set[tuple[int, int]]) -> None:
    """Per-capita values once every figure is in; what changes is audited with the batch (for undo)."""
    before = _side_state(w.s, pairs)
    for unit_id, year in sorted(pairs):
        derive_per_capita(w.s, unit_id, year, user=w.user)
    w.s.flush()
    after = _side_state(w.s, pairs)
    for key in sorted(after):
        obj, snap = after[key]
        if key not in before:
            w.audit("insert", obj)
        elif _stable(snap) != _stable(before[key][1]):
            w.audit("update", obj, before[key][1])
    for key in sorted(set(before) - set(after)):
        if key[0] == "disagreement":
            w.s.add(m.AuditLog(user=w.user, action="delete", entity=key[0], entity_id=key[1], old=before[key][1],
                               new=None, source_file=w.batch.file_name, import_id=w.batch.id))
    w.s.flush()


def _stable(snap: dict | None) -> dict:
    return {k: v for k, v in (snap or {}).items() if k not in VOLATILE}


# --- undo ---------------------------------------------------------------------------------------

def _describe(s: Session, entity: str, snap: dict | None) -> str:
    snap = snap or {}
    unit = s.get(m.OrgUnit, snap["org_unit_id"]) if snap.get("org_unit_id") else None
    where = unit.name if unit else ""
    if entity == "observation":
        ind = s.get(m.Indicator, snap["indicator_id"])
        fac = s.get(m.Facility, snap["facility_id"]) if snap.get("facility_id") else None
        return f"“{ind.name if ind else snap['indicator_id']}”（{where}{' ' + fac.name if fac else ''}，{snap.get('period')}）"
    if entity == "population":
        return f"{where}{snap.get('year')}年{snap.get('kind')}"
    if entity in ("org_unit", "facility", "indicator"):
        return f"“{snap.get('name')}”"
    return f"{entity}#{snap.get('id')}"


def _restore(obj, snap: dict) -> None:
    for attr in inspect(type(obj)).column_attrs:
        key = attr.key
        if key in ("id", "version") or key not in snap:
            continue
        value, kind = snap[key], attr.columns[0].type
        if isinstance(value, str) and isinstance(kind, DateTime):
            value = datetime.fromisoformat(value)
        elif isinstance(value, str) and isinstance(kind, Date):
            value = date.fromisoformat(value)
        setattr(obj, key, value)


def _undo_conflicts(s: Session, import_id: int, entries: list[m.AuditLog]) -> list[str]:
    """What the batch wrote that changed afterwards (later audit entries, or a state that differs)."""
    touched = {(e.entity, e.entity_id) for e in entries}
    last = {(e.entity, e.entity_id): e for e in entries}
    undone = set(s.scalars(select(m.ImportBatch.id).where(m.ImportBatch.status == "undone")))
    conflicts: list[str] = []
    if entries:
        later = s.scalars(select(m.AuditLog).where(m.AuditLog.id > entries[0].id,
                                                   m.AuditLog.entity.in_({k for k, _ in touched}))
                          .order_by(m.AuditLog.id))
        for e in later:
            if e.import_id == import_id or e.import_id in undone or (e.entity, e.entity_id) not in touched:
                continue  # an import undone since nets out to nothing
            who = f"第{e.import_id}批导入（{e.user}）" if e.import_id else e.user
            conflicts.append(f"{_describe(s, e.entity, e.new or e.old)}于{e.at:%Y-%m-%d %H:%M}被{who}修改")
    for (entity, entity_id), e in last.items():
        current = s.get(MODELS[entity], entity_id)
        if e.action == "delete":
            if current is not None:
                conflicts.append(f"{_describe(s, entity, e.old)}此后被重新创建")
        elif current is None:
            conflicts.append(f"{_describe(s, entity, e.new)}此后已被删除")
        elif _stable(snapshot(current)) != _stable(e.new):
            conflicts.append(f"{_describe(s, entity, e.new)}此后已被修改")
    return list(dict.fromkeys(conflicts))


def undo_import(store: Store, import_id: int, user: str = "system") -> UndoResult:
    """Roll an import batch back exactly, or refuse when something it wrote was changed afterwards."""
    with store.session() as s:
        batch = s.get(m.ImportBatch, import_id)
        if batch is None:
            raise ExchangeError(f"没有编号为{import_id}的导入批次。", f"No import batch {import_id}.")
        if batch.status == "undone":
            raise ExchangeError(f"第{import_id}批导入已于{batch.undone_at:%Y-%m-%d %H:%M}撤销过，不能再次撤销。",
                                f"Import {import_id} was already undone.")
        entries = s.scalars(select(m.AuditLog).where(m.AuditLog.import_id == import_id)
                            .order_by(m.AuditLog.id)).all()
        conflicts = _undo_conflicts(s, import_id, entries)
        if conflicts:
            shown, more = "；".join(conflicts[:10]), f"等{len(conflicts)}处" if len(conflicts) > 10 else ""
            raise ExchangeError(f"无法撤销第{import_id}批导入（{batch.file_name}）：它写入的数据此后又被修改——{shown}{more}。"
                                "撤销会覆盖这些修改，因此未做任何改动；请先撤销或核对后来的修改。",
                                f"Cannot undo import {import_id}: values it wrote were changed afterwards.")
        result = UndoResult(import_id)
        note = f"撤销导入#{import_id}：{batch.file_name}"[:300]
        try:
            for e in reversed(entries):
                model = MODELS[e.entity]
                current = s.get(model, e.entity_id)
                if e.action == "insert":
                    record(s, user, "delete", current, old=snapshot(current), source_file=note, import_id=import_id)
                    s.delete(current)
                    result.deleted += 1
                elif e.action == "update":
                    old = snapshot(current)
                    _restore(current, e.old)
                    s.flush()
                    record(s, user, "update", current, old=old, source_file=note, import_id=import_id)
                    result.restored += 1
                else:
                    obj = model(id=e.entity_id)
                    _restore(obj, e.old)
                    s.add(obj)
                    s.flush()
                    record(s, user, "insert", obj, source_file=note, import_id=import_id)
                    result.restored += 1
                s.flush()
        except IntegrityError as err:
            raise ExchangeError(f"无法撤销第{import_id}批导入：它新建的地区、机构或指标此后已被其他数据引用。",
                                f"Cannot undo import {import_id}: rows it created are referenced.") from err
        old = snapshot(batch)
        batch.status, batch.undone_at = "undone", m.now()
        s.flush()
        record(s, user, "update", batch, old=old, source_file=note, import_id=import_id)
        return result
