"""Encoding of rendered pages for transport to the next stage."""

from __future__ import annotations

import io

from PIL import Image

from docpipe.raster.config import RasterConfig


def encode_image(image: Image.Image, config: RasterConfig) -> bytes:
    """PNG at the fastest zlib level (pages are re-decoded soon; size matters less than time)."""
    buffer = io.BytesIO()
    if config.image_format == "jpeg":
        image.save(buffer, format="JPEG", quality=config.jpeg_quality, optimize=False)
    else:
        image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()
