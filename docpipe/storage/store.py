"""The output side of storage: the few file operations the dataset writer's commit protocol needs.

Two implementations with one contract (paths are posix, relative to the output root):
- LocalStore: a POSIX folder; writes are fsynced, a move is os.replace (atomic), folders are
  fsynced so renames survive power loss.
- ObjectStore: an object store through fsspec (s3://, gs://, az://). An object becomes visible
  whole or not at all when its upload completes (a single PUT, or the final call of a multipart
  upload), so a reader never sees a partial file; a "move" is a server-side copy (itself a single
  atomic object write) followed by a delete of the source; `create_exclusive` is the store's
  conditional write (S3 `If-None-Match: *`, GCS `ifGenerationMatch=0`, Azure `If-None-Match: *`),
  fsspec's mode "xb".

Errors: StoreError (access denied, bucket missing, store unreachable) for anything that is not
"the object is absent", which comes back as None / False / FileNotFoundError as documented.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from docpipe.storage.uri import filesystem, is_remote, join, strip_file_scheme


class StoreError(RuntimeError):
    """The output store cannot be used (access denied, bucket missing, unreachable): fatal."""


class OutputNotWritable(StoreError):
    """The output directory or prefix cannot be created or written (a fatal config error)."""


def open_store(out: str | os.PathLike[str]) -> LocalStore | ObjectStore:
    """The store for an output folder or URI (s3://bucket/prefix, gs://..., az://...)."""
    text = os.fspath(out)
    return ObjectStore(text) if is_remote(text) else LocalStore(Path(strip_file_scheme(text)))


class LocalStore:
    """A local output folder."""

    remote = False

    def __init__(self, root: Path) -> None:
        self.root = root
        self.uri = str(root)

    def path(self, rel: str) -> Path:
        return self.root / rel

    def ensure_writable(self) -> None:
        out = self.root
        if out.exists() and not out.is_dir():
            raise OutputNotWritable(f"output path {out} exists and is not a directory")
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputNotWritable(f"cannot create output directory {out}: {exc.strerror or exc}") from exc
        try:
            fd, probe = tempfile.mkstemp(prefix=".docpipe-probe-", dir=out)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise OutputNotWritable(f"output directory {out} is not writable: {exc.strerror or exc}") from exc

    def makedirs(self, rel: str) -> None:
        self.path(rel).mkdir(parents=True, exist_ok=True)

    def write_parquet(self, rel: str, table: pa.Table, **options: Any) -> None:
        from docpipe.output.atomic_files import fsync_file

        target = self.path(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, target, **options)
        fsync_file(target)

    def read_parquet(self, rel: str, columns: list[str] | None = None) -> pa.Table:
        return pq.read_table(self.path(rel), columns=columns)

    def parquet_metadata(self, rel: str) -> dict[bytes, bytes]:
        return dict(pq.read_schema(self.path(rel)).metadata or {})

    def exists(self, rel: str) -> bool:
        return self.path(rel).exists()

    def size(self, rel: str) -> int:
        return self.path(rel).stat().st_size

    def move(self, src: str, dst: str) -> None:
        os.replace(self.path(src), self.path(dst))

    def delete(self, rel: str) -> None:
        self.path(rel).unlink(missing_ok=True)

    def remove_tree(self, rel: str) -> None:
        shutil.rmtree(self.path(rel), ignore_errors=True)

    def list(self, rel: str) -> list[str]:
        """Names directly inside the folder `rel` (sorted); [] when it does not exist."""
        folder = self.path(rel)
        return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []

    def folders(self, rel: str) -> list[str]:
        folder = self.path(rel)
        return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []

    def sizes(self, rel: str) -> dict[str, int]:
        folder = self.path(rel)
        return {p.name: p.stat().st_size for p in sorted(folder.iterdir()) if p.is_file()} if folder.is_dir() else {}

    def sync_dir(self, rel: str) -> None:
        from docpipe.output.atomic_files import fsync_dir

        if self.path(rel).is_dir():
            fsync_dir(self.path(rel))

    def write_text(self, rel: str, text: str) -> None:
        from docpipe.output.atomic_files import atomic_write_text

        self.path(rel).parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.path(rel), text)

    def read_text(self, rel: str) -> str | None:
        try:
            return self.path(rel).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None


class ObjectStore:
    """An output prefix in an object store, through fsspec."""

    remote = True

    def __init__(self, uri: str) -> None:
        self.uri = uri.rstrip("/")
        self.fs, self.base = filesystem(self.uri)
        self.base = self.base.rstrip("/")

    def path(self, rel: str) -> str:
        return f"{self.base}/{rel}" if rel else self.base

    def display(self, rel: str) -> str:
        return join(self.uri, rel)

    def _call(self, what: str, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except FileNotFoundError:
            raise
        except PermissionError as exc:
            raise StoreError(f"{what} {self.uri}: access denied ({_reason(exc)})") from None
        except OSError as exc:
            raise StoreError(f"{what} {self.uri}: {_reason(exc)}") from None

    def ensure_writable(self) -> None:
        """Prove an object can be written and deleted under the prefix (bucket exists, access allowed)."""
        probe = self.path(f"_probe-{os.getpid()}-{os.urandom(4).hex()}")
        try:
            self.fs.pipe_file(probe, b"")
            self.fs.rm_file(probe)
        except FileNotFoundError as exc:
            raise OutputNotWritable(f"cannot write to {self.uri}: {_reason(exc)} (does the bucket exist?)") from None
        except PermissionError as exc:
            raise OutputNotWritable(f"cannot write to {self.uri}: access denied ({_reason(exc)})") from None
        except OSError as exc:
            raise OutputNotWritable(f"cannot write to {self.uri}: {_reason(exc)}") from None

    def makedirs(self, rel: str) -> None:
        """Object stores have no folders; nothing to do."""

    def write_parquet(self, rel: str, table: pa.Table, **options: Any) -> None:
        buffer = io.BytesIO()
        pq.write_table(table, buffer, **options)
        self.write_bytes(rel, buffer.getvalue())

    def write_bytes(self, rel: str, data: bytes) -> None:
        self._call("cannot write to", self.fs.pipe_file, self.path(rel), data)

    def read_bytes(self, rel: str) -> bytes:
        return self._call("cannot read from", self.fs.cat_file, self.path(rel))

    def read_parquet(self, rel: str, columns: list[str] | None = None) -> pa.Table:
        return pq.read_table(io.BytesIO(self.read_bytes(rel)), columns=columns)

    def parquet_metadata(self, rel: str) -> dict[bytes, bytes]:
        with self.fs.open(self.path(rel), "rb") as handle:
            return dict(pq.read_schema(handle).metadata or {})

    def exists(self, rel: str) -> bool:
        return bool(self._call("cannot read", self.fs.exists, self.path(rel)))

    def size(self, rel: str) -> int:
        return int(self._call("cannot read", self.fs.size, self.path(rel)))

    def move(self, src: str, dst: str) -> None:
        # A server-side copy writes the destination as one object (atomic for readers), then the
        # source goes; a crash in between leaves both, and a redo of the move copies again.
        self._call("cannot write to", self.fs.copy, self.path(src), self.path(dst))
        self.delete(src)

    def delete(self, rel: str) -> None:
        try:
            self._call("cannot delete in", self.fs.rm_file, self.path(rel))
        except FileNotFoundError:
            pass

    def remove_tree(self, rel: str) -> None:
        for name in self._find(rel):
            self.delete(name)

    def _find(self, rel: str) -> list[str]:
        try:
            found = self._call("cannot list", self.fs.find, self.path(rel))
        except FileNotFoundError:
            return []
        prefix = self.base + "/"
        return sorted(p[len(prefix):] for p in found if p.startswith(prefix))

    def list(self, rel: str) -> list[str]:
        return sorted(self.sizes(rel))

    def folders(self, rel: str) -> list[str]:
        """Common prefixes directly under `rel/`."""
        try:
            found = self._call("cannot list", self.fs.ls, self.path(rel), detail=True)
        except FileNotFoundError:
            return []
        return sorted(i["name"].rstrip("/").rsplit("/", 1)[-1] for i in found if i.get("type") == "directory")

    def sizes(self, rel: str) -> dict[str, int]:
        """Object names directly under `rel/` with their sizes."""
        try:
            found = self._call("cannot list", self.fs.ls, self.path(rel), detail=True)
        except FileNotFoundError:
            return {}
        out: dict[str, int] = {}
        for info in found:
            if info.get("type") == "directory":
                continue
            out[info["name"].rstrip("/").rsplit("/", 1)[-1]] = int(info.get("size") or 0)
        return dict(sorted(out.items()))

    def sync_dir(self, rel: str) -> None:
        """Object writes are durable when the call returns."""

    def write_text(self, rel: str, text: str) -> None:
        self.write_bytes(rel, text.encode("utf-8"))

    def read_text(self, rel: str) -> str | None:
        try:
            return self.read_bytes(rel).decode("utf-8")
        except FileNotFoundError:
            return None

    def create_exclusive(self, rel: str, data: bytes) -> bool:
        """Write `rel` only if no object has that name (the store's conditional write); False if one does."""
        try:
            with self.fs.open(self.path(rel), "xb") as handle:
                handle.write(data)
            return True
        except FileExistsError:
            return False
        except PermissionError as exc:
            raise StoreError(f"cannot write to {self.uri}: access denied ({_reason(exc)})") from None
        except OSError as exc:
            if "precondition" in str(exc).lower():
                return False
            raise StoreError(f"cannot write to {self.uri}: {_reason(exc)}") from None

    def version(self, rel: str) -> str | None:
        """The object's ETag (or generation), None when absent; changes with every write."""
        try:
            info = self._call("cannot read", self.fs.info, self.path(rel))
        except FileNotFoundError:
            return None
        for key in ("ETag", "etag", "generation", "version_id", "VersionId", "LastModified", "last_modified"):
            if info.get(key):
                return str(info[key]).strip('"')
        return None


def _reason(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
