"""Where the built-in `schemas/` and `pipelines/` folders live.

In the repository they are top-level folders beside `docpipe/`; in an installed wheel the build
copies them to `docpipe/_builtin/`. Looking in both keeps one source of truth for each file.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def builtin_dir(name: str) -> Path | None:
    """`name` is "schemas" or "pipelines"; None when neither location has it."""
    for candidate in (_PACKAGE_DIR / "_builtin" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    return None
