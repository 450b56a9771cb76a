"""The target language (目标值表达式) of Chinese health plans, parsed into typed targets.

Every form of BRIEF §4 is understood: comparators in full and half width or in words (≥35, ＞83,
不低于90, 80%以上), bare numbers (read through the indicator's direction), ``25左右``, ranges
(``7.4-7.5``), relative change (``增长30%``, ``累计增长1岁``, ``比2015年降低5%``), per-year rates
(``每年降低0.5个百分点以上``), direction only (``持续提升``), linked (``同比例提高``), ratios
(``1:1.09``), compound cells (``100,75``) and qualitative text (``有效控制``). Parsing never raises:
what cannot be read is qualitative.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel

from ..text import fold_width

Direction = Literal["up", "down", "neutral"]
Op = Literal[">=", ">", "<=", "<", "~", "=", "between"]

_NUM = r"(\d+(?:\.\d+)?)"
_UNIT = r"\s*(?:%|‰|％|‱|个百分点|百分点|岁|人|张|个|天|/10万|万)?"


class Target(BaseModel):
    """A parsed target. ``kind`` says which fields matter:

    - ``threshold``: ``op`` and ``value`` (``value_high`` for ``between``); ``bare`` when no comparator was printed
    - ``relative``: change from a reference value: ``change`` (+0.30 for 增长30%) as ``percent`` or ``absolute``;
      ``reference_year`` when not the baseline year (比2015年)
    - ``rate``: change per year (``change`` per year as ``percentage_point``, ``percent`` or ``absolute``)
    - ``direction``: ``direction`` only (持续提升)
    - ``linked``: moves in proportion to ``linked_to`` (同比例提高)
    - ``compound``: ``parts`` (one per indicator of the row)
    - ``qualitative``: not machine-assessable; needs a recorded judgement
    - ``none``: empty or ``--``
    """

    kind: Literal["threshold", "relative", "rate", "direction", "linked", "compound", "qualitative", "none"]
    text: str
    op: Op | None = None
    value: float | None = None
    value_high: float | None = None
    bare: bool = False
    ratio: bool = False  # printed as 1:x
    change: float | None = None
    change_unit: Literal["percent", "absolute", "percentage_point"] | None = None
    reference_year: int | None = None
    direction: Direction | None = None
    linked_to: str | None = None
    unit: str | None = None  # unit printed with the change (%, 个百分点, 岁)
    bound: str | None = None  # 以上 / 以下 / 左右 as printed after a change
    aspirational: bool = False  # 力争
    approximate: bool = False  # 左右
    parts: list["Target"] | None = None

    def describe(self, baseline_year: int | None = None) -> str:
        """The target in planners' words (目标说明)."""
        return describe(self, baseline_year)


OPS = [
    (r"^(?:>=|≥|不低于|不少于|不小于|至少|达到或超过)", ">="),
    (r"^(?:<=|≤|不高于|不超过|不大于|最高)", "<="),
    (r"^(?:>|高于|大于|超过)", ">"),
    (r"^(?:<|低于|小于)", "<"),
]
UP_WORDS = ("提升", "提高", "增长", "增加", "上升", "扩大", "改善", "加强")
DOWN_WORDS = ("下降", "降低", "减少", "减", "控制", "缩短", "遏制")


def _clean(text: str) -> str:
    s = fold_width(text or "").strip()
    s = re.sub(r"\s+", "", s)
    return s.replace("％", "%").replace("～", "~").replace("—", "-").replace("–", "-")


def parse_target(text: str, direction: Direction | None = None) -> Target:
    """Parse one target cell. ``direction`` (from the catalog) reads bare numbers: up → at least."""
    raw = text or ""
    s = _clean(raw)
    if s in ("", "-", "--", "—", "/", "无", "——"):
        return Target(kind="none", text=raw)
    aspirational = s.startswith("力争") or s.startswith("争取")
    s = re.sub(r"^(?:力争|争取)", "", s)
    s = re.sub(r"^(?:达到|保持在?|维持在?|稳定在|控制在)", "", s) or s
    target = _parse(s, raw, direction)
    target.aspirational = aspirational
    return target


def _parse(s: str, raw: str, direction: Direction | None) -> Target:
    # compound: 100,75 (two indicators in one row)
    if re.fullmatch(rf"{_NUM}{_UNIT}(?:[,，、;；]{_NUM}{_UNIT})+", s) and not re.fullmatch(r"\d{1,3}(,\d{3})+", s):
        parts = [parse_target(p, direction) for p in re.split(r"[,，、;；]", s)]
        return Target(kind="compound", text=raw, parts=parts)
    # ratio 1:1.09
    m = re.fullmatch(rf"{_NUM}[:：]{_NUM}", s)
    if m:
        first, second = float(m.group(1)), float(m.group(2))
        value = second / first if first else None
        if value is None:
            return Target(kind="qualitative", text=raw)
        return _threshold(raw, None, value, direction, bare=True, ratio=True)
    # range 7.4-7.5
    m = re.fullmatch(rf"{_NUM}{_UNIT}[-~至到]{_NUM}{_UNIT}", s)
    if m and float(m.group(1)) < float(m.group(2)):
        return Target(kind="threshold", text=raw, op="between", value=float(m.group(1)), value_high=float(m.group(2)))
    # comparator forms
    for pattern, op in OPS:
        m = re.match(pattern, s)
        if m:
            rest = s[m.end():]
            n = re.fullmatch(rf"{_NUM}{_UNIT}(以上|以下)?", rest)
            if n:
                return Target(kind="threshold", text=raw, op=op, value=float(n.group(1)))
    # 80%以上 / 3‰以下 / 25左右
    m = re.fullmatch(rf"{_NUM}{_UNIT}(以上|以下|左右|上下)", s)
    if m:
        word = m.group(2)
        if word in ("左右", "上下"):
            return Target(kind="threshold", text=raw, op="~", value=float(m.group(1)), approximate=True)
        return Target(kind="threshold", text=raw, op=">=" if word == "以上" else "<=", value=float(m.group(1)))
    # bare number: 79, 65%, 6.0
    m = re.fullmatch(rf"{_NUM}{_UNIT}", s)
    if m:
        return _threshold(raw, None, float(m.group(1)), direction, bare=True)
    relative = _relative(s, raw)
    if relative is not None:
        return relative
    rate = _rate(s, raw)
    if rate is not None:
        return rate
    m = re.fullmatch(r"(?:与.{1,12})?同比例(提高|提升|增长|增加|下降|降低)", s)
    if m:
        return Target(kind="linked", text=raw, direction="up" if m.group(1) in UP_WORDS else "down",
                      linked_to=_linked_partner(s))
    m = re.fullmatch(r"(?:持续|逐步|稳步|不断|进一步|逐年|明显|显著|有所)(提升|提高|增长|增加|上升|改善|下降|降低|减少)", s)
    if m:
        return Target(kind="direction", text=raw, direction="up" if m.group(1) in UP_WORDS + ("改善",) else "down")
    return Target(kind="qualitative", text=raw)


def _threshold(raw: str, op, value: float, direction: Direction | None, *, bare: bool = False,
               ratio: bool = False) -> Target:
    if op is None:
        op = {"up": ">=", "down": "<=", "neutral": "~"}.get(direction or "", ">=")
    return Target(kind="threshold", text=raw, op=op, value=value, bare=bare, ratio=ratio,
                  approximate=op == "~")


def _relative(s: str, raw: str) -> Target | None:
    """增长30%, 累计增长1岁, 比2015年降低5%, 提高1岁左右, 下降10%以上."""
    m = re.fullmatch(
        rf"(?:比((?:19|20)\d{{2}})年?|较((?:19|20)\d{{2}})年?|较基期|比基期)?"
        rf"(?:累计|总体|平均)?(增长|增加|提高|提升|上升|下降|降低|减少)(?:了)?{_NUM}(%|个百分点|百分点|岁|人|张|个|天)?"
        rf"(以上|以下|左右)?", s)
    if not m:
        return None
    year = m.group(1) or m.group(2)
    sign = 1 if m.group(3) in UP_WORDS else -1
    unit = m.group(5)
    change_unit = "percent" if unit == "%" else ("percentage_point" if unit and "百分点" in unit else "absolute")
    return Target(kind="relative", text=raw, change=sign * float(m.group(4)), change_unit=change_unit,
                  reference_year=int(year) if year else None, direction="up" if sign > 0 else "down",
                  unit=unit, bound=m.group(6), approximate=m.group(6) == "左右")


def _rate(s: str, raw: str) -> Target | None:
    """每年降低0.5个百分点以上, 年均增长5%."""
    m = re.fullmatch(
        rf"(?:每年|年均|平均每年|逐年)(增长|增加|提高|提升|上升|下降|降低|减少){_NUM}(%|个百分点|百分点|岁|人|张|个)?"
        rf"(以上|以下|左右)?", s)
    if not m:
        return None
    sign = 1 if m.group(1) in UP_WORDS else -1
    unit = m.group(3)
    change_unit = "percent" if unit == "%" else ("percentage_point" if unit and "百分点" in unit else "absolute")
    return Target(kind="rate", text=raw, change=sign * float(m.group(2)), change_unit=change_unit,
                  direction="up" if sign > 0 else "down", unit=unit, bound=m.group(4),
                  approximate=m.group(4) == "左右")


def _linked_partner(s: str) -> str | None:
    m = re.match(r"与(.{1,12})同比例", s)
    return m.group(1) if m else None


OP_WORDS = {">=": "不低于", ">": "高于", "<=": "不高于", "<": "低于", "~": "左右", "=": "等于"}


def _fmt(x: float | None) -> str:
    if x is None:
        return "?"
    return f"{x:.4f}".rstrip("0").rstrip(".")


def describe(t: Target, baseline_year: int | None = None) -> str:
    """Chinese description of what the target demands (without baseline arithmetic)."""
    prefix = "力争" if t.aspirational else ""
    if t.kind == "threshold":
        if t.op == "between":
            return f"{prefix}在{_fmt(t.value)}至{_fmt(t.value_high)}之间"
        if t.op == "~":
            return f"{prefix}{_fmt(t.value)}左右"
        head = "1:" + _fmt(t.value) if t.ratio else _fmt(t.value)
        return f"{prefix}{OP_WORDS[t.op]}{head}" + ("（未标比较符，按指标方向理解）" if t.bare else "")
    if t.kind in ("relative", "rate"):
        base = f"较{baseline_year}年" if baseline_year else "较基期"
        ref = "每年" if t.kind == "rate" else (f"较{t.reference_year}年" if t.reference_year else base)
        verb = "增长" if (t.change or 0) > 0 else "降低"
        return f"{prefix}{ref}{verb}{_fmt(abs(t.change or 0))}{t.unit or ''}{t.bound or ''}"
    if t.kind == "direction":
        return f"{prefix}持续{'提升' if t.direction == 'up' else '下降'}"
    if t.kind == "linked":
        return f"{prefix}与{t.linked_to or '关联指标'}同比例{'提高' if t.direction == 'up' else '下降'}"
    if t.kind == "compound":
        return "；".join(describe(p, baseline_year) for p in t.parts or [])
    if t.kind == "qualitative":
        return f"定性目标“{t.text}”，需人工判断"
    return "无目标值"
