"""Page results → one record per document: the one merge policy.

Scalars: the first confident value in page order (grounded beats ungrounded), with the page it
came from. Lists such as line items: concatenated in page order, grounding paths re-indexed.
Lists of plain values (names, dates, numbers; not records): a value a later page repeats is kept
once, at its first place; equal means equal after Unicode NFKC, case folding and dropping
punctuation and spacing ("ACME Corp." and "Acme Corp" are one party). Records such as line items
are never dropped: two equal lines on two pages are two lines.

Document status, most serious reason first (the `error` names it; `missing_fields` and
`broken_rules` list every instance):
  failed   every page failed, or no page at all
  partial  some pages failed · a document-level condition (repaired file, --max-pages) · a page
           degraded (token budget, repair) · a merge problem · a question asked and not answered
           (the first unanswered question's error) · required fields missing (`missing_field`)
           or no field at all found · a consistency rule broken (`inconsistent`) · values the
           page does not support (`ungrounded`, answers included)
  ok       none of the above
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from pydantic import BaseModel, ConfigDict, ValidationError

from docpipe.fields import check_rules, filled_fields, missing_required
from docpipe.records import ChartAnswer, ErrorCategory, ErrorInfo, FieldGrounding, PageResult, Status

_INDEX = re.compile(r"^([A-Za-z_][\w]*)\[(\d+)\](.*)$")


class MergedDocument(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    status: Status
    error: ErrorInfo | None = None
    values: BaseModel | None = None
    grounding: list[FieldGrounding] = []
    pages_processed: int = 0
    pages_failed: int = 0
    ungrounded_count: int = 0
    mean_match_score: float | None = None  # mean grounding score of the values (not a probability)
    answers: list[ChartAnswer] = []
    missing_fields: list[str] = []  # required fields without a value (all fields when none was found)
    broken_rules: list[str] = []  # consistency rules the values break, with their paths


CONFIDENT_SCORE = 0.8
CLEARLY_MORE_CONFIDENT = 0.05  # a later page's value must beat an earlier one's confidence by this much
_NO_CHART = "no chart was found"


def merge_answers(pages: list[PageResult]) -> list[ChartAnswer]:
    """One answer per question asked of the document, from the pages that answered it.

    Every page answers every question from its own charts. Kept: the answered one with the
    highest confidence (earliest page on ties); when no page answered, the most telling error
    (a page with charts over one without: "no chart was found" only when no page had one).
    """
    pages = sorted(pages, key=lambda p: p.page_index)
    count = max((len(p.answers) for p in pages), default=0)
    merged: list[ChartAnswer] = []
    for i in range(count):
        candidates = [p.answers[i] for p in pages if i < len(p.answers)]
        answered = [a for a in candidates if a.error is None]
        if answered:
            merged.append(max(answered, key=lambda a: (a.confidence or 0.0, -(a.page_index or 0))))
            continue
        telling = [a for a in candidates if a.error is not None and not a.error.message.startswith(_NO_CHART)]
        merged.append((telling or candidates)[0])
    return merged


def _confidence_rank(g: FieldGrounding | None) -> int:
    """2: grounded with a confident score; 1: grounded; 0: not supported by the page."""
    if g is None or not g.grounded:
        return 0
    return 2 if g.score >= CONFIDENT_SCORE else 1


def _reindex(path: str, places: dict[str, list[int | None]]) -> str | None:
    """`path` with its list index moved to the item's place in the merged list; None when the
    item was dropped as a repeat. Paths of other fields are returned unchanged."""
    match = _INDEX.match(path)
    if not match or match.group(1) not in places:
        return path
    name, index, rest = match.groups()
    where = places[name]
    if int(index) >= len(where):  # grounding of an item the page's values do not hold
        return path
    new = where[int(index)]
    return None if new is None else f"{name}[{new}]{rest}"


def _repeat_key(item: object) -> object | None:
    """What makes two plain list values the same value; None for records (never merged)."""
    if isinstance(item, BaseModel):
        return None
    if isinstance(item, str):
        folded = unicodedata.normalize("NFKC", item).casefold()
        return "".join(ch for ch in folded if ch.isalnum()) or folded
    return item


def _append_items(merged: list, seen: set, items: list) -> list[int | None]:
    """Append `items` to `merged` in order, skipping plain values already in it (by `_repeat_key`).
    Returns each item's index in `merged`, None for a skipped repeat."""
    places: list[int | None] = []
    for item in items:
        key = _repeat_key(item)
        hashable = key is not None and not isinstance(key, (list, dict, set))
        if hashable and key in seen:
            places.append(None)
            continue
        if hashable:
            seen.add(key)
        merged.append(item)
        places.append(len(merged) - 1)
    return places


def _top_field(path: str) -> str:
    return re.split(r"[.\[]", path, maxsplit=1)[0]


def merge_document(pages: list[PageResult], schema_model: type[BaseModel]) -> MergedDocument:
    pages = sorted(pages, key=lambda p: p.page_index)
    list_fields = {name for name, info in schema_model.model_fields.items()
                   if getattr(info.annotation, "__origin__", None) is list}
    chosen: dict[str, object] = {}
    chosen_from: dict[str, tuple[int, int, float | None]] = {}  # field -> (page_index, grounding rank, confidence)
    lists: dict[str, list] = {name: [] for name in list_fields}
    seen: dict[str, set] = {name: set() for name in list_fields}
    grounding: list[FieldGrounding] = []
    page_grounding: dict[tuple[int, str], FieldGrounding] = {}
    notes: list[ErrorInfo] = []

    for page in pages:
        for g in page.grounding:
            page_grounding[(page.page_index, g.field)] = g
        if page.extraction_json is None:
            continue
        try:
            instance = schema_model.model_validate_json(page.extraction_json)
        except ValidationError as exc:  # a stored page output that no longer validates is a bug
            notes.append(ErrorInfo(category=ErrorCategory.internal, stage="merge",
                                   message=f"page {page.page_index}: {exc.error_count()} validation errors"))
            continue
        places: dict[str, list[int | None]] = {}
        for name in schema_model.model_fields:
            value = getattr(instance, name)
            if name in list_fields:
                places[name] = _append_items(lists[name], seen[name], list(value or []))
                continue
            if value is None:
                continue
            g = page_grounding.get((page.page_index, name))
            rank = _confidence_rank(g)
            confidence = g.confidence if g is not None and g.confidence is not None else None
            previous = chosen_from.get(name)
            # Earlier pages win ties; a later page wins only with a clearly better grounding
            # (e.g. a weak label match on page 1 against a verified total on page 2), or, where
            # the engine states a calibrated confidence, with a clearly more confident value.
            if previous is None or rank > previous[1] or (
                    rank == previous[1] and confidence is not None and previous[2] is not None
                    and confidence > previous[2] + CLEARLY_MORE_CONFIDENT):
                chosen[name] = value
                chosen_from[name] = (page.page_index, rank, confidence)
        for g in page.grounding:
            top = _top_field(g.field)
            if top in list_fields or top == "answers":
                path = _reindex(g.field, places)
                if path is not None:
                    grounding.append(g.with_field(path))

    for name, (page_index, _, _) in chosen_from.items():
        g = page_grounding.get((page_index, name))
        if g is not None:
            grounding.append(g)
    values = None
    if any(p.extraction_json is not None for p in pages):
        values = schema_model.model_validate({**chosen, **lists})
    answers = merge_answers(pages)
    # An answer's grounding entry comes from the page whose answer was kept.
    grounding = [g for g in grounding if not _answer_from_other_page(g, answers)]
    grounding.sort(key=lambda g: (g.page_index if g.page_index is not None else -1, g.field))
    missing, broken = _checks(schema_model, values)
    status, error = _document_status(pages, grounding, notes, missing, broken, values, answers)
    scores = [g.score for g in grounding]
    return MergedDocument(
        status=status, error=error, values=values, grounding=grounding,
        pages_processed=len(pages),
        pages_failed=sum(p.status == Status.failed for p in pages),
        ungrounded_count=sum(not g.grounded for g in grounding),
        mean_match_score=round(sum(scores) / len(scores), 4) if scores else None,
        missing_fields=missing, broken_rules=broken, answers=answers,
    )


def _checks(schema_model: type[BaseModel], values: BaseModel | None) -> tuple[list[str], list[str]]:
    """(missing required fields, broken consistency rules) of merged values; nothing to check without values."""
    if values is None:
        return [], []
    if not filled_fields(values):
        # Nothing found at all: every field is missing, whatever the schema requires.
        return list(schema_model.model_fields), []
    return missing_required(schema_model, values), [str(v) for v in check_rules(values)]


def _answer_from_other_page(g: FieldGrounding, answers: list[ChartAnswer]) -> bool:
    match = re.match(r"^answers\[(\d+)\]$", g.field)
    if match is None or int(match.group(1)) >= len(answers):
        return False
    kept = answers[int(match.group(1))]
    return kept.error is not None or (kept.page_index is not None and kept.page_index != g.page_index)


def _document_status(pages: list[PageResult], grounding: list[FieldGrounding],
                     notes: list[ErrorInfo], missing: list[str] | None = None, broken: list[str] | None = None,
                     values: BaseModel | None = None,
                     answers: list[ChartAnswer] | None = None) -> tuple[Status, ErrorInfo | None]:
    """The document's status and its most serious reason, in the order of the module docstring."""
    if not pages:
        return Status.failed, ErrorInfo(category=ErrorCategory.internal, message="no pages", stage="merge")
    failed = [p for p in pages if p.status == Status.failed]
    doc_error = next((p.doc_error for p in pages if p.doc_error is not None), None)
    if len(failed) == len(pages):
        first = failed[0].error or ErrorInfo(category=ErrorCategory.internal, message="page failed")
        counts = Counter(p.error.category.value for p in failed if p.error)
        suffix = f" (all {len(pages)} pages; {dict(counts)})" if len(pages) > 1 else ""
        return Status.failed, first.model_copy(update={"message": first.message + suffix})
    if failed:
        first = failed[0].error or ErrorInfo(category=ErrorCategory.internal, message="page failed")
        return Status.partial, first.model_copy(update={
            "message": f"{len(failed)} of {len(pages)} pages failed; first: page {failed[0].page_index}: "
                       f"{first.message}"})
    if doc_error is not None:
        return Status.partial, doc_error
    # A page with nothing of the schema on it (terms and conditions after the invoice) is partial on
    # its own row; the document is judged on its merged values below.
    degraded = next((p for p in pages if p.status == Status.partial and not _nothing_found(p)), None)
    if degraded is not None:
        return Status.partial, degraded.error
    if notes:
        return Status.partial, notes[0]
    # A question the user asked and got no answer to says more than the fields of the chart schema
    # (an invoice read with `--pipeline charts -q ...`: "no chart was found", not "no field found").
    unanswered = [a for a in answers or [] if a.error is not None]
    if unanswered:
        first = unanswered[0].error
        assert first is not None
        return Status.partial, first.model_copy(update={
            "message": f"{len(unanswered)} of {len(answers or [])} question(s) not answered; first: {first.message}"})
    if missing:
        if values is not None and not filled_fields(values):
            message = "no field of the schema was found in the document"
        else:
            message = f"required field(s) not found: {', '.join(missing)}"
        return Status.partial, ErrorInfo(category=ErrorCategory.missing_field, stage="merge", message=message)
    if broken:
        shown = "; ".join(broken[:3]) + (" ..." if len(broken) > 3 else "")
        return Status.partial, ErrorInfo(category=ErrorCategory.inconsistent, stage="merge",
                                         message=f"{len(broken)} consistency rule(s) broken: {shown}")
    ungrounded = [g.field for g in grounding if not g.grounded]
    if ungrounded:
        shown = ", ".join(ungrounded[:5]) + (" ..." if len(ungrounded) > 5 else "")
        return Status.partial, ErrorInfo(
            category=ErrorCategory.ungrounded, stage="ground",
            message=f"{len(ungrounded)} value(s) not found on the page: {shown}")
    return Status.ok, None


def _nothing_found(page: PageResult) -> bool:
    return page.error is not None and page.error.category == ErrorCategory.missing_field
