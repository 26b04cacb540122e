"""The ledger of an object-store output: a local SQLite mirror rebuilt from objects in the store.

An object store cannot host a live SQLite file, so the durable record is a log of objects, each
written with one atomic PUT:
- OUT/_commits/pending/<commit_id>.json  step (c) of the commit protocol: the decided plan
- OUT/_commits/done/<commit_id>.json     step (e): the same plan once its files are in place
- OUT/_ledger.sqlite                      a snapshot of the mirror (checkpoint()), covering every
                                          done commit it lists; done objects it covers are deleted

On open: download the snapshot (if any) into a private temporary folder, then replay every done
commit the snapshot lacks. Pending commits are read from the store, not the mirror, so recovery
always rolls forward what the store says was decided. Only the lock holder writes any of these.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import weakref
from collections.abc import Iterable
from pathlib import Path

from docpipe.output.ledger import CommitPlan, Ledger, LedgerEntry
from docpipe.storage.store import ObjectStore

SNAPSHOT = "_ledger.sqlite"
PENDING = "_commits/pending"
DONE = "_commits/done"
CHECKPOINT_EVERY = 64  # done commits between snapshots


MIRROR_PREFIX = "docpipe-ledger-"


def _remove_orphaned_mirrors() -> None:
    """Remove the mirrors of processes that no longer exist (a run killed with SIGKILL cleans up
    nothing): a mirror folder is named `docpipe-ledger-<pid>-<random>` and is only a copy of what
    the store holds, so one whose process is gone is never needed again. A folder whose pid is
    alive (even a reused pid) or cannot be read is left alone."""
    root = Path(tempfile.gettempdir())
    try:
        folders = list(root.glob(f"{MIRROR_PREFIX}*-*"))
    except OSError:
        return
    for folder in folders:
        pid = folder.name[len(MIRROR_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # alive but another user's (EPERM), or unknown: not ours to remove
            continue


class RemoteLedger:
    """Ledger interface (lookup, record_pending, finish, ...) over an ObjectStore."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store
        _remove_orphaned_mirrors()
        self._dir = Path(tempfile.mkdtemp(prefix=f"{MIRROR_PREFIX}{os.getpid()}-"))
        # The mirror is a private copy: removed on close(), discard(), or when this object goes
        # away unclosed (an exception between open and close), so no run leaves one behind.
        self._remove_dir = weakref.finalize(self, shutil.rmtree, self._dir, True)
        self.path = self._dir / "ledger.sqlite"
        snapshot = self._read(SNAPSHOT)
        if snapshot is not None:
            self.path.write_bytes(snapshot)
        self.mirror = Ledger(self.path)
        self._since_checkpoint = 0
        for plan in self._plans(DONE):
            if not self.mirror.is_done(plan.commit_id):
                self.mirror.record_pending(plan)
                self.mirror.finish(plan)

    def _read(self, rel: str) -> bytes | None:
        try:
            return self.store.read_bytes(rel)
        except FileNotFoundError:
            return None

    def _plans(self, folder: str) -> list[CommitPlan]:
        plans = []
        for name in self.store.list(folder):
            text = self.store.read_text(f"{folder}/{name}")
            if text:
                plans.append(CommitPlan.model_validate_json(text))
        return sorted(plans, key=lambda p: (p.created_at, p.commit_id))

    # -- reads (the mirror) ----------------------------------------------------------------------
    def lookup(self, row_keys: Iterable[str]) -> dict[str, LedgerEntry]:
        return self.mirror.lookup(row_keys)

    def versions(self, source_paths: Iterable[str]) -> dict[str, tuple[str | None, str, str, str]]:
        return self.mirror.versions(source_paths)

    def earlier_rows(self, source_path: str, row_key: str) -> list[str]:
        return self.mirror.earlier_rows(source_path, row_key)

    def entries(self) -> list[LedgerEntry]:
        return self.mirror.entries()

    def is_empty(self) -> bool:
        return self.mirror.is_empty()

    def status_counts(self) -> dict[str, int]:
        return self.mirror.status_counts()

    def next_seq(self, run_id: str) -> int:
        return self.mirror.next_seq(run_id)

    def get_meta(self, key: str) -> str | None:
        return self.mirror.get_meta(key)

    def parts_of(self, dataset: str) -> dict[str, int]:
        return self.mirror.parts_of(dataset)

    def pending_plans(self) -> list[CommitPlan]:
        return self._plans(PENDING)

    # -- writes ----------------------------------------------------------------------------------
    def set_meta(self, key: str, value: str) -> None:
        self.mirror.set_meta(key, value)
        self.checkpoint()

    def record_pending(self, plan: CommitPlan) -> None:
        self.store.write_text(f"{PENDING}/{plan.commit_id}.json", plan.model_dump_json())
        self.mirror.record_pending(plan)

    def finish(self, plan: CommitPlan) -> None:
        if not self.mirror.is_done(plan.commit_id):
            self.mirror.record_pending(plan)
            self.mirror.finish(plan)
        self.store.write_text(f"{DONE}/{plan.commit_id}.json", plan.model_dump_json())
        self.store.delete(f"{PENDING}/{plan.commit_id}.json")
        self._since_checkpoint += 1
        if self._since_checkpoint >= CHECKPOINT_EVERY:
            self.checkpoint()

    def checkpoint(self) -> None:
        """Upload the mirror as the snapshot, then delete the done-commit objects it covers."""
        covered = set(self.store.list(DONE))
        db = sqlite3.connect(self._dir / "snapshot.sqlite")
        try:
            self.mirror._db.backup(db)  # a consistent copy, WAL included
        finally:
            db.close()
        self.store.write_bytes(SNAPSHOT, (self._dir / "snapshot.sqlite").read_bytes())
        for name in covered:
            if self.mirror.is_done(name.removesuffix(".json")):
                self.store.delete(f"{DONE}/{name}")
        self._since_checkpoint = 0

    def close(self) -> None:
        try:
            self.checkpoint()
        except Exception:  # noqa: BLE001 - the done objects stay; the next open replays them
            pass
        finally:
            self.discard()

    def discard(self) -> None:
        """Close the local mirror and delete it without writing anything to the store (a reader's
        close: the store keeps whatever it held)."""
        self.mirror.close()
        self._remove_dir()
