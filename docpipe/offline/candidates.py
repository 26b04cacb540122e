"""The candidate model shared by every offline generator, the ranker and the selection.

A candidate is one span of a page's word layer that could be a field's value: where it is
(tokens of `grounding.layout.PageLayout`, the page's word indices, a box), what it reads as
(the typed value and the printed text), which generator proposed it, and the evidence for it as
named numeric features. Generators only propose; the ranker (`offline/ranking.py`) scores every
candidate of a field from its features, and the selection (`offline/select.py`) picks one per
field, jointly where the schema's consistency rules relate fields (subtotal + tax = total).

Boxes are `[x0, y0, x1, y1]` fractions 0-1 of the page as displayed, origin top-left.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from docpipe.records import BBox


class Candidate(BaseModel):
    """One possible value of one field, with the evidence for it.

    `features` are named numbers in [0, 1] (or small counts) that the ranker reads; a generator
    sets the ones it knows and leaves the rest absent (read as 0). `score` is the ranker's
    output (uncalibrated, higher is better); `confidence` the calibrated probability that the
    value is right, set after selection.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    field: str  # field path: 'total', 'line_items[2].amount'
    kind: str  # the field's kind (docpipe.fields.KINDS)
    value: Any  # typed: Decimal for amounts, date for dates, str otherwise
    text: str  # the printed words the value was read from, joined by spaces
    tokens: list[int] = Field(default_factory=list)  # PageLayout token ids (deterministic from the words)
    word_indices: list[int] = Field(default_factory=list)  # indices into the page's Word list
    page_index: int = 0
    bbox: BBox | None = None
    generator: str = ""  # which generator proposed it: 'label_right', 'label_below', 'header_block', ...
    features: dict[str, float] = Field(default_factory=dict)
    score: float = 0.0
    confidence: float | None = None

    def feature(self, name: str) -> float:
        return self.features.get(name, 0.0)

    def value_text(self) -> str:
        """The value as docpipe writes it ('1234.50', '2024-03-05', 'EUR')."""
        if isinstance(self.value, Decimal):
            return format(self.value, "f")
        if isinstance(self.value, date):
            return self.value.isoformat()
        return str(self.value)

    def same_value(self, other: Candidate) -> bool:
        return self.field == other.field and self.value_key() == other.value_key()

    def value_key(self) -> Any:
        """What makes two candidates the same value (amounts by number, text case-insensitively)."""
        if isinstance(self.value, (Decimal, date)):
            return self.value
        return " ".join(str(self.value).split()).casefold()
