"""Find the input documents: files, folders (recursive), glob patterns and object-store URIs.

Two halves, so that the driver of a cluster run never holds document bytes:
- `list_inputs` runs on the driver: it walks folders or lists object-store prefixes and returns
  one SourceDoc per input with its URI, size and version (mtime or ETag), but no doc_id yet,
  plus a count of every path the walk passed over, by reason.
- `identify` runs in the worker that reads the bytes: it hashes them (doc_id = sha256), types
  them by their magic bytes (never by extension) and records empty or unsupported inputs as errors.

`discover` chains both in one process (tests, benchmarks, local tools).
"""

from __future__ import annotations

import glob
import hashlib
import os
import stat
from collections import Counter
from collections.abc import Iterable

from pydantic import BaseModel, Field

from docpipe.records import DocKind, ErrorCategory, ErrorInfo, SourceDoc
from docpipe.storage.uri import filesystem, is_remote, strip_file_scheme, unstrip

_CHUNK = 1 << 20
_SNIFF_BYTES = 1024  # PDF readers accept junk before the %PDF marker within the first KiB
_GLOB_CHARS = frozenset("*?[")
_EXAMPLES_PER_REASON = 5

# Names that operating systems and office tools drop into folders; never documents.
_JUNK_NAMES = frozenset(
    {"thumbs.db", "ehthumbs.db", "desktop.ini", "__macosx", "$recycle.bin",
     "system volume information", "icon\r"}
)
_JUNK_PREFIXES = ("~$",)  # MS Office lock files
# Metadata that lives beside documents (expected values, manifests, notes, e-invoice XML).
# In a local folder walk these are not inputs unless their bytes say they are a document; in an
# object-store listing they are judged by name alone (the driver reads no object bytes).
# A file named explicitly is always an input and gets its own row.
_SIDECAR_SUFFIXES = frozenset(
    {".json", ".jsonl", ".md", ".txt", ".csv", ".tsv", ".toml", ".yaml", ".yml", ".xml", ".log"}
)

# BMP headers are identified by their DIB header size, because "BM" alone is too weak a magic.
_BMP_DIB_SIZES = frozenset({12, 16, 40, 52, 56, 64, 108, 124})


class SkipReason:
    """Why a folder walk passed over a path (keys of Listing.skipped; a stable vocabulary)."""

    hidden = "hidden"  # name starts with '.'
    system_file = "system_file"  # Thumbs.db, desktop.ini, ~$ lock files, __MACOSX, ...
    sidecar = "sidecar"  # metadata beside the documents (.json, .txt, .xml, ... that is not a document)
    symlink_loop = "symlink_loop"  # a symlinked folder leading back to a folder on its own path
    already_walked = "already_walked"  # a folder reached a second time through a symlink
    same_file = "same_file"  # a hard link or symlink to a file that is already an input
    broken_symlink = "broken_symlink"
    unreadable = "unreadable"  # a folder whose entries cannot be listed (permission denied)
    not_regular = "not_regular"  # FIFOs, sockets, devices: reading them could block
    folder_marker = "folder_marker"  # zero-byte "dir/" objects some tools create in object stores
    docpipe_output = "docpipe_output"  # a docpipe output folder (holds a ledger) inside an input folder


class InputError(ValueError):
    """The inputs themselves are wrong (a glob matching nothing, an empty object-store prefix, an
    output folder that is or holds an input folder): a usage error."""


class StorageError(RuntimeError):
    """An object store refused the listing (bucket missing, access denied): a fatal error."""


class Listing(BaseModel):
    """What the driver found: inputs (no bytes read) and every path passed over, by reason."""

    docs: list[SourceDoc] = Field(default_factory=list)
    skipped: dict[str, int] = Field(default_factory=dict)
    examples: dict[str, list[str]] = Field(default_factory=dict)  # a few paths per reason


def sniff_kind(head: bytes) -> DocKind:
    """The document kind from the first bytes of a file (at least 1 KiB where available)."""
    if head.startswith(b"%PDF-"):
        return DocKind.pdf
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return DocKind.png
    if head.startswith(b"\xff\xd8\xff"):
        return DocKind.jpeg
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return DocKind.tiff
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return DocKind.webp
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return DocKind.gif
    if head[:2] == b"BM" and len(head) >= 18 and int.from_bytes(head[14:18], "little") in _BMP_DIB_SIZES:
        return DocKind.bmp
    if b"%PDF" in head[:_SNIFF_BYTES]:
        return DocKind.pdf
    return DocKind.unknown


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file's bytes, streamed so that large files cost no memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def fallback_doc_id(source_path: str) -> str:
    """The id of an input whose bytes could not be read: derived from its URI, so still deterministic."""
    return hashlib.sha256(f"unreadable:{source_path}".encode()).hexdigest()


def empty_doc_id(source_path: str) -> str:
    """The id of a zero-byte input: derived from its URI (deterministic, one per path)."""
    return hashlib.sha256(f"empty:{source_path}".encode()).hexdigest()


def identify(doc: SourceDoc, data: bytes) -> SourceDoc:
    """`doc` with doc_id (sha256 of `data`; `empty_doc_id` for zero bytes), kind (magic bytes) and size filled in from its bytes.

    Empty and unrecognised bytes become the document's error (stage "discover"); never raises.
    """
    kind = sniff_kind(data[:_SNIFF_BYTES])
    error: ErrorInfo | None = None
    if not data:
        error = ErrorInfo(category=ErrorCategory.empty_file, message="file is empty (0 bytes)", stage="discover")
    elif kind is DocKind.unknown:
        error = ErrorInfo(
            category=ErrorCategory.unsupported_format,
            message="not a PDF or a supported image (PNG, JPEG, TIFF, WebP, BMP, GIF) by its content",
            stage="discover",
        )
    # Zero bytes identify no content: two empty inputs are two empty files, each its own
    # failed/empty_file row (a content id would make the second a duplicate of the first).
    doc_id = hashlib.sha256(data).hexdigest() if data else empty_doc_id(doc.source_path)
    return doc.model_copy(update={"doc_id": doc_id, "kind": kind,
                                  "size_bytes": len(data), "error": error})


def discover(inputs: list[str]) -> list[SourceDoc]:
    """Every document named by `inputs`, listed, read and identified in this process, sorted by path.

    Raises InputError when a glob matches nothing; a named path that does not exist is a
    `not_found` document.
    """
    from docpipe.storage.reading import InputReadError, read_input

    docs = []
    for doc in list_inputs(inputs).docs:
        if doc.error is not None:
            docs.append(doc.model_copy(update={"doc_id": fallback_doc_id(doc.source_path)}))
            continue
        try:
            docs.append(identify(doc, read_input(doc.source_path)))
        except InputReadError as exc:
            docs.append(doc.model_copy(update={"doc_id": fallback_doc_id(doc.source_path), "error": ErrorInfo(
                category=exc.category, message=exc.message, stage="discover")}))
    return docs


def check_output_outside_inputs(out: str, inputs: Iterable[str]) -> None:
    """Raise InputError when the output `out` is a named input folder or holds one.

    A folder walk passes over any folder holding a docpipe ledger, so with `--out` equal to an
    input folder (or an ancestor of one) the next run would find nothing to do there. An output
    that is a subfolder of an input folder is allowed: the walk passes it over. Local input
    folders (named, or matched by a glob pattern) are compared after resolving symlinks; URIs by
    prefix (same scheme, '/'-separated). Named files are not checked (a named file is always read).
    """
    out_text = str(out)
    out_remote = is_remote(out_text)
    out_norm = out_text.rstrip("/") if out_remote else os.path.realpath(os.path.expanduser(
        strip_file_scheme(out_text)))
    for raw in inputs:
        raw_remote = is_remote(raw)
        if raw_remote != out_remote:
            continue
        if raw_remote:
            folders, sep = [raw.rstrip("/")], "/"
        else:
            local = os.path.expanduser(strip_file_scheme(raw))
            if not os.path.lexists(local) and _GLOB_CHARS.intersection(local):
                matches = glob.glob(local, recursive=True)  # the folders the pattern names are walked
            else:
                matches = [local]
            # a named file is always read, wherever it is: only folders are checked
            folders, sep = [os.path.realpath(m) for m in matches if os.path.isdir(m)], os.sep
        for name in folders:
            if name == out_norm or name.startswith(out_norm.rstrip(sep) + sep):
                where = "is the input folder" if name == out_norm else "holds the input folder"
                raise InputError(f"--out {out_text} {where} {raw}: the next run would pass its inputs over "
                                 "as docpipe output; choose an output folder outside the inputs (a subfolder "
                                 "of an input folder is fine)")


def list_inputs(inputs: Iterable[str]) -> Listing:
    """Every input named by `inputs`, once each, sorted by URI; no document bytes are read.

    Local folders are walked recursively, following symlinked files and folders (a folder met
    again, e.g. through a symlink loop, is walked once). Object-store URIs (s3://bucket/prefix,
    gs://..., az://...) list every object under the prefix; globs work for both.
    A named local path that does not exist is an input with a `not_found` error.
    Raises InputError (an empty glob or prefix) or StorageError (the store refused).
    """
    walk = _Walk()
    for raw in inputs:
        if is_remote(raw):
            _list_remote(raw, walk)
        else:
            _expand_local(strip_file_scheme(raw), raw, walk)
    docs = sorted(walk.docs.values(), key=lambda d: d.source_path)
    return Listing(docs=docs, skipped=dict(walk.skipped), examples=walk.examples)


class _Walk:
    def __init__(self) -> None:
        self.docs: dict[str, SourceDoc] = {}
        self.skipped: Counter[str] = Counter()
        self.examples: dict[str, list[str]] = {}
        self.files: dict[tuple[int, int], str] = {}  # (dev, ino) -> the path it is an input under
        self.folders: set[tuple[int, int]] = set()

    def skip(self, reason: str, path: str) -> None:
        self.skipped[reason] += 1
        shown = self.examples.setdefault(reason, [])
        if len(shown) < _EXAMPLES_PER_REASON:
            shown.append(path)

    def add(self, doc: SourceDoc) -> None:
        self.docs.setdefault(doc.source_path, doc)


# -- local ---------------------------------------------------------------------------------------

def _expand_local(path: str, raw: str, walk: _Walk) -> None:
    expanded = os.path.expanduser(path)
    if os.path.lexists(expanded):
        _take_local(expanded, walk)
        return
    if not _GLOB_CHARS.intersection(expanded):
        # Named explicitly, so an input: a row that says it does not exist, and the run goes on.
        absolute = os.path.abspath(expanded)
        walk.add(_error_doc(absolute, ErrorCategory.not_found, "input path does not exist"))
        return
    matches = sorted(glob.glob(expanded, recursive=True))
    if not matches:
        raise InputError(f"glob pattern matched no files: {raw}")
    for match in matches:
        _take_local(match, walk)


def _take_local(path: str, walk: _Walk) -> None:
    absolute = os.path.abspath(path)
    try:
        st = os.stat(absolute)
    except FileNotFoundError:
        if os.path.islink(absolute):
            walk.add(_error_doc(absolute, ErrorCategory.not_found, "broken symlink: its target does not exist"))
        else:
            walk.add(_error_doc(absolute, ErrorCategory.not_found, "file disappeared before it could be read"))
        return
    except OSError as exc:
        walk.add(_error_doc(absolute, ErrorCategory.not_found, f"cannot stat file: {exc.strerror or exc}"))
        return
    if stat.S_ISDIR(st.st_mode):
        _walk_dir(absolute, walk, ancestors=frozenset())
        return
    # An explicitly named file is always taken, whatever its name or kind; a FIFO or device
    # gets an error row without being opened (reading it could block forever).
    if not stat.S_ISREG(st.st_mode):
        walk.add(_error_doc(absolute, ErrorCategory.unsupported_format, "not a regular file"))
        return
    _add_local_file(absolute, st, walk)


def _add_local_file(path: str, st: os.stat_result, walk: _Walk) -> None:
    identity = (st.st_dev, st.st_ino)
    first = walk.files.get(identity)
    if first is not None and first != path:
        walk.skip(SkipReason.same_file, path)  # hard links and symlinks to one file: one input
        return
    walk.files[identity] = path
    walk.add(SourceDoc(source_path=path, size_bytes=st.st_size, mtime_ns=st.st_mtime_ns,
                       source_version=f"size={st.st_size};mtime_ns={st.st_mtime_ns}"))


def _walk_dir(folder: str, walk: _Walk, ancestors: frozenset[tuple[int, int]]) -> None:
    try:
        st = os.stat(folder)
    except OSError:
        walk.skip(SkipReason.unreadable, folder)
        return
    identity = (st.st_dev, st.st_ino)
    if identity in ancestors:
        walk.skip(SkipReason.symlink_loop, folder)
        return
    if identity in walk.folders:
        walk.skip(SkipReason.already_walked, folder)
        return
    walk.folders.add(identity)
    try:
        with os.scandir(folder) as handle:
            entries = sorted(handle, key=lambda e: e.name)
    except OSError:
        walk.skip(SkipReason.unreadable, folder)
        return
    if any(entry.name == _output_marker() for entry in entries):
        # `docpipe run . --out out`: the second run must not read the first one's output as input.
        walk.skip(SkipReason.docpipe_output, folder)
        return
    inside = ancestors | {identity}
    for entry in entries:
        path = entry.path
        if entry.name.startswith("."):
            walk.skip(SkipReason.hidden, path)
            continue
        if _is_junk(entry.name):
            walk.skip(SkipReason.system_file, path)
            continue
        try:
            target = os.stat(path)  # follows symlinks
        except FileNotFoundError:
            walk.skip(SkipReason.broken_symlink if entry.is_symlink() else SkipReason.unreadable, path)
            continue
        except OSError as exc:
            # ELOOP: a symlink chain that never ends
            walk.skip(SkipReason.symlink_loop if entry.is_symlink() and "loop" in str(exc).lower()
                      else SkipReason.unreadable, path)
            continue
        if stat.S_ISDIR(target.st_mode):
            _walk_dir(path, walk, inside)
        elif not stat.S_ISREG(target.st_mode):
            walk.skip(SkipReason.not_regular, path)
        elif _is_local_sidecar(path):
            walk.skip(SkipReason.sidecar, path)
        else:
            _add_local_file(path, target, walk)


def _is_local_sidecar(path: str) -> bool:
    if os.path.splitext(path)[1].lower() not in _SIDECAR_SUFFIXES:
        return False
    try:
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return False  # unreadable: the worker records it as an input row
    return sniff_kind(head) is DocKind.unknown


def _is_junk(name: str) -> bool:
    return name.lower() in _JUNK_NAMES or name.startswith(_JUNK_PREFIXES)


def _error_doc(path: str, category: ErrorCategory, message: str) -> SourceDoc:
    return SourceDoc(doc_id=fallback_doc_id(path), source_path=path, kind=DocKind.unknown, size_bytes=0,
                     error=ErrorInfo(category=category, message=message, stage="discover"))


# -- object stores -------------------------------------------------------------------------------

def _list_remote(uri: str, walk: _Walk) -> None:
    fs, path = filesystem(uri)
    try:
        if _GLOB_CHARS.intersection(path):
            found = fs.glob(path, detail=True)
            if not found:
                raise InputError(f"glob pattern matched no objects: {uri}")
            # Like a local glob, a wildcard does not match hidden names: judge the part of each
            # key below the pattern's literal prefix as a walk would.
            literal = path[:min(path.index(c) for c in _GLOB_CHARS if c in path)].rsplit("/", 1)[0]
            files = {}
            for key, info in sorted(found.items()):
                if info.get("type") == "directory":
                    files.update(fs.find(key, detail=True, withdirs=False))
                else:
                    files[key] = info
            _take_listed(uri, literal, files, walk)
            return
        objects = fs.find(path, detail=True, withdirs=False)
        if path.rstrip("/") in objects and len(objects) == 1:  # the URI names one object
            _take_object(uri, path.rstrip("/"), objects[path.rstrip("/")], walk, explicit=True)
            return
        if not objects:
            raise InputError(f"no objects under {uri}")
        _take_listed(uri, path, objects, walk)
    except InputError:
        raise
    except ValueError as exc:
        raise InputError(f"bad input pattern {uri}: {exc}") from None
    except FileNotFoundError as exc:
        raise StorageError(f"cannot list {uri}: {_reason(exc)} (does the bucket exist?)") from None
    except PermissionError as exc:
        raise StorageError(f"cannot list {uri}: access denied ({_reason(exc)})") from None
    except OSError as exc:
        raise StorageError(f"cannot list {uri}: {_reason(exc)}") from None


def _output_marker() -> str:
    """The file every docpipe output folder holds (its ledger, or the ledger's snapshot on a store)."""
    from docpipe.output.commit import LEDGER_FILE

    return LEDGER_FILE


def _take_listed(uri: str, prefix: str, objects: dict, walk: _Walk) -> None:
    """Judge every listed object; consumes `objects` (a listing of a million keys is large)."""
    base = prefix.rstrip("/") + "/"
    marker = "/" + _output_marker()
    outputs = sorted({key[: -len(marker) + 1] for key in objects if key.endswith(marker)})
    for key in sorted(objects):
        if outputs and any(key.startswith(root) for root in outputs):
            objects.pop(key)
            if key.endswith(marker):
                walk.skip(SkipReason.docpipe_output, unstrip(uri, key[: -len(marker)]))
            continue
        info = objects.pop(key)
        relative = key[len(base):] if key.startswith(base) else key.rsplit("/", 1)[-1]
        parts = [p for p in relative.split("/") if p]
        if key.endswith("/") or (not parts):
            walk.skip(SkipReason.folder_marker, unstrip(uri, key))
        elif any(p.startswith(".") for p in parts):
            walk.skip(SkipReason.hidden, unstrip(uri, key))
        elif any(_is_junk(p) for p in parts):
            walk.skip(SkipReason.system_file, unstrip(uri, key))
        elif os.path.splitext(parts[-1])[1].lower() in _SIDECAR_SUFFIXES:
            walk.skip(SkipReason.sidecar, unstrip(uri, key))
        else:
            _take_object(uri, key, info, walk, explicit=False)


def _take_object(uri: str, key: str, info: dict, walk: _Walk, *, explicit: bool) -> None:
    size = int(info.get("size") or 0)
    if not explicit and key.endswith("/") and size == 0:
        walk.skip(SkipReason.folder_marker, unstrip(uri, key))
        return
    version = str(info.get("ETag") or info.get("etag") or info.get("generation") or info.get("md5Hash")
                  or info.get("LastModified") or info.get("last_modified") or "").strip('"')
    walk.add(SourceDoc(source_path=unstrip(uri, key), size_bytes=size,
                       source_version=f"size={size};etag={version}"))


def _reason(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
