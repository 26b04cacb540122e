"""Consistency check of an output directory: datasets versus ledger (for tests and `docpipe verify`).

Run it only while no writer holds the output (it does not take the lock and reads a snapshot).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

from docpipe.output.commit import DOCUMENTS, KEY_COLUMN, LEDGER_FILE, PAGES, STAGING
from docpipe.output.ledger import Ledger


def verify_output(out_dir: str | Path) -> list[str]:
    """Problems found; empty when every document is in the datasets exactly once, as the ledger says."""
    out = Path(out_dir)
    problems: list[str] = []
    if not (out / LEDGER_FILE).is_file():
        return [f"{out / LEDGER_FILE} does not exist: not a docpipe output directory"]
    ledger = Ledger(out / LEDGER_FILE)
    try:
        entries = {e.row_key: e for e in ledger.entries()}
        pending = ledger.pending_plans()
    finally:
        ledger.close()
    if pending:
        problems.append(f"pending commits not rolled forward: {[p.commit_id for p in pending]}")
    staging = out / STAGING
    if staging.is_dir() and any(staging.iterdir()):
        problems.append(f"staging not empty: {sorted(p.name for p in staging.iterdir())}")

    for dataset, attr in ((DOCUMENTS, "documents_part"), (PAGES, "pages_part")):
        seen: Counter[str] = Counter()
        home: dict[str, set[str]] = {}
        for path in sorted((out / dataset).iterdir()):
            if not (path.name.startswith("part-") and path.suffix == ".parquet"):
                problems.append(f"{dataset}: unexpected file {path.name}")
                continue
            keys = pq.read_table(path, columns=[KEY_COLUMN]).column(KEY_COLUMN).to_pylist()
            if not keys:
                problems.append(f"{dataset}: empty part {path.name}")
            for key in keys:
                home.setdefault(key, set()).add(path.name)
            seen.update(keys if dataset == DOCUMENTS else set(keys))
        for key, parts in home.items():
            entry = entries.get(key)
            if entry is None:
                problems.append(f"{dataset}: row_key {key} has rows but no ledger entry")
            elif parts != {getattr(entry, attr)}:
                problems.append(f"{dataset}: row_key {key} in {sorted(parts)}, ledger says {getattr(entry, attr)}")
        if dataset == DOCUMENTS:
            problems += [f"documents: row_key {k} appears {n} times" for k, n in seen.items() if n > 1]
        for key, entry in entries.items():
            if getattr(entry, attr) is not None and key not in home:
                problems.append(f"{dataset}: ledger row_key {key} points at {getattr(entry, attr)} without rows")
    return problems
