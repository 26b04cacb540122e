"""Which output row a truth line describes: by its file's path, as far as the truth gives it.

A truth line names its document by `file`: a base name ('scan.png') or a relative path
('a/scan.png'). It matches the output rows whose `source_path` ends with that path (whole path
components only). Several rows of one input path (re-runs) resolve to the one that finished; a
row marked a duplicate (`skipped`, same content as another input) is scored from the row holding
that content (same `doc_id`). When the name matches finished rows of two or more different
inputs ('a/scan.png' and 'b/scan.png' for 'scan.png') the line is ambiguous: it is reported
apart and never scored against a guess.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

_FINISHED = ("ok", "partial")


def _parts(path: str) -> tuple[str, ...]:
    return PurePosixPath(path.replace("\\", "/")).parts


class RowIndex:
    """Output rows (dicts with `source_path`, `status`, `doc_id`) looked up by a truth line's file."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.by_path: dict[tuple[str, ...], dict[str, Any]] = {}
        self.by_name: dict[str, list[tuple[str, ...]]] = {}
        self.finished_by_doc: dict[str, dict[str, Any]] = {}
        for row in rows:
            parts = _parts(str(row.get("source_path") or ""))
            if not parts:
                continue
            held = self.by_path.get(parts)
            if held is None or (held.get("status") not in _FINISHED and row.get("status") in _FINISHED):
                self.by_path[parts] = row
            if held is None:
                self.by_name.setdefault(parts[-1], []).append(parts)
            if row.get("status") in _FINISHED and row.get("doc_id"):
                self.finished_by_doc.setdefault(str(row["doc_id"]), row)

    def find(self, file: str) -> tuple[dict[str, Any] | None, bool]:
        """(row, ambiguous): the row the truth line's `file` names, or None; `ambiguous` when the
        name fits rows of several inputs."""
        want = _parts(file)
        if not want:
            return None, False
        paths = [p for p in self.by_name.get(want[-1], []) if p[-len(want):] == want]
        if len(paths) > 1:
            # Only inputs whose row holds values compete: a failed row of a file since moved or
            # deleted says nothing the finished one contradicts.
            finished = [p for p in paths if self._finished(self.by_path[p]) is not None]
            if len(finished) > 1:
                return None, True
            paths = finished or paths[:1]
        if not paths:
            return None, False
        row = self.by_path[paths[0]]
        return self._finished(row) or row, False

    def _finished(self, row: dict[str, Any]) -> dict[str, Any] | None:
        """The finished row holding `row`'s values: itself, or for a duplicate input (same
        content as another input) that input's row; None when neither finished."""
        if row.get("status") in _FINISHED:
            return row
        return self.finished_by_doc.get(str(row.get("doc_id") or ""))
