"""``healthplan audit FILE``: the plan audit on the command line.

``register(app)`` adds the command to a Typer app (the main ``healthplan`` app wires it in).
Exit status: 0 after an audit (1 with ``--strict`` when it found errors), 2 when the file cannot be read.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer
from rich.console import Console


class AuditFormat(str, Enum):
    text = "text"
    json = "json"
    html = "html"


def register(app: typer.Typer) -> None:
    @app.command("audit")
    def audit(
        file: Path = typer.Argument(..., help="规划文件（.txt .docx .pdf .html）"),
        format: AuditFormat = typer.Option(AuditFormat.text, "--format", "-f", help="输出格式：text、json 或 html"),
        output: Path | None = typer.Option(None, "--output", "-o", help="写入文件（默认输出到屏幕）"),
        strict: bool = typer.Option(False, "--strict", help="发现“错误”级问题时以状态码1退出（用于批处理）"),
    ) -> None:
        """审核规划文件：找出正文与表格不一致、合计与占比错误、单位错误、目标值问题等，逐项给出行号和算式。"""
        from ..errors import HealthplanError, IngestError
        from ..ingest import extract_plan, read_document
        from . import audit_plan
        from .render import to_html, to_json, to_rich, to_text

        err = Console(stderr=True)
        try:
            document = read_document(file)
            plan = extract_plan(document)
        except HealthplanError as e:
            err.print(f"[bold red]错误[/]：{e.message()}", highlight=False, soft_wrap=True)
            raise typer.Exit(2)
        except Exception as e:  # noqa: BLE001 - a reader library failing on a damaged file
            e2 = IngestError(f"无法读取该文件（{type(e).__name__}）。文件可能已损坏或不是规划文档。",
                             f"Cannot read this file ({type(e).__name__}: {e}).", str(file))
            err.print(f"[bold red]错误[/]：{e2.message()}", highlight=False, soft_wrap=True)
            raise typer.Exit(2)
        findings = audit_plan(plan, document)
        if format is AuditFormat.json:
            text = to_json(findings, plan)
        elif format is AuditFormat.html:
            text = to_html(findings, plan, document.lines)
        elif output is not None:
            text = to_text(findings, plan)
        else:
            text = None
            console = Console()
            if findings:
                console.print(to_rich(findings, plan))
            else:
                console.print("未发现问题。")
        if text is not None:
            if output is not None:
                from ..output import atomic_write

                atomic_write(output, text.encode("utf-8"))
                Console(stderr=True).print(f"已写入 {output}（{len(findings)} 项发现）。", highlight=False)
            else:
                typer.echo(text, nl=False)
        if strict and any(f.severity == "error" for f in findings):
            raise typer.Exit(1)
