"""Schema and pipeline discovery: built-ins, a user's ./schemas, path.py:Model, validation."""

from __future__ import annotations

import textwrap

import pytest

from docpipe.config import ConfigError, PipelineSpec, load_pipeline, pipeline_for_schema
from docpipe.schema_registry import available_schemas, load_schema

USER_SCHEMA = textwrap.dedent('''
    from decimal import Decimal
    from pydantic import BaseModel, Field

    class PurchaseOrder(BaseModel):
        po_number: str | None = Field(None, description="Order number")
        amount: Decimal | None = None

    class Other(BaseModel):
        x: int = 0
''')


def test_builtin_schemas_and_their_analyst_facing_fields(tmp_path):
    names = set(available_schemas(tmp_path))
    assert {"invoice", "receipt", "chart", "page"} <= names
    invoice = load_schema("invoice", tmp_path).model
    assert list(invoice.model_fields) == [
        "invoice_number", "issue_date", "due_date", "seller_name", "seller_address", "buyer_name",
        "buyer_address", "currency", "subtotal", "discount_total", "tax_total", "total", "line_items"]
    receipt = load_schema("receipt", tmp_path).model
    assert list(receipt.model_fields) == ["merchant_name", "merchant_address", "date", "total", "currency", "items"]


def test_user_schema_file_with_model_name(tmp_path):
    path = tmp_path / "po.py"
    path.write_text(USER_SCHEMA)
    loaded = load_schema(f"{path}:PurchaseOrder", tmp_path)
    assert loaded.model.__name__ == "PurchaseOrder" and loaded.name == "po"
    with pytest.raises(ConfigError, match="set `SCHEMA = YourModel`"):
        load_schema(str(path), tmp_path)  # two models, no SCHEMA: ambiguous
    with pytest.raises(ConfigError, match="no pydantic model named"):
        load_schema(f"{path}:Missing", tmp_path)


def test_local_schemas_folder_overrides_builtin(tmp_path):
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "invoice.py").write_text(USER_SCHEMA + "\nSCHEMA = PurchaseOrder\n")
    assert load_schema("invoice", tmp_path).model.__name__ == "PurchaseOrder"


def test_schema_hash_is_stable_and_content_based(tmp_path):
    assert load_schema("invoice", tmp_path).hash == load_schema("invoice", tmp_path).hash
    assert load_schema("invoice", tmp_path).hash != load_schema("receipt", tmp_path).hash


def test_errors_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="unknown schema 'nope'"):
        load_schema("nope", tmp_path)
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('boom')\n")
    with pytest.raises(ConfigError, match="failed to import"):
        load_schema(str(broken), tmp_path)
    with pytest.raises(ConfigError, match="unknown pipeline"):
        load_pipeline("nope", tmp_path)


def test_builtin_pipelines_validate(tmp_path):
    for name in ("invoice", "receipt", "charts", "ocr"):
        spec = load_pipeline(name, tmp_path)
        assert spec.model and spec.tasks
    assert load_pipeline("charts", tmp_path).tasks == ["chart_qa", "ground"]
    assert pipeline_for_schema("receipt", tmp_path).schema_ == "receipt"
    custom = pipeline_for_schema("my_schema.py:Model", tmp_path)
    assert custom.tasks == ["extract", "ground"] and custom.schema_ == "my_schema.py:Model"


def test_pipeline_file_rejects_unknown_keys_and_tasks(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name="x"\nschema="invoice"\ntasks=["extract","dance"]\nmodel="m"\n')
    with pytest.raises(ConfigError, match="invalid pipeline"):
        load_pipeline(str(bad), tmp_path)
    with pytest.raises(ValueError):
        PipelineSpec(name="x", schema="invoice", tasks=["ground"], model="m")


def test_command_line_overrides_apply_and_validate(tmp_path):
    spec = load_pipeline("invoice", tmp_path).model_copy(update={"model_revision": "abc123"})
    same = spec.with_overrides()
    assert same == spec
    changed = spec.with_overrides(schema="receipt", model="./my-model", dpi=200, batch_size=2, max_new_tokens=512)
    assert (changed.schema_, changed.model, changed.raster.dpi, changed.batch.infer,
            changed.limits.max_new_tokens) == ("receipt", "./my-model", 200, 2, 512)
    assert changed.model_revision is None  # the declared revision named a commit of the declared model
    assert changed.raster.max_pixels == spec.raster.max_pixels and changed.batch.raster == spec.batch.raster
    assert spec.with_overrides(revision="v2").model_revision == "v2"
    assert spec.raster.dpi != 200  # the original is left as declared
    with pytest.raises(ValueError):
        spec.with_overrides(dpi=5)
    with pytest.raises(ValueError):
        spec.with_overrides(max_new_tokens=3)


def test_folder_walk_skips_sidecar_metadata_but_not_disguised_documents(tmp_path):
    from docpipe.discover import discover

    (tmp_path / "truth.jsonl").write_text('{"file": "a.pdf"}\n')
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "scan.txt").write_bytes(b"%PDF-1.4\n%junk")  # a PDF with a misleading name is an input
    found = {p.source_path.rsplit("/", 1)[-1] for p in discover([str(tmp_path)])}
    assert found == {"scan.txt"}
    explicit = discover([str(tmp_path / "notes.txt")])
    assert len(explicit) == 1 and explicit[0].error is not None  # named explicitly: always a row
