"""The child process that rasterizes documents for an isolated Rasterizer.

Run as `python -m docpipe.raster.worker`. It reads one pickled init frame (config and the
document function), reports ready, then answers one reply frame per SourceDoc request until
stdin closes. Hostile input may hang or crash this process; the parent replaces it.
"""

from __future__ import annotations

import os
import pickle
import resource
import signal
import sys

from docpipe.raster.config import RasterConfig
from docpipe.raster.document import DocumentFn
from docpipe.raster.protocol import ReplyMeta, encode_reply, read_frame, write_frame
from docpipe.raster.result import RasterOutput, failed_output
from docpipe.records import ErrorCategory, SourceDoc


def main() -> int:
    # Keep a private copy of stdout for the protocol and point fd 1 at stderr, so that a
    # library printing from C cannot corrupt the reply stream.
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    requests = sys.stdin.buffer
    # Ctrl-C belongs to the parent; it ends us by closing stdin (or killing us).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    init = read_frame(requests)
    if init is None:
        return 0
    config, document_fn = pickle.loads(init)
    prepare_process()
    _import_renderers()
    _limit_memory(config.memory_mb)
    write_frame(replies, encode_reply(_ready_output(), _meta()))
    while (frame := read_frame(requests)) is not None:
        doc = SourceDoc.model_validate_json(frame)
        _arm_cpu_backstop(config.timeout_s)
        output = _run(document_fn, doc, config)
        write_frame(replies, encode_reply(output, _meta()))
        _release_caches()
    return 0


def prepare_process() -> None:
    """Per-process settings for rendering hostile files (also used in-process)."""
    import pymupdf

    # MuPDF prints every repair and syntax error to stderr; with broken inputs that is noise.
    # The messages are still collected and counted per document.
    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)


def _import_renderers() -> None:
    """Load the decoders before measuring the memory baseline and before the first document."""
    import docpipe.raster.image
    import docpipe.raster.pdf  # noqa: F401


def _run(document_fn: DocumentFn, doc: SourceDoc, config: RasterConfig) -> RasterOutput:
    try:
        return document_fn(doc, config)
    except MemoryError:
        return failed_output(
            doc, ErrorCategory.too_large, f"ran out of memory (limit {config.memory_mb} MB per worker)"
        )
    except Exception as exc:
        return failed_output(doc, ErrorCategory.render, f"unexpected {type(exc).__name__}: {exc}"[:200])


def _ready_output() -> RasterOutput:
    return RasterOutput(doc_id="", source_path="")


def _meta() -> ReplyMeta:
    return ReplyMeta(rss_mb=_current_rss_mb(), peak_rss_mb=_peak_rss_mb())


def _peak_rss_mb() -> float:
    # VmHWM belongs to this process image: ru_maxrss would also count the pages shared with a
    # large parent between fork and exec, overstating the worker's own peak.
    try:
        with open("/proc/self/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _current_rss_mb() -> float:
    try:
        with open("/proc/self/statm", "rb") as handle:
            resident_pages = int(handle.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / (1 << 20)


def _virtual_size_bytes() -> int:
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _limit_memory(memory_mb: int) -> None:
    """Cap the address space at what the idle worker uses plus memory_mb.

    Allocation failures then surface as MemoryError (or MuPDF errors) inside the worker instead
    of the kernel's OOM killer picking a process, possibly the parent.
    """
    baseline = _virtual_size_bytes()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no multi-GB core files from crashes
    if baseline:
        limit = baseline + memory_mb * (1 << 20)
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _arm_cpu_backstop(timeout_s: float) -> None:
    """Let the kernel end this document's work if the parent is no longer there to do it.

    The parent kills us at the wall-clock timeout. If the parent itself died while we spin in
    C code, nobody would; a CPU-time limit a little beyond the timeout ends us with SIGXCPU.
    Unlike PR_SET_PDEATHSIG this does not depend on which parent thread started us.
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime + 2 * timeout_s + 30)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _release_caches() -> None:
    import pymupdf

    pymupdf.TOOLS.store_shrink(100)  # MuPDF's object store would otherwise keep growing


if __name__ == "__main__":
    sys.exit(main())
