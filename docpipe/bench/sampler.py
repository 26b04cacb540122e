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
    role_peak_mb: dict[str, float] = {}  # per kind of process (summed over its processes), each its own max


_RAY_DAEMONS = ("raylet", "gcs_server", "dashboard", "log_monitor", "runtime_env", "monitor.py", "agent")


def _role(pid: int, root_pid: int) -> str:
    """What a process in a run's tree is, from its command line (Ray renames its workers)."""
    if pid == root_pid:
        return "driver"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            command = handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "other"
    if "docpipe.raster.worker" in command:
        return "raster child"
    if command.startswith("ray::"):
        title = command.split()[0].removeprefix("ray::")
        for udf in ("RasterUDF", "WordLayerUDF", "InferUDF"):
            if udf in title:
                return udf
        return "ray idle worker" if title == "IDLE" else "ray internal actor"
    if any(name in command for name in _RAY_DAEMONS):
        return "ray daemons"
    return "ray worker starting" if "default_worker.py" in command else "other"


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
        roles: dict[str, int] = {}
        for pid in pids:
            kb = _status_kb(pid, ("VmRSS", "RssShmem"))
            rss += kb.get("VmRSS", 0)
            private += kb.get("VmRSS", 0) - kb.get("RssShmem", 0)
            shared = max(shared, kb.get("RssShmem", 0))
            role = _role(pid, self.root_pid)
            roles[role] = roles.get(role, 0) + kb.get("VmRSS", 0)
        result = self.result
        for role, kb_total in roles.items():
            result.role_peak_mb[role] = max(result.role_peak_mb.get(role, 0.0), round(kb_total / 1024, 1))
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


class TreeCpuUntil:
    """CPU seconds (user + system) of the tree under `root_pid` until a line with `marker` shows up
    in the log file `log_path`; sampled every `interval_s` in a background thread.

    A process's CPU is its last sampled figure, kept after it exits, so processes that come and
    go count too (each loses at most its final `interval_s` of CPU). `seconds` is None when the
    marker never appeared. Used for start-up on a shared machine: wall time there measures the
    other jobs too, CPU seconds only this run.
    """

    def __init__(self, root_pid: int, log_path, marker: str, interval_s: float = 0.1) -> None:
        self.root_pid = root_pid
        self.log_path = log_path
        self.marker = marker
        self.interval_s = interval_s
        self.seconds: float | None = None
        self._cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="cpu-sampler", daemon=True)

    def __enter__(self) -> TreeCpuUntil:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _total(self) -> float:
        import psutil

        try:
            root = psutil.Process(self.root_pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.Error:
            return sum(self._cpu.values())
        for process in processes:
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            self._cpu[process.pid] = times.user + times.system
        return sum(self._cpu.values())

    def _seen(self, offset: int) -> tuple[bool, int]:
        try:
            with open(self.log_path, "rb") as handle:
                handle.seek(offset)
                chunk = handle.read()
        except OSError:
            return False, offset
        end = chunk.rfind(b"\n") + 1  # only whole lines; the rest is read again next time
        return self.marker.encode() in chunk[:end], offset + end

    def _loop(self) -> None:
        offset = 0
        while not self._stop.is_set():
            total = self._total()
            seen, offset = self._seen(offset)
            if seen:
                self.seconds = round(total, 2)
                return
            self._stop.wait(self.interval_s)
