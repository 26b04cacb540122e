"""DatasetWriter: atomic, crash-safe commits of N named datasets plus the resume ledger.

The output is a local folder or an object-store prefix (s3://bucket/prefix, gs://, az://); the
protocol is the same, through docpipe.storage.store (LocalStore / ObjectStore).

Layout:
    OUT/<dataset>/part-<commit_id>.parquet   e.g. documents/ (one row per document), pages/, charts/
    OUT/_ledger.sqlite                       ledger and commit log (ledger.py); on an object store a
                                             snapshot, with OUT/_commits/{pending,done}/<id>.json
                                             as the commit log (remote_ledger.py)
    OUT/_staging/<commit_id>/<dataset>/      files being written (never inside a dataset folder,
                                             so readers never see a partial or undecided file)
    OUT/_lock                                the running writer's lock: flock locally (lock.py), a
                                             lease object on object stores (storage/lease.py)
    OUT/_runs/<run_id>.json                  run summaries

Commit protocol for commit(tables, entries) - exactly once under kill -9 at any point:

(a) Write each dataset's new part to OUT/_staging/<commit_id>/ (fsynced locally; on an object
    store an object is visible whole or not at all once its upload returns).
    Why: nothing is visible yet; a crash here leaves only an unrecorded staging dir, which
    recover() deletes; the ledger still lacks these documents, so the next run redoes them.
(b) If a row_key of this commit already has rows in older parts (a retried failure, a changed
    work_key, --force), stage rewritten copies of those parts without the commit's row_keys
    (same file name, staged) or, when nothing would remain, plan to delete them.
    Why: the dataset must never show a document twice, and parts are immutable to readers
    except through an atomic replace.
(c) Record the commit as 'pending' with its full plan (replaces, deletes, adds, ledger entries),
    durably: one SQLite transaction (synchronous=FULL) locally, one object write on a store.
    Why: from this instant the commit is decided; everything after is replayable from the plan.
(d) Apply the plan's files: replace each rewritten copy over its old part, delete the fully
    superseded parts, then move the new parts into the datasets (os.replace locally; a
    server-side copy, itself one atomic object write, then a delete on a store). Every step is
    redo-safe: a staged file that is gone was already moved, a part already deleted is skipped.
    Removals run before additions so that an interrupted (d) leaves a document missing until
    recovery, never duplicated.
(e) Upsert the ledger entries (pointing at the new parts) and mark the commit done; then delete
    its staging dir.
    Why: the ledger only claims what the datasets already hold, so lookup() never skips a
    document whose rows are not there.

recover() (run by the constructor, and before every commit) rolls every pending commit forward
through (d) and (e), then deletes staging dirs of commits that were never recorded. A concurrent
reader may briefly miss a superseded document's rows during (d); it never sees a partial file or a
document twice. Compaction (compact()) is one more commit of the same kind: it deletes small parts
and adds their rows merged into parts of about `target_file_bytes`, with the ledger entries moved.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, Field

from docpipe.output.ledger import CommitPlan, FileMove, Ledger, LedgerEntry
from docpipe.output.lock import OutputLock, OutputLocked
from docpipe.storage.store import LocalStore, ObjectStore, open_store

DOCUMENTS = "documents"
PAGES = "pages"
CHARTS = "charts"  # one row per chart found (output/chart_rows.py)
DEFAULT_DATASETS = (DOCUMENTS, PAGES, CHARTS)
STAGING = "_staging"
RUNS = "_runs"
LEDGER_FILE = "_ledger.sqlite"
KEY_COLUMN = "row_key"
EMPTY_SUFFIX = "-empty.parquet"  # schema-only part of a dataset that has no rows yet
DEFAULT_TARGET_FILE_BYTES = 128 * 1024 * 1024
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_ROW_GROUPS = {DOCUMENTS: 50_000}
_DEFAULT_ROW_GROUP = 10_000


class OutputCorrupt(RuntimeError):
    """The output directory no longer matches its commit log (files removed by hand?)."""


class OutputSchemaMismatch(RuntimeError):
    """The tables' columns differ from the ones already in the output (schema changed); fatal."""


class RecoveryReport(BaseModel):
    rolled_forward: list[str] = Field(default_factory=list)  # commit ids completed by recover()
    removed_staging: list[str] = Field(default_factory=list)  # staging entries of unrecorded commits
    removed_tmp: list[str] = Field(default_factory=list)


FaultHook = Callable[[str], None]


class DatasetWriter:
    """The single writer of an output folder or prefix; holds OUT/_lock from construction to close()."""

    def __init__(self, out_dir: str | Path, *, run_id: str, metadata: Mapping[str, str] | None = None,
                 datasets: Sequence[str] = DEFAULT_DATASETS, lock_wait_s: float = 0.0,
                 lock_ttl_s: float | None = None, row_group_sizes: Mapping[str, int] | None = None,
                 target_file_bytes: int = DEFAULT_TARGET_FILE_BYTES, compact_every: int = 16,
                 fault_hook: FaultHook | None = None) -> None:
        """Check the output is writable, lock it, open the ledger and recover() interrupted commits.

        `datasets` names the datasets this writer commits (documents first: one row per ledger
        entry); a new dataset is one more name. `metadata` (rows.dataset_metadata(...)) is stamped
        onto every new part. Parts of this run are merged into parts of about target_file_bytes
        after every `compact_every` commits (compact()). Raises OutputNotWritable, OutputLocked
        (another run holds the output), OutputCorrupt or StoreError.
        """
        if not _RUN_ID.match(run_id):
            raise ValueError(f"run_id {run_id!r} must be letters, digits, '.', '_' or '-' (it names files)")
        if not datasets or datasets[0] != DOCUMENTS:
            raise ValueError(f"the first dataset must be {DOCUMENTS!r} (one row per ledger entry)")
        self.store = open_store(out_dir)
        self.out = self.store.root if isinstance(self.store, LocalStore) else self.store.uri
        self.run_id = run_id
        self.metadata = dict(metadata or {})
        self.datasets = tuple(datasets)
        self.row_group_sizes = {**_ROW_GROUPS, **dict(row_group_sizes or {})}
        self.target_file_bytes = target_file_bytes
        self.compact_every = compact_every
        self._commits_since_compaction = 0
        self._accepted: dict[str, pa.Schema] = {}
        # Test seam: called with a step name between protocol steps; raising there simulates a crash.
        self.fault_hook = fault_hook
        self.store.ensure_writable()
        self._lock = self._make_lock(lock_wait_s, lock_ttl_s).acquire()
        try:
            for sub in (*self.datasets, STAGING, RUNS):
                self.store.makedirs(sub)
            self.ledger = self._open_ledger()
        except BaseException:
            self._lock.release()
            raise
        try:
            self.last_recovery = self.recover()
        except BaseException:
            self.close()
            raise

    @property
    def previous_holder(self) -> dict[str, object]:
        """What the lock said about its previous holder (pid, host, run_id, its embedded Ray...)."""
        return self._lock.previous_holder

    def note_holder(self, fields: dict[str, object]) -> None:
        """Record `fields` about this run in the lock (read by the next run as previous_holder)."""
        self._lock.note(fields)

    def _make_lock(self, wait_s: float, ttl_s: float | None):
        if isinstance(self.store, ObjectStore):
            from docpipe.storage.lease import DEFAULT_TTL_S, LeaseLock

            return LeaseLock(self.store, run_id=self.run_id, ttl_s=ttl_s or DEFAULT_TTL_S,
                             on_locked=lambda out, holder: OutputLocked(out, holder))
        return OutputLock(self.store.root, run_id=self.run_id, wait_s=wait_s)

    def _open_ledger(self):
        if isinstance(self.store, ObjectStore):
            from docpipe.output.remote_ledger import RemoteLedger

            return RemoteLedger(self.store)
        return Ledger(self.store.path(LEDGER_FILE))

    def close(self) -> None:
        """Release the ledger and the lock; does no cleanup, so a failed commit stays recoverable."""
        if self._lock.held:
            self.ledger.close()
            self._lock.release()

    def __enter__(self) -> DatasetWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- schema guard ---------------------------------------------------------------------------
    def check_schemas(self, schemas: Mapping[str, pa.Schema]) -> None:
        """Refuse (OutputSchemaMismatch) tables whose columns differ from those already committed.

        Call early with {name: schema} (rows.documents_schema(...), rows.pages_schema(), ...) so a
        changed schema is a fatal config error before any work, not a failure at the first commit.
        """
        for name, schema in schemas.items():
            bare = schema.remove_metadata()
            if name in self._accepted and self._accepted[name].equals(bare):
                continue
            key = f"{name}_schema"
            stored = self.ledger.get_meta(key)
            if stored is not None and not self.ledger.is_empty():
                known = _deserialize(stored)
                if not known.equals(bare):
                    raise OutputSchemaMismatch(
                        f"{_display(self.store, name)} already holds rows with different columns "
                        f"({_schema_diff(known, bare)}); the schema or docpipe version changed: "
                        "write to a new --out"
                    )
            elif stored is None or not _deserialize(stored).equals(bare):
                self.ledger.set_meta(key, _serialize(bare))
            self._accepted[name] = bare

    def ensure_datasets(self, schemas: Mapping[str, pa.Schema]) -> list[str]:
        """Commit a schema-only part to every dataset that has no part yet; the datasets written.

        So that a reader of OUT/<dataset>/*.parquet never fails on a missing folder or an empty glob,
        even after a run that produced no rows. The next commit with rows deletes the placeholder.
        """
        adds: list[tuple[str, pa.Table]] = []
        for name, schema in schemas.items():
            if not any(n.endswith(".parquet") for n in self.store.list(name)):
                adds.append((name, schema.empty_table()))
        if not adds:
            return []
        self._roll_forward_pending()
        seq = self.ledger.next_seq(self.run_id)
        commit_id = f"{self.run_id}-{seq:05d}"
        moves = [self._stage_table(table, commit_id, name, f"part-{commit_id}{EMPTY_SUFFIX}") for name, table in adds]
        plan = CommitPlan(commit_id=commit_id, run_id=self.run_id, seq=seq, created_at=_now(), add=moves)
        self._decide(plan)
        return [name for name, _ in adds]

    # -- commit -----------------------------------------------------------------------------------
    def commit(self, tables: Mapping[str, pa.Table | None], entries: Sequence[LedgerEntry]) -> list[LedgerEntry]:
        """Atomically add these rows (replacing earlier rows of the same row_keys, and of the row_keys
        an entry `supersedes`) and ledger entries.

        tables maps dataset names of this writer to Arrow tables with a row_key column (rows.py);
        tables[DOCUMENTS] holds exactly one row per entry, every other dataset only rows of the
        entries' row_keys (a dataset left out or None has no rows in this commit). Returns the
        entries as recorded (parts, commit id, commit time).
        """
        unknown = set(tables) - set(self.datasets)
        if unknown:
            raise ValueError(f"datasets {sorted(unknown)} are not among this writer's {list(self.datasets)}")
        present = {name: t for name, t in tables.items() if t is not None}
        if not entries and not any(t.num_rows for t in present.values()):
            return []
        if DOCUMENTS not in present:
            raise ValueError(f"a commit needs the {DOCUMENTS!r} table (one row per ledger entry)")
        self._roll_forward_pending()
        keys = _validate(present, entries)
        self.check_schemas({name: t.schema for name, t in present.items()})

        seq = self.ledger.next_seq(self.run_id)
        commit_id = f"{self.run_id}-{seq:05d}"
        self.store.remove_tree(f"{STAGING}/{commit_id}")  # left by an attempt that failed before (c)
        part = f"part-{commit_id}.parquet"
        adds: list[FileMove] = []
        part_keys: dict[str, set[str]] = {}
        for name in self.datasets:
            table = present.get(name)
            if table is None or table.num_rows == 0:
                continue
            adds.append(self._stage_table(table, commit_id, name, part))
            part_keys[name] = set(table.column(KEY_COLUMN).to_pylist())
        self._fault("staged")

        replaced = keys + sorted({k for e in entries for k in e.supersedes} - set(keys))
        replace, delete = self._stage_superseded(commit_id, replaced)
        delete += [f"{name}/{n}" for name in part_keys for n in self.store.list(name) if n.endswith(EMPTY_SUFFIX)]
        self.store.sync_dir(f"{STAGING}/{commit_id}")
        self._fault("superseded_staged")

        now = _now()
        recorded = [e.model_copy(update={
            "parts": {name: part for name in self.datasets if e.row_key in part_keys.get(name, ())},
            "commit_id": commit_id, "committed_at": now}) for e in entries]
        plan = CommitPlan(commit_id=commit_id, run_id=self.run_id, seq=seq, created_at=now,
                          replace=replace, delete=delete, add=adds, entries=recorded)
        self._decide(plan)
        self._commits_since_compaction += 1
        if self.compact_every and self._commits_since_compaction >= self.compact_every:
            self.compact()
        return recorded

    def _decide(self, plan: CommitPlan) -> None:
        """Step (c) then (d) and (e)."""
        check = getattr(self._lock, "check", None)
        if check is not None:
            check()  # fencing: a writer whose lease was taken over stops before deciding anything
        self.ledger.record_pending(plan)
        self._fault("recorded")
        self._complete(plan)

    def _stage_table(self, table: pa.Table, commit_id: str, dataset: str, name: str) -> FileMove:
        rel = f"{STAGING}/{commit_id}/{dataset}/{name}"
        self._write_parquet(table, rel, dataset)
        return FileMove(staged=rel, final=f"{dataset}/{name}")

    def _write_parquet(self, table: pa.Table, rel: str, dataset: str, *, stamp: bool = True) -> None:
        # Rewritten old parts keep their own metadata: it describes the run that made their rows.
        if stamp and self.metadata:
            table = table.replace_schema_metadata({**(table.schema.metadata or {}), **{
                k.encode(): v.encode() for k, v in self.metadata.items()}})
        self.store.write_parquet(rel, table, compression="zstd",
                                 row_group_size=self.row_group_sizes.get(dataset, _DEFAULT_ROW_GROUP))

    def _stage_superseded(self, commit_id: str, keys: list[str]) -> tuple[list[FileMove], list[str]]:
        """Step (b): rewrite (or plan to delete) the older parts that hold rows of these row_keys."""
        previous = self.ledger.lookup(keys)
        old_parts = sorted({(dataset, part) for e in previous.values() for dataset, part in e.parts.items()})
        drop = pa.array(keys, pa.string())
        replace: list[FileMove] = []
        delete: list[str] = []
        for dataset, name in old_parts:
            rel = f"{dataset}/{name}"
            if not self.store.exists(rel):  # removed by hand: nothing left to supersede
                continue
            table = self.store.read_parquet(rel)
            kept = table.filter(pc.invert(pc.is_in(table.column(KEY_COLUMN), value_set=drop)))
            if kept.num_rows == table.num_rows:
                continue
            if kept.num_rows == 0:
                delete.append(rel)
                continue
            staged = f"{STAGING}/{commit_id}/{dataset}/{name}"
            self._write_parquet(kept, staged, dataset, stamp=False)
            replace.append(FileMove(staged=staged, final=rel))
        return replace, delete

    def _complete(self, plan: CommitPlan) -> None:
        """Steps (d) and (e); safe to run any number of times for the same plan."""
        for move in plan.replace:
            self._move(move, plan)
            self._fault("replaced")
        for rel in plan.delete:
            self.store.delete(rel)
            self._fault("deleted")
        for move in plan.add:
            self._move(move, plan)
            self._fault("added")
        for dataset in {m.final.split("/")[0] for m in plan.add + plan.replace} | {d.split("/")[0] for d in plan.delete}:
            self.store.sync_dir(dataset)
        self._fault("applied")
        self.ledger.finish(plan)
        self._fault("finished")
        self.store.remove_tree(f"{STAGING}/{plan.commit_id}")

    def _move(self, move: FileMove, plan: CommitPlan) -> None:
        if self.store.exists(move.staged):
            self.store.move(move.staged, move.final)
        elif not self.store.exists(move.final):
            raise OutputCorrupt(f"commit {plan.commit_id}: neither {move.staged} nor {move.final} exists in "
                                f"{self.store.uri}; the output was changed by hand")

    # -- compaction -------------------------------------------------------------------------------
    def compact(self, target_file_bytes: int | None = None) -> list[str]:
        """Merge parts smaller than the target into parts of about the target size (one commit).

        Parts are grouped in name order until a group reaches the target; groups of two or more
        parts are rewritten as one. Returns the new parts' dataset-relative paths.
        """
        target = target_file_bytes or self.target_file_bytes
        self._commits_since_compaction = 0
        self._roll_forward_pending()
        groups: list[tuple[str, list[str]]] = []
        for dataset in self.datasets:
            current: list[str] = []
            total = 0
            for name, size in self.store.sizes(dataset).items():
                if not name.endswith(".parquet") or size >= target:
                    continue
                current.append(name)
                total += size
                if total >= target:
                    groups.append((dataset, current))
                    current, total = [], 0
            groups.append((dataset, current))
        groups = [(d, names) for d, names in groups if len(names) >= 2]
        if not groups:
            return []
        seq = self.ledger.next_seq(self.run_id)
        commit_id = f"{self.run_id}-{seq:05d}"
        self.store.remove_tree(f"{STAGING}/{commit_id}")
        adds: list[FileMove] = []
        deletes: list[str] = []
        moved: dict[str, dict[str, str]] = {}
        for index, (dataset, names) in enumerate(groups):
            tables = [self.store.read_parquet(f"{dataset}/{n}") for n in names]
            merged = pa.concat_tables([t.replace_schema_metadata(None) for t in tables])
            merged = merged.replace_schema_metadata(tables[-1].schema.metadata)
            part = f"part-{commit_id}-{index:03d}.parquet"
            if merged.num_rows:
                adds.append(self._stage_table(merged, commit_id, dataset, part))
            else:
                names = names[:-1]  # only schema-only placeholders: keep one of them
            deletes += [f"{dataset}/{n}" for n in names]
            for key in set(merged.column(KEY_COLUMN).to_pylist()):
                moved.setdefault(key, {})[dataset] = part
        now = _now()
        entries = [e.model_copy(update={"parts": {**e.parts, **moved[e.row_key]}})
                   for e in self.ledger.lookup(list(moved)).values()]
        plan = CommitPlan(commit_id=commit_id, run_id=self.run_id, seq=seq, created_at=now,
                          delete=deletes, add=adds, entries=entries)
        self._decide(plan)
        return [m.final for m in adds]

    # -- run summaries ----------------------------------------------------------------------------
    def write_run_summary(self, run_id: str, summary: BaseModel) -> str:
        """OUT/_runs/<run_id>.json, written atomically (rewritable during the run); its location."""
        rel = f"{RUNS}/{run_id}.json"
        self.store.write_text(rel, summary.model_dump_json(indent=2))
        return _display(self.store, rel)

    # -- recovery ---------------------------------------------------------------------------------
    def recover(self) -> RecoveryReport:
        """Roll pending commits forward, then delete unrecorded staging dirs and stale temp files."""
        report = RecoveryReport(rolled_forward=self._roll_forward_pending())
        for name in self.store.list(STAGING):
            self.store.remove_tree(f"{STAGING}/{name}")
            report.removed_staging.append(name)
        if isinstance(self.store, ObjectStore):
            self.store.remove_tree(STAGING)  # object stores list nested keys only through find
        else:
            from docpipe.output.atomic_files import remove_stale_tmp_files

            report.removed_tmp = [p.name for p in remove_stale_tmp_files(self.store.path(RUNS))]
        return report

    def _roll_forward_pending(self) -> list[str]:
        done = []
        for plan in self.ledger.pending_plans():
            self._complete(plan)
            done.append(plan.commit_id)
        return done

    def _fault(self, step: str) -> None:
        if self.fault_hook is not None:
            self.fault_hook(step)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _display(store, rel: str) -> str:
    return store.display(rel) if isinstance(store, ObjectStore) else str(store.path(rel))


def _validate(tables: Mapping[str, pa.Table], entries: Sequence[LedgerEntry]) -> list[str]:
    keys = [e.row_key for e in entries]
    if len(set(keys)) != len(keys):
        raise ValueError("entries repeat a row_key; commit each document once")
    for name, table in tables.items():
        if KEY_COLUMN not in table.column_names:
            raise ValueError(f"{name} table has no {KEY_COLUMN!r} column; build it with docpipe.output.rows")
    doc_keys = tables[DOCUMENTS].column(KEY_COLUMN).to_pylist()
    if sorted(doc_keys) != sorted(keys):
        raise ValueError("documents must hold exactly one row per ledger entry (matched on row_key)")
    for name, table in tables.items():
        stray = set(table.column(KEY_COLUMN).to_pylist()) - set(keys)
        if stray:
            raise ValueError(f"{name} rows of row_keys without a ledger entry: {sorted(stray)[:5]}")
    return keys


def _serialize(schema: pa.Schema) -> str:
    return base64.b64encode(schema.serialize().to_pybytes()).decode()


def _deserialize(text: str) -> pa.Schema:
    return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(text)))


def _schema_diff(old: pa.Schema, new: pa.Schema) -> str:
    old_fields = {f.name: f for f in old}
    new_fields = {f.name: f for f in new}
    parts = [f"-{n}" for n in old_fields if n not in new_fields]
    parts += [f"+{n}" for n in new_fields if n not in old_fields]
    parts += [f"~{n}: {old_fields[n].type} -> {new_fields[n].type}" for n in old_fields
              if n in new_fields and not old_fields[n].equals(new_fields[n])]
    return ", ".join(parts) or "column order or nullability differs"
