"""Evaluation of a target in a given year (目标评估): status, gap, change still needed, projection.

Statuses (BRIEF §4): ``achieved`` 已达标, ``on_track`` 进度正常 (at or beyond the straight-line
序时进度 path from baseline to target), ``behind`` 进度滞后 (no worse than the baseline, short of
the path), ``off_track`` 逆向 (worse than the baseline), ``not_assessable`` 无法评估.

Rules fixed before any formula (see docs/evaluation.md):

- No observed value → not assessable. A qualitative target → not assessable unless a recorded
  human judgement gives the status.
- No baseline → the earliest earlier observation serves as baseline; with none, a met target is
  still ``achieved``, anything else is not assessable (the path cannot be drawn).
- Targets relative to another year (比2015年降低5%) need that year's value; targets linked to
  another indicator (同比例提高) need its baseline and value; without them, not assessable.
- Target year equal to baseline year → the path is the target itself.
- A year past the target year is judged against the target (the path ends there).
- Growth rates (the open-sdg grading) need a positive baseline and value and a later year; with a
  zero or negative one they are not computed (``progress`` is null and the reason given).
- A percentage rate per year (年均增长5%) compounds; a per-year change in points or units is linear.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from ..catalog.targets import Direction, Target, parse_target

Status = Literal["achieved", "on_track", "behind", "off_track", "not_assessable"]
STATUS_ZH = {"achieved": "已达标", "on_track": "进度正常", "behind": "进度滞后", "off_track": "逆向",
             "not_assessable": "无法评估"}
STATUS_ORDER = ["off_track", "behind", "not_assessable", "on_track", "achieved"]  # worst first
OP_ZH = {">=": "不低于", ">": "高于", "<=": "不高于", "<": "低于", "~": "约为", "between": "介于"}
APPROX = 0.05  # "25左右": within 5 % of 25 counts as 25
PROGRESS_ZH = {"target_achieved": "已达到目标", "substantial_progress": "进展显著", "moderate_progress": "进展一般",
               "limited_progress": "进展有限", "deterioration": "倒退"}


class Evaluation(BaseModel):
    """The judgement of one target in one year."""

    status: Status
    achieved: bool | None
    year: int
    value: float | None
    baseline: float | None
    baseline_year: int | None
    target_year: int | None
    target_op: str | None = None
    target_value: float | None = None
    target_value_high: float | None = None
    expected: float | None = None  # 序时进度: the straight-line path at this year
    gap: float | None = None  # still to go to the target (target − value), 0 when achieved
    needed_per_year: float | None = None
    projection: float | None = None  # the trend's value in the target year
    projection_meets: bool | None = None
    progress: str | None = None  # open-sdg growth grading
    progress_note: str | None = None
    explanation: str
    parts: list["Evaluation"] | None = None

    @property
    def status_zh(self) -> str:
        return STATUS_ZH[self.status]


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 6)


def _f(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.4f}".rstrip("0").rstrip(".") if abs(x) < 1e6 else f"{x:,.0f}"


def meets(value: float, op: str, target: float, high: float | None = None, direction: Direction | None = None) -> bool:
    """Does ``value`` satisfy ``op target``? Strict comparators are strict at the boundary."""
    eps = 1e-9
    if op == ">=":
        return value >= target - eps
    if op == ">":
        return value > target + eps
    if op == "<=":
        return value <= target + eps
    if op == "<":
        return value < target - eps
    if op == "between":
        return target - eps <= value <= (high if high is not None else target) + eps
    if op == "~":
        close = abs(value - target) <= max(abs(target) * APPROX, eps)
        better = (direction == "up" and value > target) or (direction == "down" and value < target)
        return close or better
    return abs(value - target) <= eps


def evaluate(
    target: Target | str,
    *,
    year: int,
    value: float | list[float] | None,
    baseline: float | list[float] | None = None,
    baseline_year: int | None = None,
    target_year: int | None = None,
    direction: Direction | None = None,
    history: list[tuple[int, float]] | None = None,
    reference_values: dict[int, float] | None = None,
    linked: tuple[float, float] | None = None,
    judgement: Status | None = None,
) -> Evaluation:
    """Judge ``target`` in ``year`` from the observed ``value``.

    ``history`` holds other observations (year, value) for the trend; ``reference_values`` the values
    of other years (比2015年…); ``linked`` the (baseline, value) of the indicator a 同比例 target follows.
    """
    if isinstance(target, str):
        target = parse_target(target, direction)
    base = dict(year=year, baseline_year=baseline_year, target_year=target_year)
    if target.kind == "compound":
        return _compound(target, base, value, baseline, direction, history, reference_values, judgement)
    value = _scalar(value)
    baseline = _scalar(baseline)
    base.update(value=value, baseline=baseline)
    if value is None:
        return Evaluation(status="not_assessable", achieved=None, explanation="无监测数据，无法评估。", **base)
    if target.kind in ("qualitative", "none"):
        if judgement:
            return Evaluation(status=judgement, achieved=judgement == "achieved",
                              explanation=f"定性目标“{target.text}”，按人工判断为{STATUS_ZH[judgement]}。", **base)
        why = f"定性目标“{target.text}”，需人工判断。" if target.kind == "qualitative" else "规划未设目标值，无法评估。"
        return Evaluation(status="not_assessable", achieved=None, explanation=why, **base)

    points = sorted({(y, v) for y, v in (history or []) if v is not None and y <= year} | {(year, value)})
    if baseline is None or baseline_year is None:
        earlier = [(y, v) for y, v in points if y < year]
        if earlier:
            baseline_year, baseline = earlier[0]
            base.update(baseline=baseline, baseline_year=baseline_year)
    if baseline is not None and baseline_year is not None:
        points = sorted(set(points) | {(baseline_year, baseline)})

    if target.kind == "direction":
        return _direction_only(target, base, value, baseline, year, target_year, points)

    resolved = _resolve(target, baseline, baseline_year, target_year, direction, reference_values or {}, linked)
    if isinstance(resolved, str):
        return Evaluation(status="not_assessable", achieved=None, explanation=resolved, **base)
    op, tv, high = resolved
    head = _head(target, op, tv, high, target_year, baseline_year)
    achieved = meets(value, op, tv, high, direction)
    out = Evaluation(status="not_assessable", achieved=achieved, target_op=op, target_value=_r(tv),
                     target_value_high=_r(high), explanation="", **base)
    _trend(out, points, target_year, op, tv, high, direction)
    if achieved:
        out.status, out.gap, out.needed_per_year = "achieved", 0.0, 0.0
    elif baseline is None or baseline_year is None:
        out.explanation = f"{head}；{year}年为{_f(value)}，尚未达到目标，缺少基期值，无法判断进度。"
        out.gap = _r(_gap(value, op, tv, high))
        return out
    else:
        sense = _sense(op, tv, high, baseline, direction)
        expected = _path(baseline, baseline_year, tv if op != "between" else _nearest(baseline, tv, high),
                         target_year, year, target)
        out.expected = _r(expected)
        if sense * (value - baseline) < -1e-12:
            out.status = "off_track"
        elif sense == 0 or sense * (value - expected) >= -1e-12:
            out.status = "on_track" if year < (target_year or year) else "behind"
        else:
            out.status = "behind"
        out.gap = _r(_gap(value, op, tv, high))
        years_left = (target_year or year) - year
        out.needed_per_year = _r(out.gap / years_left if years_left > 0 else out.gap)
    _progress(out, baseline, baseline_year, value, year, tv if op not in ("between", "~") else None, target_year,
              direction or _direction_of(op), achieved)
    out.explanation = _explain(head, out, year, target_year)
    return out


def _scalar(x):
    if isinstance(x, list):
        return x[0] if len(x) == 1 else None
    return x


def _compound(target, base, value, baseline, direction, history, reference_values, judgement) -> Evaluation:
    parts_t = target.parts or []
    values = value if isinstance(value, list) else [None] * len(parts_t)
    baselines = baseline if isinstance(baseline, list) else [None] * len(parts_t)
    parts = [evaluate(t, year=base["year"], value=values[i] if i < len(values) else None,
                      baseline=baselines[i] if i < len(baselines) else None, baseline_year=base["baseline_year"],
                      target_year=base["target_year"], direction=direction, reference_values=reference_values)
             for i, t in enumerate(parts_t)]
    worst = min(parts, key=lambda e: STATUS_ORDER.index(e.status)).status if parts else "not_assessable"
    achieved = all(p.achieved for p in parts) if parts and all(p.achieved is not None for p in parts) else None
    text = "复合指标（一行含多个指标），分别评估：" + "；".join(
        f"第{i + 1}项{STATUS_ZH[p.status]}" for i, p in enumerate(parts))
    return Evaluation(status=worst, achieved=achieved, value=None, baseline=None, parts=parts, explanation=text,
                      **{k: base[k] for k in ("year", "baseline_year", "target_year")})


def _resolve(t: Target, b, by, ty, direction, refs, linked):
    """The target as (op, value, high) for the target year, or the reason it cannot be."""
    if t.kind == "threshold":
        op = t.op
        if t.bare:
            if direction is None and b is not None and abs((t.value or 0) - b) < 1e-12:
                op = "~"
            elif direction is not None:
                op = {"up": ">=", "down": "<=", "neutral": "~"}[direction]
        return op, t.value, t.value_high
    if t.kind == "relative":
        ref_year = t.reference_year
        ref = b if ref_year in (None, by) else refs.get(ref_year)
        if ref is None:
            return (f"目标“{t.text}”以{ref_year}年数值为基准，缺少{ref_year}年数值，无法评估。" if ref_year
                    else f"目标“{t.text}”以基期值为基准，缺少基期值，无法评估。")
        tv = _apply(ref, t.change or 0, t.change_unit, 1)
        return ("~" if t.approximate else (">=" if (t.change or 0) > 0 else "<=")), tv, None
    if t.kind == "rate":
        if b is None or by is None or ty is None:
            return f"目标“{t.text}”为每年变化量，缺少基期值或年份，无法评估。"
        tv = _apply(b, t.change or 0, t.change_unit, ty - by)
        return ("~" if t.approximate else (">=" if (t.change or 0) > 0 else "<=")), tv, None
    if t.kind == "linked":
        if linked is None or b is None:
            return f"目标“{t.text}”随关联指标同比例变化，缺少关联指标的基期值和当前值，无法评估。"
        other_b, other_v = linked
        if not other_b:
            return "关联指标基期值为0，无法计算变化比例。"
        return (">=" if t.direction == "up" else "<="), b * other_v / other_b, None
    return f"无法解析目标“{t.text}”。"


def _apply(ref: float, change: float, unit: str | None, years: int) -> float:
    if unit == "percent":
        return ref * (1 + change / 100) ** years
    return ref + change * years


def _path(b: float, by: int, tv: float, ty: int | None, year: int, t: Target) -> float:
    """序时进度: where the straight line from baseline to target stands in ``year``."""
    if ty is None or ty <= by:
        return tv
    if t.kind == "rate" and t.change_unit == "percent":
        return _apply(b, t.change or 0, "percent", max(0, min(year, ty) - by))
    share = (min(max(year, by), ty) - by) / (ty - by)
    return b + (tv - b) * share


def _nearest(b: float, low: float, high: float | None) -> float:
    high = low if high is None else high
    return low if b < low else (high if b > high else b)


def _sense(op, tv, high, b, direction) -> int:
    """+1 when improving means going up, −1 down, 0 when the target asks to stay near a value.

    The comparator decides (≤209.7 asks for low values even when the baseline 206.82 is lower);
    for ``~`` and ranges, the side of the baseline the target lies on, else the indicator's direction.
    """
    if op in (">=", ">"):
        return 1
    if op in ("<=", "<"):
        return -1
    goal = _nearest(b, tv, high) if op == "between" else tv
    if goal > b + 1e-12:
        return 1
    if goal < b - 1e-12:
        return -1
    return {"up": 1, "down": -1}.get(direction or "", 0)


def _direction_of(op: str) -> Direction | None:
    return "up" if op in (">=", ">") else ("down" if op in ("<=", "<") else None)


def _gap(value, op, tv, high) -> float:
    if op == "between":
        return (tv - value) if value < tv else (high - value if high is not None and value > high else 0.0)
    return tv - value


def _trend(out: Evaluation, points, ty, op, tv, high, direction) -> None:
    """Least-squares line through the observations, read at the target year."""
    if ty is None or len({y for y, _ in points}) < 2:
        return
    n = len(points)
    mx = sum(y for y, _ in points) / n
    my = sum(v for _, v in points) / n
    sxx = sum((y - mx) ** 2 for y, _ in points)
    slope = sum((y - mx) * (v - my) for y, v in points) / sxx
    proj = my + slope * (ty - mx)
    out.projection = _r(proj)
    out.projection_meets = meets(proj, op, tv, high, direction) if tv is not None else None


def _progress(out, b, by, v, y, tv, ty, direction, achieved) -> None:
    """open-sdg ProgressMeasure grading: observed CAGR against the CAGR the target requires."""
    if b is None or by is None or y <= by:
        out.progress_note = "需要基期值和此后年份的数值才能计算增长率。"
        return
    if b <= 0 or v <= 0:
        out.progress_note = "基期值或当前值为0或负数，无法计算复合年均增长率。"
        return
    if achieved and tv is not None:
        out.progress = "target_achieved"
        return
    sign = -1 if direction == "down" else 1
    observed = (v / b) ** (1 / (y - by)) - 1
    if tv is not None and ty is not None and ty > by and tv > 0:
        required = (tv / b) ** (1 / (ty - by)) - 1
        if abs(required) < 1e-12:
            out.progress = "substantial_progress" if sign * observed >= 0 else "deterioration"
            return
        ratio = observed / required
        out.progress = ("substantial_progress" if ratio >= 0.95 else "moderate_progress" if ratio >= 0.5
                        else "limited_progress" if ratio >= 0 else "deterioration")
        return
    c = sign * observed
    out.progress = ("substantial_progress" if c >= 0.01 else "moderate_progress" if c >= 0.005
                    else "limited_progress" if c >= 0 else "deterioration")


def _direction_only(t: Target, base: dict, value, b, year, ty, points) -> Evaluation:
    if b is None:
        return Evaluation(status="not_assessable", achieved=None,
                          explanation=f"目标为“{t.text}”，缺少基期值，无法判断方向。", **base)
    sense = 1 if t.direction == "up" else -1
    moved = sense * (value - b)
    final = ty is not None and year >= ty
    if moved > 1e-12:
        status = "achieved" if final else "on_track"
    elif moved < -1e-12:
        status = "off_track"
    else:
        status = "behind"
    out = Evaluation(status=status, achieved=(moved > 1e-12) if final else None, explanation="", **base)
    _trend(out, points, ty, ">" if sense > 0 else "<", b, None, t.direction)
    _progress(out, b, base["baseline_year"], value, year, None, ty, t.direction, False)
    verb = "提升" if sense > 0 else "下降"
    out.explanation = (f"目标：{ty or ''}年前持续{verb}；{year}年为{_f(value)}，基期为{_f(b)}，"
                       f"{'已' + verb if moved > 1e-12 else ('未变化' if moved == 0 else '反向变化')}，{STATUS_ZH[status]}。")
    return out


def _head(t: Target, op, tv, high, ty, by) -> str:
    when = f"{ty}年" if ty else ""
    if t.kind == "relative":
        return f"目标：{when}{t.describe(by)}，即{OP_ZH[op]}{_f(tv)}"
    if t.kind in ("rate", "linked"):
        return f"目标：{t.describe()}，即{when}{OP_ZH[op]}{_f(tv)}"
    if op == "between":
        return f"目标：{when}介于{_f(tv)}至{_f(high)}"
    return f"目标：{when}{OP_ZH[op]}{_f(tv)}" + ("（原文未标比较符，按指标方向理解）" if t.bare else "")


def _explain(head: str, e: Evaluation, year: int, ty: int | None) -> str:
    parts = [head, f"{year}年为{_f(e.value)}"]
    if e.status == "achieved":
        parts.append("已达标")
    else:
        if e.expected is not None:
            parts.append(f"按序时进度应为{_f(e.expected)}")
        parts.append(STATUS_ZH[e.status])
        if e.gap is not None:
            parts.append(f"距目标尚差{_f(abs(e.gap))}")
        if e.needed_per_year is not None and ty and ty > year:
            verb = "提高" if e.needed_per_year > 0 else "降低"
            parts.append(f"今后每年需{verb}{_f(abs(e.needed_per_year))}")
    if e.projection is not None and ty and ty > year:
        parts.append(f"按现有趋势{ty}年约为{_f(e.projection)}（{'可' if e.projection_meets else '难以'}达标）")
    return "；".join(parts) + "。"
