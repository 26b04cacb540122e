"""One writer per local output directory: an flock on OUT/_lock (object stores: storage/lease.py).

flock (not a pid file) because the kernel drops it when the holder dies, even under kill -9, so a
crashed run never leaves a stale lock behind; the pid and run_id written into the file are only
there to name the holder in the error a second run gets.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import os
import socket
import time
from pathlib import Path
from types import TracebackType

from docpipe.storage.store import OutputNotWritable  # noqa: F401 - re-exported: callers import it from here

LOCK_NAME = "_lock"
_POLL_S = 0.05


class OutputLocked(RuntimeError):
    """Another process holds the output directory's lock."""

    def __init__(self, out_dir: Path, holder: dict[str, object]) -> None:
        pid = holder.get("pid", "unknown")
        run = holder.get("run_id") or "unknown"
        host = holder.get("host")
        since = holder.get("acquired_at")
        where = f" on {host}" if host else ""
        when = f" since {since}" if since else ""
        super().__init__(f"output {out_dir} is in use by pid {pid}{where} (run {run}){when}; "
                         "wait for that run to finish or use another --out")
        self.pid = pid
        self.run_id = run


class OutputLock:
    """Exclusive lock on OUT/_lock. wait_s=0 fails at once; wait_s>0 polls up to that long."""

    def __init__(self, out_dir: str | Path, *, run_id: str = "", wait_s: float = 0.0) -> None:
        self.out_dir = Path(out_dir)
        self.path = self.out_dir / LOCK_NAME
        self.run_id = run_id
        self.wait_s = wait_s
        self._fd: int | None = None
        self._info: dict[str, object] = {}
        # What the file said when this holder took the lock: the previous holder, dead or done.
        self.previous_holder: dict[str, object] = {}

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> OutputLock:
        if self._fd is not None:
            return self
        # No O_TRUNC: truncating before holding the lock would erase the holder's pid.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + max(self.wait_s, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES):
                    os.close(fd)
                    raise
                if time.monotonic() >= deadline:
                    holder = _read_holder(fd)
                    os.close(fd)
                    raise OutputLocked(self.out_dir, holder) from None
                time.sleep(_POLL_S)
        self.previous_holder = _parse_holder(os.pread(fd, 4096, 0))
        self._info = {"pid": os.getpid(), "run_id": self.run_id, "host": socket.gethostname(),
                      "acquired_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        self._fd = fd
        self._write()
        return self

    def note(self, fields: dict[str, object]) -> None:
        """Add `fields` to what the lock file says about this holder (e.g. its embedded Ray)."""
        if self._fd is not None and fields:
            self._info.update(fields)
            self._write()

    def _write(self) -> None:
        assert self._fd is not None
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, json.dumps(self._info).encode(), 0)

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


def _read_holder(fd: int) -> dict[str, object]:
    # The holder writes its details right after locking; give a just-started holder a moment.
    for _ in range(5):
        data = _parse_holder(os.pread(fd, 4096, 0))
        if data:
            return data
        time.sleep(_POLL_S)
    return {}


def _parse_holder(raw: bytes) -> dict[str, object]:
    try:
        data = json.loads(raw.decode()) if raw else {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}
