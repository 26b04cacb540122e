"""What the benchmark ran on: figures mean little without the machine next to them."""

from __future__ import annotations

import os
import platform
import sys

from pydantic import BaseModel


class MachineInfo(BaseModel):
    cpu_model: str
    logical_cpus: int
    usable_cpus: int  # this process's CPU affinity (containers may restrict it)
    ram_gb: float
    gpu: str | None = None
    load_average: tuple[float, float, float] | None = None  # at the start: others' work skews timings
    python: str
    platform: str
    versions: dict[str, str]


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _gpu() -> str | None:
    try:
        import torch

        if torch.cuda.is_available():
            names = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
            return ", ".join(names)
    except Exception:  # noqa: BLE001 - no usable torch/CUDA means no GPU for us
        return None
    return None


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("docpipe", "ray", "torch", "transformers", "xgrammar", "pymupdf", "rapidocr", "onnxruntime"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def machine_info() -> MachineInfo:
    import psutil

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 1
    try:
        load = tuple(round(x, 2) for x in os.getloadavg())
    except OSError:
        load = None
    return MachineInfo(
        cpu_model=_cpu_model(), logical_cpus=os.cpu_count() or 1, usable_cpus=usable,
        ram_gb=round(psutil.virtual_memory().total / 2**30, 1), gpu=_gpu(), load_average=load,
        python=sys.version.split()[0], platform=platform.platform(), versions=_versions(),
    )
