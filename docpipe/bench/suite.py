"""`docpipe bench`: run the measurements one after the other and collect a BenchReport.

Parts run in sequence, never side by side: each one wants the whole machine. A part that fails
is reported as an error and the others still run.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from docpipe.bench.commands import CommandRun
from docpipe.bench.machine import machine_info
from docpipe.bench.report import BenchReport, Metric, Target

PARTS = ("grammar", "raster", "pipeline-offline", "pipeline-vlm", "rss", "startup", "planning", "cluster-driver")


class BenchOptions(BaseModel):
    # Pages per throughput part, sized for the 10-minute budget on 2 cores. The pipelines pay a
    # fixed start-up cost (Ray, actors, model load) that a one-process loop partly avoids, so
    # their ratio depends on corpus size; each report states its break-even page count.
    raster_pages: int = 400  # per round; two rounds
    ocr_pages: int = 200
    vlm_pages: int = 300
    rss_pages: tuple[int, int] = (500, 5000)
    rss_dpi: int = 72
    plan_objects: int = 1_000_000
    cluster_pages: tuple[int, int] = (40, 400)
    dpi: int = 150
    vlm_max_new_tokens: int = 32
    grammar_vocab: int = 32_000
    grammar_outputs: int = 20
    out_dir: Path | None = None  # kept when given (corpora are reused on the next run)
    skip: list[str] = []
    quick: bool = False
    # One Ray session for all in-process parts and sequential loops in this process: cheaper,
    # but start-up costs are then not comparable between the two sides. For quick mode only.
    keep_ray: bool = False
    # The OCR pipeline's input: the mixed corpus (scans included) or text-layer pages only
    # (quick mode: OCR's speed is not what a plumbing check needs to wait for).
    ocr_pipeline_scans: bool = True
    # Take start-up from the memory part's small run (also a fresh `docpipe run` of a small input)
    # instead of starting one more: saves one Ray start-up in quick mode.
    startup_from_rss: bool = False

    @classmethod
    def quick_options(cls, **overrides: object) -> BenchOptions:
        """Tiny sizes: checks that every part works, in well under a minute of work."""
        values: dict = {"raster_pages": 20, "ocr_pages": 20, "vlm_pages": 20, "rss_pages": (10, 20),
                        "plan_objects": 20_000, "cluster_pages": (4, 12),
                        "grammar_vocab": 2_000, "grammar_outputs": 2,
                        "vlm_max_new_tokens": 16, "quick": True, "keep_ray": True, "ocr_pipeline_scans": False,
                        "startup_from_rss": True}
        values.update(overrides)
        return cls(**values)


def _metrics() -> dict[str, Metric]:
    def metric(name: str, op: str, target: float, unit: str = "") -> Metric:
        return Metric(name=name, target=Target(op=op, value=target), unit=unit)  # type: ignore[arg-type]

    return {m.name: m for m in (
        metric("raster_ratio", ">=", 1.8, "×"),  # issue 13: 1.8 on 2 cores
        metric("pipeline_ratio_offline", ">=", 1.0, "×"),
        metric("pipeline_ratio_tiny_vlm", ">=", 1.0, "×"),
        metric("rss_ratio", "<=", 1.2, "×"),
        metric("grammar_us_per_token", "<=", 200.0, "µs"),
        metric("startup_s", "<=", 8.0, "s"),
        metric("plan_1m_s", "<=", 60.0, "s"),
        metric("plan_1m_peak_mb", "<=", 2048.0, "MB"),
        metric("driver_cpu_s_per_1k_pages", "<=", 2.0, "CPU-s"),
        metric("driver_peak_mb", "<=", 300.0, "MB"),
    )}


def _ordered(values: dict, first: list[str]) -> dict:
    """The keys the table shows first (it shows only a few), then the rest for the JSON."""
    return {**{k: values[k] for k in first if k in values}, **{k: v for k, v in values.items() if k not in first}}


def _growth(small: dict[str, float], large: dict[str, float]) -> str:
    """Where the larger run's memory went: per kind of process, largest growth first."""
    deltas = {role: large.get(role, 0.0) - small.get(role, 0.0) for role in set(small) | set(large)}
    return ", ".join(f"{role} {delta:+.0f}" for role, delta in sorted(deltas.items(), key=lambda kv: -kv[1]))


def _flat(values: dict) -> dict:
    """Nested counters as one readable string each, so every detail value is a scalar."""
    return {k: ", ".join(f"{a}={b}" for a, b in v.items()) if isinstance(v, dict) else v for k, v in values.items()}


_PART_METRICS = {"grammar": ["grammar_us_per_token"], "startup": ["startup_s"], "raster": ["raster_ratio"],
                 "pipeline-offline": ["pipeline_ratio_offline"], "pipeline-vlm": ["pipeline_ratio_tiny_vlm"],
                 "rss": ["rss_ratio"], "planning": ["plan_1m_s", "plan_1m_peak_mb"],
                 "cluster-driver": ["driver_cpu_s_per_1k_pages", "driver_peak_mb"]}


def settle(max_wait_s: float = 20.0, idle_fraction: float = 0.85, window_s: float = 0.5) -> float:
    """Wait until the previous part's processes are gone and the CPUs are idle; seconds waited.

    A finished `docpipe run` leaves Ray daemons and workers exiting for a few seconds; a part
    started meanwhile would measure their shutdown as its own cost (start-up especially).
    """
    import psutil

    started = time.monotonic()
    me = psutil.Process()
    while time.monotonic() - started < max_wait_s:
        children = []
        for child in me.children(recursive=True):
            try:
                if child.status() != psutil.STATUS_ZOMBIE:
                    children.append(child)
            except psutil.Error:  # exited between listing and asking
                pass
        if not children and psutil.cpu_percent(interval=window_s) <= 100 * (1 - idle_fraction):
            break
        if children:
            time.sleep(window_s)
    return round(time.monotonic() - started, 1)


class _Bench:
    def __init__(self, options: BenchOptions, work: Path, progress: Callable[[str], None]) -> None:
        self.options = options
        self.work = work
        self.progress = progress
        self.rss_small_run: CommandRun | None = None
        self.report = BenchReport(started_at=dt.datetime.now(dt.timezone.utc), quick=options.quick,
                                  machine=machine_info(), metrics=_metrics())

    # Inputs -----------------------------------------------------------------------------------
    def mixed(self, pages: int) -> list[Path]:
        from docpipe.bench.corpora import mixed_corpus

        return mixed_corpus(self.work / f"corpus-mixed-{pages}", pages)

    def text(self, pages: int) -> list[Path]:
        from docpipe.bench.corpora import text_corpus

        return text_corpus(self.work / f"corpus-text-{pages}", pages)

    # Parts ------------------------------------------------------------------------------------
    def grammar(self) -> None:
        from docpipe.bench.grammar import bench_grammar
        from docpipe.schema_registry import load_schema
        from docpipe.tasks.decoding_schema import decoding_schema

        o = self.options
        r = bench_grammar(decoding_schema(load_schema("invoice").model), o.grammar_vocab, o.grammar_outputs)
        m = self.report.metrics["grammar_us_per_token"].settle(r.mask_us_per_token)
        m.what = (f"fill_next_token_bitmask + apply to logits, mean over {r.tokens} tokens of {r.outputs} invoice "
                  f"JSON outputs (fastest of {r.repeats} passes), byte-level BPE vocab {r.vocab_size}")
        m.detail = _ordered(r.model_dump(exclude={"vocab_size", "outputs", "tokens"}),
                            ["fill_us_per_token", "apply_us_per_token", "mask_p99_us", "processor_us_per_token",
                             "wide_vocab", "wide_apply_us", "wide_apply_xgrammar_us", "torch_threads"])

    def startup(self) -> None:
        from docpipe.bench.startup import bench_startup, startup_of

        if self.options.startup_from_rss and self.rss_small_run is not None:
            r = startup_of(self.rss_small_run, "offline", f"the memory part's small run ({self.options.rss_dpi} dpi)")
        else:
            r = bench_startup(self.text(1), self.work / "out-startup")
        m = self.report.metrics["startup_s"].settle(r.startup_s)
        m.what = f"`python -m docpipe run` on {r.input}, --engine offline: process start → first page result"
        m.detail = r.model_dump(exclude={"startup_s", "input"})

    def raster(self) -> None:
        from docpipe.bench.raster import bench_raster

        r = bench_raster(self.mixed(self.options.raster_pages), self.options.dpi, keep_ray=self.options.keep_ray,
                         rounds=1 if self.options.quick else 2)
        m = self.report.metrics["raster_ratio"].settle(r.ratio)
        m.what = (f"{r.pages} pages at {r.dpi} dpi: Ray RasterUDF pool of {r.workers} (isolate=True) "
                  f"vs one-process PyMuPDF loop (render, PNG, text words); fastest of {r.rounds} rounds each")
        detail = r.model_dump(exclude={"stages", "ratio", "pages", "dpi"})
        for key in ("baseline_rounds", "ray_rounds"):
            detail[key] = ", ".join(f"{rate:g}" for rate in detail[key])
        m.detail = _ordered(detail,
                            ["ray_pages_per_s", "baseline_pages_per_s", "ray_overall_pages_per_s", "ray_first_batch_s"])
        self.report.stages.extend(r.stages)

    def pipeline(self, label: str, metric: str, inputs: list[Path], **config: object) -> None:
        from docpipe.bench.pipeline import bench_pipeline, run_config

        config_ = run_config(inputs, self.work / f"out-{label}", **config)  # type: ignore[arg-type]
        r = bench_pipeline(label, config_, keep_ray=self.options.keep_ray)
        m = self.report.metrics[metric].settle(r.ratio)
        m.what = (f"{r.pages} pages, engine {r.engine}, batch {r.batch_infer}: runner.execute with embedded Ray "
                  "÷ one-process loop over plan.build_* (both end to end, start-up included)")
        m.detail = _ordered(_flat(r.model_dump(exclude={"stages", "ratio", "label", "engine", "pages"})),
                            ["ray_pages_per_s", "loop_pages_per_s", "steady_ratio", "break_even_pages", "ray_fixed_s",
                             "ray_wall_s", "loop_setup_s", "loop_s"])
        self.report.stages.extend(r.stages)

    def pipeline_ocr(self) -> None:
        o = self.options
        inputs = self.mixed(o.ocr_pages) if o.ocr_pipeline_scans else self.text(o.ocr_pages)
        self.pipeline("offline", "pipeline_ratio_offline", inputs, engine="offline")

    def pipeline_vlm(self) -> None:
        from transformers.utils import logging as hf_logging

        from docpipe.devtools.tiny_vlm import build_tiny_vlm

        hf_logging.disable_progress_bar()  # weight-loading bars would interleave with the bench's lines
        model_dir = self.work / "tiny-llava"
        if not (model_dir / "config.json").is_file():
            build_tiny_vlm(model_dir, family="llava")
        # Text-layer pages: OCR of scans is measured by pipeline-offline already; here the figure
        # should show the VLM stage's plumbing (image preprocessing, batching, constrained decoding).
        self.pipeline("tiny-vlm", "pipeline_ratio_tiny_vlm", self.text(self.options.vlm_pages), engine="vlm",
                      model=str(model_dir), max_new_tokens=self.options.vlm_max_new_tokens)

    def rss(self) -> None:
        from docpipe.bench.corpora import replicated_corpus
        from docpipe.bench.memory import bench_rss

        small, large = self.options.rss_pages
        small_files = self.text(small)
        copies = max(2, round(large / small))
        large_files = replicated_corpus(small_files, small, self.work / f"corpus-copies-{small}x{copies}", copies)
        r = bench_rss(small_files[0].parent, large_files[0].parent, self.work, self.options.rss_dpi)
        self.rss_small_run = r.small_command
        m = self.report.metrics["rss_ratio"].settle(r.ratio)
        m.what = (f"peak RSS of the `docpipe run` process tree (driver, Ray, workers, raster children), "
                  f"{r.large.pages} ÷ {r.small.pages} text-layer pages, --engine offline, {r.dpi} dpi")
        m.detail = {
            "small_peak_mb": r.small.memory.peak_rss_mb, "large_peak_mb": r.large.memory.peak_rss_mb,
            "private_ratio": r.private_ratio, "small_private_mb": r.small.memory.peak_private_mb,
            "large_private_mb": r.large.memory.peak_private_mb, "large_shared_mb": r.large.memory.peak_shared_mb,
            "processes": r.large.memory.peak_processes, "small_wall_s": r.small.wall_s,
            "large_wall_s": r.large.wall_s, "large_pages_per_s": r.large.pages_per_s,
            "growth_by_role_mb": _growth(r.small.memory.role_peak_mb, r.large.memory.role_peak_mb),
        }

    def planning(self) -> None:
        from docpipe.bench.planning import bench_planning

        r = bench_planning(self.options.plan_objects)
        slowest = max(r.cases, key=lambda c: c.wall_s)
        wall = self.report.metrics["plan_1m_s"].settle(slowest.wall_s)
        wall.what = (f"list + plan {r.objects:,} objects from a generated S3 listing (discover, ledger lookups, "
                     f"Collector.expect), slower of a first run and a re-run ({slowest.case})")
        wall.detail = {f"{c.case} {k}": v for c in r.cases for k, v in c.model_dump(exclude={"case"}).items()}
        peak = self.report.metrics["plan_1m_peak_mb"].settle(r.peak_rss_mb)
        peak.what = f"peak RSS of the measuring process over both cases ({r.objects:,} objects)"
        peak.detail = {"baseline_rss_mb": r.baseline_rss_mb}

    def cluster_driver(self) -> None:
        from docpipe.bench.cluster import bench_cluster_driver

        small, large = self.options.cluster_pages
        r = bench_cluster_driver(self.text(small), self.text(large), self.work, warm_up=not self.options.quick)
        cpu = self.report.metrics["driver_cpu_s_per_1k_pages"].settle(r.cpu_s_per_1k_pages)
        cpu.what = (f"driver CPU of `docpipe run --ray-address` on a {r.nodes}-node local cluster (head without CPUs, "
                    f"2 workers × {r.worker_cpus} CPUs), {r.basis} between {r.small.pages} and {r.large.pages} "
                    "text-layer pages, offline engine, 72 dpi")
        cpu.detail = {"total_cpu_s_per_1k_pages": r.total_cpu_s_per_1k_pages, "small_cpu_s": r.small.driver_cpu_s,
                      "large_cpu_s": r.large.driver_cpu_s, "small_wall_s": r.small.wall_s,
                      "large_wall_s": r.large.wall_s, "load_average": r.load_average}
        peak = self.report.metrics["driver_peak_mb"].settle(r.peak_mb)
        peak.what = (f"peak RSS of the driver process alone, {r.large.pages}-page cluster run (object-store pages "
                     "it mapped to read results included)")
        peak.detail = {"baseline_mb": r.baseline_mb, "growth_mb_per_1k_pages": r.growth_mb_per_1k_pages,
                       "peak_private_mb": r.peak_private_mb, "small_peak_mb": r.small.driver_peak_mb,
                       "small_peak_private_mb": r.small.driver_peak_private_mb, "load_average": r.load_average}

    # Driver -----------------------------------------------------------------------------------
    def run(self) -> BenchReport:
        started = time.monotonic()
        steps = {"grammar": self.grammar, "startup": self.startup, "raster": self.raster,
                 "pipeline-offline": self.pipeline_ocr, "pipeline-vlm": self.pipeline_vlm, "rss": self.rss,
                 "planning": self.planning, "cluster-driver": self.cluster_driver}
        for part in PARTS:
            if part in self.options.skip:
                continue
            # Quick mode keeps one Ray session up across parts: its daemons never go away.
            waited = 0.0 if self.options.keep_ray else settle()
            self.progress(f"{part} …" + (f" (waited {waited:g} s for the machine to go idle)" if waited >= 1 else ""))
            part_started = time.monotonic()
            try:
                steps[part]()
            except Exception as exc:  # noqa: BLE001 - one broken part must not hide the others' figures
                for name in _PART_METRICS[part]:
                    metric = self.report.metrics[name]
                    metric.status = "error"
                    metric.error = f"{type(exc).__name__}: {exc}"[:600]
                self.progress(traceback.format_exc(limit=4))
            self.progress(f"{part} done in {time.monotonic() - part_started:.0f} s")
        self.report.wall_s = round(time.monotonic() - started, 1)
        load = self.report.machine.load_average
        if load and load[0] > 0.5 * self.report.machine.usable_cpus:
            self.report.notes.append(f"load average was {load[0]:g} on {self.report.machine.usable_cpus} CPUs "
                                     "when the benchmark started: other work was competing for the CPUs")
        return self.report


def run_bench(options: BenchOptions, progress: Callable[[str], None] = lambda _: None) -> BenchReport:
    """Measure every part not in options.skip on this machine; never raises for a failing part."""
    unknown = set(options.skip) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown part(s) to skip: {', '.join(sorted(unknown))}; parts: {', '.join(PARTS)}")
    keep = options.out_dir is not None
    work = Path(options.out_dir) if keep else Path(tempfile.mkdtemp(prefix="docpipe-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        return _Bench(options, work, progress).run()
    finally:
        if "ray" in sys.modules:
            from docpipe.executor import stop_ray

            stop_ray()
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
