"""Verify every value of a page against its word layer (and the VLM's proposed boxes)."""

from __future__ import annotations

from docpipe.grounding.verify import GroundingQuery, verify_on_page
from docpipe.records import FieldGrounding
from docpipe.tasks.base import PageWork
from docpipe.tasks.ground import values_to_ground


def ground_page(work: PageWork) -> list[FieldGrounding]:
    values = values_to_ground(work)
    if not values:
        return []
    page_index = work.page.page_index
    if not work.page.words:
        # Nothing to verify against: keep the model's box, flagged as unverified. Never invent one.
        return [
            FieldGrounding(field=v.path, value=v.value, page_index=page_index,
                           bbox=work.vlm_boxes.get(v.path), grounded=False,
                           source="vlm_box" if v.path in work.vlm_boxes else None)
            for v in values
        ]
    queries = [
        GroundingQuery(field=v.path, value=v.value, kind=v.kind,
                       vlm_bbox=work.vlm_boxes.get(v.path), page_index=page_index,
                       labels=list(v.labels))
        for v in values
    ]
    return verify_on_page(queries, work.page.words, page_index)
