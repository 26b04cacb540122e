"""A fingerprint of the code that decides results, for the ledger's work keys.

A new docpipe release (or a local edit) that changes rasterization, the word layer, extraction,
grounding, chart reading, prompts or merging can change what a document's row says, so it must
change the work key and make `docpipe run` process the document again. Code that only moves
results (CLI, progress, storage, benchmarks, developer tools) is left out, so upgrading it does
not reprocess a corpus.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

# Parts of the package whose code (and data files) decide the values written.
_RESULT_PARTS = ("raster", "ocr", "offline", "grounding", "charts", "tasks", "processing", "engines",
                 "fields.py", "merge.py", "records.py")
_DATA_SUFFIXES = (".py", ".json", ".txt", ".onnx", ".pkl", ".joblib", ".lgb", ".csv", ".toml")


def result_code_files() -> list[Path]:
    """The files the fingerprint covers, in a stable order."""
    root = Path(__file__).resolve().parent
    files: list[Path] = []
    for part in _RESULT_PARTS:
        path = root / part
        candidates = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        files.extend(f for f in candidates if f.suffix in _DATA_SUFFIXES and "__pycache__" not in f.parts)
    return files


@functools.lru_cache(maxsize=1)
def result_code_fingerprint() -> str:
    """sha256 hex (16 chars) over the sources and data files of the result-deciding modules.

    Computed once per process on first use (reads about a hundred small files, milliseconds).
    """
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for file in result_code_files():
        digest.update(file.relative_to(root).as_posix().encode() + b"\x00")
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]
