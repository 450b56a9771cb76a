"""Numbers as printed: their precision, rounding tolerance, units and Chinese formatting."""

from __future__ import annotations

import re

from ..text import fold_width

_NUM = re.compile(r"[-+]?\d[\d,]*(?:\.(\d+))?")


def decimals(text: str) -> int:
    """Decimal places as printed: ``2.30`` → 2, ``1826`` → 0."""
    m = _NUM.search(fold_width(text or ""))
    return len(m.group(1)) if m and m.group(1) else 0


def half_unit(text: str, lenient: bool = True) -> float:
    """Half of the last printed digit: the rounding error of the printed number.

    With ``lenient`` one trailing zero after the decimal point is not taken as precision
    (``2.30`` often copies ``2.3``): ``2.30`` → 0.05, ``4.00`` → 0.05, ``2.35`` → 0.005, ``1826`` → 0.5.
    """
    m = _NUM.search(fold_width(text or ""))
    if not m or not m.group(1):
        return 0.5
    digits = m.group(1)
    if lenient and len(digits) > 1 and digits.endswith("0"):
        digits = digits[:-1]
    return 0.5 * 10 ** -len(digits)


def agree(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol + 1e-9


# units that change the size of a rate (计量尺度): % = per 100, ‰ = per 1000 …
SCALE_UNITS = {
    "%": 100, "％": 100, "‰": 1000, "‱": 10000, "/万": 10000, "1/万": 10000,
    "/10万": 100000, "1/10万": 100000, "/十万": 100000, "1/十万": 100000,
}
SCALE_NAME = {100: "%", 1000: "‰", 10000: "/万", 100000: "/10万"}


def unit_scale(unit: str | None) -> int | None:
    """``%`` → 100, ``‰`` → 1000, ``1/10万`` → 100000; other units (岁, 人, 张 …) → None."""
    if not unit:
        return None
    u = fold_width(unit).replace(" ", "").replace("人", "") if "/" in (unit or "") else fold_width(unit).strip()
    return SCALE_UNITS.get(u)


def fmt(x: float | None, digits: int | None = None) -> str:
    """A number for a Chinese message: thousands separators, no trailing zeros unless ``digits``."""
    if x is None:
        return "—"
    if digits is not None:
        return f"{x:,.{digits}f}"
    if abs(x - round(x)) < 1e-9:
        return f"{int(round(x)):,}"
    s = f"{x:,.4f}".rstrip("0").rstrip(".")
    return s


def fmt_pct(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}%"


def factor_words(factor: float | None) -> str:
    return {1000: "每千人口", 10000: "每万人口", 100000: "每10万人口"}.get(int(factor or 0), "")
