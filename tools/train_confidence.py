"""Fit the offline engine's confidence model on development documents and write it into the package.

    python tools/train_confidence.py [--cache /tmp/extract-cache] [--invoice-fold A|B|all] [--folds]
                                     [--out docpipe/offline/confidence_model.json]

One command: word layers missing from CACHE/words-v<WORD_LAYER_VERSION>/ are made first, by the
product itself (`tools/offline_parts.py` part folders, `docpipe run --engine offline` over each
development part, `tools/devwords.py --from-run`), so a new word layer version refits on its own
words. `--folds` also prints fold-wise figures: fitted on receipts-dev + invoice fold A (text and
scans), scored on fold B's page-level choices, and the other way round.

Data (never the held-out part): the `dev` receipts (by merchant, see tools/devscore.py) and the
invoices, both as text layers and as 150-dpi tilted scans (tools/devwords.py). The shipped model
uses both invoice folds; `--invoice-fold A` fits on fold A only, so fold B can be scored with a
model that never saw it (and the other way round). For
every page and every field the truth has, the extractor's choice on that page is one example:
its `choice_features` and whether the chosen value equals the truth (`docpipe eval`'s
comparison). A page that does not print the value yields a wrong choice, as it should.

Method: one logistic regression (scikit-learn) per kind group (docpipe.fields.kind_group);
five group folds by document give out-of-fold raw probabilities, Platt scaling
fitted on those calibrates, and the final logistic models are fitted on all examples (as
`CalibratedClassifierCV(ensemble=False)` does). Compared on the same folds, a single pooled
logistic model and gradient-boosted trees (depth 2-3) let fewer values through at 0.98 precision,
and isotonic calibration moved the threshold more from one fold assignment to the next. The straight-through
thresholds, one per kind group, are each the lowest calibrated out-of-fold confidence at which
the group's accuracy reaches 0.98 with at least MIN_SUPPORT examples at or above it (a group that
never does gets 1.01: nothing of it passes); one pooled over all groups is kept as well.
Development only: scikit-learn is needed here, never by the product, which reads the JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.devscore import DEVDATA, INVOICE_SETS, RECEIPT_SET, invoice_fold, receipt_part, receipt_truth  # noqa: E402
from tools.devwords import DEFAULT_CACHE, from_run, load_pages  # noqa: E402

TARGET = 0.98
MIN_SUPPORT = 20  # examples at or above a threshold needed to choose it (per repeat of the folds)
DEV_PARTS = ("receipts-dev", "invoices-A", "invoices-B", "scans-A", "scans-B")
INVOICE_FIELDS = ("invoice_number", "issue_date", "seller_name", "buyer_name", "currency", "total", "tax_total",
                  "subtotal")
RECEIPT_FIELDS = ("merchant_name", "merchant_address", "date", "total")


def word_cache(cache: Path) -> Path:
    """The word-layer cache of the current word layer version."""
    from docpipe.ocr import WORD_LAYER_VERSION

    return cache / f"words-v{WORD_LAYER_VERSION}"


def ensure_words(cache: Path) -> Path:
    """Fill the word cache of every development part that lacks it, through `docpipe run`."""
    import subprocess

    from tools.offline_parts import build

    words = word_cache(cache)
    marks = words / "done"
    marks.mkdir(parents=True, exist_ok=True)
    todo = [p for p in DEV_PARTS if not (marks / p).exists()]
    if not todo:
        return words
    parts = cache / "parts"
    build(parts)
    docpipe = Path(sys.executable).with_name("docpipe")
    for part in todo:
        out = words / "runs" / part
        schema = "receipt" if part.startswith("receipts") else "invoice"
        print(f"docpipe run {parts / part} (word layers)", file=sys.stderr, flush=True)
        subprocess.run([str(docpipe), "run", str(parts / part), "--schema", schema, "--engine", "offline",
                        "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
        datasets = [RECEIPT_SET] if part.startswith("receipts") else list(INVOICE_SETS)
        for name in datasets:
            from_run(DEVDATA / name, "scan" if part.startswith("scans") else "text", out, words)
        (marks / part).write_text("")
    return words


def examples(kind: str, part: str, fold: str, variants: tuple[str, ...],
             cache: Path) -> list[tuple[str, str, dict, bool]]:
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
    loaded: dict[tuple[str, str], dict] = {}
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
                if (name, variant) not in loaded:
                    loaded[(name, variant)] = load_pages(d, variant, cache)
                pages = loaded[(name, variant)].get(rec["file"])
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
REPEATS = 10  # shuffles of the document folds for the out-of-fold predictions


def _fit_parts(X, y, kinds):
    """{kind group: fitted LogisticRegression}. A group whose examples are all right (or all
    wrong) cannot be fitted on its own; it gets the model pooled over every group, so that its
    confidence still follows the evidence (margin, agreement, OCR) instead of being one constant."""
    from sklearn.linear_model import LogisticRegression

    pooled = LogisticRegression(C=C, max_iter=5000).fit(X, y) if len(set(y.tolist())) > 1 else None
    parts = {}
    for k in sorted(set(kinds)):
        m = kinds == k
        if len(set(y[m].tolist())) < 2:
            if pooled is not None:
                parts[k] = pooled
            else:
                parts[k] = float(y[m].mean())
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


def _logit(p):
    import numpy as np

    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _platt(raw, y) -> tuple[float, float]:
    """(a, b) of sigmoid(a * logit(raw) + b) fitted to the outcomes (nearly unregularised)."""
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=100.0, max_iter=5000).fit(_logit(raw).reshape(-1, 1), y)
    return float(lr.coef_[0][0]), float(lr.intercept_[0])


def fit(rows: list[tuple[str, str, dict, bool]], trained_on: str):
    """(ConfidenceModel, out-of-fold calibrated confidences, outcomes, kind groups), the last three
    repeated REPEATS times (one per shuffle of the document folds)."""
    import math

    import numpy as np
    from sklearn.model_selection import GroupKFold

    from docpipe.evaluate.calibration import threshold_for_precision
    from docpipe.fields import CONFIDENCE_GROUPS, kind_group
    from docpipe.offline.confidence import KINDS, MODEL_FORMAT, ConfidenceModel, LogisticPart, ambiguity_factor

    names = sorted({k for _, _, f, _ in rows for k in f})
    X = np.array([[f.get(k, 0.0) for k in names] for _, _, f, _ in rows], dtype=float)
    y = np.array([ok for _, _, _, ok in rows], dtype=int)
    kinds = np.array([kind_group(next((k for k in KINDS if f.get(f"kind_{k}")), "text")) for _, _, f, _ in rows])
    factor = np.array([ambiguity_factor(f) for _, _, f, _ in rows])  # applied as the product applies it
    groups = np.array([g for g, _, _, _ in rows])
    # Repeated cross-fitting: five group folds, over REPEATS shuffles of the documents, so the
    # threshold does not hang on one way of cutting a few hundred examples.
    raws, cals, ys = [], [], []
    for repeat in range(REPEATS):
        order = np.random.default_rng(repeat).permutation(np.unique(groups))
        rank = {d: i for i, d in enumerate(order)}
        folds = list(GroupKFold(n_splits=5).split(X, y, np.array([rank[d] for d in groups])))
        oof = np.zeros(len(y))
        for train, test in folds:
            oof[test] = _predict(_fit_parts(X[train], y[train], kinds[train]), X[test], kinds[test])
        # Honest out-of-fold confidences: each fold calibrated by a Platt map fitted on the others.
        calibrated = np.zeros(len(y))
        for train, test in folds:
            a, b = _platt(oof[train], y[train])
            calibrated[test] = factor[test] / (1 + np.exp(-(a * _logit(oof[test]) + b)))
        raws.append(oof)
        cals.append(calibrated)
        ys.append(y)
    platt = _platt(np.concatenate(raws), np.concatenate(ys))
    final = _fit_parts(X, y, kinds)
    calibrated, y_rep, kinds_rep = np.concatenate(cals), np.concatenate(ys), np.tile(kinds, REPEATS)

    def threshold(mask) -> float:
        t = threshold_for_precision(list(zip(calibrated[mask].tolist(), y_rep[mask].astype(bool).tolist())),
                                    TARGET, min_count=MIN_SUPPORT * REPEATS)
        return round(float(t), 6) if t is not None else 1.01

    pooled = threshold(np.ones(len(y_rep), dtype=bool))
    thresholds = {g: threshold(kinds_rep == g) for g in CONFIDENCE_GROUPS if (kinds_rep == g).any()}
    for g in thresholds:
        if y_rep[kinds_rep == g].all():
            # No wrong value of this group in the development data: its own threshold would be the
            # lowest confidence seen, a claim no error ever tested. It takes the pooled one instead.
            thresholds[g] = max(thresholds[g], pooled)
    parts = {}
    for k, part in final.items():
        if isinstance(part, float):  # one class only: a constant log-odds
            p = min(max(part, 1e-3), 1 - 1e-3)
            parts[k] = LogisticPart(coef=[0.0] * len(names), intercept=round(math.log(p / (1 - p)), 6))
        else:
            parts[k] = LogisticPart(coef=[round(float(w), 6) for w in part.coef_[0]],
                                    intercept=round(float(part.intercept_[0]), 6))
    model = ConfidenceModel(
        format=MODEL_FORMAT, features=names, groups=parts,
        platt_a=round(platt[0], 6), platt_b=round(platt[1], 6), straight_through=pooled, thresholds=thresholds,
        min_support=MIN_SUPPORT, target_precision=TARGET, trained_on=trained_on)
    return model, calibrated, y_rep, kinds_rep


def report(title: str, fields: list[str], conf, y, groups, model) -> None:
    """Accuracy, ECE and straight-through rate (at each value's group threshold) with its precision,
    per field and overall."""
    import numpy as np

    from docpipe.evaluate.calibration import expected_calibration_error

    conf, y = np.asarray(conf, dtype=float), np.asarray(y).astype(bool)
    thr = np.array([model.threshold_for(g) for g in groups])
    passed = conf >= thr
    ece = expected_calibration_error(list(zip(conf.tolist(), y.tolist())))
    print(f"{title}: {len(y)} page-level field choices, accuracy {y.mean():.3f}, ECE {ece:.3f}, "
          f"straight-through {passed.sum()}/{len(y)} = {passed.mean():.2f}, "
          f"precision {y[passed].mean() if passed.any() else float('nan'):.3f}")
    fields_arr = np.array(fields)
    for f in sorted(set(fields)):
        m = fields_arr == f
        st = passed & m
        print(f"  {f:17s} n={m.sum():4d} acc={y[m].mean():.2f} straight-through={st.sum() / m.sum():.2f} "
              f"precision={y[st].mean() if st.any() else float('nan'):.2f}")


def dev_rows(folds: tuple[str, ...], cache: Path) -> list[tuple[str, str, dict, bool]]:
    rows = examples("receipts", "dev", "", ("text",), cache)
    for fold in folds:
        rows += examples("invoices", "dev", fold, ("text", "scan"), cache)
    return rows


def fold_report(cache: Path) -> None:
    """Fit on receipts-dev + invoice fold A, score fold B's choices; then B -> A."""
    import numpy as np

    from docpipe.fields import kind_group
    from docpipe.offline.confidence import KINDS

    for fit_fold, score_fold in (("A", "B"), ("B", "A")):
        model, _, _, _ = fit(dev_rows((fit_fold,), cache), f"fold {fit_fold}")
        rows = examples("invoices", "dev", score_fold, ("text", "scan"), cache)
        conf = [model.confidence_of(f, next((k for k in KINDS if f.get(f"kind_{k}")), "text")) for _, _, f, _ in rows]
        groups = [kind_group(next((k for k in KINDS if f.get(f"kind_{k}")), "text")) for _, _, f, _ in rows]
        print(f"thresholds fitted on fold {fit_fold}: {model.thresholds}")
        report(f"fitted on receipts-dev + invoices {fit_fold}, scored on invoices {score_fold} (text + scans)",
               [f for _, f, _, _ in rows], conf, [ok for *_, ok in rows], groups, model)


def main(argv: list[str]) -> int:
    from docpipe.offline.confidence import MODEL_PATH, save_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                        help="part folders, docpipe runs and word layers (made when missing)")
    parser.add_argument("--invoice-fold", choices=("A", "B", "all"), default="all",
                        help="invoices to fit on: one fold (to score the other), or all (the shipped model)")
    parser.add_argument("--folds", action="store_true", help="also print fold-wise figures (A -> B, B -> A)")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    words = ensure_words(args.cache)
    folds = ("A", "B") if args.invoice_fold == "all" else (args.invoice_fold,)
    rows = dev_rows(folds, words)
    trained_on = (f"receipts_sroie dev part (by merchant hash), invoices fold(s) {'+'.join(folds)} (text layer "
                  f"and 150-dpi tilted scans), word layer {words.name}; {len(rows)} page-level field choices")
    model, calibrated, y, groups = fit(rows, trained_on)
    print(f"thresholds per kind group: {model.thresholds} (pooled {model.straight_through})")
    report("out-of-fold (5 document folds x 10 shuffles)", [f for _, f, _, _ in rows] * REPEATS, calibrated, y,
           groups, model)
    if args.folds:
        fold_report(words)
    save_model(model, args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
