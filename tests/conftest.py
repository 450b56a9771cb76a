"""Shared test helpers: the seed plans and a tolerant comparison of expected JSON."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "healthplan" / "data" / "seeds").glob("*.txt"))
GOLDEN = ROOT / "tests" / "golden"


def differences(expected, got, path: str = "$") -> list[str]:
    """Every place where ``got`` differs from ``expected``; keys absent from ``expected`` are ignored."""
    out: list[str] = []
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return [f"{path}: expected an object, got {got!r}"]
        for key, value in expected.items():
            if key not in got:
                out.append(f"{path}.{key}: missing")
            else:
                out += differences(value, got[key], f"{path}.{key}")
    elif isinstance(expected, list):
        if not isinstance(got, list):
            return [f"{path}: expected a list, got {got!r}"]
        if len(expected) != len(got):
            out.append(f"{path}: {len(expected)} rows expected, {len(got)} found")
        for i, (a, b) in enumerate(zip(expected, got)):
            out += differences(a, b, f"{path}[{i}]")
    elif isinstance(expected, (int, float)) and not isinstance(expected, bool) and isinstance(got, (int, float)):
        if not math.isclose(expected, got, rel_tol=1e-9, abs_tol=1e-9):
            out.append(f"{path}: expected {expected!r}, got {got!r}")
    elif expected != got:
        out.append(f"{path}: expected {expected!r}, got {got!r}")
    return out


@pytest.fixture(scope="session")
def seed_plans():
    from healthplan.ingest import ingest_file

    return {p.stem: ingest_file(p) for p in SEEDS}
