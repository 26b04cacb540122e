"""Reading a truth file (JSON lines, one object per document, `file` naming it) for `docpipe eval`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any


class TruthFileError(ValueError):
    """A truth file that cannot be read or has a bad line; the message is `FILE:LINE: what is wrong`."""


class UnknownFields(ValueError):
    """`--field` names fields the output does not have; the message lists the ones it has."""


def read_truth(path: Path) -> list[dict[str, Any]]:
    """The file's non-blank lines as dicts, in file order.

    Raises TruthFileError for an unreadable file, a line that is not JSON, not a JSON object,
    or lacks a non-empty string `file` (the key that names the document).
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # a byte-order mark some editors write is no content
    except (OSError, UnicodeDecodeError) as exc:
        raise TruthFileError(f"{path}: cannot read the truth file: {exc}") from None
    records: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TruthFileError(f"{path}:{number}: not JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(record, dict):
            raise TruthFileError(f"{path}:{number}: expected a JSON object, got {type(record).__name__}")
        if not isinstance(record.get("file"), str) or not record["file"].strip():
            raise TruthFileError(f"{path}:{number}: no \"file\" key naming the document")
        records.append(record)
    return records


# The documented top-level keys of a truth line (README "Truth files"), besides the fields of the
# run's schema, which may be given flat (`{"file": ..., "total": ...}`) or under `expected`.
META_KEYS = frozenset({"file", "kind", "schema_name", "description", "pages", "page_sizes", "source",
                       "raw", "boxes", "chart_type"})  # identity and description: never scored
FIELD_KEYS = frozenset({"expected", "line_count"})  # field truth: {field: value}; the row count of the table
CHART_KEYS = ("qa", "table", "values", "points")  # chart truth (see evaluate/charts.py)
CHART_DETAIL_KEYS = frozenset({"x_field", "y_field", "fields", "point_boxes"})
DOCUMENTED_KEYS = META_KEYS | FIELD_KEYS | frozenset(CHART_KEYS) | CHART_DETAIL_KEYS


def _numbered_records(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line number, record) of each non-blank line; TruthFileError first for a malformed line."""
    records = read_truth(path)
    text = Path(path).read_text(encoding="utf-8-sig").splitlines()
    return list(zip((n for n, line in enumerate(text, start=1) if line.strip()), records))


def check_truth_keys(path: Path, columns: set[str] | frozenset[str]) -> None:
    """Raise TruthFileError `FILE:LINE: unknown key(s) ...` for a top-level key of a truth line that
    is neither documented (DOCUMENTED_KEYS) nor a column of the run's documents dataset (`columns`),
    so that a misspelt or misplaced key is never silently left unscored."""
    for number, record in _numbered_records(path):
        unknown = sorted(k for k in record if k not in DOCUMENTED_KEYS and k not in columns)
        if unknown:
            raise TruthFileError(
                f"{path}:{number}: unknown key(s) {', '.join(unknown)}: a truth line holds `file`, the schema's "
                "fields (flat or under `expected`), `qa` [{question, answer}], `table`, `values`, `points` "
                "and description keys (see `docpipe eval --help`)")


def is_chart_line(record: dict[str, Any]) -> bool:
    """True when a truth line holds chart truth: a non-empty qa, table, values or points (an
    invoice line of sample_docs/truth.jsonl has `"qa": []`: no chart truth)."""
    return any(record.get(key) for key in CHART_KEYS)


def has_chart_truth(records: list[dict[str, Any]]) -> bool:
    """True when any truth line holds chart truth (see is_chart_line)."""
    return any(is_chart_line(record) for record in records)


def has_field_truth(records: list[dict[str, Any]], columns: set[str] | frozenset[str]) -> bool:
    """True when any truth line holds field truth (`expected`, or a flat key that is a column)."""
    return any("expected" in r or any(k in columns and k not in DOCUMENTED_KEYS for k in r) for r in records)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _shape_error(record: dict[str, Any], kinds: dict[str, str], list_fields: frozenset[str] = frozenset()) -> str | None:
    """What is wrong with the shape of one truth line's values (None when nothing is): the
    documented keys' shapes, and each schema field's value by its kind (`kinds`: field -> kind)."""
    from docpipe.grounding.normalize import normalize_value

    expected = record.get("expected")
    if "expected" in record and not isinstance(expected, dict):
        return "`expected` must be an object {field: value}"
    count = record.get("line_count")
    if count is not None and (isinstance(count, bool) or not (
            isinstance(count, int) or isinstance(count, float) and count.is_integer()) or count < 0):
        return f"`line_count` must be a whole number of rows, got {json.dumps(count)}"
    qa = record.get("qa")
    if qa is not None and (not isinstance(qa, list) or not all(
            isinstance(item, dict) and isinstance(item.get("question"), str) and "answer" in item for item in qa)):
        return "`qa` must be a list of {\"question\": text, \"answer\": value} objects"
    table = record.get("table")
    if table is not None and not (
            isinstance(table, dict) and isinstance(table.get("columns"), list) and isinstance(table.get("rows"), list)
            and all(_is_cell(c) for c in table["columns"])
            and all(isinstance(row, list) and all(_is_cell(c) for c in row) for row in table["rows"])):
        return "`table` must be an object {\"columns\": [names], \"rows\": [[cells]]} with text or number cells"
    values = record.get("values")
    if values is not None and (not isinstance(values, list) or not all(isinstance(v, dict) for v in values)):
        return "`values` must be a list of record objects"
    for key in ("x_field", "y_field"):
        if record.get(key) is not None and not isinstance(record[key], str):
            return f"`{key}` must be the name of a field of the `values` records"
    if record.get("fields") is not None and not (
            isinstance(record["fields"], dict) and all(isinstance(v, str) for v in record["fields"].values())):
        return "`fields` must be an object {channel: field name}"
    if qa is not None and not all(_is_cell(item["answer"]) for item in qa):
        return "a `qa` answer must be text or a number"
    boxes = record.get("point_boxes")
    if boxes is not None and not isinstance(boxes, list):
        return "`point_boxes` must be a list"
    points = record.get("points")
    if points is not None and (not isinstance(points, list) or not all(
            isinstance(pt, list) and len(pt) == 2 and all(_is_number(c) for c in pt) for pt in points)):
        return "`points` must be a list of pairs of numbers (x then y)"
    fields = {**{k: v for k, v in record.items() if k in kinds}, **(expected if isinstance(expected, dict) else {})}
    for field, value in fields.items():
        kind = kinds.get(field)
        if kind is None or value is None:
            continue
        if kind == "table":
            if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
                return f"`{field}` is a table: a list of row objects"
            continue
        if isinstance(value, list) and field not in list_fields:
            return f"`{field}` ({kind}) holds one value, not a list"
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, (bool, dict, list)):
                return f"`{field}` ({kind}) cannot be {json.dumps(item)}"
            amount = normalize_value(item, "amount") if kind == "amount" and item != "" else None
            if kind == "amount" and item != "" and (amount is None or not amount.is_finite()):
                return f"`{field}` is an amount: a number or a string such as \"12.50\", got {json.dumps(item)}"
            if kind == "date" and not (item == "" or isinstance(item, str) and _ISO_DATE.fullmatch(item.strip())
                                       and normalize_value(item, "date") is not None):
                return f"`{field}` is a date: ISO YYYY-MM-DD, got {json.dumps(item)}"
    return None


def _is_cell(value: Any) -> bool:
    return value is None or isinstance(value, str) or _is_number(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_truth_values(path: Path, kinds: dict[str, str], list_fields: frozenset[str] = frozenset()) -> None:
    """Raise TruthFileError `FILE:LINE: ...` for a truth line whose values have the wrong shape:
    `expected` not an object, `line_count` not a whole number, `qa`/`table`/`values`/`points` not as
    documented, or a schema field's value that its kind cannot hold (`kinds`: field -> kind; an
    amount that is not a number, a date that is not ISO YYYY-MM-DD, an object or true/false for a
    scalar, a list for a field of one value (`list_fields`: the fields that hold lists), a table
    that is not a list of rows), so that no such value is silently skipped or
    ends the scoring with a traceback."""
    for number, record in _numbered_records(path):
        problem = _shape_error(record, kinds, list_fields)
        if problem:
            raise TruthFileError(f"{path}:{number}: {problem}")
