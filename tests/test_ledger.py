"""DatasetWriter commits, supersedes, recovery after a crash at every protocol step, locking."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pytest
from pydantic import BaseModel

from docpipe.output.atomic_files import write_run_summary
from docpipe.output.commit import DatasetWriter, OutputSchemaMismatch
from docpipe.output.ledger import LedgerEntry, ResumeAction, resume_action
from docpipe.output.lock import OutputLock, OutputLocked, OutputNotWritable
from docpipe.output.rows import DocumentHead, document_rows_table, documents_schema, page_rows_table, pages_schema
from docpipe.output.verify import verify_output
from docpipe.records import ErrorCategory, ErrorInfo, PageResult, Status
from schemas.invoice import Invoice
from schemas.receipt import Receipt

REPO = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


def batch(docs: dict[str, Status], *, pages: int = 1, work_key: str = "w1",
          run_id: str = "r1") -> tuple[dict[str, pa.Table], list[LedgerEntry]]:
    """Tables + ledger entries for row_keys (doc_id is the part before '#')."""
    heads, values, page_results, page_keys, entries = [], [], [], [], []
    for row_key, status in docs.items():
        doc_id = row_key.split("#")[0]
        failed = status == Status.failed
        heads.append(DocumentHead(
            doc_id=doc_id, row_key=row_key, source_path=f"in/{row_key}.pdf", page_count=pages,
            pages_processed=pages, status=status,
            error=ErrorInfo(category=ErrorCategory.timeout, message="slow") if failed else None, schema="invoice",
            schema_hash="sh", pipeline="default", engine="offline", prompt_hash="ph", run_id=run_id, processed_at=NOW))
        values.append(None if failed else Invoice(invoice_number=row_key, total=Decimal("1.5")))
        for index in range(pages):
            page_results.append(PageResult(doc_id=doc_id, source_path=f"in/{row_key}.pdf", page_index=index,
                                           page_count=pages, total_pages=pages, width_pt=1.0, height_pt=1.0,
                                           status=status, ocr_text=f"{row_key}/{status.value}"))
            page_keys.append(row_key)
        entries.append(LedgerEntry(row_key=row_key, doc_id=doc_id, work_key=work_key, status=status,
                                   error_category=ErrorCategory.timeout if failed else None,
                                   source_path=f"in/{row_key}.pdf", run_id=run_id))
    documents = document_rows_table(heads, values, [[] for _ in heads], Invoice)
    page_table = page_rows_table(page_results, run_id=run_id, processed_at=NOW, row_keys=page_keys)
    return {"documents": documents, "pages": page_table}, entries


def dataset_rows(out: Path, name: str = "documents") -> list[dict[str, object]]:
    return ds.dataset(out / name, format="parquet").to_table().to_pylist()


def doc_status(out: Path) -> dict[str, str]:
    rows = dataset_rows(out)
    keys = [str(r["row_key"]) for r in rows]
    assert len(keys) == len(set(keys)), f"a document appears twice: {sorted(keys)}"
    return {str(r["row_key"]): str(r["status"]) for r in rows}


def page_texts(out: Path) -> list[str]:
    return sorted(str(r["ocr_text"]) for r in dataset_rows(out, "pages"))


def parts(out: Path, name: str) -> list[str]:
    return sorted(p.name for p in (out / name).iterdir())


def test_commit_then_lookup(tmp_path: Path) -> None:
    with DatasetWriter(tmp_path, run_id="r1") as writer:
        recorded = writer.commit(*batch({"a": Status.ok, "b": Status.failed}, pages=2))
        assert [e.parts["documents"] for e in recorded] == ["part-r1-00001.parquet"] * 2
        found = writer.ledger.lookup(["a", "b", "zzz"])
        assert set(found) == {"a", "b"}
        assert found["b"].status == Status.failed and found["b"].error_category == ErrorCategory.timeout
        assert found["a"].parts["pages"] == "part-r1-00001.parquet" and found["a"].committed_at is not None
        assert found["a"].work_key == "w1" and found["a"].commit_id == "r1-00001"
        assert writer.commit(*batch({})) == []
    assert doc_status(tmp_path) == {"a": "ok", "b": "failed"}
    assert page_texts(tmp_path) == ["a/ok", "a/ok", "b/failed", "b/failed"]
    assert verify_output(tmp_path) == []


def test_resume_actions(tmp_path: Path) -> None:
    with DatasetWriter(tmp_path, run_id="r1") as writer:
        writer.commit(*batch({"a": Status.ok, "b": Status.failed, "c": Status.skipped}))
        found = writer.ledger.lookup(["a", "b", "c"])
    assert resume_action(None, "w1") == ResumeAction.new
    assert resume_action(found["a"], "w1") == ResumeAction.skip
    assert resume_action(found["c"], "w1") == ResumeAction.skip
    assert resume_action(found["b"], "w1") == ResumeAction.retry
    assert resume_action(found["b"], "w1", retry_failed=False) == ResumeAction.skip
    assert resume_action(found["a"], "w2") == ResumeAction.redo
    assert resume_action(found["a"], "w1", force=True) == ResumeAction.redo


def test_retried_failure_supersedes_old_rows(tmp_path: Path) -> None:
    with DatasetWriter(tmp_path, run_id="r1") as writer:
        writer.commit(*batch({"a": Status.failed, "b": Status.ok}, pages=2))
        writer.commit(*batch({"a": Status.ok}, pages=2))
        assert writer.ledger.lookup(["a"])["a"].status == Status.ok
        assert writer.ledger.lookup(["b"])["b"].parts["documents"] == "part-r1-00001.parquet"
    assert doc_status(tmp_path) == {"a": "ok", "b": "ok"}
    assert page_texts(tmp_path) == ["a/ok", "a/ok", "b/ok", "b/ok"]
    # The old part was rewritten in place without a's rows; nothing else was left behind.
    assert parts(tmp_path, "documents") == ["part-r1-00001.parquet", "part-r1-00002.parquet"]
    assert verify_output(tmp_path) == []


def test_fully_superseded_parts_are_deleted(tmp_path: Path) -> None:
    with DatasetWriter(tmp_path, run_id="r1") as writer:
        writer.commit(*batch({"a": Status.failed}))
    with DatasetWriter(tmp_path, run_id="r2") as writer:  # a later run, changed config
        writer.commit(*batch({"a": Status.ok}, work_key="w2", run_id="r2"))
        assert writer.ledger.lookup(["a"])["a"].work_key == "w2"
    assert parts(tmp_path, "documents") == ["part-r2-00001.parquet"]
    assert parts(tmp_path, "pages") == ["part-r2-00001.parquet"]
    assert doc_status(tmp_path) == {"a": "ok"}
    assert verify_output(tmp_path) == []


def test_pages_of_superseded_document_vanish_even_if_new_commit_has_none(tmp_path: Path) -> None:
    with DatasetWriter(tmp_path, run_id="r1") as writer:
        writer.commit(*batch({"a": Status.ok, "b": Status.ok}, pages=3))
        writer.commit(*batch({"a": Status.skipped}, pages=0))
        assert writer.ledger.lookup(["a"])["a"].parts.get("pages") is None
    assert page_texts(tmp_path) == ["b/ok"] * 3
    assert verify_output(tmp_path) == []


def test_same_content_under_two_paths_keeps_both_rows(tmp_path: Path) -> None:
    with DatasetWriter(tmp_path, run_id="r1") as writer:
        writer.commit(*batch({"x": Status.ok, "x#2": Status.failed}))
        writer.commit(*batch({"x#2": Status.ok}))
    rows = dataset_rows(tmp_path)
    assert sorted((r["doc_id"], r["row_key"], r["status"]) for r in rows) == [("x", "x", "ok"), ("x", "x#2", "ok")]
    assert verify_output(tmp_path) == []


def test_commit_rejects_inconsistent_input(tmp_path: Path) -> None:
    with DatasetWriter(tmp_path, run_id="r1") as writer:
        tables, entries = batch({"a": Status.ok, "b": Status.ok})
        documents, pages = tables["documents"], tables["pages"]
        with pytest.raises(ValueError, match="one row per ledger entry"):
            writer.commit({"documents": documents, "pages": pages}, entries[:1])
        other_pages = batch({"c": Status.ok})[0]["pages"]
        with pytest.raises(ValueError, match="without a ledger entry"):
            writer.commit({"documents": documents, "pages": pa.concat_tables([pages, other_pages])}, entries)
        with pytest.raises(ValueError, match="repeat"):
            writer.commit({"documents": documents, "pages": pages}, [entries[0], entries[0]])
    assert not list((tmp_path / "documents").iterdir())


class Renamed(BaseModel):
    invoice_no: str | None = None


def test_changed_schema_is_refused(tmp_path: Path) -> None:
    with DatasetWriter(tmp_path, run_id="r1") as writer:
        writer.check_schemas({"documents": documents_schema(Receipt), "pages": pages_schema()})  # nothing committed yet: accepted
        writer.commit(*batch({"a": Status.ok}))
    with DatasetWriter(tmp_path, run_id="r2") as writer:
        writer.check_schemas({"documents": documents_schema(Invoice), "pages": pages_schema()})
        with pytest.raises(OutputSchemaMismatch, match=r"\+invoice_no") as info:
            writer.check_schemas({"documents": documents_schema(Renamed), "pages": pages_schema()})
        assert "-invoice_number" in str(info.value) and "new --out" in str(info.value)


class Crash(Exception):
    pass


def crash_at(step: str, occurrence: int = 1):  # noqa: ANN201 - returns the hook
    seen = {"n": 0}

    def hook(name: str) -> None:
        if name == step:
            seen["n"] += 1
            if seen["n"] == occurrence:
                raise Crash(step)

    return hook


# (step, occurrence, whether the commit must be visible after recovery)
CRASH_POINTS = [
    ("staged", 1, False),
    ("superseded_staged", 1, False),
    ("recorded", 1, True),
    ("replaced", 1, True),
    ("deleted", 1, True),
    ("added", 1, True),
    ("added", 2, True),
    ("applied", 1, True),
    ("finished", 1, True),
]


@pytest.mark.parametrize(("step", "occurrence", "visible"), CRASH_POINTS)
def test_recovery_after_crash_at_each_step(tmp_path: Path, step: str, occurrence: int, visible: bool) -> None:
    with DatasetWriter(tmp_path, run_id="r1") as writer:
        writer.commit(*batch({"a": Status.failed, "b": Status.ok}))  # part 1: a is rewritten away later
        writer.commit(*batch({"c": Status.failed}))  # part 2: deleted later (c is its only document)
    # The commit that crashes touches every kind of file operation: replace, delete, two adds.
    writer = DatasetWriter(tmp_path, run_id="r2", fault_hook=crash_at(step, occurrence))
    with pytest.raises(Crash):
        writer.commit(*batch({"a": Status.ok, "c": Status.ok, "d": Status.ok}, run_id="r2"))
    writer.close()  # like a dead process: no cleanup

    # Readers of the crashed directory may miss a superseded document, never see one twice.
    assert len(doc_status(tmp_path)) <= 4

    with DatasetWriter(tmp_path, run_id="r3") as recovered:
        report = recovered.last_recovery
        entries = recovered.ledger.lookup(["a", "b", "c", "d"])
    if visible:
        assert report.rolled_forward == ([] if step == "finished" else ["r2-00001"])
        expected = {"a": "ok", "b": "ok", "c": "ok", "d": "ok"}
    else:
        assert report.rolled_forward == [] and report.removed_staging == ["r2-00001"]
        expected = {"a": "failed", "b": "ok", "c": "failed"}
    assert doc_status(tmp_path) == expected
    assert {k: e.status.value for k, e in entries.items()} == expected
    assert verify_output(tmp_path) == []
    assert not list((tmp_path / "_staging").iterdir())


@pytest.mark.parametrize("step", ["replaced", "deleted", "added", "applied"])
def test_crash_during_recovery_is_recovered_again(tmp_path: Path, step: str) -> None:
    with DatasetWriter(tmp_path, run_id="r1") as writer:
        writer.commit(*batch({"a": Status.failed, "b": Status.ok}))
        writer.commit(*batch({"c": Status.failed}))
    writer = DatasetWriter(tmp_path, run_id="r2", fault_hook=crash_at("recorded"))  # before any file moved
    with pytest.raises(Crash):
        writer.commit(*batch({"a": Status.ok, "c": Status.ok}, run_id="r2"))
    writer.close()
    with pytest.raises(Crash):  # the constructor's recovery crashes too
        DatasetWriter(tmp_path, run_id="r3", fault_hook=crash_at(step))
    DatasetWriter(tmp_path, run_id="r4").close()
    assert doc_status(tmp_path) == {"a": "ok", "b": "ok", "c": "ok"}
    assert verify_output(tmp_path) == []


def test_failed_commit_before_recording_is_retried_in_the_same_writer(tmp_path: Path) -> None:
    writer = DatasetWriter(tmp_path, run_id="r1", fault_hook=crash_at("staged"))
    with pytest.raises(Crash):
        writer.commit(*batch({"a": Status.ok}))
    writer.fault_hook = None
    recorded = writer.commit(*batch({"a": Status.ok}))  # reuses the unrecorded commit id
    writer.close()
    assert recorded[0].commit_id == "r1-00001"
    assert doc_status(tmp_path) == {"a": "ok"}
    assert verify_output(tmp_path) == []


def test_failed_commit_after_recording_is_finished_by_the_next_commit(tmp_path: Path) -> None:
    writer = DatasetWriter(tmp_path, run_id="r1", fault_hook=crash_at("recorded"))
    with pytest.raises(Crash):
        writer.commit(*batch({"a": Status.ok}))
    writer.fault_hook = None
    writer.commit(*batch({"b": Status.ok}))
    writer.close()
    assert doc_status(tmp_path) == {"a": "ok", "b": "ok"}
    assert verify_output(tmp_path) == []


def test_recover_removes_orphans(tmp_path: Path) -> None:
    DatasetWriter(tmp_path, run_id="r1").close()
    (tmp_path / "_staging" / "ghost-00001" / "documents").mkdir(parents=True)
    (tmp_path / "_staging" / "ghost-00001" / "documents" / "part-ghost-00001.parquet").write_bytes(b"PAR1")
    (tmp_path / "_runs" / ".r0.json.123.tmp").write_text("{")
    with DatasetWriter(tmp_path, run_id="r2") as writer:
        assert writer.last_recovery.removed_staging == ["ghost-00001"]
        assert writer.last_recovery.removed_tmp == [".r0.json.123.tmp"]
    assert not list((tmp_path / "_staging").iterdir())


class Summary(BaseModel):
    run_id: str
    documents: int


def test_run_summary_is_written_atomically(tmp_path: Path) -> None:
    path = write_run_summary(tmp_path, "r1", Summary(run_id="r1", documents=1))
    write_run_summary(tmp_path, "r1", Summary(run_id="r1", documents=5))
    assert path == tmp_path / "_runs" / "r1.json"
    assert json.loads(path.read_text()) == {"run_id": "r1", "documents": 5}
    assert [p.name for p in path.parent.iterdir()] == ["r1.json"]


def test_bad_run_id_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="run_id"):
        DatasetWriter(tmp_path, run_id="../evil")


HOLD_LOCK = """
import sys, time
from docpipe.output.lock import OutputLock
lock = OutputLock(sys.argv[1], run_id="holder-run").acquire()
print("locked", flush=True)
time.sleep(60)
"""


def test_second_writer_gets_output_locked_naming_the_holder(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(tmp_path)], stdout=subprocess.PIPE,
                              text=True, env=env)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(OutputLocked, match=rf"pid {holder.pid}\b.*holder-run") as info:
            DatasetWriter(tmp_path, run_id="second")
        assert info.value.pid == holder.pid and isinstance(info.value, RuntimeError)
        with pytest.raises(OutputLocked):
            OutputLock(tmp_path, wait_s=0.2).acquire()
    finally:
        holder.kill()
        holder.wait()
    # The kernel drops an flock with its holder, even on kill -9: no stale lock.
    with DatasetWriter(tmp_path, run_id="third") as writer:
        writer.commit(*batch({"a": Status.ok}))


def test_lock_is_exclusive_within_a_process_and_reusable_after_release(tmp_path: Path) -> None:
    first = OutputLock(tmp_path, run_id="one").acquire()
    with pytest.raises(OutputLocked, match=f"pid {os.getpid()}"):
        OutputLock(tmp_path).acquire()
    first.release()
    with OutputLock(tmp_path, run_id="two") as second:
        assert second.held


def test_output_path_that_is_a_file_is_not_writable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputNotWritable, match="not a directory"):
        DatasetWriter(blocker, run_id="r1")
    with pytest.raises(OutputNotWritable, match="cannot create"):
        DatasetWriter(blocker / "out", run_id="r1")


def test_output_dir_refusing_files_is_not_writable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "ro"
    out.mkdir()
    if os.geteuid() != 0:  # permission bits bind everyone but root
        out.chmod(0o500)
    else:
        def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(tempfile, "mkstemp", refuse)
    try:
        with pytest.raises(OutputNotWritable, match="not writable"):
            DatasetWriter(out, run_id="r1")
    finally:
        out.chmod(0o700)


def test_writer_metadata_stamps_new_parts_and_rewrites_keep_their_own(tmp_path: Path) -> None:
    from docpipe.output.rows import dataset_metadata, read_dataset_metadata

    first = dataset_metadata(Invoice, schema_name="invoice", run_config_json='{"run": 1}')
    with DatasetWriter(tmp_path, run_id="r1", metadata=first) as writer:
        writer.commit(*batch({"a": Status.failed, "b": Status.ok}))
    second = dataset_metadata(Invoice, schema_name="invoice", run_config_json='{"run": 2}')
    with DatasetWriter(tmp_path, run_id="r2", metadata=second) as writer:
        tables, entries = batch({"a": Status.ok}, run_id="r2")
        writer.commit({"documents": tables["documents"], "pages": None}, entries)  # no pages at all
    old = read_dataset_metadata(str(tmp_path / "documents" / "part-r1-00001.parquet"))
    new = read_dataset_metadata(str(tmp_path / "documents" / "part-r2-00001.parquet"))
    assert old["docpipe.run_config"] == '{"run": 1}' and new["docpipe.run_config"] == '{"run": 2}'
    assert set(new) == {"docpipe.schema_json", "docpipe.run_config", "docpipe.schema_name", "docpipe.version"}
    assert read_dataset_metadata(str(tmp_path / "pages" / "part-r1-00001.parquet"))["docpipe.schema_name"] == "invoice"
    assert page_texts(tmp_path) == ["b/ok"]
    assert verify_output(tmp_path) == []
