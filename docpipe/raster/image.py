"""Image files (PNG, JPEG, TIFF, WebP, BMP, GIF) to page images with Pillow.

Each frame of a multi-frame file is a page. Decoding is guarded against decompression bombs
by our own pixel limit (max_source_pixels) instead of Pillow's global default.
"""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass

from PIL import Image

from docpipe.raster.config import RasterConfig
from docpipe.raster.encode import encode_image
from docpipe.raster.geometry import capped_size
from docpipe.raster.image_modes import flatten_to_rgb, to_resizable
from docpipe.raster.result import RasterOutput, document_status, error_info, failed_output
from docpipe.records import DocKind, ErrorCategory, ErrorInfo, PageImage, SourceDoc, Status

# Pillow decoders allowed per sniffed kind, so bytes are never parsed by an unexpected plugin.
_PIL_FORMATS: dict[DocKind, tuple[str, ...]] = {
    DocKind.png: ("PNG",),
    DocKind.jpeg: ("JPEG", "MPO"),
    DocKind.tiff: ("TIFF",),
    DocKind.webp: ("WEBP",),
    DocKind.bmp: ("BMP", "DIB"),
    DocKind.gif: ("GIF",),
}
_COMPOSITED_FORMATS = frozenset({"GIF", "PNG", "WEBP"})
_EXIF_ORIENTATION_TAG = 0x0112
# EXIF orientation -> (transpose to display it upright, clockwise rotation in degrees).
_ORIENTATIONS: dict[int, tuple[Image.Transpose | None, int]] = {
    1: (None, 0),
    2: (Image.Transpose.FLIP_LEFT_RIGHT, 0),
    3: (Image.Transpose.ROTATE_180, 180),
    4: (Image.Transpose.FLIP_TOP_BOTTOM, 180),
    5: (Image.Transpose.TRANSPOSE, 90),
    6: (Image.Transpose.ROTATE_270, 90),
    7: (Image.Transpose.TRANSVERSE, 270),
    8: (Image.Transpose.ROTATE_90, 270),
}
_PLAUSIBLE_DPI = (20.0, 4800.0)  # outside this the metadata is a placeholder (0, 1, 72000...)
_MAX_MESSAGE = 160


class _PageError(Exception):
    def __init__(self, category: ErrorCategory, message: str) -> None:
        super().__init__(message)
        self.category = category
        self.message = message


@dataclass
class _Frame:
    image: Image.Image
    width_pt: float
    height_pt: float
    rotation: int


def rasterize_image(doc: SourceDoc, data: bytes, config: RasterConfig) -> RasterOutput:
    try:
        with _pillow_bomb_check_off():  # header only; our own limit is checked per frame below
            image = Image.open(io.BytesIO(data), formats=_PIL_FORMATS.get(doc.kind, ()))
    except Exception as exc:  # Pillow raises many types for undecodable headers
        return failed_output(doc, ErrorCategory.corrupt, f"image cannot be decoded: {_short(exc)}")
    with image:
        # MPO files (JPEG with a second, preview picture) are one page: the first picture.
        frames = 1 if doc.kind is DocKind.jpeg else _frame_count(image)
        if frames == 1:
            return _single_frame(doc, image, config)
        return _multi_frame(doc, image, frames, config)


def _single_frame(doc: SourceDoc, image: Image.Image, config: RasterConfig) -> RasterOutput:
    try:
        frame = _decode_frame(image, 0, config)
        encoded = encode_image(frame.image, config)
    except _PageError as exc:
        return failed_output(doc, exc.category, exc.message)
    page = _page_record(doc, 0, 1, 1, frame)
    return RasterOutput(doc_id=doc.doc_id, source_path=doc.source_path, pages=[page], images=[encoded])


def _multi_frame(doc: SourceDoc, image: Image.Image, total: int, config: RasterConfig) -> RasterOutput:
    count = total if config.max_pages is None else min(total, config.max_pages)
    doc_error: ErrorInfo | None = None
    if count < total:
        doc_error = error_info(
            ErrorCategory.too_many_pages, f"image has {total} frames; only the first {count} were rendered"
        )
    # GIF, APNG and animated WebP draw each frame onto the previous ones, so seeking past an
    # oversized frame would decode it after all; TIFF pages are independent.
    composited = image.format in _COMPOSITED_FORMATS
    blocked_by: int | None = None
    pages: list[PageImage] = []
    images: list[bytes | None] = []
    for index in range(count):
        try:
            if blocked_by is not None:
                raise _PageError(
                    ErrorCategory.too_large, f"follows frame {blocked_by + 1}, which is over the pixel limit"
                )
            frame = _decode_frame(image, index, config)
            encoded: bytes | None = encode_image(frame.image, config)
            page = _page_record(doc, index, count, total, frame)
        except _PageError as exc:
            if composited and exc.category is ErrorCategory.too_large and blocked_by is None:
                blocked_by = index
            encoded = None
            page = PageImage(
                doc_id=doc.doc_id, source_path=doc.source_path, kind=doc.kind, page_index=index,
                page_count=count, total_pages=total, width_pt=0.0, height_pt=0.0,
                status=Status.failed, error=error_info(exc.category, f"frame {index + 1}: {exc.message}"),
            )
        pages.append(page.model_copy(update={"doc_error": doc_error}))
        images.append(encoded)
    status = document_status(pages, doc_error)
    error = doc_error
    if status is Status.failed:
        first = pages[0].error
        category = first.category if first is not None else ErrorCategory.render
        error = error_info(category, f"none of the {count} frames could be decoded")
    return RasterOutput(
        doc_id=doc.doc_id, source_path=doc.source_path, pages=pages, images=images, error=error, status=status
    )


def _decode_frame(image: Image.Image, index: int, config: RasterConfig) -> _Frame:
    """Decode frame `index` upright, in RGB, within max_pixels; errors become _PageError."""
    try:
        with _pillow_bomb_check_off():
            return _decode_frame_unguarded(image, index, config)
    except _PageError:
        raise
    except Image.DecompressionBombError as exc:
        raise _PageError(ErrorCategory.too_large, _short(exc)) from None
    except MemoryError:
        raise _PageError(ErrorCategory.too_large, "ran out of memory while decoding") from None
    except Exception as exc:
        raise _PageError(ErrorCategory.corrupt, f"image cannot be decoded: {_short(exc)}") from None


def _decode_frame_unguarded(image: Image.Image, index: int, config: RasterConfig) -> _Frame:
    if index:
        image.seek(index)
    width, height = image.size
    target = capped_size(width, height, config.max_pixels)
    # The size check must come before anything that may decode: Pillow's PNG getexif() loads
    # the whole image to look for an eXIf chunk after the pixel data.
    if width * height > config.max_source_pixels:
        _draft_below_limit(image, target, config.max_source_pixels)
    elif image.format in ("JPEG", "MPO"):
        image.draft(None, target)  # DCT scaling: decoding at 1/2..1/8 is much faster
    transpose, rotation = _orientation(image)
    dpi_x, dpi_y = _dpi(image, config.assumed_image_dpi)
    image.load()
    page = to_resizable(image)
    if page.size != target:
        page = page.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if transpose is not None:
        page = page.transpose(transpose)
    page = flatten_to_rgb(page)
    width_pt, height_pt = width / dpi_x * 72.0, height / dpi_y * 72.0
    if rotation in (90, 270):
        width_pt, height_pt = height_pt, width_pt
    return _Frame(image=page, width_pt=width_pt, height_pt=height_pt, rotation=rotation)


def _draft_below_limit(image: Image.Image, target: tuple[int, int], limit: int) -> None:
    width, height = image.size
    if image.format in ("JPEG", "MPO"):
        image.draft(None, target)
        if image.size[0] * image.size[1] <= limit:
            return
    raise _PageError(
        ErrorCategory.too_large,
        f"image is {width}x{height} pixels, over the limit of {limit:,} (decompression-bomb guard)",
    )


def _orientation(image: Image.Image) -> tuple[Image.Transpose | None, int]:
    try:
        value = image.getexif().get(_EXIF_ORIENTATION_TAG, 1)
    except Exception:  # unreadable EXIF must not cost the picture
        return None, 0
    return _ORIENTATIONS.get(value, (None, 0)) if isinstance(value, int) else (None, 0)


def _dpi(image: Image.Image, assumed: float) -> tuple[float, float]:
    raw = image.info.get("dpi")
    try:
        dpi_x, dpi_y = (float(raw[0]), float(raw[1])) if raw else (0.0, 0.0)
    except (TypeError, ValueError, IndexError, ZeroDivisionError):
        return assumed, assumed
    low, high = _PLAUSIBLE_DPI
    if not all(math.isfinite(v) and low <= v <= high for v in (dpi_x, dpi_y)):
        return assumed, assumed
    return dpi_x, dpi_y


def _frame_count(image: Image.Image) -> int:
    try:
        return max(1, int(getattr(image, "n_frames", 1)))
    except Exception:  # counting frames walks the file; a broken tail still leaves frame 1
        return 1


def _page_record(doc: SourceDoc, index: int, count: int, total: int, frame: _Frame) -> PageImage:
    return PageImage(
        doc_id=doc.doc_id,
        source_path=doc.source_path,
        kind=doc.kind,
        page_index=index,
        page_count=count,
        total_pages=total,
        width_pt=frame.width_pt,
        height_pt=frame.height_pt,
        image_width=frame.image.width,
        image_height=frame.image.height,
        rotation=frame.rotation,
    )


@contextlib.contextmanager
def _pillow_bomb_check_off() -> Iterator[None]:
    """Pillow's process-wide MAX_IMAGE_PIXELS would reject big headers before we can draft().

    Stages run one document at a time per process, so the swap is not raced.
    """
    saved = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        yield
    finally:
        Image.MAX_IMAGE_PIXELS = saved


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:_MAX_MESSAGE]
