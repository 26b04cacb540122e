"""kill -9 of a running `docpipe run`: the embedded Ray it started does not outlive it, and the next
run on the same output stops what a killed run left behind (docpipe/ray_reaper.py)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pyarrow.dataset as pads
import pytest

from docpipe import ray_reaper
from tests.invoice_pdfs import write_invoice_pdfs

DOCS = 120


def _cmd(inputs: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "docpipe", "run", str(inputs), "--schema", "invoice", "--out", str(out),
            "--engine", "offline", "--commit-every", "5", "--log-format", "json"]


def _started_run(cmd: list[str], stderr_path: Path) -> tuple[subprocess.Popen, dict[int, psutil.Process]]:
    """Start the run; once it has finished a document, return it with every process it started
    (descendants seen over a few looks, so late workers count too)."""
    stderr = stderr_path.open("w")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=stderr, env=os.environ.copy())
    stderr.close()
    driver = psutil.Process(proc.pid)
    seen: dict[int, psutil.Process] = {}
    deadline, looks = time.monotonic() + 300, 0
    while time.monotonic() < deadline and proc.poll() is None:
        for child in driver.children(recursive=True):
            seen.setdefault(child.pid, child)
        if '"event": "document"' in stderr_path.read_text():
            looks += 1
            if looks >= 3:
                break
        time.sleep(0.3)
    assert proc.poll() is None, "the run ended before it could be killed: " + stderr_path.read_text()[-2000:]
    names = {p.name() for p in seen.values() if p.is_running()}
    assert "raylet" in names and any(n.startswith("ray::") for n in names), names
    return proc, seen


def _alive(processes: dict[int, psutil.Process]) -> list[str]:
    out = []
    for p in processes.values():
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:  # is_running checks pid reuse
                out.append(f"{p.pid} {p.name()}")
        except psutil.NoSuchProcess:
            continue
    return out


def _gone_within(processes: dict[int, psutil.Process], seconds: float) -> list[str]:
    deadline = time.monotonic() + seconds
    while _alive(processes) and time.monotonic() < deadline:
        time.sleep(0.5)
    return _alive(processes)


@pytest.mark.ray
def test_ray_started_by_a_killed_run_goes_with_it_and_the_next_run_cleans_up(tmp_path: Path) -> None:
    inputs, out = tmp_path / "in", tmp_path / "out"
    write_invoice_pdfs(inputs, DOCS)
    cmd = _cmd(inputs, out)

    # kill -9 of the driver: everything it started (GCS, raylet, agents, workers) follows it.
    # On its own Ray's agents linger about a minute, so the bounded wait below fails without the watchdog.
    proc, started = _started_run(cmd, tmp_path / "first.txt")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    left = _gone_within(started, 30)
    assert not left, f"still running 30 s after the driver was killed: {left}"

    # Driver and its watchdog both killed: the next run on the output stops what is left.
    proc, started = _started_run(cmd, tmp_path / "second.txt")
    holder = json.loads((out / "_lock").read_text())
    assert holder["pid"] == proc.pid and holder["ray_owner"].startswith(f"{proc.pid}.")
    assert Path(holder["ray_session"]).is_dir()
    [watchdog] = [p for p in started.values() if "ray_reaper.py" in " ".join(p.cmdline())]
    watchdog.send_signal(signal.SIGKILL)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    time.sleep(1)
    assert _alive(started), "nothing of the killed run was left for the next run to stop"
    again = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, again.stderr[-2000:]
    events = [json.loads(line) for line in again.stderr.splitlines() if line.startswith("{")]
    notices = [e["message"] for e in events if e["event"] == "notice" and "left running" in e["message"]]
    assert len(notices) == 1 and f"(pid {proc.pid})" in notices[0], notices
    assert not _gone_within(started, 10)
    rows = pads.dataset(out / "documents").to_table().to_pylist()
    assert len(rows) == DOCS == len({r["doc_id"] for r in rows})


def _marked_sleeper(token: str) -> subprocess.Popen:
    env = {**os.environ, ray_reaper.OWNER_ENV: token}
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], env=env)


def test_reap_dead_holder_stops_only_the_dead_owners_processes(tmp_path: Path) -> None:
    host = socket.gethostname()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    dead_token = f"{gone.pid}.1.0000abcd"  # its owner has exited
    live_token = ray_reaper.new_token()  # this test process: alive
    orphan, other_owner, same_pid_other_token = (_marked_sleeper(dead_token), _marked_sleeper(live_token),
                                                 _marked_sleeper(f"{gone.pid}.1.0000abce"))
    try:
        assert ray_reaper.reap_dead_holder({"host": host, "ray_owner": live_token}, host) == 0
        assert ray_reaper.reap_dead_holder({"host": "elsewhere", "ray_owner": dead_token}, host) == 0
        assert ray_reaper.reap_dead_holder({"host": host}, host) == 0
        assert orphan.poll() is None
        assert ray_reaper.reap_dead_holder({"host": host, "ray_owner": dead_token, "pid": gone.pid}, host) == 1
        assert orphan.wait(timeout=30) == -signal.SIGKILL
        assert other_owner.poll() is None and same_pid_other_token.poll() is None
    finally:
        for p in (orphan, other_owner, same_pid_other_token):
            if p.poll() is None:
                p.kill()
                p.wait()
