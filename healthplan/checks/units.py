"""Units (计量单位): the same indicator in different units, or in a unit impossible for it.

A rate's unit fixes its size: 0.54‰ and 0.54% differ tenfold. Every place an indicator is printed
with a rate unit (%, ‰, /万, /10万) — indicator table, completion table, prose — must use one unit,
the standard one (WS/T 598 as in the catalog: 婴儿死亡率 in ‰, 重大慢性病过早死亡率 in %). A name
that says “千人口” or “每万” fixes the unit too: 千人口献血率 cannot be a percentage.
"""

from __future__ import annotations

import re

from .context import Context
from .model import Finding, finding
from .numbers import SCALE_NAME, unit_scale

CHECK = "units"
NAME_SCALE = [(re.compile(r"(?:每|/)?(?:十万|10万)人"), 100000), (re.compile(r"每万|万人口"), 10000),
              (re.compile(r"千人口|每千"), 1000)]


def check(ctx: Context) -> list[Finding]:
    places: dict[str, list[tuple]] = {}  # code → [(scale, unit, line, where, name, value text)]
    names: dict[str, str] = {}
    for r in ctx.rows:
        units = re.split(r"[,，、]", r.unit) if r.unit else []
        entries = r.entries if len(r.entries) == len(units) else [r.entry]
        if len(entries) == 1:
            units = [r.unit]
        for entry, unit in zip(entries, units):
            if entry is None:
                continue
            scale = unit_scale(unit)
            if scale is None:
                continue
            where = "表中" if r.kind == "indicator" else "完成情况表"
            places.setdefault(entry.code, []).append((scale, unit, r.line, where, r.name, _value_text(r)))
            names.setdefault(entry.code, r.name)
    if ctx.facts is not None:
        for rate in ctx.facts.rates:
            scale = unit_scale(rate.unit)
            if scale is None or rate.code not in places:
                continue
            places[rate.code].append((scale, rate.unit, rate.line, "正文", rate.name, rate.text + rate.unit))
    out = []
    for code, found in places.items():
        entry = ctx.catalog.get(code)
        standard = unit_scale(entry.unit) if entry else None
        scales = {f[0] for f in found}
        impossible = [f for f in found if _name_scale(f[4]) and f[0] != _name_scale(f[4])]
        wrong = [f for f in found if standard and f[0] != standard]
        if len(scales) < 2 and not wrong and not impossible:
            continue
        listed = "；".join(f"{w}{'“' + n + '”' if w != '正文' else ''}用{u}（第{line}行{'，' + v if v else ''}）"
                          for _, u, line, w, n, v in found)
        name = entry.name_zh if entry else names[code]
        msg = f"{name}的单位"
        msg += "前后不一致：" if len(scales) > 1 else "有误："
        msg += listed + "。"
        if standard:
            src = f"按{entry.source}" if entry.source.startswith("WS/T") else "按标准定义"
            msg += f"{src}，{name}以{SCALE_NAME.get(standard, entry.unit)}表示。"
        for f in impossible:
            msg += f"指标名称“{f[4]}”已表明是{_scale_words(_name_scale(f[4]))}，不能用{f[1]}。"
        if len(scales) > 1:
            a, b = sorted(scales)
            msg += (f"同一数值用{SCALE_NAME[a]}和{SCALE_NAME[b]}相差{b // a}倍"
                    f"（1{SCALE_NAME[a]} = {b // a}{SCALE_NAME[b]}）")
            numbers = [_number(f[5]) for f in found if _number(f[5])]
            if numbers and max(numbers) / min(numbers) < 5:
                msg += f"；各处数值大小相近（{'、'.join(_fmt(n) for n in numbers)}），说明是单位写法不一致，而非数值换算"
            msg += "，请统一单位并核对数值。"
        else:
            msg += "请改正单位，并核对数值是否按该单位填写。"
        q = {f"第{line}行数值": _number(v) for _, _, line, _, _, v in found if _number(v) is not None}
        out.append(finding(CHECK, "error", [f[2] for f in found], msg, q))
    return out


def _name_scale(name: str) -> int | None:
    for rx, scale in NAME_SCALE:
        if rx.search(name):
            return scale
    return None


def _scale_words(scale: int) -> str:
    return {1000: "每千人口的比率（‰）", 10000: "每万人口的比率", 100000: "每10万人口的比率"}[scale]


def _value_text(r) -> str:
    row = r.row
    parts = []
    if r.kind == "indicator":
        if row.baseline is not None and row.baseline.text:
            parts.append(f"基期{row.baseline.text}")
        if row.target is not None and row.target.text:
            parts.append(f"目标{row.target.text}")
    else:
        parts.append(f"实际{row.actual.text}")
    return "，".join(parts)


def _fmt(x: float) -> str:
    return f"{x:g}"


def _number(text: str) -> float | None:
    m = re.search(r"\d+(?:\.\d+)?", text or "")
    return float(m.group(0)) if m else None
