"""`docpipe eval`: score a run's OUT/documents against a truth.jsonl.

Per field, over the documents that are in the output (documents of the truth file that the run
did not output are reported apart, as `missing`, never as wrong values): accuracy after
type-aware normalisation (amounts as Decimals, dates as dates, identifiers without
spaces/dashes/case, names case/punctuation/legal-form insensitive), coverage (non-null rate),
grounding rate (non-null values with a grounding entry) and grounded-correct rate (correct
values whose grounding says grounded=true). Tables are scored cell by cell (`tables.py`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, computed_field

from docpipe.grounding.normalize import values_equal
from docpipe.evaluate.tables import TableScore, score_table
from docpipe.fields import field_specs, infer_kind

_NOT_FIELDS = {"file", "raw", "pages", "line_count", "desc", "kind", "schema_name", "description", "page_sizes", "_table"}


class FieldScore(BaseModel):
    field: str
    kind: str
    truth: int = 0  # documents whose truth has a value for this field
    predicted: int = 0  # of those, documents where the run produced a value
    correct: int = 0
    with_grounding: int = 0  # predicted values that carry a grounding entry
    grounded_correct: int = 0  # correct values whose grounding says grounded=true
    misses: list[dict[str, Any]] = Field(default_factory=list)  # {file, got, want}

    @computed_field  # type: ignore[prop-decorator]
    @property
    def accuracy(self) -> float:
        return self.correct / self.truth if self.truth else 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def coverage(self) -> float:
        return self.predicted / self.truth if self.truth else 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def grounding_rate(self) -> float:
        return self.with_grounding / self.predicted if self.predicted else 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def grounded_correct_rate(self) -> float:
        return self.grounded_correct / self.correct if self.correct else 0.0


class EvalReport(BaseModel):
    out_dir: str
    truth_path: str
    documents: int  # documents in the truth file
    matched: int  # of those, found in the run's output (the documents every rate is over)
    missing: list[str] = Field(default_factory=list)  # truth documents not in the output
    fields: list[FieldScore] = Field(default_factory=list)
    tables: list[TableScore] = Field(default_factory=list)  # cell-by-cell, where the truth lists rows
    line_count_correct: int | None = None  # documents whose truth gives only a row count: count matches
    line_count_total: int | None = None

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


def _table_kinds(column: str, schema: type[BaseModel] | None, types: dict[str, Any]) -> dict[str, str]:
    """Cell kinds of a table column: from the schema's row model, else from the Arrow struct's types."""
    import pyarrow as pa

    if schema is not None:
        spec = next((s for s in field_specs(schema) if s.name == column), None)
        if spec is not None and spec.item_fields:
            return {s.name: s.kind for s in spec.item_fields}
    arrow_type = types.get(column)
    if arrow_type is None or not pa.types.is_list(arrow_type) or not pa.types.is_struct(arrow_type.value_type):
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


def _groundings(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    entries = row.get("grounding") or []
    out: dict[str, dict[str, Any]] = {}
    for g in entries:
        if isinstance(g, dict) and g.get("field") is not None:
            out.setdefault(str(g["field"]), g)
    return out


def evaluate(
    out_dir: Path, truth_path: Path, fields: list[str] | None = None, schema: type[BaseModel] | None = None
) -> EvalReport:
    """Score OUT/documents against truth.jsonl; documents match by file basename."""
    truths = [_flatten(json.loads(line)) for line in Path(truth_path).read_text(encoding="utf-8").splitlines()
              if line.strip()]
    rows, types = _read_documents(Path(out_dir))
    columns = set(types)
    by_name: dict[str, dict[str, Any]] = {}
    for row in rows:
        name = Path(str(row.get("source_path") or "")).name
        # Several rows for one file (re-runs): prefer one that finished.
        if name not in by_name or (by_name[name].get("status") not in ("ok", "partial") and row.get("status") in ("ok", "partial")):
            by_name[name] = row
    if fields is None:
        keys = {k for t in truths for k, v in t.items() if not isinstance(v, (list, dict))} - _NOT_FIELDS
        fields = sorted(k for k in keys if k in columns)
    kinds = _kinds(fields, schema, types)
    report = EvalReport(out_dir=str(out_dir), truth_path=str(truth_path), documents=len(truths), matched=0)
    scores = {f: FieldScore(field=f, kind=kinds[f]) for f in fields}
    tables: dict[str, TableScore] = {}
    lc_ok = lc_n = 0
    table_col = next((c for c in ("line_items", "items") if c in columns), None)
    for truth in truths:
        name = Path(str(truth.get("file", ""))).name
        row = by_name.get(name)
        if row is None:
            report.missing.append(name)  # not in the output: reported apart, not scored as wrong
            continue
        report.matched += 1
        groundings = _groundings(row)
        for f in fields:
            want = truth.get(f)
            if want is None or (isinstance(want, str) and not want.strip()):
                continue
            sc = scores[f]
            sc.truth += 1
            got = row.get(f)
            if got is None or (isinstance(got, str) and not got.strip()):
                sc.misses.append({"file": name, "got": None, "want": want})
                continue
            sc.predicted += 1
            g = groundings.get(f)
            sc.with_grounding += g is not None
            if values_equal(got, want, kinds[f]):
                sc.correct += 1
                sc.grounded_correct += bool(g and g.get("grounded"))
            else:
                sc.misses.append({"file": name, "got": str(got), "want": want})
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
    if lc_n:
        report.line_count_correct, report.line_count_total = lc_ok, lc_n
    return report


def render_eval(report: EvalReport):  # -> rich.table.Table
    from rich.table import Table

    table = Table(title=f"docpipe eval: {report.matched}/{report.documents} documents in the output "
                        "(rates are over these)",
                  caption=(f"not in output ({len(report.missing)}): {', '.join(report.missing[:5])}"
                           f"{' …' if len(report.missing) > 5 else ''}" if report.missing else None))
    table.add_column("field")
    table.add_column("kind", style="dim")
    table.add_column("accuracy", justify="right")
    table.add_column("coverage", justify="right")
    table.add_column("grounding", justify="right")
    table.add_column("grounded|correct", justify="right")
    table.add_column("n", justify="right", style="dim")

    def pct(x: float) -> str:
        colour = "green" if x >= 0.9 else "yellow" if x >= 0.7 else "red"
        return f"[{colour}]{x:.0%}[/{colour}]"

    for s in report.fields:
        table.add_row(s.field, s.kind, pct(s.accuracy), pct(s.coverage), pct(s.grounding_rate),
                      pct(s.grounded_correct_rate), f"{s.correct}/{s.truth}")
    for t in report.tables:
        table.add_row(f"{t.table} rows", "table", f"P {pct(t.row_precision)} R {pct(t.row_recall)}", "", "", "",
                      f"{t.matched_rows}/{t.truth_rows}")
        for c in t.columns:
            table.add_row(f"  {t.table}[].{c.column}", c.kind, pct(c.accuracy), "", "", "", f"{c.correct}/{c.truth}")
    if report.line_count_total:
        rate = (report.line_count_correct or 0) / report.line_count_total
        table.add_row("(table rows)", "count", pct(rate), "", "", "",
                      f"{report.line_count_correct}/{report.line_count_total}")
    return table
