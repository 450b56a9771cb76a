"""User administration (用户管理): list, create, change role or region, reset a password, deactivate.

Administrators only (the routes check it). Every change goes to the audit log without the password hash;
an administrator cannot demote or deactivate their own account, so at least one administrator always remains.
A deactivated user cannot sign in (``authenticate``) and their open sessions end on the next request
(``principal`` reads the ``active`` flag every time).
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store import models as m
from .users import ROLES, Principal, UserError, add_user, hash_password

AUDITED = ("username", "role", "org_unit_id", "active")


def generated_password() -> str:
    """A random initial password (16 characters), shown once."""
    return secrets.token_urlsafe(12)


def _state(user: m.User) -> dict:
    return {k: getattr(user, k) for k in AUDITED}


def _audit(s: Session, actor: Principal, action: str, user: m.User, old: dict | None, new: dict) -> None:
    s.add(m.AuditLog(user=actor.username, action=action, entity="app_user", entity_id=user.id, old=old, new=new))


def user_dict(user: m.User) -> dict:
    return {"id": user.id, "username": user.username, "role": user.role, "org_unit_id": user.org_unit_id,
            "org_unit": user.org_unit.name if user.org_unit else None, "active": bool(user.active),
            "created_at": user.created_at.isoformat() if user.created_at else None}


def list_users(s: Session) -> list[dict]:
    return [user_dict(u) for u in s.scalars(select(m.User).order_by(m.User.username))]


def org_units(s: Session) -> list[dict]:
    """Today's org units (no ``valid_to``) in tree order, with their depth, for the region choice."""
    units = [u for u in s.scalars(select(m.OrgUnit)) if u.valid_to is None]
    ids = {u.id for u in units}
    children: dict[int | None, list[m.OrgUnit]] = {}
    for u in units:
        children.setdefault(u.parent_id if u.parent_id in ids else None, []).append(u)
    out: list[dict] = []

    def walk(parent: int | None, depth: int) -> None:
        for u in sorted(children.get(parent, []), key=lambda u: (u.code or "", u.name)):
            out.append({"id": u.id, "name": u.name, "code": u.code, "depth": depth})
            walk(u.id, depth + 1)

    walk(None, 0)
    return out


def _unit(s: Session, org_unit_id: int | None) -> int | None:
    if org_unit_id is not None and s.get(m.OrgUnit, org_unit_id) is None:
        raise UserError(f"所属地区（编号{org_unit_id}）不存在。", f"Org unit {org_unit_id} does not exist.")
    return org_unit_id


def _user(s: Session, user_id: int) -> m.User:
    user = s.get(m.User, user_id)
    if user is None:
        raise LookupError(user_id)
    return user


def create_user(s: Session, actor: Principal, username: str, role: str, org_unit_id: int | None,
                password: str | None) -> tuple[m.User, str | None]:
    """The new user, and the generated password when none was given (to be shown once)."""
    generated = None if password else generated_password()
    user = add_user(s, username, password or generated, role, _unit(s, org_unit_id))
    _audit(s, actor, "insert", user, None, _state(user))
    return user, generated


def update_user(s: Session, actor: Principal, user_id: int, role: str, org_unit_id: int | None) -> m.User:
    """A new role and org unit, checked as for a new user (only an administrator may have no region)."""
    user = _user(s, user_id)
    if role not in ROLES:
        raise UserError(f"角色应为 {'、'.join(ROLES)} 之一，而不是“{role}”。", f"Unknown role '{role}'.")
    if role != "administrator" and org_unit_id is None:
        raise UserError("除管理员外，每个用户都必须指定所属地区。", "Only an administrator may have no region.")
    if user.id == actor.id and role != "administrator":
        raise UserError("不能取消自己的管理员角色（请由另一位管理员操作）。", "You cannot demote yourself.")
    old = _state(user)
    user.role, user.org_unit_id = role, _unit(s, org_unit_id)
    s.flush()
    _audit(s, actor, "update", user, old, _state(user))
    return user


def reset_password(s: Session, actor: Principal, user_id: int, password: str | None) -> tuple[str, str | None]:
    """A new password: (the user name, the generated password to be shown once, or None when one was given)."""
    user = _user(s, user_id)
    generated = None if password else generated_password()
    new = password or generated
    if len(new) < 8:
        raise UserError("密码至少需要8个字符。", "The password needs at least 8 characters.")
    user.password_hash = hash_password(new)
    user.session_epoch = (user.session_epoch or 0) + 1  # every open session of the user ends
    s.flush()
    _audit(s, actor, "update", user, {"password": "…"}, {"password": "已重置"})
    return user.username, generated


def set_active(s: Session, actor: Principal, user_id: int, active: bool) -> m.User:
    """Deactivate (停用) or reactivate a user; never one's own account."""
    user = _user(s, user_id)
    if user.id == actor.id and not active:
        raise UserError("不能停用自己的账号。", "You cannot deactivate your own account.")
    old = _state(user)
    user.active = active
    if not active:
        user.session_epoch = (user.session_epoch or 0) + 1
    s.flush()
    _audit(s, actor, "update", user, old, _state(user))
    return user
