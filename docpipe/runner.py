"""One `docpipe run`: discover → skip what the ledger says is done → stream the rest → commit.

Fatal problems (bad configuration, no model for --engine vlm, output not writable or locked)
raise before any work starts. Everything about an individual document becomes a row.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import secrets
import time
from collections.abc import Callable

from docpipe.code_version import result_code_fingerprint
from docpipe.collector import Collector, PendingDoc, Provenance
from docpipe.config import ConfigError, RunConfig
from docpipe.discover import InputError, discover
from docpipe.engine_choice import EngineDecision, choose_engine, unsupported_tasks
from docpipe.output.chart_rows import charts_schema
from docpipe.output.rows import ColumnConflict, check_schema_columns, dataset_metadata, documents_schema, pages_schema
from docpipe.output.atomic_files import write_run_summary
from docpipe.output.commit import DatasetWriter
from docpipe.plan import DocumentQuestions, StagePlan, default_workers
from docpipe.progress import Reporter
from docpipe.question_sets import load_questions_file, questions_per_document
from docpipe.raster.config import RasterConfig
from docpipe.raster.result import RasterOutput
from docpipe.records import ErrorCategory, ErrorInfo, SourceDoc, Status
from docpipe.schema_registry import LoadedSchema, load_schema
from docpipe.summary import RunSummary
from docpipe.tasks.factory import pipeline_prompt_hash


def new_run_id() -> str:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{secrets.token_hex(3)}"


def work_key(doc_id: str, schema: LoadedSchema, decision: EngineDecision, prompt_hash: str, options: str,
             questions: list[str] | None = None) -> str:
    """Same key ⇒ same result: content, schema, engine/model/revision/device, the result-deciding code
    (extractor, word layer, grounding...), prompts, options and the questions asked of this document
    when they differ from the run's `-q` (--questions-file)."""
    parts = [doc_id, schema.hash, decision.engine, decision.model_label or "", decision.model_revision or "",
             decision.compute, result_code_fingerprint(), prompt_hash, options]
    if questions is not None:
        parts.append(json.dumps(questions))
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


def _row_keys(docs: list[SourceDoc]) -> tuple[list[tuple[SourceDoc, str]], list[tuple[SourceDoc, str, str]]]:
    """Unique contents keep row_key = doc_id; later copies of the same bytes become `skipped` rows."""
    seen: dict[str, str] = {}
    unique, duplicates = [], []
    for doc in docs:
        if doc.doc_id not in seen:
            seen[doc.doc_id] = doc.source_path
            unique.append((doc, doc.doc_id))
            continue
        key = f"{doc.doc_id}#{hashlib.sha256(doc.source_path.encode()).hexdigest()[:8]}"
        if doc.error is not None:
            unique.append((doc, key))  # e.g. several empty files: each is its own failed row
        else:
            duplicates.append((doc, key, seen[doc.doc_id]))
    return unique, duplicates


def prepare(config: RunConfig) -> tuple[LoadedSchema, list[SourceDoc]]:
    """Everything that can be a usage/config error, checked before anything else starts."""
    if config.questions_file is not None:
        load_questions_file(config.questions_file)  # a malformed file is a usage error, found first
    schema = load_schema(config.pipeline.schema_)
    try:
        check_schema_columns(schema.model)
    except ColumnConflict as exc:
        raise ConfigError(str(exc)) from exc
    try:
        docs = discover(config.inputs)
    except InputError as exc:
        raise ConfigError(str(exc)) from exc
    return schema, docs


def execute(config: RunConfig, reporter: Reporter, started: float | None = None,
            stream_fn: Callable | None = None) -> RunSummary:
    """Run `config` to the end and return its summary (also written to OUT/_runs/<run_id>.json).

    Order of checks, cheapest and most certain first: options and schema, inputs, the output
    (writable, not locked, same schema), then the model (a hub probe can take seconds), then
    whether the chosen engine can do every task of the pipeline. Raises ConfigError (usage),
    EngineUnavailable, OutputNotWritable, OutputLocked or OutputSchemaMismatch before any work.
    """
    started = started if started is not None else time.monotonic()
    schema, docs = prepare(config)
    run_id = new_run_id()
    metadata = dataset_metadata(schema.model, schema_name=schema.name, run_config_json=config.public_json())

    with DatasetWriter(config.out_dir, run_id=run_id, metadata=metadata) as writer:
        # A different schema in an existing output would mix column types: refuse before any work.
        writer.check_schemas(documents_schema(schema.model), pages_schema(), charts_schema())
        decision = choose_engine(config)
        unsupported = unsupported_tasks(decision.engine, config.pipeline.tasks)
        if unsupported:
            raise ConfigError(
                f"the {decision.engine} engine cannot do task(s) {', '.join(unsupported)} of pipeline "
                f"{config.pipeline.name!r}" + (f" ({decision.notice})" if decision.notice else "")
                + "; run with --engine vlm and a model (--model DIR)")
        if decision.notice:
            reporter.notice(decision.notice)
        summary = RunSummary(run_id=run_id, out_dir=str(config.out_dir), pipeline=config.pipeline.name,
                             schema_name=schema.name, engine=decision.engine, model=decision.model_label,
                             started_at=dt.datetime.now(dt.timezone.utc), inputs=len(docs),
                             config=json.loads(config.public_json()))
        if decision.notice:
            summary.notices.append(decision.notice)
        prompt_hash = pipeline_prompt_hash(config.pipeline.tasks, schema, config.questions, decision.box_format)
        options = config.options_hash()
        provenance = Provenance(schema_name=schema.name, schema_hash=schema.hash, pipeline=config.pipeline.name,
                                engine=decision.engine, model=decision.model_label,
                                model_revision=decision.model_revision, prompt_hash=prompt_hash, run_id=run_id)
        doc_questions: dict[str, list[str]] = {}
        if config.questions_file is not None:
            doc_questions, unmatched = questions_per_document(load_questions_file(config.questions_file), docs,
                                                              config.inputs, config.questions)
            if unmatched:
                shown = ", ".join(unmatched[:5]) + (" ..." if len(unmatched) > 5 else "")
                notice = f"{len(unmatched)} line(s) of {config.questions_file} name no input document: {shown}"
                reporter.notice(notice)
                summary.notices.append(notice)

        def questions_for(doc_id: str) -> list[str]:
            return doc_questions.get(doc_id, config.questions)

        unique, duplicates = _row_keys(docs)
        existing = writer.ledger.lookup([key for _, key in unique] + [key for _, key, _ in duplicates])

        def on_document(head, pages: int) -> None:
            if summary.startup_s is None and pages:
                summary.startup_s = round(time.monotonic() - started, 3)
            reporter.document(head, pages)

        def on_committed(head, pages: int) -> None:
            if head.status == Status.skipped:
                summary.skipped_duplicates += 1  # a row, but nothing was processed for it
            else:
                summary.processed += 1
                summary.pages += pages
            summary.count(head.status, head.error.category.value if head.error else None,
                          head.source_path, head.error.message if head.error else None)

        page_counts: dict[str, int] = {}

        def on_first_page(doc_id: str, page_count: int) -> None:
            if not page_counts:
                reporter.phase("processing")
            page_counts[doc_id] = page_count
            if len(page_counts) == len(todo):  # every document has said how many pages it has
                reporter.pages_total(sum(page_counts.values()))

        collector = Collector(writer, schema.model, provenance, metadata, config.commit_every_docs,
                              config.commit_every_s, on_document, on_committed, on_first_page, questions_for)
        todo: list[SourceDoc] = []
        immediate: list[tuple[PendingDoc, Status, ErrorInfo]] = []
        for doc, key in unique:
            item = PendingDoc(doc=doc, row_key=key, work_key=work_key(doc.doc_id, schema, decision, prompt_hash, options,
                                                                      doc_questions.get(doc.doc_id)))
            previous = existing.get(key)
            if previous is not None and not config.force and previous.work_key == item.work_key:
                if previous.status != Status.failed.value or not config.retry_failed:
                    summary.skipped_done += 1
                    continue
            if doc.error is not None:
                immediate.append((item, Status.failed, doc.error))
            else:
                todo.append(doc)
                collector.expect(item)
        for doc, key, original in duplicates:
            item = PendingDoc(doc=doc, row_key=key, work_key=work_key(doc.doc_id, schema, decision, prompt_hash, options,
                                                                      doc_questions.get(doc.doc_id)))
            previous = existing.get(key)
            if previous is not None and not config.force and previous.work_key == item.work_key:
                summary.skipped_done += 1
                continue
            immediate.append((item, Status.skipped, ErrorInfo(
                category=ErrorCategory.duplicate, stage="discover",
                message=f"same content as {original}; processed once under that path")))

        reporter.start(len(todo) + len(immediate))
        stream = stream_fn or functools.partial(_ray_stream, reporter=reporter)
        try:
            for item, status, error in immediate:
                collector.add_unprocessed(item, status, error)
            if todo:
                plan = _stage_plan(config, schema, decision)
                plan = plan.model_copy(update={"doc_questions": [
                    DocumentQuestions(doc_id=doc.doc_id, questions=doc_questions[doc.doc_id])
                    for doc in todo if doc.doc_id in doc_questions]})
                _drain(collector, stream(config, plan, todo))
                if collector.pending:
                    # A batch whose worker died (segfault, OOM) is dropped by the executor; its
                    # documents run again one page per batch so a poison page only costs itself.
                    retry = [item.doc for item in collector.pending.values()]
                    careful = plan.model_copy(update={"batch_ocr": 1, "batch_infer": 1})
                    reporter.phase("retrying documents whose worker died, one page at a time")
                    _drain(collector, stream(config, careful, retry))
                for item in list(collector.pending.values()):
                    collector.pending.pop(item.doc.doc_id)
                    collector.pages.pop(item.doc.doc_id, None)
                    collector.add_unprocessed(item, Status.failed, ErrorInfo(
                        category=ErrorCategory.crash, stage="executor",
                        message="a worker died on this document twice (also when retried page by page); "
                                "quarantined"))
            collector.flush()
        except KeyboardInterrupt:
            # Keep what is finished: commit the documents already complete, then say where we stopped.
            summary.interrupted = True
            reporter.stop()
            try:
                collector.flush()
            finally:
                _finish_summary(summary, started, config, run_id)
            raise RunInterrupted(summary) from None
        finally:
            reporter.stop()
        _finish_summary(summary, started, config, run_id)
    return summary


class RunInterrupted(Exception):
    """Ctrl-C (SIGINT) stopped the run; finished documents were committed, the summary written."""

    def __init__(self, summary: RunSummary) -> None:
        super().__init__(f"interrupted after {summary.processed} document(s)")
        self.summary = summary


def _finish_summary(summary: RunSummary, started: float, config: RunConfig, run_id: str) -> None:
    summary.finished_at = dt.datetime.now(dt.timezone.utc)
    summary.wall_s = round(time.monotonic() - started, 3)
    write_run_summary(config.out_dir, run_id, summary)


def _stage_plan(config: RunConfig, schema: LoadedSchema, decision: EngineDecision) -> StagePlan:
    spec = config.pipeline
    return StagePlan(
        engine=decision.engine, model=decision.model, model_label=decision.model_label,
        model_revision=decision.model_revision, device=config.device,
        schema_source=schema.source, tasks=spec.tasks, questions=config.questions,
        max_new_tokens=spec.limits.max_new_tokens, ocr_engine=config.ocr_engine, ocr_mode=config.ocr,
        raster=RasterConfig(dpi=spec.raster.dpi, max_pixels=spec.raster.max_pixels, max_pages=config.max_pages,
                            passwords=config.passwords, timeout_s=config.doc_timeout_s,
                            memory_mb=config.doc_memory_mb, drawings="chart_qa" in spec.tasks),
        batch_raster=spec.batch.raster, batch_ocr=spec.batch.ocr, batch_infer=spec.batch.infer,
        recycle_after_pages=config.recycle_after_pages,
        workers=default_workers(1, 0, decision.engine),  # replaced once Ray reports its resources
    )


def _drain(collector: Collector, events) -> None:
    for event in events:
        if isinstance(event, RasterOutput):
            collector.add_failed_document(event)
        else:
            collector.add_page(event)


def plan_on_ray(config: RunConfig, plan: StagePlan) -> StagePlan:
    """Start (or join) Ray and size the plan's worker pools from the resources it reports."""
    from docpipe import executor

    resources = executor.start_ray(config.ray_address)
    return plan.model_copy(update={"workers": default_workers(
        int(resources.get("CPU", 1)), int(resources.get("GPU", 0)), plan.engine,
        config.raster_workers, config.ocr_workers, config.infer_workers)})


def _ray_stream(config: RunConfig, plan: StagePlan, docs: list[SourceDoc], reporter: Reporter | None = None):
    from docpipe import executor

    fresh = not executor.ray_running()
    if reporter is not None and fresh:
        reporter.phase("starting Ray" if not config.ray_address else f"joining Ray at {config.ray_address}")
    plan = plan_on_ray(config, plan)
    if reporter is not None and fresh:
        loading = "the model" if plan.engine == "vlm" else f"the {plan.ocr_engine} OCR models"
        reporter.phase(f"starting workers (loading {loading}), rasterizing")
    # Every page gets a word layer: grounding verifies values against it.
    yield from executor.stream(plan, docs, needs_word_layer=True)
