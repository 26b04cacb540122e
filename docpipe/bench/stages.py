"""Per-stage rates and busy fractions from the executor's Ray Data timings."""

from __future__ import annotations

from docpipe.bench.report import StageRate
from docpipe.executor import StageTiming
from docpipe.plan import WorkerCounts

# Operator names the executor gives its stages, and what the report calls them.
_STAGES = {"RasterUDF": "raster", "WordLayerUDF": "word_layer", "InferUDF": "infer"}


def _stage_name(operator: str) -> str | None:
    return next((name for udf, name in _STAGES.items() if udf in operator), None)


def _known(timings: list[StageTiming]) -> list[tuple[StageTiming, str]]:
    named = [(t, _stage_name(t.stage)) for t in timings]
    return [(t, name) for t, name in named if name is not None]


def stages_span(timings: list[StageTiming]) -> float:
    """Seconds from the first task start of any docpipe stage to the last task end of any.

    Ray and actor start-up come before the first task, so this is the pipeline's working time.
    """
    known = _known(timings)
    starts = [t.first_start for t, _ in known if t.first_start is not None]
    ends = [t.last_end for t, _ in known if t.last_end is not None]
    return max(ends) - min(starts) if starts and ends else 0.0


def stage_rates(run: str, timings: list[StageTiming], workers: WorkerCounts,
                run_started: float | None = None) -> list[StageRate]:
    """Rates of the docpipe stages among `timings` (one stream's, in stage order).

    `run_started` is the run's time.monotonic() at its start (the stats use the same clock).
    """
    known = _known(timings)
    span = stages_span(timings)
    pools = {"raster": (workers.raster, workers.raster_cpus), "word_layer": (workers.ocr, workers.ocr_cpus),
             "infer": (workers.infer, workers.infer_cpus)}
    rates = []
    for timing, name in known:
        count, cpus = pools[name]
        own_span = (timing.last_end - timing.first_start) if timing.first_start is not None and \
            timing.last_end is not None else 0.0
        rates.append(StageRate(
            run=run, stage=name, workers=count, cpus_per_worker=cpus, pages=timing.rows_out,
            first_task_s=round(timing.first_start - run_started, 2)
            if run_started is not None and timing.first_start is not None else None,
            busy_s=round(timing.busy_s, 2), cpu_s=round(timing.cpu_s, 2),
            pages_per_s=round(timing.rows_out / own_span, 2) if own_span > 0 else 0.0,
            worker_pages_per_s=round(timing.rows_out / timing.busy_s, 2) if timing.busy_s > 0 else 0.0,
            busy_fraction=round(min(1.0, timing.busy_s / (count * span)), 3) if span > 0 and count else 0.0,
        ))
    return rates
