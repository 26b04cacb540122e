"""Command line. Thin: parse options, build a RunConfig, call the runner, map outcomes to exit codes.

Exit codes (documented in the README): 0 every document ok (or partial); 1 the run finished but
some documents failed; 2 usage or configuration error; 3 fatal runtime error (no model, output
not writable or locked, internal error).
"""

from __future__ import annotations

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

EXIT_OK, EXIT_FAILED_DOCS, EXIT_USAGE, EXIT_FATAL = 0, 1, 2, 3
console = Console(stderr=True)


def _fail(code: int, message: str) -> typer.Exit:
    console.print(f"[bold red]error:[/bold red] {message}", soft_wrap=True)
    return typer.Exit(code)


@app.command()
def run(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders (recursive) or glob patterns.")],
    schema: Annotated[Optional[str], typer.Option(help="Schema name, file.py or file.py:Model.")] = None,
    pipeline: Annotated[Optional[str], typer.Option(help="Pipeline name or .toml file.")] = None,
    out: Annotated[Path, typer.Option(help="Output folder (datasets documents/ and pages/).")] = Path("docpipe_out"),
    model: Annotated[Optional[str], typer.Option(help="HF model id or local model directory.")] = None,
    revision: Annotated[Optional[str], typer.Option(help="Model revision (hub commit or tag).")] = None,
    engine: Annotated[str, typer.Option(help="auto | vlm | offline. auto falls back to offline without a model.")] = "auto",
    ocr_engine: Annotated[str, typer.Option(help="Word layer for scans: rapidocr | tesseract.")] = "rapidocr",
    question: Annotated[Optional[list[str]], typer.Option("--question", "-q", help="Chart question (repeatable).")] = None,
    ray_address: Annotated[Optional[str], typer.Option(envvar="RAY_ADDRESS", help="Join this Ray cluster.")] = None,
    device: Annotated[str, typer.Option(help="auto | cpu | cuda.")] = "auto",
    password: Annotated[Optional[list[str]], typer.Option("--password", help="PDF password to try (repeatable).")] = None,
    passwords_file: Annotated[Optional[Path], typer.Option(help="File with one PDF password per line.")] = None,
    max_pages: Annotated[Optional[int], typer.Option(help="Process at most N pages per document.")] = None,
    dpi: Annotated[Optional[int], typer.Option(help="Rasterization dpi (overrides the pipeline).")] = None,
    batch_size: Annotated[Optional[int], typer.Option(help="Pages per inference batch.")] = None,
    doc_timeout: Annotated[float, typer.Option(help="Seconds one document may spend in rasterization.")] = 300.0,
    max_new_tokens: Annotated[Optional[int], typer.Option(help="Token budget per model answer (overrides the pipeline).")] = None,
    workers: Annotated[Optional[int], typer.Option("--raster-workers", "--workers",
                                                   help="Rasterization workers (default: from CPU count).")] = None,
    ocr_workers: Annotated[Optional[int], typer.Option(help="OCR (word layer) workers (default: one per spare core).")] = None,
    infer_workers: Annotated[Optional[int], typer.Option(help="Inference workers (default: one per GPU, or one on CPU).")] = None,
    commit_every: Annotated[int, typer.Option(help="Commit output every N documents.")] = 32,
    recycle_after_pages: Annotated[int, typer.Option(help="Restart raster/OCR workers after N pages.")] = 2000,
    force: Annotated[bool, typer.Option("--force", help="Re-process documents already done.")] = False,
    retry_failed: Annotated[bool, typer.Option("--retry-failed/--no-retry-failed",
                                               help="Retry documents that failed in earlier runs.")] = True,
    log_format: Annotated[str, typer.Option(help="rich | json (JSON lines on stderr).")] = "rich",
) -> None:
    """Process documents and write Parquet datasets under --out."""
    started = time.monotonic()
    from docpipe.config import ConfigError, RunConfig, load_pipeline, pipeline_for_schema

    try:
        spec = load_pipeline(pipeline) if pipeline else pipeline_for_schema(schema or "invoice")
        spec = spec.with_overrides(schema=schema if pipeline else None, model=model, revision=revision,
                                   dpi=dpi, batch_size=batch_size, max_new_tokens=max_new_tokens)
        passwords = list(password or [])
        if passwords_file:
            passwords += [line.rstrip("\n") for line in passwords_file.read_text().splitlines() if line.strip()]
        if engine == "ocr":  # the offline engine's name before 0.2; scheduled jobs keep working
            console.print("[yellow]notice:[/yellow] --engine ocr is now called --engine offline", soft_wrap=True)
            engine = "offline"
        if engine not in ("auto", "vlm", "offline"):
            raise ConfigError(f"--engine must be auto, vlm or offline (got {engine!r})")
        if log_format not in ("rich", "json"):
            raise ConfigError(f"--log-format must be rich or json (got {log_format!r})")
        config = RunConfig(inputs=inputs, out_dir=out, pipeline=spec, engine=engine, ocr_engine=ocr_engine,
                           questions=list(question or []), ray_address=ray_address, device=device,
                           passwords=passwords, max_pages=max_pages, doc_timeout_s=doc_timeout,
                           raster_workers=workers, ocr_workers=ocr_workers,
                           infer_workers=infer_workers, force=force, retry_failed=retry_failed,
                           commit_every_docs=commit_every, recycle_after_pages=recycle_after_pages)
    except (ConfigError, OSError) as exc:
        raise _fail(EXIT_USAGE, str(exc)) from None
    except Exception as exc:  # pydantic ValidationError on option values
        raise _fail(EXIT_USAGE, f"invalid options: {exc}") from None
    _execute(config, log_format, started)


def _execute(config, log_format: str, started: float) -> None:
    from docpipe.config import ConfigError
    from docpipe.engines.base import EngineUnavailable
    from docpipe.output.commit import OutputSchemaMismatch
    from docpipe.output.lock import OutputLocked, OutputNotWritable
    from docpipe.progress import JsonReporter, RichReporter
    from docpipe.runner import execute
    from docpipe.summary import failures_table, summary_table

    _quiet_libraries()
    reporter = JsonReporter() if log_format == "json" else RichReporter(console)
    try:
        summary = execute(config, reporter, started=started)
    except ConfigError as exc:
        raise _fail(EXIT_USAGE, str(exc)) from None
    except EngineUnavailable as exc:
        raise _fail(EXIT_FATAL, str(exc)) from None
    except OutputSchemaMismatch as exc:
        raise _fail(EXIT_USAGE, f"{exc}\n(use another --out for a different schema)") from None
    except (OutputLocked, OutputNotWritable) as exc:
        raise _fail(EXIT_FATAL, str(exc)) from None
    except KeyboardInterrupt:
        raise _fail(EXIT_FATAL, "interrupted; committed documents are kept, re-run to finish") from None
    except Exception as exc:  # noqa: BLE001 - a user sees a message, the traceback goes to the log
        logging.getLogger("docpipe").exception("internal error")
        raise _fail(EXIT_FATAL, f"internal error: {type(exc).__name__}: {exc}") from None
    finally:
        _stop_ray()
    if log_format == "json":
        sys.stdout.write(summary.model_dump_json() + "\n")
    else:
        out = Console()
        out.print(summary_table(summary))
        table = failures_table(summary)
        if table is not None:
            out.print(table)
        out.print(f"output: [bold]{config.out_dir}[/bold] (documents/, pages/, _runs/{summary.run_id}.json)")
    raise typer.Exit(EXIT_FAILED_DOCS if summary.any_failed else EXIT_OK)


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


@app.command("eval")
def eval_command(
    out: Annotated[Path, typer.Argument(help="Output folder of a run.")],
    truth: Annotated[Path, typer.Option(help="truth.jsonl: one object per document, keyed by file name.")],
    fields: Annotated[Optional[list[str]], typer.Option("--field", help="Fields to score (default: all).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Score a run's documents against expected values: accuracy and grounding per field."""
    from docpipe.evaluate import evaluate, render_eval

    if not (out / "documents").is_dir():
        raise _fail(EXIT_USAGE, f"{out} has no documents dataset")
    if not truth.is_file():
        raise _fail(EXIT_USAGE, f"truth file not found: {truth}")
    report = evaluate(out, truth, fields or None)
    if json_out:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    else:
        Console().print(render_eval(report))


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
             "pipeline-vlm, rss, startup.")] = None,
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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
