"""Find model files locally, or decide within seconds that they cannot be had.

A batch job must never hang on the network: a local directory is used as is, a hub id is
looked up in the local Hugging Face cache first, and only when it is not cached is the hub
probed once with a short timeout (never when HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE is set).
Whatever is returned is a local directory, so the loader can always pass local_files_only=True.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from docpipe.engines.base import EngineUnavailable
from docpipe.engines.profiles import profile_for

DEFAULT_ENDPOINT = "https://huggingface.co"
DEFAULT_PROBE_TIMEOUT_S = 2.5
_COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")
_TRUE = {"1", "on", "yes", "true"}
# Files a VLM needs; skips duplicate .bin/.pth/.onnx/.gguf weights some repos also carry.
_DOWNLOAD_PATTERNS = ["*.json", "*.safetensors", "*.jinja", "*.txt", "*.model", "*.tiktoken"]


class ResolvedModel(BaseModel):
    """Where a model's files are, and which version they are (for provenance)."""

    model: str  # as the user asked for it
    path: str  # local directory to pass to from_pretrained (always with local_files_only=True)
    revision: str | None = None  # commit hash, or "local:<sha of config.json>" for a plain dir
    is_local: bool  # the user gave a directory, not a hub id
    origin: Literal["local_dir", "hub_cache", "hub_download", "uri"]
    model_type: str | None = None  # config.json model_type; selects the ModelProfile


def hub_offline() -> bool:
    """Read at call time, not import time, so tests and late env changes are honoured."""
    return any(
        os.environ.get(name, "").strip().lower() in _TRUE for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def hub_cache_dir() -> Path:
    if cache := os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE"):
        return Path(cache).expanduser()
    if home := os.environ.get("HF_HOME"):
        return Path(home).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "huggingface" / "hub"


def hub_endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", DEFAULT_ENDPOINT).rstrip("/")


def probe_hub(
    model: str | None = None, endpoint: str | None = None, timeout_s: float = DEFAULT_PROBE_TIMEOUT_S
) -> int | None:
    """One HEAD request for the model's API page, no retries: the HTTP status, None if no answer.

    Runs in a daemon thread joined with a deadline because DNS resolution ignores socket
    timeouts and can otherwise stall for tens of seconds on a machine without network.
    """
    path = f"/api/models/{model}" if model else "/api/models?limit=1"
    url = f"{endpoint or hub_endpoint()}{path}"
    answer: list[int | None] = []

    def attempt() -> None:
        request = urllib.request.Request(url, method="HEAD", headers={"User-Agent": "docpipe"})
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:
                answer.append(int(response.status))
        except urllib.error.HTTPError as exc:
            answer.append(int(exc.code))
        except Exception:  # noqa: BLE001 - any other failure means "nothing answered"
            answer.append(None)

    thread = threading.Thread(target=attempt, name="docpipe-hub-probe", daemon=True)
    thread.start()
    thread.join(timeout_s + 0.5)
    return answer[0] if answer else None


def _read_config(directory: Path, model: str) -> dict[str, object]:
    config_path = directory / "config.json"
    if not config_path.is_file():
        raise EngineUnavailable(f"model {model!r}: {directory} has no config.json (not a transformers model folder)")
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EngineUnavailable(f"model {model!r}: cannot read {config_path}: {exc}") from exc
    if not isinstance(config, dict):
        raise EngineUnavailable(f"model {model!r}: {config_path} is not a JSON object")
    return config


def _check_weights(directory: Path, model: str) -> None:
    # Fail in the driver, in milliseconds, rather than in every worker after loading the processor.
    if not any(directory.glob("*.safetensors")) and not any(directory.glob("*.bin")):
        raise EngineUnavailable(f"model {model!r}: {directory} has no weight files (*.safetensors or *.bin)")


def _check_runtime(model: str, model_type: str | None) -> None:
    # transformers 5 builds these processors with a torchvision video processor; without it
    # every worker would fail after startup, so say so here, where --engine auto can fall back.
    if profile_for(model_type).needs_torchvision and importlib.util.find_spec("torchvision") is None:
        raise EngineUnavailable(
            f"model {model!r} ({model_type}) needs torchvision for its processor, which is not installed: "
            "pip install torchvision (the build matching your torch), or use --engine offline."
        )


def _local_revision(directory: Path, config: dict[str, object]) -> str:
    """The revision recorded for a model directory: what identifies its output.

    A directory inside the HF cache carries its commit. Any other folder gets a content
    fingerprint (`local:<12 hex>`) of everything that changes what the model answers: every
    JSON/Jinja/text file in full (config, generation config, weights index, tokenizer, processor,
    chat template) and, per weight file, its size, modification time and 64 blocks of 64 KiB
    spread over it, so weights written again into the same folder get a new revision without
    reading gigabytes. A copy of an unchanged folder (new modification times) gets a new revision
    too: that costs a re-run, never a stale result.
    """
    if directory.parent.name == "snapshots" and _COMMIT_RE.match(directory.name):
        return directory.name
    commit = config.get("_commit_hash")
    if isinstance(commit, str) and commit:
        return commit
    return f"local:{model_fingerprint(directory)[:12]}"


_SMALL_SUFFIXES = (".json", ".jinja", ".txt", ".model", ".tiktoken", ".py")
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".gguf")
_SAMPLE_BLOCKS, _SAMPLE_BYTES = 64, 64 * 1024


def model_fingerprint(directory: Path) -> str:
    """sha256 hex over a model folder's small files (whole) and weight files (size, mtime, sampled blocks)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        name = path.relative_to(directory).as_posix()
        if path.suffix in _SMALL_SUFFIXES:
            digest.update(f"{name}\x00".encode())
            digest.update(path.read_bytes())
        elif path.suffix in _WEIGHT_SUFFIXES:
            stat = path.stat()
            size = stat.st_size
            digest.update(f"{name}\x00{size}\x00{stat.st_mtime_ns}\x00".encode())
            with path.open("rb") as handle:
                for k in range(_SAMPLE_BLOCKS):
                    handle.seek(max(0, (size - _SAMPLE_BYTES) * k // max(1, _SAMPLE_BLOCKS - 1)))
                    digest.update(handle.read(_SAMPLE_BYTES))
    return digest.hexdigest()


def _model_type(config: dict[str, object]) -> str | None:
    value = config.get("model_type")
    return value if isinstance(value, str) else None


def hub_download_command() -> str:
    """The download command of the installed huggingface_hub: `hf` (≥ 0.34) or `huggingface-cli`."""
    import importlib.metadata

    try:
        scripts = {e.name for e in importlib.metadata.distribution("huggingface_hub").entry_points
                   if e.group == "console_scripts"}
    except importlib.metadata.PackageNotFoundError:
        scripts = set()
    return "hf download" if "hf" in scripts else "huggingface-cli download"


def _unavailable(model: str, reason: str) -> EngineUnavailable:
    return EngineUnavailable(
        f"model {model!r} is not available: {reason}; download it where the hub is reachable "
        f"(`{hub_download_command()} {model} --local-dir DIR`) and pass --model DIR, or use --engine offline"
    )


def _looks_like_path(model: str) -> bool:
    return model.startswith(("/", ".", "~")) or model.count("/") > 1 or "\\" in model


def _cached_snapshot(model: str, revision: str | None) -> Path | None:
    from huggingface_hub import snapshot_download

    try:
        path = snapshot_download(
            model, revision=revision, cache_dir=hub_cache_dir(), local_files_only=True
        )
    except Exception:  # noqa: BLE001 - any miss (not cached, bad id, partial) means "not cached"
        return None
    snapshot = Path(path)
    return snapshot if (snapshot / "config.json").is_file() else None


def _download_snapshot(model: str, revision: str | None) -> Path:
    from huggingface_hub import snapshot_download

    try:
        path = snapshot_download(
            model,
            revision=revision,
            cache_dir=hub_cache_dir(),
            allow_patterns=_DOWNLOAD_PATTERNS,
            etag_timeout=10,
            endpoint=hub_endpoint(),
        )
    except Exception as exc:  # noqa: BLE001 - gated, missing, interrupted: all fatal here
        raise _unavailable(model, f"download failed ({type(exc).__name__}: {exc})") from exc
    return Path(path)


def resolve_model(
    model: str,
    revision: str | None = None,
    *,
    allow_download: bool = True,
    probe_timeout_s: float = DEFAULT_PROBE_TIMEOUT_S,
) -> ResolvedModel:
    """Turn `model` (a directory, a hub id or an object-store URI) into where its files are.

    A directory or hub id resolves to a local directory; a URI (s3://bucket/models/x) stays a URI
    (workers copy it with materialize_model), its config read from the store. Raises
    EngineUnavailable.
    """
    from docpipe.storage.uri import is_remote

    if is_remote(model):
        return _resolve_uri(model)
    directory = Path(model).expanduser()
    if directory.is_dir():
        directory = directory.resolve()
        config = _read_config(directory, model)
        _check_weights(directory, model)
        _check_runtime(model, _model_type(config))
        return ResolvedModel(
            model=model,
            path=str(directory),
            revision=_local_revision(directory, config),
            is_local=True,
            origin="local_dir",
            model_type=_model_type(config),
        )
    if _looks_like_path(model):
        raise EngineUnavailable(f"model directory {model!r} does not exist (or use --engine offline)")

    snapshot = _cached_snapshot(model, revision)
    origin: Literal["hub_cache", "hub_download"] = "hub_cache"
    if snapshot is None:
        if hub_offline():
            raise _unavailable(model, "not in the local Hugging Face cache and HF_HUB_OFFLINE is set")
        if not allow_download:
            raise _unavailable(model, "not in the local Hugging Face cache and downloads are disabled")
        status = probe_hub(model, timeout_s=probe_timeout_s)
        if status is None:
            raise _unavailable(model, f"not in the local Hugging Face cache and {hub_endpoint()} is unreachable")
        if status == 404:
            raise _unavailable(model, f"not in the local Hugging Face cache and not found at {hub_endpoint()}")
        if not (200 <= status < 300 or status in (401, 403)):  # 401/403: gated, a token may help
            raise _unavailable(model, f"not in the local Hugging Face cache; {hub_endpoint()} answered {status}")
        snapshot = _download_snapshot(model, revision)
        origin = "hub_download"
    config = _read_config(snapshot, model)
    _check_weights(snapshot, model)
    _check_runtime(model, _model_type(config))
    return ResolvedModel(
        model=model,
        path=str(snapshot),
        revision=_local_revision(snapshot, config),
        is_local=False,
        origin=origin,
        model_type=_model_type(config),
    )


def _resolve_uri(model: str) -> ResolvedModel:
    """A model folder in an object store: config and weight files checked, a revision from their ETags."""
    from docpipe.storage.uri import filesystem

    fs, path = filesystem(model)
    try:
        listed = fs.find(path, detail=True)
        config = json.loads(fs.cat_file(f"{path.rstrip('/')}/config.json"))
    except FileNotFoundError:
        raise EngineUnavailable(f"model {model!r}: no config.json there (not a transformers model folder)") from None
    except (OSError, ValueError) as exc:
        raise EngineUnavailable(f"model {model!r}: cannot read it ({' '.join(str(exc).split())})") from None
    if not isinstance(config, dict):
        raise EngineUnavailable(f"model {model!r}: config.json is not a JSON object")
    names = sorted(listed)
    if not any(n.endswith((".safetensors", ".bin")) for n in names):
        raise EngineUnavailable(f"model {model!r} has no weight files (*.safetensors or *.bin)")
    _check_runtime(model, _model_type(config))
    identity = "\n".join(f"{n}\t{listed[n].get('size')}\t{listed[n].get('ETag') or listed[n].get('etag') or ''}"
                         for n in names)
    return ResolvedModel(model=model, path=model, revision=f"uri:{hashlib.sha256(identity.encode()).hexdigest()[:16]}",
                         is_local=False, origin="uri", model_type=_model_type(config))


def model_cache_dir() -> Path:
    """Where workers keep models copied from object stores (DOCPIPE_MODEL_CACHE, else ~/.cache/docpipe/models)."""
    configured = os.environ.get("DOCPIPE_MODEL_CACHE")
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "docpipe" / "models"


def materialize_model(model: str, revision: str | None = None) -> str:
    """A local directory with the model's files, on the machine this runs on (a worker).

    A local directory is used as is; a hub id is resolved through this machine's HF cache (or
    downloaded, like on the driver); a URI is copied once per revision into model_cache_dir()
    (into a temporary sibling first, then renamed, so a half-copied model is never used).
    """
    from docpipe.storage.uri import filesystem, is_remote

    if not is_remote(model):
        directory = Path(model).expanduser()
        if directory.is_dir():
            return str(directory)
        return resolve_model(model, revision).path
    key = hashlib.sha256(f"{model}\n{revision or ''}".encode()).hexdigest()[:16]
    target = model_cache_dir() / key
    if (target / "config.json").is_file():
        return str(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fs, path = filesystem(model)
    staging = target.with_name(f".{key}.{os.getpid()}.tmp")
    base = path.rstrip("/") + "/"
    try:
        for name in fs.find(path):
            local = staging / name[len(base):]
            local.parent.mkdir(parents=True, exist_ok=True)
            fs.get_file(name, str(local))
        try:
            os.replace(staging, target)
        except OSError:  # another worker on this machine finished first
            pass
    finally:
        import shutil

        shutil.rmtree(staging, ignore_errors=True)
    if not (target / "config.json").is_file():
        raise EngineUnavailable(f"model {model!r}: copying it to {target} failed")
    return str(target)
