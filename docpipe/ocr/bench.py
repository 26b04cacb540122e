"""Throughput of the OCR engines on the same pages (for `docpipe bench`)."""

from __future__ import annotations

import time

from pydantic import BaseModel

from docpipe.ocr.base import OcrUnavailable, decode_page_image, default_threads
from docpipe.ocr.rapid import RapidOcrConfig
from docpipe.ocr.stage import load_engine
from docpipe.ocr.tesseract import TesseractConfig


class OcrBenchResult(BaseModel):
    engine: str
    pages: int = 0
    words: int = 0
    failed_pages: int = 0
    load_s: float = 0.0
    total_s: float = 0.0  # recognition only: decoding and model loading are not counted
    pages_per_s: float = 0.0
    s_per_page: float = 0.0
    # Process CPU seconds per page: unlike wall time, hardly moved by other load on the machine.
    cpu_s_per_page: float = 0.0
    threads: int = 0  # threads the engine computes with
    error: str | None = None  # set when the engine could not be loaded at all


def bench_ocr(
    pages: list[bytes],
    engines: list[str],
    rapid: RapidOcrConfig | None = None,
    tesseract: TesseractConfig | None = None,
    warmup: bool = True,
) -> list[OcrBenchResult]:
    """Time each engine over the same encoded page images, one engine after the other.

    With `warmup`, the first page is read once untimed, so one-off costs (onnxruntime's first
    run, tesseract's lazy init) do not skew a short benchmark.
    """
    images = [decode_page_image(p) for p in pages]
    results: list[OcrBenchResult] = []
    for name in engines:
        started = time.perf_counter()
        try:
            engine = load_engine(name, rapid=rapid, tesseract=tesseract)
        except OcrUnavailable as exc:
            results.append(OcrBenchResult(engine=name, error=str(exc)))
            continue
        load_s = time.perf_counter() - started
        if warmup and images:
            try:
                engine.recognize(images[0])
            except Exception:  # counted below, on the timed pass
                pass
        words = failed = 0
        cpu_started = time.process_time()
        started = time.perf_counter()
        for image in images:
            try:
                words += len(engine.recognize(image))
            except Exception:
                failed += 1
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
                threads=_threads(name, rapid),
            )
        )
    return results


def _threads(engine: str, rapid: RapidOcrConfig | None) -> int:
    if engine == "tesseract":
        return 1  # the tesserocr wheels' libtesseract is built without OpenMP
    return rapid.threads if rapid is not None and rapid.threads else default_threads()
