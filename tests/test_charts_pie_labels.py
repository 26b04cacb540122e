"""Pie sector names on both readers: a label belongs to the sector on whose ray it lies, the title
(above the pie, centred, larger font) is never a sector's name, and a name with a close rival
lowers the sector's confidence. Charts are generated with matplotlib; the test knows their data."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")
sys.path.insert(0, str(Path(__file__).parent))

from raster_chartgen import _words  # noqa: E402

from docpipe.charts.qa import answer_question  # noqa: E402
from docpipe.charts.raster import read_raster_chart  # noqa: E402
from tests.test_charts_vector import read as read_vector  # noqa: E402


def _figure(note_at: tuple[float, float] | None = None, title: str | None = "Budget"):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4), dpi=100)
    ax.pie([50, 30, 20], labels=["Rent", "Food", "Fun"], autopct="%d%%",
           startangle=0 if note_at is None else 90)
    if title:
        ax.set_title(title)
    if note_at is not None:  # a second phrase beside Rent's label, in the same font
        ax.text(*note_at, "Note", ha="right", va="center", fontsize=10)
    return fig


def _read(fig, path: str):
    import matplotlib.pyplot as plt

    if path == "raster":
        fig.canvas.draw()
        image = np.asarray(fig.canvas.buffer_rgba())[:, :, :3].copy()
        data = read_raster_chart(image, _words(fig, image))
    else:
        buf = io.BytesIO()
        fig.savefig(buf, format="pdf")
        data = read_vector(buf.getvalue())
    plt.close(fig)
    return data


@pytest.mark.parametrize("path", ["raster", "vector"])
def test_pie_title_and_the_biggest_slice_keep_their_own_labels(path: str) -> None:
    data = _read(_figure(), path)
    assert data.error is None and data.chart_type == "pie"
    assert data.title == "Budget"
    values = {p.x: p.y for s in data.series for p in s.points}
    assert values == pytest.approx({"Rent": 50.0, "Food": 30.0, "Fun": 20.0})
    top = answer_question("Which category has the highest value?", [data])
    assert top.answer == "Rent" and top.confidence >= 0.9
    assert answer_question("What is the value of Rent?", [data]).value == pytest.approx(50.0)


@pytest.mark.parametrize("path", ["raster", "vector"])
def test_an_ambiguous_sector_name_lowers_that_sector_confidence(path: str) -> None:
    clear = {p.x: p.confidence for s in _read(_figure(note_at=(-1.12, 0.12), title=None), path).series
             for p in s.points}
    assert set(clear) == {"Rent", "Food", "Fun"}
    # 'Note' lies almost on Rent's ray, as close to the rim as 'Rent': Rent's name is in doubt,
    # the other sectors' names are not
    assert clear["Rent"] < 0.6 and clear["Rent"] < min(clear["Food"], clear["Fun"]) - 0.3
