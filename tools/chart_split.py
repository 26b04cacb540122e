"""Print the development or held-out part of a devdata chart set's truth.jsonl.

The split is the one in tools/chart_devdata.py (sha256 of a group key, fixed up front), shared by
the raster reader's and the answerer's development so both report on the same held-out charts.

    python tools/chart_split.py DEVDATA_SET_DIR {dev|held} > subset_truth.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chart_devdata import part  # noqa: E402


def main(argv: list[str]) -> int:
    folder, wanted = Path(argv[0]), argv[1]
    for line in (folder / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip() and part(folder.name, json.loads(line)) == wanted:
            sys.stdout.write(line + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
