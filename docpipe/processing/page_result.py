"""Turning a finished PageWork into the PageResult record, with page status and errors."""

from __future__ import annotations

from docpipe.fields import filled_fields
from docpipe.records import ErrorCategory, ErrorInfo, FieldGrounding, PageResult, Status
from docpipe.tasks.base import PageWork


def page_status(work: PageWork) -> tuple[Status, ErrorInfo | None]:
    """ok: every task ok and something found. partial: something usable plus a failure, or an
    extraction that found no field at all (`missing_field`). failed: nothing usable."""
    if work.page.status == Status.failed:
        return Status.failed, work.page.error
    outcomes = work.outcomes
    failed = [o for o in outcomes if o.status == Status.failed]
    degraded = [o for o in outcomes if o.status != Status.ok]
    if not degraded:
        if work.extraction is not None and not filled_fields(work.extraction):
            return Status.partial, ErrorInfo(category=ErrorCategory.missing_field, stage="extract",
                                             message="no field of the schema was found on this page")
        return Status.ok, None
    usable = [o for o in outcomes if o.status in (Status.ok, Status.partial)]
    first_problem = (failed or degraded)[0].error
    if not usable:
        return Status.failed, first_problem
    return Status.partial, first_problem


def build_page_result(work: PageWork, engine: str, grounding: list[FieldGrounding]) -> PageResult:
    status, error = page_status(work)
    page = work.page
    chart_json = None
    if work.answers or any(o.task == "chart_qa" and o.output_json for o in work.outcomes):
        chart_json = next((o.output_json for o in work.outcomes if o.task == "chart_qa"), None)
    return PageResult(
        doc_id=page.doc_id,
        source_path=page.source_path,
        page_index=page.page_index,
        page_count=page.page_count,
        total_pages=page.total_pages,
        width_pt=page.width_pt,
        height_pt=page.height_pt,
        image_width=page.image_width,
        image_height=page.image_height,
        status=status,
        error=error,
        doc_error=page.doc_error,
        extraction_json=work.extraction.model_dump_json() if work.extraction is not None else None,
        ocr_text=work.ocr_text,
        chart_json=chart_json,
        answers=work.answers,
        charts=work.charts,
        grounding=grounding,
        tasks=work.outcomes,
        word_count=len(page.words),
        word_source=page.word_source,
        engine=engine,
        latency_s=round(sum(o.latency_s for o in work.outcomes), 4),
        prompt_tokens=sum(o.prompt_tokens for o in work.outcomes),
        completion_tokens=sum(o.completion_tokens for o in work.outcomes),
    )


def failed_page_result(page, engine: str, category: ErrorCategory, message: str) -> PageResult:
    """A page the processor could not handle at all (after the one-by-one retry)."""
    work = PageWork(page=page.model_copy(update={
        "status": Status.failed, "error": ErrorInfo(category=category, message=message, stage="infer")}),
        image=None)
    return build_page_result(work, engine, [])
