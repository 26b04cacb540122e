"""CPU cost and word recall of OCR engines on the same pages (`docpipe bench-ocr`).

Engines compared side by side:
* `rapidocr`: docpipe's word layer (docpipe.ocr.rapid), one onnxruntime thread;
* `rapidocr-stock`: rapidocr's own pipeline, `rapidocr.RapidOCR()` with its defaults (all
  cores, its model choice and batching), called on each page as its README shows;
* `tesseract`: Tesseract through tesserocr (docpipe.ocr.tesseract), one thread.

CPU seconds are the process's CPU time over the recognition calls, all threads counted, so an
engine using several cores is charged for all of them; unlike wall time they hardly move with
other load on the machine. Word recall is the share of the page's true words found, compared as
multisets after `docpipe.evaluate.text.norm_token`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PIL import Image
from pydantic import BaseModel

from docpipe.evaluate.text import token_recall
from docpipe.ocr.base import OcrUnavailable, decode_page_image
from docpipe.ocr.rapid import RapidOcrConfig
from docpipe.ocr.stage import load_engine
from docpipe.ocr.tesseract import TesseractConfig

BENCH_ENGINES = ("rapidocr", "rapidocr-stock", "tesseract")

Reader = Callable[[Image.Image], list[str]]


class OcrBenchResult(BaseModel):
    engine: str
    pages: int = 0
    words: int = 0
    failed_pages: int = 0
    load_s: float = 0.0
    total_s: float = 0.0  # recognition only: decoding and model loading are not counted
    pages_per_s: float = 0.0
    s_per_page: float = 0.0
    # Process CPU seconds per page, all threads: unlike wall time, hardly moved by other load.
    cpu_s_per_page: float = 0.0
    threads: int = 0  # threads the engine computes with (0: the engine's own default)
    truth_words: int = 0  # words the pages hold (when known)
    found_words: int = 0  # of those, read by the engine
    recall: float | None = None  # found_words / truth_words
    error: str | None = None  # set when the engine could not be loaded at all


def bench_ocr(
    pages: list[bytes],
    engines: list[str],
    rapid: RapidOcrConfig | None = None,
    tesseract: TesseractConfig | None = None,
    warmup: bool = True,
    truth: list[list[str]] | None = None,
) -> list[OcrBenchResult]:
    """Time each engine over the same encoded page images, one engine after the other.

    `truth`: the words of each page, for word recall. With `warmup`, the first page is read once
    untimed, so one-off costs (onnxruntime's first run, tesseract's lazy init) do not skew a
    short benchmark. An engine that cannot be loaded gets a result with `error` set.
    """
    images = [decode_page_image(p) for p in pages]
    rapid = rapid or RapidOcrConfig(threads=1)
    results: list[OcrBenchResult] = []
    for name in engines:
        started = time.perf_counter()
        try:
            read, threads = _reader(name, rapid, tesseract)
        except OcrUnavailable as exc:
            results.append(OcrBenchResult(engine=name, error=str(exc)))
            continue
        load_s = time.perf_counter() - started
        if warmup and images:
            try:
                read(images[0])
            except Exception:  # counted below, on the timed pass
                pass
        words = failed = found = wanted = 0
        cpu_started = time.process_time()
        started = time.perf_counter()
        for k, image in enumerate(images):
            try:
                texts = read(image)
            except Exception:
                failed += 1
                texts = []
            words += len(texts)
            if truth is not None:
                hit, total = token_recall(texts, truth[k])
                found, wanted = found + hit, wanted + total
        total = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        n = len(images)
        results.append(
            OcrBenchResult(
                engine=name,
                pages=n,
                words=words,
                failed_pages=failed,
                load_s=round(load_s, 3),
                total_s=round(total, 3),
                pages_per_s=round(n / total, 3) if total > 0 else 0.0,
                s_per_page=round(total / n, 3) if n else 0.0,
                cpu_s_per_page=round(cpu / n, 3) if n else 0.0,
                threads=threads,
                truth_words=wanted,
                found_words=found,
                recall=round(found / wanted, 4) if truth is not None and wanted else None,
            )
        )
    return results


def _reader(name: str, rapid: RapidOcrConfig, tesseract: TesseractConfig | None) -> tuple[Reader, int]:
    """A function reading one page's words, and the threads it computes with."""
    if name == "rapidocr-stock":
        return _stock_rapidocr(), 0
    engine = load_engine(name, rapid=rapid, tesseract=tesseract)
    threads = 1 if name == "tesseract" else (rapid.threads or 0)  # tesserocr's wheels: no OpenMP
    return (lambda image: [w.text for w in engine.recognize(image)]), threads


def _stock_rapidocr() -> Reader:
    try:
        import numpy as np
        from rapidocr import RapidOCR
    except ImportError as exc:
        raise OcrUnavailable("rapidocr is not installed") from exc
    try:
        stock = RapidOCR(params={"Global.log_level": "warning"})
    except Exception as exc:
        raise OcrUnavailable(f"rapidocr failed to load: {exc}") from exc

    def read(image: Image.Image) -> list[str]:
        result = stock(np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1]))
        return [word for line in (result.txts or ()) for word in str(line).split()]

    return read
