"""The only module that imports Ray: wires the plain stages into a streaming Ray Data pipeline.

Rows between stages are (kind, key, payload JSON, image bytes). Page images stay in the object
store between workers and are dropped by the inference stage, so the driver only ever receives
small PageResult / RasterOutput JSON, plus each page's word layer already in its Arrow output form
(column `words`, built in the inference worker: no Python object per word on the driver). Ray
Data streams with backpressure, so nothing is materialised for the whole corpus.
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa
from pydantic import BaseModel

from docpipe import plan as plan_mod
from docpipe.plan import StagePlan
from docpipe.processing.page_result import failed_page_result
from docpipe.raster.result import RasterOutput
from docpipe.records import ErrorCategory, ErrorInfo, PageImage, PageResult, SourceDoc, Status

ROW_SCHEMA = pa.schema([
    ("kind", pa.string()),  # "page" | "doc" (a document that produced no pages)
    ("key", pa.string()),
    ("payload", pa.large_string()),
    ("image", pa.large_binary()),
])

log = logging.getLogger("docpipe.executor")


def _rows(kinds: list[str], keys: list[str], payloads: list[str], images: list[bytes | None]) -> pa.Table:
    return pa.table({"kind": kinds, "key": keys, "payload": payloads, "image": images}, schema=ROW_SCHEMA)


def _page_items(batch: pa.Table):
    """Columns of a transport batch plus the (PageImage, image) pairs of its page rows."""
    kinds = batch.column("kind").to_pylist()
    payloads = batch.column("payload").to_pylist()
    images = batch.column("image").to_pylist()
    index = [i for i, k in enumerate(kinds) if k == "page"]
    items = [(PageImage.model_validate_json(payloads[i]), images[i]) for i in index]
    return kinds, payloads, images, index, items


def _one_by_one(stage: Callable[[list], list], items: list, on_error: Callable[[Any, Exception], Any]) -> list:
    """Errors are data: when a batch raises, retry its items alone before failing them."""
    try:
        out = stage(items)
        if len(out) != len(items):
            raise RuntimeError(f"stage returned {len(out)} results for {len(items)} inputs")
        return out
    except Exception as batch_error:  # noqa: BLE001 - isolating the item that broke the batch
        log.warning("batch of %d failed (%s); retrying items one by one", len(items), batch_error)
        results = []
        for item in items:
            try:
                results.extend(stage([item]))
            except Exception as item_error:  # noqa: BLE001
                results.append(on_error(item, item_error))
        return results


class _Recycled:
    """Rebuild a stage after N pages so slow leaks in native code (MuPDF, ONNX) cannot accumulate."""

    def __init__(self, build: Callable[[], Any], every_pages: int) -> None:
        self._build = build
        self._every = every_pages
        self._pages = 0
        self.stage = build()

    def count(self, pages: int) -> None:
        self._pages += pages
        if self._pages >= self._every:
            close = getattr(self.stage, "close", None)
            if close is not None:
                close()
            self.stage = self._build()
            self._pages = 0


def _freeze_heap() -> None:
    """Exclude everything an actor holds after start-up (Ray, pyarrow, models) from GC passes.

    A worker's heap is large after those imports, and each page allocates thousands of small
    objects (words, boxes), which trigger frequent full collections; in a py-spy profile of a raster
    actor a fifth of the busy samples were the collector scanning objects that live as long as
    the process.
    """
    gc.collect()
    gc.freeze()


class RasterUDF:
    def __init__(self, plan_json: str) -> None:
        plan = StagePlan.model_validate_json(plan_json)
        self._recycled = _Recycled(lambda: plan_mod.build_rasterizer(plan), plan.recycle_after_pages)
        _freeze_heap()

    def stage(self, docs: list[SourceDoc]) -> list[RasterOutput]:
        return self._recycled.stage(docs)

    def __call__(self, batch: pa.Table) -> pa.Table:
        docs = [SourceDoc.model_validate_json(p) for p in batch.column("payload").to_pylist()]

        def failed(doc: SourceDoc, exc: Exception) -> RasterOutput:
            return RasterOutput(doc_id=doc.doc_id, source_path=doc.source_path, pages=[], images=[],
                                status=Status.failed,
                                error=ErrorInfo(category=ErrorCategory.internal, stage="raster",
                                                message=f"{type(exc).__name__}: {exc}"))

        kinds, keys, payloads, images = [], [], [], []
        for output in _one_by_one(self.stage, docs, failed):
            if not output.pages:
                kinds.append("doc")
                keys.append(output.doc_id)
                payloads.append(output.model_copy(update={"images": []}).model_dump_json())
                images.append(None)
                continue
            for page, image in zip(output.pages, output.images):
                if output.error is not None and page.doc_error is None:
                    # A document-level condition (repaired file, truncation) must reach the
                    # document row, which is assembled from pages.
                    page = page.model_copy(update={"doc_error": output.error})
                kinds.append("page")
                keys.append(page.key)
                payloads.append(page.model_dump_json())
                images.append(image)
        self._recycled.count(sum(k == "page" for k in kinds))
        return _rows(kinds, keys, payloads, images)


class WordLayerUDF:
    def __init__(self, plan_json: str) -> None:
        plan = StagePlan.model_validate_json(plan_json)
        self._recycled = _Recycled(lambda: plan_mod.build_word_layer(plan), plan.recycle_after_pages)
        _freeze_heap()

    def stage(self, items: list[tuple[PageImage, bytes | None]]) -> list[PageImage]:
        return self._recycled.stage(items)

    def __call__(self, batch: pa.Table) -> pa.Table:
        kinds, payloads, images, index, items = _page_items(batch)

        def failed(item: tuple[PageImage, bytes | None], exc: Exception) -> PageImage:
            return item[0].model_copy(update={"error": ErrorInfo(
                category=ErrorCategory.ocr, stage="word_layer", message=f"{type(exc).__name__}: {exc}")})

        for i, page in zip(index, _one_by_one(self.stage, items, failed)):
            payloads[i] = page.model_dump_json()
        self._recycled.count(len(items))
        return _rows(kinds, batch.column("key").to_pylist(), payloads, images)


class InferUDF:
    def __init__(self, plan_json: str) -> None:
        plan = StagePlan.model_validate_json(plan_json)
        self.engine_label = plan.engine
        self.stage = plan_mod.build_page_processor(plan)
        _freeze_heap()

    def __call__(self, batch: pa.Table) -> pa.Table:
        kinds, payloads, images, index, items = _page_items(batch)
        _fault_injection(items)

        def failed(item: tuple[PageImage, bytes | None], exc: Exception) -> PageResult:
            return failed_page_result(item[0], self.engine_label, ErrorCategory.internal,
                                      f"{type(exc).__name__}: {exc}")

        results = _one_by_one(self.stage, items, failed)
        words: list[list | None] = [None] * len(kinds)
        for i, result in zip(index, results):
            words[i] = result.words
        shipped, words_array = _shipped_words(words)
        for i, result in zip(index, results):
            # A page whose words travel as Arrow leaves them out of its JSON record.
            payloads[i] = result.model_dump_json(exclude={"words"} if shipped[i] else None)
        # Images end here: the driver receives only the JSON records and the words column.
        table = _rows(kinds, batch.column("key").to_pylist(), payloads, [None] * len(kinds))
        return table.append_column(WORDS_COLUMN, words_array)


WORDS_COLUMN = "words"  # the inference stage's output only: each page's pages.words value, as Arrow


def _shipped_words(words: list[list | None]) -> tuple[list[bool], pa.Array]:
    """The word layers of a batch as one Arrow column (output.rows.page_words_array), built here
    in the worker so the driver never turns thousands of words per page into Python objects.

    A page whose words cannot be stored (ValueOutOfRange) gets null and keeps its words in its
    JSON record; the driver's row building then reports it as it always did (errors are data).
    """
    from docpipe.output.rows import page_words_array

    try:
        return [w is not None for w in words], page_words_array(words)
    except ValueError:
        kept: list[list | None] = []
        for page in words:
            try:
                page_words_array([page])
                kept.append(page)
            except ValueError:
                kept.append(None)
        return [w is not None for w in kept], page_words_array(kept)


def _fault_injection(items: list[tuple[PageImage, bytes | None]]) -> None:
    """Test seam for worker death: DOCPIPE_FAULT_KILL_WORKER_ON=<file name> kills this process.

    Only the crash-recovery tests set it; a real segfault or OOM kill looks the same to Ray.
    """
    target = os.environ.get("DOCPIPE_FAULT_KILL_WORKER_ON")
    if target and any(os.path.basename(page.source_path) == target for page, _ in items):
        os._exit(137)


LOOPBACK_ONLY_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
SHIP_CODE_ENV = "DOCPIPE_SHIP_CODE"


def start_ray(address: str | None) -> dict[str, float]:
    """Join `address` (or RAY_ADDRESS) when given, else start an embedded local Ray on 127.0.0.1 only.

    The embedded Ray listens on the loopback interface alone: Ray otherwise advertises (and binds
    to) the machine's network address. Joining a cluster ships docpipe's own code to the workers
    (runtime_env py_modules) unless DOCPIPE_SHIP_CODE=0 or the job already brings a working_dir or
    py_modules; its dependencies come from the cluster image (README, "Running on a cluster").
    """
    target = address or os.environ.get("RAY_ADDRESS")
    if not target:
        # Read by Ray when it is imported and by every Ray process it starts: with "0" the node
        # address is 127.0.0.1 and every server (GCS, raylet, object manager, agents) binds to it.
        os.environ[LOOPBACK_ONLY_ENV] = "0"
    import ray

    if not target:
        from ray._private import ray_constants

        ray_constants.ENABLE_RAY_CLUSTER = False  # when ray was imported before the variable was set
    os.environ.setdefault("RAY_DEDUP_LOGS", "1")
    # Worker problems are reported as rows and in the summary; Ray's own chatter on the
    # driver's terminal (C++ core-worker lines, dataset INFO logs) would bury the progress display.
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
    _quiet_ray_loggers()
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"include_dashboard": False, "logging_level": logging.WARNING,
                                  "log_to_driver": False, "configure_logging": True}
        if target:
            runtime_env = cluster_runtime_env()
            if runtime_env:
                kwargs["runtime_env"] = runtime_env
            ray.init(address=target, **kwargs)
        else:
            # "local" always starts a fresh embedded instance: without it Ray joins any cluster a
            # `ray start` left on this machine, and the run would silently go there.
            _init_embedded(ray, kwargs)
    _quiet_ray_loggers()  # ray.init(configure_logging=True) resets levels
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    ctx.verbose_stats_logs = False
    # A batch whose actor died past its retries is dropped instead of failing the whole run;
    # the runner notices the missing pages and retries those documents page by page.
    ctx.max_errored_blocks = -1
    return {k: float(v) for k, v in ray.cluster_resources().items()}


_watchdog = None  # ray_reaper.Watchdog of the embedded Ray this process started, if any


def _init_embedded(ray, kwargs: dict[str, Any]) -> None:
    """Start the embedded Ray with every process marked as this driver's, under a watchdog that
    kills them when the driver dies, kill -9 included (docpipe/ray_reaper.py)."""
    global _watchdog
    from docpipe import ray_reaper

    if not ray_reaper.supported():
        ray.init(address="local", _node_ip_address="127.0.0.1", **kwargs)
        return
    token = ray_reaper.new_token()
    watchdog = ray_reaper.Watchdog(token)
    previous = os.environ.get(ray_reaper.OWNER_ENV)
    # Ray's processes inherit the driver's environment when ray.init starts them (workers get the
    # raylet's); the mark is taken off again so that nothing this process starts later carries it.
    os.environ[ray_reaper.OWNER_ENV] = token
    try:
        ray.init(address="local", _node_ip_address="127.0.0.1", **kwargs)
    except BaseException:
        watchdog.close()
        raise
    finally:
        if previous is None:
            os.environ.pop(ray_reaper.OWNER_ENV, None)
        else:
            os.environ[ray_reaper.OWNER_ENV] = previous
    _watchdog = watchdog
    watchdog.session(embedded_ray_marks()["ray_session"])


def embedded_ray_marks() -> dict[str, str]:
    """How to find the processes of the embedded Ray this process started, for OUT/_lock: the owner
    token they carry and the Ray session directory they write to. Empty when there is none (a
    joined cluster, or no watchdog on this system)."""
    if _watchdog is None:
        return {}
    from ray._private import worker

    node = worker._global_node
    return {"ray_owner": _watchdog.token, "ray_session": node.get_session_dir_path() if node else ""}


def cluster_runtime_env() -> dict[str, Any]:
    """What a cluster's workers need from the driver's side: docpipe's code (py_modules).

    Empty when DOCPIPE_SHIP_CODE=0 (the image has the same docpipe) or when a submitted job's own
    runtime_env already sets py_modules or working_dir (Ray refuses to merge those fields).
    """
    import json

    if os.environ.get(SHIP_CODE_ENV, "1") == "0":
        return {}
    injected = json.loads(os.environ.get("RAY_JOB_CONFIG_JSON_ENV_VAR", "{}") or "{}")
    job_env = injected.get("runtime_env") or {}
    if any(job_env.get(key) for key in ("py_modules", "working_dir")):
        return {}
    import docpipe

    return {"py_modules": [os.path.dirname(os.path.abspath(docpipe.__file__))]}


def _quiet_ray_loggers() -> None:
    for name in ("ray", "ray.data", "ray._private", "ray.data._internal"):
        logging.getLogger(name).setLevel(logging.ERROR)


class StageTiming(BaseModel):
    """Ray Data's totals for one stage of a finished stream (read by `docpipe bench`)."""

    stage: str  # operator name, e.g. "MapBatches(RasterUDF)"
    rows_out: int
    busy_s: float  # task wall time summed over the stage's workers
    cpu_s: float
    first_start: float | None  # time.monotonic() clock (one clock for all processes of a node)
    last_end: float | None


StatsCallback = Callable[[list[StageTiming]], None]


def stream(plan: StagePlan, docs: list[SourceDoc], needs_word_layer: bool,
           on_stats: StatsCallback | None = None,
           tolerate_ray_errors: bool = False) -> Iterator[PageResult | RasterOutput]:
    """Run the stages over `docs`; yield each page result (or whole-document failure) as it lands.

    `on_stats` receives per-stage timings once the stream has been consumed to the end. With
    tolerate_ray_errors, a Ray system error that ends the stream (an actor that died past its
    restarts, e.g. with its node) ends it quietly: the caller retries what did not come back.
    """
    import warnings

    import ray

    with warnings.catch_warnings():
        # max_restarts/max_task_retries have no named parameter yet; the deprecation is noise.
        warnings.simplefilter("ignore", DeprecationWarning)
        ds = _build_dataset(ray, plan, docs, needs_word_layer)
    # No select_columns here: a projection would be one more operator competing for the CPUs the
    # actor pools hold; the image column is already empty after inference.
    try:
        for batch in ds.iter_batches(batch_format="pyarrow", batch_size=None):
            yield from _results_of(batch)
    except ray.exceptions.RayError as exc:
        if not tolerate_ray_errors:
            raise
        log.warning("the stream stopped early (%s); the documents it did not finish are retried",
                    " ".join(str(exc).split())[:300])
        return
    if on_stats is not None:
        on_stats(_stage_timings(ds))


def _results_of(batch: pa.Table) -> Iterator[PageResult | RasterOutput]:
    """The page results (and whole-document failures) of one batch from the inference stage."""
    from docpipe.output.rows import words_arrow_of

    words = batch.column(WORDS_COLUMN) if WORDS_COLUMN in batch.column_names else None
    for i, (kind, payload) in enumerate(zip(batch.column("kind").to_pylist(), batch.column("payload").to_pylist())):
        if kind != "page":
            yield RasterOutput.model_validate_json(payload)
            continue
        result = PageResult.model_validate_json(payload)
        if words is not None and words[i].is_valid:
            result._words_arrow = words_arrow_of(words, i)
        yield result


def rasterize_only(plan: StagePlan, docs: list[SourceDoc], on_stats: StatsCallback | None = None) -> Iterator[int]:
    """Benchmark seam: the rasterization stage alone; yields the page count of each batch as it lands."""
    import warnings

    import ray

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ds = _build_dataset(ray, plan, docs, needs_word_layer=False, raster_only=True)
    for batch in ds.iter_batches(batch_format="pyarrow", batch_size=None):
        yield batch.column("kind").to_pylist().count("page")
    if on_stats is not None:
        on_stats(_stage_timings(ds))


def _stage_timings(ds) -> list[StageTiming]:
    """Per-operator totals from Ray Data's stats summary, first stage first; [] if unavailable."""
    timings: list[StageTiming] = []
    try:
        summary = ds._get_stats_summary()
        while summary is not None:
            for op in summary.operators_stats:
                timings.append(StageTiming(
                    stage=op.operator_name,
                    rows_out=int(op.output_num_rows.sum) if op.output_num_rows else 0,
                    busy_s=float(op.wall_time.sum) if op.wall_time else 0.0,
                    cpu_s=float(op.cpu_time.sum) if op.cpu_time else 0.0,
                    first_start=op.earliest_start_time, last_end=op.latest_end_time))
            summary = summary.parents[0] if summary.parents else None
    except Exception as exc:  # noqa: BLE001 - a private Ray API: timings are optional extras
        log.debug("no Ray Data stats: %s", exc)
    return list(reversed(timings))


def _build_dataset(ray, plan: StagePlan, docs: list[SourceDoc], needs_word_layer: bool, raster_only: bool = False):

    w = plan.workers
    plan_json = plan.model_dump_json()
    # Large documents first: they take longest, so starting them early shortens the tail.
    ordered = sorted(docs, key=lambda d: -d.size_bytes)
    ds = ray.data.from_items([{"payload": d.model_dump_json()} for d in ordered],
                             override_num_blocks=max(1, min(len(ordered), 64)))
    # A pool larger than its inputs only idles (and Ray warns about it in the run's log).
    raster_n, ocr_n = max(1, min(w.raster, len(ordered))), max(1, min(w.ocr, len(ordered)))
    ds = ds.map_batches(RasterUDF, fn_constructor_kwargs={"plan_json": plan_json}, batch_size=1,
                        batch_format="pyarrow", compute=ray.data.ActorPoolStrategy(size=raster_n),
                        num_cpus=w.raster_cpus, max_restarts=-1, max_task_retries=1)
    if raster_only:
        return ds
    if needs_word_layer:
        ds = ds.map_batches(WordLayerUDF, fn_constructor_kwargs={"plan_json": plan_json},
                            batch_size=plan.batch_ocr, batch_format="pyarrow",
                            compute=ray.data.ActorPoolStrategy(size=ocr_n), num_cpus=w.ocr_cpus,
                            max_restarts=-1, max_task_retries=1)
    infer_args: dict[str, Any] = {"num_cpus": w.infer_cpus}
    if w.infer_gpus:
        infer_args["num_gpus"] = w.infer_gpus
    # The page processor and engine are thread-safe; with concurrency 2 the model's next batch is
    # being prepared while the current one generates.
    infer_pool = ray.data.ActorPoolStrategy(size=w.infer, max_concurrent_calls_per_actor=w.infer_concurrency,
                                            enable_true_multi_threading=w.infer_concurrency > 1)
    ds = ds.map_batches(InferUDF, fn_constructor_kwargs={"plan_json": plan_json},
                        batch_size=plan_mod.infer_call_pages(plan), batch_format="pyarrow",
                        compute=infer_pool, max_restarts=-1, max_task_retries=1, **infer_args)
    return ds


def ray_running() -> bool:
    """Whether this process is already connected to Ray (without importing it when it is not)."""
    import sys

    return "ray" in sys.modules and sys.modules["ray"].is_initialized()


def stop_ray() -> None:
    """Shut Ray down (an embedded Ray stops; a joined cluster is only left) and end its watchdog."""
    global _watchdog
    import ray

    if ray.is_initialized():
        ray.shutdown()
    if _watchdog is not None:
        watchdog, _watchdog = _watchdog, None
        watchdog.close()
