"""Executor adapters without a Ray cluster: one-by-one retry and worker recycling."""

from __future__ import annotations

import pytest

from docpipe.executor import _one_by_one, _Recycled
from docpipe.plan import default_workers


def test_failed_batch_is_retried_item_by_item():
    calls: list[list[int]] = []

    def stage(items: list[int]) -> list[int]:
        calls.append(list(items))
        if 3 in items:
            raise ValueError("poison")
        return [i * 10 for i in items]

    out = _one_by_one(stage, [1, 2, 3, 4], lambda item, exc: -item)
    assert out == [10, 20, -3, 40]
    assert calls[0] == [1, 2, 3, 4] and calls[1:] == [[1], [2], [3], [4]]


def test_stage_returning_wrong_count_is_treated_as_a_failed_batch():
    out = _one_by_one(lambda items: items[:1], [5, 6], lambda item, exc: None)
    assert out == [5, 6]


def test_recycled_stage_is_rebuilt_after_n_pages():
    built: list[object] = []
    closed: list[object] = []

    class Stage:
        def close(self) -> None:
            closed.append(self)

    def build() -> Stage:
        stage = Stage()
        built.append(stage)
        return stage

    recycled = _Recycled(build, every_pages=10)
    first = recycled.stage
    recycled.count(6)
    assert recycled.stage is first
    recycled.count(5)
    assert recycled.stage is not first and closed == [first] and len(built) == 2


@pytest.mark.parametrize("cpus,gpus,engine,pools", [
    (1, 0, "offline", {}), (1, 0, "vlm", {}), (2, 0, "offline", {}), (2, 0, "vlm", {}), (16, 0, "offline", {}),
    (16, 1, "vlm", {}), (4, 8, "vlm", {}), (2, 0, "offline", {"ocr": 8}), (2, 0, "vlm", {"raster": 3, "infer": 2}),
])
def test_worker_pools_always_fit_the_cpus_ray_reports(cpus, gpus, engine, pools):
    # Reservations beyond the cluster's CPUs leave actors unscheduled and the stream waiting forever.
    w = default_workers(cpus, gpus, engine, **pools)
    assert w.raster * w.raster_cpus + w.ocr * w.ocr_cpus + w.infer * w.infer_cpus <= cpus
    assert min(w.raster, w.ocr, w.infer) >= 1 and min(w.raster_cpus, w.ocr_cpus, w.infer_cpus) > 0
    for stage, n in pools.items():
        assert getattr(w, stage) == n
    if gpus and engine == "vlm" and "infer" not in pools:
        assert (w.infer, w.infer_gpus) == (gpus, 1.0)  # one model per GPU


def test_ocr_gets_the_spare_cores_because_it_costs_most_per_page():
    two = default_workers(2, 0, "offline")
    assert (two.raster, two.ocr) == (1, 2)
    # Only a model gains from a second batch in flight (prepared while the first generates).
    assert (two.infer_concurrency, default_workers(2, 0, "vlm").infer_concurrency) == (1, 2)
    big = default_workers(16, 0, "offline")
    assert big.ocr > big.raster >= 2


def test_inference_output_ships_words_as_arrow_and_keeps_unstorable_ones_as_data():
    import pyarrow as pa

    from docpipe.executor import WORDS_COLUMN, _results_of, _rows, _shipped_words
    from docpipe.records import PageResult, Status, Word

    def page(index: int, words: list[Word]) -> PageResult:
        return PageResult(doc_id="d", source_path="s.pdf", page_index=index, page_count=2, total_pages=2,
                          width_pt=1.0, height_pt=1.0, status=Status.ok, words=words, word_count=len(words))

    good = page(0, [Word(text="Total", bbox=(0.1, 0.1, 0.2, 0.2)), Word(text="42", bbox=(0.3, 0.1, 0.4, 0.2))])
    bad = page(1, [Word(text="x", bbox=(0.1, 0.1, 0.2, 0.2), line_id=2**70)])  # no int64 holds this line id
    shipped, words = _shipped_words([None, good.words, bad.words])
    assert shipped == [False, True, False] and words.null_count == 2
    payloads = ['{"doc_id": "e", "source_path": "e.pdf", "pages": [], "images": [], "status": "failed"}',
                good.model_dump_json(exclude={"words"}), bad.model_dump_json()]
    batch = _rows(["doc", "page", "page"], ["e", "d:0", "d:1"], payloads, [None] * 3).append_column(
        WORDS_COLUMN, words)
    failed_doc, first, second = list(_results_of(batch))
    assert failed_doc.doc_id == "e" and first.words == [] and first.word_count == 2
    assert first._words_arrow.to_pylist()[0][1]["text"] == "42"
    # The unstorable page arrives with its Word objects; its row building reports it as before.
    assert second._words_arrow is None and second.words[0].line_id == 2**70
    assert isinstance(first._words_arrow, pa.Array) and len(first._words_arrow) == 1


def test_offline_inference_calls_take_more_pages_but_the_careful_pass_keeps_one():
    from docpipe.plan import OFFLINE_MIN_CALL_PAGES, StagePlan, infer_call_pages
    from docpipe.raster.config import RasterConfig
    from docpipe.schema_registry import load_schema

    plan = StagePlan(engine="offline", schema_source=load_schema("invoice").source, tasks=["extract"],
                     raster=RasterConfig(), workers=default_workers(2, 0, "offline"), batch_infer=4)
    assert infer_call_pages(plan) == OFFLINE_MIN_CALL_PAGES > 4
    assert infer_call_pages(plan.model_copy(update={"batch_infer": 64})) == 64
    assert infer_call_pages(plan.model_copy(update={"batch_infer": 1})) == 1
    vlm = plan.model_copy(update={"engine": "vlm", "model": "m", "batch_infer": 2})
    assert infer_call_pages(vlm) == 2 * vlm.infer_window
