"""Score the raster chart reader on the development charts (not part of the product).

    python tools/chart_raster_eval.py [--part dev|held|all] [--sets vegalite,scatteract,chartqa] [-v]
                                      [--only NAME] [--dump FILE.jsonl]

Measures, per set and split part (tools/chart_devdata.py fixes the split):
- vegalite: share of truth values read within 2 % of the value range (range: from min(0, min y)
  to max y of the truth, which is never wider than the drawn axis);
- scatteract: share of truth points matched one-to-one by a read point within 2 % of each axis'
  range (recall) and share of read points that match (precision);
- chartqa: share of the source table's numeric cells read within 2 % of the table's range;
- every set: share of charts read (no unreadable_chart error) and CPU seconds per chart
  (`time.process_time`, the reader only; the second OCR pass is served from a cache after the
  first run and reported separately as ocr_s).
Also writes (value correct?, confidence) pairs for calibration with --dump.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chart_devdata import CACHE, cached_words, load_image, part, truth  # noqa: E402

from docpipe.charts.raster import read_raster_chart  # noqa: E402

_ENGINE = None
OCR_SECONDS = [0.0]


def recognize(arr: np.ndarray):
    """The product's rapidocr on an array, cached by the array's bytes."""
    global _ENGINE
    from PIL import Image

    from docpipe.records import Word

    key = hashlib.sha1(arr.tobytes() + str(arr.shape).encode()).hexdigest()
    path = CACHE / "recognize" / (key + ".json")
    if path.exists():
        return [Word.model_validate(w) for w in json.loads(path.read_text())]
    if _ENGINE is None:
        from docpipe.ocr.rapid import RapidOcrConfig
        from docpipe.ocr.stage import load_engine

        _ENGINE = load_engine("rapidocr", rapid=RapidOcrConfig(threads=1))
    t0 = time.process_time()
    words = _ENGINE.recognize(Image.fromarray(arr))
    OCR_SECONDS[0] += time.process_time() - t0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([w.model_dump() for w in words]))
    return words


def norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(s).lower())


def read(chart_set: str, name: str):
    img = np.asarray(load_image(chart_set, name))
    words = cached_words(chart_set, name)
    if words is None:
        raise SystemExit(f"no cached words for {chart_set}/{name}: run tools/chart_devdata.py words")
    t0 = time.process_time()
    ocr0 = OCR_SECONDS[0]
    chart = read_raster_chart(img, words, recognize=recognize)
    cpu = time.process_time() - t0 - (OCR_SECONDS[0] - ocr0)
    return chart, cpu


def _match_category(truth_x: list[str], points) -> list[int | None]:
    """Index of the read point for each truth category: by order when the counts agree, else by text."""
    out = []
    for tx in truth_x:
        hit = [i for i, p in enumerate(points) if norm(p.x) == norm(tx)]
        out.append(hit[0] if hit else None)
    if None in out and len(points) == len(truth_x):
        return list(range(len(points)))
    return out


def score_vegalite(row: dict, chart, pairs: list) -> tuple[int, int]:
    ys = [r.get(row["y_field"]) if row["y_field"] else None for r in row["values"]]
    if row["chart_type"] == "arc":
        vals = [r[row["fields"]["theta"]] for r in row["values"]]
        total = sum(vals)
        truth_y = [100.0 * v / total for v in vals]
        got = [p for s in chart.series for p in s.points]
        read_y = sorted((p.y for p in got if p.y is not None), reverse=True)
        share = [100.0 * v / sum(read_y) for v in read_y] if read_y and sum(read_y) else []
        ok = 0
        for t, r in zip(sorted(truth_y, reverse=True), share):
            good = abs(t - r) <= 2.0
            ok += good
        for p in got:
            pairs.append((p.confidence, None))
        return ok, len(truth_y)
    if not any(isinstance(y, (int, float)) for y in ys):
        return 0, 0
    valid = [(r, y) for r, y in zip(row["values"], ys) if isinstance(y, (int, float))]
    tys = [y for _, y in valid]
    span = max(max(tys), 0) - min(min(tys), 0) or 1.0
    points = [p for s in chart.series for p in s.points]
    xf = row["x_field"]
    ok = 0
    if xf and all(isinstance(r[xf], (int, float)) for r, _ in valid):
        xs = [r[xf] for r, _ in valid]
        xspan = (max(xs) - min(xs)) or 1.0
        for (r, y) in valid:
            cands = [p for p in points if p.x_value is not None and abs(p.x_value - r[xf]) <= 0.02 * xspan]
            if cands:
                p = min(cands, key=lambda p: abs(p.x_value - r[xf]))
                good = p.y is not None and abs(p.y - y) <= 0.02 * span
                ok += good
                pairs.append((p.confidence, bool(good)))
        return ok, len(valid)
    tx = [str(r[xf]) if xf else str(i) for i, (r, _) in enumerate(valid)]
    idx = _match_category(tx, points)
    for (r, y), i in zip(valid, idx):
        if i is None:
            continue
        p = points[i]
        good = p.y is not None and abs(p.y - y) <= 0.02 * span
        ok += good
        pairs.append((p.confidence, bool(good)))
    return ok, len(valid)


def score_scatter(row: dict, chart, pairs: list) -> tuple[int, int, int]:
    pts = np.array(row["points"], dtype=float)
    xr = np.ptp(pts[:, 0]) or 1.0
    yr = np.ptp(pts[:, 1]) or 1.0
    got = [p for s in chart.series for p in s.points if p.x_value is not None and p.y is not None]
    used = set()
    ok = 0
    cand = []
    for i, (tx, ty) in enumerate(pts):
        for j, p in enumerate(got):
            dx, dy = abs(p.x_value - tx) / xr, abs(p.y - ty) / yr
            if dx <= 0.02 and dy <= 0.02:
                cand.append((dx + dy, i, j))
    cand.sort()
    ti = set()
    for _, i, j in cand:
        if i in ti or j in used:
            continue
        ti.add(i)
        used.add(j)
        ok += 1
    for j, p in enumerate(got):
        pairs.append((p.confidence, j in used))
    return ok, len(pts), len(got)


def score_chartqa(row: dict, chart, pairs: list) -> tuple[int, int]:
    cols, rows = row["table"]["columns"], row["table"]["rows"]
    cells = []
    for r in rows:
        for k in range(1, len(cols)):
            try:
                v = float(str(r[k]).replace(",", "").replace("%", "").replace("$", "").strip())
            except (ValueError, IndexError):
                continue
            cells.append((r[0], cols[k], v))
    if not cells:
        return 0, 0
    vals = [c[2] for c in cells]
    span = max(max(vals), 0) - min(min(vals), 0) or 1.0
    ok = 0
    series = chart.series
    for cat, col, v in cells:
        cands = []
        for s in series:
            if len(series) > 1 and s.name is not None and norm(s.name) != norm(col) and len(cols) > 2:
                continue
            cands += [p for p in s.points if norm(p.x) == norm(cat)]
        good = any(p.y is not None and abs(p.y - v) <= 0.02 * span for p in cands)
        ok += good
    for s in series:
        for p in s.points:
            match = [v for cat, col, v in cells if norm(cat) == norm(p.x)]
            if match:
                pairs.append((p.confidence, any(abs(p.y - v) <= 0.02 * span for v in match if p.y is not None)))
    return ok, len(cells)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--part", default="dev", choices=["dev", "held", "all"])
    ap.add_argument("--sets", default="vegalite,scatteract,chartqa,plotqa,figureqa,finchart,charts")
    ap.add_argument("--only", default=None)
    ap.add_argument("--dump", default=None)
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    pairs_all = []
    for short in args.sets.split(","):
        chart_set = "charts" if short == "charts" else f"charts_{short}"
        rows = [r for r in truth(chart_set) if args.part == "all" or part(chart_set, r) == args.part]
        if args.only:
            rows = [r for r in rows if args.only in r["file"]]
        ok = tot = npred = nread = 0
        cpus = []
        types: dict[str, int] = {}
        for row in rows:
            chart, cpu = read(chart_set, row["file"])
            cpus.append(cpu)
            types[chart.chart_type if chart.error is None else "error"] = types.get(
                chart.chart_type if chart.error is None else "error", 0) + 1
            nread += chart.error is None
            pairs: list = []
            if short == "vegalite":
                a, b = score_vegalite(row, chart, pairs)
            elif short == "scatteract":
                a, b, c = score_scatter(row, chart, pairs)
                npred += c
            elif short == "chartqa":
                a, b = score_chartqa(row, chart, pairs)
            else:
                a, b = 0, 0
            ok += a
            tot += b
            pairs_all += [(chart_set, row["file"], c, g) for c, g in pairs]
            if args.v:
                err = chart.error.message if chart.error else ""
                pts = [(p.x, None if p.y is None else round(p.y, 3), p.source[0], p.confidence)
                       for s in chart.series for p in s.points][:12]
                print(f"  {row['file']}: {a}/{b} {chart.chart_type} {err} cpu={cpu:.2f}s "
                      f"series={[s.name for s in chart.series]} {pts}")
        if not rows:
            continue
        extra = f" precision {ok / npred:.3f}" if short == "scatteract" and npred else ""
        score = f"{ok}/{tot} = {ok / tot:.3f}" if tot else "n/a"
        print(f"{chart_set} [{args.part}] charts {len(rows)}, read {nread}, values {score}{extra}, "
              f"cpu mean {np.mean(cpus):.2f}s max {np.max(cpus):.2f}s, types {types}")
    if OCR_SECONDS[0]:
        print(f"second-pass OCR (uncached this run): {OCR_SECONDS[0]:.1f}s")
    if args.dump:
        with open(args.dump, "w") as fh:
            for s, f, c, g in pairs_all:
                fh.write(json.dumps({"set": s, "file": f, "confidence": c, "correct": g}) + "\n")


if __name__ == "__main__":
    main()
