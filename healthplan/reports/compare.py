"""Comparison across regions (地区对比): the regions' plans side by side on the indicators they share.

For every catalog indicator that at least two regions plan for: each region's baseline, target,
ambition (the target against the baseline: +4.3 % or -0.5 个百分点) and progress in the year, with
the national 十四五 target as a reference where known. The national values come from
``healthplan/data/national_14th_targets.csv``, which says of itself that it was not verified
against the official text: they are a reference line, never the basis of a judgement.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from importlib import resources

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..catalog import load_catalog
from ..catalog.targets import parse_target
from ..evaluate import STATUS_ZH, evaluate
from ..evaluate.plans import evaluate_plan
from ..store import models as m
from ..text import fold_width
from .content import EXAMPLE_TAG, STATUSES, derived, full_name, num, period_name, signed

LEVEL_ZH = {"province": "省", "city": "地级市", "district": "市辖区", "county": "县", "county-level city": "县级市"}
NATIONAL_NOTE = ("全国目标取自《“十四五”国民健康规划》主要指标表（healthplan/data/national_14th_targets.csv），"
                 "该数据未经逐条核对原文，仅作参考线，不作为任何地区达标与否的判断依据。")


class RegionValue(BaseModel):
    region: str
    short: str
    baseline: float | None
    baseline_display: str
    target_text: str
    target_value: float | None
    ambition: str
    latest: float | None
    latest_display: str
    status_zh: str
    example: bool
    # the same row as data (the web's comparison page): whose plan, the status key and the gap
    org_unit_id: int | None = None
    plan_id: int | None = None
    unit: str | None = None
    domain: str | None = None
    value_year: int | None = None
    status: str = "not_assessable"
    gap: float | None = None


class CompareIndicator(BaseModel):
    code: str
    name: str
    unit: str | None
    regions: list[RegionValue]
    national_baseline: float | None = None
    national_target_text: str | None = None
    national_target_value: float | None = None
    national_note: str | None = None

    def chart_args(self, example: bool):
        return (self.name, self.unit, [(r.short, r.baseline, r.target_value, r.latest) for r in self.regions],
                self.national_target_value, example, self.national_target_text)


class Comparison(BaseModel):
    title: str
    subtitle: str
    year: int
    generated: str
    example: bool
    example_text: str
    notes: list[str]
    overview_headers: list[str]
    overview_rows: list[list[str]]
    indicators: list[CompareIndicator]


def national_targets() -> dict[str, dict]:
    """catalog code → the national row (name, unit, baseline, target text, resolved target value)."""
    text = (resources.files("healthplan") / "data" / "national_14th_targets.csv").read_text(encoding="utf-8")
    catalog = load_catalog()
    out = {}
    for row in csv.DictReader(line for line in text.splitlines() if not line.startswith("#")):
        found = catalog.match(row["name"], row["unit"])
        if found.entry is None:
            continue
        try:
            base = float(row["baseline_2020"])
        except (TypeError, ValueError):
            base = None
        parsed = parse_target(row["target_2025"], found.entry.direction)
        value = None
        if base is not None or parsed.kind == "threshold":
            ev = evaluate(parsed, year=2025, value=base if base is not None else 0.0, baseline=base,
                          baseline_year=2020, target_year=2025, direction=found.entry.direction)
            value = ev.target_value
            if ev.target_op == "between" and ev.target_value_high is not None:
                value = (ev.target_value + ev.target_value_high) / 2
        out.setdefault(found.entry.code, {"name": row["name"], "unit": row["unit"], "baseline": base,
                                          "target": row["target_2025"], "value": value})
    return out


def ambition(baseline: float | None, target: float | None, unit: str | None, target_text: str) -> str:
    """The target against the baseline: points for percentages, a relative change otherwise."""
    if target is None:
        return target_text if baseline is not None else "—"
    if baseline is None:
        return "—（无基期值）"
    u = fold_width(unit or "")
    if u in ("%", "‰"):
        return f"{signed(derived(target - baseline))}{'个百分点' if u == '%' else '个千分点'}"
    if baseline == 0:
        return f"从0到{num(target)}"
    return f"{signed(derived((target - baseline) / abs(baseline) * 100))}%"


def build_comparison(s: Session, year: int = 2023, plans: list[m.Plan] | None = None,
                     min_regions: int = 2) -> Comparison:
    """The regions with a current plan covering ``year``, compared on the indicators that at least
    ``min_regions`` of them plan for. ``plans``: the candidates (default every current plan); the web
    passes only the plans its user may read."""
    if plans is None:
        plans = list(s.scalars(select(m.Plan).where(m.Plan.current.is_(True)).order_by(m.Plan.org_unit_id)))
    plans = [p for p in sorted(plans, key=lambda p: (p.org_unit_id, p.id))
             if p.period_start - 1 <= year <= p.period_end + 5]
    by_code: dict[str, list[tuple[m.Plan, str, str, object]]] = defaultdict(list)
    overview, example, names = [], False, []
    for plan in plans:
        unit = s.get(m.OrgUnit, plan.org_unit_id)
        name = full_name(s, unit)
        names.append(name)
        rows = evaluate_plan(s, plan.id, year)
        counts = {k: sum(1 for r in rows if r.evaluation.status == k) for k in STATUSES}
        overview.append([name, LEVEL_ZH.get(unit.level, unit.level or "—"),
                         f"{plan.period_start}—{plan.period_end}", str(len(rows)),
                         str(sum(1 for r in rows if r.binding)), *[str(counts[k]) for k in STATUSES]])
        seen = set()
        for r in rows:
            example = example or r.example
            if r.code.startswith("LOCAL-") or r.code in seen:
                continue
            seen.add(r.code)
            by_code[r.code].append((plan, name, unit.name, r))
    catalog = load_catalog()
    national = national_targets()
    order = {e.code: i for i, e in enumerate(catalog.entries)}
    shared = sorted((c for c, v in by_code.items() if len(v) >= max(1, min_regions)), key=lambda c: (-len(by_code[c]), order.get(c, 999)))
    indicators = []
    for code in shared:
        entry = catalog.get(code)
        values = []
        for plan, name, short, r in by_code[code]:
            ev = r.evaluation
            target_value = ev.target_value
            if ev.target_op == "between" and ev.target_value_high is not None:
                target_value = (ev.target_value + ev.target_value_high) / 2
            if target_value is None:  # resolve against the baseline even without data
                resolved = evaluate(parse_target(r.target_text, entry.direction if entry else None), year=r.target_year,
                                    value=r.baseline if r.baseline is not None else 0.0, baseline=r.baseline,
                                    baseline_year=r.baseline_year, target_year=r.target_year,
                                    direction=entry.direction if entry else None)
                target_value = resolved.target_value if resolved.target_op != "between" else None
            latest = r.value
            values.append(RegionValue(
                region=name, short=short, baseline=r.baseline, baseline_display=r.baseline_text or "—",
                target_text=r.target_text, target_value=target_value,
                ambition=ambition(r.baseline, target_value, r.unit or (entry.unit if entry else None), r.target_text),
                latest=latest,
                latest_display="暂无监测数据" if latest is None else num(latest) + (
                    f"（{r.value_year}年）" if r.value_year != year else ""),
                status_zh=STATUS_ZH[ev.status], example=r.example, org_unit_id=plan.org_unit_id, plan_id=plan.id,
                unit=r.unit, domain=r.domain, value_year=r.value_year, status=ev.status, gap=ev.gap))
        nat = national.get(code)
        indicators.append(CompareIndicator(
            code=code, name=entry.name_zh if entry else code, unit=entry.unit if entry else None, regions=values,
            national_baseline=nat["baseline"] if nat else None, national_target_text=nat["target"] if nat else None,
            national_target_value=nat["value"] if nat else None,
            national_note=(f"全国（参考）：2020年{num(nat['baseline'])}，2025年目标{nat['target']}。" if nat else None)))
    pnames = sorted({period_name(p) for p in plans})
    count = "两三四五六七八九十"[len(names) - 2] if 2 <= len(names) <= 10 else str(len(names))
    title = f"{count}个地区“{'、'.join(pnames)}”卫生健康规划指标对比报告（{year}年）"
    notes = [
        f"本报告将{len(names)}个地区的“{'、'.join(pnames)}”卫生健康规划在共有指标上并列比较（按标准指标目录代码对应，"
        f"至少两个地区都设定的指标共{len(indicators)}项）。",
        "目标幅度：比例类指标为目标值与基期值之差（个百分点），其他指标为目标值较基期值的变化率；"
        "“目标值”列为规划原文，按指标方向解读。",
        NATIONAL_NOTE,
    ]
    example_text = (f"{EXAMPLE_TAG}说明：“最新值”和“评估状态”依据示例数据计算，用于演示，不代表各地区真实情况。"
                    if example else "")
    return Comparison(
        title=title, subtitle=f"对比地区：{'、'.join(names)}", year=year, generated=date.today().isoformat(),
        example=example, example_text=example_text, notes=notes,
        overview_headers=["地区", "层级", "规划期", "指标数", "约束性", *[STATUS_ZH[k] for k in STATUSES]],
        overview_rows=overview, indicators=indicators)


def comparison_rows(ind: CompareIndicator) -> tuple[list[str], list[list[str]]]:
    """The table of one shared indicator: a row per region, then the national reference."""
    headers = ["地区", "基期值", "目标值", "目标幅度", "最新值", "评估状态"]
    rows = [[r.region, r.baseline_display, r.target_text, r.ambition, r.latest_display, r.status_zh]
            for r in ind.regions]
    if ind.national_target_text:
        rows.append(["全国（参考）", num(ind.national_baseline), ind.national_target_text,
                     ambition(ind.national_baseline, ind.national_target_value, ind.unit, ind.national_target_text),
                     "—", "—"])
    return headers, rows
