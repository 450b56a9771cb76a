"""Table headers (表头): which column holds what, and what kind of table it is.

Headers may take two rows with merged cells above (``2020年床位数`` over ``编制床位 | 实有床位``);
data rows may be shorter than the table where a label spans two columns (``非公立医院``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..text import year_in
from .blocks import Cell, Table

NUMERIC = re.compile(r"^[\d.,:：%‰＞＜<>≥≤~～\-—－()（）年]+$")


@dataclass
class Column:
    """One column: its header text (upper and lower) and role."""

    index: int
    header: str
    sub: str = ""
    role: str = ""  # domain seq name unit baseline target outlook property note value …
    year: int | None = None

    @property
    def label(self) -> str:
        return f"{self.header}{self.sub}"


@dataclass
class Layout:
    kind: str  # indicators completion projects beds staff box other
    columns: list[Column]
    body: list[list[Cell]] = field(default_factory=list)  # data rows, expanded to full width

    def find(self, role: str) -> Column | None:
        return next((c for c in self.columns if c.role == role), None)

    def all(self, role: str) -> list[Column]:
        return [c for c in self.columns if c.role == role]


def _is_header_row(row: list[Cell]) -> bool:
    """A second header row: empty or labels only, no numbers, no indicator property."""
    texts = [c.text for c in row if c.text]
    if not texts:
        return True
    return not any(NUMERIC.match(t) for t in texts) and not any(t in ("预期性", "约束性") for t in texts)


def expand_header(top: list[Cell], sub: list[Cell] | None, width: int) -> list[Column]:
    """Full-width columns from a (possibly two-row) header.

    Columns above an empty lower cell map one to one, from the left and from the right; the
    upper cells left in the middle span the labelled lower cells evenly.
    """
    if sub is None or len(top) >= width:
        cols = [Column(i, top[i].text if i < len(top) else "") for i in range(width)]
        if sub:
            for i, cell in enumerate(sub[:width]):
                cols[i].sub = cell.text
        return cols
    lower = [c.text for c in sub] + [""] * (width - len(sub))
    cols: list[Column] = [Column(i, "") for i in range(width)]
    left, right = 0, 0
    while left < len(top) and left < width and not lower[left]:
        cols[left].header = top[left].text
        left += 1
    while right < len(top) - left and not lower[width - 1 - right]:
        cols[width - 1 - right].header = top[len(top) - 1 - right].text
        right += 1
    middle_top = top[left: len(top) - right]
    positions = list(range(left, width - right))
    if middle_top and positions:
        span = max(1, len(positions) // len(middle_top))
        for k, pos in enumerate(positions):
            cols[pos].header = middle_top[min(k // span, len(middle_top) - 1)].text
    for i, text in enumerate(lower):
        cols[i].sub = text
    return cols


def expand_row(row: list[Cell], width: int) -> list[Cell]:
    """A short data row: its first cell spans the missing columns; the rest align right."""
    if len(row) >= width:
        return row[:width]
    missing = width - len(row)
    first = row[0]
    return [first] + [Cell("", first.line) for _ in range(missing)] + row[1:]


def _role(col: Column, kind: str) -> str:
    h, s = col.header, col.sub
    if h in ("领域", "类别", "机构类别", "分类") or (col.index == 0 and not h and not s and kind == "indicators"):
        return "domain"
    if h == "序号":
        return "seq"
    if h == "单位":
        return "unit"
    if "性质" in h:
        return "property"
    if h in ("备注", "说明"):
        return "note"
    if "专项工程" in h:
        return "category"
    if "项目名称" in h or "机构名称" in h:
        return "name"
    if "建设内容" in h or "规模" in h:
        return "content"
    if "立项" in h:
        return "approved"
    if "阶段" in h:
        return "stage"
    if "年限" in h or "起止" in h:
        return "years"
    if "投资" in h:
        return "period_investment" if "期间" in h else "total_investment"
    if "指标值" in h or h in ("目标值", "规划目标"):
        return "target"
    if "指标" in h:
        return "name"
    if year_in(h) or year_in(s):
        return "year"
    return ""


def classify(table: Table) -> Layout:
    """Kind of table and its column layout."""
    rows = [r for r in table.rows]
    if not rows:
        return Layout("other", [])
    first = rows[0][0].text if rows[0] else ""
    if table.width == 1 or first.startswith("专栏"):
        return Layout("box", [])
    width = table.width
    header_text = "".join(c.text for c in rows[0])
    sub = rows[1] if len(rows) > 1 and _is_header_row(rows[1]) else None
    kind = "other"
    if "项目名称" in header_text:
        kind = "projects"
    elif "机构名称" in header_text:
        kind = "beds" if "床位" in header_text + table.title else "staff"
    elif "指标" in header_text:
        kind = "completion" if ("完成" in table.title or "指标值" in header_text) else "indicators"
    columns = expand_header(rows[0], sub, width)
    for col in columns:
        col.role = _role(col, "indicators" if kind in ("indicators", "completion") else kind)
        col.year = year_in(col.header) or year_in(col.sub)
    if kind in ("beds", "staff"):
        for col in columns:
            if col.role in ("year", "") and col.year:
                col.role = "value"
    _year_roles(columns, kind, table.title)
    body = [expand_row(r, width) for r in rows[(2 if sub else 1):] if any(c.text for c in r)]
    return Layout(kind, columns, body)


def _year_roles(columns: list[Column], kind: str, title: str) -> None:
    """Year columns of an indicator table: baseline, target, outlook (展望); actual for completion."""
    years = [c for c in columns if c.role == "year"]
    if kind == "completion":
        for c in years:
            c.role = "actual"
        return
    if kind != "indicators":
        return
    for c in years:
        if "展望" in c.label or "远景" in c.label:
            c.role = "outlook"
    plain = [c for c in years if c.role == "year"]
    if not plain:
        return
    if len(plain) == 1:
        only = plain[0]
        only.role = "target" if ("目标" in only.label or "规划" in only.label) else "baseline"
        if only.role == "baseline" and not any(c.role == "target" for c in columns):
            only.role = "target"
        return
    plain.sort(key=lambda c: (c.year or 0, c.index))
    plain[0].role = "baseline"
    plain[-1].role = "target"
