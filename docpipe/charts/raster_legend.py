"""Legend of a raster chart: colour swatches each followed by a series name.

An entry is a phrase with a compact patch of one colour just left of it (a square, a dot, a short
line, a marker), centred on the phrase's line. The patch colour is what ties marks to the name.
Positions are crop pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from docpipe.charts.raster_image import color_distance
from docpipe.charts.raster_text import TextBox


@dataclass
class LegendEntry:
    name: str
    color: np.ndarray  # RGB of the swatch
    swatch: tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive) crop pixels
    label: TextBox

    def box(self) -> tuple[int, int, int, int]:
        """Swatch and name together."""
        return (min(self.swatch[0], int(self.label.x0)), min(self.swatch[1], int(self.label.y0)),
                max(self.swatch[2], int(np.ceil(self.label.x1))), max(self.swatch[3], int(np.ceil(self.label.y1))))


def find_legend(crop: np.ndarray, bg: np.ndarray, phrases: list[TextBox], text_mask: np.ndarray) -> list[LegendEntry]:
    """Legend entries: phrases (not numbers) with a one-coloured swatch immediately to their left.

    Two or more entries make a legend; a single entry is accepted only when its swatch is
    colourful (a lone dark patch next to a word is more often a tick or a bullet).
    """
    h, w = crop.shape[:2]
    entries: list[LegendEntry] = []
    for p in phrases:
        if p.vertical or len(p.text) < 1:
            continue
        th = max(p.h, 6.0)
        sx0 = int(max(0, p.x0 - 3.5 * th))
        sx1 = int(max(0, p.x0 - 1))
        sy0 = int(max(0, p.cy - 1.0 * th))
        sy1 = int(min(h, p.cy + 1.0 * th + 1))
        if sx1 - sx0 < 3 or sy1 - sy0 < 3:
            continue
        strip = crop[sy0:sy1, sx0:sx1]
        ink = (color_distance(strip, bg) > 40) & ~text_mask[sy0:sy1, sx0:sx1]
        n, lab, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
        best = None
        for i in range(1, n):
            x, y, ww, hh, area = (int(v) for v in stats[i])
            if area < 6 or hh < 0.25 * th or hh > 2.2 * th or ww > 3.2 * th:
                continue
            if x + ww >= strip.shape[1] - 0 and ww < 2:
                continue
            if y == 0 or y + hh >= strip.shape[0] or x == 0:  # runs out of the strip: part of something larger
                continue
            # centred on the text line
            cy = sy0 + y + hh / 2
            if abs(cy - p.cy) > 0.45 * th:
                continue
            gap = p.x0 - (sx0 + x + ww)
            if gap > 2.2 * th:
                continue
            pix = strip[lab == i].astype(np.float32)
            med = np.median(pix, axis=0)
            uniform = float(np.mean(np.sqrt(((pix - med) ** 2).sum(axis=1)) < 45))
            if uniform < 0.7:
                continue
            if best is None or gap < best[0]:
                best = (gap, med, (sx0 + x, sy0 + y, sx0 + x + ww, sy0 + y + hh))
        if best is not None:
            entries.append(LegendEntry(p.text, best[1], best[2], p))
    if len(entries) == 1 and float(entries[0].color.max() - entries[0].color.min()) < 40:
        return []
    return entries
