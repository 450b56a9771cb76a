"""地区比较 and 资源规划: the pages and their JSON twins under ``/api``.

- ``/compare`` and ``GET /api/compare``: every region the user may read on one indicator (or a domain);
- ``/resources`` and ``GET /api/plans/{id}/resources``: a plan's population, bed and staff requirements
  under the assumptions of the form, recomputed on each request and never saved;
  ``/resources.xlsx`` downloads the same result as the scenarios module's workbook.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from ..errors import HealthplanError
from . import data
from .app import render
from .pages import _download
from .planning_data import MAIN, Assumptions, comparison, readable_plans, resource_view, resource_xlsx
from .security import require_user
from .users import Principal

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["planning"])
router = APIRouter()

FIELDS = {"beds": "床位", "doctors": "执业（助理）医师", "nurses": "注册护士"}


def assumptions(
    year: str | None = Query(None, max_length=10, description="测算年份（默认规划目标年）"),
    population: str | None = Query(None, max_length=300, description="常住人口，年份=人口数，逗号分隔，如 2020=396700, 2025=41万"),
    growth: str | None = Query(None, max_length=20, description="年人口增长率（%），如 0.5；负数表示减少"),
    method: str = Query("geometric", max_length=20, description="人口插值：geometric | linear"),
    schedule: str = Query("straight", max_length=20, description="年度新增：straight（直线法）| front（前置法）"),
    beds: str | None = Query(None, max_length=20, description="每千人口床位目标（情景）"),
    doctors: str | None = Query(None, max_length=20, description="每千人口执业（助理）医师目标"),
    nurses: str | None = Query(None, max_length=20, description="每千人口注册护士目标"),
    cur_beds: str | None = Query(None, max_length=20, description="现有床位数"),
    cur_doctors: str | None = Query(None, max_length=20, description="现有执业（助理）医师数"),
    cur_nurses: str | None = Query(None, max_length=20, description="现有注册护士数"),
    admission_rate: str | None = Query(None, max_length=20, description="Hill-Burton：年住院率，如 0.17"),
    alos: str | None = Query(None, max_length=20, description="Hill-Burton：平均住院日"),
    occupancy: str | None = Query(None, max_length=20, description="Hill-Burton：目标床位使用率，如 0.85"),
    name: str | None = Query(None, max_length=60, description="情景名称"),
) -> Assumptions:
    """The planner's assumptions as query parameters (the form is a GET: nothing is saved)."""
    return Assumptions(year=year, population=population, growth=growth, method=method, schedule=schedule,
                       targets={"床位": beds, "执业（助理）医师": doctors, "注册护士": nurses},
                       current={"床位": cur_beds, "执业（助理）医师": cur_doctors, "注册护士": cur_nurses},
                       admission_rate=admission_rate, alos=alos, occupancy=occupancy, name=name)


# --- 地区比较 ------------------------------------------------------------------------------------------

@pages.get("/compare")
def compare_page(request: Request, year: int | None = None, indicator: str | None = Query(None, max_length=40),
                 domain: str | None = Query(None, max_length=100), who: Principal = Depends(require_user)):
    with request.app.state.store.session() as s:
        cmp = comparison(s, who, year, indicator or None, domain or None)
    chart = [{"name": i["name"], "unit": i["unit"], "national": i["national"],
              "regions": [{"name": r["short"], "value": r["latest"], "target": r["target_value"],
                           "status": r["status"]} for r in i["regions"]]} for i in cmp["rows"]]
    return render(request, "compare.html", {**cmp, "chart": chart})


@api.get("/compare", summary="地区比较: every readable region on an indicator (or a domain) in a year")
def compare_api(request: Request, year: int | None = None, indicator: str | None = Query(None, max_length=40),
                domain: str | None = Query(None, max_length=100), who: Principal = Depends(require_user)):
    """Latest value, target, status and gap of each region whose plan the user may read; the national
    十四五 target is a reference only (``national``), never the basis of a status."""
    with request.app.state.store.session() as s:
        return comparison(s, who, year, indicator or None, domain or None)


# --- 资源规划 ------------------------------------------------------------------------------------------

def _form_values(request: Request) -> dict:
    keys = ("year", "population", "growth", "method", "schedule", "name", "admission_rate", "alos", "occupancy",
            *FIELDS, *(f"cur_{k}" for k in FIELDS))
    return {k: request.query_params.get(k, "") for k in keys}


@pages.get("/resources")
def resources_page(request: Request, plan: int | None = None, form: Assumptions = Depends(assumptions),
                   who: Principal = Depends(require_user)):
    with request.app.state.store.session() as s:
        choices = [{"id": p.id, "name": p.org_unit.name, "title": p.title, "period": f"{p.period_start}–{p.period_end}"}
                   for p in readable_plans(s, who)]
        if plan is None and not choices:
            return render(request, "resources.html", {"choices": [], "result": None, "form": _form_values(request)})
        row = data.readable_plan(s, who, plan if plan is not None else choices[0]["id"])
        result = resource_view(s, row, form, request.state.lang)
    values = _form_values(request)
    params = {k: v for k, v in values.items() if v}
    return render(request, "resources.html", {
        "choices": choices, "result": result, "form": values, "fields": FIELDS, "main": MAIN,
        "xlsx": f"/resources.xlsx?{urlencode({'plan': row.id, **params})}", "chart": _chart(result)})


def _chart(result: dict) -> dict:
    if result.get("error"):
        return {}
    gaps = {r["resource"]: [[y["year"], y["gap"]] for y in r["by_year"]] for r in result["requirements"]
            if r["resource"] in MAIN}
    return {"population": [[p["year"], round(p["value"])] for p in result["population"]], "gaps": gaps}


@pages.get("/resources.xlsx")
def resources_xlsx(request: Request, plan: int, form: Assumptions = Depends(assumptions),
                   who: Principal = Depends(require_user)):
    with request.app.state.store.session() as s:
        row = data.readable_plan(s, who, plan)
        try:
            body = resource_xlsx(s, row, form)
        except HealthplanError as e:
            raise HTTPException(422, detail=e.zh) from e
        name = row.org_unit.name
    return _download(body, f"{name}_资源测算.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@api.get("/plans/{plan_id}/resources", summary="资源规划: population, bed and staff requirements, gaps by year")
def resources_api(request: Request, plan_id: int, form: Assumptions = Depends(assumptions),
                  who: Principal = Depends(require_user)):
    """The plan's requirements under the given assumptions (nothing is saved). An assumption the library
    cannot use, or a plan without a population, answers 422 with the library's Chinese message."""
    with request.app.state.store.session() as s:
        row = data.readable_plan(s, who, plan_id)
        result = resource_view(s, row, form, request.state.lang)
    if result.get("error"):
        return JSONResponse({"detail": result["error"], "plan": result["plan"]}, status_code=422)
    return result


router.include_router(pages)
router.include_router(api)
