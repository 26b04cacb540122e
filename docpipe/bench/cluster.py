"""The driver's cost in a cluster run: CPU seconds and peak RSS of the `docpipe run` process alone.

A Ray cluster on this machine (a head without CPUs, where the driver connects, and two worker
nodes, all on 127.0.0.1) runs `docpipe run --ray-address ...` twice on text-layer pages, a small
and a large corpus. The driver's own CPU comes from wait4() on its process, its peak RSS from the
kernel's high-water mark of that process (VmHWM): its stage actors and their rendering children
live under the worker nodes' raylets, not under the driver.
The marginal cost per 1,000 pages is the difference of the two runs over the difference of
their pages, so the fixed cost (interpreter, imports, joining the cluster) does not inflate it.
Memory is reported both ways: the driver's peak, its baseline (a process that has only imported
the run path and joined the cluster) and the growth of the peak per 1,000 pages.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from pydantic import BaseModel


class DriverRun(BaseModel):
    pages: int
    documents: int
    wall_s: float
    driver_cpu_s: float  # user + system CPU of the driver process
    # Peak RSS (the kernel's VmHWM of the driver, sampled every 0.2 s; its last sample is within
    # 0.2 s of exit): includes object-store pages the driver mapped to read results. Not wait4's
    # ru_maxrss: that keeps the forking parent's RSS across exec (Linux), so it reported the
    # benchmark process's own size (~390 MB) for every driver.
    driver_peak_mb: float
    driver_peak_private_mb: float  # peak USS (sampled every 0.2 s): memory only the driver holds


class ClusterDriverResult(BaseModel):
    nodes: int
    worker_cpus: int
    small: DriverRun
    large: DriverRun
    cpu_s_per_1k_pages: float  # marginal, or the whole run's when the marginal is lost in noise (see basis)
    basis: str  # "marginal" or "whole run (upper bound)"
    total_cpu_s_per_1k_pages: float  # the large run's whole driver CPU per 1,000 of its pages
    peak_mb: float  # the large run's driver peak RSS
    peak_private_mb: float  # the large run's driver peak private memory (USS)
    baseline_mb: float  # RSS of a driver that has imported docpipe's run path and joined the cluster
    growth_mb_per_1k_pages: float  # (large peak - small peak) / their page difference × 1,000
    load_average: float  # 1-minute load average after the large run


def bench_cluster_driver(small_inputs: list[Path], large_inputs: list[Path], work: Path,
                         worker_cpus: int = 2, timeout_s: float = 900.0, warm_up: bool = True) -> ClusterDriverResult:
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # every node on 127.0.0.1 only
    from ray._private import ray_constants
    from ray.cluster_utils import Cluster

    ray_constants.ENABLE_RAY_CLUSTER = False
    node = {"num_cpus": worker_cpus, "node_ip_address": "127.0.0.1", "object_store_memory": 200 * 1024 * 1024}
    cluster = Cluster(initialize_head=True, connect=False, head_node_args={
        "num_cpus": 0, "node_ip_address": "127.0.0.1", "object_store_memory": 100 * 1024 * 1024,
        "include_dashboard": False})
    try:
        for _ in range(2):
            cluster.add_node(**node)
        cluster.wait_for_nodes()
        # A first run starts the nodes' worker processes; both measured runs then find them warm.
        if warm_up:
            _driver_run(small_inputs, work / "out-cluster-warmup", cluster.address, timeout_s)
        baseline = _baseline_rss_mb(cluster.address, timeout_s)
        small = _driver_run(small_inputs, work / "out-cluster-small", cluster.address, timeout_s)
        large = _driver_run(large_inputs, work / "out-cluster-large", cluster.address, timeout_s)
        load = os.getloadavg()[0]
    finally:
        cluster.shutdown()
    extra_pages = max(1, large.pages - small.pages)
    marginal = (large.driver_cpu_s - small.driver_cpu_s) / extra_pages * 1000
    total = large.driver_cpu_s / max(1, large.pages) * 1000
    # On tiny corpora (--quick) the difference of two runs can be lost in noise, even negative: the
    # whole large run's CPU per page is then reported instead, an upper bound of the marginal cost.
    usable = marginal > 0 and large.pages >= 4 * max(1, small.pages)
    return ClusterDriverResult(
        nodes=3, worker_cpus=worker_cpus, small=small, large=large,
        cpu_s_per_1k_pages=round(marginal if usable else total, 2),
        basis="marginal" if usable else "whole run (upper bound)",
        total_cpu_s_per_1k_pages=round(total, 2),
        peak_mb=large.driver_peak_mb, peak_private_mb=large.driver_peak_private_mb, baseline_mb=baseline,
        growth_mb_per_1k_pages=round((large.driver_peak_mb - small.driver_peak_mb) / extra_pages * 1000, 1),
        load_average=round(load, 2))


# What every driver holds before its first page: the interpreter, docpipe's run path and Ray's
# core worker connected to the cluster (the same imports and ray.init as `docpipe run`).
_BASELINE = """
import sys
import docpipe.cli, docpipe.runner
from docpipe import executor
executor.start_ray(sys.argv[1])
print([line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")][0])
"""


def _baseline_rss_mb(address: str, timeout_s: float) -> float:
    """Peak RSS (MB, VmHWM) of a process that only imports `docpipe run`'s modules and joins the cluster."""
    from docpipe.bench.commands import _environment

    done = subprocess.run([sys.executable, "-c", _BASELINE, address], capture_output=True, text=True,
                          env=_environment(), timeout=timeout_s, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the baseline driver failed ({done.returncode}): {done.stderr[-800:]}")
    return round(int(lines[-1]) / 1024, 1)


def _driver_run(inputs: list[Path], out: Path, address: str, timeout_s: float) -> DriverRun:
    import shutil

    import psutil

    from docpipe.bench.commands import _environment
    from docpipe.summary import RunSummary

    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "docpipe", "run", *map(str, inputs), "--out", str(out), "--engine", "offline",
               "--ray-address", address, "--log-format", "json", "--dpi", "72", "--commit-every", "64",
               "--raster-workers", "1", "--ocr-workers", "2", "--infer-workers", "1"]
    log = out.with_name(out.name + ".log")
    with open(log, "wb") as errors, open(out.with_name(out.name + ".json"), "wb") as results:
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=results, stderr=errors, env=_environment())
        deadline = started + timeout_s
        watched = psutil.Process(process.pid)
        peak_uss = peak_rss = 0.0
        while True:
            try:
                peak_uss = max(peak_uss, watched.memory_full_info().uss / 2**20)
            except psutil.Error:
                pass
            peak_rss = max(peak_rss, _high_water_mb(process.pid))
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"cluster run did not finish within {timeout_s:g} s")
            time.sleep(0.2)
        process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    lines = out.with_name(out.name + ".json").read_text().strip().splitlines()
    if process.returncode not in (0, 1) or not lines:
        raise RuntimeError(f"cluster run exited with {process.returncode}: {log.read_text(errors='replace')[-800:]}")
    summary = RunSummary.model_validate_json(lines[-1])
    return DriverRun(pages=summary.pages, documents=summary.processed, wall_s=round(wall, 2),
                     driver_cpu_s=round(usage.ru_utime + usage.ru_stime, 2),
                     driver_peak_mb=round(peak_rss, 1), driver_peak_private_mb=round(peak_uss, 1))


def _high_water_mb(pid: int) -> float:
    """VmHWM (peak RSS since exec) of a live process in MB; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0
