"""Deliberate misbehaviour for testing worker isolation (hangs, hard exits, segfaults).

Pass a FaultInjector as Rasterizer(document_fn=...): documents whose file name is listed get
the fault inside the worker, all others are rasterized normally.
"""

from __future__ import annotations

import ctypes
import os
import signal
import time
from typing import Literal

from pydantic import BaseModel

from docpipe.raster.config import RasterConfig
from docpipe.raster.document import rasterize_document
from docpipe.raster.result import RasterOutput
from docpipe.records import SourceDoc

Fault = Literal["hang", "spin", "exit", "segfault", "memory", "raise"]


class FaultInjector(BaseModel):
    faults: dict[str, Fault]

    def __call__(self, doc: SourceDoc, config: RasterConfig) -> RasterOutput:
        fault = self.faults.get(os.path.basename(doc.source_path))
        if fault == "hang":
            time.sleep(3600)
        elif fault == "spin":  # a busy loop holding the GIL, like a decoder stuck in C code
            deadline = time.monotonic() + 3600
            while time.monotonic() < deadline:
                pass
        elif fault == "exit":
            os._exit(3)
        elif fault == "segfault":
            ctypes.string_at(0)  # a real invalid read, as a crashing C library would do
            os.kill(os.getpid(), signal.SIGSEGV)
        elif fault == "memory":
            hoard = [bytearray(64 << 20) for _ in range(1 << 16)]  # until the memory limit hits
            del hoard
        elif fault == "raise":
            raise RuntimeError("injected failure")
        return rasterize_document(doc, config)
