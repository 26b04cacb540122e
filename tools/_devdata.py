"""Shared helpers of the development scripts: where devdata lives, the fixed dev/held-out split,
and a cache of word layers computed through the product's own code path.

Nothing here is imported by the installed package.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

DEVDATA = Path(os.environ.get("DOCPIPE_DEVDATA", "/work/shared/devdata"))
CACHE = Path(os.environ.get("DOCPIPE_DEV_CACHE", "/tmp/ocr-speed-cache"))


def split_of(name: str, rotation: int = 0) -> str:
    """'dev' or 'heldout' from a hash of the file name; fixed before any measurement.

    `rotation` swaps the halves (the one allowed rotation of the split).
    """
    bit = int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) % 2
    return "dev" if (bit ^ (rotation % 2)) == 0 else "heldout"


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def cached_json(key: str, compute):
    """JSON value cached under CACHE/key (a relative path); `compute()` makes it when missing."""
    path = CACHE / key
    if path.is_file():
        return json.loads(path.read_text())
    value = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value))
    tmp.replace(path)
    return value
