"""kill -9 of a real `docpipe run` at several points, then re-runs: every document exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.dataset as pads
import pymupdf
import pytest

N_DOCS = 14


def _make_corpus(folder: Path) -> None:
    folder.mkdir()
    for i in range(N_DOCS):
        doc = pymupdf.open()
        for p in range(1 + i % 2):
            page = doc.new_page(width=595, height=842)
            page.insert_text((72, 72), "ACME Supplies Ltd", fontsize=14)
            page.insert_text((72, 110), f"Invoice No.: INV-{i:04d}-{p}", fontsize=11)
            page.insert_text((72, 130), f"Invoice Date: 2024-03-{1 + i:02d}", fontsize=11)
            page.insert_text((72, 300), f"Total: EUR {100 + i}.50", fontsize=11)
        doc.save(folder / f"inv_{i:02d}.pdf")


def _command(inputs: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "docpipe", "run", str(inputs), "--schema", "invoice", "--out", str(out),
            "--engine", "offline", "--commit-every", "2", "--log-format", "json"]


def _parts(out: Path) -> int:
    folder = out / "documents"
    return len(list(folder.glob("*.parquet"))) if folder.is_dir() else 0


def _run_and_kill(cmd: list[str], cwd: Path, until, timeout_s: float = 120) -> bool:
    """Start the run in its own process group; SIGKILL the whole group once until() is true."""
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + timeout_s
    killed = False
    while time.monotonic() < deadline and proc.poll() is None:
        if until():
            os.killpg(proc.pid, signal.SIGKILL)
            killed = True
            break
        time.sleep(0.05)
    if proc.poll() is None and not killed:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return killed


@pytest.mark.ray
def test_kill_at_several_points_then_resume_exactly_once(tmp_path):
    inputs, out = tmp_path / "in", tmp_path / "out"
    _make_corpus(inputs)
    cmd = _command(inputs, out)
    started = time.monotonic()
    # 1: during start-up, before anything is committed.
    _run_and_kill(cmd, tmp_path, lambda: time.monotonic() - started > 2.0)
    assert _parts(out) == 0
    # 2: right after the first commit lands; 3: in the middle of the run.
    assert _run_and_kill(cmd, tmp_path, lambda: _parts(out) >= 1)
    first_parts = _parts(out)
    killed_mid = _run_and_kill(cmd, tmp_path, lambda: _parts(out) >= first_parts + 2)

    final = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr[-2000:]
    summary = json.loads(final.stdout.strip().splitlines()[-1])
    docs = pads.dataset(out / "documents").to_table().to_pylist()
    pages = pads.dataset(out / "pages").to_table().to_pylist()
    names = sorted(Path(d["source_path"]).name for d in docs)
    assert names == sorted(f"inv_{i:02d}.pdf" for i in range(N_DOCS))  # every document, once
    assert len({d["doc_id"] for d in docs}) == N_DOCS
    assert len(pages) == sum(1 + i % 2 for i in range(N_DOCS))
    assert len({(p["doc_id"], p["page_index"]) for p in pages}) == len(pages)
    assert all(d["status"] == "ok" for d in docs)
    # The resumed runs did only the missing work.
    assert summary["skipped_done"] + summary["processed"] == N_DOCS
    if killed_mid:
        assert summary["skipped_done"] >= 2
    staging = out / "_staging"
    assert not staging.exists() or not any(staging.iterdir())  # recovery left nothing behind

    again = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0
    nothing = json.loads(again.stdout.strip().splitlines()[-1])
    assert nothing["processed"] == 0 and nothing["skipped_done"] == N_DOCS
    assert nothing["startup_s"] is None  # no page was processed: no Ray, no model work
