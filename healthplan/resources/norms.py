"""Staffing and bed norms as rules (配置标准规则), switchable and editable per region.

The rules are the ones 南宫 states (lines 209–210 and 407–409 of its plan; BRIEF §5). Each rule names
the inputs it needs; a missing input makes it ``needs_data`` with the required figure still computed,
so a planner sees what the norm asks for before the data exist.

A region's configuration is a dict (or a YAML file) of rules with ``enabled`` and the parameters to
change, merged over :data:`DEFAULT_NORMS`::

    rules:
      infectious_beds: {enabled: true, beds: 50, population_low: 300000, population_high: 500000}
      health_inspectors: {per_10k_low: 1.0, per_10k_high: 1.5}
      village_doctors: {enabled: false}

Inputs (all optional): ``infectious_beds``, ``psychiatrists``, ``psychiatric_nurses``, ``rehab_doctors``,
``rehab_therapists``, ``cdc_staff``, ``village_doctors``, ``health_inspectors``, ``mch_staff``,
``health_education_staff``, ``rural_population``, and ``hospitals``: a list of
``{"name", "public": bool, "general": bool, "occupancy": 0.72, "alos": 9.4, "new_beds": 240}``
(``hospitals_from_plan`` fills name and new beds from a plan's beds table).
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any, Callable, Literal

import yaml
from pydantic import BaseModel, Field

from ..errors import HealthplanError
from ..plan import Plan
from ._fmt import num, pct

Status = Literal["pass", "fail", "needs_data", "not_applicable"]
STATUS_ZH = {"pass": "符合", "fail": "不符合", "needs_data": "需补充数据", "not_applicable": "不适用"}


class NormConfigError(HealthplanError):
    """A norm configuration that cannot be used (配置标准设置错误)."""


DEFAULT_NORMS: dict[str, dict[str, Any]] = {
    "new_beds_occupancy": {"enabled": True, "occupancy_below": 0.75, "alos_above": 9.0,
                           "source": "公立综合医院床位使用率低于75%、平均住院日高于9天，不再增加床位（南宫规划第210行）"},
    "infectious_beds": {"enabled": True, "beds": 50, "population_low": 300000, "population_high": 500000,
                        "source": "传染病救治床位按30-50万人口不低于50张配置（南宫规划第209行）"},
    "psychiatry": {"enabled": True, "doctors_per_100k": 4.0, "nurses_per_100k": 8.68,
                   "source": "每10万人口精神科医师数达到4人，精神科注册护士数不低于8.68人（南宫规划第407行）"},
    "rehabilitation": {"enabled": True, "doctors_per_100k": 8.0, "therapists_per_100k": 12.0,
                       "source": "每10万人口康复医师数达到8人，康复治疗师达到12人（南宫规划第407行）"},
    "cdc_staff": {"enabled": True, "per_10k": 1.75,
                  "source": "每万人口疾病预防控制机构人员数达到1.75人（南宫规划第409行）"},
    "village_doctors": {"enabled": True, "per_1000": 1.0, "basis": "total",
                        "source": "按照每千人口不少于1名的标准配置乡村医生或乡村执业（助理）医师（南宫规划第408行）"},
    "health_inspectors": {"enabled": True, "per_10k_low": 1.0, "per_10k_high": 1.5,
                          "source": "卫生监督员按每万人口配备1-1.5名（南宫规划第409行）"},
    "mch_staff": {"enabled": True, "per_10k": 1.0,
                  "source": "妇幼保健机构保健人员按每万名人口配备1名（南宫规划第409行）"},
    "health_education": {"enabled": True, "per_100k": 1.75,
                          "source": "健康教育专业机构人员按1.75人/10万配置（南宫规划第409行）"},
}
RULE_ZH = {"new_beds_occupancy": "新增床位的使用率与住院日条件", "infectious_beds": "传染病救治床位",
           "psychiatry": "精神科医师与护士", "rehabilitation": "康复医师与康复治疗师", "cdc_staff": "疾控机构人员",
           "village_doctors": "乡村医生", "health_inspectors": "卫生监督员", "mch_staff": "妇幼保健人员",
           "health_education": "健康教育专业人员"}


class RuleResult(BaseModel):
    rule: str
    title: str
    status: Status
    needs: list[str] = Field(default_factory=list)  # inputs the rule uses
    missing: list[str] = Field(default_factory=list)  # inputs it did not get
    required: dict[str, float] = Field(default_factory=dict)
    actual: dict[str, float] = Field(default_factory=dict)
    explanation: str

    @property
    def status_zh(self) -> str:
        return STATUS_ZH[self.status]


def load_norms(config: dict | str | Path | None = None) -> dict[str, dict[str, Any]]:
    """The defaults with a region's changes merged over them (a dict, or a YAML file path)."""
    rules = copy.deepcopy(DEFAULT_NORMS)
    if config is None:
        return rules
    if isinstance(config, (str, Path)):
        path = Path(config)
        try:
            config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as e:
            raise NormConfigError(f"无法读取配置标准文件：{e}", f"Cannot read the norms file: {e}", str(path)) from e
    changes = config.get("rules", config) if isinstance(config, dict) else None
    if not isinstance(changes, dict):
        raise NormConfigError("配置标准应为“规则名: {参数}”的字典。", "Norms config must map rule names to settings.")
    for name, settings in changes.items():
        if name not in rules:
            raise NormConfigError(f"没有名为“{name}”的配置标准规则；可用：{'、'.join(rules)}。", f"Unknown rule '{name}'.")
        if isinstance(settings, bool):
            settings = {"enabled": settings}
        if not isinstance(settings, dict):
            raise NormConfigError(f"规则“{name}”的设置应为字典，如 {{enabled: false}}。", f"Bad settings for '{name}'.")
        unknown = set(settings) - set(rules[name])
        if unknown:
            raise NormConfigError(f"规则“{name}”没有参数：{'、'.join(sorted(unknown))}；可用：{'、'.join(rules[name])}。",
                                  f"Unknown parameters for '{name}': {sorted(unknown)}.")
        rules[name].update(settings)
    return rules


def _need(rate: float, population: float, per: float) -> tuple[float, int]:
    exact = rate * population / per
    return exact, math.ceil(exact - 1e-9)


def _staff_rule(rule: str, items: list[tuple[str, str, float, float]], population: float, inputs: dict,
                source: str) -> RuleResult:
    """Staff at least ``rate`` per ``per`` people, for each (input key, name, rate, per)."""
    required, actual, missing, parts, failed = {}, {}, [], [], False
    for key, name, rate, per in items:
        exact, need = _need(rate, population, per)
        required[key] = need
        given = inputs.get(key)
        calc = f"{name}：{num(rate, 4)} × {num(population, 0)} ÷ {per:g} = {num(exact)} → 至少{num(need)}人"
        if given is None:
            missing.append(key)
            parts.append(calc + "，现有数未知")
        else:
            actual[key] = float(given)
            ok = given >= need
            failed |= not ok
            parts.append(calc + f"，现有{num(given)}人，" + ("符合" if ok else f"缺{num(need - given)}人"))
    status: Status = "fail" if failed else ("needs_data" if missing else "pass")
    text = f"{RULE_ZH[rule]}（{source}）：" + "；".join(parts) + "。"
    if missing:
        text += "需补充：" + "、".join(INPUT_ZH.get(k, k) for k in missing) + "。"
    return RuleResult(rule=rule, title=RULE_ZH[rule], status=status, needs=[k for k, *_ in items], missing=missing,
                      required=required, actual=actual, explanation=text)


INPUT_ZH = {"infectious_beds": "传染病救治床位数", "psychiatrists": "精神科执业（助理）医师数",
            "psychiatric_nurses": "精神科注册护士数", "rehab_doctors": "康复医师数", "rehab_therapists": "康复治疗师数",
            "cdc_staff": "疾病预防控制机构人员数", "village_doctors": "乡村医生和乡村执业（助理）医师数",
            "health_inspectors": "卫生监督员数", "mch_staff": "妇幼保健机构保健人员数",
            "health_education_staff": "健康教育专业机构人员数", "rural_population": "乡村人口",
            "occupancy": "床位使用率", "alos": "平均住院日", "new_beds": "计划新增床位数"}


def rule_new_beds(p: dict, population: float, inputs: dict) -> RuleResult:
    hospitals = [h for h in inputs.get("hospitals", []) if h.get("public", True) and h.get("general", True)]
    needs = ["hospitals[].occupancy", "hospitals[].alos", "hospitals[].new_beds"]
    head = f"{RULE_ZH['new_beds_occupancy']}（{p['source']}）："
    if not hospitals:
        return RuleResult(rule="new_beds_occupancy", title=RULE_ZH["new_beds_occupancy"], status="needs_data",
                          needs=needs, missing=["hospitals"],
                          explanation=head + "没有公立综合医院的数据（名称、床位使用率、平均住院日、计划新增床位）。")
    parts, missing, failed = [], [], False
    for h in hospitals:
        name = h.get("name", "（未命名医院）")
        new = h.get("new_beds")
        occ, alos = h.get("occupancy"), h.get("alos")
        if new is not None and new <= 0:
            parts.append(f"{name}不新增床位（{num(new)}张），不受此条限制")
            continue
        gaps = [k for k, v in (("occupancy", occ), ("alos", alos)) if v is None]
        if gaps:
            missing += [f"{name}.{k}" for k in gaps]
            parts.append(f"{name}计划新增{num(new) if new is not None else '?'}张床，缺少"
                         + "、".join(INPUT_ZH[k] for k in gaps) + "，无法判断")
            continue
        blocked = occ < p["occupancy_below"] and alos > p["alos_above"]
        failed |= blocked and (new is None or new > 0)
        cond = (f"床位使用率{pct(occ)}{'<' if occ < p['occupancy_below'] else '≥'}{pct(p['occupancy_below'])}，"
                f"平均住院日{num(alos, 2)}天{'>' if alos > p['alos_above'] else '≤'}{num(p['alos_above'], 2)}天")
        parts.append(f"{name}：{cond}，" + (f"不应新增床位（计划新增{num(new)}张）" if blocked else
                                           f"可以新增床位（计划新增{num(new) if new is not None else '?'}张）"))
    status: Status = "fail" if failed else ("needs_data" if missing else "pass")
    return RuleResult(rule="new_beds_occupancy", title=RULE_ZH["new_beds_occupancy"], status=status, needs=needs,
                      missing=missing, explanation=head + "；".join(parts) + "。")


def rule_infectious(p: dict, population: float, inputs: dict) -> RuleResult:
    """≥ ``beds`` per ``population_low``–``population_high`` people.

    Read as: at least ``beds`` for a population up to ``population_high`` (the lenient end: 50 beds for
    500,000 people), and ``beds`` × population ÷ ``population_high`` beyond; the strict end
    (÷ ``population_low``) is reported beside it.
    """
    lenient = p["beds"] * max(1.0, population / p["population_high"])
    strict = p["beds"] * max(1.0, population / p["population_low"])
    need, need_strict = math.ceil(lenient - 1e-9), math.ceil(strict - 1e-9)
    given = inputs.get("infectious_beds")
    calc = (f"{num(population, 0)}人口：按{num(p['beds'])}张/{num(p['population_high'] / 10000)}万人测算至少{num(need)}张"
            f"（按{num(p['beds'])}张/{num(p['population_low'] / 10000)}万人的严格口径为{num(need_strict)}张）")
    head = f"{RULE_ZH['infectious_beds']}（{p['source']}）：{calc}"
    if given is None:
        return RuleResult(rule="infectious_beds", title=RULE_ZH["infectious_beds"], status="needs_data",
                          needs=["infectious_beds"], missing=["infectious_beds"],
                          required={"infectious_beds": need, "infectious_beds_strict": need_strict},
                          explanation=head + "；需补充：传染病救治床位数。")
    ok = given >= need
    tail = (f"；现有{num(given)}张，" + ("符合" if ok else f"缺{num(need - given)}张")
            + ("" if not ok or given >= need_strict else "（未达到严格口径）") + "。")
    return RuleResult(rule="infectious_beds", title=RULE_ZH["infectious_beds"], status="pass" if ok else "fail",
                      needs=["infectious_beds"],
                      required={"infectious_beds": need, "infectious_beds_strict": need_strict},
                      actual={"infectious_beds": float(given)}, explanation=head + tail)


def rule_psychiatry(p: dict, population: float, inputs: dict) -> RuleResult:
    return _staff_rule("psychiatry", [("psychiatrists", "精神科医师", p["doctors_per_100k"], 100000),
                                      ("psychiatric_nurses", "精神科注册护士", p["nurses_per_100k"], 100000)],
                       population, inputs, p["source"])


def rule_rehabilitation(p: dict, population: float, inputs: dict) -> RuleResult:
    return _staff_rule("rehabilitation", [("rehab_doctors", "康复医师", p["doctors_per_100k"], 100000),
                                          ("rehab_therapists", "康复治疗师", p["therapists_per_100k"], 100000)],
                       population, inputs, p["source"])


def rule_cdc(p: dict, population: float, inputs: dict) -> RuleResult:
    return _staff_rule("cdc_staff", [("cdc_staff", "疾控机构人员", p["per_10k"], 10000)], population, inputs, p["source"])


def rule_village(p: dict, population: float, inputs: dict) -> RuleResult:
    basis = population
    source = p["source"]
    if p.get("basis") == "rural":
        rural = inputs.get("rural_population")
        if rural is None:
            return RuleResult(rule="village_doctors", title=RULE_ZH["village_doctors"], status="needs_data",
                              needs=["village_doctors", "rural_population"], missing=["rural_population"],
                              explanation=f"{RULE_ZH['village_doctors']}（{source}）：按乡村人口测算，需补充：乡村人口。")
        basis = rural
        source += "，按乡村人口测算"
    return _staff_rule("village_doctors", [("village_doctors", "乡村医生", p["per_1000"], 1000)], basis, inputs, source)


def rule_inspectors(p: dict, population: float, inputs: dict) -> RuleResult:
    lo_exact, lo = _need(p["per_10k_low"], population, 10000)
    hi_exact = p["per_10k_high"] * population / 10000
    hi = math.floor(hi_exact + 1e-9)
    given = inputs.get("health_inspectors")
    head = (f"{RULE_ZH['health_inspectors']}（{p['source']}）：({num(p['per_10k_low'], 2)}–{num(p['per_10k_high'], 2)}) × "
            f"{num(population, 0)} ÷ 10000 = {num(lo_exact)}–{num(hi_exact)}，即{num(lo)}–{num(hi)}人")
    req = {"health_inspectors": lo, "health_inspectors_max": hi}
    if given is None:
        return RuleResult(rule="health_inspectors", title=RULE_ZH["health_inspectors"], status="needs_data",
                          needs=["health_inspectors"], missing=["health_inspectors"], required=req,
                          explanation=head + "；需补充：卫生监督员数。")
    if given < lo:
        status, tail = "fail", f"；现有{num(given)}人，缺{num(lo - given)}人。"
    elif given > hi:
        status, tail = "pass", f"；现有{num(given)}人，高于标准上限{num(hi)}人（不少于下限，判为符合）。"
    else:
        status, tail = "pass", f"；现有{num(given)}人，符合。"
    return RuleResult(rule="health_inspectors", title=RULE_ZH["health_inspectors"], status=status,
                      needs=["health_inspectors"], required=req, actual={"health_inspectors": float(given)},
                      explanation=head + tail)


def rule_mch(p: dict, population: float, inputs: dict) -> RuleResult:
    return _staff_rule("mch_staff", [("mch_staff", "妇幼保健人员", p["per_10k"], 10000)], population, inputs,
                       p["source"])


def rule_health_education(p: dict, population: float, inputs: dict) -> RuleResult:
    return _staff_rule("health_education", [("health_education_staff", "健康教育专业人员", p["per_100k"], 100000)],
                       population, inputs, p["source"])


RULES: dict[str, Callable[[dict, float, dict], RuleResult]] = {
    "new_beds_occupancy": rule_new_beds, "infectious_beds": rule_infectious, "psychiatry": rule_psychiatry,
    "rehabilitation": rule_rehabilitation, "cdc_staff": rule_cdc, "village_doctors": rule_village,
    "health_inspectors": rule_inspectors, "mch_staff": rule_mch, "health_education": rule_health_education,
}


def check_norms(population: float, inputs: dict | None = None,
                config: dict | str | Path | None = None) -> list[RuleResult]:
    """Every enabled rule for ``population`` with the ``inputs`` at hand."""
    if population <= 0:
        raise NormConfigError("人口数应为正数。", "Population must be positive.")
    rules = load_norms(config)
    inputs = inputs or {}
    return [RULES[name](params, population, inputs) for name, params in rules.items() if params.get("enabled", True)]


GENERAL_EXCLUDE = ("中医", "中西医", "妇幼", "精神", "传染", "肿瘤", "儿童", "口腔", "眼科", "康复", "卫生院",
                   "社区卫生服务", "妇产", "骨科")


def hospitals_from_plan(plan: Plan) -> list[dict]:
    """Public general hospitals of a plan's beds table with their planned new beds (target − current).

    A hospital counts as a public general hospital when it is not in a 非公立, 卫生院 or 社区 category,
    its name ends in 医院 and names no specialty (中医, 妇幼, 精神 …) —
    a name heuristic; pass ``hospitals`` yourself when it is wrong.
    """
    out = []
    for t in plan.facility_tables:
        if t.kind != "beds":
            continue
        cols = {(c.measure, c.year): i for i, c in enumerate(t.columns)}
        years = sorted({c.year for c in t.columns if c.year})
        if len(years) < 2:
            continue
        now = cols.get(("beds_actual", years[0]), cols.get(("beds", years[0])))
        then = cols.get(("beds", years[-1]))
        if now is None or then is None:
            continue
        for r in t.rows:
            name = r.facility or ""
            if r.subtotal or r.total or not name.endswith("医院") or any(w in name for w in GENERAL_EXCLUDE):
                continue
            if r.category and any(w in r.category for w in ("非公立", "卫生院", "社区")):
                continue
            new = (r.values[then] or 0) - (r.values[now] or 0)
            out.append({"name": name, "public": True, "general": True, "new_beds": new, "occupancy": None,
                        "alos": None})
    return out
