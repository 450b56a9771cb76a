"""Bed need by the Hill-Burton formula (床位需求的Hill-Burton法), beside the per-1000 result.

    beds = population × admissions per person per year × average length of stay ÷ (365 × target occupancy)

Inputs are stated and editable. The defaults are assumptions, not facts of any plan:

- admission rate 0.17 admissions per person per year (年住院率17%): China's resident hospitalisation
  rate was about 16–19 % in 2019–2021 according to the yearly 《我国卫生健康事业发展统计公报》 (check
  the bulletin of the year you use);
- average length of stay 9 days (平均住院日): national hospitals were around 9–10 days in those years,
  and 南宫's own rule treats more than 9 days as too long for new beds;
- target occupancy 0.85 (目标床位使用率85%): BRIEF §5, "occupancy targets around 0.85".

A region should replace them with its own 住院率 and 平均住院日 (from its 卫生统计年报).
"""

from __future__ import annotations

import math

from pydantic import BaseModel, Field

from ._fmt import num, pct
from .population import PopulationSeries
from .requirements import Requirement, ResourceInputError

DEFAULT_SOURCES = {
    "admission_rate": "假定：全国居民年住院率约16%–19%，取0.17",
    "alos": "假定：医院平均住院日约9天，南宫规划以9天为新增床位的界限",
    "occupancy": "假定：目标床位使用率约85%",
}


class HillBurtonInputs(BaseModel):
    """The three inputs, each with where it came from."""

    admission_rate: float = 0.17  # admissions per person per year
    alos: float = 9.0  # average length of stay, days
    occupancy: float = 0.85  # target bed occupancy, 0–1
    sources: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_SOURCES))

    def model_post_init(self, _context) -> None:
        if not 0 < self.occupancy <= 1:
            raise ResourceInputError(f"目标床位使用率应为0到1之间的小数（如0.85），而给出的是{num(self.occupancy, 4)}。",
                                     f"Occupancy must be a fraction in (0, 1], not {self.occupancy}.")
        if self.alos <= 0:
            raise ResourceInputError(f"平均住院日应为正数，而给出的是{num(self.alos, 4)}。",
                                     f"Average length of stay must be positive, not {self.alos}.")
        if not 0 <= self.admission_rate <= 5:
            raise ResourceInputError(f"年住院率应为每人每年住院次数（如0.17），而给出的是{num(self.admission_rate, 4)}。",
                                     f"Admission rate is admissions per person per year (e.g. 0.17), "
                                     f"not {self.admission_rate}.")

    def with_(self, **changes) -> "HillBurtonInputs":
        """A copy with some inputs replaced; a replaced input's source says it was given by the user."""
        changes = {k: v for k, v in changes.items() if v is not None}
        sources = dict(self.sources)
        for k in changes:
            sources[k] = "用户给出"
        return HillBurtonInputs(**{**self.model_dump(exclude={"sources"}), **changes, "sources": sources})


class HillBurtonResult(BaseModel):
    year: int | None
    population: float
    inputs: HillBurtonInputs
    admissions: float
    patient_days: float
    beds_exact: float
    beds: int
    per_1000: float
    explanation: str


def hill_burton(population: float, inputs: HillBurtonInputs | None = None, year: int | None = None) -> HillBurtonResult:
    """Beds needed for ``population`` (rounded up: beds enough for the patient days at the target occupancy)."""
    if population <= 0:
        raise ResourceInputError(f"人口数应为正数，而给出的是{num(population)}。", "Population must be positive.")
    i = inputs or HillBurtonInputs()
    admissions = population * i.admission_rate
    days = admissions * i.alos
    exact = days / (365 * i.occupancy)
    beds = math.ceil(exact - 1e-9)
    when = f"{year}年" if year else ""
    text = (f"Hill-Burton法：{when}床位需求 = 人口 × 年住院率 × 平均住院日 ÷ (365 × 目标床位使用率) = "
            f"{num(population, 0)} × {num(i.admission_rate, 4)} × {num(i.alos, 2)} ÷ (365 × {num(i.occupancy, 4)}) = "
            f"{num(days, 0)}床日 ÷ {num(365 * i.occupancy, 2)} = {num(exact)}，向上取整为{num(beds)}张"
            f"（折合每千人口{num(beds / population * 1000, 2)}张）。"
            f"参数：年住院率{pct(i.admission_rate)}（{i.sources.get('admission_rate', '')}）；"
            f"平均住院日{num(i.alos, 2)}天（{i.sources.get('alos', '')}）；"
            f"目标床位使用率{pct(i.occupancy)}（{i.sources.get('occupancy', '')}）。")
    return HillBurtonResult(year=year, population=population, inputs=i, admissions=admissions, patient_days=days,
                            beds_exact=exact, beds=beds, per_1000=beds / population * 1000, explanation=text)


class BedComparison(BaseModel):
    """Hill-Burton and per-1000 side by side for one year."""

    year: int
    population: float
    hill_burton: HillBurtonResult
    per_1000_target: float | None
    per_1000_beds: int | None
    difference: int | None  # Hill-Burton − per-1000
    occupancy_at_per_1000: float | None  # the occupancy the per-1000 beds would run at with these inputs
    explanation: str


def compare_beds(population: PopulationSeries, year: int, beds: Requirement | None = None,
                 inputs: HillBurtonInputs | None = None) -> BedComparison:
    """Hill-Burton beside the per-1000 requirement (``beds``, the 床位 row of :func:`requirements`)."""
    pop = population.at(year)
    hb = hill_burton(pop, inputs, year)
    lines = [hb.explanation]
    diff = occ = None
    if beds is not None:
        diff = hb.beds - beds.required
        occ = hb.patient_days / (365 * beds.required) if beds.required else None
        word = "多" if diff > 0 else "少"
        lines.append(f"按每千人口{num(beds.per_capita_target, 4)}张测算为{num(beds.required)}张；Hill-Burton法比它{word}"
                     f"{num(abs(diff))}张。" if diff else f"与按每千人口{num(beds.per_capita_target, 4)}张测算的"
                     f"{num(beds.required)}张相同。")
        if occ is not None:
            lines.append(f"若按每千人口标准配置{num(beds.required)}张床，在上述住院率和住院日下床位使用率约为{pct(occ)}"
                         f"（{num(hb.patient_days, 0)} ÷ (365 × {num(beds.required)})）。")
    return BedComparison(year=year, population=pop, hill_burton=hb,
                         per_1000_target=beds.per_capita_target if beds else None,
                         per_1000_beds=beds.required if beds else None, difference=diff,
                         occupancy_at_per_1000=occ, explanation="".join(lines))
