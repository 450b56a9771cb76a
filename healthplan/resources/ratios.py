"""医护比 of a requirement report: nurses per doctor now and as required, against the plan's 1:x target.

x = 注册护士 ÷ 执业（助理）医师 (catalog HR-DN). *Current* divides the report's current counts, *required*
the counts the per-1000 targets need in the report's year; the plan's own 医护比 row, where it has one,
gives the target and the baseline. Plans without a 医护比 row still get the two computed ratios.
"""

from __future__ import annotations

from pydantic import BaseModel

from ..catalog import Catalog, load_catalog
from ..plan import Plan
from ._fmt import num
from .facilities import _ratio_target
from .requirements import RequirementReport

DOCTORS, NURSES = "执业（助理）医师", "注册护士"


class NurseDoctorRatio(BaseModel):
    """医护比 1:x for one report year (x = nurses per doctor)."""

    year: int
    current: float | None  # current nurses ÷ current doctors
    required: float | None  # nurses ÷ doctors that the per-1000 targets need in ``year``
    target: float | None = None  # the plan's 医护比 target (x of 1:x)
    target_text: str | None = None
    baseline: float | None = None
    met: bool | None = None  # required (the planned staffing) reaches the target
    explanation: str


def nurse_doctor_ratio(plan: Plan, report: RequirementReport, catalog: Catalog | None = None) -> NurseDoctorRatio | None:
    """医护比 from the report's doctors and nurses; None when the report lacks either of them."""
    doctors, nurses = report.get(DOCTORS), report.get(NURSES)
    if doctors is None or nurses is None:
        return None
    row, target, baseline = _ratio_target(plan, catalog or load_catalog(), "HR-DN")
    current = nurses.current / doctors.current if doctors.current and nurses.current is not None else None
    required = nurses.required / doctors.required if doctors.required else None
    parts = []
    if current is not None:
        parts.append(f"现有注册护士{num(nurses.current)}人 ÷ 执业（助理）医师{num(doctors.current)}人 = "
                     f"{num(current, 4)}，即1:{num(current, 2)}")
    if required is not None:
        parts.append(f"按每千人口目标，{report.year}年需要注册护士{num(nurses.required)}人 ÷ 医师{num(doctors.required)}人 = "
                     f"{num(required, 4)}，即1:{num(required, 2)}")
    met = None
    if row is not None and target is not None:
        met = required is not None and required >= target - 0.005  # 1:1.09 is met by 1.0858 (two decimals)
        parts.append(f"规划目标1:{num(target, 2)}（第{row.line}行）" + ("，按人均目标配置可达到" if met else "，按人均目标配置达不到"))
    return NurseDoctorRatio(year=report.year, current=current, required=required, target=target,
                            target_text=row.target.text if row is not None else None, baseline=baseline, met=met,
                            explanation="医护比：" + "；".join(parts) + "。")
