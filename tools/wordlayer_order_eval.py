"""Reading order of the word layer on DocBank pages, through the product's own code path.

Each DocBank page (tools/reading_order_eval.py explains the reading-order truth) is read two ways,
both exactly as `docpipe run` reads a page: the raster stage (docpipe.raster.Rasterizer, in
process), then the word-layer stage (docpipe.ocr.stage.WordLayerStage, rapidocr, one thread,
`--ocr auto`), then the page result's `words` and `ocr_text` (docpipe.ocr.page_text, as
docpipe.processing.page_result writes them to `OUT/pages`):

  ocr:  the page image (JPEG) as input: no text layer, so the page is OCR'd;
  pdf:  a native PDF rebuilt from the page's true words: each word drawn in DejaVu Serif inside
        its true box, in DocBank's order (rows across the whole page, as a PDF's content stream
        often is). The raster stage reads its text layer, the word-layer stage verifies it
        against the pixels (OCR of a sample of words) and, when verified, keeps it.

Scored with docpipe.evaluate.text against the true reading order: CER and word-F1 of the words
of `pages.words` joined by spaces, and CER of `ocr_text` (hyphenation joined). Also reported:
the word-source reasons (verification of the text layers) and the word-layer stage's CPU
seconds per page. Split: tools/_devdata.split_of (sha256 of the file name, even = dev), the
split reading_order_eval.py fixed. Word layers are cached under $DOCPIPE_DEV_CACHE/wordlayer/
keyed by WORD_LAYER_VERSION and the mode.

    .venv/bin/python tools/wordlayer_order_eval.py [--mode ocr|pdf|both] [--split dev|heldout|all] [--worst 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _devdata import CACHE, DEVDATA, read_jsonl, split_of  # noqa: E402
from reading_order_eval import gutter, truth_reading_text  # noqa: E402

from docpipe.evaluate.text import cer, word_f1  # noqa: E402

DATA = DEVDATA / "ocr_docbank"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
PAGE_WIDTH_PT = 612.0


def native_pdf(page: dict, size: tuple[int, int]) -> bytes:
    """A one-page PDF with the page's true words drawn in their boxes, in DocBank's order."""
    import pymupdf

    width = PAGE_WIDTH_PT
    height = width * size[1] / size[0]
    scale = float(page.get("box_scale", 1000))
    doc = pymupdf.open()
    pdf_page = doc.new_page(width=width, height=height)
    font = pymupdf.Font(fontfile=str(FONT)) if FONT.is_file() else pymupdf.Font("tiro")
    writer = pymupdf.TextWriter(pdf_page.rect)
    for w in page["words"]:
        x0, y0, x1, y1 = (v / scale for v in w["bbox"])
        x0, x1, y0, y1 = x0 * width, x1 * width, y0 * height, y1 * height
        box_h = max(y1 - y0, 1.0)
        size_h = box_h / (font.ascender - font.descender)
        length = font.text_length(w["text"], fontsize=1.0)
        size_pt = min(size_h, (x1 - x0) / length) if length > 0 else size_h
        size_pt = max(size_pt, 1.0)
        baseline = y1 - (box_h - size_pt * (font.ascender - font.descender)) / 2 + size_pt * font.descender
        writer.append((x0, baseline), w["text"], font=font, fontsize=size_pt)
    writer.write_text(pdf_page)
    data = doc.tobytes()
    doc.close()
    return data


class Product:
    """The raster and word-layer stages as `docpipe run` builds them (in process, one thread)."""

    def __init__(self) -> None:
        from docpipe.ocr.rapid import RapidOcrConfig
        from docpipe.ocr.stage import WordLayerStage
        from docpipe.raster.config import RasterConfig
        from docpipe.raster.rasterizer import Rasterizer

        self.rasterizer = Rasterizer(RasterConfig(isolate=False))
        self.stage = WordLayerStage(engine="rapidocr", rapid=RapidOcrConfig(threads=1), mode="auto")

    def read(self, path: Path) -> dict:
        from docpipe.discover import discover
        from docpipe.ocr.page_text import ordered_words, page_text

        (doc,) = discover([str(path)])
        (out,) = self.rasterizer([doc])
        page, data = out.pages[0], out.images[0]
        started = time.process_time()
        (page,) = self.stage([(page, data)])
        cpu = time.process_time() - started
        size = (page.width_pt, page.height_pt) if page.width_pt > 0 and page.height_pt > 0 else None
        words = ordered_words(page.words, size) if page.words else []
        return {
            "cpu_s": cpu,
            "reason": page.word_record.reason.value if page.word_record else None,
            "source": page.word_source,
            "detail": page.word_record.detail if page.word_record else None,
            "words": [{"text": w.text, "bbox": list(w.bbox), "line": w.line_id, "block": w.block_id} for w in words],
            "ocr_text": page_text(words, size) if words else "",
        }


def word_layer(product_box: list, page: dict, mode: str) -> dict:
    from docpipe.ocr import WORD_LAYER_VERSION

    path = CACHE / "wordlayer" / f"v{WORD_LAYER_VERSION}-{mode}" / f"{page['file']}.json"
    if path.is_file():
        return json.loads(path.read_text())
    if not product_box:
        product_box.append(Product())
    product = product_box[0]
    if mode == "ocr":
        result = product.read(DATA / page["file"])
    else:
        from PIL import Image

        with Image.open(DATA / page["file"]) as im:
            size = im.size
        with tempfile.TemporaryDirectory() as tmp:
            pdf = Path(tmp) / (Path(page["file"]).stem + ".pdf")
            pdf.write_bytes(native_pdf(page, size))
            result = product.read(pdf)
    print(f"  {mode} {page['file'][:44]}: {result['reason']}, {len(result['words'])} words, "
          f"{result['cpu_s']:.2f} CPU-s", file=sys.stderr)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result))
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["ocr", "pdf", "both"], default="both")
    parser.add_argument("--split", choices=["dev", "heldout", "all"], default="all")
    parser.add_argument("--split-rotation", type=int, default=0)
    parser.add_argument("--worst", type=int, default=5)
    args = parser.parse_args()
    pages = read_jsonl(DATA / "truth.jsonl")
    product_box: list = []
    print(f"machine: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    for mode in (["ocr", "pdf"] if args.mode == "both" else [args.mode]):
        rows = []
        for page in pages:
            split = split_of(page["file"], args.split_rotation)
            if args.split not in ("all", split):
                continue
            result = word_layer(product_box, page, mode)
            truth = truth_reading_text(page)
            text = " ".join(w["text"] for w in result["words"])
            rows.append({"split": split, "layout": "2col" if gutter(page) is not None else "1col",
                         "file": page["file"], "cer": cer(text, truth), "f1": word_f1(text, truth),
                         "cer_text": cer(result["ocr_text"], truth), "cpu": result["cpu_s"],
                         "reason": result["reason"]})
        for split in ("dev", "heldout"):
            for layout in ("2col", "1col", "all"):
                part = [r for r in rows if r["split"] == split and layout in (r["layout"], "all")]
                if not part:
                    continue
                reasons: dict[str, int] = {}
                for r in part:
                    reasons[r["reason"]] = reasons.get(r["reason"], 0) + 1
                print(f"{mode:3s} {split:7s} {layout} pages={len(part):2d} "
                      f"mean CER={statistics.mean(r['cer'] for r in part):.3f} "
                      f"median={statistics.median(r['cer'] for r in part):.3f} "
                      f"word-F1={statistics.mean(r['f1'] for r in part):.3f} "
                      f"ocr_text CER={statistics.mean(r['cer_text'] for r in part):.3f} "
                      f"CPU-s/page={statistics.mean(r['cpu'] for r in part):.2f} {reasons}")
            part = [r for r in rows if r["split"] == split == "dev"]  # held-out pages are not inspected
            for r in sorted(part, key=lambda r: -r["cer"])[: args.worst]:
                print(f"      CER {r['cer']:.3f} F1 {r['f1']:.3f} {r['layout']} {r['file']}")


if __name__ == "__main__":
    main()
