"""Word spaces the recogniser did not emit, found by reading the line again with its gaps widened.

PP-OCR's CTC recogniser emits a space only where the gap between two words is wide compared
with the letters around it. Shop names printed in wide (double-width) or condensed type keep
ordinary, narrow word gaps, and the recogniser then reads `SANYU STATIONERY SHOP` as
`SANYUSTATIONERYSHOP`. Its character columns cannot show the boundary: a wide letter spans 3-4
of its 8-pixel columns and the word gap less than one, so the columns are evenly spaced across
it. The ink alone is no safe guide either: the blank between two letters of a monospaced
receipt font next to an `i`, `l` or `t` is as wide as a word gap (`Descr ipt ion`, `TOO LS`,
`Salespers on` when splitting at wide ink gaps), while in the wide-type header the second word
gap was no wider than the letter gaps.

What works is to let the recogniser judge the spacing again: every blank ink column of the
line is doubled (`widen_gaps`), which leaves the letters as they are and makes a narrow word gap
as wide, relative to them, as the recogniser expects. That reading is used only for its spaces
(`added_spaces`): when it has exactly the same characters, each space it puts between two
characters the first reading had joined becomes a word boundary, except inside a number
(`1.505,31`, `12:30`), between two digits, before closing and after opening punctuation. Spaces
are only ever added, never removed. Only suspect lines are read again (`suspect_line`): a run
of many capitals without a space, or a gap in the ink clearly wider than every other gap
between the letters of the line.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# A column holds ink when at least this share of the text band's rows are dark there.
_INK_SHARE = 0.02
# Rows whose ink count is at least this share of the busiest row's make up the text band.
_BAND_SHARE = 0.15
# Blank columns are repeated this many times in the second reading.
WIDEN_FACTOR = 2
# A line is suspect when it holds a run without a space of at least this many letters, all
# capitals (a header's words run together; mixed-case runs are mostly long words, compounds,
# codes and addresses, and reading them all again cost a third more recognition on invoices) ...
LONG_RUN = 12
# ... or when one ink gap between its letters is at least this many times the widest other one,
# at least this share of the crop height wide, on a line with at least this many letter gaps.
SUSPECT_GAP_RATIO = 1.5
SUSPECT_GAP_HEIGHT = 0.12
SUSPECT_MIN_GAPS = 6

_CLOSING = set(".,:;)]}%!?'\"")
_OPENING = set("([{")
_NUMBER_JOINERS = set(".,:/-")
_ADDRESS_MARKS = ("@", "www.", "://")


def ink_columns(mask: np.ndarray) -> np.ndarray:
    """Which columns of a line crop's ink mask (HxW bool, ink.py) hold ink, as a W bool array.

    Only the text band's rows count (rows with at least 15% of the busiest row's
    ink), so ink of a neighbouring line caught at the crop's top or bottom edge does not fill
    the gaps between words.
    """
    rows = mask.sum(axis=1)
    if rows.max(initial=0) == 0:
        return np.zeros(mask.shape[1], dtype=bool)
    band = np.flatnonzero(rows >= _BAND_SHARE * rows.max())
    core = mask[band[0] : band[-1] + 1]
    return core.sum(axis=0) >= max(1.0, _INK_SHARE * core.shape[0])


def ink_gaps(ink: np.ndarray, xs: Sequence[float]) -> list[int]:
    """Widest run of blank columns, in pixels, between each pair of neighbouring positions.

    `ink`: `ink_columns` of the crop; `xs`: character centres in crop pixels, left to right
    (len n). Returns n-1 widths.
    """
    idx = np.arange(len(ink))
    # Length of the blank run ending at each column (0 on ink).
    run_end = idx - np.maximum.accumulate(np.where(ink, idx, -1))
    gaps = []
    for a, b in zip(xs, xs[1:], strict=False):
        lo, hi = max(0, int(round(a))), max(0, int(round(b)))
        if hi <= lo:
            gaps.append(0)
            continue
        # A run that started before `lo` counts only from `lo`.
        gaps.append(int(np.minimum(run_end[lo:hi], np.arange(1, hi - lo + 1)).max(initial=0)))
    return gaps


def widen_gaps(crop: np.ndarray, ink: np.ndarray, factor: int = WIDEN_FACTOR) -> np.ndarray:
    """The crop (HxW or HxWxC) with every blank column (`ink_columns`) repeated `factor` times."""
    reps = np.where(ink, 1, factor)
    return np.ascontiguousarray(crop[:, np.repeat(np.arange(crop.shape[1]), reps)])


def protected(chars: Sequence[str], j: int) -> bool:
    """True when no word boundary may be put between chars[j] and chars[j+1]: between two
    digits, inside a number (a joiner with digits on both sides: `1.505`, `12:30`, `2024-001`),
    before closing punctuation or after opening punctuation."""
    left, right = chars[j], chars[j + 1]
    if left.isdigit() and right.isdigit():
        return True
    if right in _CLOSING or left in _OPENING:
        return True
    if left in _NUMBER_JOINERS and right.isdigit() and j > 0 and chars[j - 1].isdigit():
        return True
    return right in _NUMBER_JOINERS and left.isdigit() and j + 2 < len(chars) and chars[j + 2].isdigit()


def _long_capitals(run: str) -> bool:
    letters = [c for c in run if c.isalpha()]
    return len(letters) >= LONG_RUN and not any(c.islower() for c in letters)


def suspect_line(text: str, chars: Sequence[str], gaps: Sequence[int], joined: Sequence[bool], height: int) -> bool:
    """Whether a line may hold word gaps the recogniser did not emit (worth a second reading).

    `text`: the line as read; `chars`: its non-space characters; `gaps`: `ink_gaps` between
    them (len n-1); `joined`: the pair is inside one word as read; `height`: crop height, px.
    """
    if any(_long_capitals(run) for run in text.split()):
        return True
    free = [gaps[j] for j in range(len(gaps)) if joined[j] and not protected(chars, j)]
    if len(free) < SUSPECT_MIN_GAPS:
        return False
    ordered = sorted(free)
    return ordered[-1] >= SUSPECT_GAP_HEIGHT * height and ordered[-1] >= SUSPECT_GAP_RATIO * max(ordered[-2], 1)


def added_spaces(text: str, wide_text: str) -> set[int]:
    """Pairs j (between non-space characters j and j+1 of `text`) where the second reading
    `wide_text` puts a space that `text` lacks and a boundary is allowed (`protected`).

    Never inside a token of `text` that holds an e-mail or web address, nor next to an `@`.
    Empty when the two readings differ in anything but spaces, or when an added space would
    leave a piece of one character.
    """
    chars = [c for c in text if not c.isspace()]
    if chars != [c for c in wide_text if not c.isspace()]:
        return set()

    def spaced_after(s: str) -> set[int]:
        out, k = set(), -1
        for c in s:
            if c.isspace():
                out.add(k)
            else:
                k += 1
        return {j for j in out if 0 <= j < len(chars) - 1}

    # Pairs inside an e-mail or web address as first read ('name@shop.com', 'www.shop.com.my').
    addresses: set[int] = set()
    k = 0
    for token in text.split():
        if any(mark in token.lower() for mark in _ADDRESS_MARKS):
            addresses.update(range(k, k + len(token) - 1))
        k += len(token)
    added = {
        j
        for j in spaced_after(wide_text) - spaced_after(text)
        if not protected(chars, j) and j not in addresses and "@" not in chars[j : j + 2]
    }
    # A piece of one character means the widened reading took letter gaps for word gaps
    # ('GOL D E N' for GOLDEN in letter-spaced type): none of its spaces is trusted.
    edges = [-1, *sorted(added | spaced_after(text)), len(chars) - 1]
    if any(b - a < 2 and ({a, b} & added) for a, b in zip(edges, edges[1:], strict=False)):
        return set()
    return added
