"""Pipeline files (`pipelines/*.toml`) and the resolved configuration of one run."""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from docpipe.builtin_paths import builtin_dir
from docpipe.ocr import WORD_LAYER_VERSION
from docpipe.ocr.misreads import word_lists_version
from docpipe.word_records import OcrMode

TaskName = Literal["extract", "ocr", "chart_qa", "ground"]
EngineChoice = Literal["auto", "vlm", "offline"]
OcrEngineName = Literal["rapidocr", "tesseract"]


class ConfigError(ValueError):
    """Bad configuration or usage: the run stops before doing any work (exit code 2)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RasterSection(_Strict):
    dpi: int = Field(150, ge=36, le=600)
    max_pixels: int = Field(2_500_000, ge=10_000)


class BatchSection(_Strict):
    raster: int = Field(4, ge=1)
    ocr: int = Field(4, ge=1)
    infer: int = Field(4, ge=1)


class LimitsSection(_Strict):
    max_new_tokens: int = Field(1536, ge=16)


class PipelineSpec(_Strict):
    """A declarative pipeline: which tasks run on each page, for which schema and model."""

    name: str
    description: str = ""
    schema_: str = Field(alias="schema")
    tasks: list[TaskName]
    model: str
    model_revision: str | None = None
    raster: RasterSection = RasterSection()
    batch: BatchSection = BatchSection()
    limits: LimitsSection = LimitsSection()

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @field_validator("tasks")
    @classmethod
    def _tasks_make_sense(cls, tasks: list[str]) -> list[str]:
        if not tasks:
            raise ValueError("a pipeline needs at least one task")
        if len(set(tasks)) != len(tasks):
            raise ValueError("tasks are listed twice")
        if tasks == ["ground"]:
            raise ValueError("`ground` boxes the values of `extract` or `chart_qa`; add one of them")
        return tasks

    def with_overrides(self, *, schema: str | None = None, model: str | None = None,
                       revision: str | None = None, dpi: int | None = None, batch_size: int | None = None,
                       max_new_tokens: int | None = None) -> PipelineSpec:
        """This pipeline with command-line options applied; None leaves a setting as declared.

        A new model drops the declared revision (it belonged to the declared model) unless one
        is given with it. Values are validated like the declared ones.
        """
        data = self.model_dump(by_alias=True)
        if schema:
            data["schema"] = schema
        if model:
            data["model"], data["model_revision"] = model, revision
        elif revision:
            data["model_revision"] = revision
        if dpi:
            data["raster"]["dpi"] = dpi
        if batch_size:
            data["batch"]["infer"] = batch_size
        if max_new_tokens:
            data["limits"]["max_new_tokens"] = max_new_tokens
        return PipelineSpec.model_validate(data)


def available_pipelines(cwd: Path | None = None) -> dict[str, Path]:
    found: dict[str, Path] = {}
    builtin = builtin_dir("pipelines")
    for directory in (builtin, (cwd or Path.cwd()) / "pipelines"):
        if directory is not None and directory.is_dir():
            for path in sorted(directory.glob("*.toml")):
                found[path.stem] = path
    return dict(sorted(found.items()))


def load_pipeline(spec: str, cwd: Path | None = None) -> PipelineSpec:
    """`spec` is a pipeline name (`invoice`) or a path to a .toml file."""
    path = Path(spec)
    if spec.endswith(".toml"):
        if not path.is_file():
            raise ConfigError(f"pipeline file not found: {spec}")
    else:
        known = available_pipelines(cwd)
        if spec not in known:
            raise ConfigError(f"unknown pipeline {spec!r}; available: {', '.join(known) or 'none'}")
        path = known[spec]
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read pipeline {path}: {exc}") from exc
    try:
        return PipelineSpec.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"invalid pipeline {path}:\n{exc}") from exc


def check_questions_answered(spec: PipelineSpec, questions: list[str], questions_file: Path | None,
                             cwd: Path | None = None) -> None:
    """Raise ConfigError when questions are given (`-q`, `--questions-file`) but `spec` has no
    `chart_qa` task to answer them; the message names the pipelines that do."""
    if not (questions or questions_file is not None) or "chart_qa" in spec.tasks:
        return
    answering = []
    for name in available_pipelines(cwd):
        try:
            if "chart_qa" in load_pipeline(name, cwd).tasks:
                answering.append(f"--pipeline {name}")
        except ConfigError:
            continue
    given = "-q/--question" if questions else "--questions-file"
    raise ConfigError(f"{given} given, but pipeline {spec.name!r} (tasks: {', '.join(spec.tasks)}) answers no "
                      f"questions; questions are answered by pipelines with a chart_qa task: "
                      f"{', '.join(answering) or 'none available'}")


def pipeline_for_schema(schema: str, cwd: Path | None = None) -> PipelineSpec:
    """`--schema X` without `--pipeline`: the pipeline named like the schema, else extract+ground."""
    known = available_pipelines(cwd)
    name = Path(schema.partition(":")[0]).stem
    if name in known:
        spec = load_pipeline(name, cwd)
        return spec.model_copy(update={"schema_": schema})
    base = load_pipeline("invoice", cwd) if "invoice" in known else None
    return PipelineSpec(
        name=f"extract:{name}",
        schema=schema,
        tasks=["extract", "ground"],
        model=base.model if base else "Qwen/Qwen3-VL-2B-Instruct",
    )


class RunConfig(_Strict):
    """Everything that decides what a run does. Hashable parts feed the ledger's work key."""

    inputs: list[str]  # local paths, globs or URIs (s3://bucket/prefix, gs://..., az://...)
    out_dir: str  # a local folder or an object-store URI
    pipeline: PipelineSpec
    engine: EngineChoice = "auto"
    explicit_model: bool = False  # the user named the model (--model): it may not fall back
    ocr_engine: OcrEngineName = "rapidocr"
    ocr: OcrMode = "auto"  # --ocr: auto decides per page, always OCRs every page, never uses the text layer only
    questions: list[str] = Field(default_factory=list)
    questions_file: Path | None = None
    ray_address: str | None = None
    device: str = "auto"
    passwords: list[str] = Field(default_factory=list, repr=False)
    max_pages: int | None = Field(None, ge=1)
    doc_timeout_s: float = Field(300.0, gt=0)
    doc_memory_mb: int = Field(4096, ge=256)
    raster_workers: int | None = Field(None, ge=1)
    ocr_workers: int | None = Field(None, ge=1)
    infer_workers: int | None = Field(None, ge=1)
    recycle_after_pages: int = Field(2000, ge=1)
    force: bool = False
    retry_failed: bool = True
    commit_every_docs: int = Field(32, ge=1)
    commit_every_s: float = Field(30.0, gt=0)
    target_file_mb: int = Field(128, ge=1)  # output parts are merged up to about this size
    lock_ttl_s: float = Field(30.0, gt=0)  # object-store outputs: a lease not renewed this long is stale

    @field_validator("out_dir", mode="before")
    @classmethod
    def _path_to_text(cls, value: object) -> object:
        import os

        return os.fspath(value) if isinstance(value, os.PathLike) else value

    @property
    def out_uri(self) -> str:
        return self.out_dir

    @property
    def out_is_local(self) -> bool:
        from docpipe.storage.uri import is_remote

        return not is_remote(self.out_dir)

    def options_hash(self) -> str:
        """Options that change results (not paths, workers or scheduling)."""
        relevant = {
            "tasks": self.pipeline.tasks,
            "dpi": self.pipeline.raster.dpi,
            "max_pixels": self.pipeline.raster.max_pixels,
            "max_new_tokens": self.pipeline.limits.max_new_tokens,
            "questions": self.questions,
            "ocr_engine": self.ocr_engine,
            "ocr": self.ocr,
            "word_layer": WORD_LAYER_VERSION,
            "word_lists": word_lists_version(),  # the look-alike correction's word lists (ocr/misreads.py)
            "max_pages": self.max_pages,
        }
        return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()[:16]

    def public_json(self) -> str:
        """The configuration as stored in Parquet metadata and run summaries (no passwords)."""
        return self.model_dump_json(exclude={"passwords"})
