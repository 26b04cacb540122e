"""Horizontal bars read through an x axis whose short tick labels sit in tall OCR boxes (boxes
about square, as OCR pads them): the tick is at the label's centre, not at its right end as for a
label printed turned. Generated with matplotlib; the test knows the data."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")
sys.path.insert(0, str(Path(__file__).parent))

from raster_chartgen import _words  # noqa: E402

from docpipe.charts.raster import read_raster_chart  # noqa: E402

VALUES = {"Lisbon": 640.0, "Oslo": 285.0, "Turin": 210.0}


@pytest.mark.parametrize("with_zero", [True, False])
def test_barh_values_with_padded_tick_label_boxes(with_zero: bool) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=100)
    ax.barh(list(VALUES), list(VALUES.values()))
    if not with_zero:
        ax.set_xlim(100, 700)
    fig.tight_layout()
    fig.canvas.draw()
    image = np.asarray(fig.canvas.buffer_rgba())[:, :, :3].copy()
    words = _words(fig, image)
    plt.close(fig)
    padded = []
    for w in words:  # numbers get a box as tall as OCR draws it: taller than wide / 1.6
        if w.text.isdigit():
            x0, y0, x1, y1 = w.bbox
            grow = (x1 - x0) * image.shape[1] / image.shape[0] / 1.4 - (y1 - y0)
            w = w.model_copy(update={"bbox": (x0, y0 - max(0.0, grow), x1, y1)})
        padded.append(w)
    data = read_raster_chart(image, padded, recognize=lambda crop: [])  # no second OCR pass
    assert data.error is None and data.orientation == "horizontal"
    got = {p.x: p.y for p in data.series[0].points}
    span = 600.0
    for name, value in VALUES.items():
        if value >= (0 if with_zero else 100):
            assert abs(got[name] - value) <= 0.01 * span, (name, got[name])


@pytest.mark.parametrize("first", [0, 100])
def test_x_axis_fit_takes_tall_short_label_boxes_at_their_centres(first: int) -> None:
    from docpipe.charts.raster_axes import fit_axis
    from docpipe.charts.raster_text import TextBox

    # ticks every 82.5 px from x=70.5 for 0; OCR boxes 27 px wide, 20 px tall (3 digits), 9 wide for '0'
    labels = []
    for k in range(first // 100, 7):
        text, centre = str(100 * k), 70.5 + 82.5 * k
        half = 4.5 if k == 0 else 13.5
        labels.append(TextBox(text, centre - half, 383.0, centre + half, 403.0))
    fit = fit_axis(labels, "x")
    assert fit is not None and fit.n == len(labels)
    for value in (210.0, 285.0, 640.0):
        assert float(fit.value(70.5 + 0.825 * value)) == pytest.approx(value, abs=1.0)
