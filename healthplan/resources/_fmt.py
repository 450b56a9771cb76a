"""Number formatting for Chinese explanations: ``2,454,694``, ``6.3``, ``15,464.57``."""

from __future__ import annotations

import math


def num(x: float | None, digits: int = 2) -> str:
    """A number with thousands separators and no trailing zeros (``15464.5722`` → ``15,464.57``)."""
    if x is None:
        return "—"
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    if float(x).is_integer():
        return f"{int(round(x)):,}"
    text = f"{x:,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def pct(x: float | None, digits: int | None = None) -> str:
    """A share as a percentage (``0.0183`` → ``1.83%``; ``0.00292`` → ``0.292%``)."""
    if x is None:
        return "—"
    if digits is None:
        digits = 3 if abs(x) < 0.01 else 2
    return f"{num(x * 100, digits)}%"


def per_word(factor: float) -> str:
    """``1000`` → ``每千人口``; ``10000`` → ``每万人口``; ``100000`` → ``每10万人口``."""
    words = {1000: "每千人口", 10000: "每万人口", 100000: "每10万人口", 100: "每百人口"}
    return words.get(int(factor), f"每{num(factor)}人口")
