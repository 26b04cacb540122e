"""rss_ratio: peak memory of a whole `docpipe run` process tree at 10× the pages.

A streaming pipeline's memory should not grow with the corpus. Both runs are fresh `docpipe run`
processes (own embedded Ray) over text-layer pages with the offline engine at a modest dpi, so the
larger run fits the benchmark's time budget; see docpipe.bench.corpora for why text pages.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from docpipe.bench.commands import CommandRun, run_command
from docpipe.bench.sampler import TreeMemory


class MemoryRun(BaseModel):
    pages: int
    documents: int
    wall_s: float
    pages_per_s: float
    memory: TreeMemory


class RssBenchResult(BaseModel):
    dpi: int
    engine: str
    small: MemoryRun
    large: MemoryRun
    ratio: float  # peak tree RSS, large ÷ small
    private_ratio: float  # the same without shared memory (the object store mapping)
    small_command: CommandRun | None = Field(None, exclude=True)  # for a start-up figure in quick mode


def _measure(folder: Path, out: Path, dpi: int, timeout_s: float) -> tuple[MemoryRun, CommandRun]:
    run = run_command([folder], out, ["--engine", "offline", "--dpi", str(dpi)], timeout_s, sample_memory=True)
    assert run.memory is not None
    pages = run.summary.pages
    return MemoryRun(pages=pages, documents=run.summary.processed, wall_s=run.wall_s,
                     pages_per_s=round(pages / run.wall_s, 2), memory=run.memory), run


def bench_rss(small: Path, large: Path, out_dir: Path, dpi: int, timeout_s: float = 480.0) -> RssBenchResult:
    small_run, small_command = _measure(small, out_dir / "rss-small", dpi, timeout_s)
    large_run, _ = _measure(large, out_dir / "rss-large", dpi, timeout_s)
    return RssBenchResult(small_command=small_command,
        dpi=dpi, engine="offline", small=small_run, large=large_run,
        ratio=round(large_run.memory.peak_rss_mb / small_run.memory.peak_rss_mb, 3),
        private_ratio=round(large_run.memory.peak_private_mb / small_run.memory.peak_private_mb, 3),
    )
