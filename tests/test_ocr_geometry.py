"""Rotation arithmetic and ink tightening used to place OCR boxes."""

from __future__ import annotations

import numpy as np
import pytest

from docpipe.ocr.geometry import bbox_iou, points_to_bbox, rotate_bbox, rotate_image, rotate_points
from docpipe.ocr.ink import ink_mask, tighten_span


@pytest.mark.parametrize("degrees", [0, 90, 180, 270])
def test_points_follow_the_pixels_when_the_image_turns(degrees: int) -> None:
    image = np.zeros((30, 50), dtype=np.uint8)
    image[5, 40] = 255  # pixel whose top-left corner is (40, 5)
    turned = rotate_image(image, degrees)
    ys, xs = np.nonzero(turned)
    centre = rotate_points(np.array([[40.5, 5.5]]), degrees, 50, 30)[0]
    assert (xs[0] + 0.5, ys[0] + 0.5) == pytest.approx(tuple(centre))
    back = rotate_points(rotate_points(np.array([[3.0, 7.0]]), degrees, 50, 30), (360 - degrees) % 360,
                         *(30, 50) if degrees % 180 else (50, 30))
    assert back[0] == pytest.approx([3.0, 7.0])


def test_rotate_bbox_and_iou() -> None:
    box = (0.1, 0.2, 0.3, 0.25)
    assert rotate_bbox(box, 90) == pytest.approx((0.75, 0.1, 0.8, 0.3))
    assert rotate_bbox(rotate_bbox(box, 90), 270) == pytest.approx(box)
    assert bbox_iou(box, box) == pytest.approx(1.0)
    assert bbox_iou(box, (0.5, 0.5, 0.6, 0.6)) == 0.0
    assert points_to_bbox(np.array([[-5, 10], [60, 20]]), 50, 40) == (0.0, 0.25, 1.0, 0.5)


def test_ink_tightening_shrinks_a_padded_span_to_the_dark_pixels() -> None:
    crop = np.full((40, 100, 3), 255, dtype=np.uint8)
    crop[10:30, 20:50] = 0
    mask = ink_mask(crop)
    assert mask is not None
    start, end, top, bottom = tighten_span(mask, 0.1, 0.6)
    assert start == pytest.approx(0.19) and end == pytest.approx(0.51)
    assert top == pytest.approx(9 / 40) and bottom == pytest.approx(31 / 40)
    assert ink_mask(np.full((10, 10, 3), 200, dtype=np.uint8)) is None
