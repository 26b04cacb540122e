"""pipeline_ratio: `docpipe run` through an embedded Ray vs. the same stages in one plain loop.

The Ray side is runner.execute as the CLI calls it (discovery, ledger, Parquet output included),
with a stream function that mirrors the runner's own but also collects Ray Data's per-stage
timings. The loop side (docpipe.bench.loop) builds the same stages from the very StagePlan the
run used (captured from that run), with rasterization in-process (isolate=False), and pushes the
same documents through rasterize → word layer → page processor (which validates) in the same
batch sizes.
"""

from __future__ import annotations

import math
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

from docpipe.bench.loop import run_loop_here, run_loop_process
from docpipe.bench.report import StageRate
from docpipe.bench.stages import stage_rates
from docpipe.config import RunConfig, load_pipeline
from docpipe.executor import StageTiming
from docpipe.plan import StagePlan
from docpipe.progress import SilentReporter
from docpipe.records import PageResult, SourceDoc


class PipelineBenchResult(BaseModel):
    label: str  # ocr | tiny-vlm
    engine: str
    model: str | None
    documents: int
    pages: int
    batch_infer: int
    max_new_tokens: int
    workers: str  # raster/ocr/infer pool sizes of the Ray run
    ray_wall_s: float  # execute() from start (Ray start-up included) to the last commit
    ray_startup_s: float | None  # to the first finished document
    ray_pages_per_s: float
    ray_steady_pages_per_s: float  # the slowest stage's pages / its first task start → last task end
    ray_fixed_s: float  # the rest of the Ray run's wall time: start-up, filling the pipeline, last commit
    ray_page_status: dict[str, int]
    loop_setup_s: float  # fresh process: interpreter, imports, discovery, building the stages (model load)
    loop_s: float
    loop_pages_per_s: float  # pages / (setup + loop): end to end, like the Ray figure
    loop_steady_pages_per_s: float  # pages / loop
    loop_page_status: dict[str, int]
    ratio: float  # ray_pages_per_s / loop_pages_per_s
    steady_ratio: float
    break_even_pages: int | None  # from this many pages on, the Ray run beats the loop end to end
    stages: list[StageRate] = []


class _Recorder:
    """Stream function for runner.execute: the runner's Ray stream plus stage timings."""

    def __init__(self) -> None:
        self.plan: StagePlan | None = None
        self.timings: list[StageTiming] = []
        self.statuses: Counter[str] = Counter()

    def stream(self, config: RunConfig, plan: StagePlan, docs: list[SourceDoc]) -> Iterator:
        from docpipe import executor
        from docpipe.runner import plan_on_ray

        plan = plan_on_ray(config, plan)
        first = self.plan is None
        if first:  # a second stream is the runner's page-by-page retry; time the main one
            self.plan = plan
        for event in executor.stream(plan, docs, needs_word_layer=True,
                                     on_stats=self.timings.extend if first else None):
            if isinstance(event, PageResult):
                self.statuses[event.status.value] += 1
            yield event


def run_config(inputs: list[Path], out_dir: Path, engine: str, model: str | None = None,
               max_new_tokens: int | None = None, dpi: int | None = None) -> RunConfig:
    """The configuration `docpipe run` would build for the invoice pipeline with these options."""
    spec = load_pipeline("invoice").with_overrides(model=model, max_new_tokens=max_new_tokens, dpi=dpi)
    return RunConfig(inputs=[str(p) for p in inputs], out_dir=out_dir, pipeline=spec,
                     engine=engine)  # type: ignore[arg-type]


def bench_pipeline(label: str, config: RunConfig, keep_ray: bool = False) -> PipelineBenchResult:
    """`keep_ray` reuses a running Ray session, leaves it up and runs the loop in this process:
    quick mode, cheaper start-ups, figures not comparable."""
    from docpipe import executor
    from docpipe.runner import execute

    shutil.rmtree(config.out_dir, ignore_errors=True)  # a fresh output: nothing may be skipped as done
    recorder = _Recorder()
    started = time.monotonic()
    try:
        summary = execute(config, SilentReporter(), started=started, stream_fn=recorder.stream)
    finally:
        if not keep_ray:
            executor.stop_ray()  # the loop below gets the CPUs to itself; the next run starts Ray afresh
    if recorder.plan is None:
        raise RuntimeError("the run processed nothing (no documents found?)")
    plan = recorder.plan
    if keep_ray:
        loop = run_loop_here(config, plan)
    else:
        loop = run_loop_process(config, plan, Path(config.out_dir).with_name(Path(config.out_dir).name + "-loop.json"))
    setup_s, loop_s, loop_statuses = loop.setup_s, loop.loop_s, loop.statuses

    stages = stage_rates(f"pipeline-{label}", recorder.timings, plan.workers, run_started=started)
    pages = summary.pages
    loop_pages = sum(loop_statuses.values())
    ray_rate = pages / summary.wall_s if summary.wall_s else 0.0
    # Once full, a pipeline delivers what its slowest stage does over that stage's working span.
    busy_rates = [s.pages_per_s for s in stages if s.pages_per_s > 0]
    ray_steady = min(busy_rates) if busy_rates else ray_rate
    loop_rate = loop_pages / (setup_s + loop_s)
    loop_steady = loop_pages / loop_s
    ray_fixed = summary.wall_s - pages / ray_steady if ray_steady else 0.0
    w = plan.workers
    return PipelineBenchResult(
        label=label, engine=plan.engine, model=plan.model_label, documents=summary.processed, pages=pages,
        batch_infer=plan.batch_infer, max_new_tokens=plan.max_new_tokens,
        workers=(f"raster {w.raster}×{w.raster_cpus:g}, ocr {w.ocr}×{w.ocr_cpus:g}, infer {w.infer}×{w.infer_cpus:g} "
                 f"({w.infer_concurrency} batch{'es' if w.infer_concurrency > 1 else ''} in flight per actor)"),
        ray_wall_s=round(summary.wall_s, 2), ray_startup_s=summary.startup_s,
        ray_pages_per_s=round(ray_rate, 2), ray_steady_pages_per_s=round(ray_steady, 2),
        ray_page_status=dict(recorder.statuses), loop_setup_s=round(setup_s, 2), loop_s=round(loop_s, 2),
        loop_pages_per_s=round(loop_rate, 2), loop_steady_pages_per_s=round(loop_steady, 2),
        loop_page_status=dict(loop_statuses), ratio=round(ray_rate / loop_rate, 3),
        steady_ratio=round(ray_steady / loop_steady, 3), ray_fixed_s=round(ray_fixed, 2),
        break_even_pages=_break_even(ray_fixed, ray_steady, setup_s, loop_steady), stages=stages,
    )


def _break_even(ray_fixed: float, ray_rate: float, loop_fixed: float, loop_rate: float) -> int | None:
    """Pages from which the Ray run's end-to-end rate beats the loop's (None: never, at these rates).

    Each side costs fixed + pages / rate seconds; solve ray(pages) = loop(pages).
    """
    if ray_rate <= loop_rate or ray_rate <= 0 or loop_rate <= 0:
        return None
    return max(0, math.ceil((ray_fixed - loop_fixed) / (1 / loop_rate - 1 / ray_rate)))
