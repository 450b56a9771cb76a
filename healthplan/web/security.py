"""Sign-in state, CSRF tokens and login rate limiting.

The session is a signed cookie (itsdangerous, via Starlette's SessionMiddleware): HttpOnly, SameSite=Lax,
Secure when the app is told so. It holds the user id, the user's session epoch (a password reset or a
deactivation raises it, which ends every open session) and the CSRF token; every POST must carry that
token, as the ``csrf_token`` form field or the ``X-CSRF-Token`` header (API calls).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque

from fastapi import HTTPException, Request
from sqlalchemy import delete, func, select

from ..store import models as m
from .users import Principal, principal

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class LoginRequired(Exception):
    """No one is signed in: pages redirect to the login page, the API answers 401."""


def _name(username: str) -> str:
    """A user name as the limit counts it: trimmed, case-folded, at most the column's 100 characters."""
    return username.strip().lower()[:100]


class LoginLimiter:
    """At most ``limit`` failed sign-ins per user name and address in ``window`` seconds (then 429)."""

    def __init__(self, limit: int = 5, window: float = 300.0):
        self.limit, self.window = limit, window
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        q = self._failures[key]
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def blocked(self, username: str, ip: str) -> bool:
        with self._lock:
            return len(self._recent((_name(username), ip), time.monotonic())) >= self.limit

    def failed(self, username: str, ip: str) -> None:
        with self._lock:
            now = time.monotonic()
            self._recent((_name(username), ip), now).append(now)

    def succeeded(self, username: str, ip: str) -> None:
        with self._lock:
            self._failures.pop((_name(username), ip), None)


class StoreLoginLimiter(LoginLimiter):
    """The same limit, with the failures kept in the database (``login_failure``): every process of
    ``healthplan serve --workers N`` sees the same count, and a restart does not reset it."""

    def __init__(self, store, limit: int = 5, window: float = 300.0):
        super().__init__(limit, window)
        self.store = store

    @staticmethod
    def _key(username: str, ip: str):
        return m.LoginFailure.username == _name(username), m.LoginFailure.ip == ip[:64]

    def blocked(self, username: str, ip: str) -> bool:
        since = time.time() - self.window
        with self.store.session() as s:
            n = s.scalar(select(func.count()).select_from(m.LoginFailure).where(*self._key(username, ip),
                                                                                   m.LoginFailure.at > since))
        return n >= self.limit

    def failed(self, username: str, ip: str) -> None:
        now = time.time()
        with self.store.session() as s:
            s.execute(delete(m.LoginFailure).where(m.LoginFailure.at <= now - self.window))
            s.add(m.LoginFailure(username=_name(username), ip=ip[:64], at=now))

    def succeeded(self, username: str, ip: str) -> None:
        with self.store.session() as s:
            s.execute(delete(m.LoginFailure).where(*self._key(username, ip)))


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Dependency of every POST: the session's token in the header or the form, else 403."""
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        sent = (await request.form()).get(CSRF_FIELD)
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(expected, sent):
        raise HTTPException(403, detail="csrf")


def sign_in(request: Request, user_id: int, epoch: int = 0) -> None:
    """A fresh session (no fixation): new CSRF token, the user id and the user's session epoch."""
    request.session.clear()
    request.session["uid"] = user_id
    request.session["epoch"] = epoch
    request.session["csrf"] = secrets.token_urlsafe(32)


def current_user(request: Request, s=None) -> Principal | None:
    """The signed-in user (read once per request), through the database session ``s`` when the caller has
    one open already, else a session of its own."""
    if hasattr(request.state, "principal"):
        return request.state.principal
    uid = request.session.get("uid")
    who = None
    if isinstance(uid, int):
        if s is None:
            with request.app.state.store.session() as own:
                who = principal(own, uid)
        else:
            who = principal(s, uid)
        if who is not None and request.session.get("epoch", 0) != who.epoch:  # revoked: password reset
            who = None
            request.session.clear()
    request.state.principal = who
    return who


def require_user_in(request: Request, s) -> Principal:
    """:func:`require_user` through an open database session (one connection for the whole request)."""
    who = current_user(request, s)
    if who is None:
        raise LoginRequired()
    return who


async def require_user(request: Request) -> Principal:
    """The signed-in user, or 401 / the login page. Runs on the event loop, not in a worker thread: the
    lookup is one indexed read (never blocked by writers: PostgreSQL MVCC, SQLite WAL), cheaper than the
    hand-over to a thread that a plain ``def`` dependency costs on every request."""
    who = current_user(request)
    if who is None:
        raise LoginRequired()
    return who


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
