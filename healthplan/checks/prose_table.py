"""Prose against tables (正文与指标表): the same indicator in the same year printed with different values.

A baseline (实际值) agrees when the two numbers round to each other (``2.3`` and ``2.30``); a
target is a number the plan sets, so ``2.8`` in the prose against ``2.75`` in the table is two
different targets even though one rounds to the other (reported as 提示).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..catalog.targets import parse_target
from ..plan import Indicator
from .context import Context
from .model import Finding, finding
from .numbers import fmt, half_unit, unit_scale
from .quantities import Group, computed, groups, matches, per_capita_entry

CHECK = "prose_vs_table"


def check(ctx: Context) -> list[Finding]:
    out = []
    for g in groups(ctx).values():
        f = _per_capita_group(g)
        if f:
            out.append(f)
    out += _rates(ctx)
    return out


def _disagree(a, b, target: bool) -> tuple[bool, bool]:
    """(differ at all, differ beyond rounding)."""
    diff = abs(a.value - b.value)
    beyond = diff > max(a.half, b.half) + 1e-9
    return (diff > 1e-9 if target else beyond), beyond


def _per_capita_group(g: Group) -> Finding | None:
    stated = g.stated
    if len(stated) < 2:
        return None
    target = g.kind == "target"
    pairs = [(a, b) for i, a in enumerate(stated) for b in stated[i + 1:]]
    flags = [_disagree(a, b, target) for a, b in pairs]
    if not any(d for d, _ in flags):
        return None
    beyond = any(b for _, b in flags)
    severity = "error" if beyond else "info"
    listed = "；".join(f"{s.source}{s.text}（第{s.line}行）" for s in stated)
    what = "目标值" if target else "数值"
    msg = f"{g.name}（{g.year}年）的{what}前后不一致：{listed}。"
    quantities: dict[str, float] = {}
    for s in stated:
        quantities[_key(quantities, s.source, s.line)] = s.value
    lines = [s.line for s in stated]
    calc = computed(g) if not target else []
    if calc:
        parts = []
        for c in calc:
            agreeing = [s for s in stated if matches(s, c)]
            note = ("，与" + "、".join(f"{s.source}{s.text}" for s in agreeing) + "一致") if agreeing else ""
            parts.append(c.formula(g.factor) + note)
            quantities[_key(quantities, f"按{c.population.label}计算", 0)] = round(c.value, 4)
            quantities.setdefault("人数", c.count.value)
            quantities.setdefault(c.population.label, c.population.value)
            lines += [c.count.line, c.population.line]
        msg += "按文件中的人数和人口重新计算：" + "；".join(parts) + "。"
        wrong = [s for s in stated if not any(matches(s, c) for c in calc)]
        right = [s for s in stated if s not in wrong]
        for s in wrong:
            named = [c for c in calc if s.population and c.population.kind == s.population]
            if named:
                msg += (f"{s.source}{s.text}（第{s.line}行）写明按{s.population}计算，应为{named[0].value:.2f}。")
            elif s.value > 0:
                implied = calc[0].count.value / s.value * g.factor
                msg += (f"{s.source}{s.text}对应的人口为{fmt(calc[0].count.value)} ÷ {s.text} × {fmt(g.factor)} ≈ "
                        f"{fmt(round(implied))}人，与文件所写的" + "、".join(sorted({c.population.label for c in calc}))
                        + "都不符。")
        if right and wrong:
            msg += "应改正" + "、".join(f"{s.source}（第{s.line}行）" for s in wrong) + "。"
        elif wrong:
            msg += "各处数值都与计算结果不符，请核对人数、人口和" + g.name + "。"
    elif not beyond:
        msg += "两者仅相差四舍五入，但作为目标值含义不同（实际值落在两者之间时，按一处达标、按另一处未达标），请统一写法。"
    else:
        msg += _odd_one_out(stated) + "请核对并统一。"
    return finding(CHECK, severity, lines, msg, quantities)


def _odd_one_out(values) -> str:
    """``第747行的3与其余各处（3.93）不同`` when all places but some agree."""
    clusters: list[list] = []
    for v in values:
        for c in clusters:
            if abs(c[0].value - v.value) <= max(c[0].half, v.half) + 1e-9:
                c.append(v)
                break
        else:
            clusters.append([v])
    clusters.sort(key=len, reverse=True)
    if len(clusters) < 2 or len(clusters[0]) < 2 or len(clusters[0]) == len(clusters[1]):
        return ""
    main = clusters[0]
    odd = [v for c in clusters[1:] for v in c]
    return ("其中" + "、".join(f"第{v.line}行的{v.text}" for v in odd)
            + f"与其余{len(main)}处（{main[0].text}）不同，")


def _key(existing: dict, name: str, line: int) -> str:
    if name not in existing:
        return name
    return f"{name}（第{line}行）"


@dataclass
class _Value:
    value: float
    text: str
    half: float
    line: int
    source: str
    unit: str | None


def _rates(ctx: Context) -> list[Finding]:
    """Rates and levels (婴儿死亡率, 人均预期寿命 …): table cells against the prose, per year."""
    by: dict[tuple[str, int], dict] = {}
    codes = [r.code for r in ctx.indicators if r.code]
    for r in ctx.rows:
        if not r.code or per_capita_entry(ctx, r.code) or codes.count(r.code) > 1:
            continue
        if r.code in ("HR-DN", "HR-BS", "HR-BN"):
            continue
        row = r.row

        def add(year, v: _Value, target: bool):
            if year is None:
                return
            slot = by.setdefault((r.code, year), {"values": [], "target": False, "name": r.name})
            slot["values"].append(v)
            slot["target"] |= target

        if r.kind == "indicator":
            b = row.baseline
            if b is not None and b.value is not None and not b.inferred and b.qualifier in (None, "~"):
                add(b.year, _Value(b.value, b.text, half_unit(b.text), row.line, "表中基期值", r.unit), False)
            for cell, label in ((row.target, "表中目标值"),
                                (row.outlook if isinstance(row, Indicator) else None, "表中展望值")):
                if cell is None:
                    continue
                t = parse_target(cell.text, r.entry.direction)
                if t.kind == "threshold" and t.op != "between" and t.value is not None:
                    add(cell.year, _Value(t.value, cell.text, half_unit(cell.text), row.line, label, r.unit), True)
        else:
            a = row.actual
            if a.value is not None:
                add(a.year, _Value(a.value, a.text, half_unit(a.text), row.line, "完成情况表实际值", r.unit), False)
    if ctx.facts is not None:
        for rate in ctx.facts.rates:
            slot = by.get((rate.code, rate.year))
            if slot is not None:
                slot["values"].append(_Value(rate.value, rate.text + (rate.unit or ""), rate.half, rate.line, "正文",
                                             rate.unit))
    out = []
    for (code, year), slot in by.items():
        values = slot["values"]
        if len(values) < 2:
            continue
        target = slot["target"]
        bad, beyond = [], False
        for i, a in enumerate(values):
            for b in values[i + 1:]:
                sa, sb = unit_scale(a.unit), unit_scale(b.unit)
                if sa and sb and sa != sb:
                    continue  # different units: reported by the units check
                d, beyond_ab = _disagree(a, b, target)
                if d:
                    bad += [a, b]
                    beyond |= beyond_ab
        if not bad:
            continue
        involved = [v for v in values if v in bad]
        listed = "；".join(f"{v.source}{v.text}（第{v.line}行）" for v in involved)
        what = "目标值" if target else "数值"
        msg = f"{slot['name']}（{year}年）的{what}前后不一致：{listed}。"
        if not beyond:
            msg += "两者仅相差四舍五入，但作为目标值含义不同，请统一写法。"
        else:
            msg += _odd_one_out(involved) + "请核对并统一。"
        q: dict[str, float] = {}
        for v in involved:
            q[_key(q, v.source, v.line)] = v.value
        out.append(finding(CHECK, "error" if beyond else "info", [v.line for v in involved], msg, q))
    return out

