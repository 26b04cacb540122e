"""docpipe on a real multi-node Ray cluster with inputs and output in S3, all started by the tests.

One machine plays the cluster: a head node with no CPUs (the driver connects there, so every stage
actor runs on another node) and two worker nodes with 3 CPUs each, all on 127.0.0.1
(RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 in every Ray process's environment), plus a moto S3 server on
127.0.0.1. `docpipe run s3://... --out s3://...` runs as its own process, like a scheduled job.
Small inputs keep the module to a few minutes on 2 cores.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pymupdf
import pytest

from docpipe.output.verify import verify_output
from docpipe.storage.uri import filesystem

pytestmark = [pytest.mark.ray, pytest.mark.cluster]

REPO = Path(__file__).resolve().parents[1]
NODE_ARGS = {"num_cpus": 3, "node_ip_address": "127.0.0.1", "object_store_memory": 150 * 1024 * 1024}
# Pools that fit on one worker node, so the run survives losing the other one.
POOLS = ["--raster-workers", "1", "--ocr-workers", "1", "--infer-workers", "1"]


@pytest.fixture(scope="module")
def cluster(s3_endpoint):
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    from ray._private import ray_constants
    from ray.cluster_utils import Cluster

    ray_constants.ENABLE_RAY_CLUSTER = False
    dashboard_port = _free_port()
    cluster = Cluster(initialize_head=True, connect=False, head_node_args={
        "num_cpus": 0, "node_ip_address": "127.0.0.1", "object_store_memory": 150 * 1024 * 1024,
        "include_dashboard": True, "dashboard_host": "127.0.0.1", "dashboard_port": dashboard_port})
    workers = [cluster.add_node(**NODE_ARGS) for _ in range(2)]
    cluster.wait_for_nodes()
    cluster.dashboard_url = f"http://127.0.0.1:{dashboard_port}"
    cluster.workers = workers
    try:
        yield cluster
    finally:
        cluster.shutdown()


def _corpus(bucket: str, prefix: str, n: int, pages: int = 1) -> list[str]:
    fs, _ = filesystem("s3://x")
    keys = []
    for i in range(n):
        doc = pymupdf.open()
        for p in range(pages):
            page = doc.new_page(width=595, height=842)
            page.insert_text((72, 72), "ACME Supplies Ltd", fontsize=14)
            page.insert_text((72, 110), f"Invoice No.: INV-{i:04d}-{p}", fontsize=11)
            page.insert_text((72, 130), f"Invoice Date: 2024-03-{1 + i % 28:02d}", fontsize=11)
            page.insert_text((72, 300), f"Total: EUR {100 + i}.50", fontsize=11)
        fs.pipe_file(f"{bucket}/{prefix}/inv_{i:03d}.pdf", doc.tobytes())
        keys.append(f"s3://{bucket}/{prefix}/inv_{i:03d}.pdf")
    return keys


def _run_cmd(inputs: str, out: str, address: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "docpipe", "run", inputs, "--out", out, "--schema", "invoice",
            "--engine", "offline", "--ray-address", address, "--log-format", "json", "--commit-every", "2",
            "--dpi", "72", *POOLS, *extra]


def _documents(out: str) -> list[dict]:
    fs, path = filesystem(out)
    rows: list[dict] = []
    for name in sorted(fs.glob(f"{path}/documents/*.parquet")):
        rows += pq.read_table(io.BytesIO(fs.cat_file(name))).to_pylist()
    return rows


def _summary(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def _exactly_once(out: str, sources: list[str]) -> None:
    docs = _documents(out)
    assert sorted(d["source_path"] for d in docs) == sorted(sources)
    assert len({d["row_key"] for d in docs}) == len(docs)
    assert all(d["status"] in ("ok", "partial") for d in docs)
    assert verify_output(out) == []


def test_cluster_nodes_listen_on_loopback_and_the_head_has_no_cpus(cluster):
    import ray

    ray.init(address=cluster.address, logging_level="ERROR")
    try:
        nodes = [n for n in ray.nodes() if n["Alive"]]
        assert len(nodes) == 3 and {n["NodeManagerAddress"] for n in nodes} == {"127.0.0.1"}
        assert sorted(n["Resources"].get("CPU", 0) for n in nodes) == [0, 3, 3]
    finally:
        ray.shutdown()


def test_s3_in_s3_out_on_worker_nodes_then_a_rerun_skips_everything(cluster, bucket):
    sources = _corpus(bucket, "in", 6)
    out = f"s3://{bucket}/out"
    first = subprocess.run(_run_cmd(f"s3://{bucket}/in", out, cluster.address), cwd=REPO,
                           capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-3000:]
    summary = _summary(first.stdout)
    assert summary["processed"] == 6 and summary["by_status"] == {"ok": 6}
    _exactly_once(out, sources)
    fs, path = filesystem(out)
    assert len(fs.glob(f"{path}/documents/*.parquet")) == 1  # 3 commits of 2, merged at the end of the run
    # Every stage actor ran away from the head (where the driver is); none on the driver's node.
    from ray.util.state import list_actors

    head_id = cluster.head_node.node_id
    actors = [a for a in list_actors(address=cluster.dashboard_url, limit=1000, detail=True)
              if "UDF" in (a.class_name or "")]
    assert {a.class_name.split("(")[-1].rstrip(")") for a in actors} >= {"RasterUDF", "WordLayerUDF", "InferUDF"}
    assert all(a.node_id != head_id for a in actors)
    # Unchanged inputs are skipped by URI + ETag without reading them or starting any worker.
    again = subprocess.run(_run_cmd(f"s3://{bucket}/in", out, cluster.address), cwd=REPO,
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    summary = _summary(again.stdout)
    assert summary["skipped_done"] == 6 and summary["processed"] == 0
    _exactly_once(out, sources)


def test_losing_a_worker_node_mid_run_still_gives_every_document_once(cluster, bucket):
    sources = _corpus(bucket, "in", 10, pages=2)
    out = f"s3://{bucket}/out"
    proc = subprocess.Popen(_run_cmd(f"s3://{bucket}/in", out, cluster.address), cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # Wait for the first finished document, then take a worker node away.
        for line in proc.stderr:
            if '"event": "document"' in line:
                break
        victim = cluster.workers[-1]
        cluster.remove_node(victim, allow_graceful=False)
        stdout, stderr = proc.communicate(timeout=420)
    finally:
        if proc.poll() is None:
            proc.kill()
        cluster.workers[-1] = cluster.add_node(**NODE_ARGS)  # for the tests after this one
        cluster.wait_for_nodes()
    assert proc.returncode == 0, stderr[-3000:]
    _exactly_once(out, sources)


def test_concurrent_run_refused_then_driver_killed_and_rerun_exactly_once(cluster, bucket):
    sources = _corpus(bucket, "in", 12)
    out = f"s3://{bucket}/out"
    fs, _ = filesystem(out)
    cmd = _run_cmd(f"s3://{bucket}/in", out, cluster.address, "--lock-ttl", "4")
    first = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    try:
        _wait(lambda: fs.exists(f"{bucket}/out/_lock"), 120)
        second = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
        assert second.returncode == 3
        assert f"output {out} is in use" in " ".join(second.stderr.split())
        # kill -9 the first driver (and its process group) once something is committed
        _wait(lambda: bool(fs.glob(f"{bucket}/out/_commits/done/*.json") or fs.glob(f"{bucket}/out/documents/*")), 300)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    assert len(_documents(out)) < len(sources)  # it really was killed mid-run
    rerun = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=420)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert _summary(rerun.stdout)["skipped_done"] >= 1  # what the killed run committed stays done
    _exactly_once(out, sources)


def test_ray_job_submit_runs_docpipe_as_a_job(cluster, bucket):
    sources = _corpus(bucket, "in", 3)
    out = f"s3://{bucket}/out"
    entry = " ".join([sys.executable, "-m", "docpipe", "run", f"s3://{bucket}/in", "--out", out, "--engine",
                      "offline", "--dpi", "72", *POOLS])
    ray_cli = str(Path(sys.executable).with_name("ray"))
    for _ in range(12):
        submitted = subprocess.run([ray_cli, "job", "submit", "--address", cluster.dashboard_url, "--",
                                    *entry.split()], cwd=REPO, capture_output=True, text=True, timeout=420)
        # A busy machine may not have the node's job agent up yet: Ray refuses with this message
        # and asks to try again later; nothing was submitted then.
        if "No available agent to submit job" not in submitted.stdout + submitted.stderr:
            break
        time.sleep(5)
    assert submitted.returncode == 0, (submitted.stdout + submitted.stderr)[-3000:]
    assert "succeeded" in submitted.stdout.lower()
    _exactly_once(out, sources)


def _wait(condition, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise TimeoutError("condition not met")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
