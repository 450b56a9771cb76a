"""Putting plans into the store (规划入库): org units, indicators, targets, projects, facility tables.

Re-ingesting a corrected document makes a new plan version; the old one stays readable.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..catalog import Catalog, load_catalog
from ..catalog.targets import parse_target
from ..ingest.region import REGION_DATA, level_of, parent_code
from ..plan import Plan as PlanDoc
from . import models as m
from .audit import record

# facility-table measure → count indicator (counts per facility)
MEASURE_CODES = {"beds_actual": "HR-NBED", "beds": "HR-NBED", "beds_approved": "HR-NBEDQ",
                 "doctors": "HR-NDOC", "nurses": "HR-NNUR"}


def sync_catalog(s: Session, catalog: Catalog | None = None) -> dict[str, m.Indicator]:
    """Catalog entries as indicators (insert new, update changed); returns code → indicator."""
    catalog = catalog or load_catalog()
    existing = {i.code: i for i in s.scalars(select(m.Indicator))}
    for e in catalog.entries:
        fields = dict(name=e.name_zh, name_en=e.name_en, unit=e.unit, direction=e.direction, category=e.category,
                      definition=e.definition, numerator=e.numerator, denominator=e.denominator, factor=e.factor,
                      per_capita=e.per_capita, local=False)
        ind = existing.get(e.code)
        if ind is None:
            ind = m.Indicator(code=e.code, **fields)
            s.add(ind)
            existing[e.code] = ind
        else:
            for k, v in fields.items():
                setattr(ind, k, v)
    s.flush()
    return existing


def ensure_org_unit(s: Session, code: str | None, name: str, level: str | None) -> m.OrgUnit:
    """The org unit for a region code, with its parents up to the province (created when missing).

    The current version of the unit; when a 区划调整 has ended every version, the latest one (never a
    new, undated duplicate of a unit that was split or merged away).
    """
    latest = (m.OrgUnit.valid_to.is_(None).desc(), m.OrgUnit.valid_to.desc(), m.OrgUnit.id.desc())
    if code:
        unit = s.scalars(select(m.OrgUnit).where(m.OrgUnit.code == code).order_by(*latest)).first()
        if unit is not None:
            return unit
        parent = None
        pcode = parent_code(code)
        if pcode and pcode in REGION_DATA:
            parent = ensure_org_unit(s, pcode, REGION_DATA[pcode], level_of(pcode, REGION_DATA[pcode]))
        unit = m.OrgUnit(code=code, name=REGION_DATA.get(code, name), level=level or level_of(code, name),
                         parent_id=parent.id if parent else None)
    else:
        unit = s.scalars(select(m.OrgUnit).where(m.OrgUnit.name == name).order_by(*latest)).first()
        if unit is not None:
            return unit
        unit = m.OrgUnit(code=None, name=name, level=level or "district")
    s.add(unit)
    s.flush()
    return unit


def local_indicator(s: Session, name: str, unit: str | None, reason: str, direction: str = "neutral") -> m.Indicator:
    """A plan-local indicator (本地指标), one per name and unit."""
    code = "LOCAL-" + hashlib.sha1(f"{name}|{unit or ''}".encode()).hexdigest()[:10].upper()
    ind = s.scalars(select(m.Indicator).where(m.Indicator.code == code)).first()
    if ind is None:
        ind = m.Indicator(code=code, name=name, unit=unit, direction=direction, local=True, local_reason=reason)
        s.add(ind)
        s.flush()
    return ind


def load_plan(s: Session, doc: PlanDoc, data: bytes | None = None, user: str = "system",
              published: bool = True) -> m.Plan:
    """Store a plan document. Same document again → the stored version; changed → a new version."""
    catalog = load_catalog()
    indicators = sync_catalog(s, catalog)
    contract = doc.contract()
    sha = hashlib.sha256(data if data is not None else json.dumps(contract, sort_keys=True).encode()).hexdigest()
    unit = ensure_org_unit(s, doc.region_code, doc.region or doc.file, doc.level)
    period = doc.period or _fallback_period(doc)
    same = s.scalars(select(m.Plan).where(m.Plan.org_unit_id == unit.id, m.Plan.period_start == period.start)
                     .order_by(m.Plan.version.desc())).all()
    for old in same:
        if old.file_sha256 == sha:
            return old
    for old in same:
        old.current = False
    plan = m.Plan(org_unit_id=unit.id, title=doc.title, period_start=period.start, period_end=period.end,
                  version=(same[0].version + 1) if same else 1, current=True, published=published,
                  file_name=doc.file.rsplit("/", 1)[-1], file_sha256=sha, document=contract, created_by=user)
    s.add(plan)
    s.flush()
    record(s, user, "insert", plan, source_file=plan.file_name)
    for row in doc.indicators:
        matches = catalog.match_row(row.name, row.unit)
        parts = len(matches)
        for part, found in enumerate(matches):
            if found.entry is not None:
                ind = indicators[found.entry.code]
            else:
                ind = local_indicator(s, row.name, row.unit, found.reason or "")
            baseline = row.baseline
            b_value = baseline.value if baseline else None
            if parts > 1 and baseline and baseline.values and part < len(baseline.values):
                b_value = baseline.values[part]
            target_text = row.target.text
            parsed = parse_target(target_text, ind.direction)
            if parts > 1 and parsed.kind == "compound" and parsed.parts and part < len(parsed.parts):
                target_text = parsed.parts[part].text
            s.add(m.Target(
                plan_id=plan.id, indicator_id=ind.id, org_unit_id=unit.id, part=part if parts > 1 else 0,
                domain=row.domain, name_in_plan=row.name, unit_in_plan=row.unit, property=row.property,
                direction=ind.direction, baseline_year=baseline.year if baseline else None,
                baseline_text=baseline.text if baseline else None, baseline_value=b_value,
                baseline_inferred=bool(baseline and baseline.inferred),
                target_year=row.target.year or period.end, target_text=target_text,
                outlook_year=row.outlook.year if row.outlook else None,
                outlook_text=row.outlook.text if row.outlook else None, line=row.line))
    for p in doc.projects:
        s.add(m.Project(plan_id=plan.id, org_unit_id=unit.id, seq=p.seq, category=p.category, name=p.name,
                        content=p.content, stage=p.stage, approved=p.approved, start_year=p.start_year,
                        end_year=p.end_year, total_investment_wan=p.total_investment_wan,
                        period_investment_wan=p.period_investment_wan, line=p.line))
    for pop in doc.populations:
        _population(s, unit.id, pop.year, pop.kind or "常住人口", pop.value, pop.projected,
                    f"{plan.file_name} 第{pop.line}行")
    _facility_tables(s, doc, plan, unit, indicators, user)
    s.flush()
    return plan


def _fallback_period(doc: PlanDoc):
    from ..plan import Period

    years = [i.target.year for i in doc.indicators if i.target.year]
    end = max(years) if years else 2025
    return Period(start=end - 4, end=end)


def _population(s: Session, unit_id: int, year: int, kind: str, value: float, projected: bool, source: str) -> None:
    row = s.scalars(select(m.Population).where(m.Population.org_unit_id == unit_id, m.Population.year == year,
                                               m.Population.kind == kind,
                                               m.Population.projected == projected)).first()
    if row is None:
        s.add(m.Population(org_unit_id=unit_id, year=year, kind=kind, value=value, projected=projected,
                           source=source))
    else:
        row.value, row.source = value, source


def _facility_tables(s: Session, doc: PlanDoc, plan: m.Plan, unit: m.OrgUnit, indicators, user: str) -> None:
    """南宫-style tables: facilities, their current counts as observations and planned counts as targets."""
    from .observations import put_observation

    for table in doc.facility_tables:
        for row in table.rows:
            if row.subtotal or row.total or not row.facility:
                continue
            fac = s.scalars(select(m.Facility).where(m.Facility.org_unit_id == unit.id,
                                                     m.Facility.name == row.facility)).first()
            if fac is None:
                fac = m.Facility(org_unit_id=unit.id, name=row.facility, category=row.category,
                                 ownership="非公立" if row.category and "非公立" in row.category else "公立",
                                 type=_facility_type(row.facility))
                s.add(fac)
                s.flush()
            for col, value in zip(table.columns, row.values):
                code = MEASURE_CODES.get(col.measure or "")
                if value is None or code is None or code not in indicators or col.year is None:
                    continue
                ind = indicators[code]
                if col.year <= plan.period_start - 1:
                    put_observation(s, unit.id, ind.id, str(col.year), value, facility_id=fac.id, user=user,
                                    source=f"{plan.file_name} 第{row.line}行", check=False)
                else:
                    s.add(m.Target(plan_id=plan.id, indicator_id=ind.id, org_unit_id=unit.id, facility_id=fac.id,
                                   domain=row.category, name_in_plan=f"{row.facility}{col.label}", unit_in_plan=table.unit,
                                   property=None, direction="neutral", target_year=col.year,
                                   target_text=f"{value:g}", line=row.line))


def _facility_type(name: str) -> str | None:
    for word in ("中医院", "妇幼保健院", "精神病医院", "人民医院", "中心卫生院", "卫生院", "社区卫生服务中心", "医院"):
        if name.endswith(word) or word in name:
            return {"中心卫生院": "乡镇卫生院", "人民医院": "综合医院"}.get(word, word)
    return None
