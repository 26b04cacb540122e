"""pipeline_ratio: `docpipe run` through an embedded Ray vs. the same stages in one plain loop.

The Ray side is runner.execute as the CLI calls it (discovery, ledger, Parquet output included),
with a stream function that mirrors the runner's own but also collects Ray Data's per-stage
timings. The loop side builds the same stages from the very StagePlan the run used (captured from
that run), with rasterization in-process (isolate=False), and pushes the same documents through
rasterize → word layer → page processor (which validates) in the same batch sizes.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

from docpipe.bench.report import StageRate
from docpipe.bench.stages import stage_rates, stages_span
from docpipe.config import RunConfig, load_pipeline
from docpipe.plan import StagePlan, default_workers
from docpipe.records import PageImage, PageResult, SourceDoc


class SilentReporter:
    """The runner's Reporter protocol, saying nothing: the benchmark prints its own progress."""

    def notice(self, message: str) -> None:
        pass

    def start(self, total_docs: int) -> None:
        pass

    def document(self, head: object, pages: int) -> None:
        pass

    def stop(self) -> None:
        pass


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
    ray_steady_pages_per_s: float  # pages / span of the stages (Ray and actor start-up excluded)
    ray_page_status: dict[str, int]
    loop_setup_s: float  # discovery and building the stages (model load included)
    loop_s: float
    loop_pages_per_s: float  # pages / (setup + loop): end to end, like the Ray figure
    loop_steady_pages_per_s: float  # pages / loop
    loop_page_status: dict[str, int]
    ratio: float  # ray_pages_per_s / loop_pages_per_s
    steady_ratio: float
    stages: list[StageRate] = []


class _Recorder:
    """Stream function for runner.execute: the runner's Ray stream plus stage timings."""

    def __init__(self) -> None:
        self.plan: StagePlan | None = None
        self.timings: list = []
        self.statuses: Counter[str] = Counter()

    def stream(self, config: RunConfig, plan: StagePlan, docs: list[SourceDoc]) -> Iterator:
        from docpipe import executor

        resources = executor.start_ray(config.ray_address)
        plan = plan.model_copy(update={"workers": default_workers(
            int(resources.get("CPU", 1)), int(resources.get("GPU", 0)), plan.engine,
            config.raster_workers, config.ocr_workers, config.infer_workers)})
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
    spec = load_pipeline("invoice")
    updates: dict = {}
    if model:
        updates["model"] = model
    if max_new_tokens:
        updates["limits"] = spec.limits.model_copy(update={"max_new_tokens": max_new_tokens})
    if dpi:
        updates["raster"] = spec.raster.model_copy(update={"dpi": dpi})
    spec = spec.model_copy(update=updates)
    return RunConfig(inputs=[str(p) for p in inputs], out_dir=out_dir, pipeline=spec, engine=engine,  # type: ignore[arg-type]
                     device="auto")


def plain_loop(config: RunConfig, plan: StagePlan) -> tuple[float, float, Counter[str]]:
    """(setup seconds, loop seconds, page statuses) for the stages run one after the other."""
    from docpipe.plan import build_page_processor, build_rasterizer, build_word_layer
    from docpipe.runner import prepare

    started = time.perf_counter()
    _, docs = prepare(config)
    plan = plan.model_copy(update={"raster": plan.raster.model_copy(update={"isolate": False})})
    rasterize, word_layer, process = build_rasterizer(plan), build_word_layer(plan), build_page_processor(plan)
    setup_s = time.perf_counter() - started
    statuses: Counter[str] = Counter()

    def run_batch(items: list[tuple[PageImage, bytes | None]]) -> None:
        pages: list[PageImage] = []
        for i in range(0, len(items), plan.batch_ocr):
            pages.extend(word_layer(items[i:i + plan.batch_ocr]))
        for result in process([(page, image) for page, (_, image) in zip(pages, items)]):
            statuses[result.status.value] += 1

    started = time.perf_counter()
    pending: list[tuple[PageImage, bytes | None]] = []
    for doc in docs:
        for output in rasterize([doc]):
            pending.extend(zip(output.pages, output.images))
        while len(pending) >= plan.batch_infer:
            run_batch(pending[:plan.batch_infer])
            del pending[:plan.batch_infer]
    if pending:
        run_batch(pending)
    return setup_s, time.perf_counter() - started, statuses


def bench_pipeline(label: str, config: RunConfig, keep_ray: bool = False) -> PipelineBenchResult:
    """`keep_ray` reuses a running Ray session and leaves it up: quick mode, not for figures."""
    from docpipe import executor
    from docpipe.runner import execute

    shutil.rmtree(config.out_dir, ignore_errors=True)  # a fresh output: nothing may be skipped as done
    recorder = _Recorder()
    try:
        summary = execute(config, SilentReporter(), started=time.monotonic(), stream_fn=recorder.stream)
    finally:
        if not keep_ray:
            executor.stop_ray()  # the loop below gets the CPUs to itself; the next run starts Ray afresh
    if recorder.plan is None:
        raise RuntimeError("the run processed nothing (no documents found?)")
    plan = recorder.plan
    setup_s, loop_s, loop_statuses = plain_loop(config, plan)

    stages = stage_rates(f"pipeline-{label}", recorder.timings, plan.workers)
    span = stages_span(recorder.timings)
    pages = summary.pages
    loop_pages = sum(loop_statuses.values())
    ray_rate = pages / summary.wall_s if summary.wall_s else 0.0
    ray_steady = pages / span if span else ray_rate
    loop_rate = loop_pages / (setup_s + loop_s)
    loop_steady = loop_pages / loop_s
    w = plan.workers
    return PipelineBenchResult(
        label=label, engine=plan.engine, model=plan.model_label, documents=summary.processed, pages=pages,
        batch_infer=plan.batch_infer, max_new_tokens=plan.max_new_tokens,
        workers=f"raster {w.raster}×{w.raster_cpus:g}, ocr {w.ocr}×{w.ocr_cpus:g}, infer {w.infer}×{w.infer_cpus:g}",
        ray_wall_s=round(summary.wall_s, 2), ray_startup_s=summary.startup_s,
        ray_pages_per_s=round(ray_rate, 2), ray_steady_pages_per_s=round(ray_steady, 2),
        ray_page_status=dict(recorder.statuses), loop_setup_s=round(setup_s, 2), loop_s=round(loop_s, 2),
        loop_pages_per_s=round(loop_rate, 2), loop_steady_pages_per_s=round(loop_steady, 2),
        loop_page_status=dict(loop_statuses), ratio=round(ray_rate / loop_rate, 3),
        steady_ratio=round(ray_steady / loop_steady, 3), stages=stages,
    )
