"""Versions of what reads charts offline; together they feed the work key of chart_qa runs.

Bump VECTOR_READER_VERSION / ANSWERER_VERSION whenever the same page would be read or answered
differently (the raster reader keeps its own READER_VERSION).
"""

from __future__ import annotations

VECTOR_READER_VERSION = "vector-1"  # detect.py + vector.py + labels.py + numbers.py
ANSWERER_VERSION = "qa-1"  # questions.py + qa.py


def _raster_version() -> str:
    from docpipe.charts.raster import READER_VERSION

    return READER_VERSION


CHART_READERS_VERSION = f"{VECTOR_READER_VERSION}/{_raster_version()}/{ANSWERER_VERSION}"
