"""What each stage needs to build itself in a worker: a plain, serialisable description.

The executor ships a StagePlan to every actor; actors call the build_* functions here. Nothing in
this module imports Ray, so the same builders serve the sequential baseline and the tests.
"""

from __future__ import annotations

import math
import os
from typing import Literal

from pydantic import BaseModel

from docpipe.config import OcrEngineName, TaskName
from docpipe.raster.config import RasterConfig
from docpipe.schema_registry import SchemaSource
from docpipe.word_records import OcrMode


class WorkerCounts(BaseModel):
    raster: int
    ocr: int
    infer: int
    raster_cpus: float
    ocr_cpus: float
    infer_cpus: float
    infer_gpus: float
    # Batches in flight per inference actor at once: with 2, one batch's images are decoded and
    # preprocessed (and the previous one's answers validated) while another is on the model.
    infer_concurrency: int = 1


class DocumentQuestions(BaseModel):
    """The questions asked of one document (from --questions-file, plus every -q), by its input URI."""

    source_path: str
    questions: list[str]


class StagePlan(BaseModel):
    engine: Literal["vlm", "offline"]
    # vlm only: a path on the driver's machine (embedded Ray), else a hub id or a URI every node
    # can read; workers turn it into a local folder with engines.loading.materialize_model
    model: str | None = None
    model_label: str | None = None  # what the user asked for, for provenance
    model_revision: str | None = None
    device: str = "auto"
    schema_source: SchemaSource  # exactly what the driver resolved; workers never open a schema path
    tasks: list[TaskName]
    questions: list[str] = []  # asked of every document without an entry in doc_questions
    doc_questions: list[DocumentQuestions] = []
    max_new_tokens: int = 1536
    ocr_engine: OcrEngineName = "rapidocr"
    ocr_mode: OcrMode = "auto"
    raster: RasterConfig
    batch_raster: int = 4
    batch_ocr: int = 4
    batch_infer: int = 4
    # Engine batches per inference call: the engine sorts a call's pages by budget and image size
    # before cutting batches of batch_infer, so a wider window groups similar pages better.
    infer_window: int = 2
    recycle_after_pages: int = 2000  # raster/OCR workers rebuild their native state after this many pages
    workers: WorkerCounts


def default_workers(cpus: int, gpus: int, engine: str, raster: int | None = None,
                    ocr: int | None = None, infer: int | None = None) -> WorkerCounts:
    """Sensible pools for the resources Ray reports.

    On a small CPU box every stage must fit at once or the streaming pipeline stalls, hence the
    fractional CPU reservations: rasterization and OCR are mostly native code that releases the
    GIL, and inference sets its own torch thread count.

    OCR of a scanned page costs one to two orders of magnitude more CPU than rasterizing it
    (about 4 CPU-s against 0.05 at 150 dpi), so OCR gets an actor per spare core, rounded up,
    and rasterization a quarter of them. On native PDFs the OCR actors only read the text layer
    and sit idle at little cost. Measured on 2 cores with the offline engine: one OCR actor left
    0.8 of a core unused and was busy 96% of the run; two actors raised throughput by a third.
    """
    if gpus > 0 and engine == "vlm":
        infer_n, infer_cpus, infer_gpus = infer or gpus, 1.0, 1.0
    else:
        infer_n, infer_cpus, infer_gpus = infer or (1 if engine == "vlm" else max(1, cpus // 4)), 1.0, 0.0
        if engine == "offline":
            infer_cpus = 0.25  # the offline processor is cheap: the OCR stage does the heavy work
    if infer_n * infer_cpus > cpus - 0.5:  # a tiny box: leave half a core to rasterizing and OCR
        infer_cpus = max(0.01, math.floor((cpus - 0.5) / infer_n * 10_000) / 10_000)
    spare = cpus - infer_n * infer_cpus
    raster_n = raster or max(1, round(spare / 4))
    ocr_n = ocr or max(1, math.ceil(spare))
    # Reservations must add up to at most the cluster's CPUs, or Ray never starts some actors
    # and the streaming pipeline waits forever; explicit pool sizes shrink the share instead.
    share = math.floor(min(1.0, spare / (raster_n + ocr_n)) * 10_000) / 10_000  # Ray's resource precision
    return WorkerCounts(raster=raster_n, ocr=ocr_n, infer=infer_n, raster_cpus=share, ocr_cpus=share,
                        infer_cpus=infer_cpus, infer_gpus=infer_gpus, infer_concurrency=2 if engine == "vlm" else 1)


def build_rasterizer(plan: StagePlan):
    from docpipe.raster.rasterizer import Rasterizer

    return Rasterizer(plan.raster)


def build_word_layer(plan: StagePlan):
    from docpipe.ocr.rapid import RapidOcrConfig
    from docpipe.ocr.stage import WordLayerStage

    # One ONNX thread per OCR actor: actors are the unit of parallelism, and extra intra-op
    # threads only contend with the raster and inference workers on the same cores.
    threads = max(1, int(plan.workers.ocr_cpus)) if plan.workers.ocr_cpus >= 1 else 1
    return WordLayerStage(engine=plan.ocr_engine, rapid=RapidOcrConfig(threads=threads), mode=plan.ocr_mode)


def build_page_processor(plan: StagePlan):
    """The VLM or offline processor for the plan, with its heavy state (model) loaded once."""
    from docpipe.schema_registry import load_schema_source

    schema = load_schema_source(plan.schema_source)
    if plan.engine == "offline":
        from docpipe.processing.offline import OfflinePageProcessor

        return OfflinePageProcessor(schema.model, list(plan.tasks), plan.ocr_engine, questions=plan.questions,
                                    doc_questions={d.source_path: d.questions for d in plan.doc_questions})
    from docpipe.engines.hf import HFEngine
    from docpipe.processing.vlm import VlmPageProcessor
    from docpipe.tasks.factory import build_tasks

    from docpipe.engines.loading import materialize_model

    if plan.model is None:
        raise ValueError("a vlm plan needs a model")
    _limit_torch_threads()
    engine = HFEngine(materialize_model(plan.model, plan.model_revision), revision=plan.model_revision, device=plan.device,
                      batch_size=plan.batch_infer)
    tasks = build_tasks(plan.tasks, schema, plan.questions, plan.max_new_tokens, engine)
    return VlmPageProcessor(engine, tasks, questions=plan.questions,
                            doc_questions={d.source_path: d.questions for d in plan.doc_questions})


def _limit_torch_threads() -> None:
    # One inference actor per CPU share: unbounded intra-op threads would oversubscribe the
    # cores that rasterization and OCR workers are using at the same time.
    import torch

    wanted = int(os.environ.get("DOCPIPE_TORCH_THREADS", "0")) or max(1, (os.cpu_count() or 2) // 2)
    torch.set_num_threads(wanted)


# The offline processor takes milliseconds per page of text-layer words: a Ray task per 4 pages
# cost more in scheduling and transport (most of it on the run's driver: one task dispatch, one
# result block fetched and parsed per task) than the work itself, so it gets at least this many.
OFFLINE_MIN_CALL_PAGES = 16


def infer_call_pages(plan: StagePlan) -> int:
    """Pages handed to the page processor per call (one Ray batch of the inference stage).

    A failing call is retried page by page (executor._one_by_one), so a bigger call costs nothing
    in isolation; a worker dying mid-call sends its documents to the careful one-page pass.
    """
    if plan.engine == "vlm":
        return plan.batch_infer * plan.infer_window
    if plan.batch_infer == 1:  # asked for one page per call (the careful pass after a worker died)
        return 1
    return max(plan.batch_infer, OFFLINE_MIN_CALL_PAGES)
