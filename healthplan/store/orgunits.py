"""区划调整: splits, merges and renames of org units, versioned by date.

A unit is valid from ``valid_from`` (inclusive, None = always was) to ``valid_to`` (exclusive, None = still
is). A change on day ``on`` ends the old units (``valid_to = on``) and starts new ones (``valid_from = on``)
under the same parent; an :class:`~healthplan.store.models.OrgUnitChange` row records the ids before and
after, and every row written goes to the audit log.

History is never rewritten: observations, targets, plans and populations keep the unit they were
reported for. A figure for a year after the change is stored on a new unit. Child units (townships,
streets) cannot point at an ended parent, so they get new versions under the new unit (kind ``move``);
facilities, which are not versioned, are moved to the new unit (the move is audited; their past figures
keep the org unit they were reported with).

Changes must be made in date order on current units: a unit that has already ended, or a change dated
on or before a unit's start, is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from . import models as m
from .audit import record, snapshot
from .observations import ValidationError, parse_period

NewUnit = tuple[str | None, str]  # (行政区划代码 or None, name)


# --- queries -----------------------------------------------------------------------------------

def _as_date(day: date | str) -> date:
    return day if isinstance(day, date) else date.fromisoformat(str(day))


def valid_on(day: date):
    """SQL condition: the unit is valid on ``day``."""
    return and_(or_(m.OrgUnit.valid_from.is_(None), m.OrgUnit.valid_from <= day),
                or_(m.OrgUnit.valid_to.is_(None), m.OrgUnit.valid_to > day))


def is_valid_on(unit: m.OrgUnit, day: date | str) -> bool:
    day = _as_date(day)
    return (unit.valid_from is None or unit.valid_from <= day) and (unit.valid_to is None or day < unit.valid_to)


def units_on(s: Session, day: date | str) -> list[m.OrgUnit]:
    """The tree valid on ``day``: every unit valid that day (each one's parent is in the list too)."""
    return list(s.scalars(select(m.OrgUnit).where(valid_on(_as_date(day))).order_by(m.OrgUnit.code, m.OrgUnit.id)))


def children_on(s: Session, unit_id: int, day: date | str) -> list[m.OrgUnit]:
    return list(s.scalars(select(m.OrgUnit).where(m.OrgUnit.parent_id == unit_id, valid_on(_as_date(day)))
                          .order_by(m.OrgUnit.code, m.OrgUnit.id)))


def unit_by_code(s: Session, code: str, day: date | str) -> m.OrgUnit | None:
    """The version of the unit with 行政区划代码 ``code`` that is valid on ``day``."""
    return s.scalars(select(m.OrgUnit).where(m.OrgUnit.code == code, valid_on(_as_date(day)))
                     .order_by(m.OrgUnit.id.desc())).first()


def valid_during(unit: m.OrgUnit, period: str) -> bool:
    """Whether ``unit`` exists for at least part of the period (``2023``, ``2023Q1`` or ``202301``)."""
    year = parse_period(period)
    p = str(period).strip()
    if len(p) == 6 and "Q" in p:
        q = int(p[-1])
        start, end = date(year, 3 * q - 2, 1), (date(year, 3 * q + 1, 1) if q < 4 else date(year + 1, 1, 1))
    elif len(p) == 6:
        month = int(p[4:])
        start, end = date(year, month, 1), (date(year, month + 1, 1) if month < 12 else date(year + 1, 1, 1))
    else:
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
    return (unit.valid_from is None or unit.valid_from < end) and (unit.valid_to is None or unit.valid_to > start)


def _changes(s: Session) -> list[m.OrgUnitChange]:
    # JSON containment differs between SQLite and PostgreSQL; the change table is small.
    return list(s.scalars(select(m.OrgUnitChange).order_by(m.OrgUnitChange.on, m.OrgUnitChange.id)))


def _follow(s: Session, unit_id: int, forward: bool, transitive: bool) -> list[m.OrgUnit]:
    changes = _changes(s)
    seen: list[int] = []
    frontier = [unit_id]
    while frontier:
        nxt = []
        for uid in frontier:
            for c in changes:
                src, dst = (c.before_ids, c.after_ids) if forward else (c.after_ids, c.before_ids)
                if uid in src:
                    for other in dst:
                        if other not in seen and other != unit_id:
                            seen.append(other)
                            nxt.append(other)
        frontier = nxt if transitive else []
    return [s.get(m.OrgUnit, i) for i in seen]


def successors(s: Session, unit_id: int, *, transitive: bool = False) -> list[m.OrgUnit]:
    """The units that took over from ``unit_id`` (direct ones; ``transitive=True``: down to today's)."""
    return _follow(s, unit_id, True, transitive)


def predecessors(s: Session, unit_id: int, *, transitive: bool = False) -> list[m.OrgUnit]:
    """The units ``unit_id`` was made from (direct ones; ``transitive=True``: back to the first)."""
    return _follow(s, unit_id, False, transitive)


# --- changes -----------------------------------------------------------------------------------

def _current(s: Session, unit_id: int, on: date) -> m.OrgUnit:
    unit = s.get(m.OrgUnit, unit_id)
    if unit is None:
        raise ValidationError(f"组织机构不存在（id={unit_id}）。", f"No org unit {unit_id}.")
    if unit.valid_to is not None:
        raise ValidationError(f"“{unit.name}”已于{unit.valid_to:%Y-%m-%d}撤销，不能再调整。",
                              f"{unit.name} ended on {unit.valid_to}; it cannot be changed again.")
    if unit.valid_from is not None and on <= unit.valid_from:
        raise ValidationError(f"“{unit.name}”自{unit.valid_from:%Y-%m-%d}起设立，调整日期{on:%Y-%m-%d}须在其后。",
                              f"{unit.name} starts on {unit.valid_from}; a change on {on} must come later.")
    return unit


def _check_codes(s: Session, codes: Iterable[str | None], on: date, ending: set[int]) -> None:
    """A code may be reused only from a unit that ends on this day."""
    wanted = [c for c in codes if c]
    if len(wanted) != len(set(wanted)):
        raise ValidationError("新设单位的行政区划代码重复。", "The new units have duplicate codes.")
    for code in wanted:
        if len(code) > 12:
            raise ValidationError(f"行政区划代码“{code}”过长（最多12位）。", f"Code {code} is longer than 12.")
        other = s.scalars(select(m.OrgUnit).where(m.OrgUnit.code == code, m.OrgUnit.id.not_in(sorted(ending) or [-1]),
                                                  or_(m.OrgUnit.valid_to.is_(None), m.OrgUnit.valid_to > on))).first()
        if other is not None:
            raise ValidationError(f"行政区划代码“{code}”已由“{other.name}”使用。", f"Code {code} is in use by {other.name}.")


def _end(s: Session, unit: m.OrgUnit, on: date, user: str) -> None:
    old = snapshot(unit)
    unit.valid_to = on
    s.flush()
    record(s, user, "update", unit, old=old)


def _start(s: Session, code: str | None, name: str, like: m.OrgUnit, parent_id: int | None, on: date, user: str,
           note: str | None) -> m.OrgUnit:
    if not name or not name.strip():
        raise ValidationError("新设单位须有名称。", "A new unit needs a name.")
    unit = m.OrgUnit(code=code or None, name=name.strip(), level=like.level, parent_id=parent_id, valid_from=on,
                     valid_to=None, note=note)
    s.add(unit)
    s.flush()
    record(s, user, "insert", unit)
    return unit


def _log_change(s: Session, kind: str, on: date, before: list[int], after: list[int], note: str | None,
                user: str) -> m.OrgUnitChange:
    change = m.OrgUnitChange(on=on, kind=kind, before_ids=before, after_ids=after, note=note)
    s.add(change)
    s.flush()
    record(s, user, "insert", change)
    return change


def _movable_children(s: Session, unit: m.OrgUnit, on: date) -> list[m.OrgUnit]:
    """Children still valid after ``on``; a child with a later change of its own is refused."""
    kids = list(s.scalars(select(m.OrgUnit).where(m.OrgUnit.parent_id == unit.id,
                                                  or_(m.OrgUnit.valid_to.is_(None), m.OrgUnit.valid_to > on))
                          .order_by(m.OrgUnit.id)))
    for k in kids:
        if k.valid_to is not None or (k.valid_from is not None and k.valid_from >= on):
            raise ValidationError(f"下级单位“{k.name}”在{on:%Y-%m-%d}之后另有调整，请按日期顺序调整。",
                                  f"Child unit {k.name} changes after {on}; apply changes in date order.")
    return kids


def _move_child(s: Session, child: m.OrgUnit, parent: m.OrgUnit, on: date, user: str, note: str | None) -> m.OrgUnit:
    """A new version of ``child`` (and of its own children) under ``parent`` from ``on``."""
    grandchildren = _movable_children(s, child, on)
    _end(s, child, on, user)
    copy = _start(s, child.code, child.name, child, parent.id, on, user, child.note)
    _log_change(s, "move", on, [child.id], [copy.id], note or f"随上级调整划入“{parent.name}”", user)
    for g in grandchildren:
        _move_child(s, g, copy, on, user, note)
    return copy


def _move_facility(s: Session, fac: m.Facility, unit: m.OrgUnit, user: str) -> None:
    clash = s.scalars(select(m.Facility).where(m.Facility.org_unit_id == unit.id, m.Facility.name == fac.name)).first()
    if clash is not None:
        raise ValidationError(f"“{unit.name}”已有同名机构“{fac.name}”。", f"{unit.name} already has {fac.name}.")
    old = snapshot(fac)
    fac.org_unit_id = unit.id
    s.flush()
    record(s, user, "update", fac, old=old)


def _facilities(s: Session, unit_ids: Iterable[int]) -> list[m.Facility]:
    return list(s.scalars(select(m.Facility).where(m.Facility.org_unit_id.in_(list(unit_ids))).order_by(m.Facility.id)))


def split_unit(s: Session, unit_id: int, on: date | str, new_units: list[NewUnit], user: str = "system",
               note: str | None = None, *, children: Mapping[int, str | int] | None = None,
               facilities: Mapping[int, str | int] | None = None) -> list[m.OrgUnit]:
    """拆分: ``unit_id`` ends on ``on``; ``new_units`` [(code, name), …] start that day under its parent.

    ``children`` and ``facilities`` map a child unit id / facility id to the new unit it goes to (by
    code, or by index in ``new_units``). Every current child unit must be assigned; a facility left out
    stays with the old unit (its figures are the old unit's history).
    """
    on = _as_date(on)
    old = _current(s, unit_id, on)
    if len(new_units) < 2:
        raise ValidationError("拆分须设立至少两个新单位（一个新单位请用更名）。",
                              "A split makes at least two units (use rename for one).")
    _check_codes(s, (c for c, _ in new_units), on, {old.id})
    names = [n for _, n in new_units]
    if len(set(names)) != len(names):
        raise ValidationError("新设单位名称重复。", "The new units have duplicate names.")
    kids = _movable_children(s, old, on)
    children, facilities = dict(children or {}), dict(facilities or {})

    def target_index(key, what: str) -> int:
        if isinstance(key, int) and not isinstance(key, bool) and 0 <= key < len(new_units):
            return key
        for i, (code, name) in enumerate(new_units):
            if key in (code, name):
                return i
        raise ValidationError(f"{what}的去向“{key}”不是新设单位之一。", f"{what} goes to unknown unit {key}.")

    missing = [k.name for k in kids if k.id not in children]
    if missing:
        raise ValidationError(f"拆分“{old.name}”须指明下级单位的归属：{'、'.join(missing)}。",
                              f"Assign the child units of {old.name}: {', '.join(missing)}.")
    unknown = set(children) - {k.id for k in kids}
    if unknown:
        raise ValidationError(f"{sorted(unknown)}不是“{old.name}”的现有下级单位。",
                              f"{sorted(unknown)} are not current children of {old.name}.")
    own = {f.id: f for f in _facilities(s, [old.id])}
    if set(facilities) - set(own):
        raise ValidationError(f"机构{sorted(set(facilities) - set(own))}不属于“{old.name}”。",
                              f"Facilities {sorted(set(facilities) - set(own))} are not in {old.name}.")
    child_to = {k.id: target_index(children[k.id], f"下级单位“{k.name}”") for k in kids}
    fac_to = {fid: target_index(key, f"机构“{own[fid].name}”") for fid, key in facilities.items()}

    _end(s, old, on, user)
    made = [_start(s, code, name, old, old.parent_id, on, user, f"由“{old.name}”拆分设立") for code, name in new_units]
    _log_change(s, "split", on, [old.id], [u.id for u in made], note, user)
    for k in kids:
        _move_child(s, k, made[child_to[k.id]], on, user, None)
    for fid, i in fac_to.items():
        _move_facility(s, own[fid], made[i], user)
    return made


def merge_units(s: Session, unit_ids: list[int], on: date | str, code: str | None, name: str, user: str = "system",
                note: str | None = None) -> m.OrgUnit:
    """合并: the units end on ``on``; one new unit starts that day under their common parent.

    Their child units get new versions under the new unit, and their facilities move to it.
    """
    on = _as_date(on)
    if len(set(unit_ids)) < 2:
        raise ValidationError("合并须有至少两个单位。", "A merge needs at least two units.")
    olds = [_current(s, uid, on) for uid in dict.fromkeys(unit_ids)]
    if len({u.parent_id for u in olds}) != 1 or len({u.level for u in olds}) != 1:
        raise ValidationError("只能合并同一上级下、同一层级的单位。", "Only units with the same parent and level merge.")
    _check_codes(s, [code], on, {u.id for u in olds})
    kids = [k for u in olds for k in _movable_children(s, u, on)]
    facs = _facilities(s, [u.id for u in olds])
    if len({f.name for f in facs}) != len(facs):
        raise ValidationError("被合并单位有同名机构，无法合并到一个单位。", "Merged units have facilities of the same name.")
    for u in olds:
        _end(s, u, on, user)
    new = _start(s, code, name, olds[0], olds[0].parent_id, on, user,
                 "由" + "、".join(f"“{u.name}”" for u in olds) + "合并设立")
    _log_change(s, "merge", on, [u.id for u in olds], [new.id], note, user)
    for k in kids:
        _move_child(s, k, new, on, user, None)
    for f in facs:
        _move_facility(s, f, new, user)
    return new


def rename_unit(s: Session, unit_id: int, on: date | str, name: str, code: str | None = None, user: str = "system",
                note: str | None = None) -> m.OrgUnit:
    """更名 (and/or 新代码): a new version of the unit from ``on``; ``code`` None keeps the old code."""
    on = _as_date(on)
    old = _current(s, unit_id, on)
    code = code or old.code
    if name == old.name and code == old.code:
        raise ValidationError(f"“{old.name}”的名称和代码均未改变。", f"{old.name}: neither name nor code changes.")
    _check_codes(s, [code], on, {old.id})
    kids = _movable_children(s, old, on)
    facs = _facilities(s, [old.id])
    _end(s, old, on, user)
    new = _start(s, code, name, old, old.parent_id, on, user, f"由“{old.name}”更名" if name != old.name else old.note)
    _log_change(s, "rename" if name != old.name else "recode", on, [old.id], [new.id], note, user)
    for k in kids:
        _move_child(s, k, new, on, user, None)
    for f in facs:
        _move_facility(s, f, new, user)
    return new


__all__ = ["split_unit", "merge_units", "rename_unit", "units_on", "children_on", "unit_by_code", "valid_during",
           "is_valid_on", "successors", "predecessors"]
