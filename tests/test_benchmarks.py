"""``benchmarks/run.py --quick --json`` runs end to end and prints what the issue asks for.

No timing is asserted here (timings belong to the benchmark, not to tests): only that every figure is
there, with its unit, its baseline measured in the same run and the ratio between them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = {"ingest_seed_documents", "generate_rows", "evaluate_year_all_counties", "evaluate_year_cold",
            "evaluate_year_compute_only", "evaluate_year_vs_evaluate_plan", "plan_api_p50", "plan_api_p95",
            "import_excel_rows", "peak_memory"}


def test_quick_benchmark_prints_every_figure_with_its_baseline(tmp_path):
    results = tmp_path / "RESULTS.md"
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--json", "--units", "10",
                          "--results", str(results)], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    figures = json.loads(out.stdout)
    assert {f["name"] for f in figures} == EXPECTED
    for f in figures:
        assert {"name", "value", "unit", "baseline", "ratio"} <= set(f), f
        assert f["value"] > 0 and f["baseline"] > 0, f
        assert f["unit"] in ("documents/s", "rows/s", "s", "ms", "MiB"), f
    assert not results.exists()  # --quick never overwrites the recorded results
