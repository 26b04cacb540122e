"""The engine contract: (images, chat messages, optional JSON Schema) -> text.

Engines know nothing about pages, documents or schemas-as-pydantic-models: they receive plain
chat messages and a JSON Schema dict, and give back text plus token accounting. Prompts,
parsing, box conversion and validation live in docpipe.tasks.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field


class TextPart(BaseModel):
    type: Literal["text"] = "text"
    text: str


class ImagePart(BaseModel):
    """Placeholder for the request's image at `index` (the bytes travel in EngineRequest.images)."""

    type: Literal["image"] = "image"
    index: int = 0


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: list[TextPart | ImagePart]


class EngineRequest(BaseModel):
    request_id: str
    images: list[bytes] = Field(default_factory=list)  # encoded PNG/JPEG bytes
    messages: list[ChatMessage]
    json_schema: dict[str, Any] | None = None  # constrain decoding to this schema when given
    max_new_tokens: int = 512


FinishReason = Literal["stop", "length", "error"]


class EngineResponse(BaseModel):
    request_id: str
    text: str = ""
    finish_reason: FinishReason = "stop"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    error: str | None = None  # set with finish_reason="error"; the request, not the batch, failed


class EngineInfo(BaseModel):
    name: str  # "hf", ...
    model: str
    model_revision: str | None = None
    device: str = "cpu"
    dtype: str = "float32"
    box_format: str = "abs_pixels"  # how this model family writes boxes; see docpipe.engines.profiles


@runtime_checkable
class Engine(Protocol):
    info: EngineInfo

    def generate(self, requests: list[EngineRequest]) -> list[EngineResponse]:
        """One response per request, same order. Never raises for a single bad request.

        May be called from two threads at once (the executor overlaps one batch's preparation
        with another's generation); an engine serialises whatever must not run concurrently.
        """
        ...


class EngineUnavailable(RuntimeError):
    """The model cannot be loaded here (missing weights, no hub access). Fatal for --engine vlm."""
