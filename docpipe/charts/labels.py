"""Words of a chart region grouped into text labels (tick labels, titles, legend entries).

Boxes here are in points of the displayed page (origin top-left), converted from the word
layer's page fractions at this edge; readers convert back to fractions when they emit marks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from docpipe.charts.numbers import PrintedNumber, parse_number
from docpipe.records import BBox, Word


@dataclass
class TextLabel:
    """One label: words of one line printed close together (or one rotated line)."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    vertical: bool = False
    confidence: float = 1.0
    words: list[Word] = field(default_factory=list)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def size(self) -> float:
        """Font size estimate: the box's extent across the reading direction."""
        return self.width if self.vertical else self.height

    @cached_property
    def number(self) -> PrintedNumber | None:
        return parse_number(self.text)

    def box(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0, self.x1, self.y1)


def to_points(box: BBox, width: float, height: float) -> tuple[float, float, float, float]:
    return (box[0] * width, box[1] * height, box[2] * width, box[3] * height)


def to_fraction(box: tuple[float, float, float, float], width: float, height: float) -> BBox:
    return (box[0] / width, box[1] / height, box[2] / width, box[3] / height)


def inside(box: tuple[float, float, float, float], region: tuple[float, float, float, float],
           margin: float = 0.0) -> bool:
    """The centre of `box` lies in `region` grown by `margin`."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return region[0] - margin <= cx <= region[2] + margin and region[1] - margin <= cy <= region[3] + margin


def chart_labels(words: list[Word], width: float, height: float,
                 region: tuple[float, float, float, float] | None = None) -> list[TextLabel]:
    """Labels from the words whose centre lies in `region` (points; None: the whole page).

    Words of one text line join while the gap between them is under 0.6 of the line's height
    (a wider gap separates neighbouring tick labels set on one line); a line whose words stack
    vertically is one rotated label, read bottom to top.
    """
    boxes = [(w, to_points(w.bbox, width, height)) for w in words if w.text.strip()]
    if region is not None:
        boxes = [(w, b) for w, b in boxes if inside(b, region)]
    lines: dict[tuple[int, int], list[tuple[Word, tuple[float, float, float, float]]]] = {}
    for word, box in boxes:
        lines.setdefault((word.block_id, word.line_id), []).append((word, box))
    labels: list[TextLabel] = []
    for members in lines.values():
        if len(members) > 1 and _stacked(members) or len(members) == 1 and _upright(members[0]):
            members.sort(key=lambda m: -m[1][3])
            labels.append(_label(members, vertical=True))
            continue
        members.sort(key=lambda m: m[1][0])
        run = [members[0]]
        for member in members[1:]:
            previous = run[-1][1]
            line_height = max(previous[3] - previous[1], member[1][3] - member[1][1])
            numbers = parse_number(run[-1][0].text) is not None and parse_number(member[0].text) is not None
            if member[1][0] - previous[2] > 0.6 * line_height or numbers:
                labels.append(_label(run, vertical=False))
                run = []
            run.append(member)
        labels.append(_label(run, vertical=False))
    labels.sort(key=lambda lab: (round(lab.cy, 1), lab.x0))
    return labels


def _upright(member: tuple[Word, tuple[float, float, float, float]]) -> bool:
    """A lone word set rotated: its box is much taller than wide (horizontal words are never)."""
    word, (x0, y0, x1, y1) = member
    return len(word.text) >= 4 and (y1 - y0) >= 1.25 * (x1 - x0) and parse_number(word.text) is None


def _stacked(members: list[tuple[Word, tuple[float, float, float, float]]]) -> bool:
    """Words of one line that overlap horizontally and follow each other vertically: rotated text."""
    xs0 = max(b[0] for _, b in members)
    xs1 = min(b[2] for _, b in members)
    if xs1 <= xs0:
        return False
    ordered = sorted(b for _, b in members)
    ys = sorted(members, key=lambda m: m[1][1])
    return all(a[1][3] <= b[1][1] + 1.0 for a, b in zip(ys, ys[1:])) and len(ordered) > 1


def _label(members: list[tuple[Word, tuple[float, float, float, float]]], vertical: bool) -> TextLabel:
    boxes = [b for _, b in members]
    words = [w for w, _ in members]
    return TextLabel(
        text=" ".join(w.text for w in words), x0=min(b[0] for b in boxes), y0=min(b[1] for b in boxes),
        x1=max(b[2] for b in boxes), y1=max(b[3] for b in boxes), vertical=vertical,
        confidence=min(w.conf for w in words), words=words)
