"""verify_on_page: does the page's word layer support each value, and where exactly.

Policy (what analysts can rely on):
- grounded=True only when words on the page match the value by its kind (numeric equality for
  amounts, same calendar date, same identifier key, same length of time for durations, fuzzy >=
  threshold for names/addresses/places/text). Kinds come from `docpipe.fields` (one inference).
- bbox is always the union of the matched words (OCR ink boxes grown to the printed line, see
  grounding.inkbox). A model's box is never passed through: when it overlaps the matched words
  the source is "both" and the box snaps to the words; when the words are elsewhere the words
  win (source "words"); when no words match, bbox is None.
- Where a value occurs several times, the occurrence inside the model's box wins, then the one
  nearest the field's printed label, then the one beside the other cells of the same table row.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from statistics import median

import numpy as np
from pydantic import BaseModel, Field

from docpipe.grounding.amounts import read_amount
from docpipe.grounding.dates import infer_day_first
from docpipe.grounding.labels import find_labels
from docpipe.grounding.layout import PageLayout
from docpipe.grounding.match import FUZZY_THRESHOLD, Candidate, PageMatcher
from docpipe.grounding.normalize import canonical_amount, canonical_date, parse_duration
from docpipe.grounding.textnorm import name_key
from docpipe.fields import DERIVED_KINDS, FieldSpec, field_specs
from docpipe.records import BBox, FieldGrounding, Word

EXACT_THRESHOLD = 0.85
TRUNCATED_FACTOR = 0.5  # a value the page prints longer keeps half its match score and is not grounded
OVERLAP_THRESHOLD = 0.5  # intersection over the smaller box
IOU_THRESHOLD = 0.3


class GroundingQuery(BaseModel):
    field: str  # "total", "line_items[2].amount"
    value: str
    kind: str = "text"
    vlm_bbox: BBox | None = None
    page_index: int = 0
    labels: list[str] = Field(default_factory=list)  # printed labels of the field, for tie-breaks
    # Where an extractor read the value from the words (offline engine): picks among several
    # printed occurrences like a model's box does, but the evidence stays the words ("words").
    hint_bbox: BBox | None = None


def _area(b: BBox) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def box_overlap(a: BBox, b: BBox) -> tuple[float, float]:
    """(IoU, intersection over the smaller box)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0, 0.0
    inter = w * h
    union = _area(a) + _area(b) - inter
    small = min(_area(a), _area(b))
    return (inter / union if union > 0 else 0.0), (inter / small if small > 0 else 0.0)


def _candidates(matcher: PageMatcher, q: GroundingQuery) -> tuple[list[Candidate], float]:
    """Matches for the query and the quality a match needs to count as grounded."""
    value = q.value.strip()
    if q.kind == "amount":
        amount = canonical_amount(value)
        if amount is not None:
            return matcher.amounts(amount), EXACT_THRESHOLD
    elif q.kind == "date":
        day = canonical_date(value, matcher.day_first)
        if day is not None:
            return matcher.dates(day), EXACT_THRESHOLD
    elif q.kind == "identifier":
        # No fuzzy fallback: 'INV-1002' must not be confirmed by 'INV-1003' printed on the page.
        return matcher.identifiers(value), EXACT_THRESHOLD
    elif q.kind == "currency":
        return matcher.currencies(value), EXACT_THRESHOLD
    elif q.kind == "duration":
        length = parse_duration(value)
        if length is not None:
            return matcher.durations(length), EXACT_THRESHOLD
    kind = q.kind if q.kind in FUZZY_THRESHOLD else "text"
    return matcher.fuzzy(value, kind), FUZZY_THRESHOLD[kind]


def _label_distance(layout: PageLayout, cand: Candidate, labels: np.ndarray) -> float:
    """Reading distance from the nearest label to the value: right of it, or below it.

    `labels` is an (n, 4) array of label boxes; vectorised because a page can print a common
    label ('Total', 'Date') hundreds of times.
    """
    x0, y0, x1, y1 = cand.box(layout)
    lx0, ly0, lx1, ly1 = labels[:, 0], labels[:, 1], labels[:, 2], labels[:, 3]
    same_row = (np.minimum(y1, ly1) - np.maximum(y0, ly0)) > 0.3 * (ly1 - ly0)
    right = same_row & (x0 >= lx0)
    # Forms put values far right of their labels; a row's width is cheap to read across.
    d_right = 0.1 * (x0 - lx1)
    dx = np.maximum(0.0, np.maximum(lx0 - x1, x0 - lx1))
    d_below = 0.05 + 2 * (y0 - ly1) + dx
    d_other = np.abs(y0 - ly0) + np.abs(x0 - lx0) + 0.3
    d = np.where(right, d_right, np.where(y0 >= ly0 - 0.002, d_below, d_other))
    return float(np.maximum(d, 0.0).min()) if len(d) else 9.0


def _row_key(path: str) -> str | None:
    m = re.match(r"^(.*\[\d+\])\.[^.\[\]]+$", path)
    return m.group(1) if m else None


class _Verifier:
    def __init__(self, words: list[Word], page_index: int, day_first: bool | None) -> None:
        self.layout = PageLayout(words)
        if day_first is None:
            day_first = infer_day_first(t.text for t in self.layout.tokens)
        self.matcher = PageMatcher(self.layout, day_first)
        self.page_index = page_index
        self._label_cache: dict[tuple[str, ...], np.ndarray] = {}

    def label_boxes(self, labels: list[str]) -> np.ndarray:
        key = tuple(labels)
        if key not in self._label_cache:
            hits = find_labels(self.layout, labels) if labels else []
            boxes = [self.layout.bbox_of(h.tokens) for h in hits]
            self._label_cache[key] = np.array(boxes, dtype=float).reshape(-1, 4)
        return self._label_cache[key]

    def rank(self, q: GroundingQuery, cands: list[Candidate], row_y: float | None) -> tuple[Candidate, str]:
        """The best candidate and the grounding source it earns."""
        layout = self.layout
        for proposal, source in ((q.vlm_bbox, "both"), (q.hint_bbox, "words")):
            if proposal is None:
                continue
            inside = []
            for c in cands:
                iou, cover = box_overlap(c.box(layout), proposal)
                if iou >= IOU_THRESHOLD or cover >= OVERLAP_THRESHOLD:
                    inside.append((c.quality, iou + cover, c))
            if inside:
                inside.sort(key=lambda t: (-t[0], -t[1]))
                return inside[0][2], source
        top = max(c.quality for c in cands)
        pool = [c for c in cands if c.quality >= top - 1e-9]
        if len(pool) > 1 and row_y is not None:
            pool.sort(key=lambda c: abs(_cy(c.box(layout)) - row_y))
            return pool[0], "words"
        if len(pool) > 1:
            boxes = self.label_boxes(q.labels)
            if len(boxes):
                pool.sort(key=lambda c: _label_distance(layout, c, boxes))
                return pool[0], "words"
        pool.sort(key=lambda c: (layout.tokens[c.tokens[0]].row, layout.tokens[c.tokens[0]].pos))
        return pool[0], "words"

    def verify(self, queries: list[GroundingQuery]) -> list[FieldGrounding]:
        found = [_candidates(self.matcher, q) if q.value and q.value.strip() else ([], 1.0) for q in queries]
        # Table cells: the row where the unambiguous cells of the same item sit.
        row_centres: dict[str, list[float]] = {}
        for q, (cands, thr) in zip(queries, found):
            key = _row_key(q.field)
            good = [c for c in cands if c.quality >= thr]
            if key and len(good) == 1:
                row_centres.setdefault(key, []).append(_cy(good[0].box(self.layout)))
        out: list[FieldGrounding] = []
        for q, (cands, thr) in zip(queries, found):
            good = [c for c in cands if c.quality >= thr]
            if not good:
                best = max((c.quality for c in cands), default=0.0)
                out.append(FieldGrounding(field=q.field, value=q.value, page_index=self.page_index,
                                          score=round(best, 4), grounded=False, source=None))
                continue
            key = _row_key(q.field)
            row_y = median(row_centres[key]) if key and key in row_centres else None
            best, source = self.rank(q, good, row_y)
            cut = self.truncated(q, best)
            out.append(FieldGrounding(
                field=q.field, value=q.value, page_index=self.page_index,
                bbox=_round_box(best.bbox if best.bbox is not None else self.layout.value_box(best.tokens)),
                text=self.layout.text_of(best.tokens),
                score=round(best.quality * (TRUNCATED_FACTOR if cut else 1.0), 4), grounded=not cut, source=source,
            ))
        return out

    def truncated(self, q: GroundingQuery, cand: Candidate) -> bool:
        """A text value the page prints longer: cut inside a bracket ('… (100' for '… (100 Stk.)'),
        or a table cell whose printed words go on (in the cell, or on a wrapped line under it)."""
        if q.kind not in ("text", "name", "address") or not cand.tokens:
            return False
        layout = self.layout
        last = layout.tokens[cand.tokens[-1]]
        seg = layout.segments[last.seg]
        rest = seg.tokens[seg.tokens.index(cand.tokens[-1]) + 1:]
        if rest and read_amount(layout.tokens[rest[0]].text) is None:
            value = q.value
            if value.count("(") > value.count(")") and any(")" in layout.tokens[t].text for t in rest[:4]):
                return True
            if _row_key(q.field) is not None:
                return True  # a table cell printed with more words than the value has
        if _row_key(q.field) is None or rest:
            return False
        below = layout.segment_below(last.seg)
        if below is None or layout.segments[below].tokens[0] in cand.tokens:
            return False
        under = layout.segments[below]
        first = layout.segments[layout.tokens[cand.tokens[0]].seg]
        wrapped_line = abs(under.x0 - first.x0) < 0.01 and not any(
            read_amount(layout.tokens[t].text) is not None for t in layout.rows[under.row])
        return wrapped_line and name_key(layout.segment_text(below)) not in name_key(q.value) \
            and not _heads_quantity_line(layout, under.row)


def _heads_quantity_line(layout: PageLayout, row: int) -> bool:
    """The row is a receipt item's description whose 'qty x price  amount' line follows it: the
    next row has numbers and nothing else ('2 x 2.85   5.70'), so the row is not a wrapped line
    of the item above."""
    below = layout.rows_below(row, 1.5)
    if not below:
        return False
    texts = [layout.tokens[t].text.strip() for t in layout.rows[below[0]]]
    return any(read_amount(t) is not None for t in texts) and all(
        read_amount(t) is not None or t in ("x", "X", "×", "@", "*") or re.match(r"^\d+[xX×@*][\d.,]*$", t)
        for t in texts)


def _cy(b: BBox) -> float:
    return (b[1] + b[3]) / 2


def _round_box(b: BBox) -> BBox:
    return (round(b[0], 5), round(b[1], 5), round(b[2], 5), round(b[3], 5))


def verify_on_page(
    queries: list[GroundingQuery], words: list[Word], page_index: int, day_first: bool | None = None
) -> list[FieldGrounding]:
    """One FieldGrounding per query, same order. Never raises for an odd value."""
    if not queries:
        return []
    return _Verifier(words, page_index, day_first).verify(queries)


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, (date, Decimal)):
        return value.isoformat() if isinstance(value, date) else format(value, "f")
    if hasattr(value, "value") and not isinstance(value, (str, int, float)):
        return str(getattr(value, "value"))
    return str(value)


def build_queries(
    instance: BaseModel, page_index: int, boxes: dict[str, BBox] | None = None
) -> list[GroundingQuery]:
    """Queries for every non-empty scalar in a schema instance, table cells and items of scalar
    lists included (derived kinds such as a page's language are judgements, not printed: skipped).

    `boxes` maps field paths ('total', 'line_items[0].amount') to the model's boxes, if any.
    """
    boxes = boxes or {}
    out: list[GroundingQuery] = []

    def walk(obj: BaseModel, specs: list[FieldSpec], prefix: str) -> None:
        for spec in specs:
            value = getattr(obj, spec.name, None)
            path = f"{prefix}{spec.name}"
            if spec.item_model is not None and isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, BaseModel):
                        walk(item, list(spec.item_fields), f"{path}[{i}].")
                continue
            if isinstance(value, BaseModel) or isinstance(value, dict) or spec.kind in DERIVED_KINDS:
                continue
            # A list of scalars ('party': [...]) is verified item by item: 'party[0]', 'party[1]'.
            items = [(f"{path}[{i}]", v) for i, v in enumerate(value)] if isinstance(value, list) else [(path, value)]
            for item_path, item in items:
                text = _as_text(item)
                if text is None or not text.strip() or isinstance(item, (BaseModel, list, dict)):
                    continue
                out.append(GroundingQuery(field=item_path, value=text, kind=spec.kind, vlm_bbox=boxes.get(item_path),
                                          page_index=page_index, labels=list(spec.labels)))

    walk(instance, field_specs(type(instance)), "")
    return out
