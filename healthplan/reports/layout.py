"""The outline every format shares: section titles, table headers and cells, as plain strings.

Word, PDF, HTML and Markdown lay out the same sections in the same order with the same cells, so a
number checked in one format is the number in all of them.
"""

from __future__ import annotations

from ..evaluate import STATUS_ZH
from .content import EXAMPLE_TAG, STATUSES, DomainSection, IndicatorRow, ProjectRow, Report, ResourceRow, num

CN_NUM = "一二三四五六七八九十"

INDICATOR_HEADERS = ["指标", "性质", "单位", "基期值", "最新值", "目标值", "评估状态", "差距", "每年需变化"]
INDICATOR_WIDTHS = [3.6, 1.5, 1.3, 1.6, 1.7, 2.3, 1.7, 1.3, 1.5]  # cm, A4 portrait
COUNT_HEADERS = ["指标性质", "指标数", *[STATUS_ZH[k] for k in STATUSES]]
PROJECT_HEADERS = ["序号", "项目名称", "建设期", "总投资（万元）", "状态", "完成进度", "累计完成投资（万元）", "进度判断"]
PROJECT_WIDTHS = [1.0, 5.0, 1.9, 1.8, 1.6, 1.5, 2.0, 1.8]
RESOURCE_HEADERS = ["资源", "人均目标", "目标年常住人口", "目标年需要数", "现有数（基期）", "缺口", "当年应达到"]
RESOURCE_WIDTHS = [3.2, 2.6, 2.4, 2.0, 2.2, 1.6, 2.0]
OVERVIEW_WIDTHS = [3.0, 1.6, 2.3, 1.3, 1.3, 1.4, 1.5, 1.5, 1.2, 1.5]
COMPARE_WIDTHS = [3.2, 2.2, 3.2, 2.6, 2.6, 2.0]
STATUS_COLOURS = {"achieved": "D9EAD3", "on_track": "DDEBF7", "behind": "FFF2CC", "off_track": "F4CCCC",
                  "not_assessable": "EEEEEE"}


def section_titles(report: Report) -> list[tuple[str, str]]:
    """(key, numbered title) of the report's sections, in order."""
    keys = [("summary", "总体情况"), ("indicators", "主要指标进展"), ("charts", "分指标监测图"),
            ("projects", "重点建设项目进展"), ("resources", "资源配置缺口"), ("findings", "规划数据一致性核查"),
            ("recommendations", report.recommendations_title)]
    return [(k, f"{CN_NUM[i]}、{t}") for i, (k, t) in enumerate(keys)]


def domain_title(i: int, section: DomainSection) -> str:
    return f"（{CN_NUM[i] if i < 10 else i + 1}）{section.name}"


def indicator_cells(r: IndicatorRow) -> list[str]:
    prop = "约束性" if r.binding else (r.property or "—")
    return [r.name, prop, r.unit or "—", r.baseline_display, r.value_display, r.target_display, r.status_zh,
            r.gap_display, r.needed_display]


def count_rows(report: Report) -> list[list[str]]:
    return [[label, str(c["total"]), *[str(c[k]) for k in STATUSES]] for label, c in report.counts.items()]


def project_cells(p: ProjectRow) -> list[str]:
    pct = f"{num(p.percent)}%" if p.percent is not None else "—"
    spent = num(p.spent) if p.spent is not None else "—"
    return [str(p.seq) if p.seq is not None else "—", p.name, p.years, p.investment, p.status, pct, spent, p.judgement]


def per_word(per: float) -> str:
    return {1000: "每千人口", 10000: "每万人口", 100000: "每十万人口"}.get(int(per), f"每{num(per)}人口")


def resource_cells(r: ResourceRow) -> list[str]:
    op = {">=": "≥", ">": "＞", "<=": "≤", "<": "＜"}.get(r.op, "")
    return [r.resource, f"{per_word(r.per)}{op}{num(r.per_capita_target)}",
            f"{num(r.population)}（{r.target_year}年）" if r.population is not None else "—",
            count(r.required), count(r.current), ("+" if (r.gap or 0) > 0 else "") + count(r.gap),
            count(r.planned_in_year)]


RESOURCE_NOTE = ("注：需要数 = 人均目标 × 目标年常住人口；现有数按基期人均值与基期人口计算（规划列明实有数的用实有数）；"
                 "“当年应达到”为按直线法分年的数量。")


def resource_note(report: Report) -> str:
    extra = "；".join(a.rstrip("。；") for a in report.resource_assumptions)
    return RESOURCE_NOTE + (f"人口：{extra}。" if extra else "")


def count(x: float | None) -> str:
    return "—" if x is None else f"{round(x):,}"


SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


def finding_text(f) -> str:
    """【错误】message（第207行）: the line numbers added unless the message already names them."""
    lines = ""
    if f.lines and not any(f"第{x}行" in f.message.replace(" ", "") for x in f.lines):
        lines = f"（第{'、'.join(str(x) for x in f.lines)}行）"
    return f"【{SEVERITY_ZH.get(f.severity, f.severity)}】{f.message}{lines}"


def indicator_note(section: DomainSection, report: Report) -> str | None:
    notes = []
    if section.example:
        notes.append(f"本表“最新值”为{EXAMPLE_TAG}，非真实统计数据")
    if any(r.baseline_from_data for r in section.rows):
        notes.append("基期值注“监测值”的，规划未列基期值，以该年监测值为评估起点")
    if any(r.value_year not in (None, report.year) for r in section.rows):
        notes.append("最新值注年份的，为该年份数据（当年尚无数据）")
    return ("注：" + "；".join(notes) + "。") if notes else None


def example_note(report: Report) -> str:
    return (f"{EXAMPLE_TAG}说明：本报告使用的监测数值和项目进展均为程序生成的示例数据，用于演示报告的格式与评估方法，"
            "不代表任何地区的真实情况。录入真实数据的方法见 docs/reports.md（healthplan template 生成填报表，"
            "healthplan import 导入）。")


def data_source(report: Report) -> str:
    if report.example:
        return "数据来源：基期值、目标值摘自规划文本；监测值为示例数据。"
    return "数据来源：基期值、目标值摘自规划文本；监测值为数据库中录入的年度统计数据。"
