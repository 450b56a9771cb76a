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
) -> None:
    """用内置的五份示例规划演示：导入并写出结果。"""
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
    summary = RichTable(title="示例规划导入结果")
    summary.add_column("地区", no_wrap=True)
    for col in ("层级", "规划期", "指标", "完成情况", "项目", "机构表", "人口"):
        summary.add_column(col)
    for p in plans:
        period = f"{p.period.start}–{p.period.end}" if p.period else "—"
        summary.add_row(p.region or "—", LEVEL_ZH.get(p.level or "", "—"), period, str(len(p.indicators)), str(len(p.completion)),
                        str(len(p.projects)), str(len(p.facility_tables)), str(len(p.populations)))
    out.print(summary)
    out.print(f"结果已写入 {output.resolve()}")


def main() -> None:  # pragma: no cover
    app()
