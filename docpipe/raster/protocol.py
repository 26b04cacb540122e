"""Framing between the parent and its rasterization worker.

Requests (parent -> child) are pickled: the child trusts its parent. Replies (child -> parent)
are JSON plus raw image bytes and are validated by pydantic, so a child compromised by a hostile
file cannot make the parent unpickle anything.
"""

from __future__ import annotations

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


LENGTH_BYTES = _LENGTH.size


def write_frame(stream: IO[bytes], payload: bytes) -> None:
    data = memoryview(_LENGTH.pack(len(payload)) + payload)
    while data:  # an unbuffered pipe may take fewer bytes than offered
        written = stream.write(data)
        data = data[written if written is not None else 0 :]
    stream.flush()


def read_frame(stream: IO[bytes]) -> bytes | None:
    """The next frame, or None at a clean end of stream."""
    header = _read_exactly(stream, LENGTH_BYTES)
    if header is None:
        return None
    payload = _read_exactly(stream, frame_length(header))
    if payload is None:
        raise EOFError("stream ended inside a frame")
    return payload


def frame_length(header: bytes) -> int:
    (length,) = _LENGTH.unpack(header)
    if length > MAX_FRAME_BYTES:
        raise ValueError(f"frame of {length} bytes exceeds the limit")
    return length


class _ReplyTail(BaseModel):
    image_sizes: list[int]  # -1 where the page has no image
    meta: ReplyMeta


def encode_reply(output: RasterOutput, meta: ReplyMeta) -> bytes:
    """[len][output JSON, images as nulls][len][sizes and meta JSON][image bytes...]."""
    images = output.images
    # pydantic's own JSON writer: several times faster than model_dump + json.dumps.
    head = output.model_copy(update={"images": [None] * len(images)}).model_dump_json().encode()
    sizes = [-1 if image is None else len(image) for image in images]
    tail = _ReplyTail(image_sizes=sizes, meta=meta).model_dump_json().encode()
    blobs = b"".join(image for image in images if image is not None)
    return _LENGTH.pack(len(head)) + head + _LENGTH.pack(len(tail)) + tail + blobs


def decode_reply(payload: bytes) -> tuple[RasterOutput, ReplyMeta]:
    view = memoryview(payload)
    head, offset = _section(view, 0)
    tail_bytes, offset = _section(view, offset)
    output = RasterOutput.model_validate_json(head)
    tail = _ReplyTail.model_validate_json(tail_bytes)
    if len(tail.image_sizes) != len(output.pages):
        raise ValueError("reply has image sizes for a different number of pages")
    images: list[bytes | None] = []
    for size in tail.image_sizes:
        if size < 0:
            images.append(None)
            continue
        if offset + size > len(payload):
            raise ValueError("reply is shorter than its image sizes say")
        images.append(payload[offset : offset + size])
        offset += size
    if offset != len(payload):
        raise ValueError("reply has trailing bytes")
    # Pages were validated from JSON above; images are exactly the bytes just sliced.
    return output.model_copy(update={"images": images}), tail.meta


def _section(view: memoryview, offset: int) -> tuple[bytes, int]:
    if offset + _LENGTH.size > len(view):
        raise ValueError("reply is truncated")
    (length,) = _LENGTH.unpack_from(view, offset)
    start = offset + _LENGTH.size
    if start + length > len(view):
        raise ValueError("reply is truncated")
    return bytes(view[start : start + length]), start + length


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
