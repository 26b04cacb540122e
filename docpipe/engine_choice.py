"""`--engine auto|vlm|offline`: decide in the driver, in seconds, before any worker starts."""

from __future__ import annotations

from pydantic import BaseModel

from docpipe.config import ConfigError, RunConfig
from docpipe.engines.base import EngineUnavailable


class EngineDecision(BaseModel):
    engine: str  # "vlm" | "offline"
    model: str | None = None  # what workers pass to from_pretrained
    model_label: str | None = None  # what the user asked for
    model_revision: str | None = None
    box_format: str = "rel_1"
    notice: str | None = None
    compute: str = ""  # vlm: the device the model runs on (cpu / cuda), which decides its dtype and output


def choose_engine(config: RunConfig) -> EngineDecision:
    """The VLM when its weights are here; for `auto` otherwise the offline engine, with a notice.

    Only the pipeline's *default* model may fall back: a model the user named (`--model`) that
    cannot be loaded is a usage error (ConfigError, exit 2), whatever `--engine` says. `--engine
    vlm` never falls back either: a scheduled job must not change quality silently, so a missing
    default model raises EngineUnavailable (fatal, exit 3).
    """
    if config.engine == "offline":
        if config.explicit_model:
            raise ConfigError("--model names a model, but --engine offline uses none; drop one of them")
        return EngineDecision(engine="offline")
    from docpipe.engines.loading import resolve_model
    from docpipe.engines.profiles import profile_for

    requested = config.pipeline.model
    try:
        resolved = resolve_model(requested, config.pipeline.model_revision)
    except EngineUnavailable as exc:
        if config.explicit_model:
            raise ConfigError(f"--model {requested}: {_one_line(exc)}") from exc
        if config.engine == "vlm":
            raise
        return EngineDecision(
            engine="offline",
            notice=f"{_one_line(exc)} Using the offline engine (--engine vlm fails instead).",
        )
    profile = profile_for(resolved.model_type)
    return EngineDecision(engine="vlm", model=resolved.path, model_label=requested,
                          model_revision=resolved.revision, box_format=profile.box_format,
                          compute=_compute(config))


def _compute(config: RunConfig) -> str:
    """The device a VLM will run on: it decides the dtype (float32 on CPU, bf16/fp16 on CUDA) and so
    the output, hence part of the work key. `auto` is resolved here for a local run; on a cluster
    (--ray-address) the workers' devices are not known to the driver and it stays `auto`."""
    if config.device != "auto":
        return config.device
    if config.ray_address:
        return "auto"
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def unsupported_tasks(engine: str, tasks: list[str]) -> list[str]:
    """The pipeline tasks `engine` cannot do (checked before a run starts, so it refuses up front)."""
    if engine == "offline":
        from docpipe.processing.offline import OFFLINE_TASKS

        return [t for t in tasks if t not in OFFLINE_TASKS]
    return []


def _one_line(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text if text.endswith(".") else f"{text}."
