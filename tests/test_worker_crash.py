"""A page that kills its inference worker costs only its own document, never the run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.dataset as pads

from docpipe.config import RunConfig, load_pipeline
from docpipe.progress import JsonReporter
from docpipe.runner import execute

SAMPLES = Path(__file__).resolve().parents[1] / "sample_docs"


def test_poison_page_is_quarantined_and_others_complete(tmp_path, monkeypatch):
    import ray

    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("invoice_acme.pdf", "invoice_mueller_2p.pdf", "chart_bar.pdf"):
        shutil.copy(SAMPLES / name, inputs / name)
    # Workers inherit the driver's environment when Ray starts here.
    monkeypatch.setenv("DOCPIPE_FAULT_KILL_WORKER_ON", "chart_bar.pdf")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        config = RunConfig(inputs=[str(inputs)], out_dir=tmp_path / "out", pipeline=load_pipeline("invoice"),
                           engine="offline")
        summary = execute(config, JsonReporter())
    finally:
        ray.shutdown()
    docs = {Path(r["source_path"]).name: r for r in pads.dataset(tmp_path / "out" / "documents").to_table().to_pylist()}
    assert set(docs) == {"invoice_acme.pdf", "invoice_mueller_2p.pdf", "chart_bar.pdf"}
    assert docs["chart_bar.pdf"]["status"] == "failed"
    assert docs["chart_bar.pdf"]["error"]["category"] == "crash"
    assert docs["invoice_acme.pdf"]["status"] == "ok" and docs["invoice_mueller_2p.pdf"]["status"] == "ok"
    assert summary.by_error == {"crash": 1}


def test_a_document_lost_beside_a_poison_one_is_retried_alone(tmp_path):
    """In-process stand-in for a worker that dies with every page queued on it: a pass that holds
    the poison document returns nothing for any of its documents. The careful retry still holds
    both; the last pass runs each alone, so only the poison document is quarantined."""
    from docpipe.progress import SilentReporter
    from tests.inprocess import inprocess_stream

    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("invoice_acme.pdf", "chart_bar.pdf"):
        shutil.copy(SAMPLES / name, inputs / name)
    passes = []

    def dying_stream(config, plan, docs):
        passes.append(sorted(Path(d.source_path).name for d in docs))
        if any(Path(d.source_path).name == "chart_bar.pdf" for d in docs):
            return  # the worker died: nothing comes back for anything queued with it
        yield from inprocess_stream(config, plan, docs)

    config = RunConfig(inputs=[str(inputs)], out_dir=tmp_path / "out", pipeline=load_pipeline("invoice"),
                       engine="offline")
    summary = execute(config, SilentReporter(), stream_fn=dying_stream)
    docs = {Path(r["source_path"]).name: r for r in pads.dataset(tmp_path / "out" / "documents").to_table().to_pylist()}
    assert docs["invoice_acme.pdf"]["status"] == "ok"
    assert docs["chart_bar.pdf"]["status"] == "failed" and docs["chart_bar.pdf"]["error"]["category"] == "crash"
    assert passes[:2] == [["chart_bar.pdf", "invoice_acme.pdf"]] * 2 and sorted(passes[2:]) == [
        ["chart_bar.pdf"], ["invoice_acme.pdf"]]
    assert summary.by_error == {"crash": 1}
