"""docpipe run on sample_docs/ through an embedded Ray: both engines, typed datasets, provenance, resume."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as pads
import pytest

from docpipe.config import RunConfig, load_pipeline
from docpipe.progress import JsonReporter
from docpipe.runner import execute

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_docs"
STATUSES = {"ok", "partial", "failed", "skipped"}


def _sample_inputs() -> list[Path]:
    return sorted(p for p in SAMPLES.iterdir() if p.suffix.lower() in {".pdf", ".jpg", ".jpeg", ".png", ".tiff", ".tif"})


@pytest.fixture(scope="module")
def ray_session():
    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def _config(out: Path, **kw) -> RunConfig:
    pipeline = load_pipeline("invoice")
    if "model" in kw:
        pipeline = pipeline.model_copy(update={"model": kw.pop("model")})
    limits = kw.pop("max_new_tokens", None)
    if limits:
        pipeline = pipeline.model_copy(update={"limits": pipeline.limits.model_copy(update={"max_new_tokens": limits})})
    return RunConfig(inputs=[str(SAMPLES)], out_dir=out, pipeline=pipeline, **kw)


def _documents(out: Path) -> pa.Table:
    return pads.dataset(out / "documents", format="parquet").to_table()


def _pages(out: Path) -> pa.Table:
    return pads.dataset(out / "pages", format="parquet").to_table()


@pytest.fixture(scope="module")
def offline_run(ray_session, tmp_path_factory):
    out = tmp_path_factory.mktemp("offline") / "out"
    return out, execute(_config(out, engine="offline"), JsonReporter())


def test_invoice_arrow_schema_column_by_column(offline_run):
    out, _ = offline_run
    schema = pads.dataset(out / "documents", format="parquet").schema
    expected = {
        "doc_id": pa.string(), "row_key": pa.string(), "source_path": pa.string(), "page_count": pa.int64(),
        "status": pa.string(), "schema": pa.string(), "schema_hash": pa.string(), "pipeline": pa.string(),
        "engine": pa.string(), "model": pa.string(), "model_revision": pa.string(), "prompt_hash": pa.string(),
        "run_id": pa.string(), "processed_at": pa.timestamp("us", tz="UTC"),
        "invoice_number": pa.string(), "issue_date": pa.date32(), "due_date": pa.date32(),
        "seller_name": pa.string(), "seller_address": pa.string(), "buyer_name": pa.string(),
        "buyer_address": pa.string(), "currency": pa.string(), "subtotal": pa.decimal128(18, 4),
        "tax_total": pa.decimal128(18, 4), "total": pa.decimal128(18, 4),
        "ungrounded_count": pa.int64(),
    }
    for name, arrow_type in expected.items():
        assert schema.field(name).type == arrow_type, name
    line_item = schema.field("line_items").type
    assert pa.types.is_list(line_item)
    item = line_item.value_type
    assert [item.field(i).name for i in range(item.num_fields)] == ["description", "quantity", "unit_price", "amount"]
    assert item.field("amount").type == pa.decimal128(18, 4)
    error = schema.field("error").type
    assert {error.field(i).name for i in range(error.num_fields)} >= {"category", "message"}
    grounding = schema.field("grounding").type.value_type
    assert {grounding.field(i).name for i in range(grounding.num_fields)} >= {
        "field", "page_index", "bbox", "text", "score", "grounded", "source"}
    names = schema.names
    # Column order: identity and provenance, then the schema's fields, then grounding.
    assert names.index("processed_at") < names.index("invoice_number") < names.index("line_items") < names.index("grounding")
    meta = {k.decode(): v.decode() for k, v in (schema.metadata or {}).items()}
    assert json.loads(meta["docpipe.schema_json"])["title"] == "Invoice"
    assert json.loads(meta["docpipe.run_config"])["pipeline"]["name"] == "invoice"
    assert "passwords" not in meta["docpipe.run_config"]


def test_offline_engine_end_to_end_then_resume_does_nothing(offline_run):
    out, summary = offline_run
    inputs = _sample_inputs()
    docs = _documents(out).to_pylist()
    assert len(docs) == len(inputs) == summary.processed
    assert {Path(d["source_path"]).name for d in docs} == {p.name for p in inputs}
    assert len({d["doc_id"] for d in docs}) == len(docs)
    assert all(d["status"] in STATUSES for d in docs)
    assert all(d["engine"] == "offline" and d["model"] is None for d in docs)
    pages = _pages(out).to_pylist()
    assert len(pages) == sum(d["page_count"] for d in docs)
    for d in docs:
        own = sorted(p["page_index"] for p in pages if p["doc_id"] == d["doc_id"])
        assert own == list(range(d["page_count"]))
    invoices = [d for d in docs if d["source_path"].endswith(".pdf") and "invoice" in d["source_path"]]
    assert invoices and all(d["status"] in {"ok", "partial"} for d in invoices)
    for d in invoices:
        assert d["invoice_number"] and isinstance(d["total"], Decimal)
        # Offline values are grounded by construction: every non-null scalar has a verified box.
        grounded = {g["field"] for g in d["grounding"] if g["grounded"]}
        assert {"invoice_number", "total"} <= grounded
        for g in d["grounding"]:
            if g["grounded"]:
                x0, y0, x1, y1 = g["bbox"]
                assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1
    assert all(p["word_count"] > 0 for p in pages if p["status"] == "ok")

    again = execute(_config(out, engine="offline"), JsonReporter())
    assert again.processed == 0 and again.skipped_done == len(inputs)
    assert _documents(out).num_rows == len(inputs)


def test_vlm_engine_with_tiny_model_through_ray(ray_session, tmp_path, tiny_llava_dir):
    out = tmp_path / "out"
    summary = execute(_config(out, engine="vlm", model=str(tiny_llava_dir), max_new_tokens=48), JsonReporter())
    inputs = _sample_inputs()
    docs = _documents(out).to_pylist()
    assert len(docs) == len(inputs) == summary.processed
    for d in docs:
        assert d["engine"] == "vlm" and d["model"] == str(tiny_llava_dir)
        assert d["model_revision"] and d["prompt_hash"] and d["schema_hash"] and d["run_id"] == summary.run_id
        assert d["status"] in STATUSES
        if d["status"] == "failed":
            # A random model rarely closes the JSON inside 48 tokens: recorded, never a crash.
            assert d["error"]["category"] in {"token_budget", "invalid_output"}
    pages = _pages(out).to_pylist()
    assert len(pages) == sum(d["page_count"] for d in docs)
    for p in pages:
        assert p["engine"] == "vlm" and p["completion_tokens"] > 0
        assert [t["task"] for t in p["tasks"]][:1] == ["extract"]
        if p["status"] == "failed":
            assert p["raw_output"] is not None  # the model's text is kept for failures


def test_cli_main_command_without_a_model_falls_back_offline(tmp_path):
    """The README's main command on a machine with no model hub: completes with the ocr engine."""
    out = tmp_path / "out"
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(SAMPLES / "invoice_acme.pdf", inputs / "invoice_acme.pdf")
    env = {"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "docpipe", "run", str(inputs), "--schema", "invoice", "--out", str(out),
         "--log-format", "json"],
        capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path,
    )
    assert result.returncode in (0, 1), result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["engine"] == "offline" and summary["inputs"] == 1 and summary["by_status"] == {"ok": 1}
    assert any("Qwen/Qwen3-VL-2B-Instruct" in n for n in summary["notices"])
    assert (out / "_runs" / f"{summary['run_id']}.json").is_file()
    again = subprocess.run(
        [sys.executable, "-m", "docpipe", "run", str(inputs), "--schema", "invoice", "--out", str(out),
         "--engine", "vlm", "--log-format", "json"],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
    )
    # --engine vlm never falls back: fatal, with the model named and how to provide it.
    assert again.returncode == 3 and "Qwen/Qwen3-VL-2B-Instruct" in again.stderr and "--model" in again.stderr
    assert "Traceback" not in again.stderr


def _grounding_hits(out: Path, files: set[str]) -> tuple[int, int, list[str]]:
    from docpipe.tasks.boxes import iou

    rows = {Path(r["source_path"]).name: r for r in _documents(out).to_pylist()}
    hits, total, misses = 0, 0, []
    for line in (SAMPLES / "truth.jsonl").read_text().splitlines():
        truth = json.loads(line)
        if truth["file"] not in files:
            continue
        found = {g["field"]: g for g in rows[truth["file"]]["grounding"]}
        for field, where in truth["boxes"].items():
            total += 1
            g = found.get(field)
            if g and g["bbox"] and g["page_index"] == where["page_index"] and iou(tuple(g["bbox"]), tuple(where["bbox"])) >= 0.5:
                hits += 1
            else:
                misses.append(f"{truth['file']}:{field}")
    return hits, total, misses


@pytest.mark.parametrize("files", [
    {"invoice_acme.pdf", "invoice_mueller_2p.pdf"},  # native text layer
    {"invoice_scan.jpg", "invoice_multipage.tiff"},  # scanned: bundled OCR word layer
], ids=["native-text", "scanned"])
def test_offline_grounding_boxes_match_where_values_were_drawn(offline_run, files):
    out, _ = offline_run
    hits, total, misses = _grounding_hits(out, files)
    assert total > 40
    assert hits / total >= 0.95, f"{hits}/{total}; missed: {misses[:20]}"
