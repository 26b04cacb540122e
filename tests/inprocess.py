"""An in-process stand-in for the Ray executor: the same stages, one after the other, no Ray.

Tests of what the driver does with results (merge, statuses, commits, summaries) use it through
`runner.execute(..., stream_fn=inprocess_stream)`, so they run in a second instead of starting Ray.
The executor itself is covered by the end-to-end tests that do start Ray.
"""

from __future__ import annotations

from docpipe.plan import StagePlan, build_page_processor, build_rasterizer, build_word_layer
from docpipe.records import SourceDoc


def inprocess_stream(config, plan: StagePlan, docs: list[SourceDoc]):
    """Yield what `executor.stream` yields (PageResult per page, RasterOutput per page-less document)."""
    plan = plan.model_copy(update={"raster": plan.raster.model_copy(update={"isolate": False})})
    rasterize, word_layer, process = build_rasterizer(plan), build_word_layer(plan), build_page_processor(plan)
    for doc in docs:
        for output in rasterize([doc]):
            if not output.pages:
                yield output
                continue
            pages = []
            for page in output.pages:
                if output.error is not None and page.doc_error is None:
                    page = page.model_copy(update={"doc_error": output.error})
                pages.append(page)
            items = list(zip(word_layer(list(zip(pages, output.images))), output.images))
            yield from process(items)
