"""WISN: WHO's Workload Indicators of Staffing Need (按工作量测算人员需求).

For one staff category in one facility (WHO, *Workload indicators of staffing need: user's manual*, 2010):

1. **Available working time** (AWT, 年可用工作时间) = (working days − absences: public holidays,
   annual leave, sick leave, training, other) × working hours per day.
2. **Health service activities** (卫生服务活动) with a service standard (minutes per activity, or
   activities per hour). **Standard workload** = AWT ÷ time per activity (activities one worker can
   do in a year). Staff for the activity = annual workload ÷ standard workload. Their sum is *A*.
3. **Category allowance** (类别补贴, support activities everyone in the category does: meetings,
   records …) as a percentage of working time, or hours per year turned into a percentage of AWT.
   **CAF** = 1 ÷ (1 − total CAS % ÷ 100).
4. **Individual allowance** (个人补贴, activities only some staff do: supervision, teaching), hours per
   year for the staff who do them. **IAF** = total IAS hours ÷ AWT (in whole-time staff).
5. **Required staff** = A × CAF + IAF. **WISN ratio** = current ÷ required (1: balanced; below 1:
   shortage, the lower the greater the workload pressure; above 1: more staff than the workload needs).
   **Difference** = current − required. Required staff is also given rounded up to whole persons.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, Field

from ..errors import HealthplanError
from ._fmt import num


class WisnError(HealthplanError):
    """WISN inputs that cannot be used (WISN参数不正确)."""


class WorkingTime(BaseModel):
    days: float = 260  # 52 weeks × 5 days
    public_holidays: float = 0
    annual_leave: float = 0
    sick_leave: float = 0
    training: float = 0
    other: float = 0
    hours_per_day: float = 8

    @property
    def absent(self) -> float:
        return self.public_holidays + self.annual_leave + self.sick_leave + self.training + self.other

    @property
    def available_days(self) -> float:
        return self.days - self.absent

    @property
    def hours(self) -> float:
        return self.available_days * self.hours_per_day


class Activity(BaseModel):
    """A health service activity: annual volume and its service standard."""

    name: str
    workload: float  # activities per year (outpatient visits, inpatient days …)
    minutes: float | None = None  # service standard: minutes per activity
    per_hour: float | None = None  # or activities per hour

    def minutes_each(self) -> float:
        if self.minutes:
            return self.minutes
        if self.per_hour:
            return 60 / self.per_hour
        raise WisnError(f"活动“{self.name}”缺少服务标准（每次分钟数或每小时次数）。",
                        f"Activity '{self.name}' needs a service standard.")


class Allowance(BaseModel):
    """A support activity (category) or an additional activity (individual).

    Category: ``percent`` of working time, or ``hours`` per year per worker. Individual: ``hours`` per
    year for each of ``staff`` workers who do it.
    """

    name: str
    percent: float | None = None
    hours: float | None = None
    staff: float = 1


class ActivityNeed(BaseModel):
    name: str
    workload: float
    minutes: float
    standard_workload: float
    staff: float


class WisnResult(BaseModel):
    category: str
    facility: str | None
    available_hours: float
    activities: list[ActivityNeed]
    service_staff: float  # A
    cas_percent: float
    caf: float
    iaf: float
    required: float
    required_whole: int
    current: float
    ratio: float | None
    difference: float
    explanation: str
    steps: list[str] = Field(default_factory=list)


def wisn(category: str, working_time: WorkingTime, activities: list[Activity], current: float, *,
         category_allowances: list[Allowance] | None = None,
         individual_allowances: list[Allowance] | None = None, facility: str | None = None) -> WisnResult:
    awt = working_time.hours
    if awt <= 0:
        raise WisnError("年可用工作时间不是正数：请检查工作日与各类缺勤天数。", "Available working time is not positive.")
    steps = [f"年可用工作时间 = ({num(working_time.days)} − {num(working_time.absent)})天 × "
             f"{num(working_time.hours_per_day)}小时 = {num(awt)}小时"]
    needs = []
    for a in activities:
        minutes = a.minutes_each()
        standard = awt * 60 / minutes
        staff = a.workload / standard
        needs.append(ActivityNeed(name=a.name, workload=a.workload, minutes=minutes, standard_workload=standard,
                                  staff=staff))
        steps.append(f"{a.name}：标准工作量 = {num(awt)} × 60 ÷ {num(minutes)}分钟 = {num(standard)}次/年；"
                     f"需要 {num(a.workload)} ÷ {num(standard)} = {num(staff, 4)}人")
    service = sum(n.staff for n in needs)
    cas = 0.0
    for c in category_allowances or []:
        share = c.percent if c.percent is not None else (c.hours or 0) / awt * 100
        cas += share
    if cas >= 100:
        raise WisnError(f"类别补贴合计{num(cas)}%，不小于100%，无法计算。", "Category allowances add up to 100 % or more.")
    caf = 1 / (1 - cas / 100)
    iaf = sum((i.hours or 0) * i.staff for i in individual_allowances or []) / awt
    required = service * caf + iaf
    whole = math.ceil(required - 1e-9)
    ratio = current / required if required > 0 else None
    steps.append(f"卫生服务活动需要 A = {' + '.join(num(n.staff, 4) for n in needs) or '0'} = {num(service, 4)}人")
    steps.append(f"类别补贴合计{num(cas, 4)}%，CAF = 1 ÷ (1 − {num(cas / 100, 4)}) = {num(caf, 4)}")
    steps.append(f"个人补贴 IAF = {num(iaf * awt)}小时 ÷ {num(awt)}小时 = {num(iaf, 4)}人")
    steps.append(f"需要人员 = {num(service, 4)} × {num(caf, 4)} + {num(iaf, 4)} = {num(required, 4)}人，向上取整为{whole}人")
    if ratio is not None:
        word = "基本平衡" if abs(ratio - 1) < 0.05 else ("人员不足，工作负荷偏重" if ratio < 1 else "人员多于工作量所需")
        steps.append(f"WISN比值 = 现有{num(current)} ÷ 需要{num(required, 4)} = {num(ratio, 4)}（{word}）；"
                     f"差额 = {num(current)} − {num(required, 4)} = {num(current - required, 4)}人")
    where = f"{facility}" if facility else ""
    text = f"{where}{category}WISN测算：" + "；".join(steps) + "。"
    return WisnResult(category=category, facility=facility, available_hours=awt, activities=needs,
                      service_staff=service, cas_percent=cas, caf=caf, iaf=iaf, required=required,
                      required_whole=whole, current=current, ratio=ratio, difference=current - required,
                      explanation=text, steps=steps)

