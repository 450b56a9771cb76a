"""The same plan however the export is mangled: whitespace, CRLF, encodings, noise lines, cell breaks.

Line numbers move when lines are added, so plans are compared without them.
"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SEEDS, without_lines
from healthplan.ingest import extract_plan
from healthplan.ingest.readers.txt import HEADING, SENTENCE_PUNCT, decode, parse_text

TEXTS = {p.stem: p.read_text(encoding="utf-8") for p in SEEDS}


EXPECTED = {stem: without_lines(extract_plan(parse_text(text, stem)).contract()) for stem, text in TEXTS.items()}


def _next_content(lines: list[str], i: int) -> str:
    for line in lines[i + 1:]:
        if line.strip():
            return line
    return ""


def mangle(text: str, rnd: random.Random, *, noise: bool, breaks: bool, spaces: bool, blanks: bool) -> str:
    lines = text.split("\n")
    out: list[str] = []
    for i, line in enumerate(lines):
        cell = line.lstrip("\t")
        if breaks and line.startswith("\t") and len(cell) >= 2 and rnd.random() < 0.3:
            # A cell split over lines. With blank lines between the pieces (健康 / 水平), the piece
            # must read as no heading or sentence, be short and come before another cell.
            cut = rnd.randrange(1, len(cell))
            head, tail = cell[:cut], cell[cut:]
            if tail.strip() and not HEADING.match(tail.strip()) and not tail[0].isspace() and not head[-1].isspace():
                spaced = len(tail) <= 20 and not SENTENCE_PUNCT.search(tail) and \
                    _next_content(lines, i).startswith("\t")
                gap = [""] * rnd.randint(0, 2) if spaced else []
                out += ["\t" + head, *gap, tail]
                continue
        if noise and not line.strip() and "\t" not in line and rnd.random() < 0.2:
            line = f"[bookmark: _Toc{rnd.randrange(10**6)}]"  # an empty paragraph carrying a bookmark
        elif noise and rnd.random() < 0.05:
            prefix = "".join(f"[bookmark: _Toc{rnd.randrange(10**6)}]" for _ in range(rnd.randint(1, 3)))
            line = ("\t" + prefix + cell) if line.startswith("\t") else prefix + line
        if spaces and rnd.random() < 0.3:
            line = line + " " * rnd.randint(1, 3)
        out.append(line)
        if blanks and not line.strip() and "\t" not in line and rnd.random() < 0.3:
            out.append("")
    return "\n".join(out)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    stem=st.sampled_from(sorted(TEXTS)),
    seed=st.integers(0, 2**32 - 1),
    noise=st.booleans(), breaks=st.booleans(), spaces=st.booleans(), blanks=st.booleans(),
    crlf=st.booleans(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "gbk"]),
)
def test_mangled_export_gives_the_same_plan(stem, seed, noise, breaks, spaces, blanks, crlf, encoding):
    text = mangle(TEXTS[stem], random.Random(seed), noise=noise, breaks=breaks, spaces=spaces, blanks=blanks)
    if crlf:
        text = text.replace("\n", "\r\n")
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:  # GBK lacks a few characters the seeds use
        data = text.encode("gb18030")
    plan = extract_plan(parse_text(decode(data, stem), stem))
    assert without_lines(plan.contract()) == EXPECTED[stem]


def test_line_numbers_follow_the_text_when_lines_are_added():
    """Provenance stays true: a value's line still holds that value after noise lines are added."""
    text = TEXTS[SEEDS[0].stem]
    lines = text.split("\n")
    lines.insert(10, "[bookmark: _Toc1]")
    lines.insert(10, "")
    plan = extract_plan(parse_text("\n".join(lines), "x"))
    for ind in plan.indicators:
        assert lines[ind.line - 1].strip().startswith(ind.raw_name[:2])
