"""Which way up the page and its text lines are, from detector boxes and the line classifier.

PP-OCR's line-orientation classifier sees a 48x192 input. A whole invoice line (often 20+ times
wider than tall) squeezed into that is a smear, and the classifier then calls upright lines
upside down with high confidence. So it is shown a few line-height-proportioned pieces of each
line and their verdicts are averaged.

Classifying every line costs about a tenth of a page's OCR. The page's orientation is therefore
first voted by a sample of its longest lines; only when they disagree is every line classified.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

# Detector boxes taller than wide by this factor are read as vertical text lines.
VERTICAL_ASPECT = 1.5
# Width/height of one piece shown to the classifier (its input is 192x48).
PIECE_ASPECT = 4.0
# At most this many pieces per line: start, middle, end.
MAX_PIECES = 3
# Only lines at least this many times wider than tall vote on page orientation: on short
# crops the classifier guesses (a digit looks the same both ways up).
VOTE_MIN_ASPECT = 2.0

# The classifier first sees at most this many of the longest lines ...
SAMPLE_LINES = 12
# ... and the page's orientation is settled by them when at least this many vote and the
# losing side has at most this share of the vote.
SAMPLE_MIN_VOTERS = 3
SAMPLE_MAX_DISSENT = 0.15

Classify = Callable[[list[np.ndarray]], Sequence[tuple[str, float]]]


def mostly_vertical(quads: list[np.ndarray]) -> bool:
    """True when most text (by length) runs top-to-bottom: the page is turned by 90 or 270."""
    vertical = horizontal = 0.0
    for q in quads:
        ext_x, ext_y = float(np.ptp(q[:, 0])), float(np.ptp(q[:, 1]))
        if ext_y >= VERTICAL_ASPECT * ext_x:
            vertical += ext_y
        elif ext_x >= VERTICAL_ASPECT * ext_y:
            horizontal += ext_x
    return vertical > horizontal


def line_pieces(crop: np.ndarray) -> list[np.ndarray]:
    h, w = crop.shape[:2]
    piece = max(1, int(round(PIECE_ASPECT * h)))
    if w <= 1.5 * piece:
        return [crop]
    starts = np.linspace(0, w - piece, MAX_PIECES).round().astype(int)
    return [crop[:, s : s + piece] for s in starts]


def upside_down_probabilities(crops: list[np.ndarray], classify: Classify) -> list[float]:
    """Per line, the classifier's mean probability that it is upside down, over its pieces."""
    pieces: list[np.ndarray] = []
    owner: list[int] = []
    for i, crop in enumerate(crops):
        for p in line_pieces(crop):
            pieces.append(p)
            owner.append(i)
    if not pieces:
        return []
    sums = np.zeros(len(crops))
    counts = np.zeros(len(crops))
    for i, (label, score) in zip(owner, classify(pieces), strict=True):
        p180 = float(score) if "180" in str(label) else 1.0 - float(score)
        sums[i] += p180
        counts[i] += 1
    return [float(s / c) if c else 0.0 for s, c in zip(sums, counts, strict=True)]


def mostly_upside_down(crops: list[np.ndarray], p180: list[float]) -> bool:
    """Width-weighted vote of the longer lines: is the whole page upside down?"""
    flipped = upright = 0.0
    for crop, p in zip(crops, p180, strict=True):
        h, w = crop.shape[:2]
        if w < VOTE_MIN_ASPECT * h:
            continue
        flipped += w * p
        upright += w * (1.0 - p)
    return flipped > upright


def line_reversed(p180: float, page_flip: bool, thresh: float) -> bool:
    """A line follows the page unless the classifier is confident it points the other way."""
    if page_flip:
        return p180 > 1.0 - thresh
    return p180 >= thresh


def orientation_sample(crops: list[np.ndarray]) -> list[int]:
    """Indices of the longest lines (by width over height) that may vote, longest first."""
    voters = [i for i, c in enumerate(crops) if c.shape[1] >= VOTE_MIN_ASPECT * c.shape[0]]
    voters.sort(key=lambda i: -crops[i].shape[1] / max(1, crops[i].shape[0]))
    return voters[:SAMPLE_LINES]


def clear_page_orientation(crops: list[np.ndarray], p180: list[float]) -> bool | None:
    """Upside down (True) or upright (False) when the lines agree clearly, else None.

    Width-weighted like `mostly_upside_down`; clear means at least SAMPLE_MIN_VOTERS voting lines
    and the losing side holding at most SAMPLE_MAX_DISSENT of the weight.
    """
    flipped = upright = 0.0
    voters = 0
    for crop, p in zip(crops, p180, strict=True):
        h, w = crop.shape[:2]
        if w < VOTE_MIN_ASPECT * h:
            continue
        voters += 1
        flipped += w * p
        upright += w * (1.0 - p)
    total = flipped + upright
    if voters < SAMPLE_MIN_VOTERS or total <= 0:
        return None
    if flipped <= SAMPLE_MAX_DISSENT * total:
        return False
    if upright <= SAMPLE_MAX_DISSENT * total:
        return True
    return None
