"""Print a cached page's rows and segments as the offline engine sees them (development only).

    python tools/devshow.py DATASET FILE [--variant text|scan] [--page N] [--rows A:B]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.devwords import load_pages  # noqa: E402


def main(argv: list[str]) -> int:
    from docpipe.grounding.layout import PageLayout

    parser = argparse.ArgumentParser()
    parser.add_argument("dataset", type=Path)
    parser.add_argument("file")
    parser.add_argument("--variant", default="text")
    parser.add_argument("--page", type=int, default=None)
    parser.add_argument("--rows", default=None)
    args = parser.parse_args(argv)
    pages = load_pages(args.dataset, args.variant)[args.file]
    for page in pages:
        if args.page is not None and page.page_index != args.page:
            continue
        layout = PageLayout(page.words)
        print(f"--- page {page.page_index} ({page.word_source}, {len(page.words)} words, "
              f"line height {layout.line_height:.4f})")
        lo, hi = (int(x) for x in args.rows.split(":")) if args.rows else (0, len(layout.rows))
        for r in range(lo, min(hi, len(layout.rows))):
            y = layout.tokens[layout.rows[r][0]].y0
            segs = " ‖ ".join(layout.segment_text(s) for s in layout.row_segments[r])
            print(f"{r:3d} y={y:.3f} x={layout.tokens[layout.rows[r][0]].x0:.2f} | {segs}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
