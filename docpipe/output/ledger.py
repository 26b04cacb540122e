"""The resume ledger: which document rows are committed, under which work_key, in which parts.

OUT/_ledger.sqlite (stdlib sqlite3, WAL, synchronous=FULL). Three tables:
- ledger: one row per row_key with its work_key, status and the input's URI and version (size +
  mtime or ETag). The runner reads it through versions() to skip unchanged inputs without
  reading them, and through lookup() to skip content already done with the same work_key, retry
  failed documents and redo ones whose work_key changed.
- row_parts: which Parquet part of each dataset (documents, pages, ...) holds a row_key's rows.
- commits: one row per commit, 'pending' with its full plan until the plan's files are in place,
  then 'done' (see commit.py for the protocol the plan drives).
- meta: the datasets' column layout, so a run with a different schema is refused up front.

synchronous=FULL because the pending record must be on disk before any file is renamed: it is
what a recovery after power loss rolls forward from (WAL + NORMAL only survives process crashes).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from enum import Enum
from pathlib import Path

from pydantic import BaseModel, Field

from docpipe.records import ErrorCategory, Status

_LOOKUP_CHUNK = 500  # stays under SQLite's bound-parameter limit on old builds (999)

_DDL = """
CREATE TABLE IF NOT EXISTS ledger (
    row_key TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    work_key TEXT NOT NULL,
    status TEXT NOT NULL,
    error_category TEXT,
    source_path TEXT NOT NULL,
    source_version TEXT,
    run_id TEXT NOT NULL,
    commit_id TEXT,
    committed_at TEXT
);
CREATE INDEX IF NOT EXISTS ledger_doc_id ON ledger(doc_id);
CREATE INDEX IF NOT EXISTS ledger_source ON ledger(source_path);
CREATE TABLE IF NOT EXISTS row_parts (
    row_key TEXT NOT NULL,
    dataset TEXT NOT NULL,
    part TEXT NOT NULL,
    PRIMARY KEY (row_key, dataset)
);
CREATE INDEX IF NOT EXISTS row_parts_part ON row_parts(dataset, part);
CREATE TABLE IF NOT EXISTS commits (
    commit_id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'done')),
    plan TEXT,
    created_at TEXT NOT NULL,
    done_at TEXT
);
CREATE INDEX IF NOT EXISTS commits_state ON commits(state);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_COLUMNS = ("row_key", "doc_id", "work_key", "status", "error_category", "source_path", "source_version",
            "run_id", "commit_id", "committed_at")


class LedgerEntry(BaseModel):
    """The ledger row of one document. The caller fills the first seven fields; commit() the rest."""

    row_key: str
    doc_id: str
    work_key: str  # hash of doc_id + schema hash + model + revision + prompt hash + options (the caller's)
    status: Status
    error_category: ErrorCategory | None = None
    source_path: str
    run_id: str
    source_version: str | None = None  # the input's size + mtime/ETag when it was listed
    # dataset name -> file name in OUT/<dataset> holding this row_key's rows (absent: no rows there)
    parts: dict[str, str] = Field(default_factory=dict)
    # Other row_keys whose rows and ledger entries this entry replaces (the same input's earlier row
    # under another id, e.g. the id of its URI when its bytes could not be read). Not stored.
    supersedes: list[str] = Field(default_factory=list)
    commit_id: str | None = None
    committed_at: dt.datetime | None = None


class FileMove(BaseModel):
    """A staged file and where it goes; both relative to OUT so OUT may move between crash and recovery."""

    staged: str
    final: str


class CommitPlan(BaseModel):
    commit_id: str
    run_id: str
    seq: int
    created_at: dt.datetime
    replace: list[FileMove] = Field(default_factory=list)  # old parts rewritten without superseded rows
    delete: list[str] = Field(default_factory=list)  # old parts whose every row is superseded
    add: list[FileMove] = Field(default_factory=list)  # this commit's new parts
    entries: list[LedgerEntry] = Field(default_factory=list)


class ResumeAction(str, Enum):
    new = "new"  # never committed
    skip = "skip"  # committed with the same work_key and not failed
    retry = "retry"  # committed as failed with the same work_key
    redo = "redo"  # committed under a different work_key, or forced


def resume_action(entry: LedgerEntry | None, work_key: str, *, force: bool = False,
                  retry_failed: bool = True) -> ResumeAction:
    """What the executor should do with a document given its ledger entry (or None)."""
    if entry is None:
        return ResumeAction.new
    if force or entry.work_key != work_key:
        return ResumeAction.redo
    if entry.status == Status.failed and retry_failed:
        return ResumeAction.retry
    return ResumeAction.skip


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


class Ledger:
    """SQLite-backed ledger. Not thread-safe; one writer process holds OUT/_lock while using it."""

    def __init__(self, path: str | Path, *, busy_timeout_s: float = 30.0) -> None:
        self.path = Path(path)
        # check_same_thread=False: the owner may hand the writer to a dedicated thread; calls must
        # still come from one thread at a time.
        self._db = sqlite3.connect(self.path, timeout=busy_timeout_s, isolation_level=None,
                                   check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._migrate_from_0_1()
        self._db.executescript(_DDL)

    def _migrate_from_0_1(self) -> None:
        """Ledgers written before row_parts kept documents_part/pages_part columns: move them over."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(ledger)")}
        if not columns or "source_version" in columns:
            return
        self._db.executescript(_DDL)
        with self.transaction() as db:
            db.execute("ALTER TABLE ledger ADD COLUMN source_version TEXT")
            for dataset in ("documents", "pages"):
                if f"{dataset}_part" in columns:
                    db.execute(f"INSERT OR REPLACE INTO row_parts (row_key, dataset, part) SELECT row_key, ?, "
                               f"{dataset}_part FROM ledger WHERE {dataset}_part IS NOT NULL", (dataset,))

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- reads ---------------------------------------------------------------------------------
    def lookup(self, row_keys: Iterable[str]) -> dict[str, LedgerEntry]:
        """The committed entries of those row_keys that have one."""
        keys = list(dict.fromkeys(row_keys))
        found: dict[str, LedgerEntry] = {}
        for start in range(0, len(keys), _LOOKUP_CHUNK):
            chunk = keys[start:start + _LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM ledger WHERE row_key IN ({marks})", chunk)
            for row in rows:
                entry = _entry(row)
                found[entry.row_key] = entry
        return self._with_parts(found)

    def versions(self, source_paths: Iterable[str]) -> dict[str, tuple[str | None, str, str, str]]:
        """source_path -> (source_version, doc_id, work_key, status) of its latest entry; light for millions."""
        paths = list(dict.fromkeys(source_paths))
        found: dict[str, tuple[str | None, str, str, str]] = {}
        for start in range(0, len(paths), _LOOKUP_CHUNK):
            chunk = paths[start:start + _LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            for path, version, doc_id, work_key, status in self._db.execute(
                    "SELECT source_path, source_version, doc_id, work_key, status FROM ledger "
                    f"WHERE source_path IN ({marks}) ORDER BY committed_at", chunk):
                found[path] = (version, doc_id, work_key, status)
        return found

    def earlier_rows(self, source_path: str, row_key: str) -> list[str]:
        """Row keys of `source_path`'s other rows, which its new row `row_key` replaces: the rows of
        its earlier contents (a file changed in place) and its earlier duplicate row. Every input
        path keeps one row, its latest content's; an old content another path still holds is
        re-read there (runner.plan_inputs) and gets its own row under that path."""
        rows = self._db.execute("SELECT row_key FROM ledger WHERE source_path = ? AND row_key != ?",
                                (source_path, row_key)).fetchall()
        return [key for (key,) in rows]

    def entries(self) -> list[LedgerEntry]:
        rows = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM ledger ORDER BY row_key")
        return list(self._with_parts({e.row_key: e for e in map(_entry, rows)}).values())

    def _with_parts(self, found: dict[str, LedgerEntry]) -> dict[str, LedgerEntry]:
        keys = list(found)
        for start in range(0, len(keys), _LOOKUP_CHUNK):
            chunk = keys[start:start + _LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            for row_key, dataset, part in self._db.execute(
                    f"SELECT row_key, dataset, part FROM row_parts WHERE row_key IN ({marks})", chunk):
                found[row_key].parts[dataset] = part
        return found

    def parts_of(self, dataset: str) -> dict[str, int]:
        """Part file name -> number of row_keys the ledger places in it, for one dataset."""
        return dict(self._db.execute("SELECT part, COUNT(*) FROM row_parts WHERE dataset = ? GROUP BY part",
                                     (dataset,)).fetchall())

    def is_done(self, commit_id: str) -> bool:
        row = self._db.execute("SELECT state FROM commits WHERE commit_id = ?", (commit_id,)).fetchone()
        return row is not None and row[0] == "done"

    def is_empty(self) -> bool:
        return self._db.execute("SELECT 1 FROM ledger LIMIT 1").fetchone() is None

    def status_counts(self) -> dict[str, int]:
        return dict(self._db.execute("SELECT status, COUNT(*) FROM ledger GROUP BY status").fetchall())

    def next_seq(self, run_id: str) -> int:
        (top,) = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM commits WHERE run_id = ?", (run_id,)).fetchone()
        return int(top) + 1

    def pending_plans(self) -> list[CommitPlan]:
        rows = self._db.execute("SELECT plan FROM commits WHERE state = 'pending' ORDER BY created_at, commit_id")
        return [CommitPlan.model_validate_json(plan) for (plan,) in rows]

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    # -- writes --------------------------------------------------------------------------------
    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def record_pending(self, plan: CommitPlan) -> None:
        """Step (c): one transaction makes the whole plan durable before any file moves."""
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO commits (commit_id, run_id, seq, state, plan, created_at) "
                       "VALUES (?, ?, ?, 'pending', ?, ?)",
                       (plan.commit_id, plan.run_id, plan.seq, plan.model_dump_json(), plan.created_at.isoformat()))

    def finish(self, plan: CommitPlan) -> None:
        """Step (e): apply the plan's entries and mark it done in one transaction (safe to redo)."""
        with self.transaction() as db:
            db.executemany(
                f"INSERT OR REPLACE INTO ledger ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                [_row(entry) for entry in plan.entries],
            )
            keys = [(entry.row_key,) for entry in plan.entries]
            # A key superseded by one entry may be another entry's row of this same plan: it stays.
            gone = [(key,) for key in sorted({k for e in plan.entries for k in e.supersedes}
                                             - {e.row_key for e in plan.entries})]
            db.executemany("DELETE FROM ledger WHERE row_key = ?", gone)
            db.executemany("DELETE FROM row_parts WHERE row_key = ?", keys + gone)
            db.executemany("INSERT INTO row_parts (row_key, dataset, part) VALUES (?, ?, ?)",
                           [(e.row_key, dataset, part) for e in plan.entries for dataset, part in e.parts.items()])
            # The plan is only needed while pending; the ledger rows are the lasting record.
            db.execute("UPDATE commits SET state = 'done', plan = NULL, done_at = ? WHERE commit_id = ?",
                       (_now(), plan.commit_id))


def _entry(row: Sequence[object]) -> LedgerEntry:
    return LedgerEntry.model_validate(dict(zip(_COLUMNS, row)))


def _row(entry: LedgerEntry) -> tuple[object, ...]:
    data = entry.model_dump(mode="json")
    return tuple(data[c] for c in _COLUMNS)
