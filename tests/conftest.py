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


PROVENANCE_KEYS = {"file", "format", "line", "source_line"}


def without_lines(value, keys=PROVENANCE_KEYS):
    """A plan contract without what legitimately moves between exports: file, format, line numbers."""
    if isinstance(value, dict):
        return {k: without_lines(v, keys) for k, v in value.items() if k not in keys}
    if isinstance(value, list):
        return [without_lines(v, keys) for v in value]
    return value


@pytest.fixture(scope="session")
def seed_plans():
    from healthplan.ingest import ingest_file

    return {p.stem: ingest_file(p) for p in SEEDS}


# --- the store on both databases --------------------------------------------------------------
import os  # noqa: E402
import uuid  # noqa: E402

PG_URL = os.environ.get("HEALTHPLAN_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_available() -> str | None:
    """None when PostgreSQL answers, else why not (CI sets HEALTHPLAN_REQUIRE_PG=1 to fail instead of skip)."""
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3):
            return None
    except Exception as e:  # noqa: BLE001
        return f"PostgreSQL not reachable at {PG_URL}: {e}"


_PG_REASON = _pg_available()


def make_store(kind: str, tmp_path):
    """A fresh, migrated store: a SQLite file, or a new schema in the PostgreSQL test database."""
    from healthplan.store import Store

    if kind == "sqlite":
        return Store(str(tmp_path / "healthplan.db")), None
    if _PG_REASON:
        if os.environ.get("HEALTHPLAN_REQUIRE_PG") == "1":
            pytest.fail(_PG_REASON)
        pytest.skip(_PG_REASON)
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    return Store(f"{PG_URL}{sep}options=-csearch_path%3D{schema}"), schema


def drop_store(store, schema) -> None:
    store.close()
    if schema:
        import psycopg

        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """The store suite runs on SQLite and on a live PostgreSQL."""
    st, schema = make_store(request.param, tmp_path)
    yield st
    drop_store(st, schema)


@pytest.fixture
def seeded_store(store):
    """A store holding the five seed plans."""
    from healthplan.ingest import ingest_file
    from healthplan.store.plans import load_plan

    with store.session() as s:
        for path in SEEDS:
            load_plan(s, ingest_file(path), path.read_bytes())
    return store


def seed_site(s, users: dict[str, tuple[str, str | None]], password: str, *, examples: bool = True,
              draft: str | None = "天河区") -> dict[str, int]:
    """A web app's store: the five seed plans (and the 示例数据), the given users (name → (role, region)),
    and ``draft``'s plan left unpublished (only its own region and province see it). Region name → plan id."""
    from healthplan.examples import load_example_data
    from healthplan.ingest import ingest_file
    from healthplan.store import models as m
    from healthplan.store.exchange import find_region
    from healthplan.store.plans import load_plan
    from healthplan.web.users import add_user

    plans = {}
    for path in SEEDS:
        plan = load_plan(s, ingest_file(path), path.read_bytes())
        plans[plan.org_unit.name] = plan.id
    if examples:
        load_example_data(s)
    for name, (role, region) in users.items():
        add_user(s, name, password, role, find_region(s, region).id if region else None)
    if draft:
        s.get(m.Plan, plans[draft]).published = False
    return plans
