"""Plan audit (规划审核): find the errors in a plan document before it is published.

``audit_plan(plan, document)`` runs every family of checks and returns :class:`Finding` objects,
errors first. Each family is a module with a ``check(ctx)`` function:

- ``prose_table``: the same indicator and year printed with different values (正文与表格);
- ``per_capita``: per-1000 values and ratios recomputed from counts and populations (人均复算);
- ``sums``: facility-table subtotals and totals, project totals (合计与小计);
- ``shares``: parts against totals and percentages of a total in the prose (分项与占比);
- ``units``: units that differ or are impossible for the quantity (计量单位);
- ``targets``: targets against baselines, binding qualitative targets, implausible jumps (目标值);
- ``reference``: the plan against national reference targets, informational only (参考值).

They read the plan through ``context`` (rows and their catalog entries), ``facts`` and ``vocab``
(what the prose states: counts, per-1000 values, rates, shares, with line and year) and
``quantities`` (the same indicator and year in every place it is printed).
"""

from __future__ import annotations

from ..catalog import Catalog
from ..plan import Plan
from . import per_capita, prose_table, reference, shares, sums, targets, units
from .context import Context
from .model import Finding

FAMILIES = [prose_table, per_capita, sums, shares, units, targets, reference]


def audit_plan(plan: Plan, document=None, catalog: Catalog | None = None) -> list[Finding]:
    """All findings for a plan. Without ``document`` the prose is read again from ``plan.file``
    when that file exists; a stored plan without its file gets the table checks only."""
    if document is None:
        document = _read_again(plan)
    ctx = Context(plan, document, catalog)
    findings: list[Finding] = []
    for family in FAMILIES:
        findings += family.check(ctx)
    return sorted(findings, key=Finding.sort_key)


def _read_again(plan: Plan):
    from pathlib import Path

    from ..ingest import read_document

    try:
        if plan.file and Path(plan.file).is_file():
            return read_document(plan.file)
    except Exception:  # noqa: BLE001 - the audit still runs on the tables
        return None
    return None


__all__ = ["Finding", "audit_plan", "Context"]
