"""Accounts (用户) and what each may see and change (权限范围).

- ``administrator``: reads and writes everything;
- ``province_analyst``: reads every plan and figure of its province (its org unit's subtree), writes nothing;
- ``region_editor``: reads and writes its region and the units below it;
- ``viewer``: reads its region and the units below it, writes nothing.

Outside its own subtree anyone signed in may read *published* plans (a published plan is a public
document); an unpublished plan of another region is refused (403), and so is any write outside the
subtree. Every query goes through SQLAlchemy expressions — no SQL is built from strings.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ..errors import HealthplanError
from ..store import models as m
from ..store.cache import FingerprintCache

ROLES = ("administrator", "province_analyst", "region_editor", "viewer")
ROLE_ZH = {"administrator": "管理员", "province_analyst": "省级分析员", "region_editor": "地区填报员", "viewer": "只读用户"}
_hasher = PasswordHasher()
# argon2 takes 64 MiB of memory per hash (memory_cost): at most one hash per core at a time, so that a burst
# of sign-ins (or an attack on /login) costs time, not gigabytes
_HASHING = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))
# verified against when the user does not exist, so that a wrong name costs as long as a wrong password
_DUMMY_HASH = _hasher.hash("not a password")


class UserError(HealthplanError):
    """An account that cannot be created or changed (用户设置有误)."""


def hash_password(password: str) -> str:
    with _HASHING:
        return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        with _HASHING:
            return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def add_user(s: Session, username: str, password: str, role: str, org_unit_id: int | None) -> m.User:
    username = username.strip()
    if not username or len(username) > 100:
        raise UserError("用户名不能为空，且不超过100个字符。", "A user name of 1–100 characters is needed.")
    if role not in ROLES:
        raise UserError(f"角色应为 {'、'.join(ROLES)} 之一，而不是“{role}”。", f"Unknown role '{role}'.")
    if role != "administrator" and org_unit_id is None:
        raise UserError("除管理员外，每个用户都必须指定所属地区（--region）。", "Only an administrator may have no region.")
    if len(password) < 8:
        raise UserError("密码至少需要8个字符。", "The password needs at least 8 characters.")
    if s.scalars(select(m.User).where(func.lower(m.User.username) == username.lower())).first() is not None:
        raise UserError(f"用户“{username}”已存在。", f"User '{username}' exists already.")
    user = m.User(username=username, password_hash=hash_password(password), role=role, org_unit_id=org_unit_id)
    s.add(user)
    s.flush()
    return user


def authenticate(s: Session, username: str, password: str) -> m.User | None:
    user = s.scalars(select(m.User).where(m.User.username == username.strip(), m.User.active.is_(True))).first()
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return None
    return user if verify_password(user.password_hash, password) else None


def subtree(s: Session, root_id: int, root_code: str | None | bool = False) -> set[int]:
    """The org unit, every version of it (same 行政区划代码) and every unit below them (one recursive query;
    pass ``root_code`` when it is known already)."""
    u = m.OrgUnit
    if root_code is False:
        root_code = s.scalar(select(u.code).where(u.id == root_id))
    start = select(u.id).where(u.id == root_id)
    if root_code:
        start = select(u.id).where((u.id == root_id) | (u.code == root_code))
    tree = start.cte("tree", recursive=True)
    tree = tree.union(select(u.id).join(tree, u.parent_id == tree.c.id))
    return set(s.scalars(select(tree.c.id)))


@dataclass
class Principal:
    """The signed-in user as the web app sees it for one request."""

    id: int
    username: str
    role: str
    org_unit_id: int | None
    org_unit_name: str | None
    scope: frozenset[int] | None = field(default=None)  # None: every unit (administrator)
    epoch: int = 0  # app_user.session_epoch: a session signed in under another epoch is over

    @property
    def is_admin(self) -> bool:
        return self.role == "administrator"

    def owns(self, org_unit_id: int) -> bool:
        return self.scope is None or org_unit_id in self.scope

    def can_read_plan(self, plan: m.Plan) -> bool:
        return self.owns(plan.org_unit_id) or bool(plan.published)

    def can_read_unit_data(self, s: Session, org_unit_id: int) -> bool:
        """Figures of a unit: its own subtree, or a unit with a published current plan."""
        if self.owns(org_unit_id):
            return True
        return s.scalars(select(m.Plan.id).where(m.Plan.org_unit_id == org_unit_id, m.Plan.published.is_(True))
                         ).first() is not None

    def can_write(self, org_unit_id: int) -> bool:
        if self.is_admin:
            return True
        return self.role == "region_editor" and self.scope is not None and org_unit_id in self.scope


SCOPES = FingerprintCache(maxsize=4096)
_PRINCIPAL = (select(m.User.id, m.User.username, m.User.role, m.User.org_unit_id, m.User.active, m.OrgUnit.name,
                     m.OrgUnit.code, select(func.max(m.OrgUnit.id)).scalar_subquery(), m.User.session_epoch)
              .outerjoin(m.OrgUnit, m.OrgUnit.id == m.User.org_unit_id).where(m.User.id == bindparam("uid")))


def principal(s: Session, user_id: int) -> Principal | None:
    """The user as the app sees it for one request, read on every request: a deactivated user or a changed
    role or region takes effect at once. One query; the unit's subtree comes from a cache that holds while
    no org unit has been added (units are never re-parented in place: a 区划调整 creates new units)."""
    row = s.connection().execute(_PRINCIPAL, {"uid": user_id}).first()
    if row is None or not row.active:
        return None
    uid, username, role, unit_id, _, unit_name, unit_code, newest_id, epoch = row
    scope = None
    if role != "administrator":
        scope = SCOPES.get_or_compute(s, unit_id, (unit_code, newest_id),
                                      lambda: frozenset(subtree(s, unit_id, unit_code))) if unit_id else frozenset()
    return Principal(uid, username, role, unit_id, unit_name, scope, epoch or 0)