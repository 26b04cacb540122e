"""All charts of one page: detect the regions, read each with the vector or the raster reader.

Used by the offline page processor for the `chart_qa` task. The raster reader's OCR of small
text (`recognize`) is the bundled rapidocr engine, loaded on first use.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from docpipe.charts.detect import ChartRegion, detect_charts
from docpipe.charts.model import ChartData
from docpipe.records import PageImage, Word

Recognize = Callable[[np.ndarray], list[Word]]


class PageChartReader:
    """Detects and reads the charts of a page; one instance per worker (it holds the OCR engine)."""

    def __init__(self, recognize: Recognize | None = None) -> None:
        self._recognize = recognize

    def __call__(self, page: PageImage, image_bytes: bytes | None) -> list[ChartData]:
        """Every chart of `page` in reading order; unreadable ones carry an unreadable_chart error.

        `image_bytes` is the rendered page (PNG/JPEG); raster charts and embedded images need it.
        """
        started = time.process_time()
        image = _decode(image_bytes) if image_bytes and (page.drawings is None or page.drawings.images) else None
        regions = detect_charts(page, image)
        charts = [self._read(page, region, image) for region in regions]
        if charts:
            share = (time.process_time() - started) / len(charts)
            charts = [c.model_copy(update={"cpu_s": round(share, 4)}) for c in charts]
        return charts

    def _read(self, page: PageImage, region: ChartRegion, image: np.ndarray | None) -> ChartData:
        if region.source == "vector" and page.drawings is not None:
            from docpipe.charts.vector import read_vector_chart

            return read_vector_chart(page.drawings, page.words, page_size=(page.width_pt, page.height_pt),
                                     region=region.bbox, page_index=page.page_index,
                                     chart_index=region.chart_index)
        from docpipe.charts.raster import read_raster_chart
        from docpipe.charts.raster_result import unreadable

        if image is None:
            return unreadable(page.page_index, region.chart_index, region.bbox, "the page image is not available")
        return read_raster_chart(image, page.words, region=region.bbox, page_index=page.page_index,
                                 chart_index=region.chart_index, recognize=self.recognize)

    def recognize(self, crop: np.ndarray) -> list[Word]:
        if self._recognize is None:
            from PIL import Image

            from docpipe.ocr.stage import load_engine

            engine = load_engine("rapidocr")
            self._recognize = lambda array: engine.recognize(Image.fromarray(array))
        return self._recognize(crop)


def _decode(data: bytes) -> np.ndarray:
    from docpipe.ocr.base import decode_page_image

    return np.asarray(decode_page_image(data))


def chart_schema_values(charts: list[ChartData]) -> dict:
    """The charts as the built-in `chart` schema's values ({"charts": [...]}, documents columns)."""
    kinds = {"stacked_bar": "bar", "grouped_bar": "bar"}
    out = []
    for chart in charts:
        if chart.error is not None:
            continue
        out.append({
            "title": chart.title,
            "chart_type": kinds.get(chart.chart_type, chart.chart_type),
            "x_label": chart.x_axis.title if chart.x_axis else None,
            "y_label": chart.y_axis.title if chart.y_axis else None,
            "series": [{"name": s.name, "points": [{"label": p.x, "value": p.y} for p in s.points]}
                       for s in chart.series],
        })
    return {"charts": out}
