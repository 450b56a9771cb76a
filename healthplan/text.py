"""Text helpers shared by every layer: cell clean-up and reading numbers (数值解析).

Kept free of any other healthplan import so that ingest, catalog and reports can all use it.
"""

from __future__ import annotations

import re
import unicodedata

BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_SPACE = re.compile(r"\s+")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")


def strip_noise(line: str) -> str:
    """Remove Word-export noise such as ``[bookmark: _Toc123]``."""
    return BOOKMARK.sub("", line)


def clean_cell(text: str) -> str:
    """Join a cell's pieces and drop whitespace, keeping one space between two ASCII words.

    ``小  计`` → ``小计``; ``30～70 岁`` → ``30～70岁``; ``DDDs 100`` stays ``DDDs 100``.
    """
    text = strip_noise(text).replace("\u3000", " ").strip()
    parts = _SPACE.split(text)
    out = parts[0] if parts else ""
    for part in parts[1:]:
        if out and part and _ASCII_WORD.match(out[-1]) and _ASCII_WORD.match(part[0]):
            out += " " + part
        else:
            out += part
    return out


def fold_width(text: str) -> str:
    """Full-width to half-width (NFKC), for matching only; raw text is kept elsewhere."""
    return unicodedata.normalize("NFKC", text)


NUMBER = r"[-+]?\d+(?:,\d{3})*(?:\.\d+)?"
_NUMBER = re.compile(NUMBER)
_COMPARATOR = re.compile(r"^(>=|<=|≥|≤|>|<|不低于|不高于|不超过|不少于|不大于|不小于|高于|低于|大于|小于)")
_COMPARATOR_NORMAL = {
    ">=": ">=", "≥": ">=", "不低于": ">=", "不少于": ">=", "不小于": ">=",
    "<=": "<=", "≤": "<=", "不高于": "<=", "不超过": "<=", "不大于": "<=",
    ">": ">", "高于": ">", "大于": ">", "<": "<", "低于": "<", "小于": "<",
}
_YEAR_NOTE = re.compile(r"[（(]\s*((?:19|20)\d{2})\s*年?\s*[）)]")
_RATIO = re.compile(rf"^({NUMBER})\s*[:：]\s*({NUMBER})$")
_PLAIN = re.compile(rf"^({NUMBER})\s*(%|‰|％)?$")
_COMPOUND = re.compile(rf"^{NUMBER}(?:\s*[,，、]\s*{NUMBER})+$")


def to_number(text: str) -> float:
    return float(text.replace(",", ""))


def parse_value(text: str) -> dict:
    """Read the number in a cell with its qualifier.

    Returns ``{"value", "qualifier", "year", "values"}``: ``＞94`` → 94 with ``>``;
    ``6.39(2019年)`` → 6.39 with year 2019; ``1:0.53`` → 0.53 (ratio); ``99,72`` → values
    [99, 72]; ``--`` and words → value None.
    """
    out = {"value": None, "qualifier": None, "year": None, "values": None}
    if not text:
        return out
    s = fold_width(text).strip()
    year = _YEAR_NOTE.search(s)
    if year:
        out["year"] = int(year.group(1))
        s = (s[: year.start()] + s[year.end():]).strip()
    cmp_match = _COMPARATOR.match(s)
    if cmp_match:
        out["qualifier"] = _COMPARATOR_NORMAL[cmp_match.group(1)]
        s = s[cmp_match.end():].strip()
    if s.endswith("左右"):
        out["qualifier"] = out["qualifier"] or "~"
        s = s[:-2].strip()
    if m := _PLAIN.match(s):
        out["value"] = to_number(m.group(1))
    elif m := _RATIO.match(s):
        first, second = to_number(m.group(1)), to_number(m.group(2))
        out["qualifier"] = out["qualifier"] or "ratio"
        out["value"] = second / first if first else None
    elif _COMPOUND.match(s) and not re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", s):
        out["values"] = [float(v) for v in re.split(r"\s*[,，、]\s*", s)]
    return out


_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


def year_in(text: str) -> int | None:
    """First 4-digit year followed by 年 (``2020年`` → 2020)."""
    m = _YEAR.search(text)
    return int(m.group(1)) if m else None


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_number(text: str) -> int | None:
    """Small Chinese numerals as used in 十四五 / 十三五 / 十五五 (1–99)."""
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        t = _CN_DIGITS.get(tens, 1) if tens else 1
        o = _CN_DIGITS.get(ones, 0) if ones else 0
        return t * 10 + o
    return _CN_DIGITS.get(text)


_NAME_NOISE = re.compile(r"^(其中[：:]|全市|全区|全县|全省|辖区)|拥有|常住|[（(][^（）()]*[）)]$|\s")


def name_key(name: str) -> str:
    """A loose key for matching indicator names across tables (期望寿命 = 预期寿命; 常住/拥有 dropped)."""
    key = fold_width(name)
    key = _NAME_NOISE.sub("", key)
    return key.replace("期望", "预期").replace("比重", "比例").replace("医师", "医生")
