"""Consistency check of an output (folder or object-store prefix): datasets versus ledger.

For tests and operators. Run it only while no writer holds the output (it does not take the lock
and reads a snapshot).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from docpipe.output.commit import DEFAULT_DATASETS, DOCUMENTS, EMPTY_SUFFIX, KEY_COLUMN, LEDGER_FILE, STAGING
from docpipe.output.ledger import Ledger
from docpipe.storage.store import ObjectStore, open_store


def verify_output(out_dir: str | Path, datasets: tuple[str, ...] = DEFAULT_DATASETS) -> list[str]:
    """Problems found; empty when every document is in the datasets exactly once, as the ledger says."""
    store = open_store(out_dir)
    problems: list[str] = []
    if isinstance(store, ObjectStore):
        from docpipe.output.remote_ledger import RemoteLedger

        if not store.exists(LEDGER_FILE) and not store.list("_commits/done"):
            return [f"{store.uri} has no ledger: not a docpipe output"]
        ledger = RemoteLedger(store)
        try:
            entries = {e.row_key: e for e in ledger.entries()}
            pending = ledger.pending_plans()
        finally:
            ledger.discard()
        staged = store._find(STAGING)
    else:
        if not store.path(LEDGER_FILE).is_file():
            return [f"{store.path(LEDGER_FILE)} does not exist: not a docpipe output directory"]
        local = Ledger(store.path(LEDGER_FILE))
        try:
            entries = {e.row_key: e for e in local.entries()}
            pending = local.pending_plans()
        finally:
            local.close()
        staged = store.list(STAGING)
    if pending:
        problems.append(f"pending commits not rolled forward: {[p.commit_id for p in pending]}")
    if staged:
        problems.append(f"staging not empty: {sorted(staged)}")

    for dataset in datasets:
        seen: Counter[str] = Counter()
        home: dict[str, set[str]] = {}
        for name in store.list(dataset):
            if not (name.startswith("part-") and name.endswith(".parquet")):
                problems.append(f"{dataset}: unexpected file {name}")
                continue
            keys = store.read_parquet(f"{dataset}/{name}", columns=[KEY_COLUMN]).column(KEY_COLUMN).to_pylist()
            if not keys and not name.endswith(EMPTY_SUFFIX):
                problems.append(f"{dataset}: empty part {name}")
            for key in keys:
                home.setdefault(key, set()).add(name)
            seen.update(keys if dataset == DOCUMENTS else set(keys))
        for key, parts in home.items():
            entry = entries.get(key)
            if entry is None:
                problems.append(f"{dataset}: row_key {key} has rows but no ledger entry")
            elif parts != {entry.parts.get(dataset)}:
                problems.append(f"{dataset}: row_key {key} in {sorted(parts)}, ledger says {entry.parts.get(dataset)}")
        if dataset == DOCUMENTS:
            problems += [f"documents: row_key {k} appears {n} times" for k, n in seen.items() if n > 1]
        for key, entry in entries.items():
            if entry.parts.get(dataset) is not None and key not in home:
                problems.append(f"{dataset}: ledger row_key {key} points at {entry.parts.get(dataset)} without rows")
    return problems
