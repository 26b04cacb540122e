"""A real kill -9 of a process in the middle of a commit loop, then recovery.

The child commits small batches forever, re-committing earlier documents (supersedes: rewrites
and deletes of old parts) and printing each acknowledged commit. The parent kills it at varying
moments; after every kill a fresh writer must recover to a state where each document is in the
datasets exactly once, the ledger agrees with the files, and every acknowledged commit survived.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from docpipe.output.commit import DatasetWriter
from docpipe.output.verify import verify_output

REPO = Path(__file__).resolve().parents[1]

COMMIT_LOOP = r"""
import datetime as dt, sys, time
from docpipe.output.commit import DatasetWriter
from docpipe.output.ledger import LedgerEntry
from docpipe.output.rows import DocumentHead, document_rows_table, page_rows_table
from docpipe.records import PageResult, Status
from schemas.invoice import Invoice

out, run_id = sys.argv[1], sys.argv[2]
now = dt.datetime.now(dt.timezone.utc)
# Writing Parquet dominates a commit; pausing at each step after (c) lets kills also land while
# files are being moved into the datasets, not only while they are being staged.
AFTER_RECORD = {"recorded", "replaced", "deleted", "added", "applied"}
writer = DatasetWriter(out, run_id=run_id, fault_hook=lambda step: time.sleep(0.02 * (step in AFTER_RECORD)))
print("ready", flush=True)
i = 0
while True:
    keys = [f"d{2 * i}", f"d{2 * i + 1}"]
    if i % 3 == 2:
        keys.append(f"d{i // 2}")  # an earlier document again: its old rows must be superseded
    status = Status.ok if i % 2 else Status.failed
    heads = [DocumentHead(doc_id=k, source_path=k, page_count=2, pages_processed=2, status=status,
                          schema="invoice", schema_hash="s", pipeline="p", engine="offline", prompt_hash="h",
                          run_id=run_id, processed_at=now) for k in keys]
    pages = [PageResult(doc_id=k, source_path=k, page_index=p, page_count=2, total_pages=2, width_pt=1.0,
                        height_pt=1.0, status=status) for k in keys for p in range(2)]
    docs = document_rows_table(heads, [Invoice(invoice_number=k) for k in keys], [[] for _ in keys], Invoice)
    entries = [LedgerEntry(row_key=k, doc_id=k, work_key=run_id, status=status, source_path=k, run_id=run_id)
               for k in keys]
    writer.commit({"documents": docs, "pages": page_rows_table(pages, run_id=run_id, processed_at=now)}, entries)
    print("committed " + " ".join(f"{k}={run_id}" for k in keys), flush=True)
    i += 1
"""


def _run_and_kill(out: Path, run_id: str, commits_before_kill: int, extra_delay_s: float) -> dict[str, str]:
    """Start the loop, kill -9 it after some acknowledged commits; the last acknowledged work_key per key."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen([sys.executable, "-c", COMMIT_LOOP, str(out), run_id], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
    acknowledged: dict[str, str] = {}
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready", child.stderr.read() if child.stderr else ""
        for _ in range(commits_before_kill):
            line = child.stdout.readline().split()
            assert line and line[0] == "committed", child.stderr.read() if child.stderr else ""
            acknowledged.update(pair.split("=") for pair in line[1:])
        time.sleep(extra_delay_s)  # land the kill somewhere inside a later commit
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL
    return acknowledged


def test_kill_9_mid_commit_loop_then_recover(tmp_path: Path) -> None:
    rng = random.Random(7)
    acknowledged: dict[str, str] = {}
    for round_index, commits in enumerate([2, 5, 3]):
        acknowledged.update(_run_and_kill(tmp_path, f"run{round_index}", commits, rng.uniform(0.0, 0.15)))
        with DatasetWriter(tmp_path, run_id=f"check{round_index}") as writer:  # recovers
            entries = {e.row_key: e for e in writer.ledger.entries()}
        assert verify_output(tmp_path) == []
        # Every commit the child saw return is durable; later ones may or may not have landed.
        for key, run_id in acknowledged.items():
            assert key in entries
            assert entries[key].work_key >= run_id  # run ids sort in run order: same or a later run
        assert not list((tmp_path / "_staging").iterdir())
