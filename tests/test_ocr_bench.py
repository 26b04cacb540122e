"""bench_ocr runs every engine over the same pages and reports throughput."""

from __future__ import annotations

from docpipe.ocr.bench import bench_ocr
from docpipe.ocr.synthetic import render_lines


def test_bench_reports_each_engine() -> None:
    page = render_lines([(0.05, 0.3, "Benchmark page one")], size=(600, 200), font_size=32).png_bytes()
    results = bench_ocr([page, page], ["rapidocr", "nosuchengine"])
    assert [r.engine for r in results] == ["rapidocr", "nosuchengine"]
    rapid, unknown = results
    assert rapid.error is None and rapid.pages == 2 and rapid.failed_pages == 0
    assert rapid.words == 6 and rapid.pages_per_s > 0 and rapid.total_s > 0 and rapid.threads >= 1
    assert rapid.cpu_s_per_page > 0
    assert unknown.error and unknown.pages == 0
