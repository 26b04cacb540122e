"""`docpipe run` as a user starts it: a fresh interpreter with its own embedded Ray."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from pydantic import BaseModel

from docpipe.bench.sampler import TreeCpuUntil, TreeMemory, TreeSampler
from docpipe.summary import RunSummary


class CommandRun(BaseModel):
    wall_s: float  # from just before the process started to its exit
    first_page_s: float | None  # from just before the process started to its first finished document
    summary: RunSummary
    memory: TreeMemory | None = None
    # CPU seconds of the whole process tree (driver, Ray's daemons and workers) until the first
    # finished document was logged; None when not sampled
    first_page_cpu_s: float | None = None


class CommandFailed(RuntimeError):
    pass


def run_command(inputs: list[Path], out: Path, extra: list[str], timeout_s: float,
                sample_memory: bool = False, sample_startup_cpu: bool = False) -> CommandRun:
    """Run `python -m docpipe run INPUTS --out OUT --log-format json EXTRA...` and read its results."""
    command = [sys.executable, "-m", "docpipe", "run", *map(str, inputs), "--out", str(out),
               "--log-format", "json", *extra]
    log_path = out.with_name(out.name + ".log")
    shutil.rmtree(out, ignore_errors=True)  # a fresh output: the ledger would skip everything as done
    out.parent.mkdir(parents=True, exist_ok=True)
    memory = None
    startup_cpu: TreeCpuUntil | None = None
    with open(log_path, "wb") as log:
        started_wall = time.time()
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, env=_environment())
        try:
            if sample_startup_cpu:
                # A document event with pages (the JSON log's first page result).
                startup_cpu = TreeCpuUntil(process.pid, log_path, '"event": "document"').__enter__()
            if sample_memory:
                with TreeSampler(process.pid) as sampler:
                    stdout, _ = process.communicate(timeout=timeout_s)
                memory = sampler.result
            else:
                stdout, _ = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise CommandFailed(f"docpipe run did not finish within {timeout_s:g} s") from None
        finally:
            if startup_cpu is not None:
                startup_cpu.__exit__(None, None, None)
        wall_s = time.monotonic() - started
    lines = stdout.decode(errors="replace").strip().splitlines()
    if process.returncode not in (0, 1) or not lines:
        tail = log_path.read_text(errors="replace")[-800:]
        raise CommandFailed(f"docpipe run exited with {process.returncode}: {tail}")
    summary = RunSummary.model_validate_json(lines[-1])
    return CommandRun(wall_s=round(wall_s, 3), first_page_s=_first_document_s(log_path, started_wall),
                      summary=summary, memory=memory,
                      first_page_cpu_s=startup_cpu.seconds if startup_cpu is not None else None)


def _environment() -> dict[str, str]:
    import docpipe

    # The child imports this docpipe even when it is a source checkout that is not installed.
    env = dict(os.environ)
    root = str(Path(docpipe.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env


def _first_document_s(log_path: Path, started_wall: float) -> float | None:
    """Seconds from `started_wall` to the first `document` event with pages in the JSON log."""
    with open(log_path, encoding="utf-8", errors="replace") as log:
        for line in log:
            try:
                event = json.loads(line)
            except ValueError:
                continue  # a library's stray line on stderr
            if isinstance(event, dict) and event.get("event") == "document" and event.get("pages"):
                at = dt.datetime.fromisoformat(event["ts"]).timestamp()
                return round(at - started_wall, 3)
    return None
