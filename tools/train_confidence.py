"""Fit the offline engine's confidence model on development documents and write it into the package.

    python tools/train_confidence.py [--invoice-fold A] [--out docpipe/offline/confidence_model.json]

Data (never the held-out part): the `dev` receipts (by merchant, see tools/devscore.py) and one
fold of the invoices, both as text layers and as 150-dpi tilted scans (tools/devwords.py). For
every page and every field the truth has, the extractor's choice on that page is one example:
its `choice_features` and whether the chosen value equals the truth (`docpipe eval`'s
comparison). A page that does not print the value yields a wrong choice, as it should.

Method: one logistic regression (scikit-learn) per kind group (docpipe.offline.confidence.
KIND_GROUPS); five group folds by document give out-of-fold raw probabilities, an isotonic
regression on those calibrates, and the final logistic models are fitted on all examples (as
`CalibratedClassifierCV(ensemble=False)` does). Compared on the same folds, a single pooled
logistic model and gradient-boosted trees (depth 2-3) let fewer values through at 0.98 precision. The straight-through
threshold is the lowest calibrated out-of-fold confidence at which accuracy reaches 0.98.
Development only: scikit-learn is needed here, never by the product, which reads the JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.devscore import DEVDATA, INVOICE_SETS, RECEIPT_SET, invoice_fold, receipt_part, receipt_truth  # noqa: E402
from tools.devwords import DEFAULT_CACHE, load_pages  # noqa: E402

TARGET = 0.98
INVOICE_FIELDS = ("invoice_number", "issue_date", "seller_name", "buyer_name", "currency", "total", "tax_total",
                  "subtotal")
RECEIPT_FIELDS = ("merchant_name", "merchant_address", "date", "total")


def examples(kind: str, part: str, fold: str, variants: tuple[str, ...]) -> list[tuple[str, str, dict, bool]]:
    """(document group, field, features, correct) for every page choice of the chosen documents."""
    from docpipe.fields import field_specs
    from docpipe.grounding.normalize import values_equal
    from docpipe.offline.extract import OfflineExtractor
    from schemas.invoice import Invoice
    from schemas.receipt import Receipt

    schema = Receipt if kind == "receipts" else Invoice
    kinds = {s.name: s.kind for s in field_specs(schema)}
    extractor = OfflineExtractor(schema)
    wanted = RECEIPT_FIELDS if kind == "receipts" else INVOICE_FIELDS
    out = []
    sets = [RECEIPT_SET] if kind == "receipts" else list(INVOICE_SETS)
    for name in sets:
        d = DEVDATA / name
        for line in (d / "truth.jsonl").read_text().splitlines():
            rec = json.loads(line)
            if kind == "receipts":
                if receipt_part(rec["company"]) != part:
                    continue
                rec = receipt_truth(rec)
            elif (invoice_fold(rec["file"]) == fold) != (part == "dev"):
                continue
            for variant in variants:
                pages = load_pages(d, variant, DEFAULT_CACHE).get(rec["file"])
                if not pages:
                    continue
                for page in pages:
                    result = extractor.extract_page(page.words, page.page_index)
                    for f in wanted:
                        want = rec.get(f)
                        if want in (None, "") or f not in result.choice_features:
                            continue
                        got = getattr(result.extraction, f, None)
                        ok = got is not None and values_equal(got, want, kinds[f])
                        out.append((f"{name}/{rec['file']}", f, result.choice_features[f], ok))
    return out


C = 0.5  # inverse L2 strength of the logistic models


def _fit_parts(X, y, kinds):
    """{kind group: fitted LogisticRegression, or the group's mean when it has one class}."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    parts = {}
    for k in sorted(set(kinds)):
        m = kinds == k
        if len(set(y[m].tolist())) < 2:
            parts[k] = float(np.mean(y[m]))
        else:
            parts[k] = LogisticRegression(C=C, max_iter=5000).fit(X[m], y[m])
    return parts


def _predict(parts, X, kinds):
    import numpy as np

    out = np.zeros(len(X))
    for k in set(kinds):
        m = kinds == k
        part = parts.get(k)
        if part is None:
            out[m] = 0.5
        elif isinstance(part, float):
            out[m] = part
        else:
            out[m] = part.predict_proba(X[m])[:, 1]
    return out


def fit(rows: list[tuple[str, str, dict, bool]], trained_on: str):
    import math

    import numpy as np
    from sklearn.isotonic import IsotonicRegression
    from sklearn.model_selection import GroupKFold

    from docpipe.evaluate.calibration import threshold_for_precision
    from docpipe.offline.confidence import ConfidenceModel, KINDS, LogisticPart, kind_group

    names = sorted({k for _, _, f, _ in rows for k in f})
    X = np.array([[f.get(k, 0.0) for k in names] for _, _, f, _ in rows], dtype=float)
    y = np.array([ok for _, _, _, ok in rows], dtype=int)
    kinds = np.array([kind_group(next((k for k in KINDS if f.get(f"kind_{k}")), "text")) for _, _, f, _ in rows])
    groups = np.array([g for g, _, _, _ in rows])
    folds = list(GroupKFold(n_splits=5).split(X, y, groups))
    oof = np.zeros(len(y))
    for train, test in folds:
        oof[test] = _predict(_fit_parts(X[train], y[train], kinds[train]), X[test], kinds[test])
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
    iso.fit(oof, y)
    final = _fit_parts(X, y, kinds)
    # Honest out-of-fold confidences for the threshold and the report: each fold's raw
    # probabilities calibrated by an isotonic map fitted on the other folds only.
    calibrated = np.zeros(len(y))
    for train, test in folds:
        fold_iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(oof[train], y[train])
        calibrated[test] = fold_iso.predict(oof[test])
    threshold = threshold_for_precision(list(zip(calibrated.tolist(), y.astype(bool).tolist())), TARGET)
    parts = {}
    for k, part in final.items():
        if isinstance(part, float):  # one class only: a constant log-odds
            p = min(max(part, 1e-3), 1 - 1e-3)
            parts[k] = LogisticPart(coef=[0.0] * len(names), intercept=round(math.log(p / (1 - p)), 6))
        else:
            parts[k] = LogisticPart(coef=[round(float(w), 6) for w in part.coef_[0]],
                                    intercept=round(float(part.intercept_[0]), 6))
    model = ConfidenceModel(
        features=names, groups=parts,
        iso_x=[round(float(x), 6) for x in iso.X_thresholds_], iso_y=[round(float(v), 6) for v in iso.y_thresholds_],
        straight_through=round(float(threshold), 6) if threshold is not None else 1.01, target_precision=TARGET,
        trained_on=trained_on)
    return model, calibrated, y


def report(rows, calibrated, y, threshold: float) -> None:
    from docpipe.evaluate.calibration import expected_calibration_error

    pairs = list(zip(calibrated.tolist(), y.astype(bool).tolist()))
    print(f"examples {len(y)}, accuracy {y.mean():.3f}, out-of-fold ECE {expected_calibration_error(pairs):.3f}")
    passed = [ok for c, ok in pairs if c >= threshold]
    print(f"threshold {threshold:.3f}: straight-through {len(passed)}/{len(pairs)} "
          f"({len(passed) / max(len(pairs), 1):.2f}), precision {sum(passed) / max(len(passed), 1):.3f}")
    by_field: dict[str, list[tuple[float, bool]]] = {}
    for (_, f, _, _), p in zip(rows, pairs):
        by_field.setdefault(f, []).append(p)
    for f, ps in sorted(by_field.items()):
        st = [ok for c, ok in ps if c >= threshold]
        print(f"  {f:17s} n={len(ps):3d} acc={sum(ok for _, ok in ps) / len(ps):.2f} "
              f"straight-through={len(st) / len(ps):.2f} precision={sum(st) / max(len(st), 1):.2f}")


def main(argv: list[str]) -> int:
    from docpipe.offline.confidence import MODEL_PATH, save_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoice-fold", choices=("A", "B"), default="A")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    if args.out.exists():
        args.out.unlink()  # features must not depend on an older model
    rows = examples("receipts", "dev", "", ("text",))
    rows += examples("invoices", "dev", args.invoice_fold, ("text", "scan"))
    trained_on = (f"receipts_sroie dev part (by merchant hash), invoices fold {args.invoice_fold} (text layer and "
                  f"150-dpi tilted scans); {len(rows)} page-level field choices")
    model, calibrated, y = fit(rows, trained_on)
    report(rows, calibrated, y, model.straight_through)
    save_model(model, args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
