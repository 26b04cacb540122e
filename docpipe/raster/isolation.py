"""Parent side of worker isolation: one long-lived child process, replaced when it fails.

The child is a fresh interpreter (`python -m docpipe.raster.worker`) rather than a fork, so it
neither inherits the parent's threads (Ray, torch) nor re-imports the parent's __main__. Its
start-up cost is paid once and again only after a timeout or a crash.

The child's stderr is discarded: decoders (libtiff, libjpeg, MuPDF) print a line for every
defect of a broken file, and what matters comes back as error records. Set
DOCPIPE_RASTER_WORKER_STDERR=inherit to see it when debugging the worker itself.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from docpipe.raster.config import RasterConfig
from docpipe.raster.document import DocumentFn
from docpipe.raster.protocol import LENGTH_BYTES, ReplyMeta, decode_reply, frame_length, write_frame
from docpipe.raster.result import RasterOutput, failed_output
from docpipe.records import ErrorCategory, SourceDoc

_STARTUP_TIMEOUT_S = 120.0
_STOP_GRACE_S = 2.0
# Restart a worker whose resident memory grew this far past memory_mb / 2 (fragmentation, caches).
_RECYCLE_FRACTION = 0.5
_STDERR_ENV = "DOCPIPE_RASTER_WORKER_STDERR"


class WorkerStartError(RuntimeError):
    """The worker process could not be started at all (a broken environment, not a bad file)."""


class _Timeout(Exception):
    pass


class _WorkerDied(Exception):
    pass


@dataclass
class WorkerStats:
    documents: int = 0
    starts: int = 0
    timeouts: int = 0
    crashes: int = 0
    peak_rss_mb: float = 0.0


class WorkerProcess:
    """Runs `document_fn` for one document at a time in a child, with a deadline per document."""

    def __init__(self, config: RasterConfig, document_fn: DocumentFn) -> None:
        self._config = config
        self._init_frame = pickle.dumps((config, document_fn))
        self._proc: subprocess.Popen[bytes] | None = None
        self._baseline_rss_mb = 0.0
        self.stats = WorkerStats()

    def start(self) -> None:
        """Start the child if none is running; raises WorkerStartError if it cannot start."""
        if self._proc is not None and self._proc.poll() is None:
            return
        self._discard()
        env = dict(os.environ)
        # The child imports exactly what we can import: a source checkout, pytest's rootdir and
        # Ray's working dir included, in the same order (so no stdlib module gets shadowed).
        env["PYTHONPATH"] = os.pathsep.join(path for path in sys.path if path)
        # Thread pools of numeric libraries reserve address space per thread, which the child's
        # memory limit would count; rendering is single-threaded anyway.
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = "1"
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "docpipe.raster.worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=None if os.environ.get(_STDERR_ENV) == "inherit" else subprocess.DEVNULL,
                env=env,
                close_fds=True,
                bufsize=0,
            )
            self.stats.starts += 1
            assert self._proc.stdin is not None
            write_frame(self._proc.stdin, self._init_frame)
            _, meta = decode_reply(self._read_reply(time.monotonic() + _STARTUP_TIMEOUT_S))
        except (OSError, _Timeout, _WorkerDied, ValueError) as exc:
            self._discard()
            raise WorkerStartError(f"rasterization worker failed to start: {exc}") from exc
        self._baseline_rss_mb = meta.rss_mb

    def run(self, doc: SourceDoc) -> RasterOutput:
        """The document's output; timeouts and crashes become error outputs, never exceptions."""
        self.stats.documents += 1
        try:
            self.start()  # also replaces a worker that died while idle, which is no doc's fault
        except WorkerStartError as exc:
            return failed_output(doc, ErrorCategory.crash, str(exc))
        try:
            return self._run_once(doc)
        except _WorkerDied as exc:
            self.stats.crashes += 1
            return failed_output(doc, ErrorCategory.crash, f"the rendering worker died ({exc})")

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()  # end of requests: the worker exits on its own
            proc.wait(timeout=_STOP_GRACE_S)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        finally:
            if proc.stdout is not None:
                proc.stdout.close()

    def _run_once(self, doc: SourceDoc) -> RasterOutput:
        proc = self._proc
        assert proc is not None and proc.stdin is not None
        deadline = time.monotonic() + self._config.timeout_s
        try:
            write_frame(proc.stdin, doc.model_dump_json().encode())
            payload = self._read_reply(deadline)
        except _Timeout:
            self._discard()
            self.stats.timeouts += 1
            return failed_output(
                doc,
                ErrorCategory.timeout,
                f"rendering took longer than {self._config.timeout_s:g} s and was stopped",
            )
        except OSError as exc:  # broken pipe: the worker is gone
            raise _WorkerDied(self._death_reason()) from exc
        except ValueError as exc:  # an absurd frame length
            self._discard()
            return failed_output(doc, ErrorCategory.crash, f"the rendering worker sent a bad reply: {exc}")
        try:
            output, meta = decode_reply(payload)
        except (ValueError, KeyError, TypeError) as exc:  # ValueError includes pydantic's errors
            self._discard()
            message = f"the rendering worker sent a bad reply: {type(exc).__name__}"
            return failed_output(doc, ErrorCategory.crash, message)
        # Matched by URI: a document listed without reading gets its doc_id in the worker.
        if output.source_path != doc.source_path or (doc.doc_id and output.doc_id != doc.doc_id):
            self._discard()
            message = "the rendering worker answered for another document"
            return failed_output(doc, ErrorCategory.crash, message)
        self._note_memory(meta)
        return output

    def _note_memory(self, meta: ReplyMeta) -> None:
        self.stats.peak_rss_mb = max(self.stats.peak_rss_mb, meta.peak_rss_mb)
        if meta.rss_mb > self._baseline_rss_mb + self._config.memory_mb * _RECYCLE_FRACTION:
            self.close()  # a fresh worker starts with the next document

    def _read_reply(self, deadline: float) -> bytes:
        header = self._read_exactly(LENGTH_BYTES, deadline)
        return self._read_exactly(frame_length(header), deadline)

    def _read_exactly(self, size: int, deadline: float) -> bytes:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        fd = proc.stdout.fileno()
        chunks: list[bytes] = []
        remaining = size
        while remaining:
            wait = deadline - time.monotonic()
            if wait <= 0:
                raise _Timeout()
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                raise _Timeout()
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                raise _WorkerDied(self._death_reason())
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def _death_reason(self) -> str:
        proc = self._proc
        code = None
        if proc is not None:
            try:
                code = proc.wait(timeout=_STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                code = None
        self._discard()
        if code is None:
            return "it stopped answering"
        if code < 0:
            try:
                return f"killed by signal {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit status {code}"

    def _discard(self) -> None:
        """Kill the current child (if any) without waiting for it to finish its work."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
