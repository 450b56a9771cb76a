"""The ``healthplan`` command: a thin layer over the library."""

from __future__ import annotations

import sys
from enum import Enum
from importlib import resources
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table as RichTable

from .errors import HealthplanError, IngestError
from .ingest import ingest_file
from .output import atomic_write, to_json, to_xlsx, to_yaml

app = typer.Typer(help="healthplan：卫生健康规划的导入、监测与评估。", no_args_is_help=True,
                  pretty_exceptions_enable=False)
out = Console()
err = Console(stderr=True)


LEVEL_ZH = {"province": "省", "city": "地级市", "district": "市辖区", "county": "县", "county-level city": "县级市"}


class Format(str, Enum):
    json = "json"
    yaml = "yaml"
    xlsx = "xlsx"


def seed_files() -> list[Path]:
    """The five sample plans shipped with the package (示例规划文件)."""
    folder = resources.files("healthplan") / "data" / "seeds"
    return sorted(Path(str(folder)).glob("*.txt"))


def fail(error: HealthplanError, code: int = 2) -> None:
    err.print(f"[bold red]错误[/]：{error.message()}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _ingest_all(files: list[Path]):
    plans = []
    for f in files:
        try:
            plans.append(ingest_file(f))
        except HealthplanError as e:
            fail(e)
        except Exception as e:  # a reader library failing on a damaged file
            fail(IngestError(f"无法读取该文件（{type(e).__name__}）。文件可能已损坏或不是规划文档。",
                             f"Cannot read this file ({type(e).__name__}: {e}).", str(f)))
    return plans


@app.command()
def ingest(
    files: list[Path] = typer.Argument(..., help="规划文件（.txt .docx .pdf .html）"),
    format: Format = typer.Option(Format.json, "--format", "-f", help="输出格式"),
    output: Path | None = typer.Option(None, "--output", "-o", help="输出文件（默认打印到屏幕；xlsx 必须指定）"),
) -> None:
    """读取规划文件，输出其中的指标、项目与资源配置表。"""
    plans = _ingest_all(files)
    if format is Format.xlsx:
        if output is None:
            fail(IngestError("xlsx 格式需要用 -o 指定输出文件。", "xlsx output needs -o FILE."))
        to_xlsx(plans, output)
        err.print(f"已写入 {output}")
        return
    text = to_json(plans) if format is Format.json else to_yaml(plans)
    if output is None:
        sys.stdout.write(text)
    else:
        atomic_write(output, text.encode("utf-8"))
        err.print(f"已写入 {output}")


@app.command()
def demo(
    output: Path = typer.Option(Path("healthplan-output"), "--output", "-o", help="结果文件夹"),
    db: str | None = typer.Option(None, "--db", help="数据库（默认当前文件夹的 healthplan.db；也可用 HEALTHPLAN_DATABASE_URL）"),
    reports: bool = typer.Option(True, "--reports/--no-reports", help="是否写出评估报告"),
) -> None:
    """用内置的五份示例规划演示：导入、入库、载入示例数据、写出评估报告。"""
    from .examples import load_example_data
    from .store.plans import load_plan

    files = seed_files()
    plans = []
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("导入规划", total=len(files))
        for f in files:
            plans.extend(_ingest_all([f]))
            progress.advance(task)
    output.mkdir(parents=True, exist_ok=True)
    for f, plan in zip(files, plans):
        atomic_write(output / f"{f.stem}.json", to_json([plan]).encode("utf-8"))
    to_xlsx(plans, output / "plans.xlsx")
    store = _open_store(db)
    try:
        with store.session() as s:
            for f, plan in zip(files, plans):
                load_plan(s, plan, f.read_bytes(), user="demo")
            example = load_example_data(s)
        written = []
        if reports:
            from .reports import write_demo_reports

            with err.status("正在生成评估报告（中期、终期与地区对比）…"):
                written = write_demo_reports(store, output / "reports")
    finally:
        store.close()
    summary = RichTable(title="示例规划导入结果")
    summary.add_column("地区", no_wrap=True)
    for col in ("层级", "规划期", "指标", "完成情况", "项目", "机构表", "人口"):
        summary.add_column(col)
    for p in plans:
        period = f"{p.period.start}–{p.period.end}" if p.period else "—"
        summary.add_row(p.region or "—", LEVEL_ZH.get(p.level or "", "—"), period, str(len(p.indicators)),
                        str(len(p.completion)), str(len(p.projects)), str(len(p.facility_tables)),
                        str(len(p.populations)))
    out.print(summary)
    out.print(f"数据库：{store.url}（五份规划已入库；示例数据 {example['observations']} 条，仅供演示，并非真实数据）")
    if written:
        out.print(f"评估报告 {len(written)} 份：{(output / 'reports').resolve()}")
    out.print(f"结果已写入 {output.resolve()}")


def main() -> None:  # pragma: no cover
    app()


class OutFormat(str, Enum):
    text = "text"
    json = "json"


def _print_json(data) -> None:
    import json

    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


target_app = typer.Typer(help="目标值表达式：解析与评估。", no_args_is_help=True)
catalog_app = typer.Typer(help="标准指标目录。", no_args_is_help=True)
app.add_typer(target_app, name="target")
app.add_typer(catalog_app, name="catalog")


@target_app.command("check")
def target_check(
    text: str = typer.Argument(..., help="目标值原文，如 “增长30%”“＜8”“每年降低0.5个百分点以上”"),
    value: float = typer.Option(..., "--value", help="当年实际值"),
    year: int = typer.Option(..., "--year", help="评估年份"),
    baseline: float | None = typer.Option(None, "--baseline", help="基期值"),
    baseline_year: int = typer.Option(2020, "--baseline-year"),
    target_year: int = typer.Option(2025, "--target-year"),
    direction: str | None = typer.Option(None, "--direction", help="up（越高越好）/ down（越低越好）/ neutral"),
    indicator: str | None = typer.Option(None, "--indicator", help="指标名称（用于确定方向）"),
    format: OutFormat = typer.Option(OutFormat.text, "--format", "-f"),
) -> None:
    """评估一个目标值在某年是否达标、进度是否正常。"""
    from .catalog import load_catalog
    from .evaluate import evaluate

    if direction not in (None, "up", "down", "neutral"):
        fail(IngestError(f"方向应为 up、down 或 neutral，而不是“{direction}”。",
                         f"--direction must be up, down or neutral, not '{direction}'."))
    if direction is None and indicator:
        found = load_catalog().match(indicator)
        direction = found.entry.direction if found.entry else None
    result = evaluate(text, year=year, value=value, baseline=baseline, baseline_year=baseline_year,
                      target_year=target_year, direction=direction)
    if format is OutFormat.json:
        _print_json({"status": result.status, "gap": result.gap, "needed_per_year": result.needed_per_year,
                     "explanation": result.explanation, "target_value": result.target_value,
                     "expected": result.expected, "projection": result.projection, "progress": result.progress})
        return
    out.print(f"[bold]{result.status_zh}[/]（{result.status}）")
    out.print(result.explanation, highlight=False)


@app.command()
def evaluate(
    file: Path = typer.Argument(..., help="规划文件"),
    completion: bool = typer.Option(False, "--completion", help="评估规划中上一规划期的完成情况表"),
    format: OutFormat = typer.Option(OutFormat.text, "--format", "-f"),
) -> None:
    """评估规划文件：--completion 逐行判断上一规划期目标是否完成。"""
    from .evaluate.completion import judge_completion

    plan = _ingest_all([file])[0]
    if not completion:
        fail(IngestError("目前请使用 --completion 评估完成情况表；年度监测评估需先录入监测数据。",
                         "Use --completion; yearly evaluation needs observed data first."))
    rows = judge_completion(plan)
    if not rows:
        fail(IngestError("该规划没有上一规划期的完成情况表。", "This plan has no completion table.", str(file)))
    if format is OutFormat.json:
        _print_json({"region": plan.region, "period": plan.completion_period.model_dump() if plan.completion_period
                     else None, "rows": [r.model_dump() for r in rows]})
        return
    table = RichTable(title=f"{plan.region or ''} 上一规划期完成情况")
    for col in ("行", "指标", "目标", "实际", "完成", "说明"):
        table.add_column(col, overflow="fold")
    for r in rows:
        mark = {True: "[green]是[/]", False: "[red]否[/]", None: "[yellow]无法判断[/]"}[r.achieved]
        table.add_row(str(r.line), r.name, r.target, r.actual, mark, r.why)
    out.print(table)
    done = sum(1 for r in rows if r.achieved)
    out.print(f"共 {len(rows)} 项：完成 {done} 项，未完成 {sum(1 for r in rows if r.achieved is False)} 项，"
              f"无法判断 {sum(1 for r in rows if r.achieved is None)} 项。")


@catalog_app.command("list")
def catalog_list(
    category: str | None = typer.Option(None, "--category", help="按类别筛选，如 卫生资源"),
    format: OutFormat = typer.Option(OutFormat.text, "--format", "-f"),
) -> None:
    """列出标准指标。"""
    from .catalog import load_catalog

    entries = [e for e in load_catalog().entries if category is None or e.category == category]
    if format is OutFormat.json:
        _print_json([e.model_dump() for e in entries])
        return
    table = RichTable(title=f"标准指标目录（{len(entries)} 项）")
    for col in ("代码", "名称", "单位", "方向", "类别"):
        table.add_column(col, overflow="fold")
    for e in entries:
        table.add_row(e.code, e.name_zh, e.unit or "", {"up": "越高越好", "down": "越低越好"}.get(e.direction, "中性"),
                      e.category)
    out.print(table)


@catalog_app.command("show")
def catalog_show(code: str, format: OutFormat = typer.Option(OutFormat.text, "--format", "-f")) -> None:
    """显示一个指标的定义与计算公式。"""
    from .catalog import load_catalog

    entry = load_catalog().get(code)
    if entry is None:
        fail(IngestError(f"目录中没有代码为“{code}”的指标。可用 healthplan catalog list 查看。",
                         f"No indicator with code '{code}'."))
    if format is OutFormat.json:
        _print_json(entry.model_dump())
        return
    out.print(f"[bold]{entry.name_zh}[/]（{entry.name_en}） {entry.code}")
    out.print(f"单位：{entry.unit or '—'}    方向：{entry.direction}    类别：{entry.category}    来源：{entry.source}")
    out.print(f"定义：{entry.definition}", highlight=False)
    if entry.numerator:
        factor = f" × {entry.factor:g}" if entry.factor else ""
        out.print(f"公式：{entry.numerator} ÷ {entry.denominator}{factor}", highlight=False)
    if entry.aliases:
        out.print("别名：" + "、".join(entry.aliases), highlight=False)


@catalog_app.command("match")
def catalog_match(
    name: str, unit: str | None = typer.Option(None, "--unit"),
    format: OutFormat = typer.Option(OutFormat.text, "--format", "-f"),
) -> None:
    """将规划中的指标名称匹配到标准指标。"""
    from .catalog import load_catalog

    catalog = load_catalog()
    found = catalog.match(name, unit)
    candidates = catalog.search(name, limit=5)
    if format is OutFormat.json:
        _print_json({"name": name, "code": found.entry.code if found.entry else None, "score": found.score,
                     "method": found.method, "reason": found.reason,
                     "candidates": [{"code": e.code, "name": e.name_zh, "score": round(s, 3)} for e, s in candidates]})
        return
    if found.entry:
        out.print(f"{name} → [bold]{found.entry.code} {found.entry.name_zh}[/]（{found.method}，{found.score:.2f}）")
    else:
        out.print(f"{name} → 未匹配：{found.reason}")
    for e, s in candidates:
        out.print(f"  候选 {e.code} {e.name_zh}（{s:.2f}）")


# --- the store: export, import, templates -------------------------------------------------------

class ExportFormat(str, Enum):
    xlsx = "xlsx"
    csv = "csv"
    json = "json"
    dhis2 = "dhis2"


DB_HELP = "数据库：SQLite 文件路径或 postgresql://… 地址（默认取 HEALTHPLAN_DATABASE_URL，再默认 healthplan.db）"


def _open_store(db: str | None):
    from .store import Store

    try:
        return Store(db)
    except Exception as e:  # noqa: BLE001 - a wrong URL, a server that does not answer, a file not a database
        fail(IngestError(f"无法打开数据库（{type(e).__name__}）：请检查 --db 或 HEALTHPLAN_DATABASE_URL。",
                         f"Cannot open the database: {e}"))


def _default_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in a container
        return "cli"


@app.command("export")
def export_cmd(
    format: ExportFormat = typer.Option(ExportFormat.json, "--format", "-f", help="导出格式"),
    plan: str | None = typer.Option(None, "--plan", "-p", help="只导出一个地区（名称、名称的一部分或行政区划代码）"),
    output: Path | None = typer.Option(None, "--output", "-o", help="输出文件（json、csv、dhis2 可省略，打印到屏幕）"),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """导出库中的数据：xlsx、csv、json（可重新导入）或 DHIS2 dataValueSets。"""
    from .store.exchange import export_data

    if format is ExportFormat.xlsx and output is None:
        fail(IngestError("xlsx 格式需要用 -o 指定输出文件。", "xlsx output needs -o FILE."))
    store = _open_store(db)
    try:
        data = export_data(store, format.value, plan)
    except HealthplanError as e:
        fail(e)
    finally:
        store.close()
    if output is None:
        sys.stdout.write(data.decode("utf-8-sig"))
        return
    atomic_write(output, data)
    err.print(f"已写入 {output}")


@app.command("import")
def import_cmd(
    file: Path | None = typer.Argument(None, help="要导入的文件（.xlsx 填报模板或导出工作簿、.csv、.json）"),
    undo: int | None = typer.Option(None, "--undo", help="撤销一批导入（批次号见导入时的提示）"),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    user: str | None = typer.Option(None, "--user", help="操作人（记入审计日志；默认当前登录名）"),
) -> None:
    """导入数据（先逐格检查，全部通过才写入），或用 --undo 撤销一批导入。"""
    from .store.exchange import ImportRejected, import_data, undo_import

    if (file is None) == (undo is None):
        fail(IngestError("请给出要导入的文件，或用 --undo 批次号 撤销一批导入（二者选一）。",
                         "Give a FILE to import or --undo ID, not both."))
    store = _open_store(db)
    user = user or _default_user()
    try:
        if undo is not None:
            done = undo_import(store, undo, user)
            out.print(f"已撤销第{done.import_id}批导入：删除 {done.deleted} 条，恢复 {done.restored} 条。")
            return
        result = import_data(store, file, user)
    except ImportRejected as e:
        _print_problems(e)
        fail(e)
    except HealthplanError as e:
        fail(e)
    finally:
        store.close()
    kinds = {"org_unit": "地区", "indicator": "本地指标", "facility": "机构"}
    created = "，".join(f"{kinds.get(k, k)} {n} 个" for k, n in sorted(result.created.items()))
    out.print(f"已导入 {file.name}：第{result.import_id}批，{result.rows} 行；新增 {result.inserted}，"
              f"修改 {result.updated}，未变 {result.unchanged}" + (f"；新建{created}" if created else "") + "。")
    for w in result.warnings:
        out.print(f"[yellow]提示[/]：{w}", highlight=False)
    out.print(f"如需撤销：healthplan import --undo {result.import_id}", highlight=False)


def _print_problems(e, limit: int = 500) -> None:
    table = RichTable(title=f"导入被拒绝：{e.file or ''} 共 {len(e.problems)} 处问题，数据库未作任何修改")
    for col in ("工作表", "行", "列", "值", "原因"):
        table.add_column(col, overflow="fold")
    for p in e.problems[:limit]:
        table.add_row(p.sheet or "—", "" if p.row is None else str(p.row), p.column or "—",
                      "" if p.value is None else str(p.value), p.reason)
    out.print(table)
    if len(e.problems) > limit:
        out.print(f"……另有 {len(e.problems) - limit} 处问题未列出。")


@app.command("template")
def template_cmd(
    plan: str = typer.Option(..., "--plan", "-p", help="地区（名称、名称的一部分或行政区划代码）"),
    year: int = typer.Option(..., "--year", "-y", help="填报年份"),
    output: Path = typer.Option(..., "--output", "-o", help="输出的 .xlsx 文件"),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """生成某地区现行规划某一年的 Excel 数据填报模板。"""
    from .store.exchange import make_template

    store = _open_store(db)
    try:
        data = make_template(store, plan, year)
    except HealthplanError as e:
        fail(e)
    finally:
        store.close()
    atomic_write(output, data)
    err.print(f"已写入 {output}")


def _register_features() -> None:
    """Commands of the feature packages (each registers its own)."""
    from .checks.cli import register as checks
    from .generate_cli import register as generate
    from .reports.cli import register as reports
    from .resources.cli import register as resources
    from .web.cli import register as web

    checks(app)
    resources(app)
    reports(app)
    web(app)
    generate(app)


_register_features()
