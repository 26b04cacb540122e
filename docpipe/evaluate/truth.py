"""Reading a truth file (JSON lines, one object per document, `file` naming it) for `docpipe eval`."""

from __future__ import annotations

import json
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
        text = Path(path).read_text(encoding="utf-8")
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
