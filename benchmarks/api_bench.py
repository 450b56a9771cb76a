"""The plan page's API under load: ``GET /api/plans/{id}/evaluation`` from concurrent clients on loopback.

A real server (uvicorn in its own process, ``healthplan.web.asgi``) on the benchmark's database; each
client is a region editor signed in through ``/login`` (a real session cookie) reading its own county's
plan for the years of the plan period, one request after another without pause (closed loop). Latency
is measured per request at the client. The baseline is the same run against a server without the
evaluation cache (``HEALTHPLAN_CACHE_SIZE=0``: every request evaluates the plan).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

PASSWORD = "bench-pass-1"
SERVER_PEAK_MIB = [0.0]  # the largest server process seen by bench_api


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_users(store, n: int) -> list[tuple[str, int, list[int]]]:
    """``n`` region editors, each for the unit of a different current county-level plan, spread over the
    store: (username, plan id, years of the plan period)."""
    from sqlalchemy import select

    from healthplan.store import models as m
    from healthplan.web.users import add_user

    out = []
    with store.session() as s:
        plans = s.execute(select(m.Plan.id, m.Plan.org_unit_id, m.Plan.period_start, m.Plan.period_end)
                          .join(m.OrgUnit, m.OrgUnit.id == m.Plan.org_unit_id)
                          .where(m.Plan.current, m.OrgUnit.level.in_(("county", "district", "county-level city")))
                          .order_by(m.Plan.id)).all()
        step = max(1, len(plans) // n)
        for k, (pid, unit, start, end) in enumerate(plans[::step][:n]):
            name = f"bench-{k}-{secrets.token_hex(3)}"
            add_user(s, name, PASSWORD, "region_editor", unit)
            out.append((name, pid, list(range(start, end + 1))))
    return out


class Server:
    """uvicorn serving ``healthplan.web.asgi:create`` in a child process."""

    def __init__(self, url: str, workers: int = 1, cache_size: int = 512):
        self.port = _free_port()
        env = {**os.environ, "HEALTHPLAN_DATABASE_URL": url, "HEALTHPLAN_SECRET_KEY": secrets.token_urlsafe(32),
               "HEALTHPLAN_CACHE_SIZE": str(cache_size)}
        root = Path(__file__).resolve().parent.parent
        env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "healthplan.web.asgi:create", "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.base = f"http://127.0.0.1:{self.port}"
        self._wait()

    def _wait(self) -> None:
        import httpx

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("the server did not start: " + self.proc.stderr.read().decode(errors="replace"))
            try:
                if httpx.get(self.base + "/login", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the server did not answer within 60 s")

    def peak_mib(self) -> float:
        """The largest peak resident memory (VmHWM) among the server's processes (Linux; 0 elsewhere)."""
        pids, peak = [self.proc.pid], 0.0
        while pids:
            pid = pids.pop()
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:
                continue
            pids += [int(c) for c in children]
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) / 1024)
        return peak

    def stop(self) -> None:
        self.peak = self.peak_mib()
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


async def _client(base: str, user: str, plan_id: int, years: list[int], requests: int,
                  latencies: list[float], ready: list[int], start: asyncio.Event) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=60) as c:
        page = (await c.get("/login")).text
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        r = await c.post("/login", data={"username": user, "password": PASSWORD, "csrf_token": token, "next": "/"})
        if r.status_code not in (200, 303):
            raise RuntimeError(f"login failed for {user}: {r.status_code}")
        for y in years:  # every year once before the clock starts
            (await c.get(f"/api/plans/{plan_id}/evaluation", params={"year": y})).raise_for_status()
        ready.append(1)
        await start.wait()
        for k in range(requests):
            t = time.perf_counter()
            r = await c.get(f"/api/plans/{plan_id}/evaluation", params={"year": years[k % len(years)]})
            latencies.append(time.perf_counter() - t)
            r.raise_for_status()


def _load(base: str, users, requests: int) -> tuple[list[float], float]:
    """Sign every client in and warm it up, then start them all at once; (latencies, wall seconds)."""
    latencies: list[float] = []
    ready: list[int] = []

    async def main() -> float:
        start = asyncio.Event()
        tasks = [asyncio.create_task(_client(base, u, pid, years, requests, latencies, ready, start))
                 for u, pid, years in users]
        while len(ready) < len(tasks):
            failed = [t for t in tasks if t.done() and t.exception()]
            if failed:
                raise failed[0].exception()
            await asyncio.sleep(0.05)
        t0 = time.perf_counter()
        start.set()
        await asyncio.gather(*tasks)
        return time.perf_counter() - t0

    wall = asyncio.run(main())
    return latencies, wall


def _pct(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]


def bench_api(store, clients: int = 20, requests: int = 100, baseline_requests: int = 25,
              workers: int = 1) -> list[dict]:
    """p50 and p95 of the plan-page API with ``clients`` concurrent clients, against the uncached server."""
    users = make_users(store, clients)
    url = store.url
    results = {}
    for label, cache, n in (("cached", 512, requests), ("uncached", 0, baseline_requests)):
        server = Server(url, workers=workers, cache_size=cache)
        try:
            lat, wall = _load(server.base, users, n)
        finally:
            server.stop()
        results[label] = (_pct(lat, 0.5), _pct(lat, 0.95), len(lat) / wall, len(lat))
        SERVER_PEAK_MIB[0] = max(SERVER_PEAK_MIB[0], server.peak)
    (p50, p95, rps, count), (b50, b95, brps, bcount) = results["cached"], results["uncached"]
    note = (f"{len(users)} concurrent clients, {count} requests, {rps:.0f} req/s; uvicorn {workers} worker(s);"
            f" baseline: the same without the evaluation cache ({bcount} requests, {brps:.0f} req/s)")
    return [
        {"name": "plan_api_p50", "value": round(p50 * 1000, 1), "unit": "ms", "baseline": round(b50 * 1000, 1),
         "baseline_name": "no evaluation cache, p50", "ratio": round(b50 / p50, 2), "target": note},
        {"name": "plan_api_p95", "value": round(p95 * 1000, 1), "unit": "ms", "baseline": round(b95 * 1000, 1),
         "baseline_name": "no evaluation cache, p95", "ratio": round(b95 / p95, 2),
         "target": "<= 100 ms with 20 concurrent clients on PostgreSQL"},
    ]
