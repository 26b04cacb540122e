"""What post-OCR correction (docpipe/ocr/misreads.py) does to real words: help, harm, untouched.

    python tools/misreads_eval.py OCR_RUN_OUT --part dev|held     # OCR'd receipts vs their truth lines
    python tools/misreads_eval.py --text-layer PDF [PDF ...]       # correct text: every change is harm

OCR_RUN_OUT is a `docpipe run` output over SROIE receipts (tools/offline_parts.py), read with a
word layer BEFORE the correction (version 4), or with the correction's `raw` kept (version 5):
each word's recogniser text is `raw` when present, else `text`. A word counts as right when its
case-folded text is one of the receipt's truth words (SROIE's per-line transcriptions); the
report gives how many words the correction changed, how many of those it made right (helped)
and how many right words it made wrong (harmed). With `--text-layer`, the words of PDF text
layers (read by the product's reader) are corrected as if OCR'd; since they are right by
construction, every change is a false correction.

Development only: nothing in the package imports this.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.devscore import DEVDATA, RECEIPT_SET, receipt_part  # noqa: E402


def _truth_words() -> dict[str, tuple[str, set[str]]]:
    out = {}
    for line in (DEVDATA / RECEIPT_SET / "truth.jsonl").read_text().splitlines():
        rec = json.loads(line)
        words = {w.casefold() for ln in rec.get("lines", []) for w in ln["text"].split()}
        out[rec["file"]] = (receipt_part(rec["company"]), words)
    return out


def receipts(out_dir: Path, part: str, show: int) -> int:
    import pyarrow.dataset as ds

    from docpipe.ocr.misreads import correct_text

    truth = _truth_words()
    table = ds.dataset(out_dir / "pages", format="parquet").to_table(columns=["source_path", "words"])
    counts: Counter[str] = Counter()
    examples: list[str] = []
    for row in table.to_pylist():
        name = Path(row["source_path"]).name
        if name not in truth or truth[name][0] != part:
            continue
        bag = truth[name][1]
        for w in row["words"] or []:
            before = w.get("raw") or w["text"]
            after = correct_text(before, w["confidence"])
            counts["words"] += 1
            right_before, right_after = before.casefold() in bag, after.casefold() in bag
            counts["right_before"] += right_before
            counts["right_after"] += right_after
            if after != before:
                counts["changed"] += 1
                counts["helped"] += right_after and not right_before
                counts["harmed"] += right_before and not right_after
                if len(examples) < show:
                    mark = "+" if right_after and not right_before else "-" if right_before and not right_after else " "
                    examples.append(f"{mark} {before!r} -> {after!r} {w['confidence']:.3f}")
    print("\n".join(examples))
    print(json.dumps(dict(counts)))
    return 0


def text_layers(pdfs: list[Path], show: int) -> int:
    import pymupdf

    from docpipe.ocr.misreads import correct_text
    from docpipe.raster.text_layer import read_text_layer

    counts: Counter[str] = Counter()
    for pdf in pdfs:
        with pymupdf.open(pdf) as doc:
            for page in doc:
                words, _ = read_text_layer(page, page.rect.width, page.rect.height)
                for w in words:
                    counts["words"] += 1
                    after = correct_text(w.text)
                    if after != w.text:
                        counts["changed"] += 1
                        if counts["changed"] <= show:
                            print(f"- {w.text!r} -> {after!r}  ({pdf.name})")
    print(json.dumps(dict(counts)))
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path)
    parser.add_argument("--part", choices=("dev", "held"), default="dev")
    parser.add_argument("--text-layer", nargs="+", type=Path)
    parser.add_argument("--show", type=int, default=80)
    args = parser.parse_args(argv)
    if args.text_layer:
        return text_layers(args.text_layer, args.show)
    return receipts(args.out, args.part, args.show)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
