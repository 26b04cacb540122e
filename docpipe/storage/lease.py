"""One writer per object-store output: a lease object created with the store's conditional write.

An object store has no flock, and a lock object would outlive a crashed holder, so the lock is a
lease: `_lock` is created only if absent (conditional write, "xb"), and its holder rewrites it
every `ttl_s / 3` seconds (a heartbeat: each rewrite gives it a new ETag). A contender that finds
`_lock` watches its ETag with its own monotonic clock (no clock comparison across machines):
- the ETag changes: the holder is alive; the contender is refused (OutputLocked) within about
  one heartbeat;
- the ETag stays the same for `ttl_s`: the holder is dead (killed, its machine gone). The
  contender takes over by creating `_lock.takeover/<etag>` exclusively (so of several contenders
  exactly one wins that stale lease), deleting the stale `_lock` and creating its own.

Fencing: before every commit the writer calls `check()`, which fails if `_lock` is no longer the
object this holder last wrote, so a holder that was stalled longer than ttl_s (and lost its lease)
stops before changing anything.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import threading
import time

from docpipe.storage.store import ObjectStore

LOCK_NAME = "_lock"
TAKEOVER_DIR = "_lock.takeover"
DEFAULT_TTL_S = 30.0
_POLL_S = 0.25


class LeaseLost(RuntimeError):
    """This run's lease on the output was taken over (it was stalled for longer than the TTL)."""


class LeaseLock:
    def __init__(self, store: ObjectStore, *, run_id: str, ttl_s: float = DEFAULT_TTL_S,
                 on_locked=None) -> None:
        """`on_locked(out, holder)` builds the exception raised when another live run holds the lease."""
        self.store = store
        self.run_id = run_id
        self.ttl_s = ttl_s
        self.heartbeat_s = max(ttl_s / 3.0, 0.2)
        self._on_locked = on_locked
        self._etag: str | None = None
        self._beats = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._mutex = threading.Lock()
        self.lost = False
        self._extra: dict[str, object] = {}
        # The stale lease's content when this holder took it over (the previous, dead holder).
        self.previous_holder: dict[str, object] = {}

    @property
    def held(self) -> bool:
        return self._etag is not None

    def _content(self) -> bytes:
        self._beats += 1
        return json.dumps({"pid": os.getpid(), "run_id": self.run_id, "host": socket.gethostname(),
                           "heartbeat_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                           "ttl_s": self.ttl_s, "beat": self._beats, **self._extra}).encode()

    def acquire(self) -> LeaseLock:
        if self.held:
            return self
        while True:
            if self.store.create_exclusive(LOCK_NAME, self._content()):
                self._etag = self.store.version(LOCK_NAME)
                break
            stale = self._wait_for_stale_holder()
            if stale is None:
                continue  # the lock went away while we looked: try to create it again
            stale_holder = self._holder()
            if not self.store.create_exclusive(f"{TAKEOVER_DIR}/{_safe(stale)}", self._content()):
                raise self._locked()  # another contender took over this stale lease first
            if self.store.version(LOCK_NAME) != stale:
                raise self._locked()
            self.store.delete(LOCK_NAME)
            if not self.store.create_exclusive(LOCK_NAME, self._content()):
                raise self._locked()
            self._etag = self.store.version(LOCK_NAME)
            self.previous_holder = stale_holder
            break
        self._stop.clear()
        self._thread = threading.Thread(target=self._heartbeat, name="docpipe-lease", daemon=True)
        self._thread.start()
        return self

    def _wait_for_stale_holder(self) -> str | None:
        """The stale lock's ETag after ttl_s without change; raises OutputLocked when the holder is alive."""
        first = self.store.version(LOCK_NAME)
        if first is None:
            return None
        deadline = time.monotonic() + self.ttl_s
        while time.monotonic() < deadline:
            time.sleep(_POLL_S)
            now = self.store.version(LOCK_NAME)
            if now is None:
                return None
            if now != first:
                raise self._locked()
        return first

    def _holder(self) -> dict[str, object]:
        text = self.store.read_text(LOCK_NAME)
        try:
            data = json.loads(text) if text else {}
            return data if isinstance(data, dict) else {}
        except json.JSONDecodeError:
            return {}

    def _locked(self, holder: dict[str, object] | None = None) -> Exception:
        holder = self._holder() if holder is None else holder
        if self._on_locked is not None:
            return self._on_locked(self.store.uri, holder)
        return RuntimeError(f"output {self.store.uri} is in use by run {holder.get('run_id')}")

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.heartbeat_s):
            try:
                self.renew()
            except Exception:  # noqa: BLE001 - a failed beat is retried; check() fences commits
                continue

    def renew(self) -> None:
        with self._mutex:
            if self._etag is None or self.lost:
                return
            if self.store.version(LOCK_NAME) != self._etag:
                self.lost = True
                return
            self.store.write_bytes(LOCK_NAME, self._content())
            self._etag = self.store.version(LOCK_NAME)

    def note(self, fields: dict[str, object]) -> None:
        """Add `fields` to what the lease says about this holder, from the next heartbeat on."""
        self._extra.update(fields)

    def check(self) -> None:
        """Raise LeaseLost unless `_lock` is still the object this holder wrote last."""
        with self._mutex:
            if self.lost or (self._etag is not None and self.store.version(LOCK_NAME) != self._etag):
                self.lost = True
                raise LeaseLost(f"the lock on {self.store.uri} was taken over by another run "
                                f"(this run stalled for more than {self.ttl_s:.0f} s); stopping before "
                                "any further commit")

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        with self._mutex:
            if self._etag is not None and not self.lost and self.store.version(LOCK_NAME) == self._etag:
                self.store.delete(LOCK_NAME)
            self._etag = None


def _safe(etag: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in etag)[:120]
