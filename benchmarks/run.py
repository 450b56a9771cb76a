"""Benchmarks, one command: ``.venv/bin/python benchmarks/run.py [--quick] [--json] [--db URL] [--units N]``.

Each figure is printed with a ratio against a baseline measured in the same process, so the ratio
holds on any machine. Ingestion: documents per second (seeds repeated) against the baseline of
merely decoding and splitting the same files into lines — the floor any reader has to pay.

Scale (synthetic data from ``healthplan.generate``, in a fresh SQLite file or, with ``--db
postgresql://…``, a fresh schema dropped afterwards): generation throughput against per-row ORM
inserts; evaluation of every county-level unit × indicator for one year, set-based
(``healthplan.evaluate.bulk``: SQL + numpy) against a straightforward per-row Python loop over the
same data with the scalar ``evaluate()``, cold and warm; the plan page's API at p50/p95 with 20
concurrent clients against a real uvicorn server (``api_bench``), against the same server without the
evaluation cache; a 100,000-row Excel import with full validation (``import_bench``) against the
row-by-row path; peak memory (``ru_maxrss``) against the memory after imports. Without ``--quick``
(national size: 2,850 county-level units) the results and the machine are written to
``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from healthplan.cli import seed_files  # noqa: E402
from healthplan.ingest import extract_plan  # noqa: E402
from healthplan.ingest.readers.txt import decode, parse_text  # noqa: E402


def _rate(fn, payloads: list, seconds: float) -> float:
    """Items per second of ``fn`` over ``payloads``, repeated for at least ``seconds``."""
    done, start = 0, time.perf_counter()
    while True:
        for p in payloads:
            fn(p)
        done += len(payloads)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def bench_ingest(seconds: float) -> dict:
    payloads = [(f.name, f.read_bytes()) for f in seed_files()]

    def ingest(item):
        name, data = item
        return extract_plan(parse_text(decode(data, name), name))

    def baseline(item):
        name, data = item
        return decode(data, name).splitlines()

    for item in payloads:  # warm up imports and caches (the region index)
        ingest(item)
    value = _rate(ingest, payloads, seconds)
    base = _rate(baseline, payloads, seconds / 2)
    return {"name": "ingest_seed_documents", "value": round(value, 1), "unit": "documents/s",
            "baseline": round(base, 1), "baseline_name": "decode + split lines", "ratio": round(value / base, 4),
            "target": ">= 100 documents/s on one core"}


def _rss_mib() -> float:
    """Peak resident memory of this process so far (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


class Scratch:
    """A fresh store for the scale benchmarks: a temporary SQLite file, or a new PostgreSQL schema."""

    def __init__(self, db: str | None):
        from healthplan.store import Store, database_url

        self.schema = None
        self.tmp = None
        if db and database_url(db).startswith("postgresql"):
            import psycopg

            self.base = db
            self.schema = "bench_" + uuid.uuid4().hex[:10]
            with psycopg.connect(self._plain(db), autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{self.schema}"')
            sep = "&" if "?" in db else "?"
            self.store = Store(f"{db}{sep}options=-csearch_path%3D{self.schema}")
        else:
            self.tmp = tempfile.TemporaryDirectory(prefix="healthplan-bench-")
            self.store = Store(db if db else str(Path(self.tmp.name) / "bench.db"))

    @staticmethod
    def _plain(url: str) -> str:
        return url.replace("postgresql+psycopg://", "postgresql://")

    def version(self) -> str:
        from sqlalchemy import text

        with self.store.engine.connect() as conn:
            if self.store.dialect == "postgresql":
                return conn.execute(text("SELECT version()")).scalar().split(",")[0]
            return "SQLite " + conn.execute(text("SELECT sqlite_version()")).scalar()

    def close(self) -> None:
        self.store.close()
        if self.schema:
            import psycopg

            with psycopg.connect(self._plain(self.base), autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{self.schema}" CASCADE')
        if self.tmp:
            self.tmp.cleanup()


def bench_generate(store, units: int, seed: int = 1) -> tuple[dict, object]:
    """Synthetic data written set-based, rows/s, against per-row ORM inserts of observations."""
    from sqlalchemy import delete, select

    from healthplan.generate import SYNTHETIC, generate
    from healthplan.store import models as m

    out = generate(store, units=units, seed=seed)
    value = out.rows / out.seconds["total"]
    # baseline: the same kind of rows, one ORM object at a time (years far outside the data)
    with store.session() as s:
        unit_ids = s.scalars(select(m.OrgUnit.id).where(m.OrgUnit.level != "township").limit(20)).all()
        ind_ids = s.scalars(select(m.Indicator.id).limit(20)).all()
    n = 2000 if units >= 100 else 500
    start = time.perf_counter()
    with store.session() as s:
        for k in range(n):
            u, i, y = unit_ids[k % len(unit_ids)], ind_ids[(k // len(unit_ids)) % len(ind_ids)], 1000 + k
            s.add(m.Observation(org_unit_id=u, indicator_id=i, period=str(y), year=y, value=float(k),
                                source="合成数据", comment=SYNTHETIC, example=True, created_by=SYNTHETIC,
                                updated_by=SYNTHETIC))
    base = n / (time.perf_counter() - start)
    with store.session() as s:
        s.execute(delete(m.Observation).where(m.Observation.year < 1900))
    per_million = out.seconds["total"] / out.rows * 1e6
    return ({"name": "generate_rows", "value": round(value), "unit": "rows/s", "baseline": round(base),
             "baseline_name": "per-row ORM inserts", "ratio": round(value / base, 2),
             "target": f"{out.rows:,} rows ({out.observations:,} observations) in {out.seconds['total']:.1f} s"
                       f" = {per_million:.1f} s per million rows"}, out)


def bench_evaluate(store, year: int, repeat: int) -> list[dict]:
    """All county-level units × indicators in ``year``: set-based against the per-row scalar loop.

    Cold: the first evaluation in a process (targets read and parsed). Warm: the server's steady state —
    the parsed targets come from the cache (checked against the store's fingerprint on every call) and
    the year's figures are read afresh every time."""
    from healthplan.evaluate.bulk import evaluate_year, evaluate_year_rowwise, load, statuses

    with store.session() as s:
        start = time.perf_counter()
        cold_result = evaluate_year(s, year, cached=False)
        cold = time.perf_counter() - start
    timings, loads, computes = [], [], []
    for _ in range(repeat):
        with store.session() as s:
            start = time.perf_counter()
            result = evaluate_year(s, year)
            timings.append(time.perf_counter() - start)
            start = time.perf_counter()
            frame = load(s, year)
            loads.append(time.perf_counter() - start)
        start = time.perf_counter()
        statuses(frame)
        computes.append(time.perf_counter() - start)
    start = time.perf_counter()
    slow = evaluate_year_rowwise(frame)
    base = time.perf_counter() - start
    assert slow == result.status_names() == cold_result.status_names(), "set-based and per-row statuses differ"
    rows = len(frame)
    value, compute = min(timings), min(computes)
    # what a page does: evaluate_plan plan by plan (its own queries), on a sample of plans, scaled up
    from sqlalchemy import select

    from healthplan.evaluate.plans import evaluate_plan
    from healthplan.store import models as m

    plan_ids = sorted(set(frame.plan_id.tolist()))
    sample = plan_ids[:: max(1, len(plan_ids) // 40)][:40]
    with store.session() as s:
        s.scalars(select(m.Indicator)).all()
        start = time.perf_counter()
        done = sum(len(evaluate_plan(s, pid, year)) for pid in sample)
        per_row = (time.perf_counter() - start) / max(done, 1)
    app = per_row * rows
    return [
        {"name": "evaluate_year_all_counties", "value": round(value, 4), "unit": "s", "baseline": round(base, 4),
         "baseline_name": "per-row loop with scalar evaluate() over the loaded data (load not counted)",
         "ratio": round(base / value, 2),
         "target": f"{rows:,} targets in {year}, warm (parsed targets cached, figures read every time);"
                   " <= 2 s and >= 20x at national size (ratio = speed-up)"},
        {"name": "evaluate_year_cold", "value": round(cold, 4), "unit": "s", "baseline": round(base, 4),
         "baseline_name": "per-row loop with scalar evaluate() (load not counted)", "ratio": round(base / cold, 2),
         "target": "first evaluation in a process: targets read and parsed too; <= 2 s"},
        {"name": "evaluate_year_compute_only", "value": round(compute, 4), "unit": "s", "baseline": round(base, 4),
         "baseline_name": "per-row loop with scalar evaluate()", "ratio": round(base / compute, 2),
         "target": f"numpy part alone; SQL load {min(loads):.3f} s"},
        {"name": "evaluate_year_vs_evaluate_plan", "value": round(value, 4), "unit": "s", "baseline": round(app, 4),
         "baseline_name": f"evaluate_plan() plan by plan, queries included ({len(sample)} plans timed, scaled to all)",
         "ratio": round(app / value, 2), "target": "one plan at a time as a page does it, for scale"},
    ]


def machine(scratch: "Scratch | None") -> dict:
    import numpy
    import sqlalchemy

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cpus": os.cpu_count(), "system": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(), "sqlalchemy": sqlalchemy.__version__, "numpy": numpy.__version__,
            "database": scratch.version() if scratch else "—"}


def write_results(path: Path, results: list[dict], info: dict, generated, dialect: str) -> None:
    """Write this run's section of RESULTS.md (one per database; the other database's section is kept)."""
    import re

    title = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(dialect, dialect)
    lines = [f"<!-- run:{dialect} -->", f"## {title}", "",
             f"Run on {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}:"
             f" `{' '.join(['.venv/bin/python benchmarks/run.py', *sys.argv[1:]])}`", "",
             "Machine:", "",
             f"- CPU: {info['cpu']} — {info['cpus']} CPUs; {info['system']}",
             f"- Python {info['python']}, SQLAlchemy {info['sqlalchemy']}, numpy {info['numpy']}",
             f"- Database: {info['database']}", ""]
    if generated is not None:
        g = generated
        lines += [f"Data (synthetic, 合成数据, seed 1): {g.provinces} provinces, {g.cities} cities, {g.counties:,} county-level"
                  f" units, {g.townships:,} townships; {g.plans:,} plans, {g.targets:,} targets ({len(g.indicators)}"
                  f" indicators), {g.observations:,} yearly observations. Generation: {g.rows:,} rows in"
                  f" {g.seconds['total']:.1f} s = {g.seconds['total'] / g.rows * 1e6:.1f} s per million rows"
                  f" (observations alone {g.seconds['observations'] / max(g.observations, 1) * 1e6:.1f} s per million).", ""]
    lines += ["| name | value | unit | baseline | ratio | note |", "|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['name']} | {r['value']} | {r['unit']} | {r['baseline']} ({r.get('baseline_name', '')}) |"
                     f" {r['ratio']} | {r.get('target', '')} |")
    lines += ["", f"<!-- end:{dialect} -->"]
    section = "\n".join(lines)
    head = ("# Benchmark results\n\nWritten by `benchmarks/run.py` (without `--quick`); do not edit by hand, run it"
            " again. One section per database. Ratios: throughput figures are value ÷ baseline; times are"
            " baseline ÷ value (the speed-up); memory is peak ÷ memory after imports.\n")
    old = path.read_text(encoding="utf-8") if path.exists() else head
    pattern = re.compile(rf"<!-- run:{re.escape(dialect)} -->.*?<!-- end:{re.escape(dialect)} -->", re.S)
    text_ = pattern.sub(lambda _: section, old) if pattern.search(old) else old.rstrip("\n") + "\n\n" + section
    path.write_text(text_.rstrip("\n") + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs, for CI")
    parser.add_argument("--json", action="store_true", help="print JSON objects")
    parser.add_argument("--db", help="a PostgreSQL URL (a fresh schema is made and dropped) or a SQLite file; "
                                     "default a temporary SQLite file")
    parser.add_argument("--units", type=int, help="county-level units to generate (default 20 quick, 2850 full: national size)")
    parser.add_argument("--year", type=int, default=2023, help="the year evaluated (default 2023)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes for the API benchmark"
                                                              " (default 2: this machine's cores)")
    parser.add_argument("--skip-api", action="store_true", help="leave out the API latency benchmark")
    parser.add_argument("--skip-import", action="store_true", help="leave out the Excel import benchmark")
    parser.add_argument("--results", default=str(Path(__file__).resolve().parent / "RESULTS.md"),
                        help="where the full run writes its results")
    args = parser.parse_args()
    start_rss = _rss_mib()
    seconds = 0.5 if args.quick else 3.0
    units = args.units or (20 if args.quick else 2850)
    results = [bench_ingest(seconds)]
    scratch = Scratch(args.db)
    try:
        gen, generated = bench_generate(scratch.store, units)
        results.append(gen)
        results += bench_evaluate(scratch.store, args.year, 2 if args.quick else 3)
        if not args.skip_api:
            from api_bench import bench_api

            results += bench_api(scratch.store, clients=20, requests=10 if args.quick else 100,
                                 baseline_requests=3 if args.quick else 25, workers=args.workers)
        if not args.skip_import:
            from import_bench import bench_import

            results += bench_import(scratch.store, rows=2_000 if args.quick else 100_000)
        info = machine(scratch)
        dialect = scratch.store.dialect
    finally:
        scratch.close()
    import api_bench

    peak, server_peak = _rss_mib(), api_bench.SERVER_PEAK_MIB[0]
    results.append({"name": "peak_memory", "value": round(peak, 1), "unit": "MiB", "baseline": round(start_rss, 1),
                    "baseline_name": "after imports", "ratio": round(peak / start_rss, 2),
                    "target": f"<= 2048 MiB at national size (this process: generation, evaluation, import;"
                              f" the largest uvicorn process {server_peak:.0f} MiB)"})
    if not args.quick:
        write_results(Path(args.results), results, info, generated, dialect)
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return
    print(f"healthplan benchmarks — Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs,"
          f" {info['database']}, {units} county-level units")
    for r in results:
        print(f"{r['name']}: {r['value']} {r['unit']}  (baseline {r['baseline_name']}: {r['baseline']} {r['unit']},"
              f" ratio {r['ratio']})  target {r['target']}")


if __name__ == "__main__":
    main()
