"""`docpipe eval`: score a run's OUT/documents against a truth.jsonl.

Per field, over the documents that are in the output (documents of the truth file that the run
did not output are reported apart, as `missing`, never as wrong values): accuracy after
type-aware normalisation (amounts as Decimals, dates as dates, identifiers without
spaces/dashes/case, names case/punctuation/legal-form insensitive), coverage (non-null rate),
grounding rate (non-null values with a grounding entry) and grounded-correct rate (correct
values whose grounding says grounded=true). Tables are scored cell by cell (`tables.py`).
Kinds come from `docpipe.fields`; durations compare by length ('3 years' == 'three (3) years' ==
'36 months'), places without 'State of'.

A list of scalars (`party: list[str]`) is right when it holds the same set of values as the truth
(each compared by kind, order and repeats ignored); item precision and recall are reported too.

Where the truth states that a field has no value (an explicit null or empty list), a value in the
output is counted as invented: `wrong_rate` is the share of non-null answers that are wrong or
invented, `null_rate` the share of answers that are null (precision matters more than recall for
values nobody checks).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, computed_field

from docpipe.evaluate.calibration import FieldCalibration, field_calibration
from docpipe.evaluate.matching import RowIndex
from docpipe.grounding.normalize import values_equal
from docpipe.evaluate.tables import TableScore, score_table
from docpipe.evaluate.truth import UnknownFields, check_truth_values, read_truth
from docpipe.fields import CONFIDENCE_GROUPS, field_specs, infer_kind

_NOT_FIELDS = {"file", "raw", "pages", "line_count", "desc", "kind", "schema_name", "description", "page_sizes", "_table"}


class FieldScore(BaseModel):
    field: str
    kind: str
    truth: int = 0  # documents whose truth has a value for this field
    predicted: int = 0  # of those, documents where the run produced a value
    correct: int = 0
    with_grounding: int = 0  # predicted values that carry a grounding entry
    grounded_correct: int = 0  # correct values whose grounding says grounded=true
    truth_null: int = 0  # documents whose truth says the field has no value (explicit null / [])
    invented: int = 0  # of those, documents where the run produced a value anyway
    wrong: int = 0  # non-null values that differ from a non-null truth (mis-picked)
    items_truth: int = 0  # list fields: values in the truth lists
    items_predicted: int = 0  # list fields: distinct values in the output lists (of documents scored)
    items_matched: int = 0  # list fields: output values that match a truth value
    misses: list[dict[str, Any]] = Field(default_factory=list)  # {file, got, want}

    @computed_field  # type: ignore[prop-decorator]
    @property
    def accuracy(self) -> float | None:
        return self.correct / self.truth if self.truth else None  # n/a: nothing to rate

    @computed_field  # type: ignore[prop-decorator]
    @property
    def coverage(self) -> float | None:
        return self.predicted / self.truth if self.truth else None  # n/a: nothing to rate

    @computed_field  # type: ignore[prop-decorator]
    @property
    def grounding_rate(self) -> float | None:
        return self.with_grounding / self.predicted if self.predicted else None  # n/a: nothing to rate

    @computed_field  # type: ignore[prop-decorator]
    @property
    def grounded_correct_rate(self) -> float | None:
        return self.grounded_correct / self.correct if self.correct else None  # n/a: nothing to rate

    @computed_field  # type: ignore[prop-decorator]
    @property
    def null_rate(self) -> float | None:
        """Share of scored documents (truth with or without a value) where the output is null."""
        answered = self.truth + self.truth_null
        return (answered - self.predicted - self.invented) / answered if answered else None  # n/a: nothing to rate

    @computed_field  # type: ignore[prop-decorator]
    @property
    def wrong_rate(self) -> float | None:
        """Share of non-null output values that are wrong or invented (truth null)."""
        given = self.predicted + self.invented
        return (self.wrong + self.invented) / given if given else None  # n/a: nothing to rate

    @computed_field  # type: ignore[prop-decorator]
    @property
    def item_precision(self) -> float | None:
        return self.items_matched / self.items_predicted if self.items_predicted else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def item_recall(self) -> float | None:
        return self.items_matched / self.items_truth if self.items_truth else None


class EvalReport(BaseModel):
    out_dir: str
    truth_path: str
    documents: int  # documents in the truth file
    matched: int  # of those, found in the run's output (the documents every rate is over)
    missing: list[str] = Field(default_factory=list)  # truth documents not in the output
    # truth documents whose `file` fits several inputs of the output (same base name): not scored
    ambiguous: list[str] = Field(default_factory=list)
    fields: list[FieldScore] = Field(default_factory=list)
    tables: list[TableScore] = Field(default_factory=list)  # cell-by-cell, where the truth lists rows
    line_count_correct: int | None = None  # documents whose truth gives only a row count: count matches
    line_count_total: int | None = None
    # Per field (and '(all fields)'): accuracy by confidence bucket, ECE, straight-through rate.
    calibration: list[FieldCalibration] = Field(default_factory=list)
    threshold: float | None = None  # the one straight-through threshold of every field (--threshold), if given
    # Else per kind group (`docpipe.fields.kind_group`): the thresholds stored with the offline
    # engine's confidence model, chosen on development data; above 1: nothing of the group passes.
    group_thresholds: dict[str, float] = Field(default_factory=dict)
    threshold_source: str = "none"  # 'option' (one for all fields), 'model' (per kind group), 'none'

    @computed_field  # type: ignore[prop-decorator]
    @property
    def not_in_output(self) -> int:
        return len(self.missing)

    def to_json(self) -> str:
        """The report with per-field rates (also what model_dump_json gives)."""
        return json.dumps(self.model_dump(mode="json"), indent=2)


def _flatten(record: dict[str, Any]) -> dict[str, Any]:
    """Both truth shapes: flat ({"file", "total", ...}) and nested ({"file", "expected": {...}})."""
    out = dict(record)
    expected = out.pop("expected", None)
    if isinstance(expected, dict):
        out.update(expected)
    for table in ("line_items", "items"):
        if isinstance(out.get(table), list) and out.get("line_count") is None:
            out["line_count"] = len(out[table])
            out["_table"] = table  # count rows of this column, not another schema's table
    return out


def _schema_fields(types: dict[str, Any]) -> list[str]:
    """The schema's fields among the documents columns (docpipe's own head and tail columns left out)."""
    from docpipe.output.rows import DocumentHead, DocumentTail

    own = {alias for model in (DocumentHead, DocumentTail) for name, info in model.model_fields.items()
           for alias in (name, info.alias, info.serialization_alias) if alias}
    return [name for name in types if name not in own]


def _read_documents(out_dir: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows of OUT/documents and the Arrow type of each column."""
    import pyarrow.dataset as ds

    path = out_dir / "documents" if (out_dir / "documents").exists() else out_dir
    table = ds.dataset(str(path), format="parquet").to_table()
    return table.to_pylist(), {f.name: f.type for f in table.schema}


def _kinds(fields: list[str], schema: type[BaseModel] | None, types: dict[str, Any]) -> dict[str, str]:
    """Field kinds from the schema when given, else from the column types and field names."""
    import pyarrow as pa

    known = {s.name: s.kind for s in field_specs(schema)} if schema is not None else {}
    out: dict[str, str] = {}
    for f in fields:
        arrow_type = types.get(f)
        if f in known:
            out[f] = known[f]
        elif arrow_type is not None and (pa.types.is_decimal(arrow_type) or pa.types.is_floating(arrow_type)
                                         or pa.types.is_integer(arrow_type)):
            out[f] = "amount"
        elif arrow_type is not None and (pa.types.is_date(arrow_type) or pa.types.is_timestamp(arrow_type)):
            out[f] = "date"
        else:
            out[f] = infer_kind(f, str, False)
    return out


def _is_list_type(arrow_type: Any) -> bool:
    import pyarrow as pa

    return arrow_type is not None and (pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type))


def _is_table_type(arrow_type: Any) -> bool:
    """A list of structs: a table field (rows of a record model)."""
    import pyarrow as pa

    return arrow_type is not None and pa.types.is_list(arrow_type) and pa.types.is_struct(arrow_type.value_type)


def _table_kinds(column: str, schema: type[BaseModel] | None, types: dict[str, Any]) -> dict[str, str]:
    """Cell kinds of a table column: from the schema's row model, else from the Arrow struct's types."""
    import pyarrow as pa

    if schema is not None:
        spec = next((s for s in field_specs(schema) if s.name == column), None)
        if spec is not None and spec.item_fields:
            return {s.name: s.kind for s in spec.item_fields}
    arrow_type = types.get(column)
    if not _is_table_type(arrow_type):
        return {}
    kinds = {}
    for f in arrow_type.value_type:
        if pa.types.is_decimal(f.type) or pa.types.is_floating(f.type) or pa.types.is_integer(f.type):
            kinds[f.name] = "amount"
        elif pa.types.is_date(f.type) or pa.types.is_timestamp(f.type):
            kinds[f.name] = "date"
        else:
            kinds[f.name] = infer_kind(f.name, str, False)
    return kinds


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, list) and not value)


def _scalar_list(value: Any) -> bool:
    return isinstance(value, list) and all(not isinstance(v, (list, dict)) for v in value)


def _shown(value: Any) -> Any:
    return [str(v) for v in value] if isinstance(value, list) else str(value)


def _match_items(got: list[Any], want: list[Any], kind: str) -> tuple[int, int]:
    """(output values matching a distinct truth value, distinct output values); repeats count once."""
    distinct: list[Any] = []
    for v in got:
        if not _empty(v) and not any(values_equal(v, d, kind) for d in distinct):
            distinct.append(v)
    free = [w for w in want if not _empty(w)]
    matched = 0
    for v in distinct:
        hit = next((i for i, w in enumerate(free) if values_equal(v, w, kind)), None)
        if hit is not None:
            matched += 1
            free.pop(hit)
    return matched, len(distinct)


def _equal(got: Any, want: Any, kind: str) -> bool:
    """Scalars by kind; a list as a set of values by kind (order and repeats ignored)."""
    if isinstance(want, list) or isinstance(got, list):
        got_list = got if isinstance(got, list) else [got]
        want_list = want if isinstance(want, list) else [want]
        truth_items = [w for w in want_list if not _empty(w)]
        matched, distinct = _match_items(got_list, truth_items, kind)
        return matched == distinct == len(truth_items)
    return values_equal(got, want, kind)


def _groundings(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    entries = row.get("grounding") or []
    out: dict[str, dict[str, Any]] = {}
    for g in entries:
        if isinstance(g, dict) and g.get("field") is not None:
            out.setdefault(str(g["field"]), g)
    return out


def evaluate(
    out_dir: Path, truth_path: Path, fields: list[str] | None = None, schema: type[BaseModel] | None = None,
    threshold: float | None = None,
) -> EvalReport:
    """Score OUT/documents against truth.jsonl; documents match by the truth's `file`, a base
    name or a relative path (`evaluate/matching.py`: duplicates scored from the row holding their
    content; a name that fits several inputs is reported as ambiguous, not scored).

    `threshold`: the straight-through threshold for the calibration report, chosen on
    development data (by default the one stored with the offline engine's confidence model).
    """
    truths = [_flatten(record) for record in read_truth(Path(truth_path))]
    rows, types = _read_documents(Path(out_dir))
    columns = set(types)
    if fields is not None:
        unknown = [f for f in fields if f not in columns]
        if unknown:
            known = _schema_fields(types)
            raise UnknownFields(f"unknown field(s) {', '.join(unknown)}; the output's schema has: "
                                f"{', '.join(known) or 'no fields'}")
    index = RowIndex(rows)
    # Every truth value of an output column, whatever its shape, is checked against its kind first
    # (a value of the wrong shape is a usage error, never silently skipped).
    truth_columns = sorted({k for t in truths for k in t if k in columns} - _NOT_FIELDS)
    check_truth_values(Path(truth_path), {
        **_kinds(truth_columns, schema, types),
        **{c: "table" for c in truth_columns if _is_table_type(types.get(c))}},
        frozenset(c for c in truth_columns if _is_list_type(types.get(c))))
    if fields is None:
        keys = {k for t in truths for k, v in t.items() if not isinstance(v, (list, dict)) or _scalar_list(v)}
        # (A table column is scored cell by cell below, never as one value, even where a truth
        # line gives it as an empty list.)
        fields = sorted(k for k in keys - _NOT_FIELDS if k in columns and not _is_table_type(types.get(k)))
    kinds = _kinds(fields, schema, types)
    report = EvalReport(out_dir=str(out_dir), truth_path=str(truth_path), documents=len(truths), matched=0)
    scores = {f: FieldScore(field=f, kind=kinds[f]) for f in fields}
    pairs: dict[str, list[tuple[float | None, bool]]] = {f: [] for f in fields}
    tables: dict[str, TableScore] = {}
    lc_ok = lc_n = 0
    table_col = next((c for c in ("line_items", "items") if c in columns), None)
    for truth in truths:
        name = str(truth.get("file", ""))
        row, ambiguous = index.find(name)
        if ambiguous:
            report.ambiguous.append(name)  # the name fits several inputs: give the truth a path
            continue
        if row is None:
            report.missing.append(name)  # not in the output: reported apart, not scored as wrong
            continue
        report.matched += 1
        groundings = _groundings(row)
        for f in fields:
            want = truth.get(f)
            sc = scores[f]
            got = row.get(f)
            if _empty(want):
                if f in truth:
                    sc.truth_null += 1
                    if not _empty(got):
                        sc.invented += 1
                        sc.misses.append({"file": name, "got": _shown(got), "want": None})
                        # A value where the truth has none is a wrong answer in the confidence
                        # table too: one that passed the threshold lowers straight-through precision.
                        g = groundings.get(f) or groundings.get(f"{f}[0]")
                        pairs[f].append((g.get("confidence") if g else None, False))
                continue
            sc.truth += 1
            if isinstance(want, list):
                matched, n_got = _match_items(got if isinstance(got, list) else [] if _empty(got) else [got],
                                              want, kinds[f])
                sc.items_truth += len([w for w in want if not _empty(w)])
                sc.items_predicted += n_got
                sc.items_matched += matched
            if _empty(got):
                sc.misses.append({"file": name, "got": None, "want": want})
                continue
            sc.predicted += 1
            g = groundings.get(f) or groundings.get(f"{f}[0]")
            sc.with_grounding += g is not None
            right = _equal(got, want, kinds[f])
            pairs[f].append((g.get("confidence") if g else None, right))
            if right:
                sc.correct += 1
                sc.grounded_correct += bool(g and g.get("grounded"))
            else:
                sc.wrong += 1
                sc.misses.append({"file": name, "got": _shown(got), "want": want})
        for column in columns:
            if isinstance(truth.get(column), list) and truth[column] and isinstance(truth[column][0], dict):
                kinds_of_cells = _table_kinds(column, schema, types)
                if kinds_of_cells:
                    table = tables.setdefault(column, TableScore(table=column))
                    score_table(table, name, row.get(column), truth[column], kinds_of_cells)
        col = truth.get("_table", table_col)
        if col in columns and truth.get("line_count") is not None and not isinstance(truth.get(col), list):
            lc_n += 1
            lc_ok += len(row.get(col) or []) == int(truth["line_count"])
    report.fields = list(scores.values())
    report.tables = list(tables.values())
    field_thresholds = _thresholds(report, fields, kinds, threshold)
    if any(c is not None for ps in pairs.values() for c, _ in ps):
        # Straight-through is a share of the fields with a value to give (the truth's) or given
        # where there was none (invented).
        report.calibration = [field_calibration(f, scores[f].truth + scores[f].invented, pairs[f], field_thresholds[f])
                              for f in fields]
        report.calibration.append(field_calibration(
            "(all fields)", sum(s.truth + s.invented for s in scores.values()), [p for f in fields for p in pairs[f]],
            None,
            value_thresholds=[field_thresholds[f] for f in fields for _ in pairs[f]]))
    if lc_n:
        report.line_count_correct, report.line_count_total = lc_ok, lc_n
    return report


def _thresholds(report: EvalReport, fields: list[str], kinds: dict[str, str],
                threshold: float | None) -> dict[str, float | None]:
    """Each field's straight-through threshold: `threshold` for all when given, else its kind
    group's from the confidence model (None when there is no model); records the choice in the
    report."""
    if threshold is not None:
        report.threshold, report.threshold_source = threshold, "option"
        return {f: threshold for f in fields}
    from docpipe.offline.confidence import load_model

    model = load_model()
    if model is None:
        return {f: None for f in fields}
    report.threshold_source = "model"
    report.group_thresholds = {g: model.threshold_for(g) for g in CONFIDENCE_GROUPS}  # a group is its own kind
    return {f: model.threshold_for(kinds[f]) for f in fields}


def thresholds_line(report: EvalReport) -> str:
    """Which straight-through thresholds the report used, in words."""
    if report.threshold_source == "option":
        return f"straight-through at >= {report.threshold:.3f} for every field (--threshold)"
    if report.threshold_source == "model":
        shown = ", ".join(f"{g} {t:.3f}" if t <= 1.0 else f"{g} none passes"
                          for g, t in report.group_thresholds.items())
        return f"straight-through at the confidence model's threshold per kind group ({shown})"
    return "straight-through: no threshold (no confidence model)"


def render_calibration(report: EvalReport):  # -> rich.table.Table | None
    """Per field: accuracy by confidence bucket, ECE and the straight-through rate (None when the
    run's values carry no confidence)."""
    from rich.table import Table

    if not report.calibration:
        return None

    table = Table(title=f"confidence: accuracy by bucket, calibration error; {thresholds_line(report)}")
    table.add_column("field", no_wrap=True)
    table.add_column("threshold", justify="right")
    # Over the values given (with a confidence), unlike the field table's accuracy over all
    # documents whose truth has a value: two names for two rates.
    table.add_column("accuracy of answers", justify="right")
    for lo, hi in zip([b.lo for b in report.calibration[0].buckets], [b.hi for b in report.calibration[0].buckets]):
        table.add_column(f"{lo:.2f}-{min(hi, 1.0):.2f}", justify="right")
    table.add_column("ECE", justify="right")
    table.add_column("straight-through", justify="right")
    table.add_column("precision", justify="right")

    def frac(x: float | None) -> str:
        return "" if x is None else f"{x:.2f}"

    for c in report.calibration:
        cells = [f"{frac(b.accuracy)} ({b.n})" if b.n else "" for b in c.buckets]
        thr = "" if c.threshold is None else "none passes" if c.threshold > 1.0 else f"{c.threshold:.3f}"
        table.add_row(c.field, thr, frac(c.accuracy), *cells, frac(c.ece),
                      f"{frac(c.straight_through_rate)} ({c.straight_through}/{c.expected})",
                      frac(c.straight_through_precision))
    return table


def _caption(report: EvalReport) -> str | None:
    lines = []
    if report.missing:
        lines.append(f"not in output ({len(report.missing)}): {', '.join(report.missing[:5])}"
                     f"{' …' if len(report.missing) > 5 else ''}")
    if report.ambiguous:
        lines.append(f"not scored, the name fits several inputs ({len(report.ambiguous)}; give `file` a path such as "
                     f"'folder/name'): {', '.join(report.ambiguous[:5])}{' …' if len(report.ambiguous) > 5 else ''}")
    return "\n".join(lines) or None


def _plain_pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.0%}"


def render_eval(report: EvalReport):  # -> rich.table.Table
    from rich.table import Table

    table = Table(title=f"docpipe eval: {report.matched}/{report.documents} documents in the output "
                        "(rates are over these)",
                  caption=_caption(report))
    table.add_column("field")
    table.add_column("kind", style="dim")
    table.add_column("accuracy", justify="right")
    table.add_column("coverage", justify="right")
    table.add_column("grounding", justify="right")
    table.add_column("grounded|correct", justify="right")
    table.add_column("null", justify="right")
    table.add_column("wrong|answered", justify="right")
    table.add_column("n", justify="right", style="dim")

    def pct(x: float | None) -> str:
        if x is None:
            return "[dim]n/a[/dim]"  # nothing to rate (n = 0)
        colour = "green" if x >= 0.9 else "yellow" if x >= 0.7 else "red"
        return f"[{colour}]{x:.0%}[/{colour}]"

    for s in report.fields:
        table.add_row(s.field, s.kind, pct(s.accuracy), pct(s.coverage), pct(s.grounding_rate),
                      pct(s.grounded_correct_rate), _plain_pct(s.null_rate),
                      f"{_plain_pct(s.wrong_rate)} ({s.wrong + s.invented}/{s.predicted + s.invented})",
                      f"{s.correct}/{s.truth}")
    for t in report.tables:
        table.add_row(f"{t.table} rows", "table", f"P {pct(t.row_precision)} R {pct(t.row_recall)}", "", "", "",
                      "", "", f"{t.matched_rows}/{t.truth_rows}")
        for c in t.columns:
            table.add_row(f"  {t.table}[].{c.column}", c.kind, pct(c.accuracy), "", "", "", "", "",
                          f"{c.correct}/{c.truth}")
    if report.line_count_total:
        rate = (report.line_count_correct or 0) / report.line_count_total
        table.add_row("(table rows)", "count", pct(rate), "", "", "", "", "",
                      f"{report.line_count_correct}/{report.line_count_total}")
    return table
