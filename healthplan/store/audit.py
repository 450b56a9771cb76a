"""The audit log (审计日志): every change with who, when, old → new and the source file."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from . import models as m


def snapshot(obj) -> dict:
    """The row's columns as JSON-friendly values."""
    out = {}
    for attr in inspect(obj).mapper.column_attrs:
        value = getattr(obj, attr.key)
        if isinstance(value, (date, datetime)):
            value = value.isoformat()
        if attr.key == "document":
            continue
        out[attr.key] = value
    return out


def record(s: Session, user: str, action: str, obj, *, old: dict | None = None, source_file: str | None = None,
           import_id: int | None = None) -> None:
    s.add(m.AuditLog(user=user, action=action, entity=obj.__tablename__, entity_id=obj.id, old=old,
                     new=None if action == "delete" else snapshot(obj), source_file=source_file,
                     import_id=import_id))
