"""The benchmark's result: typed records, the JSON shape, and the rich table."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field
from rich.console import Group
from rich.table import Table

from docpipe.bench.machine import MachineInfo

MetricStatus = Literal["pass", "fail", "skipped", "error"]
Detail = dict[str, float | int | str | bool | None]


class Target(BaseModel):
    op: Literal[">=", "<="]
    value: float

    def met(self, value: float) -> bool:
        return value >= self.value if self.op == ">=" else value <= self.value

    def __str__(self) -> str:
        return f"{'≥' if self.op == '>=' else '≤'} {self.value:g}"


class Metric(BaseModel):
    name: str
    value: float | None = None
    unit: str = ""
    target: Target
    status: MetricStatus = "skipped"
    what: str = ""  # how it was measured, in one line
    detail: Detail = Field(default_factory=dict)  # the numbers behind the value
    error: str | None = None

    def settle(self, value: float) -> Metric:
        self.value = value
        self.status = "pass" if self.target.met(value) else "fail"
        return self


class StageRate(BaseModel):
    """One pipeline stage in one measured run, from Ray Data's per-operator stats."""

    run: str  # which measurement: raster, pipeline-offline, pipeline-vlm
    stage: str  # raster | word_layer | infer
    workers: int
    cpus_per_worker: float
    pages: int
    first_task_s: float | None = None  # run start → this stage's first task (Ray + actor start-up)
    busy_s: float  # summed over the stage's workers
    cpu_s: float
    pages_per_s: float  # pages / (first task start → last task end of this stage)
    worker_pages_per_s: float  # pages / busy_s: what one worker does while busy
    busy_fraction: float  # busy_s / (workers × the run's span): near 1 = the bottleneck


class BenchReport(BaseModel):
    started_at: dt.datetime
    wall_s: float = 0.0
    quick: bool = False
    machine: MachineInfo
    metrics: dict[str, Metric]
    stages: list[StageRate] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    @property
    def all_passed(self) -> bool:
        return all(m.status == "pass" for m in self.metrics.values() if m.status != "skipped")


_STYLE = {"pass": "green", "fail": "red", "error": "red", "skipped": "dim"}


def _value(metric: Metric) -> str:
    if metric.value is None:
        return "—"
    return f"{metric.value:,.3g} {metric.unit}".strip() if abs(metric.value) < 1000 else \
        f"{metric.value:,.0f} {metric.unit}".strip()


def _detail(detail: Detail, limit: int = 8) -> str:
    shown = [f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in list(detail.items())[:limit]]
    return ", ".join(shown)


def render(report: BenchReport) -> Group:
    m = report.machine
    machine = Table(title="machine", show_header=False, title_justify="left")
    machine.add_column("", style="bold")
    machine.add_column("")
    machine.add_row("cpu", f"{m.cpu_model} — {m.usable_cpus} usable of {m.logical_cpus} logical CPUs")
    machine.add_row("memory", f"{m.ram_gb:g} GB")
    machine.add_row("gpu", m.gpu or "none")
    if m.load_average:
        machine.add_row("load average at start", " ".join(f"{x:g}" for x in m.load_average))
    machine.add_row("software", f"python {m.python}, " + ", ".join(f"{k} {v}" for k, v in m.versions.items()))

    metrics = Table(title=f"docpipe bench{' (quick)' if report.quick else ''} — {report.wall_s:.0f} s",
                    show_header=True, header_style="bold", title_justify="left")
    for column in ("metric", "value", "target", "result", "measured as / details"):
        metrics.add_column(column, overflow="fold")
    for metric in report.metrics.values():
        style = _STYLE[metric.status]
        notes = metric.error if metric.error else "; ".join(x for x in (metric.what, _detail(metric.detail)) if x)
        metrics.add_row(metric.name, _value(metric), str(metric.target), f"[{style}]{metric.status}[/{style}]",
                        notes)

    parts: list = [machine, metrics]
    if report.stages:
        stages = Table(title="stages (Ray Data operator stats)", show_header=True, header_style="bold",
                       title_justify="left")
        for column in ("run", "stage", "workers × cpu", "pages", "first task s", "pages/s", "per worker pages/s",
                       "busy", "busy s", "cpu s"):
            stages.add_column(column, justify="left" if column in ("run", "stage") else "right")
        for s in report.stages:
            busy = f"{s.busy_fraction:.0%}"
            first = "—" if s.first_task_s is None else f"{s.first_task_s:.1f}"
            stages.add_row(s.run, s.stage, f"{s.workers} × {s.cpus_per_worker:g}", str(s.pages), first,
                           f"{s.pages_per_s:.1f}", f"{s.worker_pages_per_s:.1f}",
                           f"[bold]{busy}[/bold]" if s.busy_fraction >= 0.8 else busy,
                           f"{s.busy_s:.1f}", f"{s.cpu_s:.1f}")
        parts.append(stages)
    for note in report.notes:
        parts.append(f"[dim]note:[/dim] {note}")
    return Group(*parts)
