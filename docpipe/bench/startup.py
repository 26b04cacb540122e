"""startup_s: from typing `docpipe run` to the first page result, with an embedded Ray."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from docpipe.bench.commands import CommandRun, run_command


class StartupResult(BaseModel):
    engine: str
    input: str  # what the run was given
    startup_s: float  # command start (before the process exists) → first finished document
    in_process_startup_s: float | None  # the run's own figure: from its first line of code
    interpreter_s: float | None  # the difference: Python start-up and imports before the run begins
    wall_s: float
    # CPU seconds of the whole process tree (driver, Ray daemons, workers) until the first page
    # result: on a shared machine the wall figure also measures the other jobs, this one does not
    startup_cpu_s: float | None = None
    load_average: float | None = None  # 1-minute load average when the run finished


def startup_of(run: CommandRun, engine: str, described: str) -> StartupResult:
    if run.first_page_s is None:
        raise RuntimeError("the run finished without a page result")
    inner = run.summary.startup_s
    import os

    return StartupResult(engine=engine, input=described, startup_s=run.first_page_s, in_process_startup_s=inner,
                         interpreter_s=round(run.first_page_s - inner, 3) if inner is not None else None,
                         wall_s=run.wall_s, startup_cpu_s=run.first_page_cpu_s,
                         load_average=round(os.getloadavg()[0], 2))


def bench_startup(inputs: list[Path], out: Path, timeout_s: float = 300.0) -> StartupResult:
    run = run_command(inputs, out, ["--engine", "offline"], timeout_s, sample_startup_cpu=True)
    return startup_of(run, "offline", f"{len(inputs)} PDF(s), {run.summary.pages} page(s)")
