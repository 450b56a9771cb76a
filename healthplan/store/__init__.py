"""The store (数据存储): SQLite by default, PostgreSQL for a shared server.

``open_store()`` opens the database named by ``--db``, ``HEALTHPLAN_DATABASE_URL`` or the default
SQLite file ``healthplan.db`` in the current folder, and brings its schema up to date with Alembic.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_FILE = "healthplan.db"


def database_url(url: str | None = None) -> str:
    """``--db`` first, then ``HEALTHPLAN_DATABASE_URL``, then ``sqlite:///healthplan.db``.

    A bare path (``data/plan.db``) means a SQLite file; ``postgresql://…`` uses psycopg 3.
    """
    url = url or os.environ.get("HEALTHPLAN_DATABASE_URL") or DEFAULT_FILE
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str | None = None) -> Engine:
    url = database_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


class Store:
    """A database with the healthplan schema: sessions, migrations, and the library's operations."""

    def __init__(self, url: str | None = None, *, migrate: bool = True):
        self.url = database_url(url)
        self.engine = make_engine(self.url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            self.migrate()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Upgrade the schema to the newest Alembic revision (creates it on first use)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(resources.files("healthplan") / "store" / "migrations"))
        with self.engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")

    @contextmanager
    def session(self):
        """A session in one transaction: committed at the end, rolled back on any error."""
        with self.sessions() as s, s.begin():
            yield s

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str | None = None) -> Store:
    return Store(url)


__all__ = ["Store", "open_store", "database_url", "Session"]
