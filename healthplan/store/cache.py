"""Caches of derived results (派生结果缓存), invalidated by a fingerprint of what they were computed from.

A cached value is used only while the fingerprint read from the database now equals the one stored
with it, so a change by any writer — the web app, an import, the CLI, another server process — makes
the next read compute afresh; nothing has to remember to clear the cache.

``unit_fingerprint`` covers the figures of one org unit: every insert changes the row count, the
largest id or the latest ``updated_at``; every update raises a ``version`` (the optimistic-lock column)
and ``updated_at``; every delete lowers the count (or, with an insert, moves ``updated_at``).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import Any, Callable, Hashable

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from . import models as m


def _fingerprint_statement():
    o = m.Observation
    unit = bindparam("unit")
    catalog = select(func.count()).select_from(m.Indicator).scalar_subquery()
    name = select(m.OrgUnit.name).where(m.OrgUnit.id == unit).scalar_subquery()
    return select(func.count(), func.max(o.id), func.sum(o.version), func.max(o.updated_at), catalog,
                  name).where(o.org_unit_id == unit)


_FINGERPRINT = _fingerprint_statement()  # built once: constructing a statement costs more than running it


def unit_fingerprint(s: Session, org_unit_id: int) -> tuple:
    """What changes whenever a figure of the unit, its name or the indicator catalog changes (one query,
    read from the index (unit, updated_at, version, id))."""
    return tuple(s.connection().execute(_FINGERPRINT, {"unit": org_unit_id}).one())


class FingerprintCache:
    """A bounded LRU of values per database, each valid while its fingerprint holds. Thread-safe."""

    def __init__(self, maxsize: int = 512):
        self.maxsize = maxsize
        self._lock = threading.Lock()
        self._by_engine: "weakref.WeakKeyDictionary[Any, OrderedDict]" = weakref.WeakKeyDictionary()
        self.hits = self.misses = 0

    def get_or_compute(self, s: Session, key: Hashable, fingerprint: tuple, compute: Callable[[], Any]) -> Any:
        engine = s.get_bind()
        with self._lock:
            entries = self._by_engine.setdefault(engine, OrderedDict())
            hit = entries.get(key)
            if hit is not None and hit[0] == fingerprint:
                entries.move_to_end(key)
                self.hits += 1
                return hit[1]
        value = compute()
        with self._lock:
            self.misses += 1
            entries[key] = (fingerprint, value)
            entries.move_to_end(key)
            while len(entries) > self.maxsize:
                entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._by_engine.clear()
