"""The plan against reference targets (参考目标): the national 十四五 targets, informational only.

``healthplan/data/national_14th_targets.csv`` was recalled from the published table and not verified
against the official text (see its provenance comment): a difference is reported as 提示 (info) for
the planner to look at, never as an error. Only plans whose targets are for 2025 are compared.
"""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from importlib import resources

from ..catalog.targets import Target, parse_target
from .context import SURE, Context
from .model import Finding, finding
from .numbers import fmt, unit_scale
from .targets import with_unit

CHECK = "reference"
YEAR = 2025
CAVEAT = "（全国目标为参考数据，未经官方文本核实，仅供参考，不作为是否合格的依据。）"


@lru_cache(maxsize=1)
def national_rows() -> list[dict]:
    text = (resources.files("healthplan") / "data" / "national_14th_targets.csv").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def check(ctx: Context) -> list[Finding]:
    national = {}
    for row in national_rows():
        m = ctx.catalog.match(row["name"], row["unit"])
        if m.entry is not None and m.method in SURE:
            national[m.entry.code] = row
    out = []
    for r in ctx.indicators:
        row = r.row
        if r.entry is None or row.target is None or row.target.year != YEAR or r.code not in national:
            continue
        nat = national[r.code]
        a, b = unit_scale(r.unit), unit_scale(nat["unit"])
        if (a or b) and a != b:
            continue  # different units: the units check speaks about it
        direction = r.entry.direction
        if direction not in ("up", "down"):
            continue
        plan_t = parse_target(row.target.text, direction)
        nat_t = parse_target(nat["target_2025"], direction)
        gap = _shortfall(direction, plan_t, nat_t, row.baseline.value if row.baseline else None)
        if gap is None:
            continue
        shortfall, explained = gap
        unit = r.unit or nat["unit"] or ""
        msg = (f"{row.name}：本规划{YEAR}年目标{with_unit(row.target.text, unit)}（第{row.line}行），"
               f"全国“十四五”目标为{with_unit(nat['target_2025'], nat['unit'])}{explained}；"
               f"本规划目标{'低于' if direction == 'up' else '高于'}全国目标{fmt(round(shortfall, 4))}"
               f"{'个百分点' if unit == '%' else unit}。地方目标可因基础不同而有差异，请确认是有意为之。" + CAVEAT)
        q = {"本规划目标": plan_t.value if plan_t.value is not None else 0, "差距": round(shortfall, 4)}
        if nat_t.kind == "threshold" and nat_t.value is not None:
            q["全国目标"] = nat_t.value
        out.append(finding(CHECK, "info", [row.line], msg, q))
    out += _baselines(ctx, national)
    return out


def _baselines(ctx: Context, national: dict) -> list[Finding]:
    """A share (%) whose baseline is more than twice or less than half the national value is
    worth a second look (清城's 个人卫生支出占比 61.21% against 27.7% nationally)."""
    out = []
    for r in ctx.indicators:
        row = r.row
        if r.entry is None or r.code not in national or r.entry.per_capita or row.baseline is None:
            continue
        nat = national[r.code]
        if (r.unit or "").strip() != "%" or nat["unit"] != "%" or row.baseline.year != YEAR - 5:
            continue
        try:
            nat_base = float(nat["baseline_2020"])
        except ValueError:
            continue
        b = row.baseline.value
        if b is None or b <= 0 or nat_base <= 0 or row.baseline.qualifier:
            continue
        ratio = b / nat_base
        if 0.5 <= ratio <= 2:
            continue
        msg = (f"{row.name}：本规划2020年基期值{with_unit(row.baseline.text, '%')}（第{row.line}行），"
               f"全国2020年为{nat_base:g}%，{b:g} ÷ {nat_base:g} = {ratio:.2f}倍，相差一倍以上。"
               f"请核对基期值的数值和统计口径。" + CAVEAT)
        out.append(finding(CHECK, "info", [row.line], msg,
                           {"本规划基期值": b, "全国基期值": nat_base, "倍数": round(ratio, 4)}))
    return out


def _shortfall(direction: str, plan: Target, nat: Target, baseline: float | None) -> tuple[float, str] | None:
    """How far the plan's target falls short of the national one, with the arithmetic (None if not)."""
    sign = 1 if direction == "up" else -1
    if plan.kind == "threshold" and plan.value is not None and plan.op != "between":
        if nat.kind == "threshold" and nat.value is not None:
            bound = nat.value if nat.op != "between" else (nat.value if direction == "up" else nat.value_high)
            gap = sign * (bound - plan.value)
            hi, lo = (bound, plan.value) if sign > 0 else (plan.value, bound)
            return (gap, f"（{fmt(hi)} − {fmt(lo)} = {fmt(round(gap, 4))}）") if gap > 1e-9 else None
        if nat.kind == "relative" and nat.change is not None and nat.change_unit == "absolute" and baseline is not None:
            implied = baseline + nat.change
            slack = 0.5 * abs(nat.change) if nat.approximate else 0.0
            gap = sign * (implied - plan.value)
            if gap > slack + 1e-9:
                return gap, (f"（按本规划基期{fmt(baseline)}计算为{fmt(baseline)} + {fmt(nat.change)} = {fmt(implied)}，"
                             f"{fmt(implied)} − {fmt(plan.value)} = {fmt(round(gap, 4))}）")
        return None
    if plan.kind == nat.kind and plan.kind in ("relative", "rate") and plan.change is not None and nat.change is not None:
        if plan.change_unit != nat.change_unit:
            return None
        gap = sign * (nat.change - plan.change)
        return (gap, "") if gap > 1e-9 else None
    return None
