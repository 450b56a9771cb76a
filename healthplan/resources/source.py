"""Where a plan comes from: a plan file, or a region's current plan in the store (``--db``).

The core works from a :class:`~healthplan.plan.Plan` alone; the store only adds a way to name a
region instead of a file, and the populations recorded there since the plan was loaded.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import HealthplanError, IngestError
from ..plan import Plan


class SourceError(HealthplanError):
    """No plan for the file or region given (找不到规划)."""


def load_plan_file(path: Path) -> Plan:
    from ..ingest import ingest_file

    try:
        return ingest_file(path)
    except HealthplanError:
        raise
    except Exception as e:  # a reader library failing on a damaged file
        raise IngestError(f"无法读取该文件（{type(e).__name__}）。文件可能已损坏或不是规划文档。",
                          f"Cannot read this file ({type(e).__name__}: {e}).", str(path)) from e


def load_from_store(region: str, db: str | None) -> tuple[Plan, dict[int, float]]:
    """The current plan of ``region`` (name or 行政区划代码) and the store's 常住人口 by year."""
    from sqlalchemy import select

    from ..store import Store
    from ..store import models as m

    store = Store(db)
    try:
        with store.session() as s:
            rows = s.execute(select(m.OrgUnit, m.Plan).join(m.Plan, m.Plan.org_unit_id == m.OrgUnit.id)
                             .where(m.Plan.current.is_(True))).all()
            exact = [(u, p) for u, p in rows if region in (u.name, u.code)]
            found = exact or [(u, p) for u, p in rows if region in u.name]
            if not found:
                raise SourceError(f"“{region}”既不是文件，库中也没有该地区的现行规划。请给出规划文件路径，"
                                  f"或先将规划导入数据库。", f"'{region}' is neither a file nor a region with a plan "
                                  f"in the database.")
            units = {u.id for u, _ in found}
            if len(units) > 1:
                names = "、".join(sorted({u.name for u, _ in found}))
                raise SourceError(f"“{region}”对应多个地区：{names}，请写全称或行政区划代码。",
                                  f"'{region}' matches several regions: {names}.")
            _, plan_row = max(found, key=lambda x: x[1].period_start)
            return plan_from_row(s, plan_row)
    finally:
        store.close()


def plan_from_row(s, plan_row) -> tuple[Plan, dict[int, float]]:
    """A stored plan (``models.Plan``) as a :class:`Plan`, with its unit's 常住人口 by year from the store."""
    from sqlalchemy import select

    from ..store import models as m

    plan = Plan.model_validate(plan_row.document)
    pops = s.scalars(select(m.Population).where(m.Population.org_unit_id == plan_row.org_unit_id,
                                                m.Population.kind == "常住人口")
                     .order_by(m.Population.projected.desc())).all()
    return plan, {p.year: p.value for p in pops}  # reported figures (last) win over projections


def load_source(file_or_region: str, db: str | None = None) -> tuple[Plan, dict[int, float]]:
    """A plan from a file, or from the store when ``db`` is given and no such file exists."""
    path = Path(file_or_region)
    if path.exists() or db is None:
        return load_plan_file(path), {}
    return load_from_store(file_or_region, db)
