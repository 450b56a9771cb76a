"""``healthplan generate``: synthetic data at province or national size, added by :func:`register`."""

from __future__ import annotations

import re

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .errors import HealthplanError

err = Console(stderr=True)
DB_HELP = "数据库（默认 HEALTHPLAN_DATABASE_URL 或 ./healthplan.db）"


def _years(value: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d{4})\s*[-–~至]\s*(\d{4})\s*", value or "")
    if not m or int(m.group(1)) > int(m.group(2)):
        raise typer.BadParameter("年份范围应写作 2016-2030 / expected A-B, e.g. 2016-2030")
    return int(m.group(1)), int(m.group(2))


def register(app: typer.Typer) -> None:
    @app.command("generate")
    def generate_command(
        units: int = typer.Option(100, "--units", min=1, help="县级单位数量（全国约2850；每县8–21个乡镇，平均14.5个）"),
        years: str = typer.Option("2016-2030", "--years", help="观测年份范围，如 2016-2030"),
        seed: int = typer.Option(0, "--seed", help="随机种子：同一种子生成相同数据"),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        """生成合成数据（机构树、规划目标、逐年观测值），用于性能测试；所有数据均标记为合成数据。"""
        from .generate import generate
        from .store import Store

        span = _years(years)
        try:
            store = Store(db)
        except Exception as e:  # noqa: BLE001 - a wrong URL, a server that does not answer
            err.print(f"[bold red]错误[/]：无法打开数据库（{type(e).__name__}: {e}）", highlight=False)
            raise typer.Exit(2) from e
        try:
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=err, transient=False) as bar:
                tasks: dict[str, int] = {}

                def report(stage: str, done: int, total: int) -> None:
                    if stage not in tasks:
                        tasks[stage] = bar.add_task(stage, total=total)
                    bar.update(tasks[stage], completed=done, total=total)

                out = generate(store, units=units, years=span, seed=seed, progress=report)
        except HealthplanError as e:
            err.print(f"[bold red]错误[/]：{e.message()}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from e
        finally:
            store.close()
        total = out.seconds.get("total", 0.0)
        typer.echo(f"合成数据已写入：{out.provinces}个省、{out.cities}个市、{out.counties}个县级单位、"
                   f"{out.townships}个乡镇；{out.plans}个规划、{out.targets}个目标、{out.observations}个观测值"
                   f"（{len(out.indicators)}个指标，{span[0]}–{span[1]}年，种子{seed}）；用时{total:.1f}秒"
                   f"（{out.rows / max(total, 1e-9):,.0f}行/秒）。")
