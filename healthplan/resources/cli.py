"""``healthplan resources …``: resource requirements, facility reconciliation, norms, Hill-Burton, scenarios.

Wire it into the main command with ``register(app)``. ``healthplan resources FILE`` runs the
requirements (the ``need`` command); the other commands are named: ``facilities``, ``beds``, ``norms``,
``scenario save`` and ``scenario compare``. ``FILE`` may be a region name when ``--db`` names a store.
"""

from __future__ import annotations

import json
import re
import sys
from enum import Enum
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table as RichTable
from typer.core import TyperGroup

from ..errors import HealthplanError
from ._fmt import num, per_word
from .population import from_plan, parse_population_option
from .requirements import ResourceInputError

out = Console()
err = Console(stderr=True)


class DefaultToNeed(TyperGroup):
    """``resources FILE …`` means ``resources need FILE …``; named commands work as usual."""

    default_command = "need"

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


resources_app = typer.Typer(cls=DefaultToNeed, no_args_is_help=True, pretty_exceptions_enable=False,
                            help="资源配置测算：床位、医师、护士需要多少、配在哪里、何时到位。"
                                 "直接写 healthplan resources 文件 --year 年份 即为 need 命令。")
scenario_app = typer.Typer(no_args_is_help=True, help="测算情景：保存、并列比较、导出Excel。")
resources_app.add_typer(scenario_app, name="scenario")


def register(app: typer.Typer) -> None:
    """Add ``healthplan resources …`` to the main command."""
    app.add_typer(resources_app, name="resources")


class OutFormat(str, Enum):
    text = "text"
    json = "json"


class Method(str, Enum):
    geometric = "geometric"
    linear = "linear"


class ScheduleOpt(str, Enum):
    straight = "straight"
    front = "front"


def _fail(error: HealthplanError, code: int = 2) -> None:
    err.print(f"[bold red]错误[/]：{error.message()}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


_PAIR = re.compile(r"^\s*(.+?)\s*[=＝]\s*(.+?)\s*$")


def _pairs(items: list[str] | None, what: str, numeric: bool = True) -> dict[str, float | str]:
    result: dict[str, float | str] = {}
    for item in items or []:
        m = _PAIR.match(item)
        if not m:
            raise ResourceInputError(f"{what}“{item}”格式不正确，应为 名称=数值，例如 床位=1826。",
                                     f"Bad {what} '{item}': use NAME=VALUE.")
        key, value = m.group(1), m.group(2)
        if numeric:
            try:
                result[key] = float(value.replace(",", ""))
            except ValueError as e:
                raise ResourceInputError(f"{what}“{item}”的数值“{value}”不是数字。", f"'{value}' is not a number.") from e
        else:
            result[key] = value
    return result


def _load(file_or_region: str, db: str | None, populations: list[str] | None, method: Method,
          growth_rate: float | None):
    from .source import load_source

    plan, stored = load_source(file_or_region, db)
    overrides = dict(parse_population_option(p) for p in populations or [])
    series = from_plan(plan, overrides, method=method.value, growth_rate=growth_rate, stored=stored)
    return plan, series


FILE_HELP = "规划文件（.txt .docx .pdf .html），或配合 --db 使用的地区名称"
POP_HELP = "常住人口，年份=人口数，如 2020=396700 或 2020=39.67万；可重复"


@resources_app.command("need")
def need(
    file: str = typer.Argument(..., help=FILE_HELP),
    year: int | None = typer.Option(None, "--year", "-y", help="测算年份（默认为规划目标年）"),
    population: list[str] | None = typer.Option(None, "--population", "-p", help=POP_HELP),
    growth_rate: float | None = typer.Option(None, "--growth-rate", help="年增长率，如 0.005；负数表示人口减少"),
    method: Method = typer.Option(Method.geometric, "--method", help="人口插值：geometric（几何）或 linear（线性）"),
    schedule: ScheduleOpt = typer.Option(ScheduleOpt.straight, "--schedule",
                                         help="年度新增：straight（直线法）或 front（前置法 40/25/15/10/10%）"),
    current: list[str] | None = typer.Option(None, "--current", help="现有数，如 床位=13563；可重复"),
    target: list[str] | None = typer.Option(None, "--target", help="调整目标，如 床位=6.5 或 公共卫生人员=增长30%；可重复"),
    db: str | None = typer.Option(None, "--db", help="数据库（SQLite 文件或 postgresql://…），用于按地区名称读取规划"),
    format: OutFormat = typer.Option(OutFormat.text, "--format", "-f"),
) -> None:
    """按每千（万）人口目标测算各类资源需要数、现有数和缺口。"""
    from .requirements import requirements

    try:
        plan, series = _load(file, db, population, method, growth_rate)
        report = requirements(plan, series, year=year, schedule=schedule.value, current=_pairs(current, "现有数"),
                              targets=_pairs(target, "目标", numeric=False))
    except HealthplanError as e:
        _fail(e)
    if format is OutFormat.json:
        _print_json(report.rows())
        return
    table = RichTable(title=f"{report.region or ''} {report.year}年资源需求测算")
    for col in ("资源", "人均目标", "人口", "需要", "现有", "缺口"):
        table.add_column(col, overflow="fold")
    for r in report.items:
        gap = "—" if r.gap is None else (f"[green]{num(r.gap)}（已满足）[/]" if r.met else num(r.gap))
        table.add_row(r.resource, f"{per_word(r.per)}{num(r.per_capita_target, 4)}{r.unit or ''}", num(r.population, 0),
                      num(r.required), num(r.current), gap)
    out.print(table)
    for r in report.items:
        out.print(f"• {r.explanation}", highlight=False, soft_wrap=True)
    for line in report.assumptions:
        out.print(f"假定：{line}", highlight=False, soft_wrap=True)
    for s in report.skipped:
        out.print(f"未测算：{s.indicator}（{s.reason}）", highlight=False, soft_wrap=True)


@resources_app.command("beds")
def beds(
    file: str = typer.Argument(..., help=FILE_HELP),
    year: int | None = typer.Option(None, "--year", "-y"),
    population: list[str] | None = typer.Option(None, "--population", "-p", help=POP_HELP),
    growth_rate: float | None = typer.Option(None, "--growth-rate"),
    method: Method = typer.Option(Method.geometric, "--method"),
    admission_rate: float | None = typer.Option(None, "--admission-rate", help="年住院率（每人每年住院次数，默认0.17）"),
    alos: float | None = typer.Option(None, "--alos", help="平均住院日（天，默认9）"),
    occupancy: float | None = typer.Option(None, "--occupancy", help="目标床位使用率（0–1，默认0.85）"),
    db: str | None = typer.Option(None, "--db"),
    format: OutFormat = typer.Option(OutFormat.text, "--format", "-f"),
) -> None:
    """Hill-Burton法床位需求，与按每千人口床位数的结果并列。"""
    from .hill_burton import HillBurtonInputs, compare_beds
    from .requirements import requirements

    try:
        plan, series = _load(file, db, population, method, growth_rate)
        report = requirements(plan, series, year=year)
        inputs = HillBurtonInputs().with_(admission_rate=admission_rate, alos=alos, occupancy=occupancy)
        result = compare_beds(series, report.year, report.get("床位"), inputs)
    except HealthplanError as e:
        _fail(e)
    if format is OutFormat.json:
        hb = result.hill_burton
        _print_json({"region": plan.region, "year": result.year, "population": round(result.population),
                     "hill_burton": {"beds": hb.beds, "beds_exact": round(hb.beds_exact, 2),
                                     "admission_rate": hb.inputs.admission_rate, "alos": hb.inputs.alos,
                                     "occupancy": hb.inputs.occupancy, "sources": hb.inputs.sources,
                                     "per_1000": round(hb.per_1000, 4)},
                     "per_1000": {"target": result.per_1000_target, "beds": result.per_1000_beds},
                     "difference": result.difference,
                     "occupancy_at_per_1000": None if result.occupancy_at_per_1000 is None
                     else round(result.occupancy_at_per_1000, 4),
                     "explanation": result.explanation})
        return
    out.print(result.explanation, highlight=False, soft_wrap=True)


@resources_app.command("facilities")
def facilities(
    file: str = typer.Argument(..., help=FILE_HELP),
    year: int | None = typer.Option(None, "--year", "-y"),
    population: list[str] | None = typer.Option(None, "--population", "-p", help=POP_HELP),
    growth_rate: float | None = typer.Option(None, "--growth-rate"),
    method: Method = typer.Option(Method.geometric, "--method"),
    change: list[str] | None = typer.Option(None, "--change", help="调整配置：机构=数量，或 机构:列=数量（如 "
                                            "南宫市中医院=338、南宫市中医院:注册护士=130）；可重复"),
    db: str | None = typer.Option(None, "--db"),
    format: OutFormat = typer.Option(OutFormat.text, "--format", "-f"),
) -> None:
    """核对机构床位与人员配置表：小计合计、是否满足每千人口目标、医护比与床人比；可试算调整。"""
    from .facilities import reconcile

    try:
        plan, series = _load(file, db, population, method, growth_rate)
        realloc = None
        if change:
            realloc, rec = _apply_changes(plan, series, year, change)
        else:
            rec = reconcile(plan, series, year=year)
    except HealthplanError as e:
        _fail(e)
    if format is OutFormat.json:
        data = rec.model_dump(mode="json")
        if realloc is not None:
            data["reallocation"] = {"changes": [c.model_dump() for c in realloc["changes"]],
                                    "totals_before": realloc["before"], "totals_after": realloc["after"],
                                    "explanation": realloc["explanation"]}
        _print_json(data)
        return
    out.print(f"[bold]{rec.region or ''} 机构资源配置核对（{rec.year}年）[/]")
    out.print(f"人口：{rec.population_note}", highlight=False, soft_wrap=True)
    if realloc is not None:
        out.print("[bold]试算调整[/]：" + realloc["explanation"], highlight=False, soft_wrap=True)
    table = RichTable(title="合计核对")
    for col in ("表", "列", "表中合计", "小计相加", "逐行相加"):
        table.add_column(col, overflow="fold")
    for t in rec.totals:
        table.add_row(t.table, t.column, num(t.printed), num(t.from_parts), num(t.from_rows))
    out.print(table)
    out.print(f"[bold]问题（{len(rec.issues)}项）[/]")
    for line in rec.issues:
        out.print(f"• {line}", highlight=False, soft_wrap=True)
    if rec.notes:
        out.print(f"[bold]提示（{len(rec.notes)}项）[/]")
        for line in rec.notes:
            out.print(f"• {line}", highlight=False, soft_wrap=True)


def _apply_changes(plan, series, year, changes: list[str]):
    """``机构=数量`` / ``机构:列=数量`` applied table by table (the facility decides the table)."""
    from .facilities import AllocationError, reallocate, reconcile

    per_table: dict[int, dict] = {}
    for item in changes:
        m = re.match(r"^\s*(.+?)(?:[:：](.+?))?\s*[=＝]\s*([0-9.]+)\s*$", item)
        if not m:
            raise AllocationError(f"调整“{item}”格式不正确，应为 机构=数量 或 机构:列=数量。", f"Bad change '{item}'.")
        name, column, value = m.group(1), m.group(2), float(m.group(3))
        hits = [i for i, t in enumerate(plan.facility_tables)
                if any((r.facility or r.category) == name for r in t.rows if not r.subtotal and not r.total)
                and (column is None or any(column in (c.label, c.measure) or column == f"{c.year}年{c.label}"
                                           for c in t.columns))]
        if not hits:
            raise AllocationError(f"机构配置表中没有“{name}”{('的“' + column + '”列') if column else ''}。",
                                  f"No facility '{name}' in the facility tables.")
        if column is None and len(hits) > 1:
            hits = [i for i in hits if plan.facility_tables[i].kind == "beds"] or hits[:1]
        entry = per_table.setdefault(hits[0], {})
        if column is None:
            entry[name] = value
        else:
            entry.setdefault(name, {})
            if not isinstance(entry[name], dict):
                entry[name] = {}
            entry[name][column] = value
    tables = list(plan.facility_tables)
    all_changes, before, after, texts = [], {}, {}, []
    for i, ch in per_table.items():
        r = reallocate(tables[i], ch)
        tables[i] = r.table
        all_changes += r.changes
        before.update(r.totals_before)
        after.update(r.totals_after)
        texts.append(r.explanation)
    rec = reconcile(plan, series, year=year, tables=tables)
    return {"changes": all_changes, "before": before, "after": after, "explanation": "".join(texts)}, rec


@resources_app.command("norms")
def norms(
    file: str = typer.Argument(..., help=FILE_HELP),
    year: int | None = typer.Option(None, "--year", "-y"),
    population: list[str] | None = typer.Option(None, "--population", "-p", help=POP_HELP),
    growth_rate: float | None = typer.Option(None, "--growth-rate"),
    method: Method = typer.Option(Method.geometric, "--method"),
    config: Path | None = typer.Option(None, "--config", help="本地区的配置标准（YAML：启用哪些规则、参数）"),
    inputs: list[str] | None = typer.Option(None, "--input", help="现有数，如 cdc_staff=60、infectious_beds=40；可重复"),
    db: str | None = typer.Option(None, "--db"),
    format: OutFormat = typer.Option(OutFormat.text, "--format", "-f"),
) -> None:
    """按配置标准（传染病床位、精神科、康复、疾控、乡村医生、卫生监督员等）逐条核对。"""
    from .norms import STATUS_ZH, check_norms, hospitals_from_plan

    try:
        plan, series = _load(file, db, population, method, growth_rate)
        year = year or (plan.period.end if plan.period else None) or series.points[-1].year
        given = dict(_pairs(inputs, "现有数"))
        given.setdefault("hospitals", hospitals_from_plan(plan))
        results = check_norms(series.at(year), given, config)
    except HealthplanError as e:
        _fail(e)
    if format is OutFormat.json:
        _print_json([r.model_dump() for r in results])
        return
    out.print(f"[bold]{plan.region or ''} 配置标准核对（{year}年，{series.explain(year)}）[/]", highlight=False, soft_wrap=True)
    for r in results:
        color = {"pass": "green", "fail": "red", "needs_data": "yellow"}.get(r.status, "white")
        out.print(f"[{color}]{STATUS_ZH[r.status]}[/] {r.explanation}", highlight=False, soft_wrap=True)


@scenario_app.command("save")
def scenario_save(
    name: str = typer.Argument(..., help="情景名称"),
    output: Path = typer.Option(..., "--output", "-o", help="情景文件（.json）"),
    description: str | None = typer.Option(None, "--description"),
    year: int | None = typer.Option(None, "--year", "-y"),
    population: list[str] | None = typer.Option(None, "--population", "-p", help=POP_HELP),
    growth_rate: float | None = typer.Option(None, "--growth-rate"),
    method: Method = typer.Option(Method.geometric, "--method"),
    target: list[str] | None = typer.Option(None, "--target", help="调整目标，如 床位=6.5"),
    current: list[str] | None = typer.Option(None, "--current", help="现有数，如 床位=13563"),
    admission_rate: float | None = typer.Option(None, "--admission-rate"),
    alos: float | None = typer.Option(None, "--alos"),
    occupancy: float | None = typer.Option(None, "--occupancy"),
    schedule: ScheduleOpt = typer.Option(ScheduleOpt.straight, "--schedule"),
) -> None:
    """保存一个测算情景（人口假定、目标调整、Hill-Burton参数）为JSON文件。"""
    from .scenarios import HillBurtonSettings, Scenario, save_scenario

    try:
        targets = {k: _number_or_text(v) for k, v in _pairs(target, "目标", numeric=False).items()}
        scenario = Scenario(name=name, description=description, year=year,
                            population=dict(parse_population_option(p) for p in population or []),
                            method=method.value, growth_rate=growth_rate, targets=targets,
                            current=_pairs(current, "现有数"), schedule=schedule.value,
                            hill_burton=HillBurtonSettings(admission_rate=admission_rate, alos=alos,
                                                           occupancy=occupancy))
        save_scenario(scenario, output)
    except HealthplanError as e:
        _fail(e)
    err.print(f"已写入 {output}")


def _number_or_text(v: str) -> float | str:
    try:
        return float(v)
    except ValueError:
        return v


@scenario_app.command("compare")
def scenario_compare(
    file: str = typer.Argument(..., help=FILE_HELP),
    scenario: list[Path] = typer.Option(..., "--scenario", "-s", help="情景文件（可重复，至少一个）"),
    year: int | None = typer.Option(None, "--year", "-y"),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="导出Excel文件"),
    db: str | None = typer.Option(None, "--db"),
    format: OutFormat = typer.Option(OutFormat.text, "--format", "-f"),
) -> None:
    """按多个情景测算同一规划，并列比较；可导出Excel。"""
    from .scenarios import compare, load_scenario, run_scenario, to_xlsx
    from .source import load_source

    try:
        plan, stored = load_source(file, db)
        scenarios = [load_scenario(p) for p in scenario]
        for s in scenarios:  # the store's populations sit under each scenario's own figures
            s.population = {**stored, **s.population}
        results = [run_scenario(plan, s, year) for s in scenarios]
        rows = compare(results)
        if xlsx is not None:
            to_xlsx(results, xlsx)
    except HealthplanError as e:
        _fail(e)
    if format is OutFormat.json:
        _print_json({"region": plan.region, "scenarios": [r.scenario.model_dump(mode="json") for r in results],
                     "years": [r.year for r in results], "rows": rows})
    else:
        names = [r.scenario.name for r in results]
        table = RichTable(title=f"{plan.region or ''} 情景对比")
        for col in ("项目", "口径", *names):
            table.add_column(col, overflow="fold")
        for row in rows:
            table.add_row(row["item"], row["measure"], *[num(row.get(n), 4) for n in names])
        out.print(table)
        for r in results:
            out.print(f"{r.scenario.name}：{r.scenario.describe()}", highlight=False, soft_wrap=True)
    if xlsx is not None:
        err.print(f"已写入 {xlsx}")


__all__ = ["register", "resources_app"]
