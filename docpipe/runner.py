"""One `docpipe run`: list inputs → skip what the ledger says is done → stream the rest → commit.

Fatal problems (bad configuration, no model for --engine vlm, output not writable or locked)
raise before any work starts. Everything about an individual document becomes a row.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import secrets
import time
from collections.abc import Callable

from pydantic_core import PydanticSerializationError

from docpipe.code_version import result_code_fingerprint
from docpipe.collector import Claim, Collector, PendingDoc, Provenance
from docpipe.config import ConfigError, RunConfig, check_questions_answered
from docpipe.discover import InputError, Listing, check_output_outside_inputs, fallback_doc_id, list_inputs
from docpipe.engine_choice import EngineDecision, choose_engine, unsupported_tasks
from docpipe.output.chart_rows import charts_schema
from docpipe.output.rows import ColumnConflict, check_schema_columns, dataset_metadata, documents_schema, pages_schema
from docpipe.output.commit import CHARTS, DOCUMENTS, PAGES, DatasetWriter
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


_PLAN_CHUNK = 5000
ISOLATE_AT_MOST = 8  # documents still lost after the careful retry that each get a run of their own


class NoInputs(RuntimeError):
    """The inputs named no document at all (exit code 4); the message says what was passed over."""


def prepare(config: RunConfig) -> tuple[LoadedSchema, Listing]:
    """Everything that can be a usage/config error, checked before anything else starts.

    Lists the inputs (no document bytes are read here). Raises ConfigError (bad schema, missing
    input pattern, an output folder that is or holds an input folder) or StorageError (an object
    store refused the listing: fatal).
    """
    check_questions_answered(config.pipeline, config.questions, config.questions_file)
    if config.questions_file is not None:
        load_questions_file(config.questions_file)  # a malformed file is a usage error, found first
    schema = load_schema(config.pipeline.schema_)
    try:
        check_schema_columns(schema.model)
    except ColumnConflict as exc:
        raise ConfigError(str(exc)) from exc
    try:
        check_output_outside_inputs(config.out_uri, config.inputs)
        listing = list_inputs(config.inputs)
    except InputError as exc:
        raise ConfigError(str(exc)) from exc
    return schema, listing


def no_inputs_message(listing: Listing, inputs: list[str]) -> str:
    """One line for a run whose inputs hold no document, naming what the walk passed over."""
    passed = ", ".join(f"{n} {reason.replace('_', ' ')}" for reason, n in sorted(listing.skipped.items()))
    where = ", ".join(inputs)
    return (f"no input documents found in {where}" + (f" (passed over: {passed})" if passed else "")
            + "; nothing to do")


def execute(config: RunConfig, reporter: Reporter, started: float | None = None,
            stream_fn: Callable | None = None) -> RunSummary:
    """Run `config` to the end and return its summary (also written to OUT/_runs/<run_id>.json).

    Order of checks, cheapest and most certain first: options and schema, inputs (listed, not
    read), the output (writable, not locked, same schema), then the model (a hub probe can take
    seconds), then whether the chosen engine can do every task of the pipeline. Raises ConfigError
    (usage), EngineUnavailable, OutputNotWritable, OutputLocked, OutputSchemaMismatch,
    StorageError/StoreError (an object store refused) before any work, or NoInputs after
    committing schema-only datasets when the inputs held no document.
    """
    started = started if started is not None else time.monotonic()
    schema, listing = prepare(config)
    docs = listing.docs
    run_id = new_run_id()
    metadata = dataset_metadata(schema.model, schema_name=schema.name, run_config_json=config.public_json())
    schemas = {DOCUMENTS: documents_schema(schema.model), PAGES: pages_schema(), CHARTS: charts_schema()}

    with DatasetWriter(config.out_uri, run_id=run_id, metadata=metadata, datasets=tuple(schemas),
                       lock_ttl_s=config.lock_ttl_s, target_file_bytes=config.target_file_mb * 1024 * 1024,
                       ) as writer:
        _reap_previous_ray(writer.previous_holder, reporter)
        # A different schema in an existing output would mix column types: refuse before any work.
        writer.check_schemas(schemas)
        decision = choose_engine(config)
        unsupported = unsupported_tasks(decision.engine, config.pipeline.tasks)
        if unsupported:
            raise ConfigError(
                f"the {decision.engine} engine cannot do task(s) {', '.join(unsupported)} of pipeline "
                f"{config.pipeline.name!r}" + (f" ({decision.notice})" if decision.notice else "")
                + "; run with --engine vlm and a model (--model DIR)")
        workers_model = model_for_workers(config, decision)
        if decision.notice:
            reporter.notice(decision.notice)
        summary = RunSummary(run_id=run_id, out_dir=str(config.out_dir), pipeline=config.pipeline.name,
                             schema_name=schema.name, engine=decision.engine, model=decision.model_label,
                             started_at=dt.datetime.now(dt.timezone.utc), inputs=len(docs),
                             passed_over=listing.skipped, passed_over_examples=listing.examples,
                             config=json.loads(config.public_json()))
        if decision.notice:
            summary.notices.append(decision.notice)
        prompt_hash = pipeline_prompt_hash(config.pipeline.tasks, schema, config.questions, decision.box_format)
        options = config.options_hash()
        provenance = Provenance(schema_name=schema.name, schema_hash=schema.hash, pipeline=config.pipeline.name,
                                engine=decision.engine, model=decision.model_label,
                                model_revision=decision.model_revision, prompt_hash=prompt_hash, run_id=run_id)

        doc_questions: dict[str, list[str]] = {}  # source_path -> questions, for documents a questions file names
        if config.questions_file is not None:
            doc_questions, unmatched = questions_per_document(load_questions_file(config.questions_file), docs,
                                                              config.inputs, config.questions)
            if unmatched:
                shown = ", ".join(unmatched[:5]) + (" ..." if len(unmatched) > 5 else "")
                notice = f"{len(unmatched)} line(s) of {config.questions_file} name no input document: {shown}"
                reporter.notice(notice)
                summary.notices.append(notice)

        def questions_for(source: str) -> list[str]:
            return doc_questions.get(source, config.questions)

        def key_of(doc_id: str, source: str) -> str:
            return work_key(doc_id, schema, decision, prompt_hash, options, doc_questions.get(source))

        todo, immediate = plan_inputs(docs, writer.ledger, key_of, force=config.force,
                                      retry_failed=config.retry_failed, summary=summary)

        def on_document(head, pages: int) -> None:
            if summary.startup_s is None and pages:
                summary.startup_s = round(time.monotonic() - started, 3)
            reporter.document(head, pages)

        def on_committed(head, pages: int) -> None:
            if head.status == Status.skipped:
                # A row, but nothing was processed for it: counted once, as a skipped duplicate,
                # not again among the processed documents' errors.
                summary.skipped_duplicates += 1
                summary.count(head.status, None, head.source_path, None)
                return
            summary.processed += 1
            summary.pages += pages
            summary.count(head.status, head.error.category.value if head.error else None,
                          head.source_path, head.error.message if head.error else None)

        claims: dict[str, str] = {}  # doc_id -> the input of this run that holds its row
        rereading = {doc.source_path for doc in todo}  # inputs whose content this run learns anew

        def claim(item: PendingDoc, doc_id: str) -> Claim:
            source = item.doc.source_path
            key = key_of(doc_id, source)

            first = claims.get(doc_id)
            if first is not None and first != source:
                return _duplicate_claim(doc_id, source, key, first)
            previous = writer.ledger.lookup([doc_id]).get(doc_id)
            # The content's row is under another input that this run re-reads (changed, or touched):
            # that path may no longer hold it, so this input takes the row over (processed afresh);
            # should that path still hold it, it becomes a duplicate of this one when its result comes.
            moving = previous is not None and previous.source_path != source and previous.source_path in rereading
            if (previous is not None and not moving and not config.force and previous.work_key == key
                    and (previous.status != Status.failed.value or not config.retry_failed)):
                if previous.source_path == source:
                    claims[doc_id] = source  # confirmed: this input still holds the content of its row
                    return Claim(row_key=None, work_key=key, done_already=True)
                # Done under another path this run does not re-read (a renamed file, a copy added
                # later): this input gets its own row, a duplicate of that path's row.
                return _duplicate_claim(doc_id, source, key, previous.source_path)
            claims[doc_id] = source
            return Claim(row_key=doc_id, work_key=key)

        def on_done_already(item: PendingDoc) -> None:
            summary.skipped_done += 1

        page_counts: dict[str, int] = {}

        def on_first_page(source: str, page_count: int) -> None:
            if not page_counts:
                reporter.phase("processing")
            page_counts[source] = page_count
            if len(page_counts) == len(todo):  # every document has said how many pages it has
                reporter.pages_total(sum(page_counts.values()))

        collector = Collector(writer, schema.model, provenance, metadata, config.commit_every_docs,
                              config.commit_every_s, on_document, on_committed, on_first_page, claim=claim,
                              on_done_already=on_done_already, questions_for=questions_for)
        for doc in todo:
            collector.expect(PendingDoc(doc=doc))

        reporter.start(len(todo) + len(immediate))
        stream = stream_fn or functools.partial(_ray_stream, reporter=reporter, on_ray=writer.note_holder)
        try:
            for item, status, error in immediate:
                collector.add_unprocessed(item, status, error)
            if todo:
                plan = _stage_plan(config, schema, decision, workers_model)
                plan = plan.model_copy(update={"doc_questions": [
                    DocumentQuestions(source_path=doc.source_path, questions=doc_questions[doc.source_path])
                    for doc in todo if doc.source_path in doc_questions]})
                _drain(collector, stream(config, plan, todo))
                if collector.pending:
                    # A batch whose worker died (segfault, OOM) is dropped by the executor; its
                    # documents run again one page per batch so a poison page only costs itself.
                    retry = [item.doc for item in collector.pending.values()]
                    careful = plan.model_copy(update={"batch_ocr": 1, "batch_infer": 1})
                    reporter.phase("retrying documents whose worker died, one page at a time")
                    _drain(collector, stream(config, careful, retry))
                    if len(retry) > 1 and collector.pending and len(collector.pending) <= ISOLATE_AT_MOST:
                        # A poison page kills its worker with the pages queued on it, so a document
                        # retried beside it may be lost again: each still missing runs alone, and
                        # only one that fails by itself is quarantined.
                        for doc in [item.doc for item in collector.pending.values()]:
                            _drain(collector, stream(config, careful, [doc]))
                for item in list(collector.pending.values()):
                    collector.pending.pop(item.doc.source_path)
                    collector.pages.pop(item.doc.source_path, None)
                    if not item.row_key:
                        item.doc = item.doc.model_copy(update={"doc_id": fallback_doc_id(item.doc.source_path)})
                        item.row_key, item.work_key = item.doc.doc_id, key_of(item.doc.doc_id, item.doc.source_path)
                    collector.add_unprocessed(item, Status.failed, ErrorInfo(
                        category=ErrorCategory.crash, stage="executor",
                        message="no result came back for this document twice (its worker died, or Ray "
                                "ended the stream), also when retried page by page; quarantined (a re-run "
                                "tries it again)"))
            collector.flush()
            writer.compact()
            writer.ensure_datasets(schemas)
        except (KeyboardInterrupt, PydanticSerializationError) as exc:
            if not isinstance(exc, KeyboardInterrupt) and not interrupted_inside(exc):
                raise
            # Keep what is finished: commit the documents already complete, then say where we stopped.
            summary.interrupted = True
            try:
                reporter.stop()
                try:
                    collector.flush()
                finally:
                    _finish_summary(summary, started, writer)
            except KeyboardInterrupt:
                raise InterruptedInCleanup() from None
            raise RunInterrupted(summary) from None
        finally:
            reporter.stop()
        _finish_summary(summary, started, writer)
    if not docs:
        raise NoInputs(no_inputs_message(listing, config.inputs))
    return summary


def interrupted_inside(exc: BaseException) -> bool:
    """A Ctrl-C that arrived while pydantic's serializer ran: it reports the KeyboardInterrupt as a
    PydanticSerializationError ('Error serializing to JSON: KeyboardInterrupt'), which must end the
    run as the interrupt it is, not as an internal error."""
    return isinstance(exc, PydanticSerializationError) and "KeyboardInterrupt" in str(exc)


class RunInterrupted(Exception):
    """Ctrl-C (SIGINT) stopped the run; finished documents were committed, the summary written."""

    def __init__(self, summary: RunSummary) -> None:
        super().__init__(f"interrupted after {summary.processed} document(s)")
        self.summary = summary


class InterruptedInCleanup(KeyboardInterrupt):
    """A second Ctrl-C while an interrupted run was committing its finished documents: documents
    committed before it are kept, the last ones and the summary file may be missing."""


def _finish_summary(summary: RunSummary, started: float, writer: DatasetWriter) -> None:
    summary.finished_at = dt.datetime.now(dt.timezone.utc)
    summary.wall_s = round(time.monotonic() - started, 3)
    writer.write_run_summary(summary.run_id, summary)


def plan_inputs(docs: list[SourceDoc], ledger, key_of: Callable[[str, str], str], *, force: bool,
                retry_failed: bool, summary: RunSummary | None = None
                ) -> tuple[list[SourceDoc], list[tuple[PendingDoc, Status, ErrorInfo]]]:
    """Split listed inputs into work and rows known without work, reading no document bytes.

    An input whose URI and version (size + mtime or ETag) match its ledger entry, committed with
    the work key its content would get now, is done: skipped unread (retried if it failed,
    unless retry_failed is off; redone under force). Inputs that listing already failed (broken
    symlink, FIFO) are rows at once. Everything else goes to the workers, which hash it. An
    unchanged input whose row is a duplicate of another input's row is read again when that row
    is gone or its input is read again in this run (it may no longer hold the content).
    """
    todo: list[SourceDoc] = []
    immediate: list[tuple[PendingDoc, Status, ErrorInfo]] = []
    duplicates: list[tuple[SourceDoc, str]] = []  # unchanged inputs whose row says "duplicate of ..."
    failed, skipped = Status.failed.value, Status.skipped.value
    for start in range(0, len(docs), _PLAN_CHUNK):  # bounded lookups: millions of inputs fit
        chunk = docs[start:start + _PLAN_CHUNK]
        seen = ledger.versions([d.source_path for d in chunk if d.error is None])
        for doc in chunk:
            if doc.error is not None:
                key = key_of(doc.doc_id, doc.source_path)
                previous = ledger.lookup([doc.doc_id]).get(doc.doc_id) if not force else None
                if previous is not None and previous.work_key == key and not retry_failed:
                    if summary is not None:
                        summary.skipped_done += 1
                    continue
                immediate.append((PendingDoc(doc=doc, row_key=doc.doc_id, work_key=key), Status.failed, doc.error))
                continue
            entry = seen.get(doc.source_path)
            if entry is not None and not force:
                version, doc_id, done_key, status = entry
                if (version == doc.source_version and done_key == key_of(doc_id, doc.source_path)
                        and (status != failed or not retry_failed)):
                    if status == skipped:
                        duplicates.append((doc, doc_id))
                        continue
                    if summary is not None:
                        summary.skipped_done += 1
                    continue
            todo.append(doc)
    # A duplicate row stays true only while the input holding its content's row is unchanged: when
    # that row is gone (its path changed content) or its path is re-read now, the duplicate is
    # read again and gets a row of its own (or a fresh duplicate row).
    listed_again = {doc.source_path for doc in todo}
    for start in range(0, len(duplicates), _PLAN_CHUNK):
        chunk = duplicates[start:start + _PLAN_CHUNK]
        owners = ledger.lookup([doc_id for _, doc_id in chunk])
        for doc, doc_id in chunk:
            owner = owners.get(doc_id)
            if owner is None or owner.source_path in listed_again:
                todo.append(doc)
            elif summary is not None:
                summary.skipped_done += 1
    return todo, immediate


def joins_cluster(config: RunConfig) -> bool:
    """Workers may run on other machines (a Ray address was given), so nothing may be a driver path."""
    return bool(config.ray_address or os.environ.get("RAY_ADDRESS"))


def model_for_workers(config: RunConfig, decision: EngineDecision) -> str | None:
    """What the workers load: the driver's resolved folder on an embedded Ray; on a cluster the hub
    id (with the revision the driver resolved) or a URI every node can read, never a driver path.

    Raises ConfigError for a local model folder on a cluster run.
    """
    if decision.engine != "vlm" or not joins_cluster(config):
        return decision.model
    from docpipe.storage.uri import is_remote

    label = decision.model_label or ""
    if is_remote(label):
        return label
    if os.path.isdir(os.path.expanduser(label)) or label.startswith(("/", ".", "~")):
        raise ConfigError(f"--model {label} is a folder on this machine, which workers on other nodes cannot "
                          "read: use a hub id, or copy the folder to object storage and pass its URI "
                          "(s3://bucket/models/name)")
    return label


def _stage_plan(config: RunConfig, schema: LoadedSchema, decision: EngineDecision,
                workers_model: str | None = None) -> StagePlan:
    spec = config.pipeline
    return StagePlan(
        engine=decision.engine, model=workers_model or decision.model, model_label=decision.model_label,
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


def _duplicate_claim(doc_id: str, source: str, work_key: str, of: str) -> Claim:
    """The claim of an input whose content already has its row under the input `of`: a row of its
    own, keyed by the content id plus 8 hex digits of sha256(source path), marked a duplicate."""
    suffix = hashlib.sha256(source.encode()).hexdigest()[:8]
    return Claim(row_key=f"{doc_id}#{suffix}", work_key=work_key, duplicate_of=of)


def _reap_previous_ray(holder: dict[str, object], reporter: Reporter) -> None:
    """Kill the embedded Ray processes a previous run on this output left when it was killed."""
    import socket

    from docpipe import ray_reaper

    killed = ray_reaper.reap_dead_holder(holder, socket.gethostname())
    if killed:
        reporter.notice(f"stopped {killed} Ray process(es) left running by the killed run "
                        f"{holder.get('run_id') or '?'} (pid {holder.get('pid')}) on this output")


def _ray_stream(config: RunConfig, plan: StagePlan, docs: list[SourceDoc], reporter: Reporter | None = None,
                on_ray: Callable[[dict[str, str]], None] | None = None):
    """`on_ray` receives executor.embedded_ray_marks() once Ray is up (the writer records them in OUT/_lock)."""
    from docpipe import executor

    fresh = not executor.ray_running()
    if reporter is not None and fresh:
        reporter.phase("starting Ray" if not config.ray_address else f"joining Ray at {config.ray_address}")
    plan = plan_on_ray(config, plan)
    if on_ray is not None:
        on_ray(executor.embedded_ray_marks())
    if reporter is not None and fresh:
        loading = "the model" if plan.engine == "vlm" else f"the {plan.ocr_engine} OCR models"
        reporter.phase(f"starting workers (loading {loading}), rasterizing")
    # Every page gets a word layer: grounding verifies values against it. A Ray error that ends a
    # pass (actors lost with their node, an actor cancelled before it ran) leaves its documents
    # pending: after the first pass they run again page by page, after the second they become
    # failed rows (category crash) that the next run retries; the run itself goes on.
    yield from executor.stream(plan, docs, needs_word_layer=True, tolerate_ray_errors=True)
