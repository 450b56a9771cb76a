"""The database schema (数据库结构), in DHIS2's words where they fit.

org units (组织机构) versioned by date, facilities (医疗卫生机构), plans (规划, versioned),
indicators (指标: catalog and plan-local), targets (目标, stored as data), observations (数据值),
projects and their yearly progress, populations, disagreements between reported and computed
values, import batches and the audit log.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


class Base(DeclarativeBase):
    pass


class OrgUnit(Base):
    """组织机构: a region at one level, valid from one date to another.

    When a district is split or merged the old unit gets ``valid_to`` and the new ones start; figures
    stay with the unit they were reported for (history is never rewritten onto today's tree).
    """

    __tablename__ = "org_unit"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(12), index=True)  # 行政区划代码
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(20))  # country province city district county county-level city township village
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    parent: Mapped["OrgUnit | None"] = relationship(remote_side="OrgUnit.id")


class OrgUnitChange(Base):
    """区划调整: a split, merge, rename or new code, with the units before and after."""

    __tablename__ = "org_unit_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))  # split merge rename recode
    before_ids: Mapped[list] = mapped_column(JSON)
    after_ids: Mapped[list] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)


class Facility(Base):
    """医疗卫生机构."""

    __tablename__ = "facility"
    __table_args__ = (UniqueConstraint("org_unit_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str | None] = mapped_column(String(50))  # 综合医院 中医医院 乡镇卫生院 社区卫生服务中心 …
    ownership: Mapped[str | None] = mapped_column(String(20))  # 公立 / 非公立
    level: Mapped[str | None] = mapped_column(String(20))  # 三级 二级 一级 基层
    category: Mapped[str | None] = mapped_column(String(100))  # the category printed in the plan


class Indicator(Base):
    """指标: a catalog entry or an indicator local to one plan."""

    __tablename__ = "indicator"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    unit: Mapped[str | None] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(10), default="neutral")
    category: Mapped[str | None] = mapped_column(String(20))
    definition: Mapped[str | None] = mapped_column(Text)
    numerator: Mapped[str | None] = mapped_column(Text)
    denominator: Mapped[str | None] = mapped_column(Text)
    factor: Mapped[float | None] = mapped_column(Float)
    per_capita: Mapped[str | None] = mapped_column(String(50))
    local: Mapped[bool] = mapped_column(Boolean, default=False)
    local_reason: Mapped[str | None] = mapped_column(Text)


class Plan(Base):
    """规划: one version of a plan document for an org unit and period."""

    __tablename__ = "plan"
    __table_args__ = (UniqueConstraint("org_unit_id", "period_start", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    title: Mapped[str | None] = mapped_column(String(300))
    period_start: Mapped[int] = mapped_column(Integer)
    period_end: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    file_name: Mapped[str] = mapped_column(String(300))
    file_sha256: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict] = mapped_column(JSON)  # the plan JSON as ingested
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    created_by: Mapped[str] = mapped_column(String(100), default="system")
    org_unit: Mapped[OrgUnit] = relationship()


class Target(Base):
    """目标: indicator × org unit (or facility) × plan × year, with baseline, direction and 指标性质."""

    __tablename__ = "target"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"))
    part: Mapped[int] = mapped_column(Integer, default=0)  # position within a compound row
    domain: Mapped[str | None] = mapped_column(String(100))
    name_in_plan: Mapped[str] = mapped_column(String(300))
    unit_in_plan: Mapped[str | None] = mapped_column(String(40))
    property: Mapped[str | None] = mapped_column(String(10))  # 预期性 / 约束性
    direction: Mapped[str] = mapped_column(String(10))
    baseline_year: Mapped[int | None] = mapped_column(Integer)
    baseline_text: Mapped[str | None] = mapped_column(String(100))
    baseline_value: Mapped[float | None] = mapped_column(Float)
    baseline_inferred: Mapped[bool] = mapped_column(Boolean, default=False)
    target_year: Mapped[int] = mapped_column(Integer)
    target_text: Mapped[str] = mapped_column(String(200))
    outlook_year: Mapped[int | None] = mapped_column(Integer)
    outlook_text: Mapped[str | None] = mapped_column(String(200))
    line: Mapped[int | None] = mapped_column(Integer)
    indicator: Mapped[Indicator] = relationship()


class Observation(Base):
    """数据值: one figure of an indicator for an org unit (or facility) and period."""

    __tablename__ = "observation"
    __table_args__ = (
        Index("uq_observation_unit", "org_unit_id", "indicator_id", "period", unique=True,
              sqlite_where=text("facility_id IS NULL"), postgresql_where=text("facility_id IS NULL")),
        Index("uq_observation_facility", "facility_id", "indicator_id", "period", unique=True,
              sqlite_where=text("facility_id IS NOT NULL"), postgresql_where=text("facility_id IS NOT NULL")),
        # covering indexes (migration 0003): the year's figures and one unit's series from the index alone
        Index("ix_observation_year_value", "year", "indicator_id", "org_unit_id", "period", "value",
              sqlite_where=text("facility_id IS NULL"), postgresql_where=text("facility_id IS NULL")),
        Index("ix_observation_unit_value", "org_unit_id", "indicator_id", "year", "period", "value",
              sqlite_where=text("facility_id IS NULL"), postgresql_where=text("facility_id IS NULL")),
        # the fingerprint of a unit's figures (store.cache) from the index alone
        Index("ix_observation_unit_revision", "org_unit_id", "updated_at", "version", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))  # indexed by ix_observation_unit_revision
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"))
    period: Mapped[str] = mapped_column(String(8))  # 2023, 2023Q1, 202301
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(String(300))
    comment: Mapped[str | None] = mapped_column(Text)
    derived: Mapped[bool] = mapped_column(Boolean, default=False)
    example: Mapped[bool] = mapped_column(Boolean, default=False)  # 示例数据, never real figures
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    created_by: Mapped[str] = mapped_column(String(100), default="system")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, onupdate=now)
    updated_by: Mapped[str] = mapped_column(String(100), default="system")
    __mapper_args__ = {"version_id_col": version}


class Population(Base):
    """人口: resident (常住) or registered (户籍) population of a unit in a year."""

    __tablename__ = "population"
    __table_args__ = (UniqueConstraint("org_unit_id", "year", "kind", "projected"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10), default="常住人口")
    value: Mapped[float] = mapped_column(Float)
    projected: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(String(300))


class Project(Base):
    """重点建设项目 of a plan."""

    __tablename__ = "project"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    seq: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    content: Mapped[str | None] = mapped_column(Text)
    stage: Mapped[str | None] = mapped_column(String(40))
    approved: Mapped[str | None] = mapped_column(String(40))
    start_year: Mapped[int | None] = mapped_column(Integer)
    end_year: Mapped[int | None] = mapped_column(Integer)
    total_investment_wan: Mapped[float | None] = mapped_column(Float)
    period_investment_wan: Mapped[float | None] = mapped_column(Float)
    line: Mapped[int | None] = mapped_column(Integer)


class ProjectProgress(Base):
    """项目年度进展: status, share complete and money spent in a year."""

    __tablename__ = "project_progress"
    __table_args__ = (UniqueConstraint("project_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # 未开工 在建 完工 停建
    percent_complete: Mapped[float | None] = mapped_column(Float)
    spent_wan: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)
    example: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}


class Disagreement(Base):
    """A reported value that differs from the one computed from counts and population."""

    __tablename__ = "disagreement"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"))
    period: Mapped[str] = mapped_column(String(8))
    reported: Mapped[float] = mapped_column(Float)
    computed: Mapped[float] = mapped_column(Float)
    formula: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class ImportBatch(Base):
    """一次导入: what came in together, so that it can be rolled back together."""

    __tablename__ = "import_batch"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    user: Mapped[str] = mapped_column(String(100))
    file_name: Mapped[str] = mapped_column(String(300))
    format: Mapped[str] = mapped_column(String(10))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default="applied")  # applied / undone
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditLog(Base):
    """审计日志: every change, who and when, old → new, and the file it came from."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    user: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(10))  # insert update delete
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[int] = mapped_column(Integer)
    old: Mapped[dict | None] = mapped_column(JSON)
    new: Mapped[dict | None] = mapped_column(JSON)
    source_file: Mapped[str | None] = mapped_column(String(300))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), index=True)


class User(Base):
    """用户 of the web app: a role and the org unit it is scoped to (its subtree).

    Roles: ``administrator`` (everything), ``province_analyst`` (reads its province),
    ``region_editor`` (reads and writes its region and the units below), ``viewer`` (reads only).
    """

    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # raised by a password reset or deactivation: every open session of the user ends (migration 0004)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    org_unit: Mapped[OrgUnit | None] = relationship()


class LoginFailure(Base):
    """A failed sign-in (登录失败), counted by every server process alike; ``at`` in seconds since the epoch."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_key", "username", "ip", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[float] = mapped_column(Float, index=True)
