"""Chart QA with the offline engine through an embedded Ray: generated chart PDFs with known data,
questions from -q and --questions-file, the typed charts dataset and answers column, explicit
errors for unsupported questions and for documents without a readable chart, and resume."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as pads
import pymupdf
import pytest

from docpipe.config import RunConfig, load_pipeline
from docpipe.progress import JsonReporter
from docpipe.runner import execute
from tests.chartgen import case, pdf_bytes

pytest.importorskip("matplotlib")
pytestmark = pytest.mark.ray


@pytest.fixture(scope="module")
def ray_session():
    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("charts_in")
    (folder / "bars.pdf").write_bytes(pdf_bytes(case("bar", 5)))
    (folder / "lines.pdf").write_bytes(pdf_bytes(case("line", 5)))
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "A memo with no chart at all.")
    (folder / "memo.pdf").write_bytes(doc.tobytes())
    return folder


def _run(inputs: Path, out: Path, questions: list[str], questions_file: Path | None = None):
    config = RunConfig(inputs=[str(inputs)], out_dir=out, pipeline=load_pipeline("charts"), engine="offline",
                       questions=questions, questions_file=questions_file)
    return execute(config, JsonReporter())


def _rows(out: Path, dataset: str) -> list[dict]:
    return pads.dataset(out / dataset, format="parquet").to_table().to_pylist()


@pytest.fixture(scope="module")
def chart_run(ray_session, inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("charts_out") / "out"
    bars, lines = case("bar", 5), case("line", 5)
    qfile = out.parent / "questions.jsonl"
    web = lines.series["Web"]
    qfile.write_text("\n".join(json.dumps(line) for line in [
        {"file": "lines.pdf", "question": f"What is the value of 'Web' in '{lines.categories[1]}'?"},
        {"file": "bars.pdf", "questions": ["Why is this chart blue?"]},
    ]) + "\n")
    summary = _run(inputs, out, ["What is the highest value?"], qfile)
    return out, summary, bars, lines, web, qfile


def test_answers_are_typed_columns_grounded_on_marks(chart_run):
    out, summary, bars, lines, web, _ = chart_run
    schema = pads.dataset(out / "documents", format="parquet").schema
    answer = schema.field("answers").type.value_type
    types = {answer.field(i).name: answer.field(i).type for i in range(answer.num_fields)}
    assert types["question"] == pa.string() and types["answer"] == pa.string()
    assert types["value"] == pa.float64() and types["unit"] == pa.string()
    assert types["page_index"] == pa.int64() and types["chart_index"] == pa.int64()
    assert types["bbox"] == pa.list_(pa.field("item", pa.float64(), nullable=False))
    assert types["grounded"] == pa.bool_() and types["confidence"] == pa.float64()
    assert {types["error"].field(i).name for i in range(types["error"].num_fields)} == {"category", "message", "stage"}

    docs = {Path(d["source_path"]).name: d for d in _rows(out, "documents")}
    highest = docs["bars.pdf"]["answers"][0]
    assert highest["question"] == "What is the highest value?"
    assert highest["value"] == pytest.approx(max(bars.series[None]), rel=1e-9)
    assert highest["grounded"] and highest["confidence"] == 1.0 and highest["page_index"] == 0
    x0, y0, x1, y1 = highest["bbox"]
    assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1
    lines_answers = docs["lines.pdf"]["answers"]
    assert [a["question"] for a in lines_answers] == ["What is the highest value?",
                                                      f"What is the value of 'Web' in '{lines.categories[1]}'?"]
    assert lines_answers[0]["value"] == pytest.approx(max(max(v) for v in lines.series.values()))
    assert lines_answers[1]["value"] == pytest.approx(web[1])
    assert docs["bars.pdf"]["status"] == "partial"  # one of its questions is not supported
    refused = docs["bars.pdf"]["answers"][1]
    assert refused["answer"] is None and refused["error"]["category"] == "unsupported_question"


def test_every_question_is_recorded_even_without_a_chart(chart_run):
    out, *_ = chart_run
    memo = next(d for d in _rows(out, "documents") if d["source_path"].endswith("memo.pdf"))
    assert memo["status"] == "partial"
    assert [a["question"] for a in memo["answers"]] == ["What is the highest value?"]
    assert memo["answers"][0]["error"]["category"] == "unreadable_chart"
    assert "no chart" in memo["answers"][0]["error"]["message"]


def test_charts_dataset_one_typed_row_per_chart(chart_run):
    out, _, bars, lines, *_ = chart_run
    schema = pads.dataset(out / "charts", format="parquet").schema
    point = schema.field("series").type.value_type.field("points").type.value_type
    assert {point.field(i).name for i in range(point.num_fields)} >= {"x", "y", "bbox", "source", "confidence"}
    assert point.field("y").type == pa.float64()
    rows = {Path(r["source_path"]).name: r for r in _rows(out, "charts")}
    assert set(rows) == {"bars.pdf", "lines.pdf"}
    bar = rows["bars.pdf"]
    assert bar["chart_type"] == "bar" and bar["reader"] == "vector" and bar["title"] == bars.title
    assert {p["x"]: p["y"] for p in bar["series"][0]["points"]} == pytest.approx(
        dict(zip(bars.categories, bars.series[None])))
    line = rows["lines.pdf"]
    assert {s["name"] for s in line["series"]} == set(lines.series)
    assert all(p["source"] == "vector" for s in line["series"] for p in s["points"])
    docs = {d["row_key"] for d in _rows(out, "documents")}
    assert {r["row_key"] for r in rows.values()} <= docs


def test_rerun_skips_and_new_questions_reprocess_only_their_document(chart_run, inputs):
    out, _, _, lines, _, qfile = chart_run
    again = _run(inputs, out, ["What is the highest value?"], qfile)
    assert again.processed == 0 and again.skipped_done == 3
    qfile.write_text(qfile.read_text() + json.dumps({"file": "lines.pdf", "question": "How many lines are there?"})
                     + "\n")
    changed = _run(inputs, out, ["What is the highest value?"], qfile)
    assert changed.processed == 1
    docs = {Path(d["source_path"]).name: d for d in _rows(out, "documents")}
    assert len(docs) == 3 and docs["lines.pdf"]["answers"][-1]["answer"] == "2"
    assert len([r for r in _rows(out, "charts") if r["source_path"].endswith("lines.pdf")]) == 1


# -- a raster line chart (a PNG: word layer by OCR, raster reader) ------------------------------------


def _line_spec(seed: int):
    """A two-series line chart with seeded values the test knows (tenths, 3.0-23.0 on a 0-25 axis).
    Web rises and App falls, so no data label sits in the notch of a peak or a valley, where the
    lines cross the printed number and OCR may miss it (the value is then measured, at a lower
    confidence)."""
    import random

    from docpipe.devtools.chart_layout import ChartSpec, SeriesSpec

    rng = random.Random(seed)
    months = ("Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    web = tuple(sorted(round(rng.uniform(11.0, 23.0), 1) for _ in months))
    app = tuple(sorted((round(rng.uniform(3.0, 9.5), 1) for _ in months), reverse=True))
    return ChartSpec(chart_type="line", title="Weekly Orders, H2 2025", x_label="Month", y_label="Orders (thousands)",
                     categories=months, series=(SeriesSpec("Web", web), SeriesSpec("App", app)), y_max=25, y_step=5)


@pytest.fixture(scope="module")
def raster_run(ray_session, tmp_path_factory):
    from docpipe.devtools.sample_docs import line_chart_png

    folder = tmp_path_factory.mktemp("raster_charts_in")
    spec = _line_spec(7)
    line_chart_png(folder, "orders.png", spec)
    out = tmp_path_factory.mktemp("raster_charts_out") / "out"
    web, app = spec.series
    questions = ["What is the highest value?", f"What was the App value in {spec.categories[2]}?",
                 "In which month did App reach its lowest value?"]
    _run(folder, out, questions)
    return out, spec, web.values, app.values


def test_raster_line_chart_answers_grounded_on_its_marks(raster_run):
    out, spec, web, app = raster_run
    (doc,) = _rows(out, "documents")
    assert doc["status"] == "ok", doc["error"]
    highest, lookup, lowest = doc["answers"]
    assert highest["value"] == pytest.approx(max(web + app)) and highest["grounded"]
    assert lookup["value"] == pytest.approx(app[2]) and lookup["grounded"]
    assert lowest["answer"] == spec.categories[app.index(min(app))]
    (chart,) = _rows(out, "charts")
    assert chart["reader"] == "raster" and chart["chart_type"] == "line" and chart["error"] is None
    got = {s["name"]: [p["y"] for p in s["points"]] for s in chart["series"]}
    # printed labels are exact; a point whose label is not matched is measured (within 0.6% of the axis)
    assert got == {"Web": pytest.approx(list(web), abs=0.15), "App": pytest.approx(list(app), abs=0.15)}
    sources = [p["source"] for s in chart["series"] for p in s["points"]]
    assert set(sources) <= {"label", "measured"} and sources.count("label") >= len(sources) // 2
    assert [p["x"] for p in chart["series"][0]["points"]] == list(spec.categories)
    # The answer's box is the mark of the highest value: the point's own box, not the whole plot.
    top = max((p for s in chart["series"] for p in s["points"]), key=lambda p: p["y"])
    assert highest["bbox"] == pytest.approx(top["bbox"])
    assert len(highest["mark_boxes"]) == len(web) + len(app)
    x0, y0, x1, y1 = highest["bbox"]
    assert x1 - x0 < 0.05 and y1 - y0 < 0.05
    # The confidence says what the evidence says: printed labels agreeing with the measured values.
    assert 0.5 <= highest["confidence"] <= 1.0
