"""Set-based evaluation (批量评估): every county-level unit × indicator target for one year at once.

The store is read with a handful of set-based queries (the targets of the current plans, parsed once
and cached while the store's targets are unchanged; the yearly figures of the year, from the covering
(year, indicator, unit, period, value) index; for the few unit × indicator pairs without
one, the latest earlier figure; the earliest figure where a target has no baseline; the figures of
the years that 比2018年… targets name) and the statuses are computed on numpy arrays. They are exactly
those of :func:`healthplan.evaluate.plans.evaluate_plan` (the scalar :func:`healthplan.evaluate.evaluate`
row by row): threshold targets (≥ > ≤ < ~, ranges, bare numbers read through the direction),
relative (增长10%, 比2018年降低5%) and per-year rate targets (每年提高1个百分点, 年均增长2%), direction
only (持续提升), qualitative and compound cells are vectorised; linked targets (同比例提高) go through the
scalar function. Only the status is computed here; the scalar evaluator gives the full explanation.
"""

from __future__ import annotations

import re
import threading
import weakref
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from ..catalog.targets import parse_target
from . import APPROX, STATUS_ORDER, evaluate

COUNTY_LEVELS = ("county", "district", "county-level city")
STATUSES = ["achieved", "on_track", "behind", "off_track", "not_assessable"]
ACHIEVED, ON_TRACK, BEHIND, OFF_TRACK, NOT_ASSESSABLE = range(5)
# kinds and comparators as small integers
THRESHOLD, RELATIVE, RATE, DIRECTION, NOT_ASSESSED, SCALAR = range(6)
OPS = {">=": 0, ">": 1, "<=": 2, "<": 3, "~": 4, "between": 5, "=": 6}
BARE_OP = {"up": ">=", "down": "<=", "neutral": "~"}
SENSE = {"up": 1, "down": -1}
_FAST = re.compile(r"(>=|≥|>|<=|≤|<)?(\d+(?:\.\d+)?)(%|‰)?(以上|以下|左右)?")
_FAST_OP = {">=": ">=", "≥": ">=", ">": ">", "<=": "<=", "≤": "<=", "<": "<"}


def _rows(s: Session, sql: str) -> list[tuple]:
    """Plain tuples straight from the driver (no Row objects): the queries here return many rows."""
    cur = s.connection().connection.dbapi_connection.cursor()
    try:
        cur.execute(sql)
        return cur.fetchall()
    finally:
        cur.close()


def _align(keys_u, keys_i, rows: list[tuple], n_cols: int):
    """Columns of ``rows`` (unit, indicator, …) aligned on the targets' (unit, indicator); NaN where absent."""
    n = len(keys_u)
    out = [np.full(n, np.nan) for _ in range(n_cols)]
    if not rows or not n:
        return out, np.zeros(n, dtype=bool)
    table = np.array(rows, dtype=float)  # one C loop over the tuples; None → NaN
    key = (table[:, 0].astype(np.int64) << 32) | table[:, 1].astype(np.int64)
    order = np.argsort(key, kind="stable")
    key = key[order]
    want = (keys_u << 32) | keys_i
    pos = np.minimum(np.searchsorted(key, want), len(key) - 1)
    hit = key[pos] == want
    src = order[pos[hit]]
    for c in range(n_cols):
        out[c][hit] = table[src, 2 + c]
    return out, hit


def _pairs(dialect: str, pairs: list[tuple[int, int]]) -> str:
    """A derived table ``w(u, i)`` of (unit, indicator) integer pairs, for one index probe per pair."""
    values = ", ".join(f"({int(u)}, {int(i)})" for u, i in pairs)
    if dialect == "sqlite":
        return f"(SELECT column1 AS u, column2 AS i FROM (VALUES {values})) w"
    return f"(VALUES {values}) AS w(u, i)"


def _ends(s: Session, dialect: str, year: int, end: str, units: np.ndarray, indicators: np.ndarray) -> list[tuple]:
    """(unit, indicator, year, value) of the earliest (``min``) or latest (``max``) yearly figure up to ``year``
    of the given pairs: one probe of the (unit, indicator, year) index per pair when they are few (a
    correlated subquery on SQLite, LATERAL on PostgreSQL), one grouped scan otherwise."""
    pairs = sorted(set(zip(units.tolist(), indicators.tolist())))
    if not pairs:
        return []
    yearly = f"o.facility_id IS NULL AND o.period = CAST(o.year AS VARCHAR(8)) AND o.year <= {int(year)}"
    order = "" if end == "min" else " DESC"
    if len(pairs) <= 50_000:
        if dialect == "sqlite":
            return _rows(s, "SELECT o.org_unit_id, o.indicator_id, o.year, o.value FROM (SELECT (SELECT o.id FROM "
                            "observation o INDEXED BY ix_observation_unit_value WHERE o.org_unit_id = w.u AND "
                            f"o.indicator_id = w.i AND {yearly} ORDER BY o.year{order} LIMIT 1) AS oid FROM "
                            f"{_pairs(dialect, pairs)}) x JOIN observation o ON o.id = x.oid")
        return _rows(s, f"SELECT w.u, w.i, o.year, o.value FROM {_pairs(dialect, pairs)} CROSS JOIN LATERAL "
                        f"(SELECT o.year, o.value FROM observation o WHERE o.org_unit_id = w.u AND o.indicator_id = w.i "
                        f"AND {yearly} ORDER BY o.year{order} LIMIT 1) o")
    if dialect == "sqlite":  # SQLite's min()/max() take the other columns from the row they pick
        return _rows(s, f"SELECT o.org_unit_id, o.indicator_id, {end}(o.year), o.value FROM observation o "
                        f"WHERE {yearly} GROUP BY o.org_unit_id, o.indicator_id")
    return _rows(s, f"SELECT DISTINCT ON (o.org_unit_id, o.indicator_id) o.org_unit_id, o.indicator_id, o.year, "
                    f"o.value FROM observation o WHERE {yearly} ORDER BY o.org_unit_id, o.indicator_id, o.year{order}")


@dataclass
class Targets:
    """The target side of a frame (目标表): rows of the current plans and their parsed targets.

    Targets are immutable rows (a corrected plan is a new plan version with new rows), so this part is
    cached per database and levels and reused while :func:`_fingerprint` is unchanged."""

    target_id: np.ndarray
    plan_id: np.ndarray
    org_unit_id: np.ndarray
    indicator_id: np.ndarray
    code: list[str]
    text: list[str]
    direction: list[str]
    baseline: np.ndarray
    baseline_year: np.ndarray  # 0 when absent
    target_year: np.ndarray
    parsed: tuple  # arrays: kind, op, value, high, change, percent, reference year, approximate,
    # sense of a direction-only target, sense of the indicator's direction
    key: np.ndarray  # (unit << 32) | indicator
    needing: dict[int, list[tuple[int, int]]]  # reference year of 比2018年… targets → (unit, indicator)


@dataclass
class Frame(Targets):
    """One row per target: the targets and what their status depends on in ``year``, as arrays (NaN / 0
    where absent)."""

    year: int
    value: np.ndarray  # the latest yearly figure up to ``year``
    value_year: np.ndarray
    first: np.ndarray  # the earliest yearly figure up to ``year``
    first_year: np.ndarray
    refs: dict[tuple[int, int], dict[int, float]]  # (unit, indicator) → reference year → value

    def __len__(self) -> int:
        return len(self.target_id)


_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_CACHE_LOCK = threading.Lock()


def _fingerprint(s: Session) -> tuple:
    """What changes whenever a target, plan or org unit is added, replaced (current flag) or deleted."""
    return tuple(_rows(s, "SELECT (SELECT count(*) FROM target), (SELECT max(id) FROM target), "
                          "(SELECT count(*) FROM plan), (SELECT max(id) FROM plan), "
                          "(SELECT count(*) FROM plan WHERE current), (SELECT count(*) FROM org_unit), "
                          "(SELECT max(id) FROM org_unit), (SELECT count(*) FROM indicator)")[0])


def _load_targets(s: Session, levels: tuple[str, ...]) -> Targets:
    lv = ", ".join(f"'{x}'" for x in levels if re.fullmatch(r"[a-z\- ]+", x))
    rows = _rows(s, (
        "SELECT t.id, t.plan_id, p.org_unit_id, t.indicator_id, t.baseline_value, t.baseline_year, t.target_year, "
        "t.target_text, t.direction FROM target t JOIN plan p ON p.id = t.plan_id "
        "JOIN org_unit u ON u.id = p.org_unit_id "
        f"WHERE p.current AND t.facility_id IS NULL AND u.level IN ({lv}) ORDER BY t.id"))
    codes = dict(_rows(s, "SELECT id, code FROM indicator"))
    num = np.array([r[:7] for r in rows], dtype=float).reshape(-1, 7)  # None → NaN
    ints = np.nan_to_num(num).astype(np.int64)
    uid, iid = ints[:, 2], ints[:, 3]
    texts = [r[7] for r in rows]
    directions = [r[8] for r in rows]
    # each distinct (text, direction) parsed once; rows point at it
    distinct: dict[tuple[str, str], int] = {}
    idx = np.array([distinct.setdefault((r[7], r[8]), len(distinct)) for r in rows], dtype=np.int64)
    parsed = [_parsed(t, d) for t, d in distinct]
    arrays = [np.array(c)[idx] for c in zip(*parsed)] if parsed else [np.zeros(0)] * 9
    for k in (2, 3, 4):
        arrays[k] = arrays[k].astype(float)
    arrays.append(np.array([SENSE.get(d, 0) for _, d in distinct], dtype=np.int64)[idx] if distinct
                  else np.zeros(0, dtype=np.int64))
    needing: dict[int, set] = {}
    for k, (t, _) in enumerate(distinct):
        years = [int(x) for x in re.findall(r"(?:比|较)((?:19|20)\d{2})", t or "")]
        for row in np.flatnonzero(idx == k) if years else ():
            for y in years:
                needing.setdefault(y, set()).add((int(uid[row]), int(iid[row])))
    return Targets(
        target_id=ints[:, 0], plan_id=ints[:, 1], org_unit_id=uid, indicator_id=iid,
        code=[codes.get(int(i)) for i in iid.tolist()], text=texts, direction=directions, baseline=num[:, 4],
        baseline_year=ints[:, 5], target_year=ints[:, 6], parsed=tuple(arrays), key=(uid << 32) | iid,
        needing={y: sorted(p) for y, p in needing.items()})


def targets(s: Session, levels: tuple[str, ...] = COUNTY_LEVELS, *, cached: bool = True) -> Targets:
    """The targets of the current plans of units at ``levels``: from the cache while the store's targets,
    plans and org units are unchanged, else read and parsed again (``cached=False``: always read)."""
    engine = s.get_bind()
    fp = _fingerprint(s)
    if cached:
        with _CACHE_LOCK:
            hit = _CACHE.get(engine, {}).get(levels)
        if hit and hit[0] == fp:
            return hit[1]
    t = _load_targets(s, levels)
    with _CACHE_LOCK:
        _CACHE.setdefault(engine, {})[levels] = (fp, t)
    return t


def load(s: Session, year: int, levels: tuple[str, ...] = COUNTY_LEVELS, *, cached: bool = True) -> Frame:
    """The targets of the current plans of units at ``levels`` with their figures up to ``year``."""
    year = int(year)
    dialect = s.get_bind().dialect.name
    tg = targets(s, levels, cached=cached)
    uid, iid, baseline, by = tg.org_unit_id, tg.indicator_id, tg.baseline, tg.baseline_year

    # per unit and indicator: the latest yearly figure up to the year (mostly the year itself, read through
    # the covering index on (year, unit, indicator)), and the earliest one where the target has no baseline
    at = _rows(s, "SELECT org_unit_id, indicator_id, year, value FROM observation "
                  f"WHERE facility_id IS NULL AND year = {year} AND period = '{year}'")
    (vy, value), hit = _align(uid, iid, at, 2)
    if not hit.all():
        (vy2, value2), hit2 = _align(uid, iid, _ends(s, dialect, year - 1, "max", uid[~hit], iid[~hit]), 2)
        vy, value = np.where(hit, vy, vy2), np.where(hit, value, value2)
    lacking = np.isnan(baseline) | (by == 0)
    (fy, first), _ = _align(uid, iid, _ends(s, dialect, year, "min", uid[lacking], iid[lacking]), 2)
    fy = np.nan_to_num(fy).astype(np.int64)
    vy = np.nan_to_num(vy).astype(np.int64)

    # 比2018年… targets: the figures of the years they name (any year, as evaluate_plan gives them)
    refs: dict[tuple[int, int], dict[int, float]] = {}
    for ref_year, pairs in sorted(tg.needing.items()):
        for u, i, v in _rows(s, f"SELECT w.u, w.i, (SELECT o.value FROM observation o WHERE o.org_unit_id = w.u "
                                f"AND o.indicator_id = w.i AND o.facility_id IS NULL AND o.year = {int(ref_year)} "
                                f"AND o.period = '{int(ref_year)}') FROM {_pairs(dialect, pairs)}"):
            if v is not None:
                refs.setdefault((u, i), {})[ref_year] = v
    return Frame(**vars(tg), year=year, value=value, value_year=vy, first=first, first_year=fy, refs=refs)


def _parsed(text_: str, direction: str) -> tuple:
    """(kind, op, value, high, change, percent, reference year, approximate, direction sense) of a target."""
    s = text_ or ""
    m = _FAST.fullmatch(s)
    if m and direction in BARE_OP:  # the common printed forms, read as parse_target reads them
        op, word = m.group(1), m.group(4)
        if op:
            op = _FAST_OP[op]
        elif word:
            op = {"以上": ">=", "以下": "<=", "左右": "~"}[word]
        else:
            op = BARE_OP[direction]
        return THRESHOLD, OPS[op], float(m.group(2)), np.nan, 0.0, False, 0, False, 0
    t = parse_target(s, direction)
    if t.kind == "threshold":
        op = t.op
        if t.bare:
            if direction not in BARE_OP:
                return SCALAR, 0, np.nan, np.nan, 0.0, False, 0, False, 0
            op = BARE_OP[direction]
        high = np.nan if t.value_high is None else t.value_high
        return THRESHOLD, OPS[op], t.value, high, 0.0, False, 0, False, 0
    if t.kind in ("relative", "rate"):
        op = "~" if t.approximate else (">=" if (t.change or 0) > 0 else "<=")
        return (RELATIVE if t.kind == "relative" else RATE, OPS[op], np.nan, np.nan, t.change or 0.0,
                t.change_unit == "percent", t.reference_year or 0, t.approximate, 0)
    if t.kind == "direction":
        return DIRECTION, 0, np.nan, np.nan, 0.0, False, 0, False, 1 if t.direction == "up" else -1
    if t.kind in ("qualitative", "none", "compound"):
        # evaluate_plan passes one value and no judgement: these are never assessable
        return NOT_ASSESSED, 0, np.nan, np.nan, 0.0, False, 0, False, 0
    return SCALAR, 0, np.nan, np.nan, 0.0, False, 0, False, 0


def _meets(v, op, tv, high, dsense):
    eps = 1e-9
    close = np.abs(v - tv) <= np.maximum(np.abs(tv) * APPROX, eps)
    better = ((dsense == 1) & (v > tv)) | ((dsense == -1) & (v < tv))
    hi = np.where(np.isnan(high), tv, high)
    with np.errstate(invalid="ignore"):
        return np.select(
            [op == 0, op == 1, op == 2, op == 3, op == 4, op == 5],
            [v >= tv - eps, v > tv + eps, v <= tv + eps, v < tv - eps, close | better,
             (tv - eps <= v) & (v <= hi + eps)],
            np.abs(v - tv) <= eps)


def statuses(f: Frame) -> np.ndarray:
    """The status of every row (indexes into ``STATUSES``), as :func:`evaluate_plan` would give it."""
    n = len(f)
    if n == 0:
        return np.zeros(0, dtype=np.int8)
    kind, op, tval, high, change, percent, ref_year, approx, dsense_t, dsense = f.parsed
    tval, high, change = tval.astype(float), high.astype(float), change.astype(float)

    v, year = f.value, f.value_year
    has_v = ~np.isnan(v)
    given = ~np.isnan(f.baseline) & (f.baseline_year != 0)
    earlier = has_v & (f.first_year < year)
    b = np.where(given, f.baseline, np.where(earlier, f.first, np.nan))
    by = np.where(given, f.baseline_year, np.where(earlier, f.first_year, 0))
    has_b = ~np.isnan(b)
    ty = f.target_year

    # the target value in the target year
    tv = tval.copy()
    ref = b.copy()
    other = (kind == RELATIVE) & (ref_year != 0) & (ref_year != by)
    if other.any():
        for i in np.flatnonzero(other):
            ref[i] = f.refs.get((int(f.org_unit_id[i]), int(f.indicator_id[i])), {}).get(int(ref_year[i]), np.nan)
    rel = kind == RELATIVE
    years_rate = (ty - by).astype(float)
    with np.errstate(invalid="ignore", over="ignore"):
        tv = np.where(rel, np.where(percent, ref * (1 + change / 100) ** 1.0, ref + change * 1.0), tv)
        rate = kind == RATE
        tv = np.where(rate, np.where(percent, b * (1 + change / 100) ** years_rate, b + change * years_rate), tv)
    resolved = (kind == THRESHOLD) | (rel & ~np.isnan(ref)) | (rate & has_b & (ty != 0))

    achieved = _meets(v, op, tv, high, dsense)
    # 序时进度 path and the sense of improvement
    goal = np.where(op == OPS["between"], np.clip(b, tv, np.where(np.isnan(high), tv, high)), tv)
    span = (ty - by).astype(float)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        share = (np.minimum(np.maximum(year, by), ty) - by) / np.where(span > 0, span, 1.0)
        linear = b + (goal - b) * share
        compound = b * (1 + change / 100) ** (np.maximum(0, np.minimum(year, ty) - by)).astype(float)
        expected = np.where((ty == 0) | (ty <= by), goal,
                            np.where(rate & percent, compound, linear))
        sense = np.select([op <= 1, (op == 2) | (op == 3), goal > b + 1e-12, goal < b - 1e-12], [1, -1, 1, -1],
                          dsense)
        off = sense * (v - b) < -1e-12
        on_path = (sense == 0) | (sense * (v - expected) >= -1e-12)
    judged = np.where(off, OFF_TRACK, np.where(on_path, np.where(year < ty, ON_TRACK, BEHIND), BEHIND))
    numeric = np.where(achieved, ACHIEVED, np.where(has_b, judged, NOT_ASSESSABLE))
    numeric = np.where(resolved, numeric, NOT_ASSESSABLE)

    # direction only (持续提升)
    with np.errstate(invalid="ignore"):
        moved = dsense_t * (v - b)
    final = (ty != 0) & (year >= ty)
    by_direction = np.where(~has_b, NOT_ASSESSABLE,
                            np.where(moved > 1e-12, np.where(final, ACHIEVED, ON_TRACK),
                                     np.where(moved < -1e-12, OFF_TRACK, BEHIND)))

    out = np.where(kind == DIRECTION, by_direction, numeric)
    out = np.where(kind == NOT_ASSESSED, NOT_ASSESSABLE, out)
    out = np.where(has_v, out, NOT_ASSESSABLE).astype(np.int8)
    for i in np.flatnonzero((kind == SCALAR) & has_v):
        out[i] = STATUSES.index(_scalar_row(f, int(i)).status)
    return out


LINKED_PARTNER = {"HS-HALE": "HS-LE"}


def _scalar_row(f: Frame, i: int):
    """One row through the scalar evaluator, with the inputs evaluate_plan would give it."""
    linked = None
    partner_code = LINKED_PARTNER.get(f.code[i])
    if partner_code:
        for j in np.flatnonzero(f.plan_id == f.plan_id[i]):
            if f.code[j] == partner_code and not np.isnan(f.baseline[j]) and not np.isnan(f.value[j]):
                linked = (float(f.baseline[j]), float(f.value[j]))
    return evaluate_row(f, i, linked=linked)


def _opt(x):
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else x


def evaluate_row(f: Frame, i: int, linked=None):
    """The scalar :func:`evaluate` on row ``i`` of the frame: the per-row baseline."""
    value = _opt(float(f.value[i]))
    year = int(f.value_year[i]) if value is not None else f.year
    history = []
    if value is not None:
        history = sorted({(int(f.first_year[i]), float(f.first[i])), (year, value)})
    refs = f.refs.get((int(f.org_unit_id[i]), int(f.indicator_id[i])), {})
    by = int(f.baseline_year[i]) or None
    ty = int(f.target_year[i]) or None
    return evaluate(parse_target(f.text[i], f.direction[i]), year=year, value=value,
                    baseline=_opt(float(f.baseline[i])), baseline_year=by, target_year=ty,
                    direction=f.direction[i], history=history, reference_values=refs, linked=linked)


@dataclass
class YearResult:
    frame: Frame
    status: np.ndarray

    def counts(self) -> dict[str, int]:
        c = np.bincount(self.status, minlength=len(STATUSES))
        return {STATUSES[k]: int(c[k]) for k in range(len(STATUSES))}

    def status_names(self) -> list[str]:
        return [STATUSES[k] for k in self.status.tolist()]


def evaluate_year(s: Session, year: int, levels: tuple[str, ...] = COUNTY_LEVELS, *,
                  cached: bool = True) -> YearResult:
    """Every target of the current plans of units at ``levels`` (county-level by default) in ``year``
    (``cached=False``: targets read and parsed afresh rather than taken from the cache)."""
    f = load(s, year, levels, cached=cached)
    return YearResult(frame=f, status=statuses(f))


def evaluate_year_rowwise(f: Frame) -> list[str]:
    """The straightforward per-row loop over the same data with the scalar evaluator (the baseline)."""
    out = []
    for i in range(len(f)):
        out.append(_scalar_row(f, i).status if LINKED_PARTNER.get(f.code[i]) else evaluate_row(f, i).status)
    return out


__all__ = ["Frame", "Targets", "targets", "load", "statuses", "evaluate_year", "evaluate_year_rowwise", "evaluate_row", "STATUSES",
           "STATUS_ORDER", "COUNTY_LEVELS"]
