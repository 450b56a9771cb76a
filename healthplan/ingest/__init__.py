"""Ingestion (文档导入): a plan document in, a :class:`~healthplan.plan.Plan` out.

``read_document`` picks a reader by file type; ``extract_plan`` finds the tables and text the plan
is made of. Both work the same for .txt, .docx, .pdf and .html.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import IngestError
from ..plan import Indicator, Plan, Value
from ..text import fold_width, name_key
from .blocks import Document, Paragraph
from .header import classify
from .indicators import read_completion, read_indicators
from .meta import find_period, find_plan_region, find_title, period_named
from .notes import read_boxes, read_formulas, read_glossary, read_notes, read_populations
from .resources import read_facility_table, read_projects

SUFFIXES = {".txt": "txt", ".text": "txt", ".docx": "docx", ".pdf": "pdf", ".html": "html", ".htm": "html"}


def read_document(path: str | Path, name: str | None = None) -> Document:
    """Read a file into paragraphs and tables, whatever its format."""
    path = Path(path)
    file = name or str(path)
    if not path.exists():
        raise IngestError("文件不存在。", "File not found.", file)
    if path.is_dir():
        raise IngestError("这是一个文件夹，不是规划文件。", "This is a folder, not a plan document.", file)
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise IngestError(
            f"不支持的文件类型“{path.suffix or '无扩展名'}”。支持 .txt、.docx、.pdf、.html。",
            f"Unsupported file type '{path.suffix}'. Supported: .txt, .docx, .pdf, .html.", file)
    if kind == "txt":
        from .readers.txt import read_txt
        return read_txt(path, file)
    if kind == "docx":
        from .readers.docx import read_docx
        return read_docx(path, file)
    if kind == "pdf":
        from .readers.pdf import read_pdf
        return read_pdf(path, file)
    from .readers.html import read_html
    return read_html(path, file)


def ingest_file(path: str | Path, name: str | None = None) -> Plan:
    """Read and extract one plan document."""
    return extract_plan(read_document(path, name))


def extract_plan(doc: Document) -> Plan:
    title = find_title(doc)
    period = find_period(doc, title)
    region = find_plan_region(doc, title)
    plan = Plan(file=doc.file, format=doc.format, region=region.full_name if region else None,
                region_code=region.code if region else None, level=region.level if region else None,
                title=title, period=period)
    for table in doc.tables:
        layout = classify(table)
        if layout.kind == "indicators":
            plan.indicators += read_indicators(layout, table.title, period_named(table.title) or period)
        elif layout.kind == "completion":
            done = period_named(table.title)
            plan.completion_period = plan.completion_period or done
            plan.completion += read_completion(layout, table.title, done)
        elif layout.kind == "projects":
            plan.projects += read_projects(layout, table.title)
        elif layout.kind in ("beds", "staff"):
            plan.facility_tables.append(read_facility_table(layout, table.title, table.unit_note, table.line))
    if not plan.indicators:
        raise IngestError(
            "未找到主要指标表：规划文件应包含一张列出“指标”及其基期值、目标值的表格。",
            "No main indicator table found: a plan document must contain a table of indicators "
            "with baseline and target values.", doc.file)
    plan.notes = read_notes(doc)
    note_texts = [(n.text, n.line) for n in plan.notes]
    plan.glossary = read_glossary(doc)
    plan.formulas = read_formulas(note_texts + [(f"{g.term}={g.definition}", g.line) for g in plan.glossary
                                                if "=" in g.definition or "＝" in g.definition])
    prose = [(p.text, p.line) for p in doc.paragraphs]
    plan.populations = read_populations(prose)
    for pop in plan.populations:  # a population for a year inside the plan period can only be a projection
        if period is not None and pop.year >= period.start:
            pop.projected = True
    plan.boxes = read_boxes(doc)
    infer_baselines(plan.indicators, plan, doc)
    return plan


def infer_baselines(indicators: list[Indicator], plan: Plan, doc: Document) -> None:
    """Fill missing baselines (阳江) from the previous period's completion table, else from the prose.

    Only the same indicator in the same unit counts; an inferred baseline says where it came from.
    """
    if not plan.completion and not doc.paragraphs:
        return
    by_key = {}
    for row in plan.completion:
        by_key.setdefault((name_key(row.name), _unit_key(row.unit)), row)
    for ind in indicators:
        if ind.baseline is not None:
            continue
        row = by_key.get((name_key(ind.name), _unit_key(ind.unit)))
        if row is not None and row.actual.value is not None:
            ind.baseline = row.actual.model_copy(update={
                "inferred": True, "source": "上一规划期完成情况表", "source_line": row.actual.source_line or row.line})
            continue
        found = _from_prose(ind, doc.paragraphs, plan.period.start - 1 if plan.period else None)
        if found is not None:
            ind.baseline = found


def _unit_key(unit: str | None) -> str:
    return fold_width(unit or "").replace("人口", "").strip()


_NUM_UNIT = r"(?:为|达到|达|是)?\s*(\d+(?:\.\d+)?)\s*"


def _from_prose(ind: Indicator, paragraphs: list[Paragraph], year: int | None) -> Value | None:
    """``截至2020年12月，我市每千常住人口执业（助理）医师数为2.30人`` → 2.30 for that indicator."""
    if year is None:
        return None
    key = name_key(ind.name)
    unit = re.escape(ind.unit or "")
    for p in paragraphs:
        if f"{year}年" not in p.text:
            continue
        for sentence in re.split(r"[。；]", p.text):
            if f"{year}年" not in sentence:
                continue
            for m in re.finditer(r"([\u4e00-\u9fff（）()]{3,40}?)" + _NUM_UNIT + unit, sentence):
                if name_key(m.group(1)).endswith(key):
                    return Value(year=year, text=m.group(2) + (ind.unit or ""), value=float(m.group(2)),
                                 inferred=True, source="正文", source_line=p.line)
    return None
