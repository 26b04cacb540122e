"""Measure chart QA on a part of ../shared/devdata: one `docpipe run` and one `docpipe eval` per set.

    python tools/chart_measure.py {dev|held} [SET ...] [--out /tmp/charts-measure]

For each chart set, the part's truth lines (tools/chart_devdata.py split) are written to
OUT/PART/SET.truth.jsonl; the part's images are run with the offline engine (`--pipeline charts`,
questions from that truth file); `docpipe eval --json` scores the output into OUT/PART/SET.eval.json.
Development tool, not part of the product.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chart_devdata import DEVDATA, SETS, part, truth  # noqa: E402


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    out_root = Path(argv[argv.index("--out") + 1]) if "--out" in argv else Path("/tmp/charts-measure")
    if "--out" in argv:
        args.remove(str(out_root))
    wanted_part, sets = args[0], args[1:] or list(SETS)
    docpipe = Path(sys.executable).with_name("docpipe")
    for chart_set in sets:
        rows = [r for r in truth(chart_set) if part(chart_set, r) == wanted_part]
        folder = out_root / wanted_part
        folder.mkdir(parents=True, exist_ok=True)
        truth_file = folder / f"{chart_set}.truth.jsonl"
        truth_file.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        files = [str(DEVDATA / chart_set / r["file"]) for r in rows]
        out = folder / chart_set
        shutil.rmtree(out, ignore_errors=True)  # a fresh output: the measurement must not reuse older rows
        command = [str(docpipe), "run", *files, "--pipeline", "charts", "--engine", "offline", "--out", str(out),
                   "--log-format", "json"]
        if any("qa" in r for r in rows):
            command += ["--questions-file", str(truth_file)]
        subprocess.run(command, check=False, stdout=subprocess.DEVNULL)
        result = subprocess.run([str(docpipe), "eval", str(out), "--truth", str(truth_file), "--json"],
                                capture_output=True, text=True, check=False)
        (folder / f"{chart_set}.eval.json").write_text(result.stdout, encoding="utf-8")
        report = json.loads(result.stdout) if result.stdout.strip() else {}
        print(chart_set, wanted_part, {k: report.get(k) for k in (
            "matched", "questions", "answer_share", "answer_precision", "value_accuracy", "point_recall",
            "charts", "charts_unreadable", "cpu_s_per_chart")}, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
