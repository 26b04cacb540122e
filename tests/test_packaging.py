"""The wheel ships the built-in schemas and pipelines, so they work outside the repository."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_wheel_contains_builtin_schemas_and_pipelines(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    str(REPO), "-w", str(tmp_path)], check=True, capture_output=True, timeout=300)
    (wheel,) = tmp_path.glob("docpipe-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for schema in ("invoice", "receipt", "chart", "page"):
        assert f"docpipe/_builtin/schemas/{schema}.py" in names
    for pipeline in ("invoice", "receipt", "charts", "ocr"):
        assert f"docpipe/_builtin/pipelines/{pipeline}.toml" in names
    assert "docpipe/executor.py" in names and not any(n.startswith("tests/") for n in names)
