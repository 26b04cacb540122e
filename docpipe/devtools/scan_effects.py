"""Turning a drawn PDF page into a plausible scan, and knowing where every point of it went.

Each function that moves pixels also returns the affine map from PDF points to final pixels, so
truth boxes can follow the page through rendering and rotation.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pymupdf
from PIL import Image, ImageFilter

from docpipe.devtools.truth import Affine, PageMapping


def render_gray(page: pymupdf.Page, dpi: int) -> tuple[Image.Image, Affine]:
    zoom = dpi / 72.0
    pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), colorspace=pymupdf.csGRAY, alpha=False)
    image = Image.frombytes("L", (pix.width, pix.height), pix.samples)
    return image, (zoom, 0.0, 0.0, 0.0, zoom, 0.0)


def compose(first: Affine, then: Affine) -> Affine:
    """The map that applies `first`, then `then`."""
    a1, b1, c1, d1, e1, f1 = first
    a2, b2, c2, d2, e2, f2 = then
    return (a2 * a1 + b2 * d1, a2 * b1 + b2 * e1, a2 * c1 + b2 * f1 + c2,
            d2 * a1 + e2 * d1, d2 * b1 + e2 * e1, d2 * c1 + e2 * f1 + f2)


def rotate_in_place(image: Image.Image, degrees: float, fill: int) -> tuple[Image.Image, Affine]:
    """Rotate counter-clockwise (as seen) about the centre, keeping the sheet's size like a skewed scan."""
    theta = math.radians(degrees)
    cos, sin = math.cos(theta), math.sin(theta)
    cx, cy = image.width / 2, image.height / 2
    # Pillow wants the inverse map: for each output pixel, where to sample the input.
    inverse = (cos, -sin, cx - cos * cx + sin * cy, sin, cos, cy - sin * cx - cos * cy)
    rotated = image.transform(image.size, Image.Transform.AFFINE, inverse, resample=Image.Resampling.BICUBIC,
                              fillcolor=fill)
    forward = (cos, sin, cx - cos * cx - sin * cy, -sin, cos, cy + sin * cx - cos * cy)
    return rotated, forward


def age_paper(image: Image.Image, rng: np.random.Generator, *, paper: int = 238, ink: int = 38,
              noise: float = 6.0, blur: float = 0.6, specks: int = 120) -> Image.Image:
    """Greyish paper, softened ink, sensor noise, dust and a slight uneven illumination."""
    soft = image.filter(ImageFilter.GaussianBlur(blur)) if blur > 0 else image
    pixels = np.asarray(soft, dtype=np.float32) / 255.0
    height, width = pixels.shape
    tone = ink + (paper - ink) * pixels
    shade = np.linspace(0.0, -9.0, width, dtype=np.float32)[None, :] + np.linspace(-4.0, 3.0, height,
                                                                                    dtype=np.float32)[:, None]
    tone += shade
    tone += rng.normal(0.0, noise, size=tone.shape).astype(np.float32)
    ys = rng.integers(0, height, size=specks)
    xs = rng.integers(0, width, size=specks)
    tone[ys, xs] = rng.uniform(40, 140, size=specks)
    return Image.fromarray(np.clip(tone, 0, 255).astype(np.uint8), mode="L")


def bitonal(image: Image.Image, threshold: int = 150) -> Image.Image:
    return image.point(lambda v: 255 if v >= threshold else 0, mode="1")


def jpeg_bytes(image: Image.Image, *, quality: int, dpi: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, dpi=(dpi, dpi), optimize=True)
    return buffer.getvalue()


def scanned_page(page: pymupdf.Page, *, dpi: int, degrees: float, rng: np.random.Generator,
                 paper: int = 238) -> tuple[Image.Image, PageMapping]:
    """A greyscale scan of `page`: rendered, skewed and aged."""
    image, to_pixels = render_gray(page, dpi)
    image, rotation = rotate_in_place(image, degrees, fill=255)
    image = age_paper(image, rng, paper=paper)
    return image, PageMapping(compose(to_pixels, rotation), float(image.width), float(image.height))
