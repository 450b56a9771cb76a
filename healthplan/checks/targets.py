"""Targets (目标值): ambition, binding targets and plausible change.

- a target less ambitious than the baseline (higher-better: target below baseline; lower-better:
  above) — allowed, but flagged: the baseline already meets it and the indicator may fall back;
- a 2035 outlook less ambitious than the 2025 target;
- a binding (约束性) indicator whose target cannot be assessed (qualitative or missing);
- implausible jumps: a stock resource per 1000 (beds, doctors, nurses, health workers) tripling in
  one plan period, or any indicator changing tenfold (likely a unit or data error).
"""

from __future__ import annotations

from ..catalog.targets import Target, parse_target
from ..plan import Indicator
from .context import Context, Row
from .model import Finding, finding
from .numbers import fmt

CHECK = "targets"
STOCK = {"HR-BED", "HR-DOC", "HR-NUR", "HR-HTW", "HR-HW"}
DIRECTION_ZH = {"up": "数值越高越好", "down": "数值越低越好"}


def check(ctx: Context) -> list[Finding]:
    out = []
    for r in ctx.indicators:
        row = r.row
        out += _binding(r)
        if r.entry is None or row.baseline is None:
            continue
        target = parse_target(row.target.text, r.entry.direction) if row.target else None
        out += _ambition(r, target)
        out += _outlook(r, target)
        out += _jump(r, target)
    return out


def _pairs(r: Row, target: Target | None):
    """(baseline value, baseline text, target part) for a row, one per part of a compound row."""
    b = r.row.baseline
    if target is None:
        return []
    if target.kind == "compound" and b.values and target.parts and len(b.values) == len(target.parts):
        texts = b.text.replace("，", ",").split(",")
        return [(v, t, p) for v, t, p in zip(b.values, texts, target.parts)]
    if b.value is None:
        return []
    return [(b.value, b.text, target)]


def _looser(direction: str, base: float, t: Target) -> float | None:
    """How much looser than ``base`` the threshold ``t`` is (None when it is not)."""
    if t.kind != "threshold" or t.value is None or t.op == "between":
        return None
    if direction == "up" and t.op in (">=", ">", "~") and t.value < base - 1e-9:
        return base - t.value
    if direction == "down" and t.op in ("<=", "<", "~") and t.value > base + 1e-9:
        return t.value - base
    return None


def _unit(r: Row) -> str:
    u = (r.unit or "").replace("1/10万", "/10万").replace("1/万", "/万")
    return "" if u in ("%，%", "%,%") else u


def with_unit(text: str, unit: str) -> str:
    """``25左右`` + ``%`` → ``25%左右``; a text that already carries the unit is kept."""
    text = (text or "").strip()
    if not unit or unit in text or not any(ch.isdigit() for ch in text):
        return text
    for tail in ("左右", "以上", "以下"):
        if text.endswith(tail):
            return text[: -len(tail)] + unit + tail
    return text + unit


def _minus(base: float, value: float, direction: str) -> str:
    """``70 − 65`` (the larger first), for the arithmetic in a message."""
    hi, lo = (base, value) if direction == "up" else (value, base)
    return f"{fmt(hi)} − {fmt(lo)}"


def _gap_unit(unit: str) -> str:
    return "个百分点" if unit == "%" else unit


def _ambition(r: Row, target: Target | None) -> list[Finding]:
    row = r.row
    direction = r.entry.direction
    if direction not in ("up", "down"):
        return []
    out = []
    for base, btext, part in _pairs(r, target):
        diff = _looser(direction, base, part)
        if diff is None:
            continue
        b = row.baseline
        unit = _unit(r)
        where = f"第{row.line}行"
        if b.inferred and b.source_line:
            where += f"；基期值取自{b.source or '其他表格'}第{b.source_line}行"
        word = "低于" if direction == "up" else "高于"
        binding = (row.property or "").startswith("约束")
        msg = (f"{row.name}（{DIRECTION_ZH[direction]}）：{b.year}年基期值{with_unit(btext, unit)}，"
               f"{row.target.year}年目标{with_unit(part.text, unit)}（{where}）。"
               f"目标值{word}基期值（{_minus(base, part.value, direction)} = {fmt(round(diff, 4))}{_gap_unit(unit)}），"
               f"基期已达到目标，按此目标指标可以倒退。"
               + ("该指标为约束性指标，目标宽于现状会使约束失去意义。" if binding else "")
               + "如无特殊原因（如基期值受偶然因素影响、统计口径变化），宜把目标定为不低于基期水平，或在说明中写明理由。")
        lines = [row.line] + ([b.source_line] if b.inferred and b.source_line else [])
        out.append(finding(CHECK, "warning" if binding else "info", lines, msg,
                           {"基期值": base, "目标值": part.value, "相差": round(diff, 4)}))
    return out


def _outlook(r: Row, target: Target | None) -> list[Finding]:
    row = r.row
    if not isinstance(row, Indicator) or row.outlook is None or target is None:
        return []
    direction = r.entry.direction
    if direction not in ("up", "down"):
        return []
    outlook = parse_target(row.outlook.text, direction)
    if target.kind != "threshold" or target.value is None or target.op == "between":
        return []
    diff = _looser(direction, target.value, outlook)
    if diff is None:
        return []
    unit = _unit(r)
    msg = (f"{row.name}（{DIRECTION_ZH[direction]}）：{row.outlook.year}年展望{with_unit(row.outlook.text, unit)}"
           f"比{row.target.year}年目标{with_unit(row.target.text, unit)}宽松"
           f"（{_minus(target.value, outlook.value, direction)} = {fmt(round(diff, 4))}{_gap_unit(unit)}）"
           f"（第{row.line}行），"
           f"远期要求反而低于近期目标。请核对展望值。")
    return [finding(CHECK, "warning", [row.line], msg,
                    {"目标值": target.value, "展望值": outlook.value, "相差": round(diff, 4)})]


def _jump(r: Row, target: Target | None) -> list[Finding]:
    row = r.row
    b = row.baseline
    if target is None or target.kind != "threshold" or target.value is None or b.value is None or b.value <= 0:
        return []
    ratio = target.value / b.value
    code = r.entry.code
    stock = code in STOCK and ratio >= 3
    tenfold = ratio >= 10 or ratio <= 0.1
    if not (stock or tenfold):
        return []
    years = (row.target.year or 0) - (b.year or 0)
    unit = _unit(r)
    msg = (f"{row.name}：{b.year}年{with_unit(b.text, unit)} → {row.target.year}年{with_unit(target.text, unit)}"
           f"（第{row.line}行），"
           f"{fmt(target.value)} ÷ {fmt(b.value)} = {ratio:.2f}倍")
    if years > 0 and ratio > 0:
        msg += f"，相当于{years}年间每年{'增长' if ratio > 1 else '下降'}{abs(ratio ** (1 / years) - 1):.0%}"
    if tenfold:
        msg += "。变化达一个数量级，很可能是基期值或目标值的单位、口径或录入有误，请核对。"
    else:
        msg += "。床位、医师、护士等存量资源一个规划期内增至3倍以上极不寻常，请核对目标值或基期值。"
    return [finding(CHECK, "warning", [row.line], msg, {"基期值": b.value, "目标值": target.value,
                                                         "倍数": round(ratio, 4)})]


def _binding(r: Row) -> list[Finding]:
    row = r.row
    if not (row.property or "").startswith("约束"):
        return []
    t = parse_target(row.target.text if row.target else "", r.entry.direction if r.entry else None)
    if t.kind not in ("qualitative", "none"):
        return []
    what = "没有目标值" if t.kind == "none" else f"目标“{row.target.text}”是定性表述"
    msg = (f"{row.name}是约束性指标，但{what}（第{row.line}行），评估时无法判断是否完成。"
           f"约束性指标应有可量化的目标值。")
    return [finding(CHECK, "warning", [row.line], msg, {})]
