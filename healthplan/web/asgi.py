"""The app for uvicorn worker processes (``healthplan serve --workers N``): ``uvicorn --factory
healthplan.web.asgi:create``. The database comes from ``HEALTHPLAN_DATABASE_URL`` and the session
signing key from ``HEALTHPLAN_SECRET_KEY``, which must be the same in every worker so that a session
signed by one is accepted by the others."""

from __future__ import annotations

import os


def create():
    from ..store import Store
    from .app import create_app

    if not os.environ.get("HEALTHPLAN_SECRET_KEY"):
        raise RuntimeError("HEALTHPLAN_SECRET_KEY must be set (the same in every worker)")
    # the parent process migrated the database already; workers only open it
    return create_app(Store(os.environ.get("HEALTHPLAN_DATABASE_URL"), migrate=False), shared_login_limit=True)
