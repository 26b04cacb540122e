"""Word layers of development documents, built through the product's own stages and cached.

    python tools/devwords.py DATASET_DIR [--variant text|scan] [--cache /tmp/extract-cache]
    python tools/devwords.py DATASET_DIR --from-run OUT [--variant text|scan] [--cache ...]

`text`: every input as `docpipe run` reads it (PDF text layer, or OCR for images) —
`Rasterizer` then `WordLayerStage`. `scan`: each PDF page rendered as a 150-dpi greyscale scan
tilted by a small angle (deterministic per file, 0.4-1.8 degrees either way) and read by the
bundled OCR, so text-layer invoices also measure the scan path.

`--from-run OUT` fills the cache from the `pages` dataset of a `docpipe run` over the dataset's
files (`pages.words` is the word layer the offline engine read, word for word), so the word layer
is computed once, by the product itself.

The cache (default `$DOCPIPE_EXTRACT_CACHE` or /tmp/extract-cache) holds one JSON line per page (a `PageImage` with its words, no image) under
CACHE/words/<dataset>-<variant>/<file>.jsonl; a file already cached is not redone.
Development only: nothing in the package imports this.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import sys
import time
from pathlib import Path

DEFAULT_CACHE = Path(os.environ.get("DOCPIPE_EXTRACT_CACHE", "/tmp/extract-cache"))
SCAN_DPI = 150


def tilt_degrees(name: str) -> float:
    """A small skew in [-1.8, -0.4] ∪ [0.4, 1.8] degrees, fixed by the file name."""
    h = int(hashlib.sha256(name.encode()).hexdigest()[:8], 16)
    magnitude = 0.4 + (h % 1000) / 1000 * 1.4
    return magnitude if (h >> 12) % 2 else -magnitude


def scan_tiff(pdf_path: Path) -> bytes:
    """The PDF as a multi-page greyscale TIFF at SCAN_DPI, each page tilted slightly."""
    import numpy as np
    import pymupdf

    from docpipe.devtools.scan_effects import age_paper, render_gray, rotate_in_place

    rng = np.random.default_rng(int(hashlib.sha256(pdf_path.name.encode()).hexdigest()[:8], 16))
    frames = []
    with pymupdf.open(pdf_path) as doc:
        for page in doc:
            image, _ = render_gray(page, SCAN_DPI)
            image, _ = rotate_in_place(image, tilt_degrees(pdf_path.name), fill=255)
            frames.append(age_paper(image, rng, noise=4.0, specks=60))
    out = io.BytesIO()
    frames[0].save(out, format="TIFF", save_all=True, append_images=frames[1:], dpi=(SCAN_DPI, SCAN_DPI),
                   compression="tiff_lzw")
    return out.getvalue()


def cache_dir(cache: Path, dataset: Path, variant: str) -> Path:
    return cache / "words" / f"{dataset.name}-{variant}"


def build(dataset: Path, variant: str, cache: Path) -> Path:
    from docpipe.discover import discover
    from docpipe.ocr.stage import WordLayerStage
    from docpipe.raster.config import RasterConfig
    from docpipe.raster.rasterizer import Rasterizer

    target = cache_dir(cache, dataset, variant)
    target.mkdir(parents=True, exist_ok=True)
    docs = [d for d in discover([str(dataset)]) if d.error is None]
    todo = [d for d in docs if not (target / f"{Path(d.source_path).name}.jsonl").exists()]
    if not todo:
        return target
    if variant == "scan":
        scans = cache / "scans" / dataset.name
        scans.mkdir(parents=True, exist_ok=True)
        for d in todo:
            tiff = scans / f"{Path(d.source_path).name}.tiff"
            if not tiff.exists():
                tiff.write_bytes(scan_tiff(Path(d.source_path)))
        by_scan = {str(scans / f"{Path(d.source_path).name}.tiff"): d for d in todo}
        todo_inputs = [(s, by_scan[s.source_path]) for s in discover(list(by_scan))]
    else:
        todo_inputs = [(d, d) for d in todo]
    raster = Rasterizer(RasterConfig(dpi=150, isolate=False))
    words = WordLayerStage("rapidocr")
    for n, (source, original) in enumerate(todo_inputs):
        started = time.process_time()
        output = raster([source])[0]
        pages = words(list(zip(output.pages, output.images)))
        lines = [p.model_copy(update={"source_path": original.source_path}).model_dump_json() for p in pages]
        (target / f"{Path(original.source_path).name}.jsonl").write_text("\n".join(lines) + "\n")
        print(f"[{n + 1}/{len(todo_inputs)}] {Path(original.source_path).name}: {len(pages)} pages, "
              f"{time.process_time() - started:.1f} CPU-s", file=sys.stderr, flush=True)
    return target


def from_run(dataset: Path, variant: str, out: Path, cache: Path) -> Path:
    """Cache the word layers of a `docpipe run` (its OUT/pages dataset) as `build` would.

    Pages are matched to the dataset's files by name (a scan `NAME.pdf.tiff` to `NAME.pdf`).
    """
    import pyarrow.dataset as ds

    from docpipe.records import PageImage, Word

    target = cache_dir(cache, dataset, variant)
    target.mkdir(parents=True, exist_ok=True)
    by_file: dict[str, list[PageImage]] = {}
    for row in ds.dataset(out / "pages", format="parquet").to_table().to_pylist():
        name = Path(row["source_path"]).name
        if variant == "scan" and name.endswith(".tiff"):
            name = name[: -len(".tiff")]
        if not (dataset / name).exists():
            continue  # a file of another dataset in the same run
        words = [Word(text=w["text"], bbox=w["bbox"], conf=w["confidence"], line_id=w["line"], block_id=w["block"],
                      raw=w["raw"]) for w in row["words"] or []]
        kind = "pdf" if name.lower().endswith(".pdf") else "tiff" if variant == "scan" else "jpeg"
        by_file.setdefault(name, []).append(PageImage(
            doc_id=row["doc_id"], source_path=str(dataset / name), kind=kind, page_index=row["page_index"],
            page_count=row["page_count"], total_pages=row["page_count"], width_pt=row["width_pt"],
            height_pt=row["height_pt"], image_width=row["image_width"], image_height=row["image_height"],
            words=words, word_source=row["word_source"]))
    for name, pages in by_file.items():
        pages.sort(key=lambda p: p.page_index)
        (target / f"{name}.jsonl").write_text("\n".join(p.model_dump_json() for p in pages) + "\n")
    return target


def load_pages(dataset: Path, variant: str, cache: Path = DEFAULT_CACHE):
    """{file name: [PageImage, ...]} from the cache (build it first)."""
    from docpipe.records import PageImage

    out = {}
    for path in sorted(cache_dir(cache, dataset, variant).glob("*.jsonl")):
        out[path.name[: -len(".jsonl")]] = [PageImage.model_validate_json(line)
                                             for line in path.read_text().splitlines() if line.strip()]
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", nargs="+", type=Path)
    parser.add_argument("--variant", choices=("text", "scan"), default="text")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--from-run", type=Path, help="a docpipe run's OUT folder over the dataset's files")
    args = parser.parse_args(argv)
    for dataset in args.datasets:
        if args.from_run:
            print(from_run(dataset, args.variant, args.from_run, args.cache))
        else:
            print(build(dataset, args.variant, args.cache))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
