"""Questions answered from the raster reader's data, in process (not part of the product).

    python tools/chart_raster_qa.py [--part dev|held|all] [--sets chartqa,plotqa,...] [-v] [--misses]

Each chart image of the part is read by `read_raster_chart` (page words from the cache of
tools/chart_devdata.py, the second OCR pass cached by tools/chart_raster_eval.py) and each of its
questions answered by `docpipe.charts.qa.answer_question`; answers are scored with ChartQA's
relaxed accuracy (`docpipe.evaluate.relaxed`). Printed per set: questions, share answered and
precision of the answered ones, also when answers below a confidence threshold are declined
(thresholds 0.3 … 0.8), which is how the answerer is meant to use the reader's confidence.
The full pipeline measure is tools/chart_measure.py (`docpipe run` + `docpipe eval`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chart_devdata import part, truth  # noqa: E402
from chart_raster_eval import read  # noqa: E402

from docpipe.charts.qa import MIN_CONFIDENCE, answer_question  # noqa: E402
from docpipe.charts.questions import parse_question  # noqa: E402
from docpipe.evaluate.relaxed import relaxed_match  # noqa: E402

THRESHOLDS = tuple(sorted({0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, MIN_CONFIDENCE}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--part", default="dev", choices=["dev", "held", "all"])
    ap.add_argument("--sets", default="chartqa,plotqa,figureqa,charts,finchart")
    ap.add_argument("--only", default=None)
    ap.add_argument("-v", action="store_true")
    ap.add_argument("--misses", action="store_true")
    ap.add_argument("--dump", default=None, help="write one JSON line per question (answer, confidence, right?)")
    args = ap.parse_args()
    dump = open(args.dump, "w") if args.dump else None  # noqa: SIM115
    grand = {t: [0, 0, 0] for t in THRESHOLDS}
    for short in args.sets.split(","):
        chart_set = "charts" if short == "charts" else f"charts_{short}"
        rows = [r for r in truth(chart_set) if args.part == "all" or part(chart_set, r) == args.part]
        if args.only:
            rows = [r for r in rows if args.only in r["file"]]
        stats = {t: [0, 0, 0] for t in THRESHOLDS}  # questions, answered, correct
        cpu = []
        for row in rows:
            chart, seconds = read(chart_set, row["file"])
            cpu.append(seconds)
            for qa in row.get("qa", []):
                got = answer_question(qa["question"], [chart], min_confidence=0.0)
                ok = got.error is None and got.answer is not None and relaxed_match(got.answer, qa["answer"])
                if dump is not None:
                    parsed = parse_question(qa["question"])
                    dump.write(json.dumps({
                        "set": chart_set, "file": row["file"], "question": qa["question"], "want": qa["answer"],
                        "answer": got.answer, "ok": bool(ok), "confidence": got.confidence,
                        "kind": parsed.kind.value if parsed else None, "chart_type": chart.chart_type,
                        "error": got.error.category.value if got.error else None}) + "\n")
                for t in THRESHOLDS:
                    stats[t][0] += 1
                    if got.error is None and got.answer is not None and (got.confidence or 0) >= t:
                        stats[t][1] += 1
                        stats[t][2] += ok
                if args.v or (args.misses and got.error is None and not ok):
                    why = got.error.message[:70] if got.error else f"{got.answer} (conf {got.confidence})"
                    print(f"  {row['file']}: {qa['question'][:80]!r} want {qa['answer']!r} got {why}")
        parts = []
        for t in THRESHOLDS:
            q, a, c = stats[t]
            grand[t][0] += q
            grand[t][1] += a
            grand[t][2] += c
            parts.append(f"≥{t}: answered {a}/{q}={a / q if q else 0:.2f} precision {c / a if a else 0:.2f}")
        q, a, c = stats[MIN_CONFIDENCE]
        print(f"{chart_set} [{args.part}] charts {len(rows)}, reader CPU s/chart {np.mean(cpu) if cpu else 0:.2f} "
              f"(max {max(cpu, default=0):.2f}); at the answerer's MIN_CONFIDENCE {MIN_CONFIDENCE}: answered "
              f"{a}/{q}={a / q if q else 0:.2f} precision {c}/{a}={c / a if a else 0:.2f}")
        print("   " + " | ".join(parts))
    parts = []
    for t in THRESHOLDS:
        q, a, c = grand[t]
        parts.append(f"≥{t}: answered {a / q if q else 0:.2f} precision {c / a if a else 0:.2f}")
    print("all " + " | ".join(parts))


if __name__ == "__main__":
    main()
