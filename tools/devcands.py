"""Print the candidates and the choice of one field on a cached page (development only).

    python tools/devcands.py DATASET FILE FIELD [--schema invoice|receipt] [--variant text|scan] [--page N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.devwords import load_pages  # noqa: E402


def main(argv: list[str]) -> int:
    from docpipe.offline.extract import OfflineExtractor
    from schemas.invoice import Invoice
    from schemas.receipt import Receipt

    parser = argparse.ArgumentParser()
    parser.add_argument("dataset", type=Path)
    parser.add_argument("file")
    parser.add_argument("field")
    parser.add_argument("--schema", default="receipt")
    parser.add_argument("--variant", default="text")
    parser.add_argument("--page", type=int, default=None)
    args = parser.parse_args(argv)
    schema = Receipt if args.schema == "receipt" else Invoice
    extractor = OfflineExtractor(schema)
    for page in load_pages(args.dataset, args.variant)[args.file]:
        if args.page is not None and page.page_index != args.page:
            continue
        result = extractor.extract_page(page.words, page.page_index)
        print(f"--- page {page.page_index}: chosen {getattr(result.extraction, args.field, None)!r}")
        g = next((g for g in result.groundings if g.field == args.field), None)
        if g is not None:
            print(f"    grounding: grounded={g.grounded} score={g.score} confidence={g.confidence} text={g.text!r}")
        print(f"    choice features: {result.choice_features.get(args.field)}")
        for c in sorted(result.candidates.get(args.field, []), key=lambda c: -c.score)[:15]:
            feats = {k: v for k, v in c.features.items() if v}
            print(f"  {c.score:.3f} {c.generator:13s} {c.value_text()!r:30.30} {c.text!r:30.30} {feats}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
