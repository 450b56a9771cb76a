"""A finding of the plan audit (审核发现): what is wrong, where, and the arithmetic behind it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


class Finding(BaseModel):
    """One inconsistency found in a plan document.

    ``lines`` are the 1-based lines of every place involved; ``message`` says in Chinese what
    disagrees and shows the arithmetic, so that a planner can fix the document without redoing it;
    ``quantities`` holds the numbers used, by name.
    """

    model_config = {"extra": "forbid"}

    check: str
    severity: Severity
    lines: list[int]
    message: str
    quantities: dict[str, float] = Field(default_factory=dict)

    def sort_key(self) -> tuple:
        return (SEVERITY_ORDER[self.severity], min(self.lines, default=0), self.check, self.message)


def finding(check: str, severity: Severity, lines, message: str, quantities: dict | None = None) -> Finding:
    """A finding with its lines sorted and de-duplicated and its quantities as plain floats."""
    qs = {k: float(v) for k, v in (quantities or {}).items() if v is not None}
    return Finding(check=check, severity=severity, lines=sorted({int(x) for x in lines if x}),
                   message=message, quantities=qs)
