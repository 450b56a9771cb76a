"""Monitoring and evaluation reports (监测评估报告) as Word, PDF, HTML and Markdown.

- :func:`render_report` — 年度监测 (``monitoring``), 中期评估 (``midterm``) or 终期评估 (``final``)
  report of one region's plan in a year;
- :func:`render_comparison` — the regions side by side on the indicators they share;
- :func:`write_demo_reports` — what ``healthplan demo`` writes.

Content comes from :mod:`healthplan.reports.content` and :mod:`healthplan.reports.compare`; the
renderers (``docx``, ``pdf``, ``html``, ``markdown``) only lay it out.
"""

from __future__ import annotations

from pathlib import Path

from ..output import atomic_write
from .content import KIND_ZH, KINDS, Report, ReportError, build_report, default_year, plan_for, regions_with_plans

FORMATS = ("docx", "pdf", "html", "md")


def check_format(fmt: str) -> str:
    fmt = (fmt or "").lower().lstrip(".")
    fmt = {"markdown": "md", "htm": "html", "word": "docx"}.get(fmt, fmt)
    if fmt not in FORMATS:
        raise ReportError(f"报告格式应为 docx、pdf、html 或 md，而不是“{fmt}”。",
                          f"Format must be docx, pdf, html or md, not '{fmt}'.")
    return fmt


def render(report: Report, fmt: str) -> bytes:
    """Lay out a built report in ``fmt``."""
    fmt = check_format(fmt)
    if fmt == "docx":
        from .docx import render_docx

        return render_docx(report)
    if fmt == "pdf":
        from .pdf import render_pdf

        return render_pdf(report)
    if fmt == "html":
        from .html import render_html

        return render_html(report)
    from .markdown import render_markdown

    return render_markdown(report)


def render_comparison_as(cmp, fmt: str) -> bytes:
    fmt = check_format(fmt)
    if fmt == "docx":
        from .docx import render_comparison_docx

        return render_comparison_docx(cmp)
    if fmt == "pdf":
        from .pdf import render_comparison_pdf

        return render_comparison_pdf(cmp)
    if fmt == "html":
        from .html import render_comparison_html

        return render_comparison_html(cmp)
    from .markdown import render_comparison_markdown

    return render_comparison_markdown(cmp)


def render_report(store, region: str, year: int | None, kind: str = "midterm", fmt: str = "docx") -> bytes:
    """The report of ``region`` (its name, code or a unique part of the name) in ``year`` as bytes."""
    fmt = check_format(fmt)
    with store.session() as s:
        report = build_report(s, region, year, kind)
    return render(report, fmt)


def render_comparison(store, year: int, fmt: str = "html") -> bytes:
    """The comparison of every region with a current plan, in ``year``, as bytes."""
    from .compare import build_comparison

    fmt = check_format(fmt)
    with store.session() as s:
        cmp = build_comparison(s, year)
    return render_comparison_as(cmp, fmt)


def report_file_name(report: Report, fmt: str) -> str:
    return f"{report.region}_{report.kind_zh}_{report.year}.{fmt}"


def _write_report(job: tuple[Report, tuple[str, ...], str]) -> list[str]:
    report, formats, out_dir = job
    paths = []
    for fmt in formats:
        path = Path(out_dir) / report_file_name(report, fmt)
        atomic_write(path, render(report, fmt))
        paths.append(str(path))
    return paths


def _pool(jobs: int):
    """Worker processes for rendering (charts and PDFs are CPU-bound); None when one would do."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    workers = min(jobs, os.cpu_count() or 1)
    if workers < 2:
        return None
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method))


def write_demo_reports(store, out_dir: Path, formats: tuple[str, ...] = ("docx", "pdf", "html"),
                       comparison_year: int | None = None, parallel: bool = True) -> list[Path]:
    """For every region with a plan: the mid-term and final evaluations, plus the comparison report.

    Returns the files written (each atomically). The content is read from the store first; the
    reports are then laid out in worker processes (one per CPU), each drawing a chart once and using
    it in every format.
    """
    from .compare import build_comparison

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with store.session() as s:
        reports = []
        ends = []
        for unit, name in regions_with_plans(s):
            plan = plan_for(s, unit, None)
            ends.append(plan.period_end)
            for kind in ("midterm", "final"):
                reports.append(build_report(s, unit.code or name, default_year(kind, plan), kind))
        year = comparison_year or (max(ends) if ends else None)
        cmp = build_comparison(s, year) if year else None
    jobs = [(r, tuple(formats), str(out_dir)) for r in reports]
    results = None
    pool = _pool(len(jobs)) if parallel else None
    if pool is not None:
        store.engine.dispose()  # no database connection is inherited by the workers
        try:
            with pool:
                results = list(pool.map(_write_report, jobs))
        except (OSError, RuntimeError) as e:  # BrokenProcessPool included: do it here instead
            import warnings

            warnings.warn(f"parallel rendering failed ({e!r}); rendering in this process", stacklevel=2)
    if results is None:
        results = [_write_report(j) for j in jobs]
    written = [Path(p) for paths in results for p in paths]
    if cmp is not None and cmp.indicators:
        for fmt in formats:
            path = out_dir / f"地区对比_{cmp.year}.{fmt}"
            atomic_write(path, render_comparison_as(cmp, fmt))
            written.append(path)
    return written


__all__ = ["FORMATS", "KINDS", "KIND_ZH", "Report", "ReportError", "build_report", "render", "render_comparison",
           "render_report", "write_demo_reports"]
