"""The words of the prose checks (正文用语): resources counted, parts, other areas, positions.

Which resource a count or a per-1000 value is about (床位, 执业（助理）医师 …) and its catalog
code; words that make a number a part of the region (区级, 其中医院 …), not a stock (培训…人),
or another area's (全省, 平均水平); and where a number's subject starts in a sentence.
"""

from __future__ import annotations

import re

from ..text import fold_width

NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"

# the resource a count or a per-capita value is about → catalog code (or {factor: code})
RESOURCES: list[tuple[str, object]] = [
    (r"乡村医生|村医|乡村执业\(助理\)医师", None),
    (r"中医类别执业\(助理\)医师|中医类别执业医师|中医执业\(助理\)医师|中医类别医师|中医医师", "TC-DOC"),
    (r"公共卫生类别执业\(助理\)医师|公共卫生执业\(助理\)医师|公共卫生医师", "HR-PHP"),
    (r"专业公共卫生机构人员", {1000: "HR-PHI", 10000: "HR-PHI10K"}),
    (r"疾病预防控制机构人员|疾控机构人员", "HR-CDC"),
    (r"公共卫生人员", {1000: "HR-PHW", 10000: "HR-PHW10K"}),
    (r"全科医[师生]", "HR-GP"),
    (r"精神科执业\(助理\)医师|精神科医[师生]", "HR-PSY"),
    (r"药师(?:\(士\))?", "HR-PHA"),
    (r"卫生技术人员|卫技人员", "HR-HTW"),
    (r"卫生人员", "HR-HW"),
    (r"注册护士", "HR-NUR"),
    (r"执业\(助理\)医[师生]", "HR-DOC"),
    (r"执业医[师生]|助理医[师生]", None),  # a part of 执业（助理）医师, not the same count
    (r"重症(?:医学)?床位|ICU床位|重症监护床位", {10000: "HR-ICU", 100000: "HR-ICU100K"}),
    (r"公立中医类?医院床位|中医类?医院床位", "TC-BED"),
    (r"托育?位", "MC-TUO"),
    (r"编制床位|核定床位|规划床位|设计床位|开放床位", None),  # per-1000 beds count 实有床位
    (r"床位|病床", "HR-BED"),
]
_RESOURCES = [(re.compile(p), c) for p, c in RESOURCES]

# words that make a count or a per-capita value a part of the region (区级医疗机构…, 其中医院…)
SUBSET = re.compile(
    r"区级|市级|县级|省级|市办|县办|区办|市属|县属|区属|乡镇|镇级|镇街|街道|社区|村|社会办|民营|非公立|公立"
    r"|医院|卫生院|基层|专业公共卫生|中心|城市|农村|城镇|其他|其它|诊所|门诊部|妇幼|疾控|综合|专科|儿童|老年|儿科"
)
# counts of people that are not a stock of staff (培训全科医生886人)
NOT_STOCK = re.compile(r"培训|培养|招聘|引进|新增|增加|减少|下沉|派驻|转岗|录用|选派|遴选|配备|至少|不低于|不少于|不超过|按|每")
# beds that are being built, not beds that exist (项目建成后将新增…床位185张)
NOT_STOCK_BEDS = re.compile(r"新增|新建|建成后|扩建|改建|拟建|可设|设有|设置|规划床位")
THRESHOLD_WORDS = re.compile(r"不低于|不少于|不超过|按|每")
COMPARISON = re.compile(r"(?:比|较|同比|由|从)\(?(?:19|20)\d{2}年")
TOTAL_WORDS = re.compile(r"全区|全市|全县|全省|全旗|辖区|全部|^(?:总|共有|共计|合计)")
SEPARATORS = "，,。；;、：:"
# a value of another area or an average (全省平均水平, 全国) is not the plan's own
OTHER_AREA = re.compile(r"全国|全省|省级|省内|国家|全球|世界|平均|发达|高收入|同类|周边|其他地区|其他城市|先进地区")

UNIT_FAMILY = {"张": "张", "床": "张", "人": "人", "名": "人", "人次": "人", "个": "个", "家": "个",
               "所": "个", "间": "个", "辆": "辆"}
SCALE = {"千": 1000, "万": 10000, "十万": 100000, "10万": 100000}
PK = {"常住": "常住人口", "常驻": "常住人口", "户籍": "户籍人口"}


# --- resources --------------------------------------------------------------------------------

def normalise_resource(text: str) -> str:
    s = fold_width(text)
    s = s.replace("执业(含助理)医", "执业(助理)医").replace("执业(包括助理)医", "执业(助理)医")
    s = s.replace("执业助理医", "执业(助理)医")
    return s


def resource_in(text: str, factor: int | None = None) -> tuple[str | None, str | None, bool]:
    """The resource named last in ``text``: (code, matched words, found). ``found`` is True even
    when the resource is one no indicator counts (乡村医生)."""
    s = normalise_resource(text)
    best = None
    for rx, code in _RESOURCES:
        for m in rx.finditer(s):
            key = (m.end(), m.end() - m.start())
            if best is None or key > best[0]:
                best = (key, code, m.group(0))
    if best is None:
        return None, None, False
    code = best[1]
    if isinstance(code, dict):
        code = code.get(factor or 1000)
    return code, best[2], True


def is_subset(subject: str, resource_words: str | None) -> bool:
    s = normalise_resource(subject)
    if resource_words:
        s = s.replace(resource_words, "")
    return bool(SUBSET.search(s))


# --- positions and parentheses ----------------------------------------------------------------

def paren_paths(text: str) -> list[tuple]:
    """For each character, the ids of the parentheses open around it."""
    paths, stack, next_id = [], [], 0
    for ch in text:
        if ch in "(（":
            paths.append(tuple(stack))
            stack.append(next_id)
            next_id += 1
        elif ch in ")）":
            if stack:
                stack.pop()
            paths.append(tuple(stack))
        else:
            paths.append(tuple(stack))
    return paths


def subject_before(text: str, pos: int) -> str:
    """The words naming what the number at ``pos`` counts: back to a separator or an open parenthesis."""
    depth = 0
    i = pos - 1
    while i >= 0:
        ch = text[i]
        if ch in ")）":
            depth += 1
        elif ch in "(（":
            if depth == 0:
                break
            depth -= 1
        elif ch in SEPARATORS and depth == 0:
            break
        i -= 1
    return text[i + 1:pos]


def clause_before(text: str, pos: int) -> str:
    i = pos - 1
    while i >= 0 and text[i] not in SEPARATORS:
        i -= 1
    return text[i + 1:pos]
