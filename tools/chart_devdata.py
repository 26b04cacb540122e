"""Development helpers for the raster chart reader on `../shared/devdata` (not part of the product).

- the fixed dev / held-out split of every chart set (sha256 of a grouping key, even = dev);
- a cache of each chart image's word layer, produced by the product's own OCR engine
  (`docpipe.ocr.stage.load_engine("rapidocr")`), under /tmp/charts-raster-cache/words/.

Usage:
    python tools/chart_devdata.py words [SET ...]     # fill the word cache (slow: OCR)
    python tools/chart_devdata.py split               # print the split sizes
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

DEVDATA = Path(__file__).resolve().parents[1].parent.parent / "shared" / "devdata"
if not DEVDATA.exists():
    DEVDATA = Path("/work/shared/devdata")
CACHE = Path("/tmp/charts-raster-cache")
SETS = ("charts", "charts_chartqa", "charts_figureqa", "charts_finchart", "charts_plotqa",
        "charts_scatteract", "charts_vegalite")


def group_key(chart_set: str, row: dict) -> str:
    """What keeps related charts on one side of the split.

    vega-lite: the records drawn (several examples draw the same data); finchart: the report
    (crops of one report stay together); otherwise the file name.
    """
    if chart_set == "charts_vegalite":
        return json.dumps(row["values"], sort_keys=True)
    if chart_set == "charts_finchart":
        return row["file"].split("_")[0]
    return row["file"]


def part(chart_set: str, row: dict) -> str:
    """'dev' or 'held' for one truth row: fixed up front, sha256 of the group key, even = dev."""
    digest = int(hashlib.sha256(group_key(chart_set, row).encode()).hexdigest(), 16)
    return "dev" if digest % 2 == 0 else "held"


def truth(chart_set: str) -> list[dict]:
    with open(DEVDATA / chart_set / "truth.jsonl") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_image(chart_set: str, name: str):
    from PIL import Image

    return Image.open(DEVDATA / chart_set / name).convert("RGB")


def words_path(chart_set: str, name: str) -> Path:
    return CACHE / "words" / chart_set / (name + ".json")


def cached_words(chart_set: str, name: str):
    """The page's word layer from the cache (list[Word]); None when not cached yet."""
    from docpipe.records import Word

    path = words_path(chart_set, name)
    if not path.exists():
        return None
    return [Word.model_validate(w) for w in json.loads(path.read_text())]


def fill_words(sets: list[str]) -> None:
    from docpipe.ocr.rapid import RapidOcrConfig
    from docpipe.ocr.stage import load_engine

    engine = load_engine("rapidocr", rapid=RapidOcrConfig(threads=1))
    for chart_set in sets:
        for row in truth(chart_set):
            path = words_path(chart_set, row["file"])
            if path.exists():
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            t0 = time.process_time()
            words = engine.recognize(load_image(chart_set, row["file"]))
            path.write_text(json.dumps([w.model_dump() for w in words]))
            print(f"{chart_set}/{row['file']}: {len(words)} words, {time.process_time() - t0:.1f}s", flush=True)


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in ("words", "split"):
        print(__doc__)
        raise SystemExit(2)
    if argv[0] == "words":
        fill_words(argv[1:] or list(SETS))
    else:
        for chart_set in SETS:
            rows = truth(chart_set)
            dev = sum(part(chart_set, r) == "dev" for r in rows)
            print(f"{chart_set}: dev {dev}, held-out {len(rows) - dev}")


if __name__ == "__main__":
    main(sys.argv[1:])
