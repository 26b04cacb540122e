"""Command line. Thin: parse options, build a RunConfig, call the runner, map outcomes to exit codes.

Exit codes (documented in the README): 0 every document ok (or partial); 1 the run finished but
some documents failed; 2 usage or configuration error; 3 fatal runtime error (no model, output
not writable or locked, object store refused, internal error); 4 the inputs held no document;
130 interrupted (Ctrl-C / SIGINT; finished documents are committed, re-run the same command to finish).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Batch document understanding: PDFs and scans → validated, grounded, typed Parquet.")
dev_app = typer.Typer(no_args_is_help=True, help="Developer tools: sample documents, tiny test models.")
app.add_typer(dev_app, name="dev")

EXIT_OK, EXIT_FAILED_DOCS, EXIT_USAGE, EXIT_FATAL, EXIT_NO_INPUTS, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
console = Console(stderr=True)


def _fail(code: int, message: str, log_format: str = "rich") -> typer.Exit:
    if log_format == "json":
        from docpipe.progress import JsonReporter

        JsonReporter().error(message, code)
    else:
        console.print(f"[bold red]error:[/bold red] {message}", soft_wrap=True)
    return typer.Exit(code)


@app.command()
def run(
    ctx: typer.Context,
    inputs: Annotated[Optional[list[str]], typer.Argument(
        help="Files, folders (recursive), glob patterns or URIs (s3://bucket/prefix, gs://, az://).",
        metavar="INPUT")] = None,
    config_file: Annotated[Optional[Path], typer.Option(
        "--config", help="Job file (TOML) with any of these options; flags given here override it.")] = None,
    schema: Annotated[Optional[str], typer.Option(help="Schema name, file.py or file.py:Model.")] = None,
    pipeline: Annotated[Optional[str], typer.Option(help="Pipeline name or .toml file.")] = None,
    out: Annotated[str, typer.Option(help="Output folder or URI (s3://bucket/prefix, ...): datasets documents/ and pages/.")] = "docpipe_out",
    model: Annotated[Optional[str], typer.Option(help="HF model id, local model folder, or a URI every node can read (s3://...).")] = None,
    revision: Annotated[Optional[str], typer.Option(help="Model revision (hub commit or tag).")] = None,
    engine: Annotated[str, typer.Option(help="auto | vlm | offline. auto falls back to offline without a model.")] = "auto",
    ocr_engine: Annotated[str, typer.Option(help="Word layer for scans: rapidocr | tesseract.")] = "rapidocr",
    ocr: Annotated[str, typer.Option(
        "--ocr", help="auto: use a PDF's text layer where it agrees with the rendered page, OCR the rest | "
                      "always: OCR every page | never: text layer only, no OCR.")] = "auto",
    question: Annotated[Optional[list[str]], typer.Option("--question", "-q", help="Chart question asked of every document (repeatable).")] = None,
    questions_file: Annotated[Optional[Path], typer.Option(
        help="JSON lines {\"file\": ..., \"question\": ...}: questions for single documents (file matched by "
             "path relative to the input, or by name).")] = None,
    ray_address: Annotated[Optional[str], typer.Option(envvar="RAY_ADDRESS", help="Join this Ray cluster.")] = None,
    device: Annotated[str, typer.Option(help="auto | cpu | cuda.")] = "auto",
    password: Annotated[Optional[list[str]], typer.Option("--password", help="PDF password to try (repeatable).")] = None,
    passwords_file: Annotated[Optional[Path], typer.Option(help="File with one PDF password per line.")] = None,
    max_pages: Annotated[Optional[int], typer.Option(help="Process at most N pages per document.")] = None,
    dpi: Annotated[Optional[int], typer.Option(min=1, max=1200,
                                               help="Rasterization dpi, 1-1200 (overrides the pipeline).")] = None,
    batch_size: Annotated[Optional[int], typer.Option(help="Pages per inference batch.")] = None,
    doc_timeout: Annotated[float, typer.Option(help="Seconds one document may spend in rasterization.")] = 300.0,
    max_new_tokens: Annotated[Optional[int], typer.Option(help="Token budget per model answer (overrides the pipeline).")] = None,
    workers: Annotated[Optional[int], typer.Option("--raster-workers", "--workers",
                                                   help="Rasterization workers (default: from CPU count).")] = None,
    ocr_workers: Annotated[Optional[int], typer.Option(help="OCR (word layer) workers (default: one per spare core).")] = None,
    infer_workers: Annotated[Optional[int], typer.Option(help="Inference workers (default: one per GPU, or one on CPU).")] = None,
    commit_every: Annotated[int, typer.Option(help="Commit output every N documents.")] = 32,
    recycle_after_pages: Annotated[int, typer.Option(help="Restart raster/OCR workers after N pages.")] = 2000,
    target_file_mb: Annotated[int, typer.Option(help="Merge output parts up to about this many MB.")] = 128,
    lock_ttl: Annotated[float, typer.Option(help="Object-store output: seconds after which a crashed run's lock is taken over.")] = 30.0,
    force: Annotated[bool, typer.Option("--force", help="Re-process documents already done.")] = False,
    retry_failed: Annotated[bool, typer.Option("--retry-failed/--no-retry-failed",
                                               help="Retry documents that failed in earlier runs.")] = True,
    log_format: Annotated[str, typer.Option(help="rich | json (JSON lines on stderr).")] = "rich",
) -> None:
    """Process documents and write Parquet datasets under --out."""
    started = time.monotonic()
    from docpipe.config import ConfigError, RunConfig, load_pipeline, pipeline_for_schema

    notices: list[str] = []
    try:
        if config_file is not None:
            from docpipe.job_config import load_job_file, merge_job

            given = dict(inputs=inputs, schema=schema, pipeline=pipeline, out=out, model=model, revision=revision,
                         engine=engine, ocr_engine=ocr_engine, ocr=ocr, question=question, ray_address=ray_address,
                         device=device, passwords_file=passwords_file, max_pages=max_pages, dpi=dpi,
                         batch_size=batch_size, doc_timeout=doc_timeout, max_new_tokens=max_new_tokens,
                         workers=workers, ocr_workers=ocr_workers, infer_workers=infer_workers,
                         commit_every=commit_every, recycle_after_pages=recycle_after_pages,
                         target_file_mb=target_file_mb, lock_ttl=lock_ttl, force=force,
                         retry_failed=retry_failed, log_format=log_format)
            # typer may ship its own click: compare the source by name, not by enum identity
            from_cli = {name for name in given
                        if getattr(ctx.get_parameter_source(name), "name", "") in ("COMMANDLINE", "ENVIRONMENT")}
            merged = merge_job(given, from_cli, load_job_file(config_file))
            (inputs, schema, pipeline, out, model, revision, engine, ocr_engine, ocr, question, ray_address, device,
             passwords_file, max_pages, dpi, batch_size, doc_timeout, max_new_tokens, workers, ocr_workers,
             infer_workers, commit_every, recycle_after_pages, target_file_mb, lock_ttl, force, retry_failed,
             log_format) = (merged[k] for k in given)
            passwords_file = Path(passwords_file) if passwords_file else None
        if not inputs:
            raise ConfigError("no inputs given: name files, folders, globs or URIs (or `inputs` in --config)")
        spec = load_pipeline(pipeline) if pipeline else pipeline_for_schema(schema or "invoice")
        spec = spec.with_overrides(schema=schema if pipeline else None, model=model, revision=revision,
                                   dpi=dpi, batch_size=batch_size, max_new_tokens=max_new_tokens)
        passwords = list(password or [])
        if passwords_file:
            passwords += [line.rstrip("\n") for line in passwords_file.read_text().splitlines() if line.strip()]
        if engine == "ocr":  # the offline engine's name before 0.2; scheduled jobs keep working
            notices.append("--engine ocr is now called --engine offline")
            engine = "offline"
        if engine not in ("auto", "vlm", "offline"):
            raise ConfigError(f"--engine must be auto, vlm or offline (got {engine!r})")
        if ocr not in ("auto", "always", "never"):
            raise ConfigError(f"--ocr must be auto, always or never (got {ocr!r})")
        if log_format not in ("rich", "json"):
            raise ConfigError(f"--log-format must be rich or json (got {log_format!r})")
        config = RunConfig(inputs=inputs, out_dir=out, pipeline=spec, engine=engine, ocr_engine=ocr_engine, ocr=ocr,
                           explicit_model=model is not None,
                           questions=list(question or []), questions_file=questions_file,
                           ray_address=ray_address, device=device,
                           passwords=passwords, max_pages=max_pages, doc_timeout_s=doc_timeout,
                           raster_workers=workers, ocr_workers=ocr_workers,
                           infer_workers=infer_workers, force=force, retry_failed=retry_failed,
                           commit_every_docs=commit_every, recycle_after_pages=recycle_after_pages,
                           target_file_mb=target_file_mb, lock_ttl_s=lock_ttl)
    except (ConfigError, OSError) as exc:
        raise _fail(EXIT_USAGE, str(exc), log_format) from None
    except Exception as exc:  # pydantic ValidationError on option values
        raise _fail(EXIT_USAGE, f"invalid options: {exc}", log_format) from None
    _execute(config, log_format, started, notices)


def _execute(config, log_format: str, started: float, notices: list[str]) -> None:
    from docpipe.config import ConfigError
    from docpipe.engines.base import EngineUnavailable
    from docpipe.output.commit import OutputSchemaMismatch
    from docpipe.discover import StorageError
    from docpipe.output.lock import OutputLocked, OutputNotWritable
    from docpipe.progress import JsonReporter, RichReporter
    from docpipe.runner import InterruptedInCleanup, NoInputs, RunInterrupted, execute, interrupted_inside
    from docpipe.foreign_output import ForeignOutputCapture
    from docpipe.storage.lease import LeaseLost
    from docpipe.storage.store import StoreError
    from docpipe.storage.uri import StorageUnavailable
    from docpipe.summary import failures_table, summary_table

    _quiet_libraries()
    summary = None
    code: int | None = None
    message = ""
    # Ray's native logs and library warnings go to a log file: they would splice into the progress
    # display, and with --log-format json every stderr line must be JSON.
    with ForeignOutputCapture() as capture:
        terminal = Console(file=capture.terminal, stderr=True)
        reporter = JsonReporter(capture.terminal) if log_format == "json" else RichReporter(terminal)
        for notice in notices:
            reporter.notice(notice)
        try:
            summary = execute(config, reporter, started=started)
        except RunInterrupted as exc:
            _exit_on_second_interrupt(log_format)
            summary, code = exc.summary, EXIT_INTERRUPTED
            message = (f"interrupted: {summary.processed} document(s) committed and kept; re-run the same "
                       "command to finish")
        except InterruptedInCleanup:  # a second Ctrl-C while committing after the first
            code, message = EXIT_INTERRUPTED, ("interrupted again while committing finished documents: documents "
                                               "already committed are kept; re-run the same command to finish")
        except KeyboardInterrupt:  # mostly start-up (model probe, Ray), but also a commit after the last document
            _exit_on_second_interrupt(log_format)
            code, message = EXIT_INTERRUPTED, ("interrupted: documents already committed (if any) are kept; re-run "
                                               "the same command to finish")
        except ConfigError as exc:
            code, message = EXIT_USAGE, str(exc)
        except EngineUnavailable as exc:
            code, message = EXIT_FATAL, str(exc)
        except OutputSchemaMismatch as exc:
            code, message = EXIT_USAGE, f"{exc}\n(use another --out for a different schema)"
        except StorageUnavailable as exc:
            code, message = EXIT_USAGE, str(exc)
        except (OutputLocked, OutputNotWritable, StorageError, StoreError, LeaseLost) as exc:
            code, message = EXIT_FATAL, str(exc)
        except NoInputs as exc:
            code, message = EXIT_NO_INPUTS, str(exc)
        except Exception as exc:  # noqa: BLE001 - a user sees a message, the traceback goes to the log
            if interrupted_inside(exc):  # a Ctrl-C pydantic's serializer reported as its own error
                code, message = EXIT_INTERRUPTED, ("interrupted: documents already committed (if any) are kept; "
                                                   "re-run the same command to finish")
            else:
                logging.getLogger("docpipe").exception("internal error")
                code, message = EXIT_FATAL, (f"internal error: {type(exc).__name__}: {exc} "
                                             f"(details in {capture.log_path})")
        finally:
            _stop_ray()
    log_shown = _keep_log(capture.log_path, config.out_uri, summary, keep_unsummarised=code == EXIT_FATAL)
    if code == EXIT_FATAL and log_shown and log_shown not in message:
        message += f" (log: {log_shown})"
    if code is not None:
        if log_format == "json" and code in (EXIT_INTERRUPTED, EXIT_NO_INPUTS):
            # The promise of --log-format json: the outcome is one JSON line on stdout.
            sys.stdout.write((summary.model_dump_json() if summary is not None else json.dumps(
                {"outcome": "interrupted" if code == EXIT_INTERRUPTED else "no_inputs", "exit_code": code,
                 "message": message, "out_dir": str(config.out_dir)})) + "\n")
        if code == EXIT_INTERRUPTED and log_format != "json":
            console.print(f"[yellow]{message}[/yellow]", soft_wrap=True)
            raise typer.Exit(code)
        if code == EXIT_NO_INPUTS and log_format != "json":
            console.print(f"[yellow]{message}[/yellow]", soft_wrap=True)  # the message ends "; nothing to do"
            raise typer.Exit(code)
        raise _fail(code, message, log_format)
    if log_format == "json":
        sys.stdout.write(summary.model_dump_json() + "\n")
    else:
        out = Console()
        out.print(summary_table(summary))
        table = failures_table(summary)
        if table is not None:
            out.print(table)
        out.print(f"output: [bold]{config.out_dir}[/bold] (documents/, pages/, _runs/{summary.run_id}.json"
                  f"{', log ' + log_shown if log_shown else ''})")
    raise typer.Exit(EXIT_FAILED_DOCS if summary.any_failed else EXIT_OK)


SECOND_INTERRUPT_MESSAGE = ("interrupted again: stopped at once; documents committed before are kept, the "
                            "ones being committed are not; re-run the same command to finish")


def _exit_on_second_interrupt(log_format: str = "rich") -> None:
    """Cleaning up after Ctrl-C (committing, stopping Ray) takes seconds; a second Ctrl-C ends at once,
    after one line on stderr saying what was kept (a JSON `error` event with --log-format json)."""
    import signal

    if log_format == "json":
        line = json.dumps({"ts": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()), "event": "error",
                           "message": SECOND_INTERRUPT_MESSAGE, "exit_code": EXIT_INTERRUPTED})
    else:
        line = SECOND_INTERRUPT_MESSAGE

    def stop(*_) -> None:
        try:
            os.write(2, (line + "\n").encode())  # no Python I/O buffers inside a signal handler
        finally:
            os._exit(EXIT_INTERRUPTED)

    signal.signal(signal.SIGINT, stop)


def _keep_log(log_path: Path, out_uri: str, summary, keep_unsummarised: bool = False) -> str | None:
    """Move the run's captured log next to its summary (OUT/_runs/<run_id>.log, through the output's
    store, so object-store and file:// outputs get it too); drop it when empty. A run that ended
    without a summary (a usage error, no inputs, an interruption at start-up, a fatal error) has
    no place in OUT for it: the log stays in the temporary folder only when `keep_unsummarised`
    (fatal errors, whose message then names it), else it is removed, so scheduled runs that end
    early do not fill the temporary folder. Returns how to name it to the user:
    `_runs/<run_id>.log` inside OUT, else the full local path; None when dropped."""
    try:
        if log_path.stat().st_size == 0:
            log_path.unlink()
            return None
    except OSError:
        return str(log_path) if log_path.exists() else None
    if summary is None:
        if keep_unsummarised:
            return str(log_path)
        log_path.unlink(missing_ok=True)
        return None
    rel = f"_runs/{summary.run_id}.log"
    try:
        from docpipe.storage.store import open_store

        store = open_store(out_uri)
        if not store.exists(f"_runs/{summary.run_id}.json"):  # the summary was not written: keep the log local
            return str(log_path)
        if getattr(store, "remote", False):
            store.write_bytes(rel, log_path.read_bytes())
            log_path.unlink()
        else:
            import shutil

            shutil.move(str(log_path), store.path(rel))
        return rel
    except Exception:  # noqa: BLE001 - the log stays where it is; the user is told the full path
        return str(log_path) if log_path.exists() else None


def _quiet_libraries() -> None:
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    for name in ("ray", "ray.data", "transformers", "filelock", "urllib3"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _stop_ray() -> None:
    if "ray" in sys.modules:
        from docpipe.executor import stop_ray

        stop_ray()


@app.command()
def compact(
    out: Annotated[str, typer.Argument(help="Output folder or URI of earlier runs.")],
    target_file_mb: Annotated[int, typer.Option(help="Merge parts up to about this many MB.")] = 128,
    lock_ttl: Annotated[float, typer.Option(help="Object-store output: seconds after which a crashed run's lock is taken over.")] = 30.0,
) -> None:
    """Merge an output's small Parquet parts into files of about --target-file-mb, atomically."""
    from docpipe.output.commit import DEFAULT_DATASETS, DOCUMENTS, DatasetWriter, OutputCorrupt
    from docpipe.output.lock import OutputLocked, OutputNotWritable
    from docpipe.runner import new_run_id
    from docpipe.storage.store import StoreError, open_store
    from docpipe.storage.uri import StorageUnavailable

    try:
        store = open_store(out)
        present = set(store.folders(""))
    except (StoreError, StorageUnavailable, OSError) as exc:
        raise _fail(EXIT_FATAL, f"cannot read {out}: {exc}") from None
    if DOCUMENTS not in present:  # not an output of docpipe run: create nothing there
        raise _fail(EXIT_USAGE, f"{out} is not a docpipe output (no {DOCUMENTS}/ dataset); "
                                "give the --out folder of an earlier `docpipe run`")
    try:
        names = tuple(d for d in DEFAULT_DATASETS if d in present)  # docpipe's datasets only, not export/ etc.
        with DatasetWriter(out, run_id=new_run_id(), datasets=names, lock_ttl_s=lock_ttl,
                           target_file_bytes=target_file_mb * 1024 * 1024, compact_every=0) as writer:
            before = {d: len(store.list(d)) for d in writer.datasets}
            written = writer.compact()
            after = {d: len(store.list(d)) for d in writer.datasets}
    except (OutputLocked, OutputNotWritable, StoreError, OutputCorrupt) as exc:
        raise _fail(EXIT_FATAL, str(exc)) from None
    for dataset in before:
        Console().print(f"{dataset}: {before[dataset]} → {after[dataset]} files")
    if not written:
        Console().print("nothing to merge")


@app.command()
def schemas() -> None:
    """List the schemas available here, with their fields."""
    from rich.table import Table

    from docpipe.config import ConfigError
    from docpipe.schema_registry import available_schemas, load_schema
    from docpipe.tasks.decoding_schema import field_guide

    out = Console()
    for name, path in available_schemas().items():
        try:
            loaded = load_schema(name)
        except ConfigError as exc:
            out.print(f"[red]{name}[/red]: {exc}")
            continue
        table = Table(title=f"{name}  ({path})", show_header=True, header_style="bold", title_justify="left")
        table.add_column("field")
        table.add_column("type and description", overflow="fold")
        for line in field_guide(loaded.model):
            field, _, rest = line[2:].partition(": ")
            table.add_row(field, rest)
        out.print(table)


@app.command()
def pipelines() -> None:
    """List the pipelines available here."""
    from docpipe.config import available_pipelines, load_pipeline

    out = Console()
    for name in available_pipelines():
        spec = load_pipeline(name)
        out.print(f"[bold]{name}[/bold]: schema={spec.schema_} tasks={','.join(spec.tasks)} model={spec.model}"
                  f"  {spec.description}")


_TRUTH_HELP = (
    "Truth file (JSON lines): one object per document. `file`: its file name, or a relative path where "
    "two inputs share a name (matched to the end of the output's source_path; a name fitting several inputs "
    "is not scored). Field truth: the schema's fields flat or under `expected` ({field: value}; "
    "amounts as strings, ISO dates; a table field such as `line_items` as a list of row objects, scored cell "
    "by cell; `line_count` when only the row count is known). Chart truth: `qa`, a list of {question, answer} "
    "(relaxed accuracy); `table` {columns, rows}; `values` with `x_field`/`y_field` or `fields` (vega-lite); "
    "`points`, a list of \\[x, y] pairs, with `point_boxes`. Description keys, not scored: `kind`, "
    "`schema_name`, `description`, `pages`, `page_sizes`, `source`, `raw`, `boxes`, `chart_type`. Any other "
    "key is a usage error (exit 2), as is a truth file none of whose documents is in the output.")


@app.command("eval", help="Score a run's documents against expected values: accuracy, grounding and "
                          "confidence calibration per field, and chart answers (relaxed accuracy) and "
                          "data tables where the truth describes charts. A rate with nothing to rate "
                          "(n = 0) is shown as n/a (null in --json).\n\n" + _TRUTH_HELP)
def eval_command(
    out: Annotated[Path, typer.Argument(help="Output folder of a run.")],
    truth: Annotated[Path, typer.Option(help="truth.jsonl: one object per document, keyed by file name "
                                             "(format above).")],
    fields: Annotated[Optional[list[str]], typer.Option("--field", help="Fields to score (default: all).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON (with field and chart "
                                                          "truth in one file: {\"fields\": ..., \"charts\": ...}).")] = False,
    threshold: Annotated[Optional[float], typer.Option(
        min=0.0, max=1.0,
        help="One straight-through confidence threshold (0-1) for every field (default: each field's kind "
             "group's threshold, chosen on development data and stored with the offline engine's "
             "confidence model).")] = None,
) -> None:
    from docpipe.evaluate import render_calibration, render_eval
    from docpipe.evaluate.charts import render_chart_eval
    from docpipe.evaluate.scoring import score_truth_file
    from docpipe.evaluate.truth import TruthFileError, UnknownFields

    if not out.exists():
        raise _fail(EXIT_USAGE, f"output folder not found: {out}")
    if not (out / "documents").is_dir():
        raise _fail(EXIT_USAGE, f"{out} has no documents dataset")
    if not any(p.suffix == ".parquet" for p in (out / "documents").iterdir()):
        raise _fail(EXIT_USAGE, f"{out / 'documents'} holds no documents yet (a run that is still starting, "
                                "or one that committed nothing): nothing to score")
    if not truth.is_file():
        raise _fail(EXIT_USAGE, f"truth file not found: {truth}")
    try:
        scores = score_truth_file(out, truth, fields or None, threshold=threshold)
    except (TruthFileError, UnknownFields) as exc:
        raise _fail(EXIT_USAGE, str(exc)) from None
    if json_out:
        if scores.fields is not None and scores.charts is not None:
            sys.stdout.write(scores.model_dump_json(indent=2) + "\n")
        else:
            sys.stdout.write((scores.fields or scores.charts).model_dump_json(indent=2) + "\n")
        return
    if scores.fields is not None:
        table = render_eval(scores.fields)
        _report_console(table).print(table)
        calibration = render_calibration(scores.fields)
        if calibration is not None:
            _report_console(calibration).print(calibration)
    if scores.charts is not None:
        table = render_chart_eval(scores.charts)
        _report_console(table).print(table)


def _report_console(table: object | None = None) -> Console:
    """A console for wide report tables: at least 132 columns, and as wide as `table` needs when it
    is given, so that figures and headers are never cut to an ellipsis (rich's default when output
    is piped is 80); a narrower terminal wraps the lines."""
    width = max(Console().width, 132)
    if table is not None:
        width = max(width, Console(width=400).measure(table).maximum)
    return Console(width=width)


@app.command("export")
def export_command(
    out: Annotated[str, typer.Argument(help="Output folder or URI of a run.")],
    format: Annotated[str, typer.Option("--format", help="hocr | alto | txt.")] = "hocr",
    dest: Annotated[Optional[str], typer.Option(help="Folder or URI for the files (default: OUT/export/FORMAT).")] = None,
) -> None:
    """Write each document's word layer as hOCR, ALTO XML or plain text, one file per document."""
    from docpipe.export import export_words
    from docpipe.storage.uri import StorageUnavailable

    if format not in ("hocr", "alto", "txt"):
        raise _fail(EXIT_USAGE, f"--format must be hocr, alto or txt (got {format!r})")
    try:
        summary = export_words(out, format, dest)  # type: ignore[arg-type]
    except (FileNotFoundError, ValueError) as exc:
        raise _fail(EXIT_USAGE, str(exc)) from None
    except (OSError, StorageUnavailable) as exc:
        raise _fail(EXIT_FATAL, f"cannot export: {exc}") from None
    Console().print(f"{summary.documents} documents ({summary.pages} pages, {summary.words} words) "
                    f"written as {summary.format} to [bold]{summary.folder}[/bold]")


@app.command("bench-ocr")
def bench_ocr_command(
    pages: Annotated[int, typer.Option(help="Generated A4 scans at 150 dpi.")] = 10,
    engine: Annotated[
        Optional[list[str]], typer.Option("--engine", help="rapidocr, rapidocr-stock, tesseract (repeatable).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """CPU seconds per page and word recall of the OCR engines on the same generated scans."""
    import json

    from rich.table import Table

    from docpipe.bench.machine import machine_info
    from docpipe.ocr.bench import BENCH_ENGINES, bench_ocr
    from docpipe.ocr.synthetic import bench_set

    scans = bench_set(pages)
    machine = machine_info()
    results = bench_ocr(
        [p.png_bytes() for p in scans], list(engine or BENCH_ENGINES), truth=[[w.text for w in p.words] for p in scans]
    )
    if json_out:
        payload = {"machine": machine.model_dump(), "results": [r.model_dump() for r in results]}
        sys.stdout.write(json.dumps(payload) + "\n")
        return
    table = Table(title=f"OCR engines on {pages} generated A4 scans at 150 dpi", header_style="bold")
    for column in ("engine", "CPU-s/page", "word recall", "pages/s", "threads", "words", "failed pages", "error"):
        table.add_column(column)
    for r in results:
        recall = f"{r.recall:.4f}" if r.recall is not None else ""
        table.add_row(r.engine, f"{r.cpu_s_per_page:.2f}", recall, f"{r.pages_per_s:.3f}",
                      str(r.threads or "default"), str(r.words), str(r.failed_pages), r.error or "")
    console = Console()
    console.print(table)
    load = machine.load_average[0] if machine.load_average else None
    console.print(f"machine: {machine.cpu_model}, {machine.usable_cpus} usable CPUs"
                  + (f", load average {load:.1f} at the start" if load is not None else ""))


@dev_app.command("sample-docs")
def dev_sample_docs(out_dir: Annotated[Path, typer.Argument()] = Path("sample_docs")) -> None:
    """Regenerate the sample documents and their truth.jsonl."""
    from docpipe.devtools.sample_docs import write_sample_docs

    written = write_sample_docs(out_dir)
    Console().print(f"wrote {len(written)} documents and truth.jsonl to {out_dir}")


@dev_app.command("tiny-model")
def dev_tiny_model(out_dir: Annotated[Path, typer.Argument()], family: str = "llava") -> None:
    """Build a tiny randomly initialised VLM (plumbing tests only: its output is meaningless)."""
    from docpipe.devtools.tiny_vlm import build_tiny_vlm

    path = build_tiny_vlm(out_dir, family=family)
    Console().print(f"tiny {family} model written to {path}")


@app.command()
def bench(
    pages: Annotated[Optional[int], typer.Option(
        help="Pages for every throughput part (default: raster 400 in two rounds, offline pipeline 200, VLM pipeline 300).")] = None,
    quick: Annotated[bool, typer.Option("--quick", help="Tiny sizes: checks that every part works.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON on stdout.")] = False,
    out_dir: Annotated[Optional[Path], typer.Option(help="Keep corpora and outputs here (reused next time).")] = None,
    skip: Annotated[Optional[list[str]], typer.Option(
        help="Part to leave out (repeatable or comma-separated): grammar, raster, pipeline-offline, "
             "pipeline-vlm, rss, startup, planning, cluster-driver.")] = None,
) -> None:
    """Measure this machine: stage throughput vs plain loops, memory scaling, start-up, decoding cost."""
    from docpipe.bench.report import render
    from docpipe.bench.suite import BenchOptions, run_bench

    _quiet_libraries()
    parts = [p.strip() for item in skip or [] for p in item.split(",") if p.strip()]
    base = {"skip": parts, "out_dir": out_dir}
    if pages is not None:
        base.update(raster_pages=pages, ocr_pages=pages, vlm_pages=pages)
    options = BenchOptions.quick_options(**base) if quick else BenchOptions(**base)
    try:
        report = run_bench(options, progress=lambda line: console.print(f"[dim]bench[/dim] {line}"))
    except ValueError as exc:
        raise _fail(EXIT_USAGE, str(exc)) from None
    finally:
        _stop_ray()
    if json_out:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    else:
        Console().print(render(report))
    raise typer.Exit(EXIT_OK if report.all_passed else EXIT_FAILED_DOCS)


_METAVARS = {"int": "N", "float": "NUMBER", "path": "PATH", "str": "TEXT"}


def readable_help(command):
    """Help that reads like a CLI: `INPUT...` not `{inputs}...`, no `<bool>` on flags, and value
    placeholders (TEXT, N, PATH) instead of Python types such as `<list[str]>`."""
    import click

    commands = getattr(command, "commands", {}) or {}
    for sub in [command, *commands.values()]:
        if getattr(sub, "commands", None) and sub is not command:
            readable_help(sub)
        for param in getattr(sub, "params", []):
            if param.param_type_name == "argument":
                name = (param.metavar or param.name or "ARG").upper()
                param.display_type_rich = lambda ctx: None
                param.get_usage_pieces = (lambda ctx, name=name, many=param.nargs != 1:
                                          [name + ("..." if many else "")])
                param.metavar = name
            elif getattr(param, "is_flag", False) or param.name == "help":
                param.display_type_rich = lambda ctx: None
            elif param.metavar is None:
                label = param.display_type(click.Context(sub)).strip("<>")
                base = label.removeprefix("list[").removesuffix("]")
                param.metavar = _METAVARS.get(base, base.upper())
        help_option = sub.get_help_option(click.Context(sub))
        if help_option is not None:
            help_option.display_type_rich = lambda ctx: None
    return command


HELP_WIDTH_NOT_A_TERMINAL = 120  # columns of --help when stdout is not a terminal (piped, CI)


def _help_width() -> None:
    """Help piped to a file or a pager is laid out 120 columns wide (rich's default there is 80, which
    cuts long option names such as `--raster-workers,--workers` to an ellipsis); TERMINAL_WIDTH wins."""
    if not os.environ.get("TERMINAL_WIDTH") and not sys.stdout.isatty():
        import typer.rich_utils

        typer.rich_utils.MAX_WIDTH = HELP_WIDTH_NOT_A_TERMINAL


def main() -> None:
    _help_width()
    readable_help(typer.main.get_command(app))(prog_name="docpipe")


if __name__ == "__main__":
    main()
