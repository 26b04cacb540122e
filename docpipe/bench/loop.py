"""The sequential baseline: the pipeline's stages one after the other in one plain process.

It runs in a fresh interpreter (`python -m docpipe.bench.loop REQUEST.json`), so its set-up
includes what a script's would: Python start-up, importing torch or onnxruntime, loading models.
The benchmark's own process has most of that imported already, which would flatter the loop.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from pydantic import BaseModel

from docpipe.config import RunConfig
from docpipe.plan import StagePlan
from docpipe.records import PageImage


class LoopRequest(BaseModel):
    config: RunConfig
    plan: StagePlan


class LoopResult(BaseModel):
    setup_s: float  # process start → stages built (interpreter, imports, discovery, model loading)
    loop_s: float  # the pages themselves
    statuses: dict[str, int]


def plain_loop(config: RunConfig, plan: StagePlan) -> tuple[float, Counter[str]]:
    """(seconds, page statuses) for config's documents through plan's stages, built in-process."""
    from docpipe.plan import build_page_processor, build_rasterizer, build_word_layer, infer_call_pages
    from docpipe.runner import prepare

    _, listing = prepare(config)  # listing, as a run does; the stages read the bytes
    docs = listing.docs
    plan = plan.model_copy(update={"raster": plan.raster.model_copy(update={"isolate": False})})
    rasterize, word_layer, process = build_rasterizer(plan), build_word_layer(plan), build_page_processor(plan)
    statuses: Counter[str] = Counter()

    def run_batch(items: list[tuple[PageImage, bytes | None]]) -> None:
        pages: list[PageImage] = []
        for i in range(0, len(items), plan.batch_ocr):
            pages.extend(word_layer(items[i:i + plan.batch_ocr]))
        for result in process([(page, image) for page, (_, image) in zip(pages, items)]):
            statuses[result.status.value] += 1

    call_pages = infer_call_pages(plan)
    started = time.perf_counter()
    pending: list[tuple[PageImage, bytes | None]] = []
    for doc in docs:
        for output in rasterize([doc]):
            pending.extend(zip(output.pages, output.images))
        while len(pending) >= call_pages:  # the batch sizes the Ray stages use
            run_batch(pending[:call_pages])
            del pending[:call_pages]
    if pending:
        run_batch(pending)
    return time.perf_counter() - started, statuses


def run_loop_process(config: RunConfig, plan: StagePlan, request_path: Path, timeout_s: float = 900.0) -> LoopResult:
    """Run the loop in a fresh interpreter; set-up is timed from just before it starts."""
    import docpipe

    request_path.write_text(LoopRequest(config=config, plan=plan).model_dump_json(), encoding="utf-8")
    env = dict(os.environ)
    root = str(Path(docpipe.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "docpipe.bench.loop", str(request_path)], capture_output=True,
                          text=True, timeout=timeout_s, env=env)
    wall_s = time.monotonic() - started
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"the sequential loop failed ({done.returncode}): {done.stderr[-800:]}")
    reply = json.loads(done.stdout.strip().splitlines()[-1])
    loop_s = float(reply["loop_s"])
    return LoopResult(setup_s=round(wall_s - loop_s, 3), loop_s=round(loop_s, 3), statuses=reply["statuses"])


def run_loop_here(config: RunConfig, plan: StagePlan) -> LoopResult:
    """The loop in this process (quick mode): its imports are mostly done, so set-up is flattered."""
    started = time.monotonic()
    loop_s, statuses = plain_loop(config, plan)
    return LoopResult(setup_s=round(time.monotonic() - started - loop_s, 3), loop_s=round(loop_s, 3),
                      statuses=dict(statuses))


def main() -> int:
    request = LoopRequest.model_validate_json(Path(sys.argv[1]).read_text(encoding="utf-8"))
    loop_s, statuses = plain_loop(request.config, request.plan)
    print(json.dumps({"loop_s": loop_s, "statuses": dict(statuses)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
