"""Rotation arithmetic, orientation voting and ink tightening used to place OCR boxes."""

from __future__ import annotations

import numpy as np
import pytest

from docpipe.ocr.geometry import bbox_iou, points_to_bbox, rotate_bbox, rotate_image, rotate_points
from docpipe.ocr.ink import ink_mask, tighten_span
from docpipe.ocr.orientation import (
    line_pieces,
    line_reversed,
    mostly_upside_down,
    mostly_vertical,
    upside_down_probabilities,
)


@pytest.mark.parametrize("degrees", [0, 90, 180, 270])
def test_points_follow_the_pixels_when_the_image_turns(degrees: int) -> None:
    image = np.zeros((30, 50), dtype=np.uint8)
    image[5, 40] = 255  # pixel whose top-left corner is (40, 5)
    turned = rotate_image(image, degrees)
    ys, xs = np.nonzero(turned)
    centre = rotate_points(np.array([[40.5, 5.5]]), degrees, 50, 30)[0]
    assert (xs[0] + 0.5, ys[0] + 0.5) == pytest.approx(tuple(centre))
    back = rotate_points(
        rotate_points(np.array([[3.0, 7.0]]), degrees, 50, 30),
        (360 - degrees) % 360,
        *(30, 50) if degrees % 180 else (50, 30),
    )
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


def test_long_lines_reach_the_classifier_in_line_height_pieces() -> None:
    crop = np.zeros((20, 400, 3), dtype=np.uint8)
    pieces = line_pieces(crop)
    assert len(pieces) == 3 and all(p.shape[:2] == (20, 80) for p in pieces)
    assert len(line_pieces(np.zeros((20, 100, 3), dtype=np.uint8))) == 1

    seen: list[int] = []

    def classify(images: list[np.ndarray]) -> list[tuple[str, float]]:
        seen.append(len(images))
        return [("180", 0.9), ("180", 0.7), ("0", 0.8), ("0", 0.99)]

    probs = upside_down_probabilities([crop, np.zeros((20, 60, 3), dtype=np.uint8)], classify)
    assert seen == [4]
    assert probs == pytest.approx([(0.9 + 0.7 + 0.2) / 3, 0.01])


def test_page_and_line_orientation_votes() -> None:
    wide, short = np.zeros((10, 100, 3)), np.zeros((10, 12, 3))
    assert mostly_upside_down([wide, short, short], [0.8, 0.0, 0.0])
    assert not mostly_upside_down([wide, wide], [0.8, 0.1])
    assert line_reversed(0.95, page_flip=False, thresh=0.9) and not line_reversed(0.6, False, 0.9)
    assert line_reversed(0.6, page_flip=True, thresh=0.9) and not line_reversed(0.05, True, 0.9)
    tall = np.array([[0, 0], [10, 0], [10, 100], [0, 100]], dtype=float)
    flat = np.array([[0, 0], [50, 0], [50, 10], [0, 10]], dtype=float)
    assert mostly_vertical([tall, flat]) and not mostly_vertical([tall, flat, flat, flat])
