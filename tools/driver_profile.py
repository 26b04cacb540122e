"""Development tool: where the driver's CPU and memory go in a cluster run (issue 13, benchmarks).

Starts the same 3-node loopback cluster as `docpipe bench` part cluster-driver, then runs
`docpipe run --ray-address` on a text-layer corpus under py-spy (when installed: it samples
every thread, Ray Data's executor thread included) and once more unprofiled to read the driver's
CPU and peak RSS from wait4(). Corpora are cached under /tmp/driver2-cache.

    .venv/bin/python tools/driver_profile.py --pages 400 [--no-profile] [--repeat 2]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

CACHE = Path(os.environ.get("DRIVER_PROFILE_CACHE", "/tmp/driver2-cache"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, nargs="+", default=[400])
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--wrap", default="", help="a script to run the driver with instead of -m docpipe")
    parser.add_argument("--commit-every", type=int, default=64)
    parser.add_argument("--baseline", action="store_true", help="only the driver's RSS after imports + ray.init")
    args = parser.parse_args()

    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    from ray._private import ray_constants
    from ray.cluster_utils import Cluster

    from docpipe.bench.cluster import _driver_run
    from docpipe.bench.corpora import text_corpus

    ray_constants.ENABLE_RAY_CLUSTER = False
    corpora = {p: text_corpus(CACHE / f"corpus-text-{p}", p) for p in sorted(set(args.pages) | {40})}
    node = {"num_cpus": 2, "node_ip_address": "127.0.0.1", "object_store_memory": 200 * 1024 * 1024}
    cluster = Cluster(initialize_head=True, connect=False, head_node_args={
        "num_cpus": 0, "node_ip_address": "127.0.0.1", "object_store_memory": 100 * 1024 * 1024,
        "include_dashboard": False})
    work = CACHE / "runs"
    work.mkdir(parents=True, exist_ok=True)
    try:
        for _ in range(2):
            cluster.add_node(**node)
        cluster.wait_for_nodes()
        if args.baseline:
            print(_baseline(cluster.address), flush=True)
            return
        _driver_run(corpora[40], work / "warmup", cluster.address, 900)
        _wrap_driver(args.wrap, args.commit_every)
        for pages in args.pages:
            for attempt in range(args.repeat):
                run = _driver_run(corpora[pages], work / f"out-{pages}", cluster.address, 900)
                print(f"pages={run.pages} cpu_s={run.driver_cpu_s} peak_mb={run.driver_peak_mb} "
                      f"uss_mb={run.driver_peak_private_mb} wall_s={run.wall_s} load={os.getloadavg()[0]:.2f}",
                      flush=True)
            if not args.no_profile and shutil.which("py-spy", path=str(Path(sys.executable).parent)):
                _profiled(corpora[pages], work / f"prof-{pages}", cluster.address)
    finally:
        cluster.shutdown()


def _wrap_driver(script: str, commit_every: int) -> None:
    """Make the bench's `python -m docpipe` start `python SCRIPT` instead (a measuring wrapper)."""
    original = subprocess.Popen

    class Wrapped(original):  # type: ignore[misc, valid-type]
        def __init__(self, args, *rest, **kwargs):
            if list(args[1:3]) == ["-m", "docpipe"]:
                args = list(args)
                args[args.index("--commit-every") + 1] = str(commit_every)
                if script:
                    args = [args[0], script, *args[3:]]
            super().__init__(args, *rest, **kwargs)

    subprocess.Popen = Wrapped  # type: ignore[misc]


def _profiled(inputs: list[Path], out: Path, address: str) -> None:
    from docpipe.bench.commands import _environment

    shutil.rmtree(out, ignore_errors=True)
    spy = str(Path(sys.executable).parent / "py-spy")
    report = out.with_name(out.name + ".txt")
    command = [spy, "record", "--threads", "-r", "200", "-f", "raw", "-o", str(report), "--",
               sys.executable, "-m", "docpipe", "run", *map(str, inputs), "--out", str(out), "--engine", "offline",
               "--ray-address", address, "--log-format", "json", "--dpi", "72", "--commit-every", "64",
               "--raster-workers", "1", "--ocr-workers", "2", "--infer-workers", "1"]
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                               stderr=open(out.with_name(out.name + ".log"), "wb"), env=_environment())
    threads = _thread_cpu(process)
    print("driver CPU by OS thread (s):", ", ".join(f"{name} {cpu:.2f}" for name, cpu in
                                                   sorted(threads.items(), key=lambda kv: -kv[1])[:12]))
    print(f"profile written to {report} ({time.monotonic() - started:.1f} s)", flush=True)


_BASELINE = """
import resource, sys, psutil
def mb(label):
    info = psutil.Process().memory_full_info()
    print(f"{label}: rss={info.rss / 2**20:.0f} MB uss={info.uss / 2**20:.0f} MB "
          f"cpu={sum(resource.getrusage(resource.RUSAGE_SELF)[:2]):.2f} s modules={len(sys.modules)}")
mb("interpreter")
import docpipe.cli, docpipe.runner
mb("import docpipe.cli + runner")
from docpipe import executor
executor.start_ray(sys.argv[1])
mb("after ray.init (joined)")
import ray.data
mb("after import ray.data")
print("heavy:", [m for m in ("torch", "transformers", "pandas", "pymupdf", "onnxruntime", "scipy", "sklearn")
                 if m in sys.modules])
"""


def _baseline(address: str) -> str:
    from docpipe.bench.commands import _environment

    done = subprocess.run([sys.executable, "-c", _BASELINE, address], capture_output=True, text=True,
                          env=_environment(), check=False)
    return done.stdout + done.stderr[-2000:]


def _thread_cpu(process: subprocess.Popen) -> dict[str, float]:
    """CPU seconds per OS thread name of the driver (py-spy's child), read until it exits."""
    import psutil

    last: dict[int, tuple[str, float]] = {}
    driver = None
    while process.poll() is None:
        try:
            if driver is None:
                children = psutil.Process(process.pid).children()
                driver = children[0] if children else None
            if driver is not None:
                for thread in driver.threads():
                    try:
                        name = Path(f"/proc/{driver.pid}/task/{thread.id}/comm").read_text().strip()
                    except OSError:
                        name = last.get(thread.id, ("?", 0))[0]
                    last[thread.id] = (name, thread.user_time + thread.system_time)
        except psutil.Error:
            pass
        time.sleep(0.2)
    totals: dict[str, float] = {}
    for name, cpu in last.values():
        totals[name] = totals.get(name, 0.0) + cpu
    return totals


if __name__ == "__main__":
    main()
