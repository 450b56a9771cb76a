"""Parts, totals and percentages in the prose (分项、合计与占比).

- a total and its parts (``606家（公立187家、民营419家）``, ``3602人。其中，卫生技术人员3097人…``):
  the parts may not add up to more than the total (a list after 其中 need not be complete, so a
  shortfall is not reported);
- a percentage of a total (``医院1774张（占92.16%）``, ``占全区床位数的11%``): the part divided by
  the total it names, or the total of its list, or the parts themselves when the percentages of a
  list add up to 100%.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .context import Context
from .facts import Count, Share
from .model import Finding, finding
from .numbers import fmt
from .vocab import paren_paths

CHECK = "shares"
REGION = re.compile(r"^(?:全区|全市|全县|全省|全旗|辖区)")


def _compatible(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b


@dataclass
class Issue:
    head: Count | None
    head_label: str
    parts: list[Count] = field(default_factory=list)
    shares: list[tuple[Share, float, float, float]] = field(default_factory=list)  # share, computed, lo, hi
    bad_shares: list[tuple[Share, float]] = field(default_factory=list)
    synthetic: bool = False
    named: bool = False
    excess: bool = False


def check(ctx: Context) -> list[Finding]:
    facts = ctx.facts
    if facts is None:
        return []
    by_sentence: dict[int, list[Count]] = {}
    for c in facts.counts:
        by_sentence.setdefault(c.sentence, []).append(c)
    heads = _heads(facts, by_sentence)  # id(part) → head
    issues: dict[int, Issue] = {}

    for head, parts in _head_parts(facts, by_sentence):
        total = sum(p.value for p in parts)
        tol = head.half + sum(p.half for p in parts)
        if total > head.value + tol:
            issue = issues.setdefault(id(head), Issue(head=head, head_label=_label(head)))
            issue.parts = parts
            issue.excess = True

    groups: dict[int, list[Share]] = {}
    for sh in facts.shares:
        groups.setdefault(sh.sentence, []).append(sh)
    for sentence, shares in groups.items():
        unnamed = [sh for sh in shares if not sh.of]
        sums_to_100 = len(unnamed) >= 2 and abs(sum(sh.pct for sh in unnamed) - 100) <= sum(sh.half for sh in unnamed) + 1e-9
        for sh in shares:
            head, named, synthetic = None, False, False
            if sh.of:
                head = _lookup(facts, by_sentence, sh)
                named = True
            elif id(sh.part) in heads:
                head = heads[id(sh.part)]
            elif sums_to_100:
                synthetic = True
            else:
                head = _lookup(facts, by_sentence, sh, total_only=True)
            if synthetic:
                parts = [x.part for x in unnamed]
                value = sum(p.value for p in parts)
                half = sum(p.half for p in parts)
                key = ("sum", sentence)
                issue = issues.setdefault(hash(key), Issue(head=None, head_label="各分项之和", synthetic=True))
                issue.parts = parts
            elif head is not None:
                value, half = head.value, head.half
                issue = issues.setdefault(id(head), Issue(head=head, head_label=_label(head), named=named))
                issue.named = issue.named or named
            else:
                continue
            if value - half <= 0:
                continue
            calc = sh.part.value / value * 100
            lo = (sh.part.value - sh.part.half) / (value + half) * 100
            hi = (sh.part.value + sh.part.half) / (value - half) * 100
            issue.shares.append((sh, calc, lo, hi))
            if hi < sh.pct - sh.half - 1e-9 or lo > sh.pct + sh.half + 1e-9:
                issue.bad_shares.append((sh, calc))
    out = []
    for issue in issues.values():
        if issue.bad_shares or issue.excess:
            out.append(_finding(issue, facts))
    return out


def _label(c: Count, unit: str = "") -> str:
    return f"{_show(c.subject)}{fmt(c.value)}{c.unit_text or unit}"


def _show(text: str) -> str:
    text = re.sub(r"^(?:\d{4}年(?:末|底)?)?(?:其中)?[，,:：]?", "", text)
    return text.replace("(", "（").replace(")", "）").strip("，,、")


def _head_parts(facts, by_sentence) -> list[tuple[Count, list[Count]]]:
    """Totals with their parts: a parenthesis right after the total, or a list after 其中."""
    out = []
    sentences = facts.sentences
    for s in sentences:
        counts = sorted(by_sentence.get(s.index, []), key=lambda c: c.pos)
        text = s.text
        paths = paren_paths(text)
        for c in counts:  # 606家（公立187家、民营419家）
            if text[c.end:c.end + 1] in "(（" and not re.match(r"[(（](?:含|包括|包含)", text[c.end:c.end + 3]):
                inner_path = paths[c.end + 1] if c.end + 1 < len(text) else ()
                parts = [p for p in counts if p.path == inner_path and p.pos > c.end and not p.comparison
                         and _compatible(c.unit, p.unit)]
                if len(parts) >= 2:
                    out.append((c, parts))
        for m in re.finditer(r"其中", text):
            q = m.start()
            path = paths[q]
            before = [c for c in counts if c.end <= q and c.path == path and not c.comparison]
            head = before[-1] if before else None
            if head is None and q <= 1 and s.index > 0:
                prev = sentences[s.index - 1]
                if prev.paragraph == s.paragraph:
                    top = [c for c in by_sentence.get(prev.index, []) if c.path == () and not c.comparison]
                    head = top[-1] if top else None
            if head is None:
                continue
            nxt = text.find("其中", q + 2)
            end = nxt if nxt != -1 else len(text)
            parts = [p for p in counts if q < p.pos < end and p.path == path and not p.comparison
                     and _compatible(head.unit, p.unit)]
            if parts:
                out.append((head, parts))
    return out


def _heads(facts, by_sentence) -> dict[int, Count]:
    heads = {}
    for head, parts in _head_parts(facts, by_sentence):
        for p in parts:
            heads.setdefault(id(p), head)
    return heads


def _lookup(facts, by_sentence, sh: Share, total_only: bool = False) -> Count | None:
    """The total a percentage names (``占医院总数的``, ``占全区床位数的``), looked up backwards."""
    of = (sh.of or "").strip("的")
    region = total_only or bool(REGION.match(of))
    key = REGION.sub("", of)
    key = re.sub(r"(?:总数|总量|总计|总额|总|数|量)$", "", key)
    if not region and not key:
        return None
    current = facts.sentences[sh.sentence]
    candidates = [c for c in by_sentence.get(sh.sentence, []) if c.end <= sh.part.pos]
    for idx in range(sh.sentence - 1, -1, -1):
        s = facts.sentences[idx]
        if current.paragraph - s.paragraph > 4:
            break
        candidates = sorted(by_sentence.get(idx, []), key=lambda c: c.pos) + candidates
    with_share = {id(x.part) for x in facts.shares}
    for c in reversed(candidates):
        if id(c) in with_share and c.sentence == sh.sentence:
            continue  # a sibling part, not the total
        if c is sh.part or c.comparison or not _compatible(c.unit, sh.part.unit) or c.value <= 0:
            continue
        if region and c.total_like:
            return c
        if not region and key and key in c.subject:
            return c
    return None


def _finding(issue: Issue, facts) -> Finding:
    lines = []
    q: dict[str, float] = {}
    msg = ""
    if issue.head is not None:
        lines.append(issue.head.line)
        q["合计"] = issue.head.value
    if issue.excess:
        parts = issue.parts
        total = sum(p.value for p in parts)
        expr = " + ".join(fmt(p.value) for p in parts)
        unit = issue.head.unit_text
        msg += (f"分项之和超过合计：{'、'.join(_label(p, unit) for p in parts)}，{expr} = {fmt(total)}，"
                f"大于{issue.head_label}（第{issue.head.line}行），多出{fmt(total - issue.head.value)}。")
        lines += [p.line for p in parts]
        q["分项之和"] = total
    if issue.bad_shares:
        if issue.synthetic:
            parts = issue.parts
            total = sum(p.value for p in parts)
            msg += (f"各分项百分比之和为100%，即以分项之和{' + '.join(fmt(p.value) for p in parts)} = {fmt(total)}"
                    f"为总数；")
            q["分项之和"] = total
        pieces = []
        for sh, calc in issue.bad_shares:
            denom = issue.head.value if issue.head is not None else sum(p.value for p in issue.parts)
            unit = issue.head.unit_text if issue.head is not None else ""
            pieces.append(f"{_label(sh.part, unit)}印为占{sh.text}，{fmt(sh.part.value)} ÷ {fmt(denom)} = {calc:.2f}%")
            lines += [sh.line, sh.part.line]
            q[f"{_show(sh.part.subject)}印出占比"] = sh.pct
            q[f"{_show(sh.part.subject)}计算占比"] = round(calc, 2)
        if issue.head is not None and not issue.synthetic:
            msg += f"按{issue.head_label}（第{issue.head.line}行）计算占比："
        msg += "；".join(pieces) + "。"
        msg += _diagnose(issue, facts)
    return finding(CHECK, _severity(issue), lines, msg.strip(), q)


def _severity(issue: Issue) -> str:
    if issue.excess:
        return "error"
    worst = max(abs(sh.pct - calc) for sh, calc in issue.bad_shares)
    return "error" if worst > 1 else "warning"


def _diagnose(issue: Issue, facts) -> str:
    """Say which number is likely wrong when the arithmetic shows it."""
    notes = []
    shares = [s for s, *_ in issue.shares]
    parts = [s.part for s in shares]
    if issue.head is not None and len(issue.bad_shares) == 1 and len(parts) >= 2:
        sh, calc = issue.bad_shares[0]
        others = sum(p.value for p in parts if p is not sh.part)
        rest = issue.head.value - others
        if rest > 0 and abs(rest / issue.head.value * 100 - sh.pct) <= sh.half + 0.01:
            notes.append(f"{fmt(issue.head.value)} − {fmt(others)} = {fmt(rest)}，占{rest / issue.head.value * 100:.2f}%，"
                         f"与印出的{sh.text}一致，{_show(sh.part.subject)}应为{fmt(rest)}而非{fmt(sh.part.value)}")
    if issue.head is not None and len(parts) >= 2:
        total = sum(p.value for p in parts)
        if all(abs(s.part.value / total * 100 - s.pct) <= s.half + 0.01 for s in shares):
            same = [c for c in facts.counts if abs(c.value - total) < 0.5 and c.line <= issue.head.line + 1]
            where = f"（即{_show(same[0].subject)}，第{same[0].line}行）" if same else ""
            notes.append(f"印出的百分比是按各分项之和{fmt(total)}{where}计算的，而不是按{issue.head_label}；"
                         f"分项之和{'超过' if total > issue.head.value else '不等于'}{fmt(issue.head.value)}，"
                         f"请核对分项或所称的总数")
    if issue.synthetic:
        for sh, calc in issue.bad_shares:
            implied = sh.part.value / sh.pct * 100
            notes.append(f"按{sh.text}推算，总数应为{fmt(sh.part.value)} ÷ {sh.text} = {fmt(round(implied, 2))}")
        notes.append("请核对各分项数值或百分比")
    return ("" if not notes else "；".join(notes) + "。")
