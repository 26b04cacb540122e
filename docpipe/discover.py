"""Find the input documents: files, directories (recursive) and glob patterns.

Types are decided by magic bytes, never by extension, and every file is hashed so that the
document id is a content hash. Files that cannot be processed (empty, unknown bytes, unreadable)
are still returned, carrying an error, because every input must end up as a row.
"""

from __future__ import annotations

import glob
import hashlib
import os
import stat
from collections.abc import Iterator

from docpipe.records import DocKind, ErrorCategory, ErrorInfo, SourceDoc

_CHUNK = 1 << 20
_SNIFF_BYTES = 1024  # PDF readers accept junk before the %PDF marker within the first KiB
_GLOB_CHARS = frozenset("*?[")

# Names that operating systems and office tools drop into folders; never documents.
_JUNK_NAMES = frozenset(
    {"thumbs.db", "ehthumbs.db", "desktop.ini", "__macosx", "$recycle.bin",
     "system volume information", "icon\r"}
)
_JUNK_PREFIXES = ("~$",)  # MS Office lock files
# Metadata that lives beside documents (expected values, manifests, notes, e-invoice XML).
# In a folder walk these are not inputs unless their bytes say they are a document; a file
# named explicitly is always an input and gets its own row.
_SIDECAR_SUFFIXES = frozenset(
    {".json", ".jsonl", ".md", ".txt", ".csv", ".tsv", ".toml", ".yaml", ".yml", ".xml", ".log"}
)

# BMP headers are identified by their DIB header size, because "BM" alone is too weak a magic.
_BMP_DIB_SIZES = frozenset({12, 16, 40, 52, 56, 64, 108, 124})


class InputError(ValueError):
    """The inputs themselves are wrong (missing path, empty glob): a fatal usage error."""


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


def discover(inputs: list[str], *, follow_symlinks: bool = False) -> list[SourceDoc]:
    """Every document named by `inputs`, once each, sorted by path.

    Raises InputError when an explicit path does not exist or a glob matches nothing.
    """
    candidates: set[str] = set()
    for raw in inputs:
        candidates.update(_expand(raw, follow_symlinks=follow_symlinks))
    docs: list[SourceDoc] = []
    seen_files: set[tuple[int, int]] = set()
    for path in sorted(candidates):
        doc, identity = _inspect(path)
        # Hard links and symlinked duplicates are the same file: process it once.
        if identity is not None:
            if identity in seen_files:
                continue
            seen_files.add(identity)
        docs.append(doc)
    return docs


def _expand(raw: str, *, follow_symlinks: bool) -> Iterator[str]:
    expanded = os.path.expanduser(raw)
    if os.path.lexists(expanded):
        yield from _expand_existing(expanded, follow_symlinks=follow_symlinks)
        return
    if not _GLOB_CHARS.intersection(expanded):
        raise InputError(f"input path does not exist: {raw}")
    matches = sorted(glob.glob(expanded, recursive=True))
    if not matches:
        raise InputError(f"glob pattern matched no files: {raw}")
    for match in matches:
        yield from _expand_existing(match, follow_symlinks=follow_symlinks)


def _expand_existing(path: str, *, follow_symlinks: bool) -> Iterator[str]:
    absolute = os.path.abspath(path)
    if os.path.isdir(absolute):
        yield from _walk(absolute, follow_symlinks=follow_symlinks)
    else:
        # An explicitly named file is always taken, whatever its name or kind.
        yield absolute


def _walk(root: str, *, follow_symlinks: bool) -> Iterator[str]:
    visited: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=follow_symlinks):
        st = os.stat(dirpath)
        if (st.st_dev, st.st_ino) in visited:  # a symlink loop back to a folder already walked
            dirnames[:] = []
            continue
        visited.add((st.st_dev, st.st_ino))
        dirnames[:] = sorted(
            d for d in dirnames
            if not _is_hidden_or_junk(d)
            and (follow_symlinks or not os.path.islink(os.path.join(dirpath, d)))
        )
        for name in sorted(filenames):
            if _is_hidden_or_junk(name):
                continue
            path = os.path.join(dirpath, name)
            if os.path.islink(path) and not follow_symlinks:
                continue
            if not os.path.isfile(path):  # FIFOs, sockets, devices: reading them could block
                continue
            if _is_sidecar(path):
                continue
            yield path


def _is_sidecar(path: str) -> bool:
    if os.path.splitext(path)[1].lower() not in _SIDECAR_SUFFIXES:
        return False
    try:
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return False  # unreadable: let inspection record it as an input row
    return sniff_kind(head) is DocKind.unknown


def _is_hidden_or_junk(name: str) -> bool:
    lowered = name.lower()
    return name.startswith(".") or lowered in _JUNK_NAMES or name.startswith(_JUNK_PREFIXES)


def _inspect(path: str) -> tuple[SourceDoc, tuple[int, int] | None]:
    """Hash and sniff one file; any problem becomes the SourceDoc's error."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return _error_doc(path, ErrorCategory.not_found, "file disappeared before it could be read"), None
    except OSError as exc:
        return _error_doc(path, ErrorCategory.not_found, f"cannot stat file: {exc.strerror or exc}"), None
    if not stat.S_ISREG(st.st_mode):
        return _error_doc(path, ErrorCategory.unsupported_format, "not a regular file"), None
    identity = (st.st_dev, st.st_ino)
    try:
        digest, head, size, mtime_ns = _hash_and_head(path)
    except PermissionError:
        return _error_doc(path, ErrorCategory.not_found, "cannot read file: permission denied"), identity
    except FileNotFoundError:
        return _error_doc(path, ErrorCategory.not_found, "file disappeared before it could be read"), identity
    except OSError as exc:
        return _error_doc(path, ErrorCategory.corrupt, f"cannot read file: {exc.strerror or exc}"), identity
    kind = sniff_kind(head)
    error: ErrorInfo | None = None
    if size == 0:
        error = ErrorInfo(
            category=ErrorCategory.empty_file, message="file is empty (0 bytes)", stage="discover"
        )
    elif kind is DocKind.unknown:
        error = ErrorInfo(
            category=ErrorCategory.unsupported_format,
            message="not a PDF or a supported image (PNG, JPEG, TIFF, WebP, BMP, GIF) by its content",
            stage="discover",
        )
    doc = SourceDoc(
        doc_id=digest, source_path=path, kind=kind, size_bytes=size, mtime_ns=mtime_ns, error=error
    )
    return doc, identity


def _hash_and_head(path: str) -> tuple[str, bytes, int, int]:
    digest = hashlib.sha256()
    head = b""
    size = 0
    with open(path, "rb") as handle:
        st = os.fstat(handle.fileno())
        while chunk := handle.read(_CHUNK):
            if len(head) < _SNIFF_BYTES:
                head += chunk[: _SNIFF_BYTES - len(head)]
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), head, size, st.st_mtime_ns


def _error_doc(path: str, category: ErrorCategory, message: str) -> SourceDoc:
    # No bytes to hash: the id is derived from the path so that it is still deterministic.
    doc_id = hashlib.sha256(f"unreadable:{path}".encode()).hexdigest()
    return SourceDoc(
        doc_id=doc_id,
        source_path=path,
        kind=DocKind.unknown,
        size_bytes=0,
        error=ErrorInfo(category=category, message=message, stage="discover"),
    )
