"""The version of what turns words into values, for the work key: a new extractor reprocesses.

The offline engine's output depends on its code, lexicons and confidence model; every engine's
output depends on the grounding code that verifies values against the words and on the field
model. The version is a hash of those files as installed, so any change to them changes the
work key of every document (`runner.work_key`) and the next run redoes them.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # docpipe/


def _files(engine: str) -> list[Path]:
    files = sorted((_PACKAGE / "grounding").glob("*.py")) + [_PACKAGE / "fields.py"]
    if engine == "offline":
        offline = _PACKAGE / "offline"
        files += sorted(offline.glob("*.py")) + sorted(offline.glob("*.json"))
    return files


@lru_cache(maxsize=4)
def extractor_version(engine: str) -> str:
    """12 hex digits identifying the extraction and verification code used by `engine`."""
    digest = hashlib.sha256(engine.encode())
    for path in _files(engine):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
