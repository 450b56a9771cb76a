"""Sign-in state, CSRF tokens and login rate limiting.

The session is a signed cookie (itsdangerous, via Starlette's SessionMiddleware): HttpOnly, SameSite=Lax,
Secure when the app is told so. It holds the user id and the CSRF token; every POST must carry that
token, as the ``csrf_token`` form field or the ``X-CSRF-Token`` header (API calls).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque

from fastapi import HTTPException, Request

from .users import Principal, principal

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class LoginRequired(Exception):
    """No one is signed in: pages redirect to the login page, the API answers 401."""


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
            return len(self._recent((username.strip().lower(), ip), time.monotonic())) >= self.limit

    def failed(self, username: str, ip: str) -> None:
        with self._lock:
            now = time.monotonic()
            self._recent((username.strip().lower(), ip), now).append(now)

    def succeeded(self, username: str, ip: str) -> None:
        with self._lock:
            self._failures.pop((username.strip().lower(), ip), None)


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


def sign_in(request: Request, user_id: int) -> None:
    """A fresh session (no fixation): new CSRF token, the user id."""
    request.session.clear()
    request.session["uid"] = user_id
    request.session["csrf"] = secrets.token_urlsafe(32)


def current_user(request: Request) -> Principal | None:
    if hasattr(request.state, "principal"):
        return request.state.principal
    uid = request.session.get("uid")
    who = None
    if isinstance(uid, int):
        with request.app.state.store.session() as s:
            who = principal(s, uid)
    request.state.principal = who
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
