"""Resource planning (资源配置测算): how many beds, doctors and nurses, where, and when.

- :mod:`.population` — populations year by year from stated figures or a growth rate
- :mod:`.targets` — a plan's per-capita targets read into numbers
- :mod:`.requirements` — required, current, gap and yearly increments per resource
- :mod:`.hill_burton` — bed need from admissions, length of stay and occupancy
- :mod:`.facilities` — facility tables reconciled with the targets; what-if reallocation
- :mod:`.norms` — staffing and bed norms as rules, switchable per region
- :mod:`.wisn` — staffing by workload (WHO WISN)
- :mod:`.equity` — Gini, Theil (with decomposition) and 集聚度
- :mod:`.scenarios` — named scenarios saved as JSON, compared, exported to Excel
- :mod:`.cli` — ``healthplan resources …`` (``register(app)``)

Everything works from a :class:`~healthplan.plan.Plan` alone; the store is optional (``--db``).
"""

from .equity import Unit, agglomeration, gini, theil
from .facilities import Reconciliation, reallocate, reconcile
from .hill_burton import HillBurtonInputs, compare_beds, hill_burton
from .norms import check_norms, load_norms
from .population import PopulationError, PopulationSeries, from_plan, from_points, from_rate
from .requirements import Requirement, RequirementReport, requirements
from .scenarios import Scenario, compare, load_scenario, run_scenario, save_scenario, to_xlsx
from .wisn import Activity, Allowance, WorkingTime, wisn

__all__ = [
    "Unit", "agglomeration", "gini", "theil", "Reconciliation", "reallocate", "reconcile", "HillBurtonInputs",
    "compare_beds", "hill_burton", "check_norms", "load_norms", "PopulationError", "PopulationSeries", "from_plan",
    "from_points", "from_rate", "Requirement", "RequirementReport", "requirements", "Scenario", "compare",
    "load_scenario", "run_scenario", "save_scenario", "to_xlsx", "Activity", "Allowance", "WorkingTime", "wisn",
]
