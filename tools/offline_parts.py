"""Folders of the offline engine's development and held-out parts, for `docpipe run` + `docpipe eval`.

    python tools/offline_parts.py [--root /tmp/extract2-cache/parts]

Writes, under ROOT, one folder per part holding symbolic links to the devdata files and a
`truth.jsonl` next to it (`ROOT/<part>.truth.jsonl`, field names of the built-in schemas):

- `receipts-dev`, `receipts-held`: SROIE receipts split by merchant (`tools/devscore.py`:
  `receipt_part`, fixed before any tuning);
- `invoices-A`, `invoices-B`: the 17 text-layer invoices in the two folds of `devscore.invoice_fold`;
- `scans-A`, `scans-B`: the same invoices as 150-dpi grey scans tilted 0.4-1.8 degrees
  (`tools/devwords.scan_tiff`), one multi-page TIFF each (`NAME.pdf.tiff`).

Then, per part (the product path, nothing else):

    docpipe run ROOT/receipts-held --schema receipt --engine offline --out OUT
    docpipe eval OUT --truth ROOT/receipts-held.truth.jsonl

Development only: nothing in the package imports this.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.devscore import DEVDATA, INVOICE_SETS, RECEIPT_SET, invoice_fold, receipt_part, receipt_truth  # noqa: E402
from tools.devwords import scan_tiff  # noqa: E402


def _link(folder: Path, target: Path, name: str | None = None) -> None:
    link = folder / (name or target.name)
    if not link.exists():
        link.symlink_to(target)


def _invoice_truth(rec: dict) -> dict:
    """The record's documented keys and invoice schema fields only (`docpipe eval` refuses any other
    key, e.g. a data set's `amount_due`, which the invoice schema does not have)."""
    from docpipe.evaluate.truth import DOCUMENTED_KEYS
    from docpipe.schema_registry import load_schema

    fields = set(load_schema("invoice").model.model_fields)
    return {k: v for k, v in rec.items() if k in DOCUMENTED_KEYS or k in fields}


def build(root: Path) -> list[str]:
    """Make every part folder and truth file under `root`; returns the part names."""
    parts: dict[str, list[dict]] = {}
    for line in (DEVDATA / RECEIPT_SET / "truth.jsonl").read_text().splitlines():
        rec = json.loads(line)
        part = f"receipts-{receipt_part(rec['company'])}"
        (root / part).mkdir(parents=True, exist_ok=True)
        _link(root / part, DEVDATA / RECEIPT_SET / rec["file"])
        parts.setdefault(part, []).append(receipt_truth(rec))
    for dataset in INVOICE_SETS:
        for line in (DEVDATA / dataset / "truth.jsonl").read_text().splitlines():
            rec = json.loads(line)
            fold = invoice_fold(rec["file"])
            pdf = DEVDATA / dataset / rec["file"]
            (root / f"invoices-{fold}").mkdir(parents=True, exist_ok=True)
            _link(root / f"invoices-{fold}", pdf)
            rec = _invoice_truth(rec)
            parts.setdefault(f"invoices-{fold}", []).append(rec)
            scans = root / f"scans-{fold}"
            scans.mkdir(parents=True, exist_ok=True)
            tiff = scans / f"{rec['file']}.tiff"
            if not tiff.exists():
                tiff.write_bytes(scan_tiff(pdf))
            parts.setdefault(f"scans-{fold}", []).append({**rec, "file": tiff.name})
    for part, records in parts.items():
        (root / f"{part}.truth.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return sorted(parts)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/tmp/extract2-cache/parts"))
    args = parser.parse_args(argv)
    for part in build(args.root):
        print(f"{args.root / part}  ({len(list((args.root / part).iterdir()))} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
