from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

from docpipe.discover import discover
from docpipe.raster.config import RasterConfig
from docpipe.raster.faults import FaultInjector
from docpipe.raster.protocol import ReplyMeta, decode_reply, encode_reply
from docpipe.raster.rasterizer import Rasterizer
from docpipe.records import ErrorCategory, SourceDoc, Status


def _pdfs(tmp_path: Path, names: list[str]) -> list[SourceDoc]:
    for number, name in enumerate(names):
        doc = pymupdf.open()
        doc.new_page(width=200, height=100).insert_text((20, 50), f"document {number}")
        doc.save(tmp_path / name)
    by_name = {Path(d.source_path).name: d for d in discover([str(tmp_path)])}
    return [by_name[name] for name in names]


def _categories(outputs: list) -> list[ErrorCategory | None]:
    return [o.error.category if o.error else None for o in outputs]


def test_isolated_output_matches_in_process(tmp_path: Path) -> None:
    docs = _pdfs(tmp_path, ["a.pdf", "b.pdf"])
    with Rasterizer(RasterConfig(isolate=True)) as isolated:
        remote = isolated(docs)
    with Rasterizer(RasterConfig(isolate=False)) as local:
        here = local(docs)
    assert remote == here
    assert [o.pages[0].words[1].text for o in remote] == ["0", "1"]


def test_hangs_time_out_and_the_next_document_still_runs(tmp_path: Path) -> None:
    docs = _pdfs(tmp_path, ["sleeps.pdf", "spins.pdf", "after.pdf"])
    # "spin" holds the GIL in a busy loop, as a decoder stuck in C code would.
    faults = FaultInjector(faults={"sleeps.pdf": "hang", "spins.pdf": "spin"})
    with Rasterizer(RasterConfig(isolate=True, timeout_s=2.5), document_fn=faults) as rasterizer:
        outputs = rasterizer(docs)
        stats = rasterizer.stats
    assert _categories(outputs) == [ErrorCategory.timeout, ErrorCategory.timeout, None]
    assert all(o.status is Status.failed and not o.pages for o in outputs[:2])
    assert "2.5 s" in outputs[0].error.message  # type: ignore[union-attr]
    assert outputs[2].status is Status.ok and outputs[2].images[0] is not None
    assert stats is not None and stats.timeouts == 2 and stats.starts == 3


def test_crashing_worker_is_replaced(tmp_path: Path) -> None:
    docs = _pdfs(tmp_path, ["segv.pdf", "ok1.pdf", "exit.pdf", "ok2.pdf"])
    faults = FaultInjector(faults={"segv.pdf": "segfault", "exit.pdf": "exit"})
    with Rasterizer(RasterConfig(isolate=True), document_fn=faults) as rasterizer:
        outputs = rasterizer(docs)
        stats = rasterizer.stats
    assert _categories(outputs) == [ErrorCategory.crash, None, ErrorCategory.crash, None]
    assert "SIGSEGV" in outputs[0].error.message  # type: ignore[union-attr]
    assert "exit status 3" in outputs[2].error.message  # type: ignore[union-attr]
    assert [o.status for o in outputs] == [Status.failed, Status.ok, Status.failed, Status.ok]
    assert stats is not None and stats.crashes == 2


def test_memory_limit_turns_a_runaway_allocation_into_an_error(tmp_path: Path) -> None:
    docs = _pdfs(tmp_path, ["greedy.pdf", "fine.pdf"])
    config = RasterConfig(isolate=True, memory_mb=256)
    with Rasterizer(config, document_fn=FaultInjector(faults={"greedy.pdf": "memory"})) as rasterizer:
        outputs = rasterizer(docs)
    assert _categories(outputs) == [ErrorCategory.too_large, None]
    assert "256 MB" in outputs[0].error.message  # type: ignore[union-attr]


def test_page_too_big_for_the_memory_limit_is_too_large(tmp_path: Path) -> None:
    doc = pymupdf.open()
    doc.new_page(width=5000, height=5000).insert_text((100, 100), "wide")
    doc.save(tmp_path / "poster.pdf")
    docs = discover([str(tmp_path / "poster.pdf")])
    # A pixel cap this high allows a ~900 MB pixmap, against 64 MB of headroom.
    config = RasterConfig(isolate=True, memory_mb=64, dpi=1200, max_pixels=300_000_000)
    with Rasterizer(config) as rasterizer:
        (output,) = rasterizer(docs)
    assert output.status is Status.failed
    assert output.error is not None and output.error.category is ErrorCategory.too_large
    assert output.pages[0].error is not None
    assert output.pages[0].error.category is ErrorCategory.too_large
    assert "malloc" in output.pages[0].error.message


def test_unexpected_exception_is_an_error_row_in_process(tmp_path: Path) -> None:
    docs = _pdfs(tmp_path, ["boom.pdf", "calm.pdf"])
    faults = FaultInjector(faults={"boom.pdf": "raise"})
    with Rasterizer(RasterConfig(isolate=False), document_fn=faults) as rasterizer:
        outputs = rasterizer(docs)
    assert _categories(outputs) == [ErrorCategory.render, None]
    assert "injected failure" in outputs[0].error.message  # type: ignore[union-attr]


def test_close_stops_the_worker(tmp_path: Path) -> None:
    rasterizer = Rasterizer(RasterConfig(isolate=True))
    worker = rasterizer._worker
    assert worker is not None
    proc = worker._proc
    assert proc is not None and proc.poll() is None
    rasterizer.close()
    assert proc.poll() is not None


def test_reply_protocol_round_trip_and_rejects_damaged_replies(tmp_path: Path) -> None:
    docs = _pdfs(tmp_path, ["one.pdf"])
    with Rasterizer(RasterConfig(isolate=False)) as rasterizer:
        (output,) = rasterizer(docs)
    payload = encode_reply(output, ReplyMeta(rss_mb=1.0, peak_rss_mb=2.0))
    decoded, meta = decode_reply(payload)
    assert decoded == output and meta.peak_rss_mb == 2.0
    for damaged in (payload[:-1], payload + b"x", payload[:20]):
        with pytest.raises(ValueError):
            decode_reply(damaged)
