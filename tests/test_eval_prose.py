"""`docpipe eval` on a never-seen schema: lists as sets by kind, durations by length, invented values."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from docpipe.evaluate import evaluate


def _write(out: Path, rows: list[dict]) -> None:
    schema = pa.schema([("doc_id", pa.string()), ("source_path", pa.string()), ("status", pa.string()),
                        ("party", pa.list_(pa.string())), ("term", pa.string()), ("jurisdiction", pa.string())])
    (out / "documents").mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), out / "documents" / "part-0.parquet")


def test_lists_durations_places_and_invented_values(tmp_path: Path) -> None:
    _write(tmp_path / "out", [
        {"doc_id": "a", "source_path": "/in/a.pdf", "status": "ok", "party": ["ACME, INC.", "Bo Ito", "ACME Inc"],
         "term": "three (3) years", "jurisdiction": "State of New York"},
        {"doc_id": "b", "source_path": "/in/b.pdf", "status": "ok", "party": ["Foo LLC", "Bar Ltd."],
         "term": "2 years", "jurisdiction": None},
        {"doc_id": "c", "source_path": "/in/c.pdf", "status": "ok", "party": [], "term": None,
         "jurisdiction": "Delaware"},
    ])
    truth = tmp_path / "truth.jsonl"
    truth.write_text("\n".join(json.dumps(t) for t in [
        {"file": "a.pdf", "party": ["Bo Ito", "Acme Inc."], "term": "36 months", "jurisdiction": "New York"},
        {"file": "b.pdf", "party": ["Foo LLC"], "term": None, "jurisdiction": None},
        {"file": "c.pdf", "party": ["Baz Corp"], "term": "1 year", "jurisdiction": "Texas"},
    ]) + "\n")
    report = evaluate(tmp_path / "out", truth)
    scores = {s.field: s for s in report.fields}
    assert set(scores) == {"party", "term", "jurisdiction"}  # the list field is scored too
    party = scores["party"]
    assert party.kind == "name"
    assert (party.correct, party.truth, party.wrong) == (1, 3, 1)  # a: same set; b: one extra name; c: none
    assert (party.items_truth, party.items_predicted, party.items_matched) == (4, 4, 3)
    term = scores["term"]
    assert term.kind == "duration"
    assert (term.correct, term.truth, term.truth_null, term.invented) == (1, 2, 1, 1)
    assert term.wrong_rate == 0.5  # one right value, one invented where the truth says none
    assert term.null_rate == 1 / 3
    jur = scores["jurisdiction"]
    assert jur.kind == "place"
    assert (jur.correct, jur.wrong, jur.truth_null, jur.invented) == (1, 1, 1, 0)
