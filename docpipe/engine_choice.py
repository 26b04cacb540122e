"""`--engine auto|vlm|offline`: decide in the driver, in seconds, before any worker starts."""

from __future__ import annotations

from pydantic import BaseModel

from docpipe.config import RunConfig
from docpipe.engines.base import EngineUnavailable


class EngineDecision(BaseModel):
    engine: str  # "vlm" | "offline"
    model: str | None = None  # what workers pass to from_pretrained
    model_label: str | None = None  # what the user asked for
    model_revision: str | None = None
    box_format: str = "rel_1"
    notice: str | None = None


def choose_engine(config: RunConfig) -> EngineDecision:
    """The VLM when its weights are here; for `auto` otherwise the offline engine, with a notice.

    `--engine vlm` never falls back: a scheduled job must not change quality silently, so a
    missing model raises EngineUnavailable (fatal).
    """
    if config.engine == "offline":
        return EngineDecision(engine="offline")
    from docpipe.engines.loading import resolve_model
    from docpipe.engines.profiles import profile_for

    requested = config.pipeline.model
    try:
        resolved = resolve_model(requested, config.pipeline.model_revision)
    except EngineUnavailable as exc:
        if config.engine == "vlm":
            raise
        return EngineDecision(
            engine="offline",
            notice=f"{_one_line(exc)} Falling back to the offline engine "
                   f"(--engine vlm fails instead of falling back).",
        )
    profile = profile_for(resolved.model_type)
    return EngineDecision(engine="vlm", model=resolved.path, model_label=requested,
                          model_revision=resolved.revision, box_format=profile.box_format)


def _one_line(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text if text.endswith(".") else f"{text}."
