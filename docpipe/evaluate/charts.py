"""Chart scoring for `docpipe eval`: answers and data tables of a run against a chart truth file.

Truth lines (one per chart image or document, `file` = its file name, or a relative path where two
inputs share a name: matched as in `evaluate/matching.py`) may hold:
- `qa`: [{question, answer}] — answers, scored with ChartQA's relaxed accuracy (`relaxed.py`):
  share of questions answered, precision of the answered ones, accuracy over all;
- `table`: {columns, rows} (ChartQA source tables) — each numeric cell against the read point of
  its category (row) and series (column);
- `values` + `x_field` / `y_field` (vega-lite) — each record's y against the read point of its x;
  arc charts compare each sector's share of the total in percent;
- `points`: [[x, y]] (scatteract) — each true point matched to a distinct read point.
A value counts as right within 2% of the axis range (taken as the span of the true values and
zero), a scatter point within 2% of each axis's span.

CPU time per chart is the readers' own `cpu_s` (detection and reading; the page's OCR runs in the
word-layer stage and is not included).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyarrow.dataset as pads
from pydantic import BaseModel, Field, computed_field

from docpipe.charts.numbers import parse_number
from docpipe.evaluate.matching import RowIndex
from docpipe.evaluate.relaxed import relaxed_match
from docpipe.evaluate.truth import has_chart_truth, is_chart_line, read_truth

VALUE_TOLERANCE = 0.02  # of the axis range


class ChartEvalReport(BaseModel):
    out_dir: str
    truth_path: str
    documents: int = 0  # truth lines
    matched: int = 0  # of those, found in the run's output
    missing: list[str] = Field(default_factory=list)
    ambiguous: list[str] = Field(default_factory=list)  # truth files whose name fits several inputs: not scored
    questions: int = 0
    answered: int = 0
    correct: int = 0
    values: int = 0  # true data values (tables, vega-lite records)
    values_within: int = 0
    points: int = 0  # true scatter points
    points_matched: int = 0
    charts: int = 0  # charts read in the matched documents
    charts_unreadable: int = 0
    cpu_s_total: float = 0.0
    cpu_s_max: float = 0.0
    misses: list[dict[str, Any]] = Field(default_factory=list)  # a sample of wrong answers

    @computed_field  # type: ignore[prop-decorator]
    @property
    def answer_share(self) -> float | None:
        return self.answered / self.questions if self.questions else None  # n/a: nothing to rate

    @computed_field  # type: ignore[prop-decorator]
    @property
    def answer_precision(self) -> float | None:
        return self.correct / self.answered if self.answered else None  # n/a: nothing to rate

    @computed_field  # type: ignore[prop-decorator]
    @property
    def answer_accuracy(self) -> float | None:
        return self.correct / self.questions if self.questions else None  # n/a: nothing to rate

    @computed_field  # type: ignore[prop-decorator]
    @property
    def value_accuracy(self) -> float | None:
        return self.values_within / self.values if self.values else None  # n/a: nothing to rate

    @computed_field  # type: ignore[prop-decorator]
    @property
    def point_recall(self) -> float | None:
        return self.points_matched / self.points if self.points else None  # n/a: nothing to rate

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cpu_s_per_chart(self) -> float | None:
        return self.cpu_s_total / self.charts if self.charts else None  # n/a: nothing to rate


def is_chart_truth(truth_path: Path) -> bool:
    """True when any line of the truth file describes charts (qa, table, values or points)."""
    return has_chart_truth(read_truth(truth_path))


def evaluate_charts(out_dir: Path, truth_path: Path, max_misses: int = 50) -> ChartEvalReport:
    """Score OUT/documents answers and OUT/charts data against the truth file."""
    report = ChartEvalReport(out_dir=str(out_dir), truth_path=str(truth_path))
    documents = RowIndex(pads.dataset(out_dir / "documents", format="parquet").to_table(
        columns=["doc_id", "source_path", "status", "answers"]).to_pylist())
    charts: dict[str, list[dict]] = {}
    if (out_dir / "charts").is_dir():
        for row in pads.dataset(out_dir / "charts", format="parquet").to_table().to_pylist():
            charts.setdefault(row["source_path"], []).append(row)
    for truth in read_truth(truth_path):
        if not is_chart_line(truth):
            continue  # a line of field truth in a mixed file: scored by evaluate/fields.py
        name = str(truth["file"])
        report.documents += 1
        document, ambiguous = documents.find(name)
        if ambiguous:
            report.ambiguous.append(name)  # the name fits several inputs: give the truth a path
            continue
        if document is None:
            report.missing.append(name)
            continue
        report.matched += 1
        read = list(charts.get(document["source_path"], []))
        report.charts += len(read)
        report.charts_unreadable += sum(1 for c in read if c["error"] is not None)
        for chart in read:
            report.cpu_s_total += chart["cpu_s"] or 0.0
            report.cpu_s_max = max(report.cpu_s_max, chart["cpu_s"] or 0.0)
        _score_answers(report, name, truth.get("qa") or [], document["answers"] or [], max_misses)
        series = [s for c in read if c["error"] is None for s in c["series"]]
        if isinstance(truth.get("table"), dict):
            _score_table(report, truth["table"], series)
        if isinstance(truth.get("values"), list) and (truth.get("y_field") or (truth.get("fields") or {}).get("theta")):
            _score_values(report, truth, series)
        if isinstance(truth.get("points"), list):
            _score_points(report, truth["points"], series)
    return report


def _score_answers(report: ChartEvalReport, name: str, qa: list[dict], answers: list[dict], max_misses: int) -> None:
    by_question = {a["question"]: a for a in answers}
    for item in qa:
        report.questions += 1
        got = by_question.get(item["question"])
        if got is None or got["error"] is not None or got["answer"] is None:
            continue
        report.answered += 1
        if relaxed_match(got["answer"], item["answer"]):
            report.correct += 1
        elif len(report.misses) < max_misses:
            report.misses.append({"file": name, "question": item["question"], "got": got["answer"],
                                  "want": item["answer"]})


def _key(text: Any) -> str:
    return " ".join(re.sub(r"[^\w.%-]+", " ", str(text).lower()).split())


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    parsed = parse_number(str(value)) if value is not None else None
    return parsed.value if parsed is not None else None


def _span(values: list[float]) -> float:
    return (max(values + [0.0]) - min(values + [0.0])) or 1.0


def _lookup(series: list[dict], category: Any, series_name: str | None) -> float | None:
    """The read y of a category (in the named series, or in the only / first series holding it)."""
    want = _key(category)
    want_number = _number(category)
    candidates = series
    if series_name is not None and len(series) > 1:
        named = [s for s in series if s["name"] is not None and _key(s["name"]) == _key(series_name)]
        candidates = named or []
    for s in candidates:
        for p in s["points"]:
            if p["y"] is None:
                continue
            if _key(p["x"]) == want or (want_number is not None and (p["x_value"] == want_number
                                                                     or _number(p["x"]) == want_number)):
                return p["y"]
    return None


def _score_table(report: ChartEvalReport, table: dict, series: list[dict]) -> None:
    columns, rows = table.get("columns") or [], table.get("rows") or []
    cells = [(row[0], columns[j], _number(row[j])) for row in rows for j in range(1, min(len(row), len(columns)))]
    cells = [c for c in cells if c[2] is not None]
    span = _span([c[2] for c in cells]) if cells else 1.0
    for category, column, value in cells:
        report.values += 1
        got = _lookup(series, category, column if len(columns) > 2 else None)
        if got is not None and abs(got - value) <= VALUE_TOLERANCE * span:
            report.values_within += 1


def _score_values(report: ChartEvalReport, truth: dict, series: list[dict]) -> None:
    fields = truth.get("fields") or {}
    arc = truth.get("chart_type") == "arc"
    x_field = fields.get("color") if arc else truth.get("x_field")
    y_field = fields.get("theta") if arc else truth["y_field"]
    records = [r for r in truth["values"] if isinstance(r, dict) and _number(r.get(y_field)) is not None]
    if arc:
        total = sum(_number(r[y_field]) for r in records) or 1.0
        for r in records:
            report.values += 1
            share = 100.0 * _number(r[y_field]) / total
            got = _lookup(series, r.get(x_field), None) if x_field else None
            if got is not None and abs(got - share) <= VALUE_TOLERANCE * 100.0:
                report.values_within += 1
        return
    span = _span([_number(r[y_field]) for r in records]) if records else 1.0
    xs = [_number(r.get(x_field)) for r in records]
    numeric_x = x_field is not None and all(x is not None for x in xs) and len(set(xs)) > 1
    x_span = (max(xs) - min(xs)) if numeric_x else 0.0
    for r, x in zip(records, xs):
        report.values += 1
        if numeric_x:
            got = _nearest_y(series, x, VALUE_TOLERANCE * x_span)
        else:
            got = _lookup(series, r.get(x_field), None) if x_field else None
        if got is not None and abs(got - _number(r[y_field])) <= VALUE_TOLERANCE * span:
            report.values_within += 1


def _nearest_y(series: list[dict], x: float, tolerance: float) -> float | None:
    """The read y whose x is nearest `x`, within `tolerance` (numeric x axes)."""
    best = None
    for s in series:
        for p in s["points"]:
            px = p["x_value"] if p["x_value"] is not None else _number(p["x"])
            if px is None or p["y"] is None or abs(px - x) > tolerance:
                continue
            if best is None or abs(px - x) < best[0]:
                best = (abs(px - x), p["y"])
    return best[1] if best is not None else None


def _score_points(report: ChartEvalReport, points: list, series: list[dict]) -> None:
    truth = [(float(x), float(y)) for x, y in points]
    read = [(p["x_value"], p["y"]) for s in series for p in s["points"]
            if p["x_value"] is not None and p["y"] is not None]
    if not truth:
        return
    x_span = (max(x for x, _ in truth) - min(x for x, _ in truth)) or 1.0
    y_span = (max(y for _, y in truth) - min(y for _, y in truth)) or 1.0
    taken: set[int] = set()
    for x, y in truth:
        report.points += 1
        best = None
        for i, (rx, ry) in enumerate(read):
            if i in taken:
                continue
            dx, dy = abs(rx - x) / x_span, abs(ry - y) / y_span
            if dx <= VALUE_TOLERANCE and dy <= VALUE_TOLERANCE and (best is None or dx + dy < best[0]):
                best = (dx + dy, i)
        if best is not None:
            taken.add(best[1])
            report.points_matched += 1


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}"


def render_chart_eval(report: ChartEvalReport):
    """A rich table of the report's figures."""
    from rich.table import Table

    table = Table(title=f"charts: {report.matched}/{report.documents} files of {report.truth_path} in the output",
                  header_style="bold", title_justify="left")
    table.add_column("measure")
    table.add_column("value", justify="right")
    if report.questions:
        table.add_row("questions", str(report.questions))
        table.add_row("share answered", f"{_num(report.answer_share)} ({report.answered})")
        table.add_row("precision of answered (relaxed accuracy)", _num(report.answer_precision))
        table.add_row("accuracy over all questions", _num(report.answer_accuracy))
    if report.values:
        table.add_row("values within 2% of the axis range", f"{_num(report.value_accuracy)} "
                                                            f"({report.values_within}/{report.values})")
    if report.points:
        table.add_row("scatter points within 2% of each axis", f"{_num(report.point_recall)} "
                                                               f"({report.points_matched}/{report.points})")
    table.add_row("charts read / unreadable", f"{report.charts} / {report.charts_unreadable}")
    table.add_row("CPU s per chart (mean / max, OCR excluded)", f"{_num(report.cpu_s_per_chart)} / {report.cpu_s_max:.2f}")
    return table
