"""bench_ocr runs every engine over the same pages and reports CPU time and word recall."""

from __future__ import annotations

from docpipe.ocr.bench import bench_ocr
from docpipe.ocr.synthetic import render_lines


def test_bench_reports_each_engine_with_recall() -> None:
    page = render_lines([(0.05, 0.3, "Benchmark page one")], size=(600, 200), font_size=32).png_bytes()
    truth = [["Benchmark", "page", "one"], ["Benchmark", "page", "two"]]
    results = bench_ocr([page, page], ["rapidocr", "nosuchengine"], truth=truth)
    assert [r.engine for r in results] == ["rapidocr", "nosuchengine"]
    rapid, unknown = results
    assert rapid.error is None and rapid.pages == 2 and rapid.failed_pages == 0
    assert rapid.words == 6 and rapid.pages_per_s > 0 and rapid.total_s > 0 and rapid.threads == 1
    assert rapid.cpu_s_per_page > 0
    # "two" is not on the second page: 5 of the 6 true words are found.
    assert (rapid.found_words, rapid.truth_words) == (5, 6) and abs(rapid.recall - 5 / 6) < 1e-3
    assert unknown.error and unknown.pages == 0 and unknown.recall is None
