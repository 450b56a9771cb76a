"""Facts stated in the prose (正文事实), each with its line and year.

- counts (``实有床位2626张``, ``执业（助理）医师982人``): the resource counted, whether it is the
  whole region or a part (``区级医疗机构…280张``, ``其中医院1774张``);
- per-capita values (``每千常住人口拥有床位数2.3张``, ``全科医生每万人口达到3名``): the indicator
  they are, the population named (常住/户籍), and the count stated beside them;
- rates and levels of catalog indicators (``婴儿死亡率1.59‰``, ``人均期望寿命77.8岁``,
  ``…分别为3.73/10万、2.16‰和3.47‰``) with their unit;
- ratios (``医护比1:1.07``) and shares (``占全区床位数的11%``).

Only what the patterns read with certainty becomes a fact: a check never compares a number whose
meaning is in doubt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..catalog import Catalog
from ..text import fold_width
from .numbers import half_unit
from .prose import Sentence
from .vocab import (
    COMPARISON,
    NOT_STOCK,
    NOT_STOCK_BEDS,
    NUM,
    OTHER_AREA,
    PK,
    SCALE,
    THRESHOLD_WORDS,
    TOTAL_WORDS,
    UNIT_FAMILY,
    clause_before,
    is_subset,
    normalise_resource,
    paren_paths,
    resource_in,
    subject_before,
)


@dataclass
class Count:
    value: float
    text: str
    half: float
    unit: str | None  # family: 张 人 个 辆, None for a bare ``42万``
    code: str | None  # the per-capita indicator this counts for (HR-BED for beds)
    subject: str
    subset: bool
    comparison: bool
    year: int | None
    line: int
    sentence: int
    pos: int
    end: int
    path: tuple  # open parentheses around it
    approximate: bool = False
    unit_text: str = ""  # as printed: 人次, 张, 家 …

    @property
    def total_like(self) -> bool:
        return bool(TOTAL_WORDS.search(self.subject)) and not self.subset


@dataclass
class PerCapita:
    value: float
    text: str
    half: float
    factor: int
    code: str | None
    resource: str
    population: str | None  # 常住人口 / 户籍人口 as named
    subset: bool
    year: int | None
    line: int
    sentence: int
    pos: int
    count: Count | None = None  # the count stated beside it


@dataclass
class Rate:
    code: str
    name: str
    value: float
    text: str
    half: float
    unit: str | None
    year: int | None
    line: int
    sentence: int


@dataclass
class Ratio:
    code: str
    value: float
    text: str
    half: float
    year: int | None
    line: int


@dataclass
class Share:
    pct: float
    text: str
    half: float
    of: str  # the total named (``全区床位数``), "" when none
    part: Count
    line: int
    sentence: int
    pos: int


@dataclass
class ProseFacts:
    sentences: list[Sentence]
    counts: list[Count] = field(default_factory=list)
    per_capita: list[PerCapita] = field(default_factory=list)
    rates: list[Rate] = field(default_factory=list)
    ratios: list[Ratio] = field(default_factory=list)
    shares: list[Share] = field(default_factory=list)


def _half_count(num: str, wan: bool) -> float:
    """A whole number of things (1826张, 5个) is exact; ``42万`` is rounded to 5,000."""
    if not wan:
        return 0.0 if "." not in num else half_unit(num, lenient=False)
    return half_unit(num, lenient=False) * 10000


# --- extraction -------------------------------------------------------------------------------

PER = re.compile(
    rf"每(?P<scale>千|万|十万|10万)人?(?P<pk>常住|常驻|户籍)?(?:人口|居民)"
    rf"(?P<mid>(?:[^\d，,。；;、每]|\d+(?:[-～~]\d+)?岁)*?)"
    rf"(?P<num>{NUM})(?P<unit>张|人|名|个|床|辆)(?P<after>[\u4e00-\u9fff()]{{0,12}})"
)
MID_NOISE = re.compile(r"^(?:拥有|有|配备|配置|的)+|(?:数|为|达到|达|是|约|增长到|增加到|提高到|提升到|上升到|"
                       r"不少于|不低于|不超过|不高于|标准|按照|按)+$")
COUNT = re.compile(rf"(?<![\d.\-～~/])(?P<num>{NUM})(?P<wan>万)?(?P<unit>人次|张|床|人|名|个|家|所|间|辆)?")
SHARE = re.compile(rf"(?:仅|约)?占(?P<of>[^\d%，,。；;：:()]{{0,16}}?)(?:的)?(?P<pct>{NUM})%")
RATIO = re.compile(rf"(?P<name>医护比|床护比|床人比)(?:例)?(?:为|达到|达|是|提高到|提高至)?1:(?P<num>{NUM})")
RATIO_CODES = {"医护比": "HR-DN", "床护比": "HR-BN", "床人比": "HR-BS"}
RATE_UNIT = r"%|‰|1/10万|/10万|1/万|/万|岁|天|次|克"
VALUE_AFTER = re.compile(
    rf"^(?:水平|总体)?(?:为|是|达|达到|降至|降到|下降到|下降至|提高到|提高至|上升到|上升至|提升到|提升至|增长到|"
    rf"增长至|增加到|降低到|降低至|保持在|控制在|维持在|稳定在)?"
    rf"(?P<cmp>不低于|不高于|不超过|不少于|低于|高于|>=|<=|≥|≤|>|<)?(?P<num>{NUM})(?![\d.年月日])"
    rf"(?P<unit>{RATE_UNIT})?(?P<tail>以上|以下|左右)?"
)
FROM_TO = re.compile(
    rf"^(?:由|从)(?:(?:19|20)\d{{2}}年(?:底|末)?的?)?{NUM}(?:{RATE_UNIT})?"
    rf"(?:上升|提高|提升|增长|增加|下降|降低|减少)(?:至|到)(?:(?:19|20)\d{{2}}年(?:底|末)?的?)?"
    rf"(?P<num>{NUM})(?![\d.年月日])(?P<unit>{RATE_UNIT})?"
)
RESPECTIVELY = re.compile(rf"^分别(?:为|是|达到|达|降至|降到|下降至|下降到|提高到|提高至|上升至|上升到)?")
LIST_VALUE = re.compile(rf"(?P<num>{NUM})(?P<unit>{RATE_UNIT})?")


def extract(sentences: list[Sentence], catalog: Catalog, extra_names: dict[str, str] | None = None) -> ProseFacts:
    facts = ProseFacts(sentences=sentences)
    names = _rate_names(catalog, extra_names or {})
    for s in sentences:
        pcs = _per_capita(s)
        spans = [(m.start(), m.end()) for m in PER.finditer(s.text)]
        counts = _counts(s, spans)
        for pc in pcs:
            _resolve(pc, s, counts)
        facts.counts += counts
        facts.per_capita += pcs
        facts.rates += _rates(s, names)
        facts.ratios += _ratios(s)
    facts.shares = _shares(facts)
    return facts


def _per_capita(s: Sentence) -> list[PerCapita]:
    out = []
    for m in PER.finditer(s.text):
        factor = SCALE[m.group("scale")]
        mid = MID_NOISE.sub("", m.group("mid"))
        code, words, found = resource_in(mid, factor) if mid else (None, None, False)
        resource = words or ""
        if not found:
            a_code, a_words, a_found = resource_in(m.group("after"), factor)
            if a_found and normalise_resource(m.group("after")).find(a_words or "") <= 3:
                code, words, found, resource = a_code, a_words, a_found, a_words or ""
        prefix = clause_before(s.text, m.start())
        if not found and prefix:
            p_code, p_words, p_found = resource_in(prefix, factor)
            if p_found:
                code, words, found, resource = p_code, p_words, p_found, p_words or ""
        subset = is_subset(prefix + m.group("mid"), words) if (prefix or mid) else False
        if OTHER_AREA.search(prefix + m.group("mid")):
            continue
        num = m.group("num")
        pk = m.group("pk")
        out.append(PerCapita(
            value=float(num.replace(",", "")), text=num, half=half_unit(num), factor=factor,
            code=code if found else "?", resource=resource, population=PK.get(pk) if pk else None,
            subset=subset, year=s.year_at(m.start("num")), line=s.line, sentence=s.index, pos=m.start(),
        ))
    return out


def _resolve(pc: PerCapita, s: Sentence, counts: list[Count]) -> None:
    """A per-capita value without its own resource takes that of the count stated before it
    (not one inside a parenthesis closed before it)."""
    path = paren_paths(s.text)[pc.pos]
    before = [c for c in counts if c.end <= pc.pos and c.path == path[:len(c.path)]]
    if pc.code == "?":
        with_code = [c for c in before if c.code]
        pc.code = with_code[-1].code if with_code else None
        if with_code:
            pc.resource = with_code[-1].subject
    same = [c for c in before if c.code == pc.code and pc.code]
    if same:
        pc.count = same[-1]
        pc.subset = pc.subset or same[-1].subset


def _counts(s: Sentence, per_spans: list[tuple[int, int]]) -> list[Count]:
    out = []
    text = s.text
    paths = paren_paths(text)
    for m in COUNT.finditer(text):
        start, end = m.start(), m.end()
        if any(a <= start < b for a, b in per_spans):
            continue
        unit, wan = m.group("unit"), bool(m.group("wan"))
        nxt = text[end:end + 1]
        if unit is None and not wan:
            if not re.match(r"[(（]占", text[end:end + 2]):
                continue  # a bare number is a count only right before ``（占…%）``
        if wan and unit is None and nxt and nxt not in "，,。；;、)(（）":
            continue  # 20,000万元, 1.2万平方米
        if nxt in "%‰":
            continue
        if unit == "人" and text[end:end + 1] == "次":
            continue
        if re.match(r"\d", text[end:end + 1]):
            continue
        num = m.group("num")
        value = float(num.replace(",", "")) * (10000 if wan else 1)
        if not wan and "." in num:
            continue  # 4.54张 after a per-1000 value is a per-capita part, not a count
        subject = subject_before(text, start)
        if OTHER_AREA.search(subject):
            continue
        family = UNIT_FAMILY.get(unit) if unit else None
        code, words, found = (resource_in(subject) if family in ("张", "人", "个") else (None, None, False))
        if family == "个" and code not in ("MC-TUO",):
            code = None
        if family == "人" and code in ("HR-BED", "TC-BED", "MC-TUO", "HR-ICU"):
            code = None
        if family == "张" and code not in ("HR-BED", "TC-BED", "HR-ICU", "MC-TUO"):
            code = None
        before_resource = normalise_resource(subject).split(words)[0] if words else subject
        if family == "人" and NOT_STOCK.search(before_resource):
            code = None
        if family == "张" and (NOT_STOCK_BEDS.search(text[:start]) or THRESHOLD_WORDS.search(subject)):
            code = None
        tail = text[end:end + 3]
        out.append(Count(
            value=value, text=num + ("万" if wan else ""), half=_half_count(num, wan), unit=family,
            code=code, subject=subject, subset=is_subset(subject, words), comparison=bool(COMPARISON.search(subject)),
            year=s.year_at(start), line=s.line, sentence=s.index, pos=start, end=end, path=paths[start],
            approximate=tail.startswith("左右") or subject.endswith("约"), unit_text=unit or "",
        ))
        if out[-1].approximate:
            out[-1].half = max(out[-1].half, 0.005 * value)
    return out


def _ratios(s: Sentence) -> list[Ratio]:
    out = []
    for m in RATIO.finditer(s.text):
        num = m.group("num")
        out.append(Ratio(code=RATIO_CODES[m.group("name")], value=float(num), text="1:" + num,
                         half=half_unit(num), year=s.year_at(m.start()), line=s.line))
    return out


def _rate_names(catalog: Catalog, extra: dict[str, str]) -> tuple[re.Pattern | None, dict[str, str]]:
    table: dict[str, str] = {}
    for e in catalog.entries:
        if e.per_capita or e.code.startswith(("HR-N", "PO-")) or e.code in ("HR-DN", "HR-BS", "HR-BN"):
            continue
        for n in e.names:
            key = re.sub(r"\s+", "", fold_width(n))
            if len(key) >= 4:
                table.setdefault(key, e.code)
    for n, code in extra.items():
        e = catalog.get(code)
        if e is None or e.per_capita or code.startswith(("HR-", "PO-")):
            continue
        key = re.sub(r"\s+", "", fold_width(n))
        if len(key) >= 4:
            table.setdefault(key, code)
    if not table:
        return None, table
    alternation = "|".join(re.escape(k) for k in sorted(table, key=len, reverse=True))
    return re.compile(alternation), table


def _rates(s: Sentence, names) -> list[Rate]:
    rx, table = names
    if rx is None:
        return []
    hits = list(rx.finditer(s.text))
    out: list[Rate] = []
    i = 0
    while i < len(hits):
        # a list of names joined by 、和及与 followed by 分别为 v1、v2和v3
        group = [hits[i]]
        j = i
        while j + 1 < len(hits) and re.fullmatch(r"[、和及与]", s.text[hits[j].end():hits[j + 1].start()]):
            group.append(hits[j + 1])
            j += 1
        rest = s.text[group[-1].end():]
        resp = RESPECTIVELY.match(rest)
        if len(group) > 1 and resp:
            values = []
            k = group[-1].end() + resp.end()
            for _ in group:
                vm = LIST_VALUE.match(s.text, k)
                if not vm:
                    break
                values.append(vm)
                k = vm.end()
                sep = re.match(r"[、和及与]", s.text[k:k + 1])
                if sep:
                    k += 1
            if len(values) == len(group):
                for h, vm in zip(group, values):
                    out.append(_rate(s, table[h.group(0)], h.group(0), vm.group("num"), vm.group("unit"),
                                     vm.start()))
            i = j + 1
            continue
        h = hits[i]
        if OTHER_AREA.search(clause_before(s.text, h.start())):
            i += 1
            continue
        nxt = hits[i + 1].start() if i + 1 < len(hits) else len(s.text)
        seg = s.text[h.end():nxt]
        m = FROM_TO.match(seg) or VALUE_AFTER.match(seg)
        if m and "cmp" in m.re.groupindex and m.group("cmp") in ("低于", "高于"):
            m = None  # 床位使用率低于75%…的: a condition, not a fact
        if m and not seg[m.end():].startswith(("个百分点", "百分点")) and not re.match(r"[\d.]", seg[m.end():m.end() + 1]):
            unit = m.group("unit")
            out.append(_rate(s, table[h.group(0)], h.group(0), m.group("num"), unit, h.end() + m.start("num")))
        i += 1
    return out


def _rate(s: Sentence, code: str, name: str, num: str, unit: str | None, pos: int) -> Rate:
    return Rate(code=code, name=name, value=float(num.replace(",", "")), text=num, half=half_unit(num),
                unit=unit, year=s.year_at(pos), line=s.line, sentence=s.index)


def _shares(facts: ProseFacts) -> list[Share]:
    out = []
    by_sentence: dict[int, list[Count]] = {}
    for c in facts.counts:
        by_sentence.setdefault(c.sentence, []).append(c)
    for s in facts.sentences:
        paths = paren_paths(s.text)
        for m in SHARE.finditer(s.text):
            path = paths[m.start()]
            of = m.group("of")
            if of in ("比", "比例"):
                of = ""
            candidates = [c for c in by_sentence.get(s.index, [])
                          if c.end <= m.start() and c.path == path[:len(c.path)] and m.start() - c.end <= 40]
            part = candidates[-1] if candidates else None
            if part is None and m.start() <= 1 and s.index > 0:
                prev = facts.sentences[s.index - 1]
                if prev.paragraph == s.paragraph and by_sentence.get(prev.index):
                    part = by_sentence[prev.index][-1]
            if part is None or part.comparison:
                continue
            pct = m.group("pct")
            out.append(Share(pct=float(pct), text=pct + "%", half=half_unit(pct, lenient=False), of=of,
                             part=part, line=s.line, sentence=s.index, pos=m.start()))
    return out
