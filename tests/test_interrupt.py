"""Ctrl-C on a real `docpipe run`: it stops within seconds, says so in one line, keeps what was
committed, writes its summary marked interrupted and exits 130; stderr stays pure JSON lines."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.dataset as pads
import pytest

from docpipe.cli import EXIT_INTERRUPTED
from tests.invoice_pdfs import write_invoice_pdfs


@pytest.mark.ray
def test_ctrl_c_stops_quickly_commits_what_is_done_and_exits_130(tmp_path: Path) -> None:
    inputs, out = tmp_path / "in", tmp_path / "out"
    write_invoice_pdfs(inputs, 400)
    cmd = [sys.executable, "-m", "docpipe", "run", str(inputs), "--schema", "invoice", "--out", str(out),
           "--engine", "offline", "--commit-every", "5", "--log-format", "json"]
    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("w") as stderr:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr, text=True)
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            done = sum('"event": "document"' in line for line in stderr_path.read_text().splitlines())
            if done >= 10:
                break
            time.sleep(0.2)
        assert proc.poll() is None, "the run ended before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        interrupted_at = time.monotonic()
        stdout, _ = proc.communicate(timeout=120)
        stop_s = time.monotonic() - interrupted_at
    assert proc.returncode == EXIT_INTERRUPTED
    print(f"stopped {stop_s:.1f} s after SIGINT")
    assert stop_s < 30, f"took {stop_s:.1f} s to stop"  # seconds on an idle 2-core machine; CI may be busy
    lines = [line for line in stderr_path.read_text().splitlines() if line.strip()]
    events = [json.loads(line) for line in lines]  # every stderr line is JSON, Ray's included
    errors = [e for e in events if e["event"] == "error"]
    assert len(errors) == 1 and errors[0]["exit_code"] == EXIT_INTERRUPTED
    assert "re-run" in errors[0]["message"] and "Traceback" not in stderr_path.read_text()
    [summary_path] = (out / "_runs").glob("*.json")
    summary = json.loads(summary_path.read_text())
    assert json.loads(stdout) == summary  # the summary is the one JSON line on stdout, as for a finished run
    assert summary["interrupted"] is True and 0 < summary["processed"] < 400
    rows = pads.dataset(out / "documents").to_table().to_pylist()
    assert len(rows) == summary["processed"] == len({r["doc_id"] for r in rows})
    # The same command finishes the job: nothing done twice, nothing lost.
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    rows = pads.dataset(out / "documents").to_table().to_pylist()
    assert len(rows) == 400 == len({r["doc_id"] for r in rows})


def test_rich_mode_keeps_foreign_lines_off_the_terminal(tmp_path: Path) -> None:
    from docpipe.foreign_output import ForeignOutputCapture

    stdout_before = sys.stdout
    with ForeignOutputCapture(tmp_path / "run.log") as capture:
        os.write(2, b"logging.cc:303: Set ray log level\n")  # what Ray's C++ core does
        print("warning from a library", file=sys.stderr)
        print("(raylet) Task MapWorker.submit failed")  # what Ray's driver prints for a killed actor
        os.write(1, b"native stdout line\n")
        capture.terminal.write("docpipe's own line\n")
    assert capture.foreign_lines() == ["logging.cc:303: Set ray log level", "warning from a library",
                                       "(raylet) Task MapWorker.submit failed", "native stdout line"]
    assert sys.stdout is stdout_before
