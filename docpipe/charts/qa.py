"""Deterministic answers to chart questions, computed from the data a reader produced (`ChartData`).

`answer_question(question, charts)` parses the question (`charts.questions`), resolves its entity
phrases against each chart's categories and series names, computes the answer from the values,
and grounds it on the marks it used: page, chart index, the box around those marks and each mark's
box. Its confidence is the lowest confidence among the values the answer depends on (every value
for a maximum or a count, the named ones for a lookup or a difference).

Nothing is guessed: a question no pattern knows, or whose entities do not resolve to exactly the
values it needs, gets an `unsupported_question` error; so does a question naming marks the chart
does not have ("how many bars" of a line chart: `questions.named_marks`), whose message says
what the chart is. A question asked of a page whose charts could not be read gets
`unreadable_chart`.

Yes/no answers follow FigureQA's definitions: "high/low median" is the upper/lower middle
category by value, "smoothest/roughest" the series with the smallest/largest mean squared second
difference of its values (relative to its range), "area under the curve" the trapezoidal integral
over the x axis (Kahou et al., FigureQA, 2017).
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from docpipe.charts.model import ChartData, ChartPoint, ChartSeries
from docpipe.charts.numbers import format_value, parse_number
from docpipe.charts.questions import (
    MARK_NOUNS,
    ParsedQuestion,
    QuestionKind,
    parse_question,
)
from docpipe.charts.text_evidence import find_printed
from docpipe.grounding.dates import MONTHS
from docpipe.grounding.textnorm import fold
from docpipe.records import BBox, ChartAnswer, ErrorCategory, ErrorInfo, Word

K = QuestionKind
STAGE = "chart_qa"
# Words that make a question about more than one looked-up value: a plain value lookup must not
# answer a question that contains one (its pattern did not match, so it is not understood).
_AGGREGATE_WORDS = re.compile(
    r"\b(average|mean|sum|total|combined|difference|differ|ratio|times|change|increase|decrease|grow|grew|"
    r"decline|percentage points?|more than|less than|fewer than|compared|median|mode|per\b|each|every|both|"
    r"all|between|higher|lower|larger|smaller|highest|lowest|largest|smallest|maximum|minimum|most|least|"
    r"rank|second|third|top|bottom|colou?r|red|blue|green|yellow|orange|grey|gray|purple|black|legend|"
    r"how many (?:times|years|countries|categories|bars|lines|points)|cagr|growth rate|forecast|projected)\b")


# Which chart types have each kind of mark a question can name (`questions.named_marks`).
_CHARTS_WITH: dict[str, frozenset[str]] = {
    "bar": frozenset({"bar", "stacked_bar", "grouped_bar"}),
    "line": frozenset({"line", "area"}),
    "point": frozenset({"line", "scatter", "area"}),
    "slice": frozenset({"pie"}),
    "segment": frozenset({"pie", "bar", "stacked_bar", "grouped_bar"}),
    "scatter": frozenset({"scatter"}),
}
_MARK_PLURAL = {"bar": "bars", "line": "lines", "point": "points", "slice": "slices", "segment": "segments",
                "scatter": "a scatter plot's points"}
_CHART_NAMES = {"bar": "a bar chart", "stacked_bar": "a stacked bar chart", "grouped_bar": "a grouped bar chart",
                "line": "a line chart", "scatter": "a scatter plot", "pie": "a pie chart", "area": "an area chart"}


class Unsupported(Exception):
    """The question cannot be answered from this chart without guessing; the text says why."""


@dataclass
class _Answer:
    text: str
    value: float | None
    points: list[ChartPoint] = field(default_factory=list)  # marks the answer depends on
    unit: str | None = None
    mentions: int = 0  # entity phrases resolved: how strongly the question is about this chart
    at: list[ChartPoint] | None = None  # the marks the answer names (a maximum's mark); None: all of `points`
    ranked: bool = False  # the answer is an ordering of `points` (a maximum, a comparison), not a value
    printed: bool = False  # the answer is text the reader took from the page (a title): grounded on the words
    count: bool = False  # the answer counts marks / series / categories: it rests on no value's precision


def answer_question(question: str, charts: Sequence[ChartData], *, words: Sequence[Word] | None = None,
                    min_confidence: float | None = None) -> ChartAnswer:
    """Answer `question` from the charts of one page (or one document).

    Returns a ChartAnswer that is either answered (answer, value, unit, page_index, chart_index,
    bbox around the marks it names, mark_boxes of every mark used, grounded, confidence) or
    carries an error: unsupported_question (not a kind the answerer handles, or ambiguous on these
    charts), unreadable_chart (no chart, or no chart could be read) or low_confidence (the answer
    rests on values read from pixels whose confidence is under `min_confidence`, default
    `MIN_CONFIDENCE`; the message says what the reading gave; a count of marks, series or
    categories rests on no value's precision and is declined only when the marks do not form a
    complete series × category grid, `_grid_gaps`). Values a model gave (source
    `model`) are not gated here: the VLM task weighs them against the model's own answer.

    `grounded` means the answer is shown on the page: an answer computed from marks is grounded
    when every mark it used was located (not a model's value); an answer that is printed text
    (a chart or axis title) is grounded when `words` (the page's word layer, reading order)
    spell it (`text_evidence.find_printed`), and its bbox is then the box of those words.
    """
    threshold = MIN_CONFIDENCE if min_confidence is None else min_confidence
    if not charts:
        return _error(question, ErrorCategory.unreadable_chart, "no chart was found")
    readable = [c for c in charts if c.error is None and c.values()]
    if not readable:
        reasons = "; ".join(sorted({c.error.message for c in charts if c.error is not None})) or "no values"
        return _error(question, ErrorCategory.unreadable_chart, f"no chart could be read ({reasons})")
    parsed = parse_question(question)
    if parsed is None:
        return _error(question, ErrorCategory.unsupported_question,
                      "the question is not one of the kinds the chart answerer computes")
    results: list[tuple[ChartData, _Answer]] = []
    problems: list[str] = []
    for chart in readable:
        try:
            results.append((chart, _ChartAnswerer(chart, parsed).answer()))
        except Unsupported as why:
            problems.append(str(why))
    if not results:
        return _error(question, ErrorCategory.unsupported_question, problems[0])
    best = max(r.mentions for _, r in results)
    chosen = [(c, r) for c, r in results if r.mentions == best]
    if len({r.text for _, r in chosen}) > 1:
        return _error(question, ErrorCategory.unsupported_question,
                      f"{len(chosen)} charts could answer the question differently; it does not say which")
    chart, result = chosen[0]
    answer = _grounded(question, chart, result, words or [])
    from_pixels = chart.reader == "raster" and not any(p.source == "model" for p in result.points)
    if from_pixels and result.count:
        # A count needs every mark found, not every value precise: it is declined when the marks
        # do not form a complete grid (a series without a mark at a category another series has),
        # whatever the values' confidence.
        gaps = _grid_gaps(chart)
        if gaps:
            return _error(question, ErrorCategory.low_confidence,
                          f"the marks were not all found ({gaps} series/category slot(s) without a mark): "
                          f"the reading gives {answer.answer!r}")
        return answer
    if from_pixels and (answer.confidence or 0.0) < threshold:
        return _error(question, ErrorCategory.low_confidence,
                      f"the values this answer rests on were not read reliably: the reading gives "
                      f"{answer.answer!r} at confidence {answer.confidence:.2f}, under {threshold:.2f}")
    return answer


def _grid_gaps(chart: ChartData) -> int:
    """Slots (series × category) where a series has no located mark at a category another series
    has one at; 0 for a complete grid. Numeric x axes (lines, scatter) have no grid: 0."""
    series = [s for s in chart.series if any(p.y is not None for p in s.points)]
    if len(series) < 2 or any(p.x_value is not None for s in series for p in s.points):
        return 0
    have = [{p.x for p in s.points if p.y is not None and p.bbox is not None} for s in series]
    every = set().union(*have)
    return sum(len(every - h) for h in have)


def _grounded(question: str, chart: ChartData, result: _Answer, words: Sequence[Word]) -> ChartAnswer:
    boxes = [p.bbox for p in result.points if p.bbox is not None]
    named = [p.bbox for p in (result.at if result.at else result.points) if p.bbox is not None]
    union: BBox | None = None
    if named:  # the answer's box: the marks it names (a maximum's bar), else every mark it used
        union = (min(b[0] for b in named), min(b[1] for b in named), max(b[2] for b in named),
                 max(b[3] for b in named))
    grounded = bool(result.points) and all(p.bbox is not None and p.source != "model" for p in result.points)
    if result.printed:  # text taken from the page: shown here only if the page's words spell it
        union = find_printed(result.text, words)
        grounded = union is not None
    confidence = _confidence(result, chart)
    return ChartAnswer(question=question, answer=result.text, value=result.value, unit=result.unit,
                       page_index=chart.page_index, chart_index=chart.chart_index, bbox=union,
                       mark_boxes=boxes, grounded=grounded, confidence=round(confidence, 4))


MIN_CONFIDENCE = 0.7
"""Answers from raster readings under this confidence are declined (low_confidence). Chosen on the
development charts only (`python tools/chart_raster_qa.py --part dev`): the lowest threshold at
which every answered development question was right (0.5 gave precision 0.93, 0.6 gave 0.96);
the held-out part is harder than the part the reader was developed on, hence the margin. The
README gives the held-out figures."""

RIVAL_MARGIN = 0.1
"""For an answer that is an ordering (which category is highest, is A above B), the values that
can change it: those within this share of the value range of a decisive one."""


def _confidence(result: _Answer, chart: ChartData) -> float:
    """The answer's confidence: the lowest confidence among the values it depends on. A value
    depends on every point it combines (a sum, an average: all of them; a lookup: the named
    one). An ordering depends on its decisive points (the maximum's mark, the two compared) and
    on the rivals close enough to change it (within `RIVAL_MARGIN` of the value range of a
    decisive one); a point far below a maximum cannot change which category it is. Answers from
    no point (a title) take the chart's confidence."""
    points = [p for p in result.points if p.y is not None]
    if not points:
        return chart.confidence
    if not result.ranked or not result.at:
        return min(p.confidence for p in points)
    values = [p.y for p in points]
    span = (max(values) - min(values)) or abs(max(values)) or 1.0
    decisive = [p for p in result.at if p.y is not None] or points
    close = [p for p in points if any(abs(p.y - d.y) <= RIVAL_MARGIN * span for d in decisive)]
    return min(p.confidence for p in decisive + close)


def _error(question: str, category: ErrorCategory, message: str) -> ChartAnswer:
    return ChartAnswer(question=question, error=ErrorInfo(category=category, message=message, stage=STAGE))


# -- names and mentions ------------------------------------------------------------------------------

def _norm(text: str) -> str:
    text = text.lower().replace("&", " and ").replace("'s ", " ").replace("’s ", " ")
    text = re.sub(r"[^\w%.\-]+", " ", text)
    text = re.sub(r"(?<!\d)[.\-]|[.\-](?!\d)", " ", text)  # keep 3.5 and 2013-01-01, drop other dots/dashes
    # a month's full name and its abbreviations are one name ('June' names the category 'Jun'), in
    # every language the date reader knows (`grounding.dates.MONTHS`)
    return " ".join(f"month{MONTHS[w]}" if w in MONTHS else w for w in (fold(t) for t in text.split()))


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _same(term: str, name: str) -> bool:
    """A quoted term names an entity: equal as text, as numbers, or an ISO date and its year."""
    a, b = _norm(term), _norm(name)
    if a == b and a:
        return True
    na, nb = parse_number(term), parse_number(name)
    if na is not None and nb is not None and na.value == nb.value:
        return True
    date = _ISO_DATE.match(term.strip())
    return bool(date and b in (date.group(1), f"{date.group(1)}-{date.group(2)}"))


def _mentions(text: str, names: Sequence[str]) -> list[int]:
    """Indexes of `names` mentioned in `text` (quoted terms first; else whole-word occurrences,
    longest names first, each stretch of text claimed once)."""
    quoted = re.findall(r"'([^']+)'|\"([^\"]+)\"", text)
    terms = [a or b for a, b in quoted]
    if terms:
        found = []
        for term in terms:
            hits = [i for i, name in enumerate(names) if _same(term, name)]
            found += hits[:1]
        if found:
            return found
    haystack = f" {_norm(text)} "
    found: list[tuple[int, int]] = []
    claimed: list[tuple[int, int]] = []
    for i in sorted(range(len(names)), key=lambda i: -len(_norm(names[i]))):
        needle = _norm(names[i])
        if not needle:
            continue
        start = haystack.find(f" {needle} ")
        while start >= 0:
            span = (start, start + len(needle) + 2)
            if not any(s < span[1] and span[0] < e for s, e in claimed):
                claimed.append(span)
                found.append((start, i))
                break
            start = haystack.find(f" {needle} ", start + 1)
    return [i for _, i in sorted(found)]


# -- the answerer -----------------------------------------------------------------------------------

class _ChartAnswerer:
    def __init__(self, chart: ChartData, parsed: ParsedQuestion) -> None:
        self.chart = chart
        self.q = parsed
        self.series = _one_series_if_split(chart.series)
        self.categories: list[str] = []
        for s in self.series:
            for p in s.points:
                if p.x and p.x not in self.categories:
                    self.categories.append(p.x)
        self.series_names = [s.name or "" for s in self.series]
        self.unit = chart.y_axis.unit if chart.y_axis is not None else None
        self.mentions = 0

    # -- lookups ---------------------------------------------------------------------------------
    def answer(self) -> _Answer:
        self._check_marks()
        handler: Callable[[], _Answer] = getattr(self, f"_{self.q.kind.value}")
        result = handler()
        result.mentions = self.mentions
        return result

    def _check_marks(self) -> None:
        """Decline a question that names marks this chart does not have ("how many bars" of a
        line chart): answering it from the chart's values would be a guess at what was meant.
        A mark word that is part of one of the chart's own category or series names ("Line A")
        is a name, not a mark; a chart of unknown type ("other") is not checked."""
        kind = self.chart.chart_type
        if kind not in _CHART_NAMES:
            return
        own = " ".join(_norm(n) for n in [*self.categories, *self.series_names] if n)
        for mark in self.q.marks:
            if kind in _CHARTS_WITH[mark]:
                continue
            if re.search(rf"\b(?:{MARK_NOUNS.get(mark, mark)})\b", own):
                continue
            n_points = len(self._all_points())
            n_series = len(self.series)
            raise Unsupported(
                f"the question asks about {_MARK_PLURAL[mark]}, but this chart is {_CHART_NAMES[kind]} "
                f"({n_series} series, {n_points} value{'s' if n_points != 1 else ''}): it has no {_MARK_PLURAL[mark]}")

    def _named_series(self, text: str) -> list[int]:
        hits = _mentions(text, self.series_names) if any(self.series_names) else []
        return hits

    def _named_categories(self, text: str) -> list[int]:
        return _mentions(text, self.categories)

    def _series_for(self, text: str, required: bool = True) -> ChartSeries | None:
        """The one series the text is about (the only one, or the one it names)."""
        if len(self.series) == 1:
            return self.series[0]
        hits = list(dict.fromkeys(self._named_series(text) or self._named_series(self.q.text)))
        if len(hits) == 1:
            self.mentions += 1
            return self.series[hits[0]]
        if required:
            raise Unsupported("the question does not name one of the chart's series "
                              f"({', '.join(n for n in self.series_names if n) or 'unnamed'})")
        return None

    def _point(self, phrase: str, series_hint: str | None = None) -> ChartPoint:
        """The one value a phrase names: a category (and a series when the chart has several)."""
        cats = list(dict.fromkeys(self._named_categories(phrase)))
        if not cats:
            cats = self._described_category(phrase)
        series_hits = list(dict.fromkeys(self._named_series(phrase)))
        if len(self.series) > 1 and not series_hits and series_hint is not None:
            series_hits = list(dict.fromkeys(self._named_series(series_hint)))
        if len(cats) != 1:
            # Series-as-category (pie / one point per series): "Sienna" names a series of one point.
            if not cats and len(series_hits) == 1 and len(self._points(self.series[series_hits[0]])) == 1:
                self.mentions += 1
                return self._points(self.series[series_hits[0]])[0]
            raise Unsupported(f"{phrase!r} does not name exactly one category of the chart")
        category = self.categories[cats[0]]
        if len(self.series) == 1:
            series = self.series[0]
        elif len(series_hits) == 1:
            series = self.series[series_hits[0]]
        else:
            raise Unsupported(f"{phrase!r} does not say which series (one of "
                              f"{', '.join(n for n in self.series_names if n) or 'several unnamed'})")
        point = next((p for p in series.points if p.x == category and p.y is not None), None)
        if point is None:
            raise Unsupported(f"no value for {category!r} in the chart")
        self.mentions += 1
        return point

    def _described_category(self, phrase: str) -> list[int]:
        """A long category label paraphrased in the question: nearly all of its words are there.

        Only labels of three or more content words qualify, the best must cover 80% of its words
        and beat the next by a clear margin; short labels must be named exactly.
        """
        words = set(_content_words(phrase))
        scored = []
        for i, name in enumerate(self.categories):
            own = set(_content_words(name))
            if len(own) >= 3:
                scored.append((len(own & words) / len(own), i))
        scored.sort(reverse=True)
        if scored and scored[0][0] >= 0.8 and (len(scored) == 1 or scored[1][0] <= scored[0][0] - 0.25):
            return [scored[0][1]]
        return []

    @staticmethod
    def _points(series: ChartSeries) -> list[ChartPoint]:
        return [p for p in series.points if p.y is not None]

    def _all_points(self) -> list[ChartPoint]:
        return [p for s in self.series for p in self._points(s)]

    def _scope(self, phrase: str | None = None) -> list[ChartPoint]:
        """Values a whole-chart question is about: a series it names, else the values of a
        category it names (across series), else every value; cut to "from A to B" when it says so."""
        text = phrase if phrase is not None else self.q.text
        hits = list(dict.fromkeys(self._named_series(text)))
        if len(self.series) > 1 and len(hits) == 1:
            self.mentions += 1
            points = self._points(self.series[hits[0]])
        elif len(self.series) > 1 and len(hits) > 1:
            raise Unsupported("the question names several series")
        else:
            points = self._all_points()
        span = self._category_span()
        if span is not None:
            points = [p for p in points if p.x in span]
        elif len(self.series) > 1 and not hits:
            cats = list(dict.fromkeys(self._named_categories(text)))
            if len(cats) == 1:
                self.mentions += 1
                points = [p for p in points if p.x == self.categories[cats[0]]]
            elif cats:
                raise Unsupported("the question names several categories")
        if not points:
            raise Unsupported("no values in the part of the chart the question names")
        return points

    def _category_span(self) -> set[str] | None:
        """Categories from A to B (inclusive, in axis order) when the question names such a span."""
        match = re.search(r"\b(?:from|between) (.+?) (?:to|and|through|until) (.+?)(?: (?:in|on|for|of|shown)\b.*)?$",
                          self.q.text)
        if match is None:
            return None
        first = list(dict.fromkeys(self._named_categories(match.group(1))))
        last = list(dict.fromkeys(self._named_categories(match.group(2))))
        if len(first) != 1 or len(last) != 1:
            if re.search(r"\bfrom \S+ to \S+", self.q.text):
                raise Unsupported("the question restricts the values to a span that does not name two categories")
            return None
        i, j = sorted((first[0], last[0]))
        self.mentions += 2
        return set(self.categories[i:j + 1])

    def _number(self, value: float, points: list[ChartPoint], unit: str | None = "same") -> _Answer:
        text = self._in_axis_precision(value, points) if unit == "same" else format_value(_tidy(value))
        return _Answer(text, _tidy(value), points, self.unit if unit == "same" else unit)

    def _in_axis_precision(self, value: float, points: list[ChartPoint]) -> str:
        """The answer text of a value in axis units: a value measured from pixels is printed to the
        precision the value axis supports (the power of ten at or under 1/100 of its span: 0-50 ->
        one decimal, 0-600 -> whole numbers); printed labels and exact values keep their digits.
        `value` (the answer's number) is never rounded."""
        axis = self.chart.y_axis
        if not any(p.source == "measured" for p in points) or axis is None or axis.minimum is None \
                or axis.maximum is None or axis.maximum <= axis.minimum:
            return format_value(_tidy(value))
        decimals = max(0, -math.floor(math.log10((axis.maximum - axis.minimum) / 100)))
        return format_value(round(value, decimals))

    def _pair(self) -> tuple[ChartPoint, ChartPoint]:
        """Two named values; the second borrows what it leaves out from the first ("... in 1960 in
        France less than that in Indonesia": Indonesia in 1960)."""
        if not self.q.a or not self.q.b:
            raise Unsupported("the question needs two named values")
        a = self._point(self.q.a, series_hint=self.q.text if len(self.series) > 1 else None)
        a_series = next(s for s in self.series if any(p is a for p in s.points))
        b_text = self.q.b
        if not self._named_categories(b_text) and not self._described_category(b_text):
            b_text = f"{b_text} '{a.x}'"
        if len(self.series) > 1 and not self._named_series(b_text) and a_series.name:
            b_text = f"{b_text} \"{a_series.name}\""
        b = self._point(b_text)
        if a is b:
            raise Unsupported("both phrases name the same value")
        return a, b

    def _pair_in_one_series(self) -> tuple[ChartPoint, ChartPoint]:
        """from A to B: two categories of the series the question is about."""
        if not self.q.a or not self.q.b:
            raise Unsupported("the question needs two named values")
        series = self._series_for(self.q.text)
        assert series is not None
        out = []
        for phrase in (self.q.a, self.q.b):
            cats = list(dict.fromkeys(self._named_categories(phrase)))
            if len(cats) != 1:
                raise Unsupported(f"{phrase!r} does not name exactly one category of the chart")
            point = next((p for p in self._points(series) if p.x == self.categories[cats[0]]), None)
            if point is None:
                raise Unsupported(f"no value for {self.categories[cats[0]]!r}")
            self.mentions += 1
            out.append(point)
        return out[0], out[1]

    # -- kinds -----------------------------------------------------------------------------------
    def _value(self) -> _Answer:
        phrase = self.q.a or self.q.text
        if _AGGREGATE_WORDS.search(self.q.text) and not re.match(r"^what (?:is|was) the value of ", self.q.text):
            raise Unsupported("the question asks for more than one looked-up value")
        point = self._point(phrase, series_hint=self.q.text)
        return self._number(point.y, [point])

    def _extreme_value(self) -> _Answer:
        points = self._scope(self.q.a or "")
        chosen = (max if self.q.op == "max" else min)(points, key=lambda p: p.y)
        return _Answer(self._in_axis_precision(chosen.y, [chosen]), _tidy(chosen.y), points, self.unit, at=[chosen],
                       ranked=True)

    def _extreme_label(self) -> _Answer:
        text = self.q.text
        if _AGGREGATE_WORDS.search(text.replace("highest", "").replace("lowest", "").replace("largest", "")
                                   .replace("smallest", "").replace("maximum", "").replace("minimum", "")
                                   .replace("most", "").replace("least", "").replace("higher", "")
                                   .replace("lower", "")):
            raise Unsupported("the question combines values before ranking them")
        series = self._series_for(text, required=len(self.series) > 1)
        assert series is not None
        points = self._points(series)
        if not points:
            raise Unsupported("the series has no values")
        values = sorted(p.y for p in points)
        target = values[-1] if self.q.op == "max" else values[0]
        winners = [p for p in points if p.y == target]
        if len(winners) != 1:
            raise Unsupported("several categories share the extreme value")
        return _Answer(winners[0].x, None, points, at=winners, ranked=True)

    def _extreme_series(self) -> _Answer:
        if len(self.series) < 2 or not all(self.series_names):
            raise Unsupported("the chart has no named series to compare")
        phrase = self.q.a or ""
        cats = list(dict.fromkeys(self._named_categories(phrase))) if phrase else []
        if cats:
            category = self.categories[cats[0]]
            candidates = [(s, p) for s in self.series for p in self._points(s) if p.x == category]
            self.mentions += 1
        else:
            candidates = [(s, p) for s in self.series for p in self._points(s)]
        pick = max if self.q.op == "max" else min
        best = pick(candidates, key=lambda sp: sp[1].y)
        if sum(1 for _, p in candidates if p.y == best[1].y) > 1:
            raise Unsupported("several series share the extreme value")
        return _Answer(best[0].name or "", None, [p for _, p in candidates], at=[best[1]], ranked=True)

    def _spread(self) -> _Answer:
        points = self._scope()
        hi, lo = max(p.y for p in points), min(p.y for p in points)
        return self._number(hi - lo, points)

    def _aggregate(self, reduce: Callable[[list[float]], float], unit: str | None) -> _Answer:
        if self.q.a and self.q.b:
            a, b = self._pair()
            return self._number(reduce([a.y, b.y]), [a, b], unit)
        phrase = self.q.a or ""
        if len(self.series) == 1 and self._category_span() is None:
            cats = list(dict.fromkeys(self._named_categories(phrase)))
            if len(cats) == 1:  # "the total loan value in 2020": one value
                return self._number(self._point(phrase).y, [self._point(phrase)], "same")
            if cats:
                raise Unsupported("the question names several categories without saying how to combine them")
        if len(self.series) > 1 and not self._named_series(phrase) and not self._named_categories(phrase) \
                and self._category_span() is None:
            raise Unsupported("the question does not say which values to combine")
        points = self._scope(phrase or None)
        return self._number(reduce([p.y for p in points]), points, unit)

    def _total(self) -> _Answer:
        return self._aggregate(math.fsum, "same")

    def _average(self) -> _Answer:
        return self._aggregate(lambda v: math.fsum(v) / len(v), "same")

    def _median(self) -> _Answer:
        return self._aggregate(statistics.median, "same")

    def _difference(self) -> _Answer:
        a, b = self._pair()
        value = b.y - a.y if self.q.op == "min" else a.y - b.y
        return self._number(value, [a, b])

    def _change(self) -> _Answer:
        a, b = self._pair_in_one_series()
        value = a.y - b.y if self.q.op == "decrease" else b.y - a.y
        return self._number(value, [a, b])

    def _percent_change(self) -> _Answer:
        a, b = self._pair_in_one_series()
        if a.y == 0:
            raise Unsupported("a change from zero has no percentage")
        value = (a.y - b.y) / a.y * 100 if self.q.op == "decrease" else (b.y - a.y) / a.y * 100
        return self._number(value, [a, b], "%")

    def _ratio(self) -> _Answer:
        a, b = self._pair()
        if b.y == 0:
            raise Unsupported("the ratio's denominator is zero")
        return self._number(a.y / b.y, [a, b], None)

    def _count_categories(self) -> _Answer:
        if len(self.series) > 1:
            noun = re.match(r"^how many ([\w ]+?) ", self.q.text)
            title = (self.chart.x_axis.title or "") if self.chart.x_axis else ""
            word = noun.group(1).rstrip("s") if noun else ""
            if not (word and title and word in _norm(title)):
                raise Unsupported("with several series, 'how many' may count categories or series")
        return self._counted(self._number(len(self.categories), self._all_points(), None))

    def _count_series(self) -> _Answer:
        return self._counted(self._number(len(self.series), self._all_points(), None))

    def _count_marks(self) -> _Answer:
        points = self._all_points()
        return self._counted(self._number(len(points), points, None))

    @staticmethod
    def _counted(result: _Answer) -> _Answer:
        result.count = True
        return result

    def _count_compared(self) -> _Answer:
        if self.q.threshold is not None:
            points = self._scope() if len(self.series) == 1 or self._series_for(self.q.text, False) else None
            if points is None:
                raise Unsupported("the question does not say which series to count in")
            above = self.q.op in ("max", "over", "above", "more than", "greater than", "higher than", "at least",
                                  "exceeding")
            count = sum(1 for p in points if (p.y >= self.q.threshold if self.q.op == "at least" else
                                              p.y > self.q.threshold if above else p.y < self.q.threshold))
            return self._number(count, points, None)
        if not self.q.a:
            raise Unsupported("nothing to compare with")
        reference = self._point(self.q.a)
        points = [p for p in self._all_points() if p is not reference]
        count = sum(1 for p in points if (p.y > reference.y if self.q.op == "max" else p.y < reference.y))
        return self._number(count, [reference, *points], None)

    def _count_changes(self) -> _Answer:
        series = self._series_for(self.q.text)
        assert series is not None
        values = [p.y for p in self._points(series)]
        steps = [b - a for a, b in zip(values, values[1:])]
        count = sum(1 for d in steps if (d > 0 if self.q.op == "increase" else d < 0))
        return self._number(count, self._points(series), None)

    def _trend(self) -> _Answer:
        series = self._series_for(self.q.a or self.q.text)
        assert series is not None
        points = self._points(series)
        if len(points) < 2:
            raise Unsupported("a trend needs at least two values")
        values = [p.y for p in points]
        steps = [b - a for a, b in zip(values, values[1:])]
        if all(d >= 0 for d in steps) and any(d > 0 for d in steps):
            text = "increasing"
        elif all(d <= 0 for d in steps) and any(d < 0 for d in steps):
            text = "decreasing"
        elif all(d == 0 for d in steps):
            text = "stable"
        else:
            text = "fluctuating"
        return _Answer(text, None, points)

    def _range(self) -> _Answer:
        points = self._scope()
        lo, hi = min(p.y for p in points), max(p.y for p in points)
        suffix = "%" if self.unit == "%" else ""
        return _Answer(f"{format_value(_tidy(lo))}{suffix} to {format_value(_tidy(hi))}{suffix}", None, points,
                       self.unit)

    def _yes_no(self, yes: bool, points: list[ChartPoint]) -> _Answer:
        return _Answer("Yes" if yes else "No", None, points)

    def _compare(self) -> _Answer:
        a, b = self._pair()
        if a.y == b.y:
            return self._yes_no(False, [a, b])
        out = self._yes_no(a.y > b.y if self.q.op == "max" else a.y < b.y, [a, b])
        out.at = [a, b]
        return out

    def _entity(self, phrase: str) -> tuple[str, int]:
        """('category', index) or ('series', index) for a phrase naming one of them."""
        cats = list(dict.fromkeys(self._named_categories(phrase)))
        series = list(dict.fromkeys(self._named_series(phrase)))
        if len(cats) == 1 and not series:
            self.mentions += 1
            return "category", cats[0]
        if len(series) == 1 and not cats:
            self.mentions += 1
            return "series", series[0]
        raise Unsupported(f"{phrase!r} does not name one category or series of the chart")

    def _is_extreme(self) -> _Answer:
        kind, index = self._entity(self.q.a or "")
        op = self.q.op or ""
        if kind == "category" or len(self.series) == 1 or all(len(self._points(s)) == 1 for s in self.series):
            if kind == "category":
                points = self._points(self._series_for(self.q.text))
                target = self.categories[index]
            else:
                points = [self._points(s)[0] for s in self.series]
                target = None
            ranked = sorted(points, key=lambda p: p.y)
            chosen = self._ranked_pick(ranked, op)
            if chosen is None:
                raise Unsupported(f"{op!r} is not defined for categories")
            is_it = chosen.x == target if target is not None else chosen is points[index]
            out = self._yes_no(is_it, points)
            out.at, out.ranked = [chosen], True
            return out
        measure = self._series_measure(op)
        scores = [(measure(s), i) for i, s in enumerate(self.series)]
        pick = max if op in ("maximum", "highest", "largest", "highest value", "roughest",
                             "maximum area under the curve", "max") else min
        best = pick(scores)
        return self._yes_no(best[1] == index, self._all_points())

    @staticmethod
    def _ranked_pick(ranked: list[ChartPoint], op: str) -> ChartPoint | None:
        n = len(ranked)
        if op in ("maximum", "highest", "largest", "highest value", "max"):
            return ranked[-1]
        if op in ("minimum", "lowest", "smallest", "lowest value", "min"):
            return ranked[0]
        if op == "high median":
            return ranked[n // 2]
        if op == "low median":
            return ranked[(n - 1) // 2]
        return None

    def _series_measure(self, op: str) -> Callable[[ChartSeries], float]:
        if op in ("smoothest", "roughest"):
            return self._roughness
        if "area under the curve" in op:
            return self._area
        if op in ("maximum", "highest", "largest", "highest value", "max"):
            return lambda s: max(p.y for p in self._points(s))
        if op in ("minimum", "lowest", "smallest", "lowest value", "min"):
            return lambda s: min(p.y for p in self._points(s))
        raise Unsupported(f"{op!r} is not defined for series")

    def _roughness(self, series: ChartSeries) -> float:
        values = [p.y for p in self._points(series)]
        if len(values) < 3:
            raise Unsupported("smoothness needs at least three values per series")
        span = (max(p.y for p in self._all_points()) - min(p.y for p in self._all_points())) or 1.0
        second = [(c - 2 * b + a) / span for a, b, c in zip(values, values[1:], values[2:])]
        return math.fsum(d * d for d in second) / len(second)

    def _area(self, series: ChartSeries) -> float:
        points = self._points(series)
        xs = [p.x_value if p.x_value is not None else float(i) for i, p in enumerate(points)]
        return math.fsum((x1 - x0) * (a.y + b.y) / 2 for x0, x1, a, b in zip(xs, xs[1:], points, points[1:]))

    def _intersect(self) -> _Answer:
        if not self.q.a or not self.q.b:
            raise Unsupported("two series are needed")
        a = self._series_for(self.q.a)
        b = self._series_for(self.q.b)
        if a is None or b is None or a is b:
            raise Unsupported("the question does not name two different series")
        pa = {p.x: p.y for p in self._points(a)}
        pb = {p.x: p.y for p in self._points(b)}
        shared = [x for x in self.categories if x in pa and x in pb]
        if len(shared) < 2:
            raise Unsupported("the two series share too few x values to compare")
        signs = [math.copysign(1, pa[x] - pb[x]) if pa[x] != pb[x] else 0 for x in shared]
        crosses = 0 in signs or len({s for s in signs}) > 1
        return self._yes_no(crosses, self._points(a) + self._points(b))

    def _smoothest(self) -> _Answer:
        if len(self.series) < 2 or not all(self.series_names):
            raise Unsupported("the chart has no named series to compare")
        scores = [(self._roughness(s), i) for i, s in enumerate(self.series)]
        best = (min if self.q.op == "smoothest" else max)(scores)
        if sum(1 for score, _ in scores if score == best[0]) > 1:
            raise Unsupported(f"several series are equally {self.q.op.removesuffix('est')}")
        return _Answer(self.series_names[best[1]], None, self._all_points())

    def _title(self) -> _Answer:
        if not self.chart.title:
            raise Unsupported("the chart's title was not read")
        return _Answer(self.chart.title, None, [], printed=True)

    def _axis_title(self) -> _Answer:
        axis = self.chart.x_axis if self.q.op == "x" else self.chart.y_axis
        if axis is None or not axis.title:
            raise Unsupported(f"the {self.q.op} axis title was not read")
        return _Answer(axis.title, None, [], printed=True)

    def _legend_has(self) -> _Answer:
        if not any(self.series_names):
            raise Unsupported("the chart's legend was not read")
        term = (self.q.a or "").strip("'\" ")
        return self._yes_no(any(_same(term, name) for name in self.series_names), [])


def _one_series_if_split(series: list[ChartSeries]) -> list[ChartSeries]:
    """Series with values; unnamed series that share no category are one series drawn in several
    colours (a bar per colour), so they answer as one."""
    kept = [s for s in series if any(p.y is not None for p in s.points)]
    if len(kept) < 2 or any(s.name for s in kept):
        return kept
    categories = [p.x for s in kept for p in s.points if p.y is not None]
    if len(categories) != len(set(categories)) or "" in categories:
        return kept
    points = [p for s in kept for p in s.points if p.y is not None]
    ordered = sorted(points, key=lambda p: (p.bbox[0] if p.bbox else 0.0, p.bbox[1] if p.bbox else 0.0))
    return [ChartSeries(name=None, points=ordered)]


def _tidy(value: float) -> float:
    """Round away float noise from arithmetic on read values (12 significant digits)."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, 11 - int(math.floor(math.log10(abs(value)))))


_STOPWORDS = frozenset("a an the of in on at to for from by and or with as is are was were be been what which "
                       "who how much many that this these those it its their they there do does did per i am we "
                       "you he she yes no not said say says".split())


def _content_words(text: str) -> list[str]:
    return [w for w in _norm(text).split() if w not in _STOPWORDS]
