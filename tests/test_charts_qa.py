"""The question parser (pattern table) and the deterministic answerer, on charts whose data the test
knows: every question kind, grounding on the marks used, confidence, and explicit refusals."""

from __future__ import annotations

import pytest

from docpipe.charts.model import ChartAxis, ChartData, ChartPoint, ChartSeries
from docpipe.charts.qa import answer_question
from docpipe.charts.questions import QuestionKind as K
from docpipe.charts.questions import parse_question
from docpipe.evaluate.relaxed import relaxed_match
from docpipe.records import ErrorCategory, ErrorInfo


def point(x: str, y: float, i: int, confidence: float = 1.0, x_value: float | None = None) -> ChartPoint:
    return ChartPoint(x=x, y=y, x_value=x_value, bbox=(0.1 + 0.1 * i, 0.5, 0.15 + 0.1 * i, 0.9),
                      source="vector", confidence=confidence)


def bar_chart() -> ChartData:
    data = [("North", 42.5), ("South", 31.0), ("East", 55.2), ("West", 27.8), ("Central", 38.4)]
    return ChartData(page_index=0, chart_index=0, bbox=(0, 0, 1, 1), chart_type="bar", reader="vector",
                     title="Revenue by Region, 2023", confidence=1.0,
                     x_axis=ChartAxis(title="Region", scale="category"),
                     y_axis=ChartAxis(title="Revenue (USD million)", unit="USD million"),
                     series=[ChartSeries(points=[point(x, y, i) for i, (x, y) in enumerate(data)])])


def line_chart() -> ChartData:
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun"]
    web = [12.0, 14.5, 13.8, 16.2, 18.9, 21.4]
    mobile = [8.5, 9.1, 11.7, 13.0, 15.6, 19.8]
    return ChartData(page_index=2, chart_index=1, bbox=(0, 0, 1, 1), chart_type="line", reader="raster",
                     title="Monthly Active Users", confidence=0.9,
                     x_axis=ChartAxis(title="Month", scale="category"), y_axis=ChartAxis(title="Users"),
                     series=[ChartSeries(name="Web", points=[point(m, v, i, 0.9) for i, (m, v) in enumerate(zip(months, web))]),
                             ChartSeries(name="Mobile", points=[point(m, v, i, 0.8) for i, (m, v) in
                                                                enumerate(zip(months, mobile))])])


def figure_chart() -> ChartData:
    """FigureQA-style lines: a smooth rising line, a jagged one, one crossing both."""
    xs = [0, 1, 2, 3, 4, 5]
    lines = {"Smooth": [1, 2, 3, 4, 5, 6], "Jagged": [2, 6, 1, 7, 0, 8], "Flat": [3.5, 3.5, 3.6, 3.5, 3.5, 3.5]}
    return ChartData(page_index=0, chart_index=0, bbox=(0, 0, 1, 1), chart_type="line", reader="raster",
                     confidence=0.9, series=[ChartSeries(name=n, points=[point(str(x), y, i, x_value=x)
                                                                       for i, (x, y) in enumerate(zip(xs, v))])
                                             for n, v in lines.items()])


BAR = [
    ("What is the highest value?", "55.2", K.extreme_value),
    ("What is the minimum value on this bar chart?", "27.8", K.extreme_value),
    ("Which region had the highest revenue?", "East", K.extreme_label),
    ("Which region has the lowest revenue?", "West", K.extreme_label),
    ("What was the revenue of the West region?", "27.8", K.value),
    ("What is the value of the bar in 'South'?", "31", K.value),
    ("What is the difference between the highest and the lowest revenue?", "27.4", K.spread),
    ("What is the sum of 'North' and 'South'?", "73.5", K.total),
    ("What is the average value of 'North' and 'East'?", "48.85", K.average),
    ("What is the total of all the bars corresponding to the chart?", None, K.total),
    ("What is the difference between North and South?", "11.5", K.difference),
    ("How much higher is East than West?", "27.4", K.difference),
    ("What is the ratio of North to South?", "1.370967742", K.ratio),
    ("By how much did the revenue decrease from East to West?", "27.4", K.change),
    ("What is the percentage increase in revenue from South to North?", "37.09677419", K.percent_change),
    ("How many bars are there in the chart?", "5", K.count_marks),
    ("How many regions are shown in the chart?", "5", K.count_categories),
    ("How many bars have larger values than the bar of 'North'?", "1", K.count_compared),
    ("How many regions have revenue over 35?", "3", K.count_compared),
    ("How many times does the y-axis decrease as the x-axis changes in this chart?", "2", K.count_changes),
    ("What is the range of bar values?", "27.8 to 55.2", K.range),
    ("Is North greater than South?", "Yes", K.compare),
    ("Is West less than Central?", "Yes", K.compare),
    ("Is East the maximum?", "Yes", K.is_extreme),
    ("Is Central the high median?", "Yes", K.is_extreme),  # five values: both medians are the middle one
    ("Is North the high median?", "No", K.is_extreme),
    ("Is Central the low median?", "Yes", K.is_extreme),
    ("Does South have the lowest value?", "No", K.is_extreme),
    ("What is the title of the graph?", "Revenue by Region, 2023", K.title),
    ("What is the label or title of the X-axis?", "Region", K.axis_title),
    ("What is the trend of the revenue?", "fluctuating", K.trend),
]


@pytest.mark.parametrize("question,want,kind", BAR)
def test_bar_chart_questions(question: str, want: str | None, kind: K) -> None:
    parsed = parse_question(question)
    assert parsed is not None and parsed.kind is kind
    result = answer_question(question, [bar_chart()])
    if want is None:
        assert result.error is None and result.value == pytest.approx(194.9)
        return
    assert result.error is None, result.error
    assert relaxed_match(result.answer, want) and (result.answer == want or abs(float(result.answer) - float(want)) < 1e-6)


LINES = [
    ("In which month did Mobile reach its highest value?", "Jun"),
    ("What was the Web value in Apr?", "16.2"),
    ("What is the value of 'Mobile' in 'Feb'?", "9.1"),
    ("Which series was higher in Mar?", "Web"),
    ("Which series has the lowest value?", "Mobile"),
    ("What is the average value of all the points corresponding to 'Web' in this chart?", "16.13333333"),
    ("What is the sum of 'Web' in 'Jan' and 'Mobile' in 'Jun'?", "31.8"),
    ("What is the difference between the Web value in May and the Mobile value in Jan?", "10.4"),
    ("Is the value of Web in Jan greater than that of Mobile?", "Yes"),
    ("How many lines are there in the chart?", "2"),
    ("What is the trend of Mobile?", "increasing"),
    ("What is the total of Web from Feb to Apr?", "44.5"),
    ("Does 'Tablet' appear as one of the legend labels?", "No"),
]


@pytest.mark.parametrize("question,want", LINES)
def test_multi_series_questions(question: str, want: str) -> None:
    result = answer_question(question, [line_chart()])
    assert result.error is None, result.error
    assert result.answer == want or abs(float(result.answer) - float(want)) < 1e-6


FIGURES = [
    ("Is Smooth the smoothest?", "Yes"),
    ("Is Jagged the roughest?", "Yes"),
    ("Which line is the smoothest?", "Smooth"),
    ("Which line is the roughest?", "Jagged"),
    ("Does Jagged intersect Smooth?", "Yes"),
    ("Does Flat intersect Smooth?", "Yes"),
    ("Does Jagged have the highest value?", "Yes"),
    ("Does Smooth have the maximum area under the curve?", "No"),
    ("Does Jagged have the maximum area under the curve?", "Yes"),
    ("Does Smooth have the lowest value?", "No"),
]


@pytest.mark.parametrize("question,want", FIGURES)
def test_figureqa_style_yes_no(question: str, want: str) -> None:
    result = answer_question(question, [figure_chart()])
    assert result.error is None, result.error
    assert result.answer == want


def test_answers_are_grounded_on_the_marks_they_used() -> None:
    chart = bar_chart()
    result = answer_question("What is the sum of 'North' and 'East'?", [chart])
    north, east = chart.series[0].points[0], chart.series[0].points[2]
    assert result.mark_boxes == [north.bbox, east.bbox]
    assert result.bbox == (north.bbox[0], 0.5, east.bbox[2], 0.9)
    assert result.grounded and result.page_index == 0 and result.chart_index == 0
    assert result.unit == "USD million" and result.value == pytest.approx(97.7)


def test_confidence_is_the_least_confident_value_used() -> None:
    chart = line_chart()
    web_only = answer_question("What was the Web value in Apr?", [chart])
    both = answer_question("What is the sum of 'Web' in 'Jan' and 'Mobile' in 'Jun'?", [chart])
    assert web_only.confidence == pytest.approx(0.9) and both.confidence == pytest.approx(0.8)
    assert both.page_index == 2 and both.chart_index == 1


def test_model_values_are_not_grounded() -> None:
    chart = bar_chart()
    for p in chart.series[0].points:
        p.source = "model"
    assert answer_question("What is the highest value?", [chart]).grounded is False


REFUSED = [
    "Why did revenue fall in the West?",  # no kind
    "What is the value of the smallest red bar?",  # colours are not read as entities
    "What was the revenue of the Atlantis region?",  # entity not in the chart
    "Which bar seems to have abnormal length?",
    "What is the mode of the values?",
]


@pytest.mark.parametrize("question", REFUSED)
def test_unsupported_questions_are_errors_not_guesses(question: str) -> None:
    result = answer_question(question, [bar_chart()])
    assert result.answer is None and result.value is None
    assert result.error is not None and result.error.category is ErrorCategory.unsupported_question


def test_ambiguous_series_is_refused() -> None:
    result = answer_question("What was the value in Apr?", [line_chart()])
    assert result.error is not None and result.error.category is ErrorCategory.unsupported_question


def test_no_chart_and_unreadable_charts_are_errors() -> None:
    none = answer_question("What is the highest value?", [])
    assert none.error.category is ErrorCategory.unreadable_chart and "no chart" in none.error.message
    broken = ChartData(page_index=0, chart_index=0, bbox=(0, 0, 1, 1), reader="raster",
                       error=ErrorInfo(category=ErrorCategory.unreadable_chart, message="no axis found"))
    result = answer_question("What is the highest value?", [broken])
    assert result.error.category is ErrorCategory.unreadable_chart and "no axis found" in result.error.message


def test_two_charts_the_question_names_one_of() -> None:
    lines = line_chart()
    bars = bar_chart()
    result = answer_question("What was the revenue of the West region?", [lines, bars])
    assert result.answer == "27.8" and result.chart_index == bars.chart_index
    ambiguous = answer_question("What is the highest value?", [lines, bars])
    assert ambiguous.error is not None and ambiguous.error.category is ErrorCategory.unsupported_question


@pytest.mark.parametrize("question,kind,a,b", [
    ("What is the value of 'Female' in '2012'?", K.value, "'female' in '2012'", None),
    ("Is Dark Violet the roughest?", K.is_extreme, "dark violet", None),
    ("What is the ratio of the amount in 2003 to that in 2005?", K.ratio, "the amount in 2003", "2005"),
    ("By what percentage did the drilling cost decrease from 2011 to 2014?", K.percent_change, "2011", "2014"),
    ("Across all countries, what is the maximum net disbursements?", K.extreme_value, "net disbursements", None),
])
def test_parser_captures_the_entity_phrases(question: str, kind: K, a: str | None, b: str | None) -> None:
    parsed = parse_question(question)
    assert parsed is not None and parsed.kind is kind and parsed.a == a and parsed.b == b


def test_relaxed_accuracy() -> None:
    assert relaxed_match("104", "100") and not relaxed_match("106", "100")
    assert relaxed_match("25.1% to 47.4%", "25.1% to 47.4%") and relaxed_match("east", "East.")
    assert not relaxed_match(None, "1") and relaxed_match("0", 0) and not relaxed_match("Yes", "No")


# -- answers from pixels: declined under the confidence threshold, ordered answers by their rivals ----


def raster_bars(confidences: list[float], values: list[float] | None = None) -> ChartData:
    names = ["North", "South", "East", "West"]
    values = values or [40.0, 10.0, 60.0, 58.0]
    pts = [ChartPoint(x=n, y=v, bbox=(0.1 + 0.2 * i, 0.4, 0.2 + 0.2 * i, 0.9), source="measured", confidence=c)
           for i, (n, v, c) in enumerate(zip(names, values, confidences))]
    return ChartData(page_index=0, chart_index=0, bbox=(0, 0, 1, 1), chart_type="bar", reader="raster",
                     confidence=min(confidences), series=[ChartSeries(points=pts)])


def test_an_answer_resting_on_unreliable_values_is_declined_not_guessed() -> None:
    from docpipe.charts.qa import MIN_CONFIDENCE

    sure = answer_question("What is the value of 'West'?", [raster_bars([0.9, 0.9, 0.9, 0.9])])
    assert sure.error is None and sure.answer == "58" and sure.confidence == 0.9
    unsure = answer_question("What is the value of 'West'?", [raster_bars([0.9, 0.9, 0.9, MIN_CONFIDENCE / 2])])
    assert unsure.answer is None and unsure.value is None and unsure.bbox is None
    assert unsure.error.category == ErrorCategory.low_confidence
    assert "'58'" in unsure.error.message  # what the reading gave is said, not answered
    # the threshold is the caller's to change; a vector chart's exact values are never declined
    assert answer_question("What is the value of 'West'?", [raster_bars([0.2] * 4)], min_confidence=0.1).answer == "58"
    vector = bar_chart().model_copy(update={"confidence": 0.1})
    assert answer_question("What is the highest value?", [vector]).error is None


def test_an_ordering_depends_on_its_decisive_marks_and_close_rivals_only() -> None:
    # East (60) is the maximum; West (58) is close enough to change it, South (10) is not.
    far_unsure = raster_bars([0.9, 0.2, 0.95, 0.9])
    top = answer_question("Which region has the highest value?", [far_unsure])
    assert top.error is None and top.answer == "East" and top.confidence == 0.9
    assert top.bbox == far_unsure.series[0].points[2].bbox  # the answer's box is the maximum's mark
    assert len(top.mark_boxes) == 4  # every mark it compared
    close_unsure = raster_bars([0.9, 0.9, 0.95, 0.2])
    refused = answer_question("Which region has the highest value?", [close_unsure])
    assert refused.error is not None and refused.error.category == ErrorCategory.low_confidence
    # a sum depends on every value it adds
    total = answer_question("What is the sum of all values?", [far_unsure], min_confidence=0.0)
    assert total.confidence == 0.2


def _words(*lines: str) -> list:
    """A word layer: each line's words side by side, one line under the other."""
    from docpipe.records import Word

    words = []
    for row, line in enumerate(lines):
        for col, text in enumerate(line.split()):
            words.append(Word(text=text, bbox=(0.1 + 0.1 * col, 0.05 + 0.05 * row, 0.18 + 0.1 * col,
                                               0.09 + 0.05 * row), line_id=row))
    return words


def test_title_answers_are_grounded_on_the_words_that_print_them() -> None:
    words = _words("Revenue by Region, 2023", "North South East West Central", "Revenue (USD million)")
    title = answer_question("What is the title of the chart?", [bar_chart()], words=words)
    assert title.answer == "Revenue by Region, 2023" and title.grounded is True
    assert title.bbox == pytest.approx((0.1, 0.05, 0.48, 0.09))  # the four words of line 0
    axis = answer_question("What is the title of the y-axis?", [bar_chart()], words=words)
    assert axis.answer == "Revenue (USD million)" and axis.grounded is True
    assert axis.bbox == pytest.approx((0.1, 0.15, 0.38, 0.19))


def test_title_answers_not_printed_on_the_page_are_not_grounded() -> None:
    words = _words("Revenue by Region 2022", "North South East West Central")  # another year; no axis title
    title = answer_question("What is the title of the chart?", [bar_chart()], words=words)
    assert title.answer == "Revenue by Region, 2023" and title.grounded is False and title.bbox is None
    assert answer_question("What is the title of the y-axis?", [bar_chart()], words=words).grounded is False
    assert answer_question("What is the title of the chart?", [bar_chart()]).grounded is False  # no words given


def test_mark_answers_keep_their_mark_evidence_when_words_are_given() -> None:
    result = answer_question("What is the highest value?", [bar_chart()], words=_words("55.2"))
    assert result.grounded is True and result.bbox == pytest.approx((0.3, 0.5, 0.35, 0.9))  # East's bar


@pytest.mark.parametrize("question", ["How many slices does the pie have?", "How many slices are there?"])
def test_a_question_about_pie_slices_of_a_bar_chart_says_the_chart_has_none(question: str) -> None:
    result = answer_question(question, [bar_chart()])
    assert result.error is not None and result.error.category is ErrorCategory.unsupported_question
    assert "slices" in result.error.message and "bar chart" in result.error.message


@pytest.mark.parametrize("question, want", [
    ("What is the y-axis label?", "Revenue (USD million)"),
    ("What is the x-axis title?", "Region"),
    ("What is the chart's title?", "Revenue by Region, 2023"),
])
def test_axis_and_chart_title_phrasings(question: str, want: str) -> None:
    assert answer_question(question, [bar_chart()]).answer == want


@pytest.mark.parametrize("question, want", [
    ("What was the value of Mobile in June?", 19.8),  # categories are Jan..Jun
    ("What was the value of Web in February?", 14.5),
    ("What was the value of Web in juin?", 21.4),  # French month name
])
def test_full_month_names_match_abbreviated_categories(question: str, want: float) -> None:
    result = answer_question(question, [line_chart()])
    assert result.error is None and result.value == pytest.approx(want)


def test_abbreviations_in_the_question_match_full_month_categories() -> None:
    chart = line_chart()
    full = ["January", "February", "March", "April", "May", "June"]
    for s in chart.series:
        for p, name in zip(s.points, full):
            p.x = name
    assert answer_question("What was the value of Web in Mar?", [chart]).value == pytest.approx(13.8)


@pytest.mark.parametrize("question", ["How many lines are in the chart?", "How many lines are there?",
                                      "How many lines does the chart have?"])
def test_count_series_phrasings(question: str) -> None:
    assert answer_question(question, [line_chart()]).value == 2


def test_median_value() -> None:
    # 27.8, 31.0, 38.4, 42.5, 55.2 -> 38.4
    result = answer_question("What is the median value?", [bar_chart()])
    assert result.error is None and result.value == pytest.approx(38.4)


def _grouped_raster(confidence: float, drop: str | None = None) -> ChartData:
    series = []
    for k, (name, values) in enumerate({"2023": [12.0, 18.0, 15.0], "2024": [14.0, 21.0, 13.0]}.items()):
        pts = [point(c, v, 2 * i + k, confidence) for i, (c, v) in enumerate(zip(["North", "South", "East"], values))]
        series.append(ChartSeries(name=name, points=[p for p in pts if not (k == 1 and p.x == drop)]))
    return ChartData(page_index=0, chart_index=0, bbox=(0, 0, 1, 1), chart_type="grouped_bar", reader="raster",
                     confidence=confidence, series=series)


def test_counts_rest_on_the_marks_not_on_value_precision() -> None:
    chart = _grouped_raster(0.44)  # values under the gate, every slot of the grid has its bar
    assert answer_question("How many bars are there?", [chart]).value == 6
    assert answer_question("How many series are there?", [chart]).value == 2
    value = answer_question("What is the value of North in 2024?", [chart])
    assert value.error is not None and value.error.category is ErrorCategory.low_confidence


def test_a_count_over_an_incomplete_grid_is_declined() -> None:
    result = answer_question("How many bars are there?", [_grouped_raster(0.95, drop="South")])
    assert result.error is not None and result.error.category is ErrorCategory.low_confidence
    assert "1 series/category slot" in result.error.message


def test_measured_answers_are_printed_to_the_axis_precision() -> None:
    chart = line_chart()  # raster; values as if measured from pixels on a 0-50 axis
    chart.y_axis = ChartAxis(title="Users", minimum=0.0, maximum=50.0)
    for s in chart.series:
        for p in s.points:
            p.source = "measured"
            p.y = p.y + 0.00737988
    result = answer_question("What was the value of Web in Jun?", [chart])
    assert result.answer == "21.4" and result.value == pytest.approx(21.40737988)
    assert answer_question("What is the highest value of Web?", [chart]).answer == "21.4"
    chart.y_axis = ChartAxis(title="Users", minimum=0.0, maximum=600.0)
    assert answer_question("What was the value of Web in Jun?", [chart]).answer == "21"


def test_printed_label_values_keep_their_digits() -> None:
    chart = bar_chart()  # vector values: exact, printed as read
    assert answer_question("What was the revenue of the West region?", [chart]).answer == "27.8"
