"""Development / held-out split of the chart sets in ../shared/devdata (fixed up front).

A chart is in the development part when the sha256 of its group key is even, else held out. The
group key is the file name, except where the data README says related charts must stay together:
FinChart crops of one report (the report id before the first '_') and vega-lite charts drawing the
same records (the records, serialised). Usage:

    python tools/chart_split.py DEVDATA_SET_DIR {dev|held} > subset_truth.jsonl
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path


def group_key(set_name: str, record: dict) -> str:
    name = record["file"]
    if set_name == "charts_finchart":
        return name.split("_", 1)[0]
    if set_name == "charts_vegalite":
        return json.dumps(record.get("values"), sort_keys=True)
    return name


def part(set_name: str, record: dict) -> str:
    digest = hashlib.sha256(group_key(set_name, record).encode()).digest()
    return "dev" if digest[-1] % 2 == 0 else "held"


def main(argv: list[str]) -> int:
    folder, wanted = Path(argv[0]), argv[1]
    for line in (folder / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            if part(folder.name, record) == wanted:
                sys.stdout.write(line + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
