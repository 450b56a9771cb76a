"""Import benchmark (导入性能): a 100,000-row Excel file, read, fully checked and written in one transaction.

``bench_import(store, rows=100_000)`` builds a valid file in the exchange format (the export workbook's
“数据值” and “人口” sheets; ``fmt="csv"`` for the CSV) from the synthetic data of ``healthplan.generate``
(made first when the store has none), imports it with ``import_data`` — timed end to end: reading,
every check, writing, commit — and compares it with the old path, ``put_observation`` row by row
(``exchange_import.import_rowwise``), timed in the same run on an evenly spread sample of the same file
(read and checked as well, by today's reader; rolled back after) and scaled linearly to the same number
of rows. The result carries the import's phases (read, check, write, commit) and the mix of rows.

The file mixes what a real yearly collection brings: figures of county-level units already stored, a
fifth of the rows changed (updates: versions bump, old → new audited) and a tenth the same (left
alone), the rest new figures of townships (inserts); plus 常住人口 and bed counts (HR-NBED) of the
counties for five years, so that per-capita bed numbers are derived and compared with the reported
ones (agreements and disagreements). The import stays applied in ``store``; its rows are example
figures (示例数据) of the synthetic units, like the rest of the synthetic data.
"""

from __future__ import annotations

import csv
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

SAMPLE = 2_000  # rows of the old path timed, then scaled
POP_YEARS = (2019, 2020, 2021, 2022, 2023)
SOURCE = "2024年监测"


def _plan_rows(store, rows: int, seed: int = 11) -> tuple[list[list], list[list], dict]:
    """(observation rows, population rows, mix) in the export's column order, from the synthetic data."""
    import numpy as np

    from healthplan.generate import SYNTHETIC, chosen_indicators, generate
    from healthplan.store import models as m
    from healthplan.store.exchange_files import TABLES
    from healthplan.store.observations import check_value

    with store.session() as s:
        have = s.scalars(select(m.OrgUnit.id).where(m.OrgUnit.note == SYNTHETIC)).first() is not None
    if not have:
        generate(store, units=max(40, rows * 3 // 10 // 800 + 1), seed=seed)
    codes = [e.code for e in chosen_indicators()]
    n_upd, n_same = rows * 2 // 10, rows // 10
    ob = m.Observation
    with store.session() as s:
        units = s.execute(select(m.OrgUnit.id, m.OrgUnit.name, m.OrgUnit.level)
                          .where(m.OrgUnit.note == SYNTHETIC).order_by(m.OrgUnit.id)).all()
        inds = {i.code: i for i in s.scalars(select(m.Indicator).where(m.Indicator.code.in_(codes + ["HR-NBED"])))}
        by_id = {i.id: i for i in inds.values()}
        counties = [(u.id, u.name) for u in units if u.level not in ("province", "city", "township")]
        townships = [(u.id, u.name) for u in units if u.level == "township"]
        county_ids = {uid for uid, _ in counties}
        # only what the file needs, whatever the size of the store: the first counties' figures
        figures = select(ob.org_unit_id, ob.indicator_id, ob.period, ob.value, ob.example).where(
            ob.facility_id.is_(None), ob.derived.is_(False), ob.indicator_id.in_([i.id for i in by_id.values()]),
            ob.org_unit_id.between(min(county_ids), max(county_ids)))
        stored = [o for o in s.execute(figures.order_by(ob.id).limit(2 * (n_upd + n_same) + 2000))
                  if o.org_unit_id in county_ids]
        reported = {(o.org_unit_id, o.period): o.value for o in s.execute(figures.where(
            ob.indicator_id == inds["HR-BED"].id, ob.period.in_([str(y) for y in POP_YEARS])))} \
            if "HR-BED" in inds else {}
        town_ids = [uid for uid, _ in townships]
        existing = {tuple(k) for k in s.execute(select(ob.org_unit_id, ob.indicator_id, ob.period).where(
            ob.facility_id.is_(None), ob.org_unit_id.between(min(town_ids), max(town_ids))))} if town_ids else set()
    name = dict(counties + townships)
    rng = np.random.default_rng(seed)
    cols = [c.key for c in TABLES["observations"][1]]

    def row(uid, ind, period, value, example):
        d = {"org_unit_code": None, "org_unit": name[uid], "org_unit_valid_from": None, "facility": None,
             "indicator_code": ind.code, "indicator": ind.name, "unit": ind.unit, "period": period, "value": value,
             "source": SOURCE, "comment": None, "derived": "否", "example": "是" if example else "否"}
        return [d[k] for k in cols]

    def plausible(ind, v):
        v = min(v, 100.0) if ind.unit == "%" else v
        return None if check_value(ind, v) else v  # the synthetic series may stray past what a check allows

    # 常住人口 and bed counts of the counties: per-capita beds are derived, agreeing or not with the reported
    pops, beds = [], []
    budget = max(0, rows // 50)
    for k, (uid, uname) in enumerate(counties):
        for year in POP_YEARS:
            if len(pops) + len(beds) + 2 > budget:
                break
            people = float(int(rng.uniform(200_000, 1_500_000)))
            per_1000 = reported.get((uid, str(year)), 5.5) * (1.25 if k % 3 == 0 else 1.0)
            pops.append([None, uname, None, year, "常住人口", people, "否", "统计年鉴"])
            beds.append(row(uid, inds["HR-NBED"], str(year), float(round(per_1000 * people / 1000)), False))
    in_file = {(u, inds["HR-NBED"].id, str(y)) for u in county_ids for y in POP_YEARS}
    # county figures already stored: a fifth changed, a tenth the same
    updates, same = [], []
    for o in stored:
        if o.org_unit_id not in county_ids or (o.org_unit_id, o.indicator_id, o.period) in in_file:
            continue
        ind = by_id.get(o.indicator_id)
        if ind is None:
            continue
        if len(updates) < n_upd and (len(updates) + len(same)) % 3 != 2:
            new = plausible(ind, round(o.value * 0.97 + 0.01, 2))
            if new is None or new == o.value or check_value(ind, o.value):
                continue
            updates.append(row(o.org_unit_id, ind, o.period, new, o.example))
        elif len(same) < n_same and not check_value(ind, o.value):
            same.append(row(o.org_unit_id, ind, o.period, o.value, o.example))
        if len(updates) >= n_upd and len(same) >= n_same:
            break
    # the rest: new figures of townships, close to their county's
    county_value = {(o.indicator_id, o.period): o.value for o in stored if o.org_unit_id in county_ids}
    inserts = []
    want = rows - len(pops) - len(beds) - len(updates) - len(same)
    for year in range(2023, 2015, -1):
        for uid, _ in townships:
            for code in codes:
                if len(inserts) >= want:
                    break
                ind = inds.get(code)
                if ind is None or (uid, ind.id, str(year)) in existing:
                    continue
                base = county_value.get((ind.id, str(year)), 10.0)
                value = plausible(ind, round(max(0.0, base * float(rng.uniform(0.95, 1.05))), 2))
                if value is None:
                    continue
                inserts.append(row(uid, ind, str(year), value, True))
    obs = beds + updates + same + inserts
    mix = {"populations": len(pops), "bed_counts": len(beds), "changed": len(updates), "same": len(same),
           "new": len(inserts)}
    return obs, pops, mix


def write_file(path: Path, obs: list[list], pops: list[list]) -> Path:
    """The export workbook's sheets (write-only openpyxl), or the CSV (figures only) by the suffix."""
    from healthplan.store.exchange_files import TABLES

    path = Path(path)
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f, lineterminator="\r\n")
            w.writerow([c.zh for c in TABLES["observations"][1]])
            w.writerows([["" if v is None else v for v in r] for r in obs])
        return path
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for table, data in (("observations", obs), ("populations", pops)):
        title, cols = TABLES[table]
        ws = wb.create_sheet(title)
        ws.append([c.zh for c in cols])
        for r in data:
            ws.append(r)
    wb.save(path)
    return path


def build_file(store, folder: Path, rows: int = 100_000, fmt: str = "xlsx", sample: int = SAMPLE):
    """(the file, a sample file of ``sample`` rows spread evenly over it, the mix of rows)."""
    obs, pops, mix = _plan_rows(store, rows)
    if fmt == "csv":  # a CSV holds figures only
        pops, mix["populations"] = [], 0
    folder = Path(folder)
    full = write_file(folder / f"import_{rows}.{fmt}", obs, pops)
    total = len(obs) + len(pops)
    step = max(1, total // max(1, min(sample, total)))
    small = write_file(folder / f"sample_{rows}.{fmt}", obs[::step], pops[::step])
    mix["rows"] = total
    mix["sample_rows"] = len(obs[::step]) + len(pops[::step])
    return full, small, mix


def time_rowwise(store, path: Path, user: str = "bench") -> float:
    """The old path on ``path``: read, check, then ``put_observation`` row by row; rolled back, not kept."""
    from healthplan.store.exchange_import import import_rowwise

    start = time.perf_counter()
    import_rowwise(store, path, user=user, keep=False)
    return time.perf_counter() - start


def bench_import(store, rows: int = 100_000, fmt: str = "xlsx") -> list[dict]:
    """Import a ``rows``-row file end to end (timed) against the old row-by-row path, scaled from a sample."""
    from healthplan.store.exchange import import_data

    with tempfile.TemporaryDirectory(prefix="healthplan-import-") as tmp:
        full, small, mix = build_file(store, Path(tmp), rows, fmt)  # not timed
        size_mib = full.stat().st_size / 1048576
        sample_s = time_rowwise(store, small)
        start = time.perf_counter()
        result = import_data(store, full, user="bench")
        value = time.perf_counter() - start
    base = sample_s / mix["sample_rows"] * mix["rows"]
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
    return [{"name": "import_excel_rows" if fmt == "xlsx" else "import_csv_rows", "value": round(value, 3),
             "unit": "s", "baseline": round(base, 2),
             "baseline_name": f"old path, put_observation per row (same reader and checks), {mix['sample_rows']:,}"
                              f" rows timed, scaled linearly to {mix['rows']:,}",
             "ratio": round(base / value, 2),
             "target": f"<= 30 s for 100,000 rows with full validation; {mix['rows']:,} rows ({size_mib:.1f} MiB"
                       f" {fmt}: {result.inserted:,} inserted, {result.updated:,} updated, {result.unchanged:,}"
                       f" unchanged); {phases}",
             "mix": mix, "phases": {k: round(v, 3) for k, v in result.seconds.items()}}]
