"""Peak resident memory of a whole process tree, sampled in a background thread.

A run is a driver plus Ray's daemons and workers plus the rasterization child processes, all
descendants of the driver, so the tree rooted at the driver is everything the run costs.
"""

from __future__ import annotations

import threading
import time

from pydantic import BaseModel


class TreeMemory(BaseModel):
    peak_rss_mb: float = 0.0  # max over samples of the summed RSS of every process in the tree
    peak_private_mb: float = 0.0  # same without shared-memory pages (Ray's object store mapping)
    peak_shared_mb: float = 0.0  # largest shared-memory resident set of any one process
    peak_processes: int = 0
    samples: int = 0


def _status_kb(pid: int, fields: tuple[str, ...]) -> dict[str, int]:
    """Selected `VmRSS`-style fields of /proc/PID/status in kB (cheaper than psutil's smaps)."""
    found: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as handle:
            for line in handle:
                name, _, rest = line.partition(":")
                if name in fields:
                    found[name] = int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return found


class TreeSampler:
    """Samples the tree under `root_pid` every `interval_s` until stopped; use as a context manager."""

    def __init__(self, root_pid: int, interval_s: float = 0.2) -> None:
        self.root_pid = root_pid
        self.interval_s = interval_s
        self.result = TreeMemory()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def sample(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.root_pid)
            pids = [root.pid] + [child.pid for child in root.children(recursive=True)]
        except psutil.Error:
            return
        rss = private = shared = 0
        for pid in pids:
            kb = _status_kb(pid, ("VmRSS", "RssShmem"))
            rss += kb.get("VmRSS", 0)
            private += kb.get("VmRSS", 0) - kb.get("RssShmem", 0)
            shared = max(shared, kb.get("RssShmem", 0))
        result = self.result
        result.samples += 1
        result.peak_processes = max(result.peak_processes, len(pids))
        result.peak_rss_mb = max(result.peak_rss_mb, round(rss / 1024, 1))
        result.peak_private_mb = max(result.peak_private_mb, round(private / 1024, 1))
        result.peak_shared_mb = max(result.peak_shared_mb, round(shared / 1024, 1))

    def _loop(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            self.sample()
            self._stop.wait(max(0.0, self.interval_s - (time.monotonic() - started)))
        self.sample()
