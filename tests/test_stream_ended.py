"""When Ray ends a stream early (an actor lost with its node, or cancelled before it ran), the run
goes on: the first pass's unfinished documents are retried page by page, and what the second pass
does not finish becomes failed rows (category crash) that the next run retries. Never an internal
error for the whole run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.dataset as pads
import pytest

from docpipe import executor
from docpipe.config import RunConfig, load_pipeline
from docpipe.progress import SilentReporter
from docpipe.runner import execute
from tests.inprocess import inprocess_stream

SAMPLES = Path(__file__).resolve().parents[1] / "sample_docs"


class _EndingDataset:
    def iter_batches(self, **_: object):
        import ray

        raise ray.exceptions.RayActorError()
        yield  # pragma: no cover - makes this a generator


def test_executor_stream_ends_quietly_only_when_told(monkeypatch: pytest.MonkeyPatch) -> None:
    import ray

    monkeypatch.setattr(executor, "_build_dataset", lambda *args: _EndingDataset())
    assert list(executor.stream(None, [], needs_word_layer=True, tolerate_ray_errors=True)) == []
    with pytest.raises(ray.exceptions.RayError):
        list(executor.stream(None, [], needs_word_layer=True, tolerate_ray_errors=False))


def test_documents_no_pass_finished_are_failed_rows_and_a_rerun_finishes_them(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("invoice_acme.pdf", "invoice_mueller_2p.pdf"):
        shutil.copy(SAMPLES / name, inputs / name)
    config = RunConfig(inputs=[str(inputs)], out_dir=tmp_path / "out", pipeline=load_pipeline("invoice"),
                       engine="offline")
    passes: list[int] = []

    def ends_before_the_second_document(config, plan, docs):
        passes.append(len(docs))
        for result in inprocess_stream(config, plan, docs[:1] if len(passes) == 1 else []):
            yield result

    summary = execute(config, SilentReporter(), stream_fn=ends_before_the_second_document)
    assert passes == [2, 1]  # the second document was tried again, alone
    rows = {Path(r["source_path"]).name: r for r in pads.dataset(tmp_path / "out" / "documents").to_table().to_pylist()}
    assert rows["invoice_acme.pdf"]["status"] == "ok"
    assert rows["invoice_mueller_2p.pdf"]["status"] == "failed"
    assert rows["invoice_mueller_2p.pdf"]["error"]["category"] == "crash"
    assert "re-run" in rows["invoice_mueller_2p.pdf"]["error"]["message"] and summary.any_failed

    again = execute(config, SilentReporter(), stream_fn=inprocess_stream)
    assert again.processed == 1 and again.skipped_done == 1
    table = pads.dataset(tmp_path / "out" / "documents").to_table().to_pylist()
    rows = {Path(r["source_path"]).name: r for r in table}
    assert len(table) == 2 and rows["invoice_mueller_2p.pdf"]["status"] == "ok"
