"""The chart question parser: a question in English → what to compute (`ParsedQuestion`).

A pattern table, tried in order (most specific first). Each pattern names a question kind, an
operation where the kind has one (max/min, greater/less, increase/decrease, x/y) and captures the
phrases that name chart entities ("'Female' in '2012'", "Italy", "from 2Q23 to 2Q24"). The parser
knows nothing about any chart: `charts.qa` resolves the phrases against a chart's categories and
series names and computes the answer. A question no pattern matches is unsupported — the answerer
then says so instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class QuestionKind(str, Enum):
    value = "value"  # the value of a category (in a series)
    extreme_value = "extreme_value"  # the maximum / minimum value
    extreme_label = "extreme_label"  # which category has the maximum / minimum (in a series)
    extreme_series = "extreme_series"  # which series is highest / lowest (overall or at a category)
    spread = "spread"  # difference between the highest and the lowest value
    total = "total"  # sum of named values, or of a series / all values
    average = "average"  # average of named values, or of a series / all values
    median = "median"  # median of named values, or of a series / all values
    difference = "difference"  # a - b of two named values
    change = "change"  # from a to b: increase (b - a) or decrease (a - b)
    percent_change = "percent_change"  # from a to b, in percent of a
    ratio = "ratio"  # a / b
    count_categories = "count_categories"
    count_series = "count_series"
    count_marks = "count_marks"  # bars / points in the whole chart
    count_compared = "count_compared"  # marks above / below a named mark or a number
    count_changes = "count_changes"  # increases / decreases along the x axis
    trend = "trend"
    range = "range"  # "lowest to highest"
    compare = "compare"  # yes/no: is a greater / less than b
    is_extreme = "is_extreme"  # yes/no: is a the maximum / minimum / median / smoothest ...
    intersect = "intersect"  # yes/no: do two lines cross
    smoothest = "smoothest"  # which series is the smoothest / roughest
    title = "title"
    axis_title = "axis_title"
    legend_has = "legend_has"  # yes/no: is a name among the legend entries


@dataclass(frozen=True)
class ParsedQuestion:
    kind: QuestionKind
    op: str | None = None
    a: str | None = None  # first entity phrase, as written (quotes kept)
    b: str | None = None  # second entity phrase
    threshold: float | None = None
    text: str = ""  # the normalised question (lower case, one space, no final '?')
    marks: tuple[str, ...] = ()  # kinds of mark the question names ("bar", "line", ...; see `named_marks`)


_MAX = r"(?:maximum|highest|largest|max|greatest|biggest|most|peak|top)"
_MIN = r"(?:minimum|lowest|smallest|min|least|fewest|bottom)"
_UP = r"(?:increase|increased|rise|rose|grow|grew|growth|gain|gained|go up|went up)"
_DOWN = r"(?:decrease|decreased|decline|declined|drop|dropped|fall|fell|reduction|reduced|go down|went down)"
_CHANGE = r"(?:change|changed|difference)"
_MORE = r"(?:greater|higher|larger|more|bigger)"
_LESS = r"(?:less|lower|smaller|fewer)"
_NUMBER = r"-?\d[\d,]*(?:\.\d+)?"
_CHART_WORDS = r"chart|graph|plot|figure|pie|donut|doughnut|bar chart|line chart|scatter plot"


def _op_of(word: str) -> str:
    word = word.strip()
    if re.fullmatch(_MAX, word) or re.fullmatch(_MORE, word):
        return "max"
    if re.fullmatch(_MIN, word) or re.fullmatch(_LESS, word):
        return "min"
    if re.fullmatch(_UP, word):
        return "increase"
    if re.fullmatch(_DOWN, word):
        return "decrease"
    return word


@dataclass(frozen=True)
class _Pattern:
    kind: QuestionKind
    regex: re.Pattern[str]
    op: str | None = None  # fixed op; else taken from the group named "op"


def _p(kind: QuestionKind, pattern: str, op: str | None = None) -> _Pattern:
    return _Pattern(kind, re.compile(pattern), op)


K = QuestionKind
# Ordered: the first pattern that matches decides. Each line is one way people ask a kind.
PATTERNS: tuple[_Pattern, ...] = (
    _p(K.title, r"^what is the (?:title|heading|caption) of (?:the |this )?(?:graph|chart|plot|figure)$"),
    _p(K.axis_title, r"^what is the (?:label|title)(?: or (?:title|label))? of the (?P<op>x|y)[- ]?axis$"),
    _p(K.axis_title, r"^what is the (?P<op>x|y)[- ]?axis(?:'s)? (?:label|title)$"),
    _p(K.title, r"^what is the (?:chart|graph|plot|figure)(?:'s)? (?:title|heading|caption)$"),
    _p(K.legend_has, r"^does (?P<a>.+?) appear (?:as one of the legend labels|in the legend)"),
    _p(K.count_changes, rf"^how many times does (?:the )?(?:y[- ]axis|value|line|.+?) (?P<op>{_UP}|{_DOWN})\b"),
    _p(K.count_compared, rf"^how many (?:bars|points|values|dots|slices|sectors) (?:have|has|are|with) "
                         rf"(?P<op>{_MORE}|{_LESS}) (?:values? )?than (?:the (?:bar|point|value|one) (?:of|for|in) )?(?P<a>.+)$"),
    _p(K.count_compared, rf"^how many (?:[\w'’]+ ){{1,4}}?(?:have|has|had|with|are|were|is|show|showed) (?:[\w'’%]+ ){{0,5}}?"
                         rf"(?P<op>over|above|more than|greater than|higher than|at least|exceeding|below|under|"
                         rf"less than|lower than) (?P<n>{_NUMBER})"),
    _p(K.count_marks, r"^how many (?:bars|columns|points|dots|markers|data points|values|data values|slices|sectors|"
                      r"segments|wedges) "
                      r"(?:(?:are|is) (?:there|shown|displayed|plotted)(?: (?:in|on) (?:the|this) (?:chart|graph|plot|figure))?|"
                      r"(?:are|is) (?:in|on) (?:the|this) (?:chart|graph|plot|figure)|"
                      rf"(?:does|do) (?:the|this) (?:{_CHART_WORDS})(?: (?:chart|graph|plot))? (?:have|show|contain))$"),
    _p(K.count_series, r"^how many (?:lines|series|legend (?:entries|labels|items)|groups of bars) "
                       r"(?:(?:are|is) (?:there|shown|displayed|plotted)(?: (?:in|on) (?:the|this) (?:chart|graph|plot|figure))?|"
                       r"(?:are|is) (?:in|on) (?:the|this) (?:chart|graph|plot|figure)|"
                       rf"(?:does|do) (?:the|this) (?:{_CHART_WORDS})(?: (?:chart|graph|plot))? (?:have|show|contain))$"),
    _p(K.count_categories, r"^how many (?:categories|countries|years|months|regions|groups|items|companies|"
                           r"states|cities|sectors|types|age groups|quarters|brands|products|platforms|options|"
                           r"x[- ]axis labels)(?:[\w'’\ufffd ]{0,20}?) (?:are|is|were) (?:there|shown|represented|included|"
                           r"displayed|listed|compared)(?: (?:in|on) (?:the|this) (?:chart|graph|plot|figure))?$"),
    _p(K.range, r"^what is the range of (?:the )?(?:\w+ )?values(?: (?:in|on) (?:the|this) (?:chart|graph))?$"),
    _p(K.trend, r"^what (?:is|was) the (?:overall |general )?trend (?:of|in|for) (?P<a>.+)$"),
    _p(K.intersect, r"^does (?P<a>.+?) intersect (?P<b>.+)$"),
    _p(K.is_extreme, r"^(?:is|does) (?P<a>.+?) (?:the |have the )?(?P<op>high median|low median|smoothest|roughest|"
                     r"maximum area under the curve|minimum area under the curve|highest value|lowest value|"
                     r"maximum|minimum|largest|smallest|highest|lowest)$"),
    _p(K.compare, rf"^(?:is|was|are|were|does|did) (?:the value of )?(?P<a>.+?) (?:have )?(?:a )?(?P<op>{_MORE}|{_LESS})"
                  rf"(?: value)? than (?:that (?:of|in) )?(?P<b>.+)$"),
    _p(K.smoothest, r"^which (?:line|series|colou?r) is (?:the )?(?P<op>smoothest|roughest)"),
    _p(K.spread, rf"(?:difference|gap) between (?:the )?{_MAX}(?: [\w%' ]+?)? and (?:the )?{_MIN}\b"),
    _p(K.spread, rf"(?:difference|gap) between (?:the )?{_MIN}(?: [\w%' ]+?)? and (?:the )?{_MAX}\b"),
    _p(K.percent_change, rf"percent(?:age)? (?P<op>{_UP}|{_DOWN}|{_CHANGE})\b(?! points?).*?\bfrom (?P<a>.+?) to (?P<b>.+)$"),
    _p(K.percent_change, rf"^by what percent(?:age)? did .+? (?P<op>{_UP}|{_DOWN}|{_CHANGE})\b.*?\bfrom (?P<a>.+?) to (?P<b>.+)$"),
    _p(K.change, rf"^(?:by )?how (?:much|many [\w ]+?) did .+? (?P<op>{_UP}|{_DOWN}|{_CHANGE})\b.*?\bfrom (?P<a>.+?) to (?P<b>.+)$"),
    _p(K.change, rf"^what (?:is|was) the (?:total |absolute |net |overall )?(?:percentage point |percent point )?"
                 rf"(?P<op>{_UP}|{_DOWN}|{_CHANGE}) (?:in|of) .+?\bfrom (?P<a>.+?) to (?P<b>.+)$"),
    _p(K.difference, r"^what (?:is|was) the (?:numerical |absolute )?difference (?:in [\w ()%$]+? )?between (?P<a>.+?) and (?P<b>.+)$"),
    _p(K.difference, rf"^how much (?P<op>{_MORE}|{_LESS}) (?:is|was|are|were) (?P<a>.+?) than (?P<b>.+)$"),
    _p(K.ratio, r"^what (?:is|was) the ratio (?:of|between) (?P<a>.+?) (?:to|and) (?:that (?:in|of) )?(?P<b>.+)$"),
    _p(K.total, r"^what (?:is|was) the (?:sum|total) of (?:all )?(?:the )?(?:bars|values|points|data points) "
                r"(?:corresponding to|of|for|in) (?P<a>.+?)(?: in (?:this|the) (?:chart|graph))?$"),
    _p(K.total, r"^what (?:is|was) the (?:sum|total) of (?P<a>.+?) and (?P<b>.+?)(?: in (?:this|the) (?:chart|graph))?$"),
    _p(K.average, r"^what (?:is|was) the (?:average|mean)(?: value)? of (?:all )?(?:the )?(?:bars|values|points|data points) "
                  r"(?:corresponding to|of|for|in) (?P<a>.+?)(?: in (?:this|the) (?:chart|graph))?$"),
    _p(K.average, r"^what (?:is|was) the (?:average|mean)(?: value)? of (?P<a>.+?) and (?P<b>.+?)"
                  r"(?: in (?:this|the) (?:chart|graph))?$"),
    _p(K.average, r"^what (?:is|was) (?P<a>.+?)(?:'s|’s) (?:average|mean)\b"),
    _p(K.average, r"^what (?:is|was) the (?:average|mean)\b(?P<a>.*)$"),
    _p(K.median, r"^what (?:is|was) the median(?: value)?(?: of (?:all )?(?:the )?(?:bars|values|points|data points))?"
                 r"(?: (?:corresponding to|of|for|in) (?P<a>.+?))?(?: in (?:this|the) (?:chart|graph))?$"),
    _p(K.total, r"^what (?:is|was) the (?:sum|total)\b(?P<a>.*)$"),
    _p(K.extreme_series, rf"^which (?:series|line|group|colou?r|one) (?:is|was|has|had|shows|showed) (?:the )?"
                         rf"(?P<op>{_MAX}|{_MIN}|{_MORE}|{_LESS})\b(?: value)?(?: (?:in|at|for) (?P<a>.+))?$"),
    _p(K.extreme_label, rf"^(?:in |during |for |at )?(?:which|what) (?P<what>[\w ]+?) (?:did|does|do|was|were|is|are|had|has|have|saw|showed|recorded|reached) "
                        rf"(?:.+? )?(?:the )?(?P<op>{_MAX}|{_MIN}|{_MORE}|{_LESS})\b(?P<rest>.*)$"),
    _p(K.extreme_label, rf"^(?:which|what) (?P<what>[\w ]+?) (?:has|had|have|shows|showed|with) (?:the )?"
                        rf"(?P<op>{_MAX}|{_MIN})\b(?P<rest>.*)$"),
    _p(K.extreme_value, rf"^what (?:is|was|are|were) the (?P<op>{_MAX}|{_MIN})\b(?! (?:and|or) )(?P<a>.*)$"),
    _p(K.value, r"^what (?:is|was) the value of (?:the (?:bar|point|line|slice|sector) (?:in|of|for) )?(?P<a>.+?)"
                r"(?: in (?:this|the) (?:chart|graph))?$"),
    _p(K.value, r"^(?:what|how much|how many|which value)\b(?P<a>.+)$"),
)


# -- marks a question names ---------------------------------------------------------------------------
# A question that names a kind of mark ("how many bars", "the line for X", "which slice", "in the
# bar chart") is about a chart that has such marks; `charts.qa` declines it on a chart of another
# kind. Generic words (values, data points, categories, series, groups, sectors) name no mark.
MARK_NOUNS: dict[str, str] = {
    "bar": r"bars?|columns?",
    "line": r"lines?",
    "point": r"points?|dots?|markers?",
    "slice": r"slices?|wedges?",
    "segment": r"segments?",
}
"""Mark kind -> the nouns that name it (as a regex alternation)."""
CHART_NOUNS: dict[str, str] = {
    "bar": r"bar|column|histogram",
    "line": r"line",
    "point": r"dot",
    "slice": r"pie|donut|doughnut",
    "scatter": r"scatter",
}
"""Mark kind -> the words that name the chart by it ("bar chart", "pie graph", "scatter plot")."""
# Phrases with a mark noun that name no mark (removed before looking for marks).
_NOT_MARKS = re.compile(r"\b(?:data ?points?|percent(?:age)? points?|basis points?|points? in time|"
                        r"(?:starting|decimal|high(?:est)?|low(?:est)?|peak|top|turning|break[- ]?even) points?|"
                        r"(?:trend|regression|best[- ]fit|bottom|poverty|reference|target) ?lines?|"
                        r"lines? of (?:best fit|business)|in line with|line items?)\b")
_AUX = r"(?:did|does|do|will|would|can|could|should|of)"
# The mark nouns' positions that refer to marks: "how many bars are ...", "the (tallest) bar for
# X", "which line is ...", "each slice". A noun followed by did/does ("how many points did the
# team score") is a unit, not a mark.
_MARK_CONTEXTS = (
    r"\bhow many (?:more |fewer |of the )?(?:[\w'-]+ ){{0,2}}?(?:{nouns})\b(?! {aux}\b)",
    (r"\b(?:the|a|an|each|every|all|which|any|one|these|those) (?:[\w'-]+ ){{0,2}}?(?:{nouns})"
     r"(?= (?:for|of|in|at|on|represents?|representing|that|which|labell?ed|named|showing|shows|is|was|are|were|"
     r"has|have|had|with|whose|corresponding)\b|$)"),
)


def named_marks(text: str) -> tuple[str, ...]:
    """Kinds of mark a normalised question names, in `MARK_NOUNS` / `CHART_NOUNS` order: a mark
    noun where it refers to marks, or the chart named by its marks ("bar chart", "line graph")."""
    text = _NOT_MARKS.sub(" ", text)
    found = []
    for kind, nouns in MARK_NOUNS.items():
        if any(re.search(c.format(nouns=nouns, aux=_AUX), text) for c in _MARK_CONTEXTS):
            found.append(kind)
    for kind, nouns in MARK_NOUNS.items():  # "how many slices does the chart have": marks, not a unit
        if re.search(rf"\bhow many (?:{nouns}) (?:does|do) (?:the|this) (?:{_CHART_WORDS})\b", text) \
                and kind not in found:
            found.append(kind)
    for kind, words in CHART_NOUNS.items():
        if re.search(rf"\b(?:{words})s? ?(?:chart|graph|plot|diagram)s?\b", text) and kind not in found:
            found.append(kind)
    if re.search(r"\b(?:the|this|a) (?:pie|donut|doughnut)\b", text) and "slice" not in found:
        found.append("slice")  # "the pie" names a pie chart
    return tuple(found)


def normalise(question: str) -> str:
    text = question.strip().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"\s+", " ", text).lower()
    text = re.sub(r"^(?:across|among|of|for|in) all (?:the )?[\w ]+?, ", "", text)  # "across all countries, what ..."
    return text.rstrip(" ?.!").strip()


def parse_question(question: str) -> ParsedQuestion | None:
    """The kind of `question` and its entity phrases; None when no pattern knows the question."""
    text = normalise(question)
    for pattern in PATTERNS:
        match = pattern.regex.search(text)
        if match is None:
            continue
        groups = match.groupdict()
        marks = named_marks(text)
        op = pattern.op or (_op_of(groups["op"]) if groups.get("op") else None)
        threshold = None
        if groups.get("n"):
            threshold = float(groups["n"].replace(",", ""))
        a = groups.get("a")
        if pattern.kind is K.extreme_label:
            a = groups.get("rest") or None
            return ParsedQuestion(pattern.kind, op, (a or "").strip() or None, groups.get("what"), None, text, marks)
        return ParsedQuestion(pattern.kind, op, a.strip() if a else None,
                              groups.get("b").strip() if groups.get("b") else None, threshold, text, marks)
    return None
