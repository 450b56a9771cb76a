"""Synthetic data at province or national size (合成数据), for benchmarks and load tests.

``generate(store, units=N, years=(2016, 2030), seed=S)`` writes straight into the store with
set-based inserts (SQLAlchemy Core ``insert()`` with lists of rows in chunks; ``COPY`` on PostgreSQL):

- an org-unit tree: provinces → cities → county-level units (``N``) → townships (8–21 per county, 14.5 on
  average: about 41,300 at national size, as China's ~40,000 乡镇街道);
- one plan per county-level unit (十四五, 2021–2025, baseline 2020) with a target for each of ~60
  catalog indicators, baselines and targets realistic for the indicator's unit and direction, in the
  forms plans print (≥85, 90%以上, bare numbers, 左右, 增长10%, 每年提高1个百分点, 持续提升 …);
- yearly observations of every county × indicator over ``years``: a trend toward the target at a
  pace drawn per row (ahead, on the path, behind, going backwards) plus noise, a few gaps.

Everything is marked synthetic: org unit names start with 合成 and carry the note ``synthetic``,
plan titles contain （合成数据）, observations have the source 合成数据 and ``example`` set (never
real figures). The same seed gives the same data, row for row.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

import numpy as np
from sqlalchemy import func, insert, select, text

from .catalog import load_catalog
from .errors import HealthplanError
from .plan import Period
from .plan import Plan as PlanDoc
from .store import Store
from .store import models as m
from .store.observations import plausible_range
from .store.plans import sync_catalog

SYNTHETIC = "synthetic"
SOURCE = "合成数据"
PREFIX = "合成"
TOWNSHIPS_PER_COUNTY = 14.5  # on average


def townships_of(k: int) -> int:
    """Townships of the ``k``-th county: 8–21, cycling (14.5 on average), without touching the random draws."""
    return 8 + (k * 5 + 3) % 14
COUNTIES_PER_CITY = 9
CITIES_PER_PROVINCE = 11
N_INDICATORS = 60
PLAN_START, PLAN_END, BASE_YEAR = 2021, 2025, 2020
CHUNK = 20_000

Progress = Callable[[str, int, int], None]  # stage, done, total

# realistic baseline ranges (low, high) by indicator code, else by unit and direction
RANGES_BY_CODE = {
    "HS-LE": (74.5, 79.5), "HS-HALE": (66.0, 70.0), "HS-MMR": (8.0, 30.0), "HS-IMR": (2.5, 8.0),
    "HS-U5MR": (3.5, 10.0), "HS-PMCD": (13.0, 19.0), "HS-CVDM": (180.0, 320.0), "HS-CAN5": (35.0, 45.0),
    "HL-HLIT": (15.0, 30.0), "HL-EXER": (30.0, 40.0), "HL-SMOK": (20.0, 28.0), "HL-BLOOD": (8.0, 14.0),
    "HL-SALT": (8.0, 11.0), "DC-HIVR": (0.05, 0.2), "DC-TB": (35.0, 70.0), "DC-NID": (150.0, 300.0),
    "DC-MYO": (45.0, 60.0), "DC-CAR": (25.0, 40.0), "MC-BD": (80.0, 160.0), "MC-NMR": (1.5, 4.5),
    "MC-TUO": (1.0, 2.5), "MS-ALOS": (8.0, 10.5), "MS-ALOS3": (7.5, 10.0), "MS-BOR": (70.0, 92.0),
    "MS-BTO": (25.0, 40.0), "MS-ADM": (15.0, 22.0), "MS-VIS": (5.0, 7.5), "MS-HAI": (1.0, 3.0),
    "MS-READ": (2.0, 5.0), "MS-EMS": (10.0, 20.0), "MS-AMS": (35.0, 45.0), "MS-ABOP": (8.0, 15.0),
    "HR-BED": (4.5, 7.0), "HR-DOC": (2.2, 3.5), "HR-NUR": (2.5, 4.0), "HR-PHA": (0.3, 0.6), "HR-GP": (2.0, 4.0),
    "HR-HTW": (6.0, 9.0), "HR-HW": (7.5, 11.0), "HR-PHW": (0.6, 0.9), "HR-PHW10K": (6.0, 9.0),
    "HR-PHI": (0.5, 0.8), "HR-PHI10K": (5.0, 8.0), "HR-PHP": (0.2, 0.4), "HR-CDC": (1.0, 1.8),
    "HR-INSP": (0.8, 1.4), "HR-PSY": (2.5, 4.5), "HR-ICU": (0.5, 1.2), "HR-ICU100K": (5.0, 12.0),
    "HR-AMB": (0.6, 1.2), "HR-DN": (1.0, 1.3), "HR-BS": (0.8, 1.1), "HR-BN": (0.4, 0.7), "TC-DOC": (0.4, 0.8),
    "TC-BED": (0.7, 1.2), "HP-OOP": (26.0, 32.0), "HP-GOV": (25.0, 32.0), "HP-GDP": (6.0, 8.0),
    "HP-PHSF": (70.0, 85.0), "HP-FIS": (7.0, 10.0), "HP-OPC": (250.0, 400.0), "HP-IPC": (8000.0, 13000.0),
}
RANGES_BY_UNIT = {("%", "up"): (55.0, 92.0), ("%", "down"): (8.0, 35.0), ("%", "neutral"): (60.0, 90.0),
                  ("‰", "down"): (3.0, 8.0), ("‰", "up"): (8.0, 14.0), ("/10万", "down"): (10.0, 60.0)}
RELATIVE_UP = ["增长5%", "增长10%", "提高10%", "增长20%", "较2018年增长10%"]
RELATIVE_DOWN = ["降低5%", "下降10%", "降低10%以上", "下降15%", "比2018年降低10%"]
RATE_UP = ["每年提高1个百分点", "年均增长2%", "每年提高0.5个百分点以上"]
RATE_DOWN = ["每年降低0.5个百分点", "年均下降2%", "每年下降1个百分点以上"]


@dataclass
class Generated:
    """What one run wrote."""

    provinces: int = 0
    cities: int = 0
    counties: int = 0
    townships: int = 0
    plans: int = 0
    targets: int = 0
    observations: int = 0
    indicators: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return (self.provinces + self.cities + self.counties + self.townships + self.plans + self.targets
                + self.observations)


def chosen_indicators(n: int = N_INDICATORS):
    """~60 catalog indicators, spread over the categories: rates and per-capita values, no counts or population."""
    eligible = [e for e in load_catalog().entries
                if not e.code.startswith("PO-") and not (e.per_capita is None and e.factor is None and e.unit in ("张", "人"))
                and e.code not in ("HP-THEPC", "DC-HIVN")]
    step = len(eligible) / n if len(eligible) > n else 1
    picked, seen = [], set()
    for i in range(min(n, len(eligible))):
        e = eligible[int(i * step)]
        if e.code not in seen:
            seen.add(e.code)
            picked.append(e)
    return picked


def _range(e) -> tuple[float, float]:
    if e.code in RANGES_BY_CODE:
        return RANGES_BY_CODE[e.code]
    return RANGES_BY_UNIT.get((e.unit, e.direction), (40.0, 80.0) if e.unit == "%" else (1.0, 10.0))


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _target_text(rng_u: float, rng_pick: float, e, goal: float) -> tuple[str, float | None, str]:
    """(target text, numeric goal or None, kind) for one row; ``rng_u`` picks the form."""
    up, down = e.direction == "up", e.direction == "down"
    pct = "%" if e.unit == "%" else ""
    g = _num(goal)
    if e.direction == "neutral":
        return (f"{g}左右" if rng_u < 0.7 else g), goal, "threshold"
    if rng_u < 0.50:
        return (f"≥{g}{pct}" if up else f"≤{g}{pct}"), goal, "threshold"
    if rng_u < 0.65:
        return (f"{g}{pct}以上" if up else f"{g}{pct}以下"), goal, "threshold"
    if rng_u < 0.77:
        return f"{g}{pct}", goal, "threshold"
    if rng_u < 0.80:
        return (f">{g}" if up else f"<{g}"), goal, "threshold"
    if rng_u < 0.83:
        return f"{g}左右", goal, "threshold"
    if rng_u < 0.90:
        options = RELATIVE_UP if up else RELATIVE_DOWN
        return options[int(rng_pick * len(options)) % len(options)], None, "relative"
    if rng_u < 0.95 and (e.unit == "%" or not down):
        options = RATE_UP if up else RATE_DOWN
        return options[int(rng_pick * len(options)) % len(options)], None, "rate"
    if rng_u < 0.98:
        return ("持续提升" if up else "持续下降"), None, "direction"
    return ("有效控制" if down else "稳步推进"), None, "qualitative"


def _goal_of(text_: str, kind: str, baseline: float, years: int) -> float:
    """The numeric goal a relative or rate target implies (for drawing the observations)."""
    n = re.search(r"(?:增长|提高|提升|降低|下降|减少)(\d+(?:\.\d+)?)", text_)
    change = float(n.group(1)) if n else 0.0
    sign = 1 if any(w in text_ for w in ("增长", "提高", "提升")) else -1
    if kind == "relative":
        return baseline * (1 + sign * change / 100)
    if kind == "rate":
        if "%" in text_:
            return baseline * (1 + sign * change / 100) ** years
        return baseline + sign * change * years
    return baseline * (1.05 if sign > 0 else 0.95)


def _next_id(conn, table) -> int:
    return (conn.execute(select(func.max(table.c.id))).scalar() or 0) + 1


def _write(conn, table, columns: list[str], rows: list[tuple], dialect: str) -> None:
    """Rows (tuples in ``columns`` order) into ``table``, set-based: COPY on PostgreSQL, the driver's
    executemany in chunks elsewhere (values already in the database's form: see :func:`_db_time`)."""
    if not rows:
        return
    cols = ", ".join(f'"{c}"' for c in columns)
    if dialect == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            with cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        return
    if dialect != "sqlite":
        for start in range(0, len(rows), CHUNK):
            conn.execute(insert(table), [dict(zip(columns, r)) for r in rows[start:start + CHUNK]])
        return
    sql = f'INSERT INTO "{table.name}" ({cols}) VALUES ({", ".join("?" * len(columns))})'
    for start in range(0, len(rows), CHUNK):
        conn.exec_driver_sql(sql, rows[start:start + CHUNK])


def _db_time(value: datetime, dialect: str):
    """A timestamp as the dialect stores it: SQLAlchemy's SQLite text form, else the datetime itself."""
    if dialect == "sqlite":
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def generate(store: Store, units: int, years: tuple[int, int] = (2016, 2030), seed: int = 0,
             progress: Progress | None = None) -> Generated:
    """Write synthetic org units, plans, targets and observations for ``units`` county-level units."""
    if units < 1:
        raise HealthplanError("县级单位数量至少为1。", "--units must be at least 1.")
    y0, y1 = years
    if y0 > y1:
        raise HealthplanError("年份范围有误。", "The first year is after the last.")
    report = progress or (lambda stage, done, total: None)
    out = Generated()
    rng = np.random.default_rng(seed)
    dialect = store.dialect
    stamp = _db_time(datetime(2026, 1, 1, tzinfo=timezone.utc), dialect)
    t0 = time.perf_counter()

    with store.session() as s:
        if s.scalars(select(m.OrgUnit.id).where(m.OrgUnit.note == SYNTHETIC)).first() is not None:
            raise HealthplanError("数据库中已有合成数据；请使用新的数据库。",
                                  "The store already holds synthetic data; use a fresh database.")
        codes = sync_catalog(s)
        entries = chosen_indicators()
        ind_ids = [codes[e.code].id for e in entries]
    out.indicators = [e.code for e in entries]
    K = len(entries)

    ou, pl, tg, ob = (m.OrgUnit.__table__, m.Plan.__table__, m.Target.__table__, m.Observation.__table__)
    with store.engine.begin() as conn:
        # --- org units ------------------------------------------------------------------------------
        next_id = _next_id(conn, ou)
        n_cities = math.ceil(units / COUNTIES_PER_CITY)
        n_prov = math.ceil(n_cities / CITIES_PER_PROVINCE)
        ou_cols = ["id", "code", "name", "level", "parent_id", "valid_from", "valid_to", "note"]
        rows, counties = [], []
        prov_ids = []
        for p in range(n_prov):
            prov_ids.append(next_id)
            rows.append((next_id, f"S{p + 1:02d}", f"{PREFIX}第{p + 1}省", "province", None, None, None, SYNTHETIC))
            next_id += 1
        city_ids = []
        for c in range(n_cities):
            p = c // CITIES_PER_PROVINCE
            city_ids.append(next_id)
            code = f"S{p + 1:02d}{c % CITIES_PER_PROVINCE + 1:02d}"
            rows.append((next_id, code, f"{PREFIX}第{p + 1}省第{c % CITIES_PER_PROVINCE + 1}市", "city",
                         prov_ids[p], None, None, SYNTHETIC))
            next_id += 1
        for k in range(units):
            c = k // COUNTIES_PER_CITY
            p = c // CITIES_PER_PROVINCE
            code = f"S{p + 1:02d}{c % CITIES_PER_PROVINCE + 1:02d}{k % COUNTIES_PER_CITY + 1:02d}"
            name = f"{PREFIX}第{p + 1}省第{c % CITIES_PER_PROVINCE + 1}市第{k % COUNTIES_PER_CITY + 1}县"
            level = "district" if k % 4 == 0 else ("county-level city" if k % 7 == 0 else "county")
            counties.append((next_id, code, name))
            rows.append((next_id, code, name, level, city_ids[c], None, None, SYNTHETIC))
            next_id += 1
        n_townships = 0
        for k, (cid, ccode, cname) in enumerate(counties):
            n_townships += townships_of(k)
            for t in range(townships_of(k)):
                rows.append((next_id, f"{ccode}{t + 1:03d}", f"{cname}第{t + 1}乡镇", "township", cid, None, None,
                             SYNTHETIC))
                next_id += 1
        _write(conn, ou, ou_cols, rows, dialect)
        out.provinces, out.cities, out.counties = n_prov, n_cities, units
        out.townships = n_townships
        report("机构", len(rows), len(rows))
        out.seconds["org_units"] = time.perf_counter() - t0

        # --- draws, all at once -------------------------------------------------------------------------
        lo = np.array([_range(e)[0] for e in entries])
        hi = np.array([_range(e)[1] for e in entries])
        baseline = np.round(rng.uniform(lo, hi, size=(units, K)), 2)
        up = np.array([e.direction == "up" for e in entries])
        down = np.array([e.direction == "down" for e in entries])
        pct = np.array([e.unit == "%" for e in entries])
        gain = rng.uniform(0.03, 0.15, size=(units, K))  # relative improvement the plan asks for
        goal = np.where(up, baseline * (1 + gain), np.where(down, baseline * (1 - gain), baseline))
        goal = np.where(pct & up, np.minimum(goal, np.maximum(baseline, 99.0)), goal)
        goal = np.round(goal, 1)
        form = rng.uniform(size=(units, K))
        pick = rng.uniform(size=(units, K))
        no_baseline = rng.uniform(size=(units, K)) < 0.03
        pace = rng.normal(0.9, 0.6, size=(units, K))  # share of the planned path covered per year (1 = on it)
        history_pace = rng.uniform(0.4, 1.0, size=(units, K))
        n_years = y1 - y0 + 1
        noise = rng.normal(0.0, 1.0, size=(units, K, n_years))
        gaps = rng.uniform(size=(units, K, n_years)) < 0.02

        # --- plans and targets ----------------------------------------------------------------------------
        t1 = time.perf_counter()
        plan_id = _next_id(conn, pl)
        pl_cols = ["id", "org_unit_id", "title", "period_start", "period_end", "version", "current", "published",
                   "file_name", "file_sha256", "document", "created_at", "created_by"]
        tg_cols = ["plan_id", "indicator_id", "org_unit_id", "facility_id", "part", "domain", "name_in_plan",
                   "unit_in_plan", "property", "direction", "baseline_year", "baseline_text", "baseline_value",
                   "baseline_inferred", "target_year", "target_text", "outlook_year", "outlook_text", "line"]
        plan_rows, target_rows = [], []
        goals = np.empty((units, K))
        for k, (uid, code, name) in enumerate(counties):
            title = f"{name}卫生健康事业发展“十四五”规划（合成数据）"
            doc = PlanDoc(file=f"synthetic-{code}.txt", region=name, region_code=None, level="county", title=title,
                          period=Period(start=PLAN_START, end=PLAN_END)).contract()
            sha = hashlib.sha256(f"synthetic|{seed}|{code}".encode()).hexdigest()
            plan_rows.append((plan_id + k, uid, title, PLAN_START, PLAN_END, 1, True, True, f"synthetic-{code}.txt",
                              sha, json.dumps(doc, ensure_ascii=False) if dialect in ("postgresql", "sqlite") else doc,
                              stamp, SYNTHETIC))
            for j, e in enumerate(entries):
                b = float(baseline[k, j])
                text_, g, kind = _target_text(float(form[k, j]), float(pick[k, j]), e, float(goal[k, j]))
                goals[k, j] = g if g is not None else _goal_of(text_, kind, b, PLAN_END - BASE_YEAR)
                missing = bool(no_baseline[k, j])
                target_rows.append((
                    plan_id + k, ind_ids[j], uid, None, 0, e.category, e.name_zh, e.unit,
                    "约束性" if (j % 5 == 0) else "预期性", e.direction, None if missing else BASE_YEAR,
                    "--" if missing else _num(b), None if missing else b, False, PLAN_END, text_, None, None, j + 1))
            if (k + 1) % 200 == 0:
                report("规划", k + 1, units)
        _write(conn, pl, pl_cols, plan_rows, dialect)
        report("规划", units, units)
        _write(conn, tg, tg_cols, target_rows, dialect)
        out.plans, out.targets = units, len(target_rows)
        out.seconds["plans_targets"] = time.perf_counter() - t1

        # --- observations ---------------------------------------------------------------------------------
        t2 = time.perf_counter()
        yrs = np.arange(y0, y1 + 1)
        step = (goals - baseline) / (PLAN_END - BASE_YEAR)  # per year on the planned path
        since = yrs[None, None, :] - BASE_YEAR
        slope = np.where(since >= 0, pace[:, :, None], history_pace[:, :, None]) * step[:, :, None]
        values = baseline[:, :, None] + slope * since
        scale = np.abs(step)[:, :, None] * 0.6 + np.abs(baseline)[:, :, None] * 0.005
        values = values + noise * scale
        values = np.where(since == 0, baseline[:, :, None], values)  # the baseline year is the baseline
        values = np.maximum(values, 0.0)
        values = np.where(pct[None, :, None], np.minimum(values, 100.0), values)
        # within what the store's checks accept (预期寿命 ≤ 100, per-1000 ≤ 50 …), so that exported
        # synthetic data imports again
        bounds = np.array([plausible_range(codes[e.code]) for e in entries])
        values = np.clip(values, bounds[None, :, 0, None], bounds[None, :, 1, None])
        values = np.round(values, 2)
        keep = ~gaps | (since == 0)
        ob_cols = ["org_unit_id", "facility_id", "indicator_id", "period", "year", "value", "source", "comment",
                   "derived", "example", "import_id", "version", "created_at", "created_by", "updated_at",
                   "updated_by"]
        total = int(keep.sum())
        done = 0
        periods = [str(y) for y in yrs.tolist()]
        year_list = yrs.tolist()
        batch: list[tuple] = []
        for k, (uid, _, _) in enumerate(counties):
            vk, kk = values[k].tolist(), keep[k].tolist()
            for j in range(K):
                iid, vrow, krow = ind_ids[j], vk[j], kk[j]
                for t in range(n_years):
                    if krow[t]:
                        batch.append((uid, None, iid, periods[t], year_list[t], vrow[t], SOURCE, SYNTHETIC, False,
                                      True, None, 1, stamp, SYNTHETIC, stamp, SYNTHETIC))
            if len(batch) >= 100_000 or k == units - 1:
                _write(conn, ob, ob_cols, batch, dialect)
                done += len(batch)
                batch = []
                report("观测值", done, total)
        out.observations = done
        out.seconds["observations"] = time.perf_counter() - t2
        if dialect == "postgresql":
            for table in ("org_unit", "plan"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM \"{table}\"))"))
    # statistics for the planner, and on PostgreSQL the visibility map that index-only scans need (what
    # autovacuum would do a little later): the benchmarks measure the store as it runs, not mid-load
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if dialect == "postgresql":
            conn.execute(text("VACUUM (ANALYZE) observation"))
        conn.execute(text("ANALYZE"))
    out.seconds["total"] = time.perf_counter() - t0
    return out
