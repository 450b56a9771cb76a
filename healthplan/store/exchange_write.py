"""Writing a checked import set-based (导入批量写入): what ``put_observation`` does figure by figure, for all at once.

``exchange_import._apply`` hands the checked populations and figures here. The rows the file names (and
the counts, reported values, 常住人口 and disagreements that per-capita derivation reads) are loaded with a
few queries (chunked ``IN`` lists, bound parameters only); every decision is then taken in memory, in the
file's order, exactly as the row-by-row path took it:

- a figure not stored yet is inserted (version 1, the batch's ``import_id``, ``created_by``/``updated_by``);
- a stored figure with the same value, not derived, with the same example flag is left alone (not counted
  as an update, not audited); any other is updated: value, ``derived`` false, ``updated_by``, example flag,
  source (the file's, else the stored one), comment (when the file has one), ``import_id``, ``updated_at``,
  and ``version = version + 1`` — guarded by ``WHERE version = <the version read>``, so that a concurrent
  writer makes the whole import fail with ``ConflictError`` rather than be overwritten;
- per-capita values are derived for every (unit, year) touched (``observations.derive_per_capita``'s rules:
  count ÷ 常住人口 × factor; a reported value is compared, within ``TOLERANCE``, and a disagreement recorded,
  updated or removed); a derived value is only rewritten when its value or formula changes;
- figures the file marks as derived (计算值) are inserted when nothing is stored under their key;
- every change goes to the audit log with the batch, the user, the file and old → new, the snapshots
  being exactly what ``audit.snapshot`` gives for the row — so ``undo_import`` restores the state before.

Then the writes: new ids taken from the table's sequence (PostgreSQL) or after the largest id (SQLite, whose
write lock the transaction holds already), inserts by ``COPY`` on PostgreSQL and by executemany on SQLite,
updates by executemany in chunks, the audit entries last. One transaction, the caller's.
"""

from __future__ import annotations

import json
from typing import Iterable

from sqlalchemy import JSON, Date, DateTime, bindparam, delete, func, inspect, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..catalog import load_catalog
from . import models as m
from .observations import TOLERANCE, ConflictError, ValidationError, _num, check_value

CHUNK = 5000  # rows per executemany
IN_CHUNK = 500  # values per IN list

OBS = [a.key for a in inspect(m.Observation).column_attrs]
POP = [a.key for a in inspect(m.Population).column_attrs]
DIS = [a.key for a in inspect(m.Disagreement).column_attrs]
AUDIT = ["at", "user", "action", "entity", "entity_id", "old", "new", "source_file", "import_id"]
COLUMNS = {"observation": OBS, "population": POP, "disagreement": DIS}
TABLES = {"observation": m.Observation.__table__, "population": m.Population.__table__,
          "disagreement": m.Disagreement.__table__}


def _chunks(items: list, n: int) -> Iterable[list]:
    for start in range(0, len(items), n):
        yield items[start:start + n]


DATES = {entity: [a.key for a in inspect(model).column_attrs if isinstance(a.columns[0].type, (Date, DateTime))]
         for entity, model in (("observation", m.Observation), ("population", m.Population),
                               ("disagreement", m.Disagreement))}


def _snap(rec: dict, entity: str) -> dict:
    """``audit.snapshot`` of a row held as a dict: its columns in order, dates as ISO text."""
    out = {k: rec[k] for k in COLUMNS[entity]}
    for k in DATES[entity]:
        v = out[k]
        if v is not None:
            out[k] = v.isoformat()
    return out


def _conflict() -> ConflictError:
    return ConflictError("导入的数据中有数值正被他人同时修改，本次导入未保存任何数据，请稍后重新导入。",
                         "A value of the import was changed concurrently; nothing was written.")


class BulkWriter:
    """The populations, figures and derived values of one import batch (see the module's doc)."""

    def __init__(self, s: Session, batch: m.ImportBatch, user: str, result):
        self.s, self.batch, self.user, self.result = s, batch, user, result
        self.dialect = s.get_bind().dialect.name
        self.stamp = m.now()
        self.events: list[tuple] = []  # (action, entity, record, old snapshot) in the audit log's order
        self.obs: dict[tuple, dict] = {}  # (unit or None for a facility's figure, facility, indicator, period)
        self.pops: dict[tuple, dict] = {}  # (unit, year, kind, projected)
        self.dis: dict[tuple, list[dict]] = {}  # (unit, indicator, period) → rows by id
        self.new: dict[str, list[dict]] = {"observation": [], "population": [], "disagreement": []}
        self.changed: dict[str, list[tuple[dict, int | None]]] = {"observation": [], "population": [],
                                                                  "disagreement": []}
        self.gone: list[dict] = []  # disagreements deleted

    # --- loading ----------------------------------------------------------------------------------

    def load(self, unit_keys: set[tuple], facility_keys: set[tuple], pairs: set[tuple[int, int]],
             codes: dict[str, m.Indicator], file_pops: set[tuple[int, int]]) -> None:
        """The stored rows the import reads: populations of the (unit, year) pairs touched; the figures under
        the file's keys, and the counts and per-capita values of the pairs that have a 常住人口 (stored or in
        the file: ``file_pops``); their disagreements."""
        p = m.Population.__table__
        for part in _chunks(sorted({u for u, _ in pairs}), IN_CHUNK):
            for row in self.s.execute(select(*[p.c[k] for k in POP]).where(p.c.org_unit_id.in_(part))):
                self.pops[(row.org_unit_id, row.year, row.kind, row.projected)] = row._asdict()
        pairs = {(u, y) for u, y in pairs if (u, y) in file_pops or self._population_of(u, y) is not None}
        self._figures(unit_keys | self.derive_keys(pairs, codes), facility_keys)
        d = m.Disagreement.__table__
        for part in _chunks(sorted({u for u, _ in pairs}), IN_CHUNK):
            for row in self.s.execute(select(*[d.c[k] for k in DIS]).where(d.c.org_unit_id.in_(part))
                                      .order_by(d.c.id)):
                if (row.org_unit_id, int(row.period[:4])) in pairs:
                    self.dis.setdefault((row.org_unit_id, row.indicator_id, row.period), []).append(row._asdict())

    def _figures(self, unit_keys: set[tuple], facility_keys: set[tuple]) -> None:
        """The stored figures under the keys (a superset is read by IN lists and filtered here)."""
        t = m.Observation.__table__
        wanted: list[int] = []
        for keys, column, none in ((unit_keys, t.c.org_unit_id, True), (facility_keys, t.c.facility_id, False)):
            if not keys:
                continue
            by_owner: dict[int, list[tuple]] = {}
            for k in keys:
                by_owner.setdefault(k[0], []).append(k)
            where = t.c.facility_id.is_(None) if none else t.c.facility_id.is_not(None)
            # narrow rows first (ids and keys, from the unique index), then the whole rows under the file's keys
            for owner_part in _chunks(sorted(by_owner), IN_CHUNK):
                inds = sorted({k[1] for o in owner_part for k in by_owner[o]})
                periods = sorted({k[2] for o in owner_part for k in by_owner[o]})
                for ind_part in _chunks(inds, IN_CHUNK):
                    for period_part in _chunks(periods, IN_CHUNK):
                        q = select(t.c.id, column, t.c.indicator_id, t.c.period).where(
                            where, column.in_(owner_part), t.c.indicator_id.in_(ind_part), t.c.period.in_(period_part))
                        wanted += [i for i, owner, ind, period in self.s.execute(q) if (owner, ind, period) in keys]
        cols = [t.c[k] for k in OBS]
        for part in _chunks(sorted(wanted), IN_CHUNK):
            for row in self.s.execute(select(*cols).where(t.c.id.in_(part))):
                rec = row._asdict()
                if rec["facility_id"] is None:
                    self.obs[(rec["org_unit_id"], None, rec["indicator_id"], rec["period"])] = rec
                else:
                    self.obs[(None, rec["facility_id"], rec["indicator_id"], rec["period"])] = rec

    # --- deciding, in the file's order --------------------------------------------------------------

    def _insert(self, entity: str, rec: dict) -> None:
        self.new[entity].append(rec)
        self.events.append(("insert", entity, rec, None))

    def _update(self, entity: str, rec: dict, changes: dict, versioned: bool) -> None:
        old = _snap(rec, entity)
        expected = rec["version"] if versioned else None
        if versioned:
            changes["version"] = rec["version"] + 1
        rec.update(changes)
        if rec["id"] is not None:
            self.changed[entity].append((rec, expected))
        self.events.append(("update", entity, rec, old))

    def population(self, unit_id: int, pop: dict) -> None:
        key = (unit_id, pop["year"], pop["kind"], pop["projected"])
        rec = self.pops.get(key)
        if rec is None:
            rec = dict(id=None, org_unit_id=unit_id, year=pop["year"], kind=pop["kind"], value=pop["value"],
                       projected=pop["projected"], source=pop["source"])
            self.pops[key] = rec
            self._insert("population", rec)
            self.result.inserted += 1
        elif (rec["value"], rec["source"]) != (pop["value"], pop["source"]):
            self._update("population", rec, dict(value=pop["value"], source=pop["source"]), versioned=False)
            self.result.updated += 1
        else:
            self.result.unchanged += 1

    def figure(self, unit_id: int, facility_id: int | None, ind: m.Indicator, o: dict) -> None:
        """One reported figure, as ``put_observation(..., derive=False)`` writes it."""
        period, value = o["period"], float(o["value"])
        reason = check_value(ind, value)
        if reason:
            raise ValidationError(f"{ind.name} {period}：{reason}。", f"{ind.code} {period}: implausible value {value}.")
        key = (unit_id if facility_id is None else None, facility_id, ind.id, period)
        rec = self.obs.get(key)
        if rec is None:
            rec = dict(id=None, org_unit_id=unit_id, facility_id=facility_id, indicator_id=ind.id, period=period,
                       year=int(period[:4]), value=value, source=o["source"], comment=o["comment"], derived=False,
                       example=o["example"], import_id=self.batch.id, version=1, created_at=self.stamp,
                       created_by=self.user, updated_at=self.stamp, updated_by=self.user)
            self.obs[key] = rec
            self._insert("observation", rec)
            self.result.inserted += 1
        elif rec["value"] == value and not rec["derived"] and rec["example"] == o["example"]:
            self.result.unchanged += 1
        else:
            changes = dict(value=value, derived=False, updated_by=self.user, example=o["example"],
                           source=o["source"] or rec["source"], import_id=self.batch.id, updated_at=self.stamp)
            if o["comment"] is not None:
                changes["comment"] = o["comment"]
            self._update("observation", rec, changes, versioned=True)
            self.result.updated += 1

    def derived_figure(self, unit_id: int, facility_id: int | None, ind: m.Indicator, o: dict) -> None:
        """A figure the file marks as derived: inserted when nothing is stored under its key."""
        key = (unit_id if facility_id is None else None, facility_id, ind.id, o["period"])
        if key in self.obs:
            self.result.unchanged += 1
            return
        rec = dict(id=None, org_unit_id=unit_id, facility_id=facility_id, indicator_id=ind.id, period=o["period"],
                   year=int(o["period"][:4]), value=o["value"], source=o["source"], comment=o["comment"],
                   derived=True, example=o["example"], import_id=self.batch.id, version=1, created_at=self.stamp,
                   created_by=self.user, updated_at=self.stamp, updated_by=self.user)
        self.obs[key] = rec
        self._insert("observation", rec)
        self.result.inserted += 1

    # --- per-capita values ------------------------------------------------------------------------

    @staticmethod
    def entries():
        return [e for e in load_catalog().entries if e.count_code]

    def derive_keys(self, pairs: set[tuple[int, int]], codes: dict[str, m.Indicator]) -> set[tuple]:
        """The (unit, indicator, period) keys that derivation reads for ``pairs``."""
        ids = [codes[c].id for e in self.entries() for c in (e.code, e.count_code) if c in codes]
        return {(u, i, str(y)) for u, y in pairs for i in ids}

    def _population_of(self, unit_id: int, year: int) -> tuple[float, str] | None:
        for projected in (False, True):
            rec = self.pops.get((unit_id, year, "常住人口", projected))
            if rec is not None:
                return rec["value"], "预测常住人口" if projected else "常住人口"
        return None

    def derive(self, pairs: set[tuple[int, int]], codes: dict[str, m.Indicator]) -> None:
        """``derive_per_capita`` for every pair, its changes audited as ``exchange_import._derive`` orders them."""
        entries = self.entries()
        touched: dict[str, list[tuple]] = {"observation": [], "disagreement": []}  # (stored id or None, event)
        deleted: list[dict] = []
        for unit_id, year in sorted(pairs):
            pop = self._population_of(unit_id, year)
            if pop is None or pop[0] <= 0:
                continue
            population, basis = pop
            period = str(year)
            for entry in entries:
                if entry.code not in codes or entry.count_code not in codes:
                    continue
                count = self.obs.get((unit_id, None, codes[entry.count_code].id, period))
                if count is None:
                    continue
                computed = count["value"] / population * (entry.factor or 1)
                formula = (f"{codes[entry.count_code].name}{_num(count['value'])} ÷ {basis}{_num(population)} × "
                           f"{_num(entry.factor)} = {computed:.2f}")
                target = codes[entry.code]
                key = (unit_id, None, target.id, period)
                reported = self.obs.get(key)
                if reported is not None and not reported["derived"]:
                    dkey = (unit_id, target.id, period)
                    if abs(reported["value"] - computed) > max(0.01, TOLERANCE * abs(computed)):
                        rows = self.dis.get(dkey)
                        if not rows:
                            rec = dict(id=None, org_unit_id=unit_id, indicator_id=target.id, period=period,
                                       reported=reported["value"], computed=computed, formula=formula,
                                       created_at=self.stamp)
                            self.dis[dkey] = [rec]
                            self.new["disagreement"].append(rec)
                            touched["disagreement"].append((None, ("insert", "disagreement", rec, None)))
                        else:
                            rec = rows[0]
                            if (rec["reported"], rec["computed"], rec["formula"]) != (reported["value"], computed,
                                                                                      formula):
                                old = _snap(rec, "disagreement")
                                rec.update(reported=reported["value"], computed=computed, formula=formula)
                                self.changed["disagreement"].append((rec, None))
                                touched["disagreement"].append((rec["id"], ("update", "disagreement", rec, old)))
                    else:
                        for rec in self.dis.pop(dkey, []):
                            if rec["id"] is None:  # made in this batch (cannot happen: one pass per key)
                                self.new["disagreement"].remove(rec)
                                continue
                            deleted.append(rec)
                    continue
                if reported is None:
                    rec = dict(id=None, org_unit_id=unit_id, facility_id=None, indicator_id=target.id,
                               period=period, year=year, value=computed, source=formula, comment=None, derived=True,
                               example=False, import_id=None, version=1, created_at=self.stamp,
                               created_by=self.user, updated_at=self.stamp, updated_by=self.user)
                    self.obs[key] = rec
                    self.new["observation"].append(rec)
                    touched["observation"].append((None, ("insert", "observation", rec, None)))
                elif (reported["value"], reported["source"]) != (computed, formula):
                    old = _snap(reported, "observation")
                    expected = reported["version"]
                    reported.update(value=computed, source=formula, updated_at=self.stamp, version=expected + 1)
                    if reported["id"] is not None:
                        self.changed["observation"].append((reported, expected))
                    touched["observation"].append((reported["id"], ("update", "observation", reported, old)))
        # the old path audits sorted by (entity, id): stored rows by id, then the new ones in the order made
        for entity in ("disagreement", "observation"):
            stored = sorted((e for e in touched[entity] if e[0] is not None), key=lambda e: e[0])
            made = [e for e in touched[entity] if e[0] is None]
            self.events.extend(e for _, e in stored + made)
        for rec in sorted(deleted, key=lambda r: r["id"]):
            self.gone.append(rec)
            self.events.append(("delete", "disagreement", rec, _snap(rec, "disagreement")))

    # --- writing ----------------------------------------------------------------------------------

    def _ids(self, entity: str, n: int) -> list[int]:
        if not n:
            return []
        table = TABLES[entity]
        if self.dialect == "postgresql":
            # the table name is a constant of ours, n an integer we counted
            got = self.s.execute(text(f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
                                      "FROM generate_series(1, :n)"), {"n": n}).scalars().all()
            return sorted(got)
        start = (self.s.execute(select(func.max(table.c.id))).scalar() or 0) + 1
        return list(range(start, start + n))

    def _put(self, table, cols: list[str], rows: Iterable[tuple]) -> None:
        """Rows (values in ``cols`` order) into ``table``: COPY on PostgreSQL, the driver's executemany on
        SQLite with each value in the form SQLAlchemy's column type would bind (dates as text, JSON dumped)."""
        dialect = self.s.get_bind().dialect
        kinds = [table.c[k].type.dialect_impl(dialect) for k in cols]
        if self.dialect == "postgresql":
            procs = [json.dumps if isinstance(t, JSON) else None for t in kinds]
        else:
            procs = [t.bind_processor(dialect) for t in kinds]
        convert = [(i, p) for i, p in enumerate(procs) if p is not None]

        def prepared():
            for row in rows:
                row = list(row)
                for i, p in convert:
                    row[i] = p(row[i])
                yield tuple(row)

        names = ", ".join(f'"{c}"' for c in cols)  # our own column names, never user text
        if self.dialect == "postgresql":
            raw = self.s.connection().connection.driver_connection
            with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for row in prepared():
                    copy.write_row(row)
            return
        sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(cols))})'
        conn, it = self.s.connection(), prepared()
        while part := [r for _, r in zip(range(CHUNK), it)]:
            conn.exec_driver_sql(sql, part)

    def _insert_rows(self, entity: str) -> None:
        recs = self.new[entity]
        if recs:
            cols = COLUMNS[entity]
            self._put(TABLES[entity], cols, ([r[k] for k in cols] for r in recs))

    def _update_rows(self, entity: str, fields: list[str]) -> None:
        rows = self.changed[entity]
        if not rows:
            return
        table = TABLES[entity]
        versioned = entity == "observation"
        stmt = update(table).where(table.c.id == bindparam("b_id"))
        values = {k: bindparam(f"b_{k}") for k in fields}
        if versioned:
            stmt = stmt.where(table.c.version == bindparam("b_expected"))
            values["version"] = table.c.version + 1
        stmt = stmt.values(**values)
        done = 0
        for part in _chunks(rows, CHUNK):
            params = []
            for rec, expected in part:
                p = {f"b_{k}": rec[k] for k in fields}
                p["b_id"] = rec["id"]
                if versioned:
                    p["b_expected"] = expected
                params.append(p)
            done += self.s.execute(stmt, params).rowcount
        if done != len(rows):
            raise _conflict()

    def _audit_rows(self) -> Iterable[tuple]:
        file, batch, user, stamp = self.batch.file_name, self.batch.id, self.user, self.stamp
        for action, entity, rec, old in self.events:
            new = None if action == "delete" else _snap(rec, entity)
            yield (stamp, user, action, entity, rec["id"], old, new, file, batch)

    def write(self) -> None:
        """Everything decided, in one go: ids, inserts, updates, deletions, then the audit entries."""
        self.s.flush()  # the org units, indicators and facilities made before, with their audit entries
        for entity, recs in self.new.items():
            for rec, new_id in zip(recs, self._ids(entity, len(recs))):
                rec["id"] = new_id
        try:
            for entity in ("population", "observation", "disagreement"):
                self._insert_rows(entity)
            self._update_rows("population", ["value", "source"])
            self._update_rows("observation", ["value", "derived", "updated_by", "example", "source", "comment",
                                              "import_id", "updated_at"])
            self._update_rows("disagreement", ["reported", "computed", "formula"])
            d = m.Disagreement.__table__
            for part in _chunks([r["id"] for r in self.gone], IN_CHUNK):
                self.s.execute(delete(d).where(d.c.id.in_(part)))
            self._put(m.AuditLog.__table__, AUDIT, self._audit_rows())
        except IntegrityError as e:  # a row someone else made meanwhile under a key of the file
            raise _conflict() from e
        except Exception as e:
            driver = getattr(self.s.get_bind().dialect.dbapi, "IntegrityError", None)
            if driver is not None and isinstance(e, driver):  # from COPY, which the driver runs unwrapped
                raise _conflict() from e
            raise
