"""What `docpipe eval` runs for one truth file: field truth, chart truth, or both (one file may mix
invoices and charts, as `sample_docs/truth.jsonl` does), after checking every line's keys."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from docpipe.evaluate.charts import ChartEvalReport, evaluate_charts
from docpipe.evaluate.fields import EvalReport, evaluate
from docpipe.evaluate.truth import TruthFileError, UnknownFields, check_truth_keys, check_truth_values, \
    has_chart_truth, has_field_truth, read_truth


class NothingInOutput(TruthFileError):
    """No document of the truth file is in the run's output: there is nothing to score (a usage
    or data mismatch: the wrong truth file or the wrong output folder)."""


class TruthScores(BaseModel):
    """The reports of one truth file; a part is None when the file holds no truth of that kind."""

    fields: EvalReport | None = None
    charts: ChartEvalReport | None = None


def output_columns(out_dir: Path) -> set[str]:
    """The column names of OUT/documents (the run's schema fields and docpipe's own columns)."""
    import pyarrow.dataset as pads

    return set(pads.dataset(Path(out_dir) / "documents", format="parquet").schema.names)


def score_truth_file(out_dir: Path, truth_path: Path, fields: list[str] | None = None,
                     threshold: float | None = None) -> TruthScores:
    """Score OUT against `truth_path`: fields where lines hold field truth, chart answers and data
    where lines hold chart truth.

    Raises TruthFileError (`FILE:LINE: ...` for a malformed line or an undocumented key),
    UnknownFields (`--field` with chart truth only, or a field the output lacks) and
    NothingInOutput when not one truth document is in the output.
    """
    records = read_truth(truth_path)
    if not records:
        raise TruthFileError(f"{truth_path}: the truth file holds no document lines: nothing to score")
    columns = output_columns(out_dir)
    check_truth_keys(truth_path, columns)
    check_truth_values(truth_path, {})  # the documented keys' shapes (fields by kind: evaluate())
    charts = has_chart_truth(records)
    scores = TruthScores()
    if has_field_truth(records, columns) or not charts:
        scores.fields = evaluate(out_dir, truth_path, fields or None, threshold=threshold)
    elif fields:
        raise UnknownFields("--field applies to field truth; this truth file describes charts")
    if charts:
        scores.charts = evaluate_charts(out_dir, truth_path)
    matched = max(scores.fields.matched if scores.fields else 0, scores.charts.matched if scores.charts else 0)
    if records and matched == 0:
        shown = ", ".join(Path(r["file"]).name for r in records[:3]) + (" ..." if len(records) > 3 else "")
        raise NothingInOutput(f"none of the {len(records)} document(s) of {truth_path} ({shown}) is in the output "
                              f"{out_dir}: nothing to score (wrong truth file or output folder?)")
    return scores
