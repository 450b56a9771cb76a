"""The same quantity in every place the document states it (同一指标同一年份的各处数值).

A per-capita indicator (每千人口床位数 …) in a given year can be printed in the indicator table
(baseline, target, outlook), in a completion table and in the prose; the count it is computed
from (床位 1826张) can be in the prose or in a facility table's 合计 row; the population in the
notes or the prose. :func:`groups` gathers them by (indicator, year), whole-region values only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..catalog.targets import parse_target
from ..plan import Indicator
from .context import Context, PopulationFact
from .numbers import fmt, half_unit


@dataclass
class Stated:
    value: float
    text: str
    half: float
    line: int
    source: str  # 表中基期值 / 表中目标值 / 表中展望值 / 完成情况表 / 正文
    kind: str  # actual | target
    population: str | None = None  # 常住人口 / 户籍人口 as named


@dataclass
class CountFact:
    value: float
    half: float
    line: int
    source: str  # 正文 / 床位配置表合计 …
    label: str


@dataclass
class Group:
    code: str
    year: int
    name: str
    factor: float
    unit: str | None
    stated: list[Stated] = field(default_factory=list)
    counts: list[CountFact] = field(default_factory=list)
    populations: list[PopulationFact] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return "target" if any(s.kind == "target" for s in self.stated) else "actual"


@dataclass
class Computed:
    value: float
    error: float
    count: CountFact
    population: PopulationFact

    def formula(self, factor: float, digits: int = 2) -> str:
        return (f"{fmt(self.count.value)} ÷ {fmt(self.population.value)}（{self.population.label}，"
                f"第{self.population.line}行）× {fmt(factor)} = {self.value:.{digits}f}")


def computed(group: Group) -> list[Computed]:
    out = []
    seen = set()
    for c in group.counts:
        if c.value in seen:
            continue
        seen.add(c.value)
        for p in group.populations:
            v = c.value / p.value * group.factor
            err = v * (c.half / c.value + p.half / p.value) if c.value and p.value else 0
            out.append(Computed(value=v, error=err, count=c, population=p))
    return out


def matches(s: Stated, c: Computed) -> bool:
    return abs(s.value - c.value) <= s.half + c.error + 1e-9


def per_capita_entry(ctx: Context, code: str):
    e = ctx.catalog.get(code)
    return e if e is not None and e.per_capita and e.factor else None


def groups(ctx: Context) -> dict[tuple[str, int], Group]:
    out: dict[tuple[str, int], Group] = {}

    def group(code: str, year: int) -> Group | None:
        e = per_capita_entry(ctx, code)
        if e is None or year is None:
            return None
        key = (code, year)
        if key not in out:
            out[key] = Group(code=code, year=year, name=e.name_zh, factor=e.factor, unit=e.unit,
                             populations=ctx.populations_in(year))
        return out[key]

    seen_codes: dict[str, int] = {}
    for r in ctx.indicators:
        if r.code:
            seen_codes[r.code] = seen_codes.get(r.code, 0) + 1
    for r in ctx.rows:
        if not r.code or per_capita_entry(ctx, r.code) is None or seen_codes.get(r.code, 0) > 1:
            continue
        row = r.row
        if r.kind == "indicator":
            b = row.baseline
            if b is not None and b.value is not None and not b.inferred and b.qualifier in (None, "~"):
                g = group(r.code, b.year)
                if g:
                    g.stated.append(Stated(b.value, b.text, half_unit(b.text), row.line, "表中基期值", "actual"))
            for cell, label in ((row.target, "表中目标值"), (row.outlook if isinstance(row, Indicator) else None,
                                                           "表中展望值")):
                if cell is None or cell.year is None:
                    continue
                t = parse_target(cell.text, r.entry.direction)
                if t.kind == "threshold" and t.op != "between" and t.value is not None:
                    g = group(r.code, cell.year)
                    if g:
                        g.stated.append(Stated(t.value, cell.text, half_unit(cell.text), row.line, label, "target"))
        else:
            a = row.actual
            if a.value is not None and a.year is not None:
                g = group(r.code, a.year)
                if g:
                    g.stated.append(Stated(a.value, a.text, half_unit(a.text), a.source_line or row.line,
                                           "完成情况表实际值", "actual"))
    facts = ctx.facts
    if facts is not None:
        for pc in facts.per_capita:
            e = per_capita_entry(ctx, pc.code) if pc.code else None
            if e is None or pc.subset or pc.year is None or int(e.factor) != pc.factor:
                continue
            kind = "target" if pc.year in ctx.target_years and pc.year > (ctx.baseline_year or 0) else "actual"
            g = group(pc.code, pc.year)
            if g:
                g.stated.append(Stated(pc.value, pc.text, pc.half, pc.line, "正文", kind, pc.population))
        for c in facts.counts:
            if c.code and not c.subset and not c.comparison and c.year is not None:
                g = group(c.code, c.year)
                if g and not any(x.value == c.value and x.line == c.line for x in g.counts):
                    g.counts.append(CountFact(c.value, c.half, c.line, "正文", c.subject))
    for t in ctx.plan.facility_tables:
        total = next((row for row in t.rows if row.total), None)
        if total is None:
            continue
        for i, col in enumerate(t.columns):
            code = {"beds_actual": "HR-BED", "beds": "HR-BED", "doctors": "HR-DOC", "nurses": "HR-NUR"}.get(col.measure or "")
            if code is None or col.year is None or i >= len(total.values) or total.values[i] is None:
                continue
            if col.measure == "beds" and any(c.year == col.year and c.measure == "beds_actual" for c in t.columns):
                continue
            g = group(code, col.year)
            if g and not any(x.value == total.values[i] for x in g.counts):
                g.counts.append(CountFact(total.values[i], 0.0, total.line, f"{t.title or '机构配置表'}合计",
                                          f"{col.year}年{col.label}"))
    return out
