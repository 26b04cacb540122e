"""bench_ocr runs every engine over the same pages and reports throughput."""

from __future__ import annotations

from docpipe.ocr.bench import bench_ocr
from docpipe.ocr.synthetic import render_lines


def test_bench_reports_each_engine() -> None:
    page = render_lines([(0.05, 0.3, "Benchmark page one")], size=(600, 200), font_size=32).png_bytes()
    results = bench_ocr([page, page], ["rapidocr", "tesseract", "nosuchengine"])
    assert [r.engine for r in results] == ["rapidocr", "tesseract", "nosuchengine"]
    for r in results[:2]:
        assert r.error is None and r.pages == 2 and r.failed_pages == 0
        assert r.words == 6 and r.pages_per_s > 0 and r.total_s > 0 and r.threads >= 1
    assert results[2].error and results[2].pages == 0
