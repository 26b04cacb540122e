"""Scoring tables (line items, receipt items) cell by cell, not by row count.

Rows of the output and of the truth are aligned in order (a Needleman-Wunsch style dynamic
programme over row similarities, so a missing or an extra row shifts nothing after it), then each
matched row's cells are compared by the column's kind with the same normalisation as scalar fields
(`grounding.normalize.values_equal`: amounts as decimals, text case/punctuation-insensitive).

Reported per table column: row precision (matched rows / output rows), row recall (matched rows /
truth rows), and per cell column the accuracy over matched rows whose truth has a value. A
truncated description ("Sechskantschrauben M6x20 (100" for "... (100 Stk.)") is a wrong cell.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, computed_field

from docpipe.grounding.normalize import normalize_value, similarity, values_equal

MATCH_THRESHOLD = 0.5  # mean cell similarity for two rows to count as the same row


class ColumnScore(BaseModel):
    column: str
    kind: str
    truth: int = 0  # matched rows whose truth has a value in this column
    correct: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def accuracy(self) -> float | None:
        return self.correct / self.truth if self.truth else None  # n/a: nothing to rate


class TableScore(BaseModel):
    table: str  # the documents column, e.g. line_items
    documents: int = 0  # documents whose truth lists this table's rows
    truth_rows: int = 0
    output_rows: int = 0
    matched_rows: int = 0
    columns: list[ColumnScore] = Field(default_factory=list)
    misses: list[dict[str, Any]] = Field(default_factory=list)  # {file, row, column, got, want}

    @computed_field  # type: ignore[prop-decorator]
    @property
    def row_precision(self) -> float | None:
        return self.matched_rows / self.output_rows if self.output_rows else None  # n/a: nothing to rate

    @computed_field  # type: ignore[prop-decorator]
    @property
    def row_recall(self) -> float | None:
        return self.matched_rows / self.truth_rows if self.truth_rows else None  # n/a: nothing to rate


def _cell_similarity(got: Any, want: Any, kind: str) -> float:
    if kind in ("amount", "date", "identifier", "currency"):
        return 1.0 if values_equal(got, want, kind) else 0.0
    a, b = normalize_value(got, kind), normalize_value(want, kind)
    if a is None or b is None:
        return 0.0
    return similarity(str(a), str(b))


def row_similarity(got: dict[str, Any], want: dict[str, Any], kinds: dict[str, str]) -> float:
    """Mean cell similarity (0-1) over the truth row's non-null columns."""
    columns = [c for c, v in want.items() if v is not None and c in kinds]
    if not columns:
        return 0.0
    return sum(_cell_similarity(got.get(c), want[c], kinds[c]) for c in columns) / len(columns)


def align_rows(output: list[dict[str, Any]], truth: list[dict[str, Any]],
               kinds: dict[str, str]) -> list[tuple[int, int]]:
    """Order-preserving alignment maximising total similarity; pairs below MATCH_THRESHOLD are not matched.

    Returns (output index, truth index) pairs in order. O(len(output) × len(truth)).
    """
    n, m = len(output), len(truth)
    sim = [[row_similarity(output[i], truth[j], kinds) for j in range(m)] for i in range(n)]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            take = sim[i][j] + best[i + 1][j + 1] if sim[i][j] >= MATCH_THRESHOLD else -1.0
            best[i][j] = max(take, best[i + 1][j], best[i][j + 1])
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        if sim[i][j] >= MATCH_THRESHOLD and abs(best[i][j] - (sim[i][j] + best[i + 1][j + 1])) < 1e-12:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif best[i + 1][j] >= best[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


def score_table(score: TableScore, file: str, output: list[dict[str, Any]] | None,
                truth: list[dict[str, Any]], kinds: dict[str, str]) -> None:
    """Add one document's table to `score` (output None: the document is not in the output)."""
    output = [r for r in (output or []) if isinstance(r, dict)]
    truth = [r for r in truth if isinstance(r, dict)]
    columns = {c.column: c for c in score.columns}
    for column in sorted({c for row in truth for c in row if c in kinds}):
        columns.setdefault(column, ColumnScore(column=column, kind=kinds[column]))
    score.documents += 1
    score.truth_rows += len(truth)
    score.output_rows += len(output)
    pairs = align_rows(output, truth, kinds)
    score.matched_rows += len(pairs)
    for i, j in pairs:
        for column, want in truth[j].items():
            if want is None or column not in columns:
                continue
            cell = columns[column]
            cell.truth += 1
            got = output[i].get(column)
            if got is not None and values_equal(got, want, cell.kind):
                cell.correct += 1
            elif len(score.misses) < 200:
                score.misses.append({"file": file, "row": j, "column": column, "got": None if got is None else str(got),
                                     "want": str(want)})
    score.columns = sorted(columns.values(), key=lambda c: c.column)
