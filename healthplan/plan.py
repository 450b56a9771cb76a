"""The plan as data (规划数据模型): pydantic models with the provenance of every value.

``Plan.contract()`` gives the public JSON described in docs/plan-json.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Level = Literal["province", "city", "district", "county", "county-level city"]


class Model(BaseModel):
    model_config = {"extra": "forbid"}


class Period(Model):
    """规划期: first and last year (十四五 → 2021–2025)."""

    start: int
    end: int


class YearText(Model):
    """A cell tied to a year: a target (目标值) or an outlook (展望)."""

    year: int | None
    text: str


class Value(Model):
    """A measured cell (基期值, 实际值): raw text, the number read from it and its qualifier."""

    year: int | None
    text: str
    value: float | None = None
    qualifier: str | None = None  # ">", ">=", "<", "<=", "~", "ratio"
    values: list[float] | None = None  # compound cells: "99,72"
    inferred: bool = False
    source_line: int | None = None  # where an inferred value came from
    source: str | None = None  # e.g. "“十三五”完成情况表" or "正文"


class Indicator(Model):
    """主要指标表中的一行 (a row of a main-indicator table)."""

    domain: str | None
    seq: int | None = None
    name: str
    unit: str | None
    baseline: Value | None
    target: YearText
    outlook: YearText | None = None
    property: str | None = None  # 预期性 / 约束性 as printed
    line: int
    raw_name: str
    table: str = ""


class CompletionRow(Model):
    """上一规划期完成情况表中的一行: target and actual of the previous period."""

    domain: str | None
    name: str
    unit: str | None
    target: YearText
    actual: Value
    line: int
    raw_name: str
    table: str = ""


class Project(Model):
    """重点建设项目."""

    seq: int | None
    category: str | None
    name: str
    content: str | None
    stage: str | None
    approved: str | None
    start_year: int | None
    end_year: int | None
    total_investment_wan: float | None
    period_investment_wan: float | None
    line: int
    table: str = ""
    currency_unit: str = "万元"  # the unit printed in the table (万元 or 亿元)


class FacilityColumn(Model):
    year: int | None
    label: str
    measure: str | None


class FacilityRow(Model):
    category: str | None
    facility: str | None
    values: list[float | None]
    subtotal: bool = False
    total: bool = False
    line: int


class FacilityTable(Model):
    """机构资源配置表 (beds or doctors/nurses per facility)."""

    kind: Literal["beds", "staff"]
    unit: str | None
    title: str
    columns: list[FacilityColumn]
    rows: list[FacilityRow]
    line: int


class Population(Model):
    """人口: a whole population stated with its year."""

    year: int
    value: float
    kind: str | None  # 常住人口 / 户籍人口 / 城镇人口
    projected: bool = False
    text: str
    line: int


class Formula(Model):
    """指标计算公式 given in a note: indicator = numerator / denominator × factor."""

    indicator: str
    numerator: str
    denominator: str
    factor: float | None
    line: int


class GlossaryEntry(Model):
    """名词解释."""

    term: str
    definition: str
    line: int


class Note(Model):
    """表注 (``注：…``)."""

    text: str
    line: int


class Box(Model):
    """专栏: a boxed list of key projects or actions."""

    title: str
    items: list[str]
    line: int


class Plan(Model):
    """A plan document read into data."""

    file: str
    format: str = "txt"
    region: str | None
    region_code: str | None = None
    level: Level | None
    title: str | None
    period: Period | None
    indicators: list[Indicator] = Field(default_factory=list)
    completion: list[CompletionRow] = Field(default_factory=list)
    completion_period: Period | None = None
    projects: list[Project] = Field(default_factory=list)
    facility_tables: list[FacilityTable] = Field(default_factory=list)
    populations: list[Population] = Field(default_factory=list)
    formulas: list[Formula] = Field(default_factory=list)
    glossary: list[GlossaryEntry] = Field(default_factory=list)
    boxes: list[Box] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)

    def contract(self) -> dict:
        """The public JSON (docs/plan-json.md)."""
        return self.model_dump(mode="json")
