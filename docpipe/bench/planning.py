"""Driver cost of listing and planning a very large input set, from a generated listing.

No objects are created: an object store's listing (what `fs.find` returns for a prefix: key →
size, ETag) is generated in memory and fed to the same code a run uses (discover._take_listed,
runner.plan_inputs, Collector.expect). Two cases: a first run (empty ledger: everything is work)
and a re-run (every input in the ledger with the same version: everything is skipped unread).
Runs in a fresh interpreter so that its peak RSS is this part's alone.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pydantic import BaseModel


class PlanningCase(BaseModel):
    case: str  # "first run" | "re-run"
    wall_s: float
    cpu_s: float
    todo: int
    skipped: int


class PlanningResult(BaseModel):
    objects: int
    cases: list[PlanningCase]
    peak_rss_mb: float  # the whole measuring process, both cases and the generated listing included
    baseline_rss_mb: float  # after imports, before the listing existed


def bench_planning(objects: int = 1_000_000, timeout_s: float = 900.0) -> PlanningResult:
    code = f"from docpipe.bench.planning import measure; measure({int(objects)})"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout_s)
    if done.returncode != 0:
        raise RuntimeError(f"planning measurement failed: {done.stderr[-800:]}")
    return PlanningResult.model_validate_json(done.stdout.strip().splitlines()[-1])


def _listing(objects: int) -> dict[str, dict]:
    # 1,000 "folders" of 1,000 objects, keys shaped like real ones, one ETag each.
    return {f"bench-bucket/inbox/{i // 1000:04d}/scan-{i:07d}.pdf":
            {"name": f"bench-bucket/inbox/{i // 1000:04d}/scan-{i:07d}.pdf", "size": 100_000 + i % 5000,
             "ETag": f'"{i:032x}"', "type": "file"} for i in range(objects)}


def measure(objects: int) -> None:
    """Print a PlanningResult as JSON (run in a fresh interpreter by bench_planning)."""
    from docpipe.collector import Collector, PendingDoc
    from docpipe.discover import Listing, _take_listed, _Walk
    from docpipe.output.ledger import Ledger
    from docpipe.records import Status
    from docpipe.runner import plan_inputs

    baseline = _peak_mb()
    cases = []
    with tempfile.TemporaryDirectory(prefix="docpipe-plan-") as folder:
        ledger = Ledger(Path(folder) / "ledger.sqlite")

        def key_of(doc_id: str, source: str = "") -> str:
            return f"w-{doc_id}"

        for case in ("first run", "re-run"):
            t0, c0 = time.monotonic(), time.process_time()
            walk = _Walk()
            _take_listed("s3://bench-bucket/inbox", "bench-bucket/inbox", _listing(objects), walk)
            listing = Listing(docs=sorted(walk.docs.values(), key=lambda d: d.source_path), skipped=dict(walk.skipped))
            todo, immediate = plan_inputs(listing.docs, ledger, key_of, force=False, retry_failed=True)
            collector = Collector(None, BaseModel, None, {}, 32, 30.0, lambda *_: None)  # type: ignore[arg-type]
            for doc in todo:
                collector.expect(PendingDoc(doc=doc))
            cases.append(PlanningCase(case=case, wall_s=round(time.monotonic() - t0, 2),
                                      cpu_s=round(time.process_time() - c0, 2), todo=len(todo),
                                      skipped=len(listing.docs) - len(todo) - len(immediate)))
            if case == "first run":  # as if that run had committed everything (not timed)
                _bulk_insert(ledger, ((f"d{i}", f"d{i}", key_of(f"d{i}"), Status.ok.value, None, d.source_path,
                                       d.source_version, "r", "c", "2025-01-01T00:00:00+00:00")
                                      for i, d in enumerate(listing.docs)))
            del walk, listing, todo, collector
        ledger.close()
    print(json.dumps(PlanningResult(objects=objects, cases=cases, peak_rss_mb=_peak_mb(),
                                    baseline_rss_mb=baseline).model_dump()))


def _bulk_insert(ledger, rows) -> None:
    columns = ("row_key", "doc_id", "work_key", "status", "error_category", "source_path", "source_version",
               "run_id", "commit_id", "committed_at")
    with ledger.transaction() as db:
        db.executemany(f"INSERT INTO ledger ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                       rows)


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
