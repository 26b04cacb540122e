"""Framing between the parent and its rasterization worker.

Requests (parent -> child) are pickled: the child trusts its parent. Replies (child -> parent)
are JSON plus raw image bytes and are validated by pydantic, so a child compromised by a hostile
file cannot make the parent unpickle anything.
"""

from __future__ import annotations

import json
import struct
from typing import IO

from pydantic import BaseModel

from docpipe.raster.result import RasterOutput

_LENGTH = struct.Struct("!Q")
MAX_FRAME_BYTES = 4 << 30


class ReplyMeta(BaseModel):
    """What the worker reports about itself with every reply."""

    rss_mb: float = 0.0
    peak_rss_mb: float = 0.0


def write_frame(stream: IO[bytes], payload: bytes) -> None:
    stream.write(_LENGTH.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def read_frame(stream: IO[bytes]) -> bytes | None:
    """The next frame, or None at a clean end of stream."""
    header = _read_exactly(stream, _LENGTH.size)
    if header is None:
        return None
    (length,) = _LENGTH.unpack(header)
    if length > MAX_FRAME_BYTES:
        raise ValueError(f"frame of {length} bytes exceeds the limit")
    payload = _read_exactly(stream, length)
    if payload is None:
        raise EOFError("stream ended inside a frame")
    return payload


def frame_length(header: bytes) -> int:
    (length,) = _LENGTH.unpack(header)
    if length > MAX_FRAME_BYTES:
        raise ValueError(f"frame of {length} bytes exceeds the limit")
    return length


LENGTH_BYTES = _LENGTH.size


def encode_reply(output: RasterOutput, meta: ReplyMeta) -> bytes:
    images = output.images
    head = {
        "output": output.model_dump(mode="json", exclude={"images"}),
        "image_sizes": [-1 if image is None else len(image) for image in images],
        "meta": meta.model_dump(mode="json"),
    }
    head_bytes = json.dumps(head, separators=(",", ":")).encode()
    blobs = b"".join(image for image in images if image is not None)
    return _LENGTH.pack(len(head_bytes)) + head_bytes + blobs


def decode_reply(payload: bytes) -> tuple[RasterOutput, ReplyMeta]:
    (head_length,) = _LENGTH.unpack_from(payload)
    start = _LENGTH.size
    head = json.loads(payload[start : start + head_length])
    offset = start + head_length
    images: list[bytes | None] = []
    for size in head["image_sizes"]:
        if size < 0:
            images.append(None)
            continue
        if offset + size > len(payload):
            raise ValueError("reply is shorter than its image sizes say")
        images.append(payload[offset : offset + size])
        offset += size
    if offset != len(payload):
        raise ValueError("reply has trailing bytes")
    output = RasterOutput.model_validate({**head["output"], "images": images})
    return output, ReplyMeta.model_validate(head.get("meta", {}))


def _read_exactly(stream: IO[bytes], size: int) -> bytes | None:
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            if remaining == size:
                return None
            raise EOFError("stream ended inside a frame")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
