"""``healthplan report`` and ``healthplan example-data``: added to the main command by :func:`register`."""

from __future__ import annotations

from datetime import date
from enum import Enum
from pathlib import Path

import typer
from rich.console import Console

from ..errors import HealthplanError

err = Console(stderr=True)


class Kind(str, Enum):
    monitoring = "monitoring"
    midterm = "midterm"
    final = "final"


class ReportFormat(str, Enum):
    docx = "docx"
    pdf = "pdf"
    html = "html"
    md = "md"


def _fail(error: HealthplanError) -> None:
    err.print(f"[bold red]错误[/]：{error.message()}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _format(fmt: ReportFormat | None, output: Path | None) -> str:
    if fmt is not None:
        return fmt.value
    suffix = output.suffix.lower().lstrip(".") if output else ""
    return {"markdown": "md", "htm": "html"}.get(suffix, suffix) if suffix in ("docx", "pdf", "html", "htm", "md",
                                                                              "markdown") else "docx"


def report(
    plan: str | None = typer.Option(None, "--plan", "-p", help="地区名称或其中能唯一确定地区的部分，如 清城区、天河"),
    year: int | None = typer.Option(None, "--year", "-y",
                                    help="评估年份（默认：中期评估为规划期中间一年，终期评估为目标年）"),
    kind: Kind = typer.Option(Kind.midterm, "--kind", "-k",
                              help="monitoring 年度监测 | midterm 中期评估 | final 终期评估"),
    format: ReportFormat | None = typer.Option(None, "--format", "-f",
                                               help="docx | pdf | html | md（默认按 -o 的扩展名，否则 docx）"),
    output: Path | None = typer.Option(None, "--output", "-o", help="输出文件（默认：地区_报告类型_年份.格式）"),
    compare: bool = typer.Option(False, "--compare", help="输出各地区在共有指标上的对比报告（不需要 --plan）"),
    db: str | None = typer.Option(None, "--db", help="数据库（默认 HEALTHPLAN_DATABASE_URL 或 ./healthplan.db）"),
) -> None:
    """生成监测评估报告（年度监测、中期评估、终期评估）或地区对比报告：Word、PDF、HTML、Markdown。"""
    from ..output import atomic_write
    from ..store import open_store
    from . import render, render_comparison_as, report_file_name
    from .compare import build_comparison
    from .content import build_report

    fmt = _format(format, output)
    try:
        store = open_store(db)
        try:
            with store.session() as s:
                if compare:
                    from sqlalchemy import func, select

                    from ..store import models as m

                    if year is None:
                        last = s.scalar(select(func.max(m.Plan.period_end)).where(m.Plan.current.is_(True)))
                        year = min(last or date.today().year, date.today().year - 1)
                    content = build_comparison(s, year)
                    if not content.indicators:
                        raise HealthplanError("库中少于两个地区有共同的规划指标，无法生成对比报告。",
                                              "Fewer than two regions share an indicator: nothing to compare.")
                    name = f"地区对比_{year}.{fmt}"
                else:
                    if not plan:
                        raise HealthplanError("请用 --plan 指定地区，例如 --plan 清城区；或用 --compare 生成对比报告。",
                                              "Name the region with --plan, or use --compare.")
                    content = build_report(s, plan, year, kind.value)
                    name = report_file_name(content, fmt)
        finally:
            store.close()
        data = render_comparison_as(content, fmt) if compare else render(content, fmt)
    except HealthplanError as e:
        _fail(e)
    path = output or Path(name)
    atomic_write(path, data)
    err.print(f"已写入 {path}" + ("（含示例数据）" if content.example else ""), highlight=False)


def example_data(
    plan: str | None = typer.Option(None, "--plan", "-p", help="只处理这个地区（默认：所有地区）"),
    clear: bool = typer.Option(False, "--clear", help="删除示例数据（录入真实数据前使用）"),
    seed: int = typer.Option(14, "--seed", help="随机种子（同一种子得到同样的示例数据）"),
    db: str | None = typer.Option(None, "--db", help="数据库（默认 HEALTHPLAN_DATABASE_URL 或 ./healthplan.db）"),
) -> None:
    """写入或删除示例数据（演示用的虚构监测数值，报告中标注“示例数据”）。"""
    from ..examples import clear_example_data, load_example_data
    from ..store import open_store
    from .content import find_region, plan_for

    try:
        store = open_store(db)
        try:
            with store.session() as s:
                plan_id = None
                if plan:
                    unit, _ = find_region(s, plan)
                    plan_id = plan_for(s, unit, None).id
                if clear:
                    n = clear_example_data(s, plan_id)
                    err.print(f"已删除示例数据：监测数值{n['observations']}条，项目进展{n['projects']}条。")
                else:
                    n = load_example_data(s, plan_id, seed=seed)
                    err.print(f"已写入示例数据：监测数值{n['observations']}条，项目进展{n['projects']}条"
                              + (f"；{n['kept_real']}个已有真实数值未改动" if n["kept_real"] else "") + "。"
                              "这些数值是虚构的，报告中标注“示例数据”。")
        finally:
            store.close()
    except HealthplanError as e:
        _fail(e)


def register(app: typer.Typer) -> None:
    """Add ``report`` and ``example-data`` to the ``healthplan`` command."""
    app.command("report")(report)
    app.command("example-data")(example_data)
