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

from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import HealthplanError
from ..store import models as m

ROLES = ("administrator", "province_analyst", "region_editor", "viewer")
ROLE_ZH = {"administrator": "管理员", "province_analyst": "省级分析员", "region_editor": "地区填报员", "viewer": "只读用户"}
_hasher = PasswordHasher()
# verified against when the user does not exist, so that a wrong name costs as long as a wrong password
_DUMMY_HASH = _hasher.hash("not a password")


class UserError(HealthplanError):
    """An account that cannot be created or changed (用户设置有误)."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
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


def subtree(s: Session, root_id: int) -> set[int]:
    """The org unit, every version of it (same 行政区划代码) and every unit below them."""
    units = s.execute(select(m.OrgUnit.id, m.OrgUnit.parent_id, m.OrgUnit.code)).all()
    children: dict[int | None, list[int]] = {}
    code = {}
    for uid, parent, c in units:
        children.setdefault(parent, []).append(uid)
        code[uid] = c
    root_code = code.get(root_id)
    todo = [uid for uid in code if uid == root_id or (root_code and code[uid] == root_code)]
    inside: set[int] = set()
    while todo:
        uid = todo.pop()
        if uid not in inside:
            inside.add(uid)
            todo.extend(children.get(uid, []))
    return inside


@dataclass
class Principal:
    """The signed-in user as the web app sees it for one request."""

    id: int
    username: str
    role: str
    org_unit_id: int | None
    org_unit_name: str | None
    scope: set[int] | None = field(default=None)  # None: every unit (administrator)

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


def principal(s: Session, user_id: int) -> Principal | None:
    user = s.get(m.User, user_id)
    if user is None or not user.active:
        return None
    scope = None if user.role == "administrator" else (subtree(s, user.org_unit_id) if user.org_unit_id else set())
    return Principal(user.id, user.username, user.role, user.org_unit_id,
                     user.org_unit.name if user.org_unit else None, scope)
