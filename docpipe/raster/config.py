"""Settings of the rasterization stage."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class RasterConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dpi: float = Field(150.0, gt=0, le=1200, description="render resolution for PDF pages")
    max_pixels: int = Field(
        2_500_000, ge=10_000, description="pixel cap per page image: larger pages are scaled down"
    )
    max_source_pixels: int = Field(
        200_000_000,
        ge=1_000_000,
        description="decompression-bomb guard: larger images are decoded reduced where the "
        "format allows it (JPEG), otherwise rejected as too_large",
    )
    max_pages: int | None = Field(None, ge=1, description="render at most this many pages per document")
    image_format: Literal["png", "jpeg"] = "png"
    jpeg_quality: int = Field(90, ge=30, le=100)
    # repr=False keeps passwords out of logs and error messages that print the config.
    passwords: list[str] = Field(default_factory=list, repr=False)
    # Images often carry no DPI (phone photos, screenshots, stripped scans). 200 dpi is the
    # classic fax/scanner default, so an A4 scan of ~1650x2340 px comes out as A4 in points.
    # It only affects width_pt/height_pt; normalised boxes and pixels do not depend on it.
    assumed_image_dpi: float = Field(
        200.0,
        gt=0,
        description="resolution assumed for images without usable DPI metadata (page size only)",
    )
    timeout_s: float = Field(120.0, gt=0, description="wall-clock limit per document (isolate=True)")
    memory_mb: int = Field(2048, ge=64, description="address-space headroom per worker (isolate=True)")
    isolate: bool = Field(True, description="process documents in a disposable child process")
    drawings: bool = Field(False, description="carry each PDF page's vector graphics (PageImage.drawings) "
                                              "for the chart readers; off unless a task reads charts")
