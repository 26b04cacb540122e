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
