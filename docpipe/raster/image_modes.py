"""Conversion of any Pillow image mode to 8-bit RGB on a white page."""

from __future__ import annotations

import numpy as np
from PIL import Image

# Modes Pillow resizes correctly (alpha is premultiplied internally for LA/RGBA).
RESIZABLE_MODES = frozenset({"L", "LA", "RGB", "RGBA"})


def to_resizable(image: Image.Image) -> Image.Image:
    """The image in L, LA, RGB or RGBA, high bit depths scaled (not clipped) to 8 bits."""
    mode = image.mode
    if mode in RESIZABLE_MODES:
        return image
    if mode.startswith("I;16") or mode in ("I", "F"):
        return Image.fromarray(_scaled_to_uint8(np.asarray(image)), mode="L")
    if mode in ("1",):
        return image.convert("L")
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in image.info
        return image.convert("RGBA" if has_alpha else "RGB")
    if mode == "La":
        return image.convert("LA")
    if mode in ("RGBa", "RGBX"):
        return image.convert("RGBA" if mode == "RGBa" else "RGB")
    # CMYK, YCbCr, LAB, HSV and anything newer: Pillow's own conversion to RGB.
    return image.convert("RGB")


def flatten_to_rgb(image: Image.Image) -> Image.Image:
    """RGB with transparency composited onto white, as a printed page would show it."""
    if image.mode == "RGB":
        return image
    if image.mode in ("LA", "RGBA"):
        rgba = image.convert("RGBA")
        page = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        page.alpha_composite(rgba)
        return page.convert("RGB")
    return image.convert("RGB")


def _scaled_to_uint8(values: np.ndarray) -> np.ndarray:
    """Map integer or float samples onto 0..255 by their nominal range."""
    if values.dtype.kind == "f":
        values = np.nan_to_num(values.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        low, high = (float(values.min()), float(values.max())) if values.size else (0.0, 0.0)
        if low >= 0.0 and high <= 1.0:
            return np.round(values * 255.0).astype(np.uint8)
        if low >= 0.0 and high <= 255.0:
            return np.round(values).astype(np.uint8)
        return _stretched(values, low, high)
    if values.dtype.itemsize == 2 and values.dtype.kind == "u":
        # 16-bit samples: divide by 257 so that 65535 maps to 255 and mid-grey stays mid-grey.
        return ((values.astype(np.uint32) + 128) // 257).astype(np.uint8)
    low, high = (int(values.min()), int(values.max())) if values.size else (0, 0)
    if low >= 0 and high <= 255:  # 8-bit samples stored in a wide integer mode
        return values.astype(np.uint8)
    if low >= 0 and high <= 65535:
        return ((values.astype(np.int64) + 128) // 257).astype(np.uint8)
    return _stretched(values.astype(np.float64), float(low), float(high))


def _stretched(values: np.ndarray, low: float, high: float) -> np.ndarray:
    if high <= low:
        return np.full(values.shape, 255, dtype=np.uint8)
    return np.round((values - low) * (255.0 / (high - low))).astype(np.uint8)
