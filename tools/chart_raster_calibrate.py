"""Fit and check the raster reader's confidence (not part of the product).

    python tools/chart_raster_calibrate.py fit      # fit COEF on the dev part, print them
    python tools/chart_raster_calibrate.py check    # reliability of the current COEF, dev and held-out

For every point read on charts whose values are known (vega-lite records, ChartQA source tables,
scatteract points), the point's feature vector (`docpipe.charts.raster_confidence.features`) and
whether it is right: within 5% of the true value or 0.5% of the range near zero (scatter: within 2%
of each axis' range); a point whose category matches no truth row is left out. `fit` uses the part
named by --fit-part (default "held": after the split's one rotation the reader was developed on
"dev", so "held" shows the error rates of charts the reader was not tuned on). Logistic regression (Newton's method, L2 penalty 1.0
on every weight but the bias; charts weighted equally: at most 40 points each) gives `COEF`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chart_devdata import cached_words, load_image, part, truth  # noqa: E402
from chart_raster_eval import norm, recognize  # noqa: E402

from docpipe.charts.raster_confidence import COEF, FEATURES, features  # noqa: E402
from docpipe.charts.raster_read import best_reading  # noqa: E402
from docpipe.charts.raster_scene import build_scene  # noqa: E402

SETS = ("charts_vegalite", "charts_chartqa", "charts_scatteract")
CACHE = Path("/tmp/charts-raster-cache/calibration")


def _points(chart_set: str, name: str):
    img = np.asarray(load_image(chart_set, name))
    scene = build_scene(img, cached_words(chart_set, name), (0.0, 0.0, 1.0, 1.0), recognize)
    r, _, _ = best_reading(scene)
    if r is None:
        return []
    out = []
    for s in r.series:
        for p in s.points:
            out.append((s.name, p, features(p, r)))
    return out


def _span(vals: list[float]) -> float:
    return (max(max(vals), 0.0) - min(min(vals), 0.0)) or 1.0


def _right(got: float, want: float, span: float) -> bool:
    """Within 5% of the true value (relaxed accuracy), or 0.5% of the range near zero."""
    return abs(got - want) <= max(0.05 * abs(want), 0.005 * span)


def _judge(chart_set: str, row: dict, pts) -> list[tuple[dict, bool]]:
    out = []
    if chart_set == "charts_scatteract":
        truth_pts = np.array(row["points"], float)
        xr, yr = np.ptp(truth_pts[:, 0]) or 1.0, np.ptp(truth_pts[:, 1]) or 1.0
        used: set[int] = set()
        for _, p, f in pts:
            if p.x_value is None or p.y is None:
                continue
            d = np.maximum(np.abs(truth_pts[:, 0] - p.x_value) / xr, np.abs(truth_pts[:, 1] - p.y) / yr)
            d[list(used)] = np.inf
            k = int(np.argmin(d))
            ok = bool(d[k] <= 0.02)
            if ok:
                used.add(k)
            out.append((f, ok))
        return out
    if chart_set == "charts_vegalite":
        if row["chart_type"] == "arc" or not row.get("y_field"):
            return out
        recs = [(r.get(row["x_field"]) if row["x_field"] else None, r.get(row["y_field"])) for r in row["values"]]
        recs = [(x, y) for x, y in recs if isinstance(y, (int, float))]
        if not recs:
            return out
        span = _span([y for _, y in recs])
        numeric = all(isinstance(x, (int, float)) for x, _ in recs)
        for i, (_, p, f) in enumerate(pts):
            if p.y is None:
                continue
            if numeric and p.x_value is not None:
                cand = [y for x, y in recs if abs(x - p.x_value) <= 0.02 * ((max(r[0] for r in recs) - min(
                    r[0] for r in recs)) or 1.0)]
            else:
                cand = [y for x, y in recs if norm(x) == norm(p.x)]
                if not cand and len(pts) == len(recs):
                    cand = [recs[i][1]]
            if cand:
                out.append((f, _right(p.y, cand[0], span)))
        return out
    # ChartQA source tables
    cols, rows = row["table"]["columns"], row["table"]["rows"]
    cells = {}
    for r in rows:
        for k in range(1, len(cols)):
            try:
                cells[(norm(r[0]), norm(cols[k]))] = float(str(r[k]).replace(",", "").replace("%", "").replace("$", ""))
            except (ValueError, IndexError):
                continue
    if not cells:
        return out
    span = _span(list(cells.values()))
    for name, p, f in pts:
        if p.y is None:
            continue
        cand = [v for (c, col), v in cells.items() if c == norm(p.x) and (len(cols) == 2 or name is None
                                                                        or col == norm(name))]
        if cand:
            out.append((f, any(_right(p.y, v, span) for v in cand)))
    return out


def collect(which: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs, ys, ws = [], [], []
    for chart_set in SETS:
        for row in truth(chart_set):
            if part(chart_set, row) != which:
                continue
            judged = _judge(chart_set, row, _points(chart_set, row["file"]))
            if not judged:
                continue
            if len(judged) > 40:
                judged = judged[:: max(1, len(judged) // 40)][:40]
            for f, ok in judged:
                xs.append([f[k] for k in FEATURES])
                ys.append(float(ok))
                ws.append(1.0 / len(judged))
    return np.array(xs), np.array(ys), np.array(ws)


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = 1.0) -> np.ndarray:
    beta = np.zeros(x.shape[1])
    pen = np.full(x.shape[1], l2)
    pen[0] = 0.0
    w = w / w.mean()
    for _ in range(50):
        p = 1 / (1 + np.exp(-x @ beta))
        grad = x.T @ (w * (y - p)) - pen * beta
        hess = x.T @ (x * (w * p * (1 - p))[:, None]) + np.diag(pen)
        step = np.linalg.solve(hess, grad)
        beta += step
        if np.abs(step).max() < 1e-6:
            break
    return beta


def reliability(x: np.ndarray, y: np.ndarray, beta: np.ndarray) -> str:
    p = 1 / (1 + np.exp(-x @ beta))
    lines = []
    for lo, hi in ((0, 0.5), (0.5, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 0.95), (0.95, 1.01)):
        sel = (p >= lo) & (p < hi)
        if sel.any():
            lines.append(f"  [{lo:.2f},{min(hi, 1):.2f}) n={int(sel.sum()):4d} predicted {p[sel].mean():.3f} "
                         f"observed {y[sel].mean():.3f}")
    brier = float(np.mean((p - y) ** 2))
    return "\n".join(lines) + f"\n  Brier {brier:.4f}, points {len(y)}, right {y.mean():.3f}"


def main(argv: list[str]) -> None:
    mode = argv[0] if argv else "check"
    fit_part = argv[argv.index("--fit-part") + 1] if "--fit-part" in argv else "held"
    other = "dev" if fit_part == "held" else "held"
    data = {fit_part: collect(fit_part), other: collect(other)}
    current = np.array([COEF[k] for k in FEATURES])
    beta = fit(*data[fit_part]) if mode == "fit" else current
    if mode == "fit":
        print("COEF = " + json.dumps({k: round(float(b), 3) for k, b in zip(FEATURES, beta)}))
    print(f"{fit_part} (fitted on):\n" + reliability(data[fit_part][0], data[fit_part][1], beta))
    print(f"{other}:\n" + reliability(data[other][0], data[other][1], beta))


if __name__ == "__main__":
    main(sys.argv[1:])
