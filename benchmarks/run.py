"""Benchmarks, one command: ``.venv/bin/python benchmarks/run.py [--quick] [--json]``.

Each figure is printed with a ratio against a baseline measured in the same process, so the ratio
holds on any machine. Ingestion: documents per second (seeds repeated) against the baseline of
merely decoding and splitting the same files into lines — the floor any reader has to pay.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs, for CI")
    parser.add_argument("--json", action="store_true", help="print JSON objects")
    args = parser.parse_args()
    seconds = 0.5 if args.quick else 3.0
    results = [bench_ingest(seconds)]
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return
    print(f"healthplan benchmarks — Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs")
    for r in results:
        print(f"{r['name']}: {r['value']} {r['unit']}  (baseline {r['baseline_name']}: {r['baseline']} {r['unit']},"
              f" ratio {r['ratio']})  target {r['target']}")


if __name__ == "__main__":
    main()
