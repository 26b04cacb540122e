"""Executor adapters without a Ray cluster: one-by-one retry and worker recycling."""

from __future__ import annotations

from docpipe.executor import _one_by_one, _Recycled


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
