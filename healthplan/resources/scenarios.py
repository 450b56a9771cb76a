"""Scenarios (测算情景): named sets of assumptions saved as JSON, run against a plan, compared side by
side and exported to Excel.

A scenario holds the population assumption (figures by year, interpolation method, growth rate),
target overrides (by resource, indicator name or catalog code: ``{"床位": 6.5}``), current counts,
the Hill-Burton inputs and the increment schedule. Files are written atomically (a temporary file
in the same folder, then a rename), so a failed write never leaves half a file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from ..errors import HealthplanError
from ..output import atomic_write, save_workbook
from ..plan import Plan
from ._fmt import num
from .hill_burton import BedComparison, HillBurtonInputs, compare_beds
from .population import Method, from_plan
from .requirements import SCHEDULE_ZH, RequirementReport, requirements


class ScenarioError(HealthplanError):
    """A scenario file that cannot be read or used (情景文件错误)."""


class HillBurtonSettings(BaseModel):
    model_config = {"extra": "forbid"}

    admission_rate: float | None = None
    alos: float | None = None
    occupancy: float | None = None


class Scenario(BaseModel):
    model_config = {"extra": "forbid"}

    name: str
    description: str | None = None
    year: int | None = None
    population: dict[int, float] = Field(default_factory=dict)
    method: Method = "geometric"
    growth_rate: float | None = None
    targets: dict[str, float | str] = Field(default_factory=dict)
    current: dict[str, float] = Field(default_factory=dict)
    hill_burton: HillBurtonSettings = Field(default_factory=HillBurtonSettings)
    schedule: str | list[float] = "straight"

    def describe(self) -> str:
        parts = []
        if self.population:
            parts.append("人口：" + "，".join(f"{y}年{num(v, 0)}人" for y, v in sorted(self.population.items())))
        if self.growth_rate is not None:
            parts.append(f"年增长率{num(self.growth_rate * 100, 3)}%")
        parts.append("插值：" + ("几何" if self.method == "geometric" else "线性"))
        if self.targets:
            parts.append("目标调整：" + "，".join(f"{k}={v}" for k, v in self.targets.items()))
        if self.current:
            parts.append("现有数：" + "，".join(f"{k}={num(v)}" for k, v in self.current.items()))
        hb = self.hill_burton.model_dump(exclude_none=True)
        if hb:
            parts.append("Hill-Burton：" + "，".join(f"{k}={v}" for k, v in hb.items()))
        schedule = SCHEDULE_ZH.get(self.schedule, self.schedule) if isinstance(self.schedule, str) else self.schedule
        parts.append(f"年度安排：{schedule}")
        return "；".join(parts)


class ScenarioResult(BaseModel):
    scenario: Scenario
    year: int
    population: float
    report: RequirementReport
    beds: BedComparison | None = None


def save_scenario(scenario: Scenario, path: str | Path) -> Path:
    path = Path(path)
    text = json.dumps(scenario.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
    atomic_write(path, text.encode("utf-8"))
    return path


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ScenarioError("情景文件不存在。", "Scenario file not found.", str(path)) from e
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ScenarioError(f"情景文件不是有效的JSON：{e}", f"Not a valid JSON scenario: {e}", str(path)) from e
    try:
        return Scenario.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise ScenarioError(f"情景文件内容不正确：{where}：{first['msg']}", f"Invalid scenario: {where}: {first['msg']}",
                            str(path)) from e


def run_scenario(plan: Plan, scenario: Scenario, year: int | None = None,
                 stored: dict[int, float] | None = None) -> ScenarioResult:
    """The scenario on the plan; ``stored``: the store's 常住人口 by year, under the scenario's own figures."""
    population = from_plan(plan, scenario.population, method=scenario.method, growth_rate=scenario.growth_rate,
                           stored=stored)
    year = year or scenario.year or (plan.period.end if plan.period else None)
    schedule = scenario.schedule if isinstance(scenario.schedule, list) else scenario.schedule
    report = requirements(plan, population, year=year, schedule=schedule, current=scenario.current,
                          targets=scenario.targets)
    year = year or report.year
    inputs = HillBurtonInputs().with_(**scenario.hill_burton.model_dump())
    beds = compare_beds(population, year, report.get("床位"), inputs)
    return ScenarioResult(scenario=scenario, year=year, population=population.at(year), report=report, beds=beds)


def compare(results: list[ScenarioResult]) -> list[dict]:
    """Rows of a side-by-side table: population, each resource's required/current/gap, Hill-Burton beds."""
    if not results:
        return []
    names = [r.scenario.name for r in results]
    if len(set(names)) != len(names):
        raise ScenarioError("情景名称重复，无法并列比较。", "Scenario names must differ.")
    rows = [{"item": "常住人口", "measure": "人", **{r.scenario.name: round(r.population) for r in results}}]
    resources: list[str] = []
    for r in results:
        for item in r.report.items:
            if item.resource not in resources:
                resources.append(item.resource)
    for res in resources:
        for key, label in (("per_capita_target", "人均目标"), ("required", "需要"), ("current", "现有"), ("gap", "缺口")):
            row = {"item": res, "measure": label}
            for r in results:
                item = r.report.get(res)
                row[r.scenario.name] = None if item is None else getattr(item, key)
            rows.append(row)
    rows.append({"item": "床位（Hill-Burton法）", "measure": "需要",
                 **{r.scenario.name: r.beds.hill_burton.beds if r.beds else None for r in results}})
    return rows


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet(name: str, used: set[str]) -> str:
    base = _SHEET_BAD.sub("_", name)[:28] or "情景"
    title, i = base, 2
    while title in used:
        title, i = f"{base[:26]}{i}", i + 1
    used.add(title)
    return title


def to_xlsx(results: list[ScenarioResult], path: str | Path) -> Path:
    """A workbook: the comparison, the scenarios' settings, and one sheet of detail per scenario."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "情景对比"
    names = [r.scenario.name for r in results]
    ws.append(["项目", "口径", *names])
    for row in compare(results):
        ws.append([row["item"], row["measure"], *[row.get(n) for n in names]])
    used = {"情景对比", "情景设定"}
    settings = wb.create_sheet("情景设定")
    settings.append(["情景", "说明", "测算年份", "设定", "人口假定"])
    for r in results:
        settings.append([r.scenario.name, r.scenario.description, r.year, r.scenario.describe(),
                         "；".join(r.report.assumptions)])
    for r in results:
        ws2 = wb.create_sheet(_sheet(r.scenario.name, used))
        ws2.append(["资源", "指标", "每N人口", "人均目标", "目标年", "人口", "需要", "现有", "现有来源", "缺口", "说明"])
        for item in r.report.items:
            ws2.append([item.resource, item.indicator, int(item.per), item.per_capita_target, item.target_year,
                        round(item.population), item.required, item.current,
                        {"stated": "规划实数", "computed": "按基期人均值测算", "user": "用户给出"}.get(item.current_source or ""),
                        item.gap, item.explanation])
        if r.beds:
            ws2.append([])
            ws2.append(["Hill-Burton法", r.beds.explanation])
        ws2.append([])
        ws2.append(["年份", "资源", "人口", "需要", "计划数", "当年新增"])
        for item in r.report.items:
            for s in item.schedule:
                ws2.append([s.year, item.resource, s.population, s.required, s.planned, s.increment])
    path = Path(path)
    save_workbook(wb, path)
    return path
