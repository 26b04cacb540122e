"""What a scheduler sees: job files, runs with no inputs, stores that refuse, and the embedded Ray's sockets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from docpipe.cli import EXIT_FATAL, EXIT_NO_INPUTS, EXIT_USAGE, app

runner = CliRunner()
REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_docs"


def _only_metadata(folder: Path) -> Path:
    folder.mkdir()
    (folder / ".DS_Store").write_bytes(b"x")
    (folder / "truth.json").write_text("{}")
    (folder / "notes.txt").write_text("hello")
    return folder


def test_a_run_with_no_inputs_says_so_exits_4_and_leaves_readable_empty_datasets(tmp_path):
    import duckdb
    import pandas as pd

    inbox = _only_metadata(tmp_path / "in")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(inbox), "--engine", "offline", "--out", str(out)])
    assert result.exit_code == EXIT_NO_INPUTS == 4, result.output
    text = " ".join(result.output.split())
    assert "no input documents found" in text and "1 hidden" in text and "2 sidecar" in text
    # the README's queries work on the empty output: schema-only datasets, no missing folders
    assert duckdb.sql(f"SELECT count(*) FROM '{out}/documents/*.parquet'").fetchall() == [(0,)]
    assert duckdb.sql(f"SELECT count(*) FROM '{out}/pages/*.parquet'").fetchall() == [(0,)]
    assert "invoice_number" in pd.read_parquet(out / "documents").columns
    (summary_file,) = (out / "_runs").glob("*.json")
    summary = json.loads(summary_file.read_text())
    assert summary["inputs"] == 0 and summary["passed_over"] == {"hidden": 1, "sidecar": 2}


def test_job_file_sets_the_run_and_flags_override_it(tmp_path):
    inbox = _only_metadata(tmp_path / "in")
    job = tmp_path / "job.toml"
    job.write_text(f'inputs = ["{inbox}"]\nout = "{tmp_path / "from-file"}"\nengine = "offline"\n'
                   'schema = "receipt"\nmax-pages = 3\n')
    result = runner.invoke(app, ["run", "--config", str(job)])
    assert result.exit_code == EXIT_NO_INPUTS, result.output
    (summary_file,) = (tmp_path / "from-file" / "_runs").glob("*.json")
    config = json.loads(summary_file.read_text())["config"]
    assert config["max_pages"] == 3 and config["pipeline"]["schema_"] == "receipt" and config["engine"] == "offline"
    # a flag beats the file
    result = runner.invoke(app, ["run", "--config", str(job), "--out", str(tmp_path / "from-flag"),
                                 "--max-pages", "5"])
    assert result.exit_code == EXIT_NO_INPUTS, result.output
    (summary_file,) = (tmp_path / "from-flag" / "_runs").glob("*.json")
    assert json.loads(summary_file.read_text())["config"]["max_pages"] == 5


def test_job_file_typos_are_usage_errors(tmp_path):
    job = tmp_path / "job.toml"
    job.write_text('inputs = ["x"]\nmax_page = 3\n')
    result = runner.invoke(app, ["run", "--config", str(job)])
    assert result.exit_code == EXIT_USAGE and "max_page" in result.output
    job.write_text('inputs = ["x"]\nmax_pages = "many"\n')
    result = runner.invoke(app, ["run", "--config", str(job)])
    assert result.exit_code == EXIT_USAGE and "max_pages" in result.output
    result = runner.invoke(app, ["run", "--config", str(tmp_path / "missing.toml")])
    assert result.exit_code == EXIT_USAGE and "not found" in result.output
    result = runner.invoke(app, ["run", "--out", str(tmp_path / "o")])
    assert result.exit_code == EXIT_USAGE and "no inputs given" in result.output


def test_missing_buckets_are_fatal_exit_3(bucket):
    from docpipe.storage.uri import filesystem

    fs, _ = filesystem("s3://x")
    fs.pipe_file(f"{bucket}/in/a.pdf", (SAMPLES / "invoice_acme.pdf").read_bytes())
    cases = [
        (["run", "s3://no-such-bucket-docpipe/in", "--out", f"s3://{bucket}/out"], "does the bucket exist"),
        (["run", f"s3://{bucket}/in", "--out", "s3://no-such-bucket-docpipe/out"], "does the bucket exist"),
    ]
    for args, message in cases:
        result = runner.invoke(app, [*args, "--engine", "offline"])
        assert result.exit_code == EXIT_FATAL == 3, result.output
        assert message in " ".join(result.output.split()) and "Traceback" not in result.output
    result = runner.invoke(app, ["run", f"s3://{bucket}/nothing/", "--out", f"s3://{bucket}/out", "--engine", "offline"])
    assert result.exit_code == EXIT_USAGE and "no objects under" in result.output


def test_access_denied_by_the_store_is_fatal_exit_3(s3_endpoint, tmp_path):
    import os

    from tests.test_object_store import _free_port, _wait_port

    port = _free_port()
    # a second S3 server that checks credentials: ours are unknown there, so every call is denied
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              env={**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "0"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_port(port)
        env = {**os.environ, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}
        for args in (["s3://denied-bucket/in", "--out", str(tmp_path / "o")],
                     [str(SAMPLES / "invoice_acme.pdf"), "--out", "s3://denied-bucket/out"]):
            result = subprocess.run([sys.executable, "-m", "docpipe", "run", *args, "--engine", "offline"],
                                    cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
            assert result.returncode == 3, result.stderr[-2000:]
            text = " ".join(result.stderr.split())
            assert "denied" in text.lower() or "forbidden" in text.lower() or "InvalidAccessKeyId" in text, text
            assert "Traceback" not in result.stderr
    finally:
        server.terminate()
        server.wait(timeout=10)


LISTENERS = r"""
import json, psutil
from docpipe.executor import start_ray
import ray
start_ray(None)
@ray.remote
def ping():
    return 1
ray.get([ping.remote() for _ in range(4)])
me = psutil.Process()
found = set()
for proc in [me, *me.children(recursive=True)]:
    try:
        for conn in proc.net_connections(kind="inet"):
            if conn.status == psutil.CONN_LISTEN:
                found.add((proc.name(), conn.laddr.ip, conn.laddr.port))
    except psutil.Error:
        pass
print(json.dumps(sorted(found)))
ray.shutdown()
"""


@pytest.mark.ray
def test_embedded_ray_listens_on_loopback_only():
    import os

    env = {k: v for k, v in os.environ.items() if k != "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"}
    result = subprocess.run([sys.executable, "-c", LISTENERS], cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    listeners = json.loads(result.stdout.strip().splitlines()[-1])
    names = {name for name, _, _ in listeners}
    assert {"gcs_server", "raylet"} <= names, listeners  # the servers were found, so the check can fail
    outside = [entry for entry in listeners if entry[1] not in ("127.0.0.1", "::ffff:127.0.0.1", "::1")]
    assert outside == []


def test_the_example_job_file_is_valid():
    from docpipe.job_config import load_job_file

    job = load_job_file(REPO / "deploy" / "job.toml")
    assert job["inputs"] == ["s3://acme-invoices/inbox/"] and job["schema"] == "invoice"
    assert job["max_pages"] == 50 and job["lock_ttl"] == 60 and job["ray_address"] == "auto"


def test_compact_merges_a_crashed_runs_small_parts(tmp_path):
    from docpipe.output.commit import DatasetWriter
    from docpipe.output.verify import verify_output
    from docpipe.records import Status
    from tests.test_ledger import batch

    out = tmp_path / "out"
    with DatasetWriter(out, run_id="r1", compact_every=0) as writer:  # a run that died before its last step
        for i in range(7):
            writer.commit(*batch({f"d{i}": Status.ok}, pages=2))
    assert len(list((out / "documents").glob("*.parquet"))) == 7
    result = runner.invoke(app, ["compact", str(out)])
    assert result.exit_code == 0, result.output
    assert "documents: 7 → 1 files" in result.output and "pages: 7 → 1 files" in result.output
    assert verify_output(out) == []
    again = runner.invoke(app, ["compact", str(out)])
    assert again.exit_code == 0 and "nothing to merge" in again.output
