"""The command line: ingest in every output format, the demo, and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from conftest import GOLDEN, SEEDS, differences
from healthplan.cli import app

runner = CliRunner()
QINGCHENG = SEEDS[0]


def test_ingest_json_is_the_contract():
    result = runner.invoke(app, ["ingest", str(QINGCHENG)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["region"] == "清远市清城区" and data["period"] == {"start": 2021, "end": 2025}
    expected = json.loads((GOLDEN / f"{QINGCHENG.stem}.json").read_text(encoding="utf-8"))
    assert not differences(expected, data)


def test_ingest_several_files_gives_a_list(tmp_path):
    out = tmp_path / "plans.json"
    result = runner.invoke(app, ["ingest", *map(str, SEEDS), "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [d["region"] for d in data] == ["清远市清城区", "阳江市", "广州市天河区", "南宫市", "汕头市龙湖区"]


def test_ingest_yaml(tmp_path):
    import yaml

    result = runner.invoke(app, ["ingest", str(SEEDS[3]), "--format", "yaml"])
    assert result.exit_code == 0
    data = yaml.safe_load(result.stdout)
    assert data["level"] == "county-level city"
    assert data["facility_tables"][0]["rows"][-1]["values"] == [1676, 1826, 2791]


def test_ingest_xlsx_is_readable(tmp_path):
    out = tmp_path / "plans.xlsx"
    result = runner.invoke(app, ["ingest", *map(str, SEEDS), "--format", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    assert {"概览", "主要指标", "完成情况", "建设项目", "人口", "计算公式", "名词解释"} <= set(wb.sheetnames)
    sheet = wb["主要指标"]
    header = [c.value for c in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 19 + 21 + 16 + 19 + 26
    first = dict(zip(header, rows[0]))
    assert first["地区"] == "清远市清城区" and first["指标"] == "人均寿命" and first["基期值"] == 77.8
    assert first["目标值（原文）"] == "79" and first["原文行号"] == 167
    beds = [r for r in wb["机构配置1"].iter_rows(min_row=2, values_only=True)]
    assert beds[-1][3:6] == (1676, 1826, 2791)


def test_xlsx_needs_an_output_file():
    result = runner.invoke(app, ["ingest", str(QINGCHENG), "--format", "xlsx"])
    assert result.exit_code == 2
    assert "-o" in result.stderr


def test_demo_writes_results(tmp_path):
    db = tmp_path / "demo.db"
    result = runner.invoke(app, ["demo", "-o", str(tmp_path / "out"), "--db", str(db), "--no-reports"])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == sorted([f"{s.stem}.json" for s in SEEDS] + ["plans.xlsx"])
    assert "汕头市龙湖区" in result.stdout and "示例数据" in result.stdout
    again = runner.invoke(app, ["demo", "-o", str(tmp_path / "out"), "--db", str(db), "--no-reports"])
    assert again.exit_code == 0, "running the demo twice is harmless"
    from healthplan.store import Store
    from healthplan.store import models as m
    from sqlalchemy import func, select

    store = Store(str(db))
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(m.Plan)) == 5
        assert s.scalar(select(func.count()).select_from(m.Observation).where(m.Observation.example)) > 0
    store.close()


BAD = {
    "empty.txt": (b"", "文件为空"),
    "blank.txt": (b"\n\n  \n", "文件为空"),
    "junk.txt": (bytes(range(256)) * 20, "二进制"),
    "prose.txt": ("规划背景\n本区卫生事业发展良好。\n".encode(), "未找到主要指标表"),
    "plan.xls": (b"whatever", "不支持的文件类型"),
    "noext": (b"whatever", "不支持的文件类型"),
    "latin1.txt": ("café résumé naïve".encode("latin-1") * 50, "编码"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_gets_one_clear_message(tmp_path, name):
    data, words = BAD[name]
    path = tmp_path / name
    path.write_bytes(data)
    result = runner.invoke(app, ["ingest", str(path)])
    assert result.exit_code == 2
    assert words in result.stderr and name in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_missing_file(tmp_path):
    result = runner.invoke(app, ["ingest", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2 and "文件不存在" in result.stderr


def test_failed_write_leaves_no_half_file(tmp_path, monkeypatch):
    """Output goes through a temporary file: an error while writing leaves the old file as it was."""
    from healthplan import output

    target = tmp_path / "plan.json"
    target.write_text("old", encoding="utf-8")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(output.os, "replace", broken)
    with pytest.raises(OSError):
        output.atomic_write(target, b"new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]


def test_installed_command_runs_from_any_folder(tmp_path):
    """The README's main job: `healthplan demo` from any folder, no server, the default SQLite file there."""
    exe = os.path.join(os.path.dirname(sys.executable), "healthplan")
    env = {k: v for k, v in os.environ.items() if k != "HEALTHPLAN_DATABASE_URL"}
    proc = subprocess.run([exe, "demo", "-o", "out"], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                          env=env)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "plans.xlsx").exists() and (tmp_path / "healthplan.db").exists()
    reports = sorted(p.name for p in (tmp_path / "out" / "reports").iterdir())
    assert len(reports) == 33 and "清远市清城区_中期评估报告_2023.docx" in reports
