"""What a monitoring or evaluation report says (报告内容), built from the store; renderers only lay it out.

Kinds: ``monitoring`` 年度监测报告, ``midterm`` 中期评估报告 (2023 for a 十四五 plan), ``final``
终期评估报告 (the target year). Every number comes from :func:`healthplan.evaluate.plans.evaluate_plan`;
nothing is computed twice in a different way.
"""

from __future__ import annotations

import re
from datetime import date

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import HealthplanError
from ..catalog.targets import parse_target
from ..evaluate import STATUS_ZH, evaluate
from ..evaluate.plans import TargetEvaluation, evaluate_plan
from ..plan import Plan as PlanDoc
from ..store import models as m
from ..text import fold_width

KINDS = ("monitoring", "midterm", "final")
KIND_ZH = {"monitoring": "年度监测报告", "midterm": "中期评估报告", "final": "终期评估报告"}
STATUSES = ("achieved", "on_track", "behind", "off_track", "not_assessable")
PERIOD_NAMES = {2001: "十五", 2006: "十一五", 2011: "十二五", 2016: "十三五", 2021: "十四五", 2026: "十五五",
                2031: "十六五"}
EXAMPLE_BANNER = "示例数据：本报告中的监测数值为演示用示例数据，不是真实统计数据，不得引用或上报。"
EXAMPLE_TAG = "示例数据"
NO_DATA = "暂无监测数据"


class ReportError(HealthplanError):
    """A report that cannot be made as asked (地区不明确、类型不对等)."""

    def __init__(self, zh: str, en: str, candidates: list[str] | None = None):
        super().__init__(zh, en)
        self.candidates = candidates or []


# --- formatting shared by every renderer ----------------------------------------------------------

def num(x: float | None, digits: int = 4) -> str:
    """A number as planners print it: no trailing zeros, at most ``digits`` decimals, ``—`` for none."""
    if x is None:
        return "—"
    if abs(x) >= 1e6:
        return f"{x:,.0f}"
    s = f"{x:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "", "+0") else s


def signed(x: float | None, digits: int = 4) -> str:
    """A change with its sign (+1.2, -0.5); ASCII minus so that Excel reads a copied cell as a number."""
    if x is None:
        return "—"
    s = num(x, digits)
    return s if s.startswith("-") or s == "0" else "+" + s


def derived(x: float | None) -> float | None:
    """A computed figure (gap, path, projection) rounded for print: 2 decimals, 4 for small ones."""
    if x is None:
        return None
    return round(x, 2) if abs(x) >= 0.1 else round(x, 4)


def diff_unit(unit: str | None) -> str:
    """The unit of a difference: percentages differ by 个百分点."""
    unit = fold_width(unit or "")
    return {"%": "个百分点", "‰": "个千分点"}.get(unit, unit)


OP_SIGN = {">=": "≥", ">": "＞", "<=": "≤", "<": "＜", "~": "约", "between": ""}


# --- the model --------------------------------------------------------------------------------------

class ChartSpec(BaseModel):
    """One indicator's chart: observed values against the straight-line path from baseline to target."""

    title: str
    unit: str | None
    year: int
    baseline_year: int | None
    baseline: float | None
    target_year: int | None
    target_value: float | None
    target_high: float | None = None
    target_label: str
    observed: list[tuple[int, float]]
    example: bool
    direction_only: bool = False

    def key(self) -> str:
        return self.model_dump_json()


class IndicatorRow(BaseModel):
    target_id: int
    code: str
    name: str
    domain: str
    unit: str | None
    property: str | None
    binding: bool
    baseline: float | None
    baseline_year: int | None
    baseline_display: str
    baseline_from_data: bool  # the plan prints none: the first observation serves (rule 2)
    value: float | None
    value_year: int | None
    value_display: str
    target_text: str
    target_year: int
    target_display: str
    target_value: float | None
    status: str
    status_zh: str
    expected: float | None
    gap: float | None
    gap_display: str
    needed_per_year: float | None
    needed_display: str
    projection: float | None
    projection_meets: bool | None
    explanation: str
    example: bool
    history: list[tuple[int, float]]
    chart: ChartSpec | None


class DomainSection(BaseModel):
    name: str
    rows: list[IndicatorRow]
    example: bool


class ProjectRow(BaseModel):
    seq: int | None
    name: str
    category: str | None
    years: str
    investment: str
    status: str
    percent: float | None
    spent: float | None
    expected_percent: float | None
    judgement: str
    comment: str | None
    example: bool


class ResourceRow(BaseModel):
    resource: str  # 床位, 执业（助理）医师 …
    per: float  # per 1000 or 10000 people
    op: str
    per_capita_target: float
    target_year: int
    population: float | None
    required: int | None
    current: int | None  # at the baseline (baseline ratio × baseline population, or the count the plan states)
    gap: int | None
    planned_in_year: int | None  # the count on the straight-line schedule in the report's year


class Finding(BaseModel):
    severity: str
    check: str | None = None
    message: str
    lines: list[int] = []


class Recommendation(BaseModel):
    text: str
    code: str | None = None
    binding: bool = False
    example: bool = False


class Report(BaseModel):
    kind: str
    kind_zh: str
    year: int
    region: str  # full name: 清远市清城区
    region_code: str | None
    plan_id: int
    plan_title: str | None
    period_name: str
    period_start: int
    period_end: int
    title: str
    subtitle: str
    generated: str
    example: bool
    has_data: bool
    intro: str
    summary_text: str
    binding_text: str
    counts: dict[str, dict[str, int]]  # 约束性 / 预期性 / 合计 → status → n
    rows: list[IndicatorRow]  # binding first (evaluate_plan's order)
    domains: list[DomainSection]
    projects: list[ProjectRow]
    projects_note: str | None
    projects_example: bool
    resources: list[ResourceRow] | None
    resources_note: str | None
    resource_assumptions: list[str] = []
    findings: list[Finding] | None
    findings_note: str | None
    recommendations: list[Recommendation]
    recommendations_title: str
    methods: list[str]


# --- regions -----------------------------------------------------------------------------------------

def full_name(s: Session, unit: m.OrgUnit) -> str:
    """清城区 → 清远市清城区; a city or county-level city keeps its own name."""
    if unit.level in ("district", "county") and unit.parent_id:
        parent = s.get(m.OrgUnit, unit.parent_id)
        if parent is not None and parent.level == "city" and not unit.name.startswith(parent.name):
            return parent.name + unit.name
    return unit.name


def _key(text: str) -> str:
    return re.sub(r"\s+", "", fold_width(text or ""))


def regions_with_plans(s: Session) -> list[tuple[m.OrgUnit, str]]:
    """Every org unit that has a current plan, with its full name."""
    ids = list(dict.fromkeys(s.scalars(select(m.Plan.org_unit_id).where(m.Plan.current.is_(True))
                                       .order_by(m.Plan.org_unit_id))))
    return [(u, full_name(s, u)) for u in (s.get(m.OrgUnit, i) for i in ids) if u is not None]


def find_region(s: Session, region: str) -> tuple[m.OrgUnit, str]:
    """The region named by its full name, its 行政区划代码 or any unique part of the name."""
    key = _key(region)
    units = regions_with_plans(s)
    if not units:
        raise ReportError("数据库中还没有任何规划，请先导入规划（例如 healthplan demo）。",
                          "The database holds no plan yet; load one first (e.g. healthplan demo).")
    if not key:
        raise ReportError("请用 --plan 指定地区名称，例如 清城区。", "Name the region with --plan, e.g. 清城区.",
                          [n for _, n in units])
    exact = [(u, n) for u, n in units if key in (_key(n), _key(u.name), u.code or "")]
    if len(exact) == 1:
        return exact[0]
    found = exact or [(u, n) for u, n in units if key in _key(n) or (u.code and u.code.startswith(key))]
    if len(found) == 1:
        return found[0]
    names = [n for _, n in (found or units)]
    if found:
        raise ReportError(f"地区“{region}”不明确，可能是：{'、'.join(names)}。请写出更完整的名称。",
                          f"Region '{region}' is ambiguous: {', '.join(names)}.", names)
    raise ReportError(f"未找到地区“{region}”。数据库中有规划的地区：{'、'.join(names)}。",
                      f"No region '{region}'. Regions with a plan: {', '.join(names)}.", names)


def plan_for(s: Session, unit: m.OrgUnit, year: int | None) -> m.Plan:
    """The unit's current plan whose period holds ``year`` (from its baseline year), else the latest."""
    plans = s.scalars(select(m.Plan).where(m.Plan.org_unit_id == unit.id, m.Plan.current.is_(True))
                      .order_by(m.Plan.period_start.desc())).all()
    if year is not None:
        for p in plans:
            if p.period_start - 1 <= year <= p.period_end:
                return p
    return plans[0]


def period_name(plan: m.Plan) -> str:
    return PERIOD_NAMES.get(plan.period_start, f"{plan.period_start}—{plan.period_end}年")


def default_year(kind: str, plan: m.Plan) -> int:
    """中期评估: the middle year (2023 for 2021–2025); 终期评估: the last; 年度监测: the year before last."""
    if kind == "midterm":
        return plan.period_start + (plan.period_end - plan.period_start) // 2
    if kind == "final":
        return plan.period_end
    return min(date.today().year - 1, plan.period_end)


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ReportError(f"报告类型应为 monitoring（年度监测）、midterm（中期评估）或 final（终期评估），而不是“{kind}”。",
                          f"--kind must be monitoring, midterm or final, not '{kind}'.")
    return kind


# --- building -----------------------------------------------------------------------------------------

def _target_display(r: TargetEvaluation) -> str:
    ev = r.evaluation
    text = r.target_text
    if ev.target_value is None or ev.target_op is None:
        return text
    if ev.target_op == "between":
        resolved = f"{num(ev.target_value)}–{num(ev.target_value_high)}"
    else:
        resolved = f"{OP_SIGN.get(ev.target_op, '')}{num(derived(ev.target_value))}"
    plain = re.sub(r"[\s%％‰]", "", fold_width(text))
    if plain.lstrip("<>≤≥＜＞=") == num(ev.target_value) or re.fullmatch(r"[<>≤≥＜＞]?=?\d+(\.\d+)?", plain):
        return text
    return f"{text}（即{resolved}）"


def _chart(r: TargetEvaluation, year: int, direction: str | None) -> ChartSpec | None:
    ev = r.evaluation
    observed = [(y, v) for y, v in r.history if y <= year]
    baseline = ev.baseline if ev.baseline is not None else r.baseline
    baseline_year = ev.baseline_year if ev.baseline is not None else r.baseline_year
    if not observed and baseline is None:
        return None
    parsed = parse_target(r.target_text, direction)
    target, high, label = ev.target_value, ev.target_value_high, _target_display(r)
    if target is None and baseline is not None and parsed.kind not in ("direction", "qualitative", "none"):
        # no figure yet: the target still resolves against the baseline, so the path can be drawn
        resolved = evaluate(parsed, year=r.target_year, value=baseline, baseline=baseline,
                            baseline_year=baseline_year, target_year=r.target_year, direction=direction)
        target, high = resolved.target_value, resolved.target_value_high
        if target is not None and resolved.target_op and parsed.kind != "threshold":
            label = f"{r.target_text}（即{OP_SIGN.get(resolved.target_op, '')}{num(derived(target))}）" \
                if resolved.target_op != "between" else r.target_text
    return ChartSpec(title=r.name, unit=r.unit, year=year, baseline_year=baseline_year, baseline=baseline,
                     target_year=r.target_year, target_value=target, target_high=high,
                     target_label=label if target is not None else r.target_text, observed=observed,
                     example=r.example, direction_only=target is None and baseline is not None)


def _row(r: TargetEvaluation, year: int, plan_baseline_year: int, direction: str | None = None) -> IndicatorRow:
    ev = r.evaluation
    from_data = r.baseline is None and ev.baseline is not None
    if r.baseline is not None:
        base_display = r.baseline_text or num(r.baseline)
        if r.baseline_year not in (None, plan_baseline_year) and "年" not in base_display:
            base_display += f"（{r.baseline_year}年）"
    elif from_data:
        base_display = f"{num(ev.baseline)}（{ev.baseline_year}年监测值）"
    else:
        base_display = r.baseline_text or "—"
    if r.value is None:
        value_display = NO_DATA
    else:
        value_display = num(r.value) + (f"（{r.value_year}年）" if r.value_year != year else "")
    final = year >= r.target_year
    gap = derived(ev.gap)
    needed = derived(ev.needed_per_year)
    return IndicatorRow(
        target_id=r.target_id, code=r.code, name=r.name, domain=r.domain or "其他", unit=r.unit,
        property=r.property, binding=r.binding, baseline=ev.baseline if ev.baseline is not None else r.baseline,
        baseline_year=ev.baseline_year if ev.baseline is not None else r.baseline_year,
        baseline_display=base_display, baseline_from_data=from_data, value=r.value, value_year=r.value_year,
        value_display=value_display, target_text=r.target_text, target_year=r.target_year,
        target_display=_target_display(r), target_value=ev.target_value, status=ev.status,
        status_zh=STATUS_ZH[ev.status], expected=derived(ev.expected), gap=gap,
        gap_display=signed(gap) if gap is not None else "—", needed_per_year=needed,
        needed_display=signed(needed) if needed is not None and not final else "—",
        projection=derived(ev.projection), projection_meets=ev.projection_meets, explanation=ev.explanation,
        example=r.example, history=r.history, chart=_chart(r, year, direction))


def _counts(rows: list[IndicatorRow]) -> dict[str, dict[str, int]]:
    out = {}
    for label, subset in (("约束性", [r for r in rows if r.binding]), ("预期性", [r for r in rows if not r.binding]),
                          ("合计", rows)):
        out[label] = {k: sum(1 for r in subset if r.status == k) for k in STATUSES}
        out[label]["total"] = len(subset)
    return out


def _count_text(c: dict[str, int]) -> str:
    parts = [f"{STATUS_ZH[k]}{c[k]}项" for k in STATUSES if c[k]]
    return "，".join(parts) if parts else "无"


def _projects(s: Session, plan: m.Plan, year: int) -> tuple[list[ProjectRow], str | None, bool]:
    projects = s.scalars(select(m.Project).where(m.Project.plan_id == plan.id)
                         .order_by(m.Project.seq, m.Project.id)).all()
    if not projects:
        return [], "规划未列重点建设项目表，本节从略。", False
    progress = {}
    for p in s.scalars(select(m.ProjectProgress).where(m.ProjectProgress.project_id.in_([x.id for x in projects]),
                                                       m.ProjectProgress.year <= year)
                       .order_by(m.ProjectProgress.year)):
        progress[p.project_id] = p  # the latest up to the year
    rows, example = [], False
    for p in projects:
        pr = progress.get(p.id)
        start, end = p.start_year, p.end_year
        expected = None
        if start and end and end >= start:
            expected = round(min(100.0, max(0.0, (year - start + 1) / (end - start + 1) * 100)), 1)
        if pr is None:
            judgement, status = "暂无进展数据", NO_DATA
        else:
            status = pr.status + (f"（{pr.year}年）" if pr.year != year else "")
            example = example or pr.example
            if pr.status == "停建":
                judgement = "停建"
            elif pr.status == "完工":
                judgement = "已完工"
            elif expected is not None and pr.percent_complete is not None and pr.percent_complete + 5 < expected:
                judgement = "滞后于计划"
            else:
                judgement = "按计划推进"
        invest = p.total_investment_wan
        rows.append(ProjectRow(
            seq=p.seq, name=p.name, category=p.category,
            years=f"{start or '—'}–{end or '—'}", investment=num(invest) if invest is not None else "—",
            status=status, percent=pr.percent_complete if pr else None, spent=pr.spent_wan if pr else None,
            expected_percent=expected, judgement=judgement, comment=pr.comment if pr else None,
            example=bool(pr and pr.example)))
    return rows, None, example


def _resources(plan: m.Plan, year: int) -> tuple[list[ResourceRow] | None, str | None, list[str]]:
    """Required against current counts for each per-capita target (``healthplan.resources``)."""
    from ..resources.population import PopulationError
    from ..resources.requirements import requirements

    try:
        result = requirements(PlanDoc.model_validate(plan.document))
    except PopulationError:
        return None, "规划未给出常住人口数，无法把每千人口指标换算为床位、人员数量，本节从略（补充人口数据后可测算）。", []
    except HealthplanError as e:
        return None, f"资源缺口未能测算：{e.zh}", []
    rows = []
    for it in result.items:
        planned = next((x.planned for x in it.schedule if x.year == year), None)
        rows.append(ResourceRow(resource=it.resource, per=it.per, op=it.op, per_capita_target=it.per_capita_target,
                                target_year=it.target_year, population=it.population, required=it.required,
                                current=it.current, gap=it.gap, planned_in_year=planned))
    if not rows:
        return [], "规划中没有可换算为数量的每千（万）人口资源指标。", list(result.assumptions)
    return rows, None, list(result.assumptions)


def _findings(s: Session, plan: m.Plan) -> tuple[list[Finding] | None, str | None]:
    """Inconsistent figures in the plan document (``healthplan.checks.audit_plan`` on the stored plan)."""
    from ..checks import audit_plan

    try:
        doc = PlanDoc.model_validate(plan.document)
    except ValueError:  # a plan stored without its document (synthetic data)
        return None, "规划未保存原文提取结果，本节从略。"
    out = [Finding(severity=f.severity, check=f.check, message=f.message, lines=list(f.lines))
           for f in audit_plan(doc)]
    return out, (None if out else "未发现规划文本中的数据不一致。")


def _recommendations(rows: list[IndicatorRow], projects: list[ProjectRow], year: int, final: bool,
                     has_data: bool) -> list[Recommendation]:
    out: list[Recommendation] = []
    if not has_data:
        return [Recommendation(text=f"尽快建立指标监测制度，按年度收集并录入{len(rows)}项规划指标的数据"
                                    "（可用 healthplan template 生成填报表，再用 healthplan import 导入），"
                                    "以便开展监测评估。")]
    urgent = [r for r in rows if r.status in ("off_track", "behind")]
    urgent.sort(key=lambda r: (not r.binding, r.status != "off_track"))
    for r in urgent:
        du = diff_unit(r.unit)
        text = (f"{'【约束性】' if r.binding else ''}{r.name}：{r.value_year or year}年为{num(r.value)}{r.unit or ''}，"
                f"{r.status_zh}")
        if r.expected is not None and not final:
            text += f"（按序时进度应为{num(r.expected)}）"
        if r.gap is not None:
            text += f"，距{r.target_year}年目标（{r.target_display}）尚差{num(abs(r.gap))}{du}"
        if final:
            text += "。规划期内未实现目标，建议分析原因，作为下一规划期的重点任务。"
        elif r.needed_per_year is not None:
            verb = "提高" if r.needed_per_year > 0 else "降低"
            text += f"，今后每年需{verb}{num(abs(r.needed_per_year))}{du}方能如期达标。"
        else:
            text += "。"
        if r.status == "off_track":
            text += "该指标较基期反向变化，应查明原因，采取专项措施扭转趋势。"
        out.append(Recommendation(text=text, code=r.code, binding=r.binding, example=r.example))
    watch = [r for r in rows if r.status == "on_track" and r.projection_meets is False]
    if watch and not final:
        names = "、".join(r.name for r in watch)
        out.append(Recommendation(text=f"以下指标目前进度正常，但按现有趋势推算到目标年难以达标，需持续关注：{names}。",
                                  example=any(r.example for r in watch)))
    missing = [r for r in rows if r.status == "not_assessable"]
    if missing:
        names = "、".join(r.name for r in missing)
        out.append(Recommendation(text=f"以下指标无法评估（缺少监测数据、基期值或为定性目标），请补充数据或记录人工判断：{names}。"))
    late = [p for p in projects if p.judgement in ("滞后于计划", "停建")]
    if late:
        names = "、".join(f"{p.name}（{p.judgement}）" for p in late)
        out.append(Recommendation(text=f"重点建设项目进度需督促：{names}。建议协调资金与用地，明确完工时限。",
                                  example=any(p.example for p in late)))
    if not out:
        out.append(Recommendation(text="各项指标均已达标或进度正常，建议保持现有工作力度，巩固成果。",
                                  example=any(r.example for r in rows)))
    return out


METHODS = [
    "评估状态：已达标（当年值满足目标）；进度正常（未达标，但不差于从基期值到目标值的序时进度直线）；"
    "进度滞后（不差于基期值，但落后于序时进度）；逆向（较基期值反向变化）；无法评估（无数据、定性目标或缺少参照值）。",
    "差距 = 目标值 − 最新值（正数表示尚需提高，负数表示尚需降低）；每年需变化 = 差距 ÷ 距目标年的剩余年数。",
    "规划未列基期值的指标，以最早一年的监测值为评估起点（表中注明年份）。",
    "比较符未标明的目标值按指标方向理解：越高越好者为“不低于”，越低越好者为“不高于”。",
    "约束性指标排列在前；趋势推算采用最小二乘直线。",
]


def build_report(s: Session, region: str, year: int | None = None, kind: str = "midterm") -> Report:
    """The report for ``region`` (name, code or unique part of the name) in ``year``."""
    check_kind(kind)
    unit, region_full = find_region(s, region)
    plan = plan_for(s, unit, year)
    if year is None:
        year = default_year(kind, plan)
    pname = period_name(plan)
    evaluated = evaluate_plan(s, plan.id, year)
    directions = dict(s.execute(select(m.Target.id, m.Target.direction).where(m.Target.plan_id == plan.id)).all())
    rows = [_row(r, year, plan.period_start - 1, directions.get(r.target_id)) for r in evaluated]
    has_data = any(r.value is not None for r in rows)
    counts = _counts(rows)
    domains: dict[str, list[IndicatorRow]] = {}
    lines = {r.target_id: (r.line or 0) for r in evaluated}
    for r in sorted(rows, key=lambda r: lines[r.target_id]):
        domains.setdefault(r.domain, []).append(r)
    sections = [DomainSection(name=name, rows=sorted(rs, key=lambda r: not r.binding),
                              example=any(r.example for r in rs)) for name, rs in domains.items()]
    projects, projects_note, projects_example = _projects(s, plan, year)
    resources, resources_note, resource_notes = _resources(plan, year)
    findings, findings_note = _findings(s, plan)
    example = any(r.example for r in rows) or projects_example
    final = year >= plan.period_end
    kind_zh = KIND_ZH[kind]
    title = f"{region_full}“{pname}”卫生健康规划{kind_zh}（{year}年）"
    total = counts["合计"]
    n_binding = counts["约束性"]["total"]
    if has_data:
        summary_text = (f"《{plan.title or region_full + '“' + pname + '”卫生健康规划'}》共设主要指标{total['total']}项"
                        f"（约束性{n_binding}项、预期性{total['total'] - n_binding}项）。截至{year}年，"
                        f"已达标{total['achieved']}项，进度正常{total['on_track']}项，进度滞后{total['behind']}项，"
                        f"逆向{total['off_track']}项，无法评估{total['not_assessable']}项。")
    else:
        summary_text = (f"{NO_DATA}：截至{year}年，{region_full}尚未录入任何监测数据，"
                        f"规划所列{total['total']}项主要指标均无法评估。下表仅列出基期值和目标值；"
                        "录入监测数据后重新生成本报告即可得到评估结果。")
    if n_binding:
        binding_rows = [r for r in rows if r.binding]
        binding_text = (f"约束性指标{n_binding}项：{_count_text(counts['约束性'])}。"
                        + "".join(f"{r.name}{r.status_zh}；" for r in binding_rows).rstrip("；") + "。")
    else:
        binding_text = "本规划未标注约束性指标。"
    intro = {
        "monitoring": f"本报告依据{year}年及以前的监测数据，对{region_full}“{pname}”卫生健康规划主要指标的年度进展进行监测。",
        "midterm": f"本报告对{region_full}“{pname}”卫生健康规划（{plan.period_start}—{plan.period_end}年）实施情况进行中期评估，"
                   f"评估数据截至{year}年。",
        "final": f"本报告对{region_full}“{pname}”卫生健康规划（{plan.period_start}—{plan.period_end}年）目标完成情况进行终期评估，"
                 f"评估数据截至{year}年。",
    }[kind]
    if example:
        intro += "报告中的监测数值为示例数据，仅用于演示报告格式，不代表真实情况。"
    return Report(
        kind=kind, kind_zh=kind_zh, year=year, region=region_full, region_code=unit.code, plan_id=plan.id,
        plan_title=plan.title, period_name=pname, period_start=plan.period_start, period_end=plan.period_end,
        title=title, subtitle=f"评估对象：《{plan.title}》" if plan.title else f"评估对象：{region_full}“{pname}”卫生健康规划",
        generated=date.today().isoformat(), example=example, has_data=has_data, intro=intro,
        summary_text=summary_text, binding_text=binding_text, counts=counts, rows=rows, domains=sections,
        projects=projects, projects_note=projects_note, projects_example=projects_example, resources=resources,
        resources_note=resources_note, resource_assumptions=resource_notes, findings=findings,
        findings_note=findings_note,
        recommendations=_recommendations(rows, projects, year, final, has_data),
        recommendations_title="对下一规划期的建议" if kind == "final" else "问题与建议", methods=METHODS)
