"""Durable file primitives: fsync of files and directories, atomic small-file writes, run summaries."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from pydantic import BaseModel

RUNS_DIR = "_runs"
TMP_SUFFIX = ".tmp"


def fsync_file(path: str | Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: str | Path) -> None:
    """Make renames and unlinks in `path` durable (a rename is only as durable as its directory)."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    except OSError as exc:
        # Some filesystems (network, FUSE) cannot fsync a directory; their renames are as durable as they get.
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write text so readers see the old file or the new one, never a torn one: tmp + fsync + rename."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}{TMP_SUFFIX}")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, target)
    fsync_dir(target.parent)
    return target


def write_run_summary(out_dir: str | Path, run_id: str, summary: BaseModel) -> Path:
    """OUT/_runs/<run_id>.json, written atomically (rewritable during the run as progress is made)."""
    runs = Path(out_dir) / RUNS_DIR
    runs.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(runs / f"{run_id}.json", summary.model_dump_json(indent=2))


def remove_stale_tmp_files(directory: str | Path) -> list[Path]:
    """Temp files a crashed atomic_write_text left behind (hidden, *.tmp)."""
    folder = Path(directory)
    if not folder.is_dir():
        return []
    removed = [p for p in folder.glob(f".*{TMP_SUFFIX}") if p.is_file()]
    for stale in removed:
        stale.unlink(missing_ok=True)
    return removed
