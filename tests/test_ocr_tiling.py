"""Detector scale and tiles: long pages keep their text size; tiles' boxes merge to one per line."""

from __future__ import annotations

import numpy as np
import pytest

from docpipe.ocr.tiling import TileBox, content_box, cut_by_edge, detection_scale, merge_tiles, windows


def _quad(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)


def test_an_a4_page_gets_the_detector_budget_and_a_till_roll_keeps_its_size() -> None:
    # A4 at 150 dpi: long side 1754 scaled to the detector's 1280, as before tiling existed.
    assert detection_scale(1240, 1754, 1280, 640) == pytest.approx(1280 / 1754, rel=0.01)
    # 80 mm x 1 m and 2 m at 150 dpi: never scaled down, whatever the length.
    assert detection_scale(472, 5906, 1280, 640) == 1.0
    assert detection_scale(472, 11811, 1280, 640) == 1.0
    # A 300-dpi roll is scaled, but its short side stays at the floor.
    assert detection_scale(945, 23622, 1280, 640) == pytest.approx(640 / 945)
    # A large square poster gets the same pixel budget as an A4 page.
    scale = detection_scale(4000, 4000, 1280, 640)
    assert (4000 * scale) ** 2 == pytest.approx(1280 * 1280 / 2**0.5, rel=0.01)


def test_windows_cover_a_long_page_with_overlap() -> None:
    assert windows(2000, 1280) == [(0, 2000)]  # up to twice the tile: one piece
    tiles = windows(11811, 1280)
    assert tiles[0][0] == 0 and tiles[-1][1] == 11811
    assert all(end - start == 1280 for start, end in tiles)
    assert all(a_end - b_start >= 1280 // 4 for (_, a_end), (b_start, _) in zip(tiles, tiles[1:]))


def test_boxes_cut_by_a_tile_edge_are_dropped_or_joined_and_copies_merged() -> None:
    # Tiles 0..1280 and 960..2240 along y.
    whole_in_overlap_a = TileBox(_quad(10, 1000, 300, 1030), 0, False)
    whole_in_overlap_b = TileBox(_quad(11, 1001, 299, 1031), 1, False)  # the same line seen by tile 1
    cut_at_bottom = TileBox(_quad(10, 1260, 300, 1280), 0, cut_by_edge(_quad(10, 1260, 300, 1280), 0, 1280, 1, 2240))
    seen_whole = TileBox(_quad(10, 1260, 300, 1290), 1, False)
    merged = merge_tiles([whole_in_overlap_a, whole_in_overlap_b, cut_at_bottom, seen_whole])
    assert cut_at_bottom.cut and len(merged) == 2
    # A line longer than the overlap, cut in two tiles along x: its pieces are joined.
    left = TileBox(_quad(100, 50, 1280, 80), 0, True)
    right = TileBox(_quad(960, 51, 2000, 81), 1, True)
    joined = merge_tiles([left, right])
    assert len(joined) == 1 and joined[0][:, 0].min() == 100 and joined[0][:, 0].max() == 2000


def test_content_box_skips_empty_margins() -> None:
    page = np.full((400, 300, 3), 250, dtype=np.uint8)
    assert content_box(page) is None
    page[100:120, 50:200] = 20
    x0, y0, x1, y1 = content_box(page)
    assert x0 <= 50 and y0 <= 100 and x1 >= 200 and y1 >= 120
    assert x0 > 0 and y0 > 0 and x1 < 300 and y1 < 400  # the margins are left out
