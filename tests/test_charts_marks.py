"""A question that names a kind of mark (bars, lines, points, slices, segments) is answered only
from a chart that has such marks: "How many bars are there?" asked of a line chart is declined
(`unsupported_question`, saying what the chart is), never answered with the number of points.
Generic words (values, data points, categories) work on every chart. Charts: hand-made data,
and charts matplotlib drew from known data, read from a vector PDF and from a raster PNG."""

from __future__ import annotations

import pytest

from docpipe.charts.model import ChartData, ChartPoint, ChartSeries
from docpipe.charts.qa import answer_question
from docpipe.charts.questions import named_marks, normalise
from docpipe.records import ErrorCategory
from tests.test_charts_qa import bar_chart, line_chart


def pie_chart() -> ChartData:
    shares = [("Alpha", 40.0), ("Beta", 25.0), ("Gamma", 20.0), ("Delta", 15.0)]
    return ChartData(page_index=0, chart_index=0, bbox=(0, 0, 1, 1), chart_type="pie", reader="vector",
                     confidence=1.0, series=[ChartSeries(points=[
                         ChartPoint(x=n, y=v, bbox=(0.1 * i, 0.1, 0.1 * i + 0.1, 0.2), source="vector",
                                    confidence=1.0) for i, (n, v) in enumerate(shares)])])


def declined(result, chart_words: str, marks: str) -> bool:
    return (result.answer is None and result.value is None and result.error is not None
            and result.error.category is ErrorCategory.unsupported_question
            and chart_words in result.error.message and marks in result.error.message)


@pytest.mark.parametrize("question,marks", [
    ("How many bars are there?", "bars"),
    ("How many columns are shown in the chart?", "bars"),
    ("What is the value of the bar for 'Web' in 'Apr'?", "bars"),
    ("Which bar is the highest?", "bars"),
    ("How many bars have larger values than the bar of 'Mar'?", "bars"),
    ("What is the average value of all the bars corresponding to 'Web' in this chart?", "bars"),
    ("What is the highest value in the bar chart?", "bars"),
    ("Which slice is the largest?", "slices"),
    ("How many segments are there?", "segments"),
])
def test_bar_and_slice_questions_on_a_line_chart_are_declined(question: str, marks: str) -> None:
    assert declined(answer_question(question, [line_chart()]), "a line chart", marks)


@pytest.mark.parametrize("question,marks", [
    ("How many lines are there in the chart?", "lines"),
    ("How many points are there?", "points"),
    ("How many dots are there?", "points"),
    ("Which line is the smoothest?", "lines"),
    ("Which slice is the largest?", "slices"),
])
def test_line_point_and_slice_questions_on_a_bar_chart_are_declined(question: str, marks: str) -> None:
    assert declined(answer_question(question, [bar_chart()]), "a bar chart", marks)


@pytest.mark.parametrize("question,marks", [
    ("How many bars are there?", "bars"),
    ("How many lines are there?", "lines"),
    ("Which bar is the largest?", "bars"),
])
def test_bar_and_line_questions_on_a_pie_chart_are_declined(question: str, marks: str) -> None:
    assert declined(answer_question(question, [pie_chart()]), "a pie chart", marks)


@pytest.mark.parametrize("question", ["How many values are there?", "How many data points are there?",
                                      "How many data points are shown in the chart?"])
def test_generic_counts_work_on_every_chart(question: str) -> None:
    assert answer_question(question, [bar_chart()]).answer == "5"
    assert answer_question(question, [line_chart()]).answer == "12"
    assert answer_question(question, [pie_chart()]).answer == "4"
    assert answer_question("How many categories are there?", [pie_chart()]).answer == "4"


@pytest.mark.parametrize("chart,question,want", [
    (bar_chart, "How many bars are there?", "5"),
    (bar_chart, "What is the value of the bar for 'North'?", "42.5"),
    (bar_chart, "Which bar is the highest?", "East"),
    (bar_chart, "What is the highest value in the bar chart?", "55.2"),
    (line_chart, "How many lines are there?", "2"),
    (line_chart, "How many points are there?", "12"),
    (line_chart, "Which line has the highest value?", "Web"),
    (line_chart, "What is the value of the point for 'Web' in 'Apr'?", "16.2"),
    (pie_chart, "How many slices are there?", "4"),
    (pie_chart, "Which slice is the largest?", "Alpha"),
])
def test_questions_about_marks_the_chart_has_are_answered(chart, question: str, want: str) -> None:
    result = answer_question(question, [chart()])
    assert result.error is None, result.error
    assert result.answer == want


def test_a_mark_word_inside_a_series_name_is_a_name() -> None:
    chart = bar_chart()
    chart.series[0].name = "Main line"
    chart.series.append(ChartSeries(name="Branch line", points=[
        ChartPoint(x=p.x, y=p.y + 1, bbox=p.bbox, source="vector", confidence=1.0) for p in chart.series[0].points]))
    chart.chart_type = "grouped_bar"
    result = answer_question("What is the value of the Main line in 'North'?", [chart])
    assert result.error is None and result.answer == "42.5"


def test_the_question_naming_bars_picks_the_bar_chart_of_two() -> None:
    result = answer_question("How many bars are there?", [line_chart(), bar_chart()])
    assert result.error is None and result.answer == "5" and result.chart_index == bar_chart().chart_index


@pytest.mark.parametrize("question,marks", [
    ("How many bars are there?", ("bar",)),
    ("Which slice is the largest?", ("slice",)),
    ("What is the value of the line for Web in 2019?", ("line",)),
    ("In the pie chart, what is the largest share?", ("slice",)),
    ("How many data points are there?", ()),
    ("How many values are shown?", ()),
    ("How many points did the team score in 2019?", ()),  # a unit, not a mark
    ("What is the change in percentage points from 2010 to 2020?", ()),
    ("Which sector has the highest revenue?", ()),  # an industry, not a pie's sector
    ("What is the highest point?", ()),
])
def test_the_parser_names_the_marks_a_question_is_about(question: str, marks: tuple[str, ...]) -> None:
    assert named_marks(normalise(question)) == marks


# -- charts read from a generated vector PDF and a generated raster PNG ------------------------------

def test_vector_line_chart_declines_bar_questions_and_answers_generic_ones() -> None:
    pytest.importorskip("matplotlib")
    from tests.chartgen import case, pdf_bytes
    from tests.test_charts_vector import read

    drawn = case("line", 5)
    chart = read(pdf_bytes(drawn))
    assert chart.chart_type == "line"
    n = sum(len(v) for v in drawn.series.values())
    assert declined(answer_question("How many bars are there?", [chart]), "a line chart", "bars")
    assert declined(answer_question("Which bar is the highest?", [chart]), "a line chart", "bars")
    assert answer_question("How many data points are there?", [chart]).answer == str(n)
    assert answer_question("How many points are there?", [chart]).answer == str(n)
    assert answer_question("How many lines are there?", [chart]).answer == str(len(drawn.series))
    bars = read(pdf_bytes(case("bar", 5)))
    assert answer_question("How many bars are there?", [bars]).answer == str(len(case("bar", 5).categories))
    assert declined(answer_question("How many lines are there?", [bars]), "a bar chart", "lines")


def test_raster_line_chart_declines_bar_questions_and_answers_generic_ones() -> None:
    pytest.importorskip("matplotlib")
    from raster_chartgen import render

    from docpipe.charts.raster import read_raster_chart

    drawn = render("line", seed=2)
    chart = read_raster_chart(drawn.image, drawn.words)
    assert chart.error is None and chart.chart_type == "line"
    n = sum(len(v) for v in drawn.series.values())
    assert declined(answer_question("How many bars are there?", [chart], min_confidence=0.0), "a line chart", "bars")
    assert declined(answer_question("Which bar has the highest value?", [chart], min_confidence=0.0),
                    "a line chart", "bars")
    assert answer_question("How many values are there?", [chart], min_confidence=0.0).answer == str(n)
    assert answer_question("How many lines are there?", [chart], min_confidence=0.0).answer == str(len(drawn.series))
    bars = render("bar", seed=2)
    bar_chart_read = read_raster_chart(bars.image, bars.words)
    assert answer_question("How many bars are there?", [bar_chart_read], min_confidence=0.0).answer == \
        str(len(bars.categories))
    assert declined(answer_question("How many points are there?", [bar_chart_read], min_confidence=0.0),
                    "a bar chart", "points")
