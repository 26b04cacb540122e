"""DatasetWriter: atomic, crash-safe commits of document/page rows plus the resume ledger.

Layout:
    OUT/documents/part-<run_id>-<seq:05d>.parquet   one row per document
    OUT/pages/part-<run_id>-<seq:05d>.parquet       one row per page
    OUT/charts/part-<run_id>-<seq:05d>.parquet      one row per chart (chart_rows.py); a commit's
                                                    charts part has its documents part's name
    OUT/_ledger.sqlite                              ledger, commit log, dataset layout (ledger.py)
    OUT/_staging/<commit_id>/{documents,pages}/     files being written (never inside a dataset dir,
                                                    so readers never see a partial file)
    OUT/_lock                                       flock of the running writer (lock.py)
    OUT/_runs/<run_id>.json                         run summaries (atomic_files.py)

Commit protocol for commit(documents, pages, entries) - exactly once under kill -9 at any point:

(a) Write both new parts to OUT/_staging/<commit_id>/ and fsync them and their directories.
    Why: nothing is visible yet; a crash here leaves only an unrecorded staging dir, which
    recover() deletes; the ledger still lacks these documents, so the next run redoes them.
(b) If a row_key of this commit already has rows in older parts (a retried failure, a changed
    work_key, --force), stage rewritten copies of those parts without the commit's row_keys
    (same file name, staged) or, when nothing would remain, plan to delete them.
    Why: the dataset must never show a document twice, and parts are immutable to readers
    except through an atomic rename.
(c) In ONE SQLite transaction record the commit as 'pending' with its full plan (replaces,
    deletes, adds, ledger entries), durably (synchronous=FULL).
    Why: from this instant the commit is decided; everything after is replayable from the plan.
(d) Apply the plan's files: os.replace each rewritten copy over its old part, delete the fully
    superseded parts, then os.replace the new parts into the datasets; fsync the directories.
    Every step is redo-safe: a staged file that is gone was already moved (it can only vanish
    by its rename), a part already deleted is skipped. Removals run before additions so that an
    interrupted (d) leaves a document missing until recovery, never duplicated.
(e) In ONE transaction upsert the ledger entries (pointing at the new parts) and mark the commit
    done; then delete its staging dir.
    Why: the ledger only claims what the datasets already hold, so lookup() never skips a
    document whose rows are not there.

recover() (run by the constructor, and before every commit) rolls every pending commit forward
through (d) and (e), then deletes staging dirs of commits that were never recorded and temp
files of interrupted run-summary writes. A concurrent reader may briefly miss a superseded
document's rows during (d); it never sees a partial file or a document twice.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pydantic import BaseModel, Field

from docpipe.output.atomic_files import RUNS_DIR, fsync_dir, fsync_file, remove_stale_tmp_files
from docpipe.output.ledger import CommitPlan, FileMove, Ledger, LedgerEntry
from docpipe.output.lock import OutputLock, ensure_writable
from docpipe.output.rows import pages_schema

DOCUMENTS = "documents"
PAGES = "pages"
CHARTS = "charts"
STAGING = "_staging"
LEDGER_FILE = "_ledger.sqlite"
KEY_COLUMN = "row_key"
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class OutputCorrupt(RuntimeError):
    """The output directory no longer matches its commit log (files removed by hand?)."""


class OutputSchemaMismatch(RuntimeError):
    """The tables' columns differ from the ones already in the output (schema changed); fatal."""


class RecoveryReport(BaseModel):
    rolled_forward: list[str] = Field(default_factory=list)  # commit ids completed by recover()
    removed_staging: list[str] = Field(default_factory=list)  # staging dirs of unrecorded commits
    removed_tmp: list[str] = Field(default_factory=list)


FaultHook = Callable[[str], None]


class DatasetWriter:
    """The single writer of an output directory; holds OUT/_lock from construction to close()."""

    def __init__(self, out_dir: str | Path, *, run_id: str, metadata: Mapping[str, str] | None = None,
                 lock_wait_s: float = 0.0, documents_row_group_size: int = 50_000,
                 pages_row_group_size: int = 10_000, fault_hook: FaultHook | None = None) -> None:
        """Check out_dir is writable, lock it, open the ledger and recover() interrupted commits.

        metadata (rows.dataset_metadata(...)) is stamped onto every new part of both datasets,
        over any key-value metadata the tables already carry. Raises OutputNotWritable,
        OutputLocked (another process holds OUT/_lock after lock_wait_s) or OutputCorrupt.
        """
        if not _RUN_ID.match(run_id):
            raise ValueError(f"run_id {run_id!r} must be letters, digits, '.', '_' or '-' (it names files)")
        self.out = ensure_writable(out_dir)
        self.run_id = run_id
        self.metadata = dict(metadata or {})
        self.row_group_sizes = {DOCUMENTS: documents_row_group_size, PAGES: pages_row_group_size,
                                CHARTS: pages_row_group_size}
        self._accepted: dict[str, pa.Schema] = {}
        # Test seam: called with a step name between protocol steps; raising there simulates a crash.
        self.fault_hook = fault_hook
        self._lock = OutputLock(self.out, run_id=run_id, wait_s=lock_wait_s).acquire()
        try:
            for sub in (DOCUMENTS, PAGES, CHARTS, STAGING, RUNS_DIR):
                (self.out / sub).mkdir(exist_ok=True)
            self.ledger = Ledger(self.out / LEDGER_FILE)
        except BaseException:
            self._lock.release()
            raise
        try:
            self.last_recovery = self.recover()
        except BaseException:
            self.close()
            raise

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
    def check_schemas(self, documents: pa.Schema, pages: pa.Schema, charts: pa.Schema | None = None) -> None:
        """Refuse (OutputSchemaMismatch) tables whose columns differ from those already committed.

        Call early with rows.documents_schema(...) / rows.pages_schema() / chart_rows.charts_schema()
        so a changed schema is a fatal config error before any work, not a failure at the first commit.
        """
        named = [(DOCUMENTS, documents), (PAGES, pages)] + ([(CHARTS, charts)] if charts is not None else [])
        for name, schema in named:
            bare = schema.remove_metadata()
            if name in self._accepted and self._accepted[name].equals(bare):
                continue
            key = f"{name}_schema"
            stored = self.ledger.get_meta(key)
            if stored is not None and not self.ledger.is_empty():
                known = _deserialize(stored)
                if not known.equals(bare):
                    raise OutputSchemaMismatch(
                        f"{self.out / name} already holds rows with different columns "
                        f"({_schema_diff(known, bare)}); the schema or docpipe version changed: "
                        "write to a new --out directory"
                    )
            elif stored is None or not _deserialize(stored).equals(bare):
                self.ledger.set_meta(key, _serialize(bare))
            self._accepted[name] = bare

    # -- commit -----------------------------------------------------------------------------------
    def commit(self, documents: pa.Table, pages: pa.Table | None,
               entries: Sequence[LedgerEntry], charts: pa.Table | None = None) -> list[LedgerEntry]:
        """Atomically add these rows (replacing earlier rows of the same row_keys) and ledger entries.

        documents (rows.document_rows_table) must hold exactly one row per entry; pages
        (rows.page_rows_table, or None for none) and charts (chart_rows.chart_rows_table, or None)
        only rows of the entries' row_keys, matched on the row_key column. Returns the entries as
        recorded (parts, commit id, commit time).
        """
        if pages is None:
            pages = pages_schema().empty_table()
        if not entries and documents.num_rows == 0 and pages.num_rows == 0:
            return []
        self._roll_forward_pending()
        keys = _validate(documents, pages, entries, charts)
        self.check_schemas(documents.schema, pages.schema, charts.schema if charts is not None else None)

        seq = self.ledger.next_seq(self.run_id)
        commit_id = f"{self.run_id}-{seq:05d}"
        stage = self.out / STAGING / commit_id
        if stage.exists():  # left by an earlier attempt that failed before (c): never recorded
            shutil.rmtree(stage)
        part = f"part-{commit_id}.parquet"
        adds = [self._stage_table(documents, stage, DOCUMENTS, part)]
        if pages.num_rows:
            adds.append(self._stage_table(pages, stage, PAGES, part))
        if charts is not None and charts.num_rows:
            adds.append(self._stage_table(charts, stage, CHARTS, part))
        self._fault("staged")

        replace, delete = self._stage_superseded(stage, keys)
        for sub in (stage / DOCUMENTS, stage / PAGES, stage / CHARTS, stage, stage.parent):
            if sub.is_dir():
                fsync_dir(sub)
        self._fault("superseded_staged")

        now = dt.datetime.now(dt.timezone.utc)
        page_keys = set(pages.column(KEY_COLUMN).to_pylist()) if pages.num_rows else set()
        recorded = [e.model_copy(update={
            "documents_part": part, "pages_part": part if e.row_key in page_keys else None,
            "commit_id": commit_id, "committed_at": now}) for e in entries]
        plan = CommitPlan(commit_id=commit_id, run_id=self.run_id, seq=seq, created_at=now,
                          replace=replace, delete=delete, add=adds, entries=recorded)
        self.ledger.record_pending(plan)
        self._fault("recorded")
        self._complete(plan)
        return recorded

    def _stage_table(self, table: pa.Table, stage: Path, dataset: str, name: str) -> FileMove:
        target = stage / dataset / name
        target.parent.mkdir(parents=True, exist_ok=True)
        self._write_parquet(table, target, dataset)
        return FileMove(staged=self._rel(target), final=f"{dataset}/{name}")

    def _write_parquet(self, table: pa.Table, path: Path, dataset: str, *, stamp: bool = True) -> None:
        # Rewritten old parts keep their own metadata: it describes the run that made their rows.
        if stamp and self.metadata:
            table = table.replace_schema_metadata({**(table.schema.metadata or {}), **{
                k.encode(): v.encode() for k, v in self.metadata.items()}})
        pq.write_table(table, path, compression="zstd", row_group_size=self.row_group_sizes[dataset])
        fsync_file(path)

    def _stage_superseded(self, stage: Path, keys: list[str]) -> tuple[list[FileMove], list[str]]:
        """Step (b): rewrite (or plan to delete) the older parts that hold rows of these row_keys."""
        previous = self.ledger.lookup(keys)
        old_parts = sorted({(DOCUMENTS, e.documents_part) for e in previous.values() if e.documents_part}
                           | {(PAGES, e.pages_part) for e in previous.values() if e.pages_part}
                           | {(CHARTS, e.documents_part) for e in previous.values() if e.documents_part})
        drop = pa.array(keys, pa.string())
        replace: list[FileMove] = []
        delete: list[str] = []
        for dataset, name in old_parts:
            assert name is not None
            path = self.out / dataset / name
            if not path.exists():  # removed by hand: nothing left to supersede
                continue
            table = pq.read_table(path)
            kept = table.filter(pc.invert(pc.is_in(table.column(KEY_COLUMN), value_set=drop)))
            if kept.num_rows == table.num_rows:
                continue
            if kept.num_rows == 0:
                delete.append(f"{dataset}/{name}")
                continue
            target = stage / dataset / name
            target.parent.mkdir(parents=True, exist_ok=True)
            self._write_parquet(kept, target, dataset, stamp=False)
            replace.append(FileMove(staged=self._rel(target), final=f"{dataset}/{name}"))
        return replace, delete

    def _complete(self, plan: CommitPlan) -> None:
        """Steps (d) and (e); safe to run any number of times for the same plan."""
        for move in plan.replace:
            self._move(move, plan)
            self._fault("replaced")
        for rel in plan.delete:
            (self.out / rel).unlink(missing_ok=True)
            self._fault("deleted")
        for move in plan.add:
            self._move(move, plan)
            self._fault("added")
        for dataset in (DOCUMENTS, PAGES, CHARTS):
            fsync_dir(self.out / dataset)
        self._fault("applied")
        self.ledger.finish(plan)
        self._fault("finished")
        shutil.rmtree(self.out / STAGING / plan.commit_id, ignore_errors=True)

    def _move(self, move: FileMove, plan: CommitPlan) -> None:
        staged, final = self.out / move.staged, self.out / move.final
        if staged.exists():
            os.replace(staged, final)
        elif not final.exists():
            raise OutputCorrupt(f"commit {plan.commit_id}: neither {staged} nor {final} exists; "
                                "the output directory was changed by hand")

    # -- recovery ---------------------------------------------------------------------------------
    def recover(self) -> RecoveryReport:
        """Roll pending commits forward, then delete unrecorded staging dirs and stale temp files."""
        report = RecoveryReport(rolled_forward=self._roll_forward_pending())
        for child in sorted((self.out / STAGING).iterdir()):
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
            report.removed_staging.append(child.name)
        report.removed_tmp = [p.name for p in remove_stale_tmp_files(self.out / RUNS_DIR)]
        return report

    def _roll_forward_pending(self) -> list[str]:
        done = []
        for plan in self.ledger.pending_plans():
            self._complete(plan)
            done.append(plan.commit_id)
        return done

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.out).as_posix()

    def _fault(self, step: str) -> None:
        if self.fault_hook is not None:
            self.fault_hook(step)


def _validate(documents: pa.Table, pages: pa.Table, entries: Sequence[LedgerEntry],
              charts: pa.Table | None = None) -> list[str]:
    keys = [e.row_key for e in entries]
    if len(set(keys)) != len(keys):
        raise ValueError("entries repeat a row_key; commit each document once")
    named = [(DOCUMENTS, documents), (PAGES, pages)] + ([(CHARTS, charts)] if charts is not None else [])
    for name, table in named:
        if KEY_COLUMN not in table.column_names:
            raise ValueError(f"{name} table has no {KEY_COLUMN!r} column; build it with docpipe.output.rows")
    doc_keys = documents.column(KEY_COLUMN).to_pylist()
    if sorted(doc_keys) != sorted(keys):
        raise ValueError("documents must hold exactly one row per ledger entry (matched on row_key)")
    for name, table in named[1:]:
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
