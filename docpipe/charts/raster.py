"""The raster chart reader: pixels of a chart (plus the page's words) → `ChartData`.

    read_raster_chart(image, words, region=..., recognize=...) -> ChartData(reader="raster")

Steps (each in its own module):
1. `raster_scene`: crop the chart, background, words in crop pixels (a second OCR pass over the
   enlarged crop when text is small), straight rules, value axes fitted from numeric tick labels
   (`raster_axes`: robust linear/log fit), the plot window, candidate mark pixels and their colour
   classes (`raster_image`), the legend (`raster_legend`).
2. A mark reader per chart family: bars (`raster_bars` + `raster_read_bars`), line / scatter /
   area traces (`raster_read_xy`), pie / donut sectors (`raster_pie`). The family whose marks
   explain the picture best wins. Bars cut by a legend drawn over the plot are followed into
   it (`raster_occlusion`): measured through a translucent box, or marked hidden.
3. Values: printed data labels win over measured geometry and cross-check it
   (`raster_values`); every point says which (`label` / `measured`) and carries a confidence
   (`raster_confidence`, calibrated on development charts).

A chart none of the readers can explain gives `ChartData(error=unreadable_chart)` and no series:
the reader never guesses. Boxes in the result are page fractions (origin top-left).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from docpipe.charts.model import ChartData
from docpipe.charts.raster_result import unreadable
from docpipe.charts.raster_scene import build_scene
from docpipe.records import BBox, Word

READER_VERSION = "raster-6"
"""Changes whenever the reader's output for the same input would. Work keys follow the code itself
(`docpipe.code_version.result_code_fingerprint` covers `docpipe/charts`); this names the reading."""
MIN_BACKGROUND = 0.2
"""Charts are drawn on a flat background; a region where under this share of the pixels share one
colour (a photo, a textured scan) is not read."""


def read_raster_chart(
    image: np.ndarray,
    words: list[Word],
    *,
    region: BBox = (0.0, 0.0, 1.0, 1.0),
    page_index: int = 0,
    chart_index: int = 0,
    recognize: Callable[[np.ndarray], list[Word]] | None = None,
) -> ChartData:
    """Read one raster chart into data.

    Args:
        image: H×W×3 uint8 RGB of the whole page as rendered (H×W grey and RGBA are accepted).
        words: the page's word layer, boxes `[x0, y0, x1, y1]` in page fractions.
        region: the chart's box on the page, page fractions (default: the whole page).
        page_index, chart_index: identity of the chart, copied into the result.
        recognize: optional OCR of an image array (returns words with boxes in fractions of that
            array); used for a second, enlarged reading of the chart's small text.

    Returns:
        `ChartData(reader="raster")` with chart type, axes, legend-named series and points; each
        point has `source` (`label` or `measured`) and a calibrated `confidence`. A chart that
        cannot be read returns `error.category == unreadable_chart` and no series.
    """
    from docpipe.charts.raster_read import read_scene

    bbox = tuple(float(v) for v in region)
    if image is None or getattr(image, "ndim", 0) not in (2, 3) or image.size == 0:
        return unreadable(page_index, chart_index, bbox, "no image")
    hh, ww = image.shape[:2]
    x0, y0, x1, y1 = bbox
    if (x1 - x0) * ww < 40 or (y1 - y0) * hh < 40:
        return unreadable(page_index, chart_index, bbox, "chart region under 40 pixels")
    from docpipe.charts.raster_scene import crop_region, flat_background_share

    if flat_background_share(crop_region(image, bbox)) < MIN_BACKGROUND:
        return unreadable(page_index, chart_index, bbox,
                          "no flat background: the region looks like a photo or a scan, not a chart")
    scene = build_scene(image, words, bbox, recognize)
    return read_scene(scene, page_index, chart_index)
