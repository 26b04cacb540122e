from __future__ import annotations

import http.server
import importlib.util
import json
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from docpipe.engines.base import EngineUnavailable
from docpipe.engines.loading import probe_hub, resolve_model

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def offline_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    cache = tmp_path / "hf_cache"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return cache


def _fake_hub_cache(cache: Path, repo_id: str, source: Path) -> Path:
    """The layout huggingface_hub writes: models--org--name/{refs/main, snapshots/<commit>/...}."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / COMMIT
    shutil.copytree(source, snapshot)
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(COMMIT)
    return snapshot


def test_local_dir_is_used_directly(tiny_llava_dir: Path) -> None:
    resolved = resolve_model(str(tiny_llava_dir))
    assert resolved.is_local and resolved.origin == "local_dir"
    assert Path(resolved.path) == tiny_llava_dir.resolve()
    assert resolved.model_type == "llava"
    assert resolved.revision is not None and resolved.revision.startswith("local:")
    assert resolve_model(str(tiny_llava_dir)).revision == resolved.revision


def test_missing_hub_model_offline_fails_fast_with_guidance(offline_env: Path) -> None:
    with pytest.raises(EngineUnavailable) as info:
        resolve_model("acme/no-such-vlm")
    message = str(info.value)
    assert "acme/no-such-vlm" in message
    assert "--model" in message and "--engine offline" in message
    assert "hf download acme/no-such-vlm" in message  # the installed huggingface_hub ships `hf`


def test_transformers_offline_env_is_honoured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    # An endpoint that would hang if contacted: offline mode must not even try.
    monkeypatch.setenv("HF_ENDPOINT", "http://10.255.255.1")
    with pytest.raises(EngineUnavailable, match="HF_HUB_OFFLINE"):
        resolve_model("acme/other-vlm", probe_timeout_s=60)


def test_cached_hub_snapshot_resolves_to_commit(offline_env: Path, tiny_llava_dir: Path) -> None:
    snapshot = _fake_hub_cache(offline_env, "acme/tiny-llava", tiny_llava_dir)
    resolved = resolve_model("acme/tiny-llava")
    assert resolved.origin == "hub_cache" and not resolved.is_local
    assert Path(resolved.path) == snapshot
    assert resolved.revision == COMMIT
    assert resolved.model_type == "llava"
    # The same snapshot given as a directory keeps its commit as the revision.
    assert resolve_model(str(snapshot)).revision == COMMIT


@pytest.fixture
def online_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A TCP port that accepts connections (kernel backlog) but never answers a request."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


def test_unreachable_hub_is_reported_not_waited_on(
    online_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound but not listening: connections are refused
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
        with pytest.raises(EngineUnavailable) as info:
            resolve_model("acme/unreachable-vlm", probe_timeout_s=1.0)
    assert "acme/unreachable-vlm" in str(info.value)
    assert "unreachable" in str(info.value)


def test_silent_hub_is_given_up_on(online_env: None, monkeypatch: pytest.MonkeyPatch, silent_endpoint: str) -> None:
    monkeypatch.setenv("HF_ENDPOINT", silent_endpoint)
    assert probe_hub("acme/x", timeout_s=0.3) is None
    with pytest.raises(EngineUnavailable, match="unreachable"):
        resolve_model("acme/silent-vlm", probe_timeout_s=0.3)


def test_hub_answering_not_found_is_unavailable(
    online_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    class NotFound(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self) -> None:  # noqa: N802 - http.server naming
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        endpoint = f"http://127.0.0.1:{server.server_address[1]}"
        monkeypatch.setenv("HF_ENDPOINT", endpoint)
        assert probe_hub("acme/missing", timeout_s=2.0) == 404
        with pytest.raises(EngineUnavailable, match="not found"):
            resolve_model("acme/missing", probe_timeout_s=2.0)
    finally:
        server.shutdown()
        server.server_close()


def test_missing_directory_is_not_treated_as_a_hub_id(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailable, match="does not exist"):
        resolve_model(str(tmp_path / "nowhere" / "model"))


def test_directory_without_config_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailable, match="config.json"):
        resolve_model(str(tmp_path))


def test_directory_without_weights_is_rejected(tmp_path: Path, tiny_llava_dir: Path) -> None:
    shutil.copy(tiny_llava_dir / "config.json", tmp_path / "config.json")
    with pytest.raises(EngineUnavailable, match="weight"):
        resolve_model(str(tmp_path))


def test_family_needing_missing_torchvision_is_unavailable(
    tmp_path: Path, tiny_llava_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(tiny_llava_dir, tmp_path / "qwen", dirs_exist_ok=True)
    config = json.loads((tmp_path / "qwen" / "config.json").read_text())
    (tmp_path / "qwen" / "config.json").write_text(json.dumps({**config, "model_type": "qwen2_5_vl"}))
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "torchvision" else real_find_spec(name, *a)
    )
    with pytest.raises(EngineUnavailable, match="torchvision"):
        resolve_model(str(tmp_path / "qwen"))
