"""Many writers at once (并发写入): no lost update, no deadlock, a clear ConflictError and never a raw one.

Every test runs on PostgreSQL over loopback (a province's shared server: 20 writer threads) and on
SQLite (one analyst's laptop, where a local web page or two processes may still write at once: fewer
threads). Every thread has its own session from ``store.sessions``; every wait is bounded, and on
PostgreSQL every transaction has a lock timeout, so a deadlock fails the test instead of hanging it.
"""

from __future__ import annotations

import os
import random
import threading
import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select, text, update

from conftest import SEEDS
from healthplan.ingest import ingest_file
from healthplan.store import models as m
from healthplan.store.observations import ConflictError, find_observation, put_observation
from healthplan.store.plans import load_plan

TIANHE = SEEDS[2]
POP_2020 = 2241826  # 天河's 常住人口 in 2020, stored with its plan
DEADLINE = 300  # seconds for any one test's threads
WRITERS = {"postgresql": 20, "sqlite": 8}


def _prepare(store):
    """天河's plan stored; returns (unit id, code → indicator id)."""
    with store.session() as s:
        load_plan(s, ingest_file(TIANHE), TIANHE.read_bytes())
        unit = s.scalars(select(m.OrgUnit).where(m.OrgUnit.code == "440106")).one()
        codes = {i.code: i.id for i in s.scalars(select(m.Indicator))}
    return unit.id, codes


def _begin(store, s) -> None:
    if store.dialect == "postgresql":
        s.execute(text("SET LOCAL lock_timeout = '20s'"))  # a deadlock or a stuck lock becomes an error


def _run_threads(n: int, work, deadline: float = DEADLINE) -> list:
    """``work(i)`` in ``n`` threads released together; returns each result or the exception it raised."""
    barrier = threading.Barrier(n, timeout=deadline)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as e:  # noqa: BLE001 - reported to the test below
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,), daemon=True, name=f"writer-{i}") for i in range(n)]
    for t in threads:
        t.start()
    end = time.monotonic() + deadline
    for t in threads:
        t.join(max(0.0, end - time.monotonic()))
    stuck = [t.name for t in threads if t.is_alive()]
    assert not stuck, f"writers still running after {deadline}s (deadlock?): {stuck}"
    return results


def _raise_unexpected(results, allowed=(ConflictError,)) -> None:
    for r in results:
        if isinstance(r, BaseException) and not isinstance(r, allowed):
            raise r


def _audit(s, obs_id):
    return s.scalars(select(m.AuditLog).where(m.AuditLog.entity == "observation", m.AuditLog.entity_id == obs_id)
                     .order_by(m.AuditLog.id)).all()


def _increment(store, unit_id, ind_id, period, times, who):
    """Read-modify-write ``times`` times, retrying on ConflictError; returns (successes, conflicts)."""
    done = conflicts = in_a_row = 0
    while done < times:
        try:
            with store.sessions() as s, s.begin():
                _begin(store, s)
                obs = find_observation(s, unit_id, ind_id, period)
                put_observation(s, unit_id, ind_id, period, obs.value + 1, user=who, expected_version=obs.version)
            done, in_a_row = done + 1, 0
        except ConflictError:
            conflicts, in_a_row = conflicts + 1, in_a_row + 1
            time.sleep(random.uniform(0, 0.002 * 2 ** min(in_a_row, 8)))  # what a client should do: back off
    return done, conflicts


def test_many_writers_incrementing_lose_no_update(store):
    """20 threads × 25 read-modify-write increments of 天河's 2020 beds (SQLite: 8 × 25): the total is exact.

    HEALTHPLAN_CONCURRENCY_INCREMENTS=50 runs more per thread (20 × 50 takes 20–60 s on PostgreSQL).
    """
    threads, times = WRITERS[store.dialect], int(os.environ.get("HEALTHPLAN_CONCURRENCY_INCREMENTS", "25"))
    unit_id, codes = _prepare(store)
    beds = codes["HR-NBED"]
    with store.session() as s:
        obs_id = put_observation(s, unit_id, beds, "2020", 0, user="setup").id
    results = _run_threads(threads, lambda i: _increment(store, unit_id, beds, "2020", times, f"w{i}"))
    _raise_unexpected(results, allowed=())
    successes = sum(r[0] for r in results)
    assert successes == threads * times
    print(f"{successes} increments, {sum(r[1] for r in results)} conflicts retried")
    with store.session() as s:
        obs = s.get(m.Observation, obs_id)
        assert obs.value == successes, "a lost update"
        assert obs.version == 1 + successes
        log = _audit(s, obs_id)
        assert [a.action for a in log] == ["insert"] + ["update"] * successes, "an audit row missing"
        # every update started from the value the previous one left: no two from the same read
        assert [(a.old["value"], a.new["value"]) for a in log[1:]] == [(v, v + 1) for v in range(successes)]
        # the derived 每千人口床位数 follows the final count
        derived = find_observation(s, unit_id, codes["HR-BED"], "2020")
        assert derived.derived and derived.value == pytest.approx(successes / POP_2020 * 1000)


def test_many_writers_creating_the_same_figure_make_one_row(store):
    """Writers that all believe the figure is new (expected_version=0): one wins, the rest get ConflictError."""
    threads = WRITERS[store.dialect]
    unit_id, codes = _prepare(store)
    lit = codes["HL-HLIT"]

    def create(i):
        with store.sessions() as s, s.begin():
            _begin(store, s)
            return put_observation(s, unit_id, lit, "2024", 30 + i / 10, user=f"w{i}", expected_version=0).id

    results = _run_threads(threads, create)
    _raise_unexpected(results)
    won = [r for r in results if not isinstance(r, BaseException)]
    assert len(won) == 1 and sum(isinstance(r, ConflictError) for r in results) == threads - 1
    with store.session() as s:
        rows = s.scalars(select(m.Observation).where(m.Observation.indicator_id == lit)).all()
        assert [r.id for r in rows] == won and rows[0].version == 1
        assert [(a.action, a.new["value"]) for a in _audit(s, won[0])] == [("insert", rows[0].value)]


def test_blind_writers_of_a_new_figure_never_see_a_raw_error(store):
    """Writers without a version: each one inserts, updates or gets ConflictError; one row, all audited."""
    threads = WRITERS[store.dialect]
    unit_id, codes = _prepare(store)
    lit = codes["HL-HLIT"]

    def write(i):
        with store.sessions() as s, s.begin():
            _begin(store, s)
            return put_observation(s, unit_id, lit, "2024", 30 + i, user=f"w{i}").version

    results = _run_threads(threads, write)
    _raise_unexpected(results)
    written = [r for r in results if not isinstance(r, BaseException)]
    assert written
    with store.session() as s:
        row = s.scalars(select(m.Observation).where(m.Observation.indicator_id == lit)).one()
        log = _audit(s, row.id)
        assert [a.action for a in log] == ["insert"] + ["update"] * (len(written) - 1)
        assert row.version == len(written) and log[-1].new["value"] == row.value


def test_writers_of_beds_and_doctors_of_the_same_year_never_see_a_raw_error(store):
    """Different figures of one unit and year, each with a derived per-capita value: no conflict at all."""
    unit_id, codes = _prepare(store)
    counts = ["HR-NBED", "HR-NDOC", "HR-NNUR"]
    per_1000 = {"HR-NBED": "HR-BED", "HR-NDOC": "HR-DOC", "HR-NNUR": "HR-NUR"}
    with store.session() as s:
        for c in counts:
            put_observation(s, unit_id, codes[c], "2020", 0)
    threads, times = 3 * (WRITERS[store.dialect] // 3), 20
    results = _run_threads(threads, lambda i: _increment(store, unit_id, codes[counts[i % 3]], "2020", times,
                                                         f"w{i}"))
    _raise_unexpected(results, allowed=())
    with store.session() as s:
        for c in counts:
            total = times * (threads // 3)
            assert find_observation(s, unit_id, codes[c], "2020").value == total
            derived = find_observation(s, unit_id, codes[per_1000[c]], "2020")
            assert derived.value == pytest.approx(total / POP_2020 * 1000), c


def _in_thread(fn):
    """Start ``fn`` in a thread; returns a function that waits (bounded) and gives its result or error."""
    box: dict = {}

    def run():
        try:
            box["result"] = fn()
        except BaseException as e:  # noqa: BLE001
            box["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()

    def wait():
        t.join(DEADLINE)
        assert not t.is_alive(), "the second writer is stuck"
        if "error" in box:
            raise box["error"]
        return box.get("result")
    return wait


def test_stale_version_is_refused_and_the_first_value_kept(store):
    """Two sessions read version 1; the first saves, the second (stale) gets ConflictError."""
    unit_id, codes = _prepare(store)
    lit = codes["HL-HLIT"]
    with store.session() as s:
        obs_id = put_observation(s, unit_id, lit, "2023", 36.5, user="alice").id
    with store.sessions() as s1, store.sessions() as s2:
        with s1.begin():
            first = find_observation(s1, unit_id, lit, "2023").version
        with s2.begin():
            second = find_observation(s2, unit_id, lit, "2023").version
        assert first == second == 1
        with s1.begin():
            put_observation(s1, unit_id, lit, "2023", 37.0, user="bob", expected_version=first)
        with pytest.raises(ConflictError) as err:
            with s2.begin():
                put_observation(s2, unit_id, lit, "2023", 38.0, user="carol", expected_version=second)
    assert "bob" in err.value.zh
    with store.session() as s:
        obs = s.get(m.Observation, obs_id)
        assert (obs.value, obs.version, obs.updated_by) == (37.0, 2, "bob")
        assert [(a.user, a.action) for a in _audit(s, obs_id)] == [("alice", "insert"), ("bob", "update")]


def test_update_racing_an_open_transaction_is_refused(store):
    """The second writer passed the version check before the first committed: its UPDATE waits, then fails."""
    unit_id, codes = _prepare(store)
    lit = codes["HL-HLIT"]
    with store.session() as s:
        obs_id = put_observation(s, unit_id, lit, "2023", 36.5, user="alice").id
    with store.sessions() as s1, store.sessions() as s2:
        s2.begin()
        _begin(store, s2)
        stale = find_observation(s2, unit_id, lit, "2023")  # version 1, loaded before bob's write
        with s1.begin():
            _begin(store, s1)
            put_observation(s1, unit_id, lit, "2023", 37.0, user="bob", expected_version=1)
            # carol's session still holds version 1: the check in Python passes, the UPDATE has to wait
            wait = _in_thread(lambda: put_observation(s2, unit_id, lit, "2023", 38.0, user="carol",
                                                      expected_version=stale.version))
            time.sleep(0.5)
        with pytest.raises(ConflictError):
            wait()
        s2.rollback()
    with store.session() as s:
        obs = s.get(m.Observation, obs_id)
        assert (obs.value, obs.version) == (37.0, 2)
        assert [a.user for a in _audit(s, obs_id)] == ["alice", "bob"]


def test_insert_racing_an_open_transaction_is_a_conflict_not_an_integrity_error(store):
    """Both writers see no figure; the second insert waits for the first and is refused with ConflictError."""
    unit_id, codes = _prepare(store)
    lit = codes["HL-HLIT"]
    with store.sessions() as s1, store.sessions() as s2:
        with s1.begin():
            _begin(store, s1)
            put_observation(s1, unit_id, lit, "2024", 30.0, user="bob")
            wait = _in_thread(lambda: _write_in(store, s2, unit_id, lit, "2024", 31.0, "carol"))
            time.sleep(0.5)
        with pytest.raises(ConflictError):
            wait()
    with store.session() as s:
        rows = s.scalars(select(m.Observation).where(m.Observation.indicator_id == lit)).all()
        assert [(r.value, r.created_by) for r in rows] == [(30.0, "bob")]
        assert s.scalar(select(func.count()).select_from(m.AuditLog).where(m.AuditLog.user == "carol")) == 0


def test_a_figure_written_beside_an_open_transaction_on_another_figure_is_not_refused(store):
    """Beds (open transaction) and doctors of 天河 2020: each derives its own per-capita value, no conflict."""
    unit_id, codes = _prepare(store)
    with store.session() as s:
        put_observation(s, unit_id, codes["HR-NBED"], "2020", 13563)
        put_observation(s, unit_id, codes["HR-NDOC"], "2020", 9000)
        # the figures were entered some time ago (timestamps are whole seconds: make the next write differ)
        s.execute(update(m.Observation).values(updated_at=datetime(2021, 3, 1, tzinfo=timezone.utc)))
    with store.sessions() as s1, store.sessions() as s2:
        with s1.begin():
            _begin(store, s1)
            put_observation(s1, unit_id, codes["HR-NBED"], "2020", 13600, user="bob")
            wait = _in_thread(lambda: _write_in(store, s2, unit_id, codes["HR-NDOC"], "2020", 9100, "carol"))
            time.sleep(0.5)
        wait()  # no ConflictError: carol did not touch 每千人口床位数
    with store.session() as s:
        assert find_observation(s, unit_id, codes["HR-BED"], "2020").value == pytest.approx(13600 / POP_2020 * 1000)
        assert find_observation(s, unit_id, codes["HR-DOC"], "2020").value == pytest.approx(9100 / POP_2020 * 1000)


def _write_in(store, s, unit_id, ind_id, period, value, user):
    with s.begin():
        _begin(store, s)
        return put_observation(s, unit_id, ind_id, period, value, user=user)
