"""Plans the extractors were not written against (tests/unseen), with expected JSON written by hand.

They vary what the seeds do: a 十五五 county plan (baseline 2025), a district with a unit column,
outlook, compound row, notes and glossary, a county-level city with facility tables and 亿元 projects.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import differences
from healthplan.ingest import ingest_file

UNSEEN = sorted((Path(__file__).parent / "unseen").glob("*.txt"))


@pytest.mark.parametrize("doc", UNSEEN, ids=lambda p: p.stem)
def test_unseen_plan(doc):
    expected = json.loads(doc.with_suffix(".json").read_text(encoding="utf-8"))
    problems = differences(expected, ingest_file(doc).contract())
    assert not problems, "\n".join(problems[:40])


def test_there_are_unseen_plans():
    assert len(UNSEEN) >= 3
