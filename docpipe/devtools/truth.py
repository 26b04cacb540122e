"""Ground-truth records written beside the generated sample documents (sample_docs/truth.jsonl)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from docpipe.records import BBox


class TruthBox(BaseModel):
    """Where one value was drawn: page and tight box, normalised 0..1 of the page as displayed."""

    model_config = ConfigDict(frozen=True)

    page_index: int
    bbox: BBox
    # Exactly what was printed for the value (e.g. "1.234,56" for the amount 1234.56); multi-line
    # values are their lines joined by one space.
    text: str


class ChartQuestion(BaseModel):
    model_config = ConfigDict(frozen=True)

    question: str
    answer: str


class SampleTruth(BaseModel):
    """One generated document and what a perfect extraction of it returns."""

    file: str
    kind: Literal["invoice", "receipt", "chart"]
    schema_name: str
    pages: int
    # Size of each page as displayed: points for PDFs, pixels for images.
    page_sizes: list[tuple[float, float]]
    description: str
    expected: dict[str, Any] = Field(description="The schema model as JSON (amounts as strings, ISO dates).")
    boxes: dict[str, TruthBox] = Field(default_factory=dict)
    qa: list[ChartQuestion] = Field(default_factory=list)  # the key `docpipe eval` scores chart answers from


@dataclass
class DrawnBox:
    """A value's box in PDF points on the page it was drawn on, before normalisation."""

    page_index: int
    rect: tuple[float, float, float, float]
    text: str

    def merged(self, rect: tuple[float, float, float, float], text: str) -> DrawnBox:
        x0, y0, x1, y1 = self.rect
        return DrawnBox(self.page_index, (min(x0, rect[0]), min(y0, rect[1]), max(x1, rect[2]), max(y1, rect[3])),
                        f"{self.text} {text}")


Affine = tuple[float, float, float, float, float, float]
"""(a, b, c, d, e, f): x' = a*x + b*y + c, y' = d*x + e*y + f."""


@dataclass(frozen=True)
class PageMapping:
    """How PDF points on one source page land on the final page: an affine map plus the final size."""

    affine: Affine
    width: float
    height: float

    @staticmethod
    def identity(width: float, height: float) -> PageMapping:
        return PageMapping((1.0, 0.0, 0.0, 0.0, 1.0, 0.0), width, height)


def _map_rect(rect: tuple[float, float, float, float], mapping: PageMapping) -> BBox:
    a, b, c, d, e, f = mapping.affine
    x0, y0, x1, y1 = rect
    # A rotated rectangle's extent is its four mapped corners' envelope.
    xs, ys = [], []
    for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1)):
        xs.append(a * x + b * y + c)
        ys.append(d * x + e * y + f)

    def norm(v: float, size: float) -> float:
        return round(min(max(v / size, 0.0), 1.0), 5)

    return (norm(min(xs), mapping.width), norm(min(ys), mapping.height),
            norm(max(xs), mapping.width), norm(max(ys), mapping.height))


def truth_boxes(drawn: dict[str, DrawnBox], mappings: list[PageMapping]) -> dict[str, TruthBox]:
    return {
        key: TruthBox(page_index=box.page_index, bbox=_map_rect(box.rect, mappings[box.page_index]), text=box.text)
        for key, box in drawn.items()
    }
