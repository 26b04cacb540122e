"""`docpipe run --config job.toml`: a scheduled job's whole configuration in one reviewed file.

The file's keys are the long option names of `docpipe run` with '_' or '-' (plus `inputs`, a list),
e.g.

    inputs = ["s3://invoices/inbox/"]
    out = "s3://invoices/docpipe-out"
    schema = "invoice"
    engine = "offline"
    ray_address = "auto"
    max_pages = 50

A flag given on the command line overrides the same key of the file; an unknown key or a value of
the wrong type is a usage error (exit 2), so a typo never silently falls back to a default.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, ValidationError

from docpipe.config import ConfigError


class JobFile(BaseModel):
    """The keys a job file may set (all optional; names as the CLI's long options)."""

    model_config = ConfigDict(extra="forbid")

    inputs: Optional[list[str]] = None
    schema_: Optional[str] = None
    pipeline: Optional[str] = None
    out: Optional[str] = None
    model: Optional[str] = None
    revision: Optional[str] = None
    engine: Optional[str] = None
    ocr_engine: Optional[str] = None
    question: Optional[list[str]] = None
    ray_address: Optional[str] = None
    device: Optional[str] = None
    passwords_file: Optional[str] = None
    max_pages: Optional[int] = None
    dpi: Optional[int] = None
    batch_size: Optional[int] = None
    doc_timeout: Optional[float] = None
    max_new_tokens: Optional[int] = None
    workers: Optional[int] = None
    ocr_workers: Optional[int] = None
    infer_workers: Optional[int] = None
    commit_every: Optional[int] = None
    recycle_after_pages: Optional[int] = None
    target_file_mb: Optional[int] = None
    lock_ttl: Optional[float] = None
    force: Optional[bool] = None
    retry_failed: Optional[bool] = None
    log_format: Optional[str] = None


_ALIASES = {"schema": "schema_", "questions": "question", "raster_workers": "workers"}


def load_job_file(path: str | Path) -> dict[str, Any]:
    """The settings of a job file as {cli parameter name: value}; raises ConfigError."""
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"job file not found: {file}") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read job file {file}: {exc}") from None
    renamed = {}
    for key, value in data.items():
        name = key.replace("-", "_")
        renamed[_ALIASES.get(name, name)] = value
    try:
        job = JobFile.model_validate(renamed)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']).rstrip('_')}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid job file {file}: {problems}") from None
    values = job.model_dump(exclude_none=True)
    if "schema_" in values:
        values["schema"] = values.pop("schema_")
    return values


def merge_job(cli_values: dict[str, Any], from_cli: set[str], job: dict[str, Any]) -> dict[str, Any]:
    """CLI values, with every key the command line did not set taken from the job file."""
    merged = dict(cli_values)
    for key, value in job.items():
        if key not in from_cli:
            merged[key] = value
    return merged
