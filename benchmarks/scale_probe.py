"""The measurements behind docs/scale.md's line between one PostgreSQL server and Parquet + DuckDB.

``.venv/bin/python benchmarks/scale_probe.py SQLITE_FILE [--pg URL]``: SQLITE_FILE holds national synthetic
data (``healthplan generate --units 2850 --seed 1 --db FILE``), URL the same data in PostgreSQL. It
writes the observations 25 times over (as if 25 facilities reported each county figure: 63 million rows)
to Parquet partitioned by year, then times DuckDB aggregating one year to county level and scanning
everything, and PostgreSQL doing the same on its 2.5 million rows. DuckDB is not a dependency of the
product: install it in the virtual environment to run this (``pip install duckdb``).
"""

from __future__ import annotations

import argparse
import csv
import sqlite3
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sqlite_file")
    parser.add_argument("--pg", help="the same data in PostgreSQL")
    parser.add_argument("--copies", type=int, default=25)
    args = parser.parse_args()
    try:
        import duckdb
    except ImportError:
        raise SystemExit("duckdb is not installed: .venv/bin/pip install duckdb")
    with tempfile.TemporaryDirectory(prefix="healthplan-scale-") as tmp:
        flat = Path(tmp) / "obs.csv"
        with sqlite3.connect(args.sqlite_file) as db, flat.open("w", newline="") as f:
            csv.writer(f).writerows(db.execute("SELECT org_unit_id, indicator_id, year, value FROM observation"))
        con = duckdb.connect()
        con.execute("SET threads = 2")
        start = time.perf_counter()
        con.execute(f"""COPY (SELECT o.column0 AS org_unit_id, o.column1 AS indicator_id, o.column2 AS year,
                               o.column3 * (1 + f.range * 0.001) AS value, f.range AS facility
                        FROM read_csv('{flat}', header = false) o, range({int(args.copies)}) f)
                        TO '{tmp}/fac' (FORMAT parquet, PARTITION_BY (year))""")
        written = time.perf_counter() - start
        size = sum(p.stat().st_size for p in Path(tmp, "fac").rglob("*.parquet"))
        files = f"read_parquet('{tmp}/fac/*/*.parquet', hive_partitioning = true)"
        rows = con.execute(f"SELECT count(*) FROM {files}").fetchone()[0]
        print(f"Parquet: {rows:,} rows written in {written:.1f} s, {size / 1e6:.0f} MB ({size / rows:.1f} bytes a row)")
        for _ in range(2):
            start = time.perf_counter()
            year_rows = con.execute(f"SELECT count(*) FROM {files} WHERE year = 2023").fetchone()[0]
            con.execute(f"SELECT org_unit_id, indicator_id, avg(value) FROM {files} WHERE year = 2023 GROUP BY 1, 2"
                        ).fetchall()
            one_year = time.perf_counter() - start
        start = time.perf_counter()
        con.execute(f"SELECT count(*), sum(value) FROM {files}").fetchone()
        everything = time.perf_counter() - start
        print(f"DuckDB: one year ({year_rows:,} rows) to county level {one_year:.2f} s"
              f" ({year_rows / one_year / 1e6:.0f} M rows/s); scan of all rows {everything:.2f} s"
              f" ({rows / everything / 1e6:.0f} M rows/s)")
    if args.pg:
        import psycopg

        with psycopg.connect(args.pg.replace("postgresql+psycopg://", "postgresql://")) as pg:
            n = pg.execute("SELECT count(*) FROM observation").fetchone()[0]
            for _ in range(2):
                start = time.perf_counter()
                pg.execute("SELECT org_unit_id, indicator_id, avg(value) FROM observation WHERE year = 2023 AND "
                           "facility_id IS NULL GROUP BY 1, 2").fetchall()
                one_year = time.perf_counter() - start
            start = time.perf_counter()
            pg.execute("SELECT count(*), sum(value) FROM observation").fetchone()
            everything = time.perf_counter() - start
            size = pg.execute("SELECT pg_total_relation_size('observation')").fetchone()[0]
        print(f"PostgreSQL: one year to county level {one_year:.2f} s; scan of all {n:,} rows {everything:.2f} s"
              f" ({n / everything / 1e6:.1f} M rows/s); {size / 1e6:.0f} MB with indexes ({size / n:.0f} bytes a row)")


if __name__ == "__main__":
    main()
