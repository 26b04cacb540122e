"""Inputs and outputs in an S3-compatible store (a moto server on 127.0.0.1 started by the tests).

No Ray here: listing on the driver, reading in a worker, and the dataset writer's protocol
(commit, supersede, crash at every step, lease lock, compaction, empty datasets) against a real
HTTP S3 API. The multi-node runs are in test_cluster.py.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pymupdf
import pytest

from docpipe.discover import InputError, StorageError, list_inputs
from docpipe.output.commit import DatasetWriter
from docpipe.output.lock import OutputLocked, OutputNotWritable
from docpipe.output.rows import documents_schema, pages_schema
from docpipe.output.verify import verify_output
from docpipe.raster.config import RasterConfig
from docpipe.raster.document import rasterize_document
from docpipe.records import ErrorCategory, Status
from docpipe.storage.lease import LeaseLock, LeaseLost
from docpipe.storage.reading import InputReadError, read_input
from docpipe.storage.store import ObjectStore
from docpipe.storage.uri import filesystem
from schemas.invoice import Invoice
from tests.test_ledger import batch

REPO = Path(__file__).resolve().parents[1]


def _pdf(text: str) -> bytes:
    doc = pymupdf.open()
    doc.new_page(width=300, height=200).insert_text((20, 40), text)
    return doc.tobytes()


def _put(bucket: str, key: str, data: bytes) -> None:
    fs, _ = filesystem("s3://x")
    fs.pipe_file(f"{bucket}/{key}", data)


def _rows(uri: str, dataset: str) -> list[dict]:
    fs, path = filesystem(uri)
    files = sorted(fs.glob(f"{path}/{dataset}/*.parquet"))
    rows: list[dict] = []
    for name in files:
        rows += pq.read_table(io.BytesIO(fs.cat_file(name))).to_pylist()
    return rows


def test_listing_a_prefix_reads_no_bytes_and_counts_what_it_passes_over(bucket):
    for key, data in {"in/a.pdf": _pdf("a"), "in/sub/b.pdf": _pdf("b"), "in/.hidden.pdf": _pdf("h"),
                      "in/.cache/c.pdf": _pdf("c"), "in/truth.json": b"{}", "in/Thumbs.db": b"x",
                      "other/z.pdf": _pdf("z")}.items():
        _put(bucket, key, data)
    listing = list_inputs([f"s3://{bucket}/in"])
    assert [d.source_path for d in listing.docs] == [f"s3://{bucket}/in/a.pdf", f"s3://{bucket}/in/sub/b.pdf"]
    assert listing.skipped == {"hidden": 2, "sidecar": 1, "system_file": 1}
    assert all(d.doc_id == "" and "etag=" in d.source_version and d.size_bytes > 0 for d in listing.docs)
    # one object by name, and a glob
    assert [d.source_path for d in list_inputs([f"s3://{bucket}/other/z.pdf"]).docs] == [f"s3://{bucket}/other/z.pdf"]
    assert len(list_inputs([f"s3://{bucket}/in/**/*.pdf"]).docs) == 2


def test_missing_prefix_is_a_usage_error_and_missing_bucket_a_storage_error(bucket):
    with pytest.raises(InputError, match="no objects"):
        list_inputs([f"s3://{bucket}/nothing-here/"])
    with pytest.raises(StorageError, match="bucket"):
        list_inputs(["s3://no-such-bucket-docpipe/in/"])


def test_worker_reads_hashes_and_reports_vanished_only_when_gone(bucket):
    data = _pdf("invoice")
    _put(bucket, "in/doc.pdf", data)
    (doc,) = list_inputs([f"s3://{bucket}/in"]).docs
    assert read_input(doc.source_path) == data
    output = rasterize_document(doc, RasterConfig(dpi=36, isolate=False))
    import hashlib

    assert output.status is Status.ok and output.doc_id == hashlib.sha256(data).hexdigest()
    assert output.pages[0].kind.value == "pdf"
    fs, _ = filesystem("s3://x")
    fs.rm_file(f"{bucket}/in/doc.pdf")
    with pytest.raises(InputReadError) as caught:
        read_input(doc.source_path)
    assert caught.value.category is ErrorCategory.vanished
    gone = rasterize_document(doc, RasterConfig(dpi=36, isolate=False))
    assert gone.status is Status.failed and gone.error.category is ErrorCategory.vanished


def test_writer_on_s3_commits_supersedes_and_readers_see_each_document_once(bucket):
    out = f"s3://{bucket}/out"
    with DatasetWriter(out, run_id="r1") as writer:
        writer.commit(*batch({"a": Status.failed, "b": Status.ok}, pages=2))
        writer.commit(*batch({"a": Status.ok, "c": Status.ok}, pages=1))  # a is superseded
    assert verify_output(out) == []
    docs = _rows(out, "documents")
    assert sorted((d["row_key"], d["status"]) for d in docs) == [("a", "ok"), ("b", "ok"), ("c", "ok")]
    pages = _rows(out, "pages")
    assert sorted(p["row_key"] for p in pages) == ["a", "b", "b", "c"]
    # the ledger survives the writer: a new writer (a new process would do the same) sees it
    with DatasetWriter(out, run_id="r2") as writer:
        assert {k: e.status for k, e in writer.ledger.lookup(["a", "b", "c"]).items()} == \
            {"a": Status.ok, "b": Status.ok, "c": Status.ok}


def test_the_local_ledger_mirror_of_an_s3_output_is_removed_after_use(bucket, tmp_path, monkeypatch):
    import gc
    import tempfile

    from docpipe.output.remote_ledger import RemoteLedger

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # mkdtemp's default folder
    out = f"s3://{bucket}/out"
    with DatasetWriter(out, run_id="r1") as writer:
        writer.commit(*batch({"a": Status.ok}))
        assert len(list(tmp_path.glob("docpipe-ledger-*"))) == 1  # the mirror while the writer holds it
    assert verify_output(out) == []
    reader = RemoteLedger(ObjectStore(out))  # opened and dropped without close (an exception path)
    assert "a" in reader.lookup(["a"])
    del reader
    gc.collect()
    assert list(tmp_path.glob("docpipe-ledger-*")) == []


def test_a_killed_runs_ledger_mirror_is_removed_by_the_next_open(bucket, tmp_path, monkeypatch):
    import tempfile

    from docpipe.output.remote_ledger import MIRROR_PREFIX, RemoteLedger

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)  # a process that has exited (as a run killed with SIGKILL has)
    orphan = tmp_path / f"{MIRROR_PREFIX}{dead_pid}-abc123"
    orphan.mkdir()
    (orphan / "ledger.sqlite").write_bytes(b"left by a killed run")
    alive = tmp_path / f"{MIRROR_PREFIX}1-def456"  # pid 1 exists: another process's mirror stays
    alive.mkdir()
    ledger = RemoteLedger(ObjectStore(f"s3://{bucket}/out"))
    try:
        assert not orphan.exists() and alive.exists()
        assert [p.name.startswith(f"{MIRROR_PREFIX}{os.getpid()}-") for p in tmp_path.glob(f"{MIRROR_PREFIX}*")
                if p != alive] == [True]
    finally:
        ledger.close()


def test_plain_parquet_readers_read_an_s3_output(bucket):
    import duckdb
    import pandas as pd
    import polars as pl

    out = f"s3://{bucket}/out"
    with DatasetWriter(out, run_id="r1") as writer:
        writer.commit(*batch({"a": Status.ok, "b": Status.failed}))
        writer.commit(*batch({"b": Status.ok, "c": Status.ok}))
    fs, _ = filesystem(out)
    frame = pd.read_parquet(f"{out}/documents")  # fsspec + s3fs, endpoint from AWS_ENDPOINT_URL
    assert sorted(frame["row_key"]) == ["a", "b", "c"]
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    options = {"aws_endpoint_url": endpoint, "aws_access_key_id": os.environ["AWS_ACCESS_KEY_ID"],
               "aws_secret_access_key": os.environ["AWS_SECRET_ACCESS_KEY"], "aws_region": "us-east-1",
               "aws_allow_http": "true"}
    lazy = pl.scan_parquet(f"{out}/documents/*.parquet", storage_options=options)
    assert sorted(lazy.select("row_key").collect()["row_key"].to_list()) == ["a", "b", "c"]
    con = duckdb.connect()
    con.register_filesystem(fs)
    got = con.sql(f"SELECT row_key FROM read_parquet('s3://{bucket}/out/documents/*.parquet') ORDER BY 1").fetchall()
    assert got == [("a",), ("b",), ("c",)]


@pytest.mark.parametrize("step", ["staged", "recorded", "deleted", "added", "applied", "finished"])
def test_crash_at_any_commit_step_on_s3_is_rolled_forward_exactly_once(bucket, step):
    out = f"s3://{bucket}/out"
    with DatasetWriter(out, run_id="r1") as writer:
        writer.commit(*batch({"a": Status.failed, "b": Status.ok}))
        writer.commit(*batch({"c": Status.failed}))

    class Crash(Exception):
        pass

    def crash(name: str) -> None:
        if name == step:
            raise Crash(name)

    writer = DatasetWriter(out, run_id="r2", fault_hook=crash)
    with pytest.raises(Crash):
        writer.commit(*batch({"a": Status.ok, "c": Status.ok, "d": Status.ok}, run_id="r2"))
    writer._lock.release()  # the process "died": only its lease goes (a real death leaves it to expire)
    with DatasetWriter(out, run_id="r3") as again:
        pending_at_crash = step not in ("staged", "finished")  # before (c) nothing; after (e) all done
        assert bool(again.last_recovery.rolled_forward) == pending_at_crash
    assert verify_output(out) == []
    rows = {d["row_key"]: d["run_id"] for d in _rows(out, "documents")}
    expected = {"a": "r2", "b": "r1", "c": "r2", "d": "r2"} if step != "staged" else {"a": "r1", "b": "r1", "c": "r1"}
    assert rows == expected


def test_lease_refuses_a_live_holder_and_takes_over_a_dead_one(bucket):
    store = ObjectStore(f"s3://{bucket}/out")

    def locked(out, holder):
        return OutputLocked(Path(out), holder)

    first = LeaseLock(store, run_id="first", ttl_s=1.5, on_locked=locked).acquire()
    started = time.monotonic()
    with pytest.raises(OutputLocked, match="run first"):
        LeaseLock(store, run_id="second", ttl_s=1.5, on_locked=locked).acquire()
    assert time.monotonic() - started < 1.5 + 1.0  # refused once a heartbeat was seen
    first._stop.set()  # the holder dies: no more heartbeats, the lease stays behind
    first._thread.join()
    third = LeaseLock(store, run_id="third", ttl_s=1.5, on_locked=locked).acquire()
    assert json.loads(store.read_text("_lock"))["run_id"] == "third"
    with pytest.raises(LeaseLost):
        first.check()  # the stalled holder is fenced off before it can commit anything
    third.release()
    assert store.read_text("_lock") is None


def test_compaction_leaves_few_files_and_every_document_once(bucket):
    out = f"s3://{bucket}/out"
    with DatasetWriter(out, run_id="r1", compact_every=0) as writer:
        for i in range(12):
            writer.commit(*batch({f"d{i}": Status.ok}, pages=2))
        writer.commit(*batch({"d3": Status.failed}, pages=1))  # supersede one inside a small part
        assert len(writer.store.list("documents")) == 12
        written = writer.compact()
        assert sorted(p.split("/")[0] for p in written) == ["documents", "pages"]
        assert len(writer.store.list("documents")) == 1 and len(writer.store.list("pages")) == 1
    assert verify_output(out) == []
    docs = _rows(out, "documents")
    assert len(docs) == 12 and len({d["row_key"] for d in docs}) == 12
    assert {d["row_key"]: d["status"] for d in docs}["d3"] == "failed"


def test_compaction_by_size_target_groups_parts(tmp_path):
    with DatasetWriter(tmp_path, run_id="r1", compact_every=4) as writer:
        for i in range(10):
            writer.commit(*batch({f"d{i}": Status.ok}))
        # after every 4th commit the small parts were merged: 10 commits -> far fewer files
        assert len(writer.store.list("documents")) <= 3
        writer.compact(target_file_bytes=1)  # every part is at the target already: nothing to merge
        before = writer.store.list("documents")
        assert writer.compact(target_file_bytes=1) == [] and writer.store.list("documents") == before
    assert verify_output(tmp_path) == []


def test_a_run_without_rows_commits_schema_only_datasets(bucket, tmp_path):
    schemas = {"documents": documents_schema(Invoice), "pages": pages_schema()}
    for out in (f"s3://{bucket}/empty", tmp_path / "empty"):
        with DatasetWriter(out, run_id="r1") as writer:
            assert writer.ensure_datasets(schemas) == ["documents", "pages"]
            assert writer.ensure_datasets(schemas) == []  # once
        assert verify_output(out) == []
    import duckdb

    con = duckdb.connect()
    assert con.sql(f"SELECT count(*) FROM '{tmp_path}/empty/documents/*.parquet'").fetchall() == [(0,)]
    assert "total" in con.sql(f"SELECT * FROM '{tmp_path}/empty/documents/*.parquet'").columns
    # the first real commit replaces the placeholder
    with DatasetWriter(tmp_path / "empty", run_id="r2") as writer:
        writer.commit(*batch({"a": Status.ok}, run_id="r2"))
        assert len(writer.store.list("documents")) == 1
    assert verify_output(tmp_path / "empty") == []


def test_output_bucket_missing_or_access_denied_is_not_writable(bucket, tmp_path):
    with pytest.raises(OutputNotWritable, match="bucket"):
        DatasetWriter("s3://no-such-bucket-docpipe/out", run_id="r1")
    # a second S3 server that checks credentials: ours are unknown there, so every call is denied
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "0"}
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_port(port)
        code = ("import sys\nfrom docpipe.output.commit import DatasetWriter\n"
                "from docpipe.output.lock import OutputNotWritable\n"
                "try:\n    DatasetWriter('s3://denied-bucket/out', run_id='r1')\n"
                "except OutputNotWritable as exc:\n    print(exc); sys.exit(7)\n")
        denied = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                                env={**os.environ, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}, timeout=120)
        assert denied.returncode == 7, denied.stderr[-2000:]
        assert "cannot write to s3://denied-bucket/out" in denied.stdout
    finally:
        server.terminate()
        server.wait(timeout=10)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_port(port: int, timeout_s: float = 60) -> None:
    import socket

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")
