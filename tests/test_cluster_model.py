"""What workers are told to load on a cluster: never a path on the driver's disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docpipe.config import ConfigError, RunConfig, load_pipeline
from docpipe.engine_choice import EngineDecision
from docpipe.engines.loading import materialize_model, resolve_model
from docpipe.runner import model_for_workers
from docpipe.storage.uri import filesystem


def _config(tmp_path: Path, ray_address: str | None) -> RunConfig:
    return RunConfig(inputs=[str(tmp_path)], out_dir=tmp_path / "out", pipeline=load_pipeline("invoice"),
                     ray_address=ray_address)


def test_embedded_ray_loads_the_drivers_folder_and_a_cluster_never_does(tmp_path, monkeypatch):
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    local = tmp_path / "my-model"
    local.mkdir()
    decision = EngineDecision(engine="vlm", model=str(local), model_label=str(local), model_revision="local:1")
    assert model_for_workers(_config(tmp_path, None), decision) == str(local)
    with pytest.raises(ConfigError, match="workers on other nodes cannot read"):
        model_for_workers(_config(tmp_path, "127.0.0.1:6379"), decision)
    cached = EngineDecision(engine="vlm", model="/root/.cache/huggingface/hub/models--org--m/snapshots/abc",
                            model_label="org/m", model_revision="abc")
    assert model_for_workers(_config(tmp_path, "127.0.0.1:6379"), cached) == "org/m"  # hub id, not the cache path
    remote = EngineDecision(engine="vlm", model="s3://b/models/m", model_label="s3://b/models/m", model_revision="uri:1")
    assert model_for_workers(_config(tmp_path, "127.0.0.1:6379"), remote) == "s3://b/models/m"
    monkeypatch.setenv("RAY_ADDRESS", "127.0.0.1:6379")  # a submitted job: the address comes from Ray
    assert model_for_workers(_config(tmp_path, None), cached) == "org/m"


def test_a_model_in_object_storage_is_resolved_on_the_driver_and_copied_once_per_worker_machine(
        bucket, tmp_path, monkeypatch):
    fs, _ = filesystem("s3://x")
    fs.pipe_file(f"{bucket}/models/tiny/config.json", json.dumps({"model_type": "llava"}).encode())
    fs.pipe_file(f"{bucket}/models/tiny/model.safetensors", b"weights")
    fs.pipe_file(f"{bucket}/models/tiny/tokenizer/vocab.json", b"{}")
    uri = f"s3://{bucket}/models/tiny"
    resolved = resolve_model(uri)
    assert resolved.origin == "uri" and resolved.path == uri and resolved.model_type == "llava"
    assert resolved.revision.startswith("uri:")
    monkeypatch.setenv("DOCPIPE_MODEL_CACHE", str(tmp_path / "cache"))
    local = Path(materialize_model(uri, resolved.revision))
    assert (local / "model.safetensors").read_bytes() == b"weights"
    assert (local / "tokenizer" / "vocab.json").is_file()
    fs.rm_file(f"{bucket}/models/tiny/model.safetensors")  # a second call copies nothing
    assert Path(materialize_model(uri, resolved.revision)) == local
    fs.pipe_file(f"{bucket}/models/tiny/model.safetensors", b"new weights")
    assert resolve_model(uri).revision != resolved.revision  # new weights, new revision, new work keys
