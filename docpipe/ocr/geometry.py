"""Page-rotation arithmetic shared by the OCR engines.

Engines read a page in an upright frame (the page turned so the text reads left to right) and
must report boxes in the displayed frame (the image the rest of the pipeline sees). Rotations are
always multiples of 90 degrees, clockwise, in continuous pixel coordinates (edges, not centres),
so a round trip is exact.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from docpipe.records import BBox


def rotated_size(width: float, height: float, degrees: int) -> tuple[float, float]:
    """Size of a width x height image after turning it clockwise by `degrees`."""
    return (height, width) if degrees % 180 else (width, height)


def rotate_points(points: np.ndarray, degrees: int, width: float, height: float) -> np.ndarray:
    """Map (N, 2) points of a width x height image into that image turned clockwise by `degrees`."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    x, y = pts[:, 0], pts[:, 1]
    turn = degrees % 360
    if turn == 0:
        out = np.stack([x, y], axis=1)
    elif turn == 90:
        out = np.stack([height - y, x], axis=1)
    elif turn == 180:
        out = np.stack([width - x, height - y], axis=1)
    elif turn == 270:
        out = np.stack([y, width - x], axis=1)
    else:
        raise ValueError(f"rotation must be a multiple of 90 degrees, got {degrees}")
    return out


def rotate_image(image: np.ndarray, degrees: int) -> np.ndarray:
    """Turn an HxW(xC) array clockwise by a multiple of 90 degrees (np.rot90 turns anticlockwise)."""
    turn = degrees % 360
    if turn not in (0, 90, 180, 270):
        raise ValueError(f"rotation must be a multiple of 90 degrees, got {degrees}")
    if turn == 0:
        return image
    return np.ascontiguousarray(np.rot90(image, k=-(turn // 90)))


def points_to_bbox(points: np.ndarray, width: float, height: float) -> BBox:
    """Axis-aligned box around pixel points, normalised to 0..1 and clipped to the page."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    x0 = float(np.clip(pts[:, 0].min() / width, 0.0, 1.0))
    x1 = float(np.clip(pts[:, 0].max() / width, 0.0, 1.0))
    y0 = float(np.clip(pts[:, 1].min() / height, 0.0, 1.0))
    y1 = float(np.clip(pts[:, 1].max() / height, 0.0, 1.0))
    return (x0, y0, x1, y1)


def rotate_bbox(bbox: Sequence[float], degrees: int) -> BBox:
    """Turn a normalised box with the page (unit square) clockwise by `degrees`."""
    x0, y0, x1, y1 = bbox
    corners = np.array([[x0, y0], [x1, y1]], dtype=np.float64)
    turned = rotate_points(corners, degrees, 1.0, 1.0)
    return (
        float(turned[:, 0].min()),
        float(turned[:, 1].min()),
        float(turned[:, 0].max()),
        float(turned[:, 1].max()),
    )


def bbox_iou(a: Sequence[float], b: Sequence[float]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0
