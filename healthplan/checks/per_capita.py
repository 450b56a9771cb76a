"""Per-capita values recomputed from the counts and populations the document states (按人数和人口复算).

- a per-1000 value against count ÷ population × 1000, trying every population stated for that
  year (常住人口 and 户籍人口) and naming the one used;
- where no population is stated for a year, the populations implied by each pair (count, per-1000
  value) must be one and the same population;
- ratios (医护比, 床人比, 床护比) against the counts they divide.

A value agrees within its printed precision plus the rounding error of the count and population.
"""

from __future__ import annotations

from ..catalog.targets import parse_target
from .context import Context
from .model import Finding, finding
from .numbers import fmt, half_unit
from .quantities import Group, computed, groups, matches

CHECK = "per_capita"
RATIOS = {  # code: (numerator, denominator, name, numerator words, denominator words)
    "HR-DN": ("HR-NUR", "HR-DOC", "医护比", "注册护士", "执业（助理）医师"),
    "HR-BS": ("HR-HW", "HR-BED", "床人比", "卫生人员", "床位"),
    "HR-BN": ("HR-NUR", "HR-BED", "床护比", "注册护士", "床位"),
}


def check(ctx: Context) -> list[Finding]:
    gs = groups(ctx)
    out = []
    for g in gs.values():
        f = _recompute(g)
        if f:
            out.append(f)
    out += _implied_population(ctx, gs)
    out += _ratios(ctx, gs)
    return out


def _agree_among(stated) -> bool:
    return all(abs(a.value - b.value) <= max(a.half, b.half) + 1e-9
               for i, a in enumerate(stated) for b in stated[i + 1:])


def _recompute(g: Group) -> Finding | None:
    if not g.stated:
        return None
    # values that disagree among themselves are reported by prose_vs_table, with this arithmetic
    if g.kind == "target" and any(abs(a.value - b.value) > 1e-9 for a in g.stated for b in g.stated):
        return None
    if not _agree_among(g.stated):
        return None
    calc = computed(g)
    if not calc:
        return None
    if any(matches(s, c) for s in g.stated for c in calc):
        return None
    if g.kind == "target" and any(c.value > s.value for s in g.stated for c in calc):
        return None  # planned counts above a per-1000 target still meet it
    s = min(g.stated, key=lambda x: x.half)
    nearest = min(calc, key=lambda c: abs(c.value - s.value))
    rel = abs(s.value - nearest.value) / nearest.value if nearest.value else 1
    severity = "warning" if g.kind == "target" or rel <= 0.02 else "error"
    listed = "、".join(f"{x.source}{x.text}（第{x.line}行）" for x in g.stated)
    formulas = "；".join(c.formula(g.factor) for c in calc)
    what = "目标值" if g.kind == "target" else "数值"
    msg = (f"{g.name}（{g.year}年）的{what}{listed}与按文件中人数和人口计算的结果不符：{formulas}。"
           f"最接近的计算值与所印数值相差{abs(s.value - nearest.value):.2f}（{rel:.1%}），超出四舍五入误差；"
           + ("按规划的人数和人口达不到该目标，请核对目标值或规划人数。" if g.kind == "target"
              else "请核对所用人数、人口，或在注释中写明计算口径。"))
    q = {s.source: s.value, "人数": nearest.count.value}
    for c in calc:
        q[c.population.label] = c.population.value
        q[f"按{c.population.label}计算"] = round(c.value, 4)
    lines = [x.line for x in g.stated] + [c.count.line for c in calc] + [c.population.line for c in calc]
    return finding(CHECK, severity, lines, msg, q)


def _implied_population(ctx: Context, gs: dict) -> list[Finding]:
    """Years with counts and per-1000 values but no population: one population must fit them all."""
    by_year: dict[int, list[tuple]] = {}
    for (code, year), g in gs.items():
        if year in ctx.target_years and year > (ctx.baseline_year or 0):
            continue
        if ctx.populations_in(year):
            continue
        for s in g.stated:
            if s.kind != "actual":
                continue
            for c in {c.value: c for c in g.counts}.values():
                by_year.setdefault(year, []).append((g, s.value, s.half, s.line, s.source, c.value, c.half, c.line,
                                                     c.label))
    if ctx.facts is not None:
        for pc in ctx.facts.per_capita:
            if pc.subset and pc.count is not None and pc.year in by_year and pc.code:
                g = gs.get((pc.code, pc.year))
                if g is None or int(g.factor) != pc.factor:
                    continue
                by_year[pc.year].append((g, pc.value, pc.half, pc.line, "正文", pc.count.value, pc.count.half,
                                         pc.count.line, pc.count.subject))
    out = []
    for year, pairs in sorted(by_year.items()):
        pairs = _dedupe(pairs)
        if len(pairs) < 2:
            continue
        intervals = []
        for g, v, hv, line, source, c, hc, cline, label in pairs:
            if v - hv <= 0:
                continue
            lo = (c - hc) / (v + hv) * g.factor
            hi = (c + hc) / (v - hv) * g.factor
            intervals.append((lo, hi, c / v * g.factor, g, v, line, source, c, cline, label))
        if len(intervals) < 2:
            continue
        low = max(i[0] for i in intervals)
        high = min(i[1] for i in intervals)
        if low <= high:
            continue
        severity = "error" if low / high > 1.05 else "warning"
        parts = []
        q = {}
        for lo, hi, mid, g, v, line, source, c, cline, label in intervals:
            parts.append(f"{g.name}{fmt(v)}（{source}，第{line}行）对应{_show(label)}{fmt(c)}（第{cline}行）："
                         f"{fmt(c)} ÷ {fmt(v)} × {fmt(g.factor)} ≈ {fmt(round(mid))}人"
                         f"（计入四舍五入为{fmt(round(lo))}～{fmt(round(hi))}人）")
            q[_unique(q, f"{g.name}隐含人口")] = round(mid)
        msg = (f"{year}年文件没有写明人口，但各项每千（每万）人口指标与对应人数隐含的人口互相矛盾："
               + "；".join(parts) + "。这些人口范围没有共同部分，同一年份不可能同时成立，"
               "至少有一项指标或人数有误；请写明所用人口（常住人口或户籍人口）并重新计算。")
        lines = [i[5] for i in intervals] + [i[8] for i in intervals]
        out.append(finding(CHECK, severity, lines, msg, q))
    return out


def _show(text: str) -> str:
    return text.replace("(", "（").replace(")", "）")


def _unique(q: dict, key: str) -> str:
    n = 2
    out = key
    while out in q:
        out = f"{key}{n}"
        n += 1
    return out


def _dedupe(pairs):
    seen, out = set(), []
    for p in pairs:
        key = (p[0].code, p[1], p[5])
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _ratios(ctx: Context, gs: dict) -> list[Finding]:
    stated = []  # (code, year, value, half, text, line, source, kind)
    for r in ctx.indicators:
        if r.code not in RATIOS:
            continue
        row = r.row
        b = row.baseline
        if b is not None and b.value is not None and b.year:
            stated.append((r.code, b.year, b.value, half_unit(b.text.split(":")[-1].split("：")[-1]), b.text,
                           row.line, "表中基期值", "actual"))
        t = row.target
        if t is not None and t.year:
            pt = parse_target(t.text, "up")
            if pt.kind == "threshold" and pt.value is not None:
                stated.append((r.code, t.year, pt.value, half_unit(t.text.split(":")[-1].split("：")[-1]), t.text,
                               row.line, "表中目标值", "target"))
    if ctx.facts is not None:
        for ratio in ctx.facts.ratios:
            kind = "target" if ratio.year in ctx.target_years and ratio.year > (ctx.baseline_year or 0) else "actual"
            stated.append((ratio.code, ratio.year, ratio.value, ratio.half, ratio.text, ratio.line, "正文", kind))
    out = []
    done = set()
    for code, year, value, half, text, line, source, kind in stated:
        num_code, den_code, name, num_words, den_words = RATIOS[code]
        nums = gs.get((num_code, year))
        dens = gs.get((den_code, year))
        if not nums or not dens or not nums.counts or not dens.counts:
            continue
        cands = []
        for n in {c.value: c for c in nums.counts}.values():
            for d in {c.value: c for c in dens.counts}.values():
                v = n.value / d.value
                err = v * (n.half / n.value + d.half / d.value)
                cands.append((v, err, n, d))
        if any(abs(value - v) <= half + err + 1e-9 for v, err, n, d in cands):
            continue
        if kind == "target" and any(v > value for v, err, n, d in cands):
            continue  # the planned staff exceed the target ratio: it is met
        key = (code, year, value)
        if key in done:
            continue
        done.add(key)
        v, err, n, d = min(cands, key=lambda x: abs(x[0] - value))
        rel = abs(value - v) / v if v else 1
        formulas = "；".join(f"{fmt(n.value)}（{num_words}，第{n.line}行）÷ {fmt(d.value)}（{den_words}，第{d.line}行）"
                            f"= {v:.2f}，即1:{v:.2f}" for v, err, n, d in cands)
        msg = f"{name}（{year}年）{source}为{text}（第{line}行），按文件中的人数计算：{formulas}，与{text}不符。"
        if code == "HR-BS":
            htw = gs.get(("HR-HTW", year))
            if htw and htw.counts:
                h = htw.counts[0]
                msg += f"按卫生技术人员{fmt(h.value)}人（第{h.line}行）计算为1:{h.value / d.value:.2f}，也不等于{text}。"
        if kind == "target":
            severity = "warning"
            msg += f"按规划配置的人数，{name}达不到目标，请核对目标或配置表。"
        else:
            severity = "error" if rel > 0.02 else "warning"
            msg += "请核对比例或人数。"
        q = {source: value, num_words: n.value, den_words: d.value, "计算值": round(v, 4)}
        out.append(finding(CHECK, severity, [line, n.line, d.line], msg, q))
    return out
