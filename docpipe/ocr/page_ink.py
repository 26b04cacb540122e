"""Where a rendered page has ink: blank-page detection and ink the word boxes do not explain.

Works on a reduced greyscale copy of the page (longest side at most 1000 px, box-filtered, which
also melts single-pixel scanner specks). Ink is any pixel clearly darker than the paper, whatever
its colour, so a red stamp counts as well as black text. A thin margin along the edges is left
out, where scanners leave dark borders on otherwise blank sheets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from PIL import Image

_MAX_SIDE = 1000
# Darker than the paper by this many grey levels (0-255) counts as ink; paper is the 90th
# percentile, so noise on aged scans (sigma ~6) stays well below it.
_INK_CONTRAST = 50
_EDGE_MARGIN = 0.02
# A page with fewer ink pixels than this share of its area shows nothing a reader would call
# content (dust, a stray dot).
_MIN_INK_SHARE = 0.0002


class PageInk:
    """Ink mask of one page image; boxes are `[x0, y0, x1, y1]` fractions 0-1 of the page."""

    def __init__(self, image: Image.Image) -> None:
        grey = image.convert("L")
        factor = max(1, int(np.ceil(max(grey.size) / _MAX_SIDE)))
        if factor > 1:
            grey = grey.reduce(factor)
        pixels = np.asarray(grey, dtype=np.int16)
        paper = float(np.percentile(pixels[::3, ::3], 90)) if pixels.size else 255.0
        mask = pixels < paper - _INK_CONTRAST
        height, width = mask.shape
        my, mx = int(height * _EDGE_MARGIN), int(width * _EDGE_MARGIN)
        mask[:my, :] = False
        mask[height - my:, :] = False
        mask[:, :mx] = False
        mask[:, width - mx:] = False
        self.mask = mask
        self.total = int(mask.sum())

    @property
    def has_ink(self) -> bool:
        """Visible content on the page (text, drawings, pictures), not just paper and specks."""
        return self.total >= _MIN_INK_SHARE * self.mask.size

    def ink_in(self, region: Sequence[float]) -> int:
        """Ink pixels inside `region`."""
        y0, y1, x0, x1 = self._span(region)
        return int(self.mask[y0:y1, x0:x1].sum())

    def uncovered_share(self, region: Sequence[float], boxes: Iterable[Sequence[float]], pad: float = 0.25) -> float:
        """Share of the ink inside `region` that lies outside every box (each padded by `pad` x its
        height, for glyph parts the box leaves out). 0 when the region has no ink."""
        y0, y1, x0, x1 = self._span(region)
        ink = self.mask[y0:y1, x0:x1]
        total = int(ink.sum())
        if total == 0:
            return 0.0
        covered = np.zeros_like(ink)
        height, width = self.mask.shape
        for bx0, by0, bx1, by1 in boxes:
            margin = (by1 - by0) * pad
            cy0 = max(int((by0 - margin) * height) - y0, 0)
            cy1 = min(int(np.ceil((by1 + margin) * height)) - y0, ink.shape[0])
            cx0 = max(int((bx0 - margin * height / width) * width) - x0, 0)
            cx1 = min(int(np.ceil((bx1 + margin * height / width) * width)) - x0, ink.shape[1])
            if cy1 > cy0 and cx1 > cx0:
                covered[cy0:cy1, cx0:cx1] = True
        return float((ink & ~covered).sum()) / total

    def min_ink(self) -> int:
        """Fewest ink pixels that count as visible content."""
        return int(np.ceil(_MIN_INK_SHARE * self.mask.size))

    def _span(self, region: Sequence[float]) -> tuple[int, int, int, int]:
        height, width = self.mask.shape
        x0, y0, x1, y1 = region
        return (max(0, int(y0 * height)), min(height, int(np.ceil(y1 * height))),
                max(0, int(x0 * width)), min(width, int(np.ceil(x1 * width))))
