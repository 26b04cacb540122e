"""Which words a page gets, and why: the PDF text layer, OCR, or both in different regions.

Under `--ocr auto` (the default), for a page with its rendered image:
1. No ink on the page and no text layer: nothing to read (`blank_page`); no OCR runs. (A text
   layer on a page without ink is checked like any other: text drawn white on white disagrees
   with the pixels and is dropped.)
2. No text layer (an image input, or a PDF page without text): OCR the page (`no_text_layer`).
3. A text layer that is mostly U+FFFD: OCR the page (`text_layer_unusable`).
4. Otherwise verify the text layer against the pixels (ocr/text_layer_check.py). If it disagrees,
   OCR the page (`text_layer_disagrees`).
5. Images whose ink the text layer leaves mostly uncovered (a scan carrying a small native stamp,
   a pasted scan in a native page) are OCR'd; the text-layer words stay, and OCR words that
   overlap them are dropped (`images_without_text`). An image covering most of the page is OCR'd
   as the whole page.
6. Else the text layer is used (`text_layer_verified`, or `text_layer_unchecked` when it has no
   word the OCR engine can check).
`--ocr always` OCRs every page with ink (`ocr_forced`); `--ocr never` keeps the text layer only
(`ocr_disabled`). Boxes are `[x0, y0, x1, y1]` fractions 0-1 of the page as displayed.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from docpipe.ocr.base import OcrEngine
from docpipe.ocr.page_ink import PageInk
from docpipe.ocr.text_layer_check import Verification, verify_text_layer
from docpipe.records import PageImage, Word
from docpipe.word_records import (
    BBox,
    OcrMode,
    TextLayerFacts,
    TextLayerFinding,
    WordRegion,
    WordSourceReason,
    WordSourceRecord,
)
from docpipe.ocr.misreads import correct_words
from docpipe.word_text import normalize_words

PDF_TEXT = "pdf_text"
WHOLE_PAGE: BBox = (0.0, 0.0, 1.0, 1.0)
# A text layer with more U+FFFD than this share of its characters is worse than OCR.
_MAX_UNMAPPED_SHARE = 0.3
# Images smaller than this share of the page are not worth an OCR call (bullets, small logos).
_MIN_REGION_SHARE = 0.02
# An image is "without text" when at least this share of its ink lies outside text-layer words.
_UNCOVERED_SHARE = 0.5
# OCR regions covering this much of the page are read as the whole page (one detector pass).
_WHOLE_PAGE_SHARE = 0.6
# An OCR word is a duplicate of the text layer when this share of its box lies on text-layer words.
_DUPLICATE_OVERLAP = 0.4


@dataclass
class WordChoice:
    words: list[Word]
    record: WordSourceRecord


class WordChooser:
    """Decides a page's words with one OCR engine under one `--ocr` mode. OCR errors propagate."""

    def __init__(self, engine: OcrEngine, mode: OcrMode = "auto") -> None:
        self.engine = engine
        self.mode = mode

    def choose(self, page: PageImage, image: Image.Image, ink: PageInk | None = None) -> WordChoice:
        ink = ink or PageInk(image)
        layer = list(page.words) if page.word_source == PDF_TEXT else []
        facts = page.text_layer
        findings = _findings(layer, facts)
        base = {"ocr_mode": self.mode, "findings": findings, "text_layer_words": len(layer)}
        if self.mode == "never":
            detail = "--ocr never: the text layer is used as it is" if layer else "--ocr never and no text layer"
            return self._text_layer(layer, WordSourceReason.ocr_disabled, detail, base)
        if not ink.has_ink and (not layer or self.mode == "always"):
            return WordChoice([], WordSourceRecord(source="none", reason=WordSourceReason.blank_page,
                                                   detail="the rendered page has no ink; nothing to OCR", **base))
        if self.mode == "always":
            return self._ocr_page(image, ink, WordSourceReason.ocr_forced, "--ocr always: the page was OCR'd", base)
        if not layer:
            return self._ocr_page(image, ink, WordSourceReason.no_text_layer, "the page has no text layer", base)
        if facts is not None and facts.unmapped_share > _MAX_UNMAPPED_SHARE:
            return self._ocr_page(image, ink, WordSourceReason.text_layer_unusable,
                                  f"{facts.unmapped_share:.0%} of the text layer's characters have no Unicode "
                                  "map", base)
        check = verify_text_layer(layer, facts, image, self.engine)
        base.update(sampled=check.sampled, agreed=check.agreed)
        if check.disagrees:
            return self._ocr_page(image, ink, WordSourceReason.text_layer_disagrees,
                                  f"{check.detail}; the page was OCR'd", base)
        regions = _images_without_text(layer, facts, ink)
        if regions:
            return self._ocr_regions(image, layer, regions, check, base)
        reason = WordSourceReason.text_layer_verified if check.sampled else WordSourceReason.text_layer_unchecked
        return self._text_layer(layer, reason, check.detail, base)

    # -- outcomes ------------------------------------------------------------------------------

    def _text_layer(self, layer: list[Word], reason: WordSourceReason, detail: str, base: dict) -> WordChoice:
        regions = [WordRegion(source=PDF_TEXT, bbox=_envelope(layer), word_count=len(layer))] if layer else []
        return WordChoice(layer, WordSourceRecord(source=PDF_TEXT if layer else "none", reason=reason,
                                                  detail=detail, regions=regions, **base))

    def _ocr_page(self, image: Image.Image, ink: PageInk, reason: WordSourceReason, detail: str,
                  base: dict) -> WordChoice:
        words = self._read(image) if ink.has_ink else []  # a page without ink has nothing to read
        name = self.engine.name
        return WordChoice(words, WordSourceRecord(
            source=name if words else "none", reason=reason, detail=detail,
            regions=[WordRegion(source=name, bbox=WHOLE_PAGE, word_count=len(words))], **base))

    def _ocr_regions(self, image: Image.Image, layer: list[Word], regions: list[BBox], check: Verification,
                     base: dict) -> WordChoice:
        name = self.engine.name
        area = sum((r[2] - r[0]) * (r[3] - r[1]) for r in regions)
        if area >= _WHOLE_PAGE_SHARE:
            read = [(WHOLE_PAGE, self._read(image))]
        else:
            read = [(region, self._read_region(image, region)) for region in regions]
        kept: list[tuple[BBox, list[Word]]] = []
        seen = list(layer)
        for region, words in read:  # overlapping images must not give the same words twice
            fresh = _without_duplicates(words, seen)
            kept.append((region, fresh))
            seen += fresh
        found = sum(len(words) for _, words in read)
        added = _renumbered(layer, [words for _, words in kept])
        shown = ", ".join(f"{(r[2] - r[0]) * (r[3] - r[1]):.0%}" for r in regions)
        detail = (f"image(s) covering {shown} of the page have ink the text layer does not cover; OCR'd with "
                  f"{name} ({len(added)} words added, {found - len(added)} already in the text layer); "
                  f"text layer: {check.detail}")
        record_regions = [WordRegion(source=PDF_TEXT, bbox=_envelope(layer), word_count=len(layer))]
        record_regions += [WordRegion(source=name, bbox=region, word_count=len(words)) for region, words in kept]
        return WordChoice(layer + added, WordSourceRecord(
            source=f"{PDF_TEXT}+{name}" if added else PDF_TEXT, reason=WordSourceReason.images_without_text,
            detail=detail, regions=record_regions, **base))

    # -- OCR calls -----------------------------------------------------------------------------

    def _read(self, image: Image.Image) -> list[Word]:
        # The one door for OCR'd words: normalised text, then look-alike misreads corrected
        # (ocr/misreads.py); the recogniser's own text stays in Word.raw.
        return correct_words(normalize_words(self.engine.recognize(image)))

    def _read_region(self, image: Image.Image, region: BBox) -> list[Word]:
        width, height = image.size
        box = (int(region[0] * width), int(region[1] * height),
               max(int(region[0] * width) + 1, int(round(region[2] * width))),
               max(int(region[1] * height) + 1, int(round(region[3] * height))))
        crop = image.crop(box)
        cw, ch = box[2] - box[0], box[3] - box[1]
        out: list[Word] = []
        for word in self._read(crop):
            x0, y0, x1, y1 = word.bbox
            out.append(word.model_copy(update={"bbox": (
                (box[0] + x0 * cw) / width, (box[1] + y0 * ch) / height,
                (box[0] + x1 * cw) / width, (box[1] + y1 * ch) / height)}))
        return out


def _findings(layer: list[Word], facts: TextLayerFacts | None) -> list[TextLayerFinding]:
    if facts is None or not layer:
        return []
    found: list[TextLayerFinding] = []
    if facts.suspect_fonts:
        found.append(TextLayerFinding.suspect_font)
    if facts.invisible_words:
        found.append(TextLayerFinding.invisible_text)
        if any(_inside_any(layer[i].bbox, facts.image_regions) for i in facts.invisible_words if i < len(layer)):
            found.append(TextLayerFinding.invisible_text_over_image)
    if facts.unmapped_share > 0:
        found.append(TextLayerFinding.unmapped_glyphs)
    return found


def _images_without_text(layer: list[Word], facts: TextLayerFacts | None, ink: PageInk) -> list[BBox]:
    """Image regions with visible ink that text-layer words mostly leave uncovered."""
    if facts is None:
        return []
    found: list[BBox] = []
    for region in facts.image_regions:
        if (region[2] - region[0]) * (region[3] - region[1]) < _MIN_REGION_SHARE:
            continue
        if ink.ink_in(region) < ink.min_ink():
            continue
        inside = [w.bbox for w in layer if _overlaps(w.bbox, region)]
        if ink.uncovered_share(region, inside) >= _UNCOVERED_SHARE:
            found.append(region)
    return found


def _without_duplicates(found: list[Word], layer: list[Word]) -> list[Word]:
    """OCR words that do not sit on text-layer words (those read the same ink twice)."""
    out = []
    for word in found:
        area = _area(word.bbox)
        covered = sum(_intersection(word.bbox, other.bbox) for other in layer if _overlaps(word.bbox, other.bbox))
        if area <= 0 or covered / area < _DUPLICATE_OVERLAP:
            out.append(word)
    return out


def _renumbered(layer: list[Word], groups: list[list[Word]]) -> list[Word]:
    """OCR words of each region with line and block ids after those already used, so ids stay unique."""
    next_line = max((w.line_id for w in layer), default=-1) + 1
    next_block = max((w.block_id for w in layer), default=-1) + 1
    out: list[Word] = []
    for words in groups:
        for w in words:
            out.append(w.model_copy(update={"line_id": w.line_id + next_line, "block_id": w.block_id + next_block}))
        next_line = max([next_line - 1, *(w.line_id for w in out)]) + 1
        next_block = max([next_block - 1, *(w.block_id for w in out)]) + 1
    return out


def _envelope(words: list[Word]) -> BBox:
    if not words:
        return WHOLE_PAGE
    return (min(w.bbox[0] for w in words), min(w.bbox[1] for w in words),
            max(w.bbox[2] for w in words), max(w.bbox[3] for w in words))


def _area(b: BBox) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def _intersection(a: BBox, b: BBox) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _overlaps(a: BBox, b: BBox) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _inside_any(box: BBox, regions: list[BBox]) -> bool:
    return any(_intersection(box, r) >= 0.5 * _area(box) > 0 for r in regions)
