"""Calibrated confidence: the eval report (buckets, ECE, straight-through rate at a threshold
chosen elsewhere), the threshold search used on development data, and the shipped model."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from docpipe.evaluate import evaluate, render_calibration
from docpipe.evaluate.calibration import expected_calibration_error, field_calibration, threshold_for_precision
from docpipe.evaluate.fields import thresholds_line
from docpipe.fields import CONFIDENCE_GROUPS
from docpipe.offline.confidence import MODEL_FORMAT, ConfidenceModel, LogisticPart, load_model
from schemas.invoice import Invoice

GROUNDING = pa.list_(pa.struct([
    ("field", pa.string()), ("value", pa.string()), ("page_index", pa.int32()), ("score", pa.float64()),
    ("grounded", pa.bool_()), ("confidence", pa.float64()),
]))


def _g(field: str, value: str, confidence: float | None) -> dict:
    return {"field": field, "value": value, "page_index": 0, "score": 1.0, "grounded": True,
            "confidence": confidence}


def _write(out: Path, truth: Path) -> None:
    """Ten documents: totals right at high confidence except one; numbers right at low confidence."""
    rows, truths = [], []
    for i in range(10):
        total_right = i != 9
        rows.append({
            "source_path": f"/in/d{i}.pdf", "status": "ok", "invoice_number": f"N-{i}",
            "total": f"{i}.00" if total_right else "99.00",
            "grounding": [_g("invoice_number", f"N-{i}", 0.6), _g("total", f"{i}.00", 0.99 if i < 8 else 0.85)],
        })
        truths.append({"file": f"d{i}.pdf", "invoice_number": f"N-{i}", "total": f"{i}.00"})
    truths.append({"file": "missing.pdf", "invoice_number": "X", "total": "1.00"})
    schema = pa.schema([("source_path", pa.string()), ("status", pa.string()), ("invoice_number", pa.string()),
                        ("total", pa.string()), ("grounding", GROUNDING)])
    (out / "documents").mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), out / "documents" / "part-0.parquet")
    truth.write_text("\n".join(json.dumps(t) for t in truths) + "\n")


def test_eval_reports_buckets_ece_and_straight_through(tmp_path: Path) -> None:
    _write(tmp_path / "OUT", tmp_path / "truth.jsonl")
    report = evaluate(tmp_path / "OUT", tmp_path / "truth.jsonl", schema=Invoice, threshold=0.9)
    by_field = {c.field: c for c in report.calibration}
    total = by_field["total"]
    assert total.expected == 10 and total.with_confidence == 10 and total.correct == 9
    # 0.99 x 8 all right; 0.85 x 2, one wrong.
    top = next(b for b in total.buckets if b.lo == 0.98)
    mid = next(b for b in total.buckets if b.lo == 0.8)
    assert (top.n, top.correct, mid.n, mid.correct) == (8, 8, 2, 1)
    assert total.straight_through == 8 and total.straight_through_rate == pytest.approx(0.8)
    assert total.straight_through_precision == 1.0
    assert total.ece == pytest.approx((8 * 0.01 + 2 * 0.35) / 10)
    number = by_field["invoice_number"]
    assert number.straight_through == 0 and number.accuracy == 1.0 and number.ece == pytest.approx(0.4)
    pooled = by_field["(all fields)"]
    assert pooled.expected == 20 and pooled.straight_through == 8
    assert report.threshold == 0.9 and report.threshold_source == "option" and render_calibration(report) is not None


def test_a_value_given_where_the_truth_has_none_is_a_wrong_answer_in_the_confidence_table(tmp_path: Path) -> None:
    """An invented due date (truth null) at 0.99 counts in the buckets, against the precision of
    what went straight through, and in the rate's denominator; an invented one at 0.5 does not pass."""
    out = tmp_path / "OUT"
    rows = [{"source_path": f"/in/d{i}.pdf", "status": "ok", "due_date": f"2025-01-0{i + 1}",
             "grounding": [_g("due_date", f"2025-01-0{i + 1}", 0.99 if i < 3 else 0.5)]} for i in range(4)]
    truths = [{"file": "d0.pdf", "due_date": "2025-01-01"}, {"file": "d1.pdf", "due_date": "2025-01-02"},
              {"file": "d2.pdf", "due_date": None}, {"file": "d3.pdf", "due_date": None}]
    schema = pa.schema([("source_path", pa.string()), ("status", pa.string()), ("due_date", pa.string()),
                        ("grounding", GROUNDING)])
    (out / "documents").mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), out / "documents" / "part-0.parquet")
    (tmp_path / "truth.jsonl").write_text("\n".join(json.dumps(t) for t in truths) + "\n")
    report = evaluate(out, tmp_path / "truth.jsonl", schema=Invoice, threshold=0.9)
    due = {c.field: c for c in report.calibration}["due_date"]
    assert due.expected == 4 and due.with_confidence == 4 and due.correct == 2
    assert due.straight_through == 3 and due.straight_through_correct == 2
    assert due.straight_through_precision == pytest.approx(2 / 3)
    low = next(b for b in due.buckets if b.lo == 0.5)
    assert (low.n, low.correct) == (1, 0)


def test_default_threshold_is_each_fields_kind_group_threshold_of_the_model(tmp_path: Path, monkeypatch) -> None:
    """Without --threshold each field is held to its kind group's threshold from the model: here
    amounts at 0.9 (8 totals at 0.99 pass, 2 at 0.85 do not) and identifiers at 0.5 (all 10
    numbers at 0.6 pass); the pooled row counts each value against its own field's threshold."""
    import docpipe.offline.confidence as confidence

    _write(tmp_path / "OUT", tmp_path / "truth.jsonl")
    model = ConfidenceModel(features=["score"], groups={}, straight_through=0.97,
                            thresholds={"amount": 0.9, "identifier": 0.5, "date": 1.01})
    monkeypatch.setattr(confidence, "load_model", lambda *a, **k: model)
    report = evaluate(tmp_path / "OUT", tmp_path / "truth.jsonl", schema=Invoice)
    by_field = {c.field: c for c in report.calibration}
    assert report.threshold is None and report.threshold_source == "model"
    assert report.group_thresholds["amount"] == 0.9 and report.group_thresholds["text"] == 0.97
    assert (by_field["total"].threshold, by_field["total"].straight_through) == (0.9, 8)
    assert (by_field["invoice_number"].threshold, by_field["invoice_number"].straight_through) == (0.5, 10)
    pooled = by_field["(all fields)"]
    assert pooled.threshold is None and pooled.straight_through == 18 and pooled.straight_through_correct == 18
    assert pooled.straight_through_rate == pytest.approx(18 / 20)
    assert "amount 0.900" in thresholds_line(report) and "date none passes" in thresholds_line(report)
    assert thresholds_line(report) in render_calibration(report).title  # the table says which were used
    # --threshold: one threshold for every field, said so in the report.
    forced = evaluate(tmp_path / "OUT", tmp_path / "truth.jsonl", schema=Invoice, threshold=0.7)
    assert forced.threshold_source == "option" and {c.threshold for c in forced.calibration[:-1]} == {0.7}
    assert {c.field: c.straight_through for c in forced.calibration}["(all fields)"] == 10
    assert "0.700 for every field" in thresholds_line(forced)


def test_shipped_model_has_a_threshold_per_kind_group() -> None:
    model = load_model()
    assert model is not None and model.format == MODEL_FORMAT
    assert set(model.thresholds) == set(CONFIDENCE_GROUPS)
    assert all(0.5 < t <= 1.01 for t in model.thresholds.values())
    assert model.threshold_for("name") == model.thresholds["text"]  # names and addresses are 'text'


def test_group_thresholds_from_the_model_and_a_format_1_file_still_loads(tmp_path: Path) -> None:
    model = ConfidenceModel(format=MODEL_FORMAT, features=["score"], groups={}, straight_through=0.95,
                            thresholds={"amount": 0.9, "date": 0.8, "text": 1.01})
    assert (model.threshold_for("amount"), model.threshold_for("date")) == (0.9, 0.8)
    assert model.threshold_for("address") == 1.01  # the 'text' group: nothing passes
    assert model.threshold_for("identifier") == 0.95  # no threshold for the group: the pooled one
    old = {"features": ["score"], "groups": {"amount": {"coef": [1.0], "intercept": 0.0}},
           "platt_a": 1.0, "platt_b": 0.0, "straight_through": 0.97, "target_precision": 0.98}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old))
    loaded = load_model(str(path))
    assert loaded is not None and loaded.format == 1 and loaded.thresholds == {}
    assert loaded.threshold_for("date") == 0.97 and loaded.threshold_for("amount") == 0.97


def test_no_confidence_no_calibration_section(tmp_path: Path) -> None:
    out = tmp_path / "OUT"
    (out / "documents").mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist([{"source_path": "/a.pdf", "status": "ok", "total": "1.00",
                                          "grounding": [_g("total", "1.00", None)]}],
                                        schema=pa.schema([("source_path", pa.string()), ("status", pa.string()),
                                                          ("total", pa.string()), ("grounding", GROUNDING)])),
                   out / "documents" / "part-0.parquet")
    (tmp_path / "t.jsonl").write_text(json.dumps({"file": "a.pdf", "total": "1.00"}) + "\n")
    report = evaluate(out, tmp_path / "t.jsonl", threshold=0.9)
    assert report.calibration == [] and render_calibration(report) is None


def test_threshold_for_precision_takes_the_lowest_that_reaches_the_target() -> None:
    pairs = [(0.99, True)] * 30 + [(0.95, True)] * 20 + [(0.95, False)] + [(0.9, False)] * 5 + [(0.8, True)] * 10
    assert threshold_for_precision(pairs, 0.98) == 0.95  # 50 of 51 at >= 0.95
    assert threshold_for_precision(pairs, 0.999) == 0.99
    assert threshold_for_precision([(0.9, False)] * 30, 0.98) is None
    assert threshold_for_precision([(0.99, True)] * 5, 0.98, min_count=20) is None


def test_ece_of_a_calibrated_and_an_overconfident_model() -> None:
    calibrated = [(0.75, True)] * 3 + [(0.75, False)]
    assert expected_calibration_error(calibrated) == pytest.approx(0.0)
    assert expected_calibration_error([(0.95, False)] * 4) == pytest.approx(0.95)
    assert expected_calibration_error([]) is None
    assert field_calibration("f", 3, [(None, True)], 0.9).with_confidence == 0
    # Per-value thresholds (the pooled row): each value against its own; one per value or an error.
    mixed = field_calibration("all", 3, [(0.95, True), (0.95, True), (0.5, False)], None,
                              value_thresholds=[0.9, 1.01, 0.4])
    assert (mixed.straight_through, mixed.straight_through_correct, mixed.threshold) == (2, 1, None)
    with pytest.raises(ValueError):
        field_calibration("all", 2, [(0.9, True)], None, value_thresholds=[0.5, 0.5])


def test_model_applies_group_weights_and_the_platt_map() -> None:
    model = ConfidenceModel(features=["score"], groups={"amount": LogisticPart(coef=[4.0], intercept=-2.0)},
                            platt_a=2.0, platt_b=0.5, straight_through=0.95)
    low, high = model.raw({"score": 0.0}, "amount"), model.raw({"score": 1.0}, "amount")
    assert low < 0.5 < high and low == pytest.approx(1 / (1 + 2.718281828 ** 2))
    # logit(0.5) = 0: sigmoid(0.5); a > 1 spreads raw probabilities apart, monotone throughout.
    assert model.calibrate(0.5) == pytest.approx(1 / (1 + 2.718281828 ** -0.5))
    assert model.calibrate(0.2) < model.calibrate(0.5) < model.calibrate(0.9)
    assert model.raw({"score": 1.0}, "name") == 0.0  # no part for the group, and no 'text' part: nothing known


def test_no_kind_group_of_the_shipped_model_is_one_constant() -> None:
    """A group whose development values were all right is scored by the pooled model, so its
    confidence still follows the evidence (a constant would be a claim no evidence made)."""
    from docpipe.offline.confidence import load_model

    model = load_model()
    assert model is not None
    for group, part in model.groups.items():
        assert any(abs(w) > 1e-9 for w in part.coef), group


def test_a_table_column_given_as_an_empty_list_is_not_scored_as_one_value(tmp_path: Path) -> None:
    from schemas.receipt import Receipt

    out = tmp_path / "OUT"
    items = pa.list_(pa.struct([("description", pa.string()), ("quantity", pa.string()), ("price", pa.string())]))
    schema = pa.schema([("source_path", pa.string()), ("status", pa.string()), ("total", pa.string()),
                        ("items", items), ("grounding", GROUNDING)])
    (out / "documents").mkdir(parents=True)
    rows = [{"source_path": "/in/r.png", "status": "ok", "total": "3.00", "items": [], "grounding": []}]
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), out / "documents" / "part-0.parquet")
    (tmp_path / "truth.jsonl").write_text(json.dumps({"file": "r.png", "total": "3.00", "items": []}) + "\n")
    report = evaluate(out, tmp_path / "truth.jsonl", schema=Receipt)
    assert [f.field for f in report.fields] == ["total"]
