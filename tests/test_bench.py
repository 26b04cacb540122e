"""`docpipe bench`: every metric reported with sane types and the documented JSON shape.

No timing assertions: whether this machine meets the targets is what the benchmark reports, not
what the tests check.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from docpipe.bench.corpora import text_corpus
from docpipe.bench.grammar import invoice_outputs
from docpipe.bench.loop import run_loop_process
from docpipe.bench.pipeline import run_config
from docpipe.bench.report import BenchReport, Metric, Target, render
from docpipe.bench.sampler import TreeSampler
from docpipe.bench.stages import stage_rates
from docpipe.bench.suite import PARTS
from docpipe.executor import StageTiming
from docpipe.schema_registry import load_schema
from docpipe.plan import StagePlan, WorkerCounts, default_workers
from docpipe.raster.config import RasterConfig
from docpipe.tasks.decoding_schema import decoding_schema

REPO = Path(__file__).resolve().parents[1]
METRICS = {"raster_ratio", "pipeline_ratio_offline", "pipeline_ratio_tiny_vlm", "rss_ratio", "grammar_us_per_token",
           "startup_s", "plan_1m_s", "plan_1m_peak_mb", "driver_cpu_s_per_1k_pages", "driver_peak_mb"}


def _bench(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "docpipe", "bench", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=REPO)


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("bench")
    done = _bench("--quick", "--json", "--out-dir", str(out), timeout=900)
    assert done.returncode in (0, 1), done.stderr[-3000:]  # 1: a target was missed on this machine
    return json.loads(done.stdout)


def test_quick_bench_reports_every_metric(quick_report: dict) -> None:
    assert quick_report["quick"] is True
    assert set(quick_report["metrics"]) == METRICS
    for name, metric in quick_report["metrics"].items():
        assert metric["name"] == name
        assert metric["status"] in ("pass", "fail"), (name, metric["error"])
        assert metric["error"] is None
        value = metric["value"]
        assert isinstance(value, float) and math.isfinite(value) and value > 0, (name, value)
        target = Target.model_validate(metric["target"])
        assert (metric["status"] == "pass") == target.met(value)
        assert metric["what"]


def test_quick_bench_machine_and_details(quick_report: dict) -> None:
    machine = quick_report["machine"]
    assert machine["logical_cpus"] >= 1 and machine["usable_cpus"] >= 1 and machine["ram_gb"] > 0
    assert isinstance(machine["cpu_model"], str) and machine["cpu_model"]
    assert "gpu" in machine and "ray" in machine["versions"]
    assert quick_report["wall_s"] > 0
    m = quick_report["metrics"]

    raster = m["raster_ratio"]["detail"]
    assert raster["ray_pages"] > 0 and raster["baseline_pages_per_s"] > 0 and raster["workers"] >= 1
    assert m["raster_ratio"]["value"] == pytest.approx(raster["ray_pages_per_s"] / raster["baseline_pages_per_s"],
                                                       rel=0.02)
    for name in ("pipeline_ratio_offline", "pipeline_ratio_tiny_vlm"):
        detail = m[name]["detail"]
        assert detail["documents"] >= 1
        # Both sides processed the same pages, each page ending with a status.
        ray_pages = sum(int(p.split("=")[1]) for p in detail["ray_page_status"].split(", "))
        loop_pages = sum(int(p.split("=")[1]) for p in detail["loop_page_status"].split(", "))
        assert ray_pages == loop_pages > 0
        assert 0 < detail["ray_startup_s"] <= detail["ray_wall_s"]
        assert detail["loop_setup_s"] > 0 and detail["loop_s"] > 0 and detail["ray_steady_pages_per_s"] > 0
    assert m["pipeline_ratio_tiny_vlm"]["detail"]["max_new_tokens"] == 16

    rss = m["rss_ratio"]["detail"]
    assert rss["small_peak_mb"] > 50 and rss["large_peak_mb"] > 50 and rss["processes"] >= 3
    assert m["rss_ratio"]["value"] == pytest.approx(rss["large_peak_mb"] / rss["small_peak_mb"], rel=0.01)

    grammar = m["grammar_us_per_token"]["detail"]
    assert grammar["mask_us_per_token"] == pytest.approx(grammar["fill_us_per_token"] + grammar["apply_us_per_token"],
                                                        abs=0.3)
    assert grammar["logits_width"] >= 1000
    assert grammar["wide_vocab"] == 151_936 and grammar["wide_apply_us"] > 0 and grammar["wide_apply_xgrammar_us"] > 0

    startup = m["startup_s"]["detail"]
    assert m["startup_s"]["value"] >= startup["in_process_startup_s"] > 0


def test_quick_bench_stage_table(quick_report: dict) -> None:
    stages = quick_report["stages"]
    runs = {(s["run"], s["stage"]) for s in stages}
    assert ("raster", "raster") in runs
    for run in ("pipeline-offline", "pipeline-tiny-vlm"):
        assert {(run, stage) for stage in ("raster", "word_layer", "infer")} <= runs
    for s in stages:
        assert s["pages"] > 0 and s["workers"] >= 1
        assert 0 <= s["busy_fraction"] <= 1 and s["busy_s"] >= 0 and s["pages_per_s"] >= 0


def test_quick_report_renders_as_a_table(quick_report: dict) -> None:
    console = Console(record=True, width=200)
    console.print(render(BenchReport.model_validate(quick_report)))
    text = console.export_text()
    for name in METRICS:
        assert name in text
    assert "machine" in text and "word_layer" in text and "target" in text


def test_skipping_every_part_keeps_the_shape(tmp_path: Path) -> None:
    done = _bench("--json", "--skip", ",".join(PARTS), "--out-dir", str(tmp_path), timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert set(report["metrics"]) == METRICS
    for metric in report["metrics"].values():
        assert metric["status"] == "skipped" and metric["value"] is None
    assert report["stages"] == []


def test_unknown_part_is_a_usage_error() -> None:
    done = _bench("--skip", "warp-drive", timeout=60)
    assert done.returncode == 2
    assert "warp-drive" in done.stderr


def test_sequential_loop_runs_in_a_fresh_process(tmp_path: Path) -> None:
    files = text_corpus(tmp_path / "corpus", 3)
    config = run_config(files, tmp_path / "out", "offline", dpi=72)
    plan = StagePlan(engine="offline", schema_source=load_schema("invoice", REPO).source, tasks=config.pipeline.tasks,
                     raster=RasterConfig(dpi=72), workers=default_workers(2, 0, "offline"))
    result = run_loop_process(config, plan, tmp_path / "loop.json")
    assert sum(result.statuses.values()) == 3 and set(result.statuses) <= {"ok", "partial"}
    assert result.setup_s > 0 and result.loop_s > 0


def test_decoding_outputs_are_valid_invoices() -> None:
    model = load_schema("invoice").model
    outputs = invoice_outputs(decoding_schema(model), 5, seed=3)
    assert len(set(outputs)) == 5
    for text in outputs:
        invoice = model.model_validate_json(text)
        assert invoice.invoice_number and invoice.total is not None and invoice.line_items
        # The grammar fixes the separators to ", " and ": " (no other whitespace between tokens).
        assert text == json.dumps(json.loads(text), ensure_ascii=False)


def test_stage_rates_from_timings() -> None:
    workers = WorkerCounts(raster=2, ocr=1, infer=1, raster_cpus=0.5, ocr_cpus=0.5, infer_cpus=1.0, infer_gpus=0.0)
    timings = [
        StageTiming(stage="FromItems", rows_out=10, busy_s=0.1, cpu_s=0.1, first_start=0.0, last_end=0.1),
        StageTiming(stage="MapBatches(RasterUDF)", rows_out=100, busy_s=10.0, cpu_s=1.0, first_start=1.0,
                    last_end=6.0),
        StageTiming(stage="MapBatches(WordLayerUDF)", rows_out=100, busy_s=2.0, cpu_s=2.0, first_start=1.5,
                    last_end=6.5),
        StageTiming(stage="MapBatches(InferUDF)", rows_out=100, busy_s=9.0, cpu_s=8.0, first_start=2.0,
                    last_end=11.0),
    ]
    rates = {r.stage: r for r in stage_rates("run", timings, workers)}
    assert set(rates) == {"raster", "word_layer", "infer"}
    assert rates["raster"].pages_per_s == 20.0  # 100 pages over its own 5 s
    assert rates["raster"].worker_pages_per_s == 10.0
    assert rates["raster"].busy_fraction == 0.5  # 10 busy s / (2 workers × 10 s run span)
    assert rates["infer"].busy_fraction == 0.9  # the bottleneck
    assert rates["word_layer"].workers == 1 and rates["word_layer"].cpus_per_worker == 0.5


def test_target_and_metric_status() -> None:
    metric = Metric(name="x", target=Target(op="<=", value=1.2))
    assert metric.settle(1.1).status == "pass"
    assert metric.settle(1.3).status == "fail"
    assert Target(op=">=", value=1.6).met(1.6) and not Target(op=">=", value=1.6).met(1.59)
    assert str(Target(op=">=", value=1.6)) == "≥ 1.6"


def test_tree_sampler_counts_grandchildren() -> None:
    grandchild = "import time; x = bytearray(96 << 20); x[::4096] = b'1' * len(x[::4096]); time.sleep(1.5)"
    parent = subprocess.Popen([sys.executable, "-c",
                               f"import subprocess, sys; subprocess.run([sys.executable, '-c', {grandchild!r}])"])
    try:
        with TreeSampler(parent.pid, interval_s=0.05) as sampler:
            parent.wait(timeout=60)
    finally:
        parent.kill()
    assert sampler.result.samples >= 2
    assert sampler.result.peak_processes == 2
    assert sampler.result.peak_rss_mb > 96  # the grandchild's buffer is in the tree's total
