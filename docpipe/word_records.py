"""Typed records of where a page's words came from: text-layer facts and the per-page choice.

The raster stage, which has the PDF open, records what it saw in a page's text layer
(`TextLayerFacts`). The word-layer stage, which has the rendered page and the OCR engine, decides
which words to use where and records that decision with its reason (`WordSourceRecord`); the
record reaches `pages.word_source_record` in the output. Boxes follow the project convention:
`[x0, y0, x1, y1]` fractions 0-1 of the page as displayed, origin top-left.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

BBox = tuple[float, float, float, float]

OcrMode = Literal["auto", "always", "never"]
"""`--ocr`: auto decides per page; always OCRs every page; never uses only the text layer."""


class SuspectFont(BaseModel):
    """A font whose ToUnicode map contradicts the font program's own character map."""

    model_config = ConfigDict(frozen=True)

    name: str
    glyphs_checked: int = Field(description="Distinct glyphs of this font on the page that could be checked.")
    glyphs_contradicted: int = Field(description="Glyphs whose ToUnicode text differs from the font's own map.")
    chars: str = Field("", description="Text-layer characters of the contradicted glyphs (at most 32).")
    example: str = Field("", description="One contradiction, e.g. \"glyph 20 is '3' in the font, text says '4'\".")


class TextLayerFacts(BaseModel):
    """What the raster stage found in one PDF page's text layer (None for image inputs).

    `word_font` and `invisible_words` index the text-layer words exactly as the raster stage put
    them on the page record (`PageImage.words` before the word-layer stage replaces them).
    """

    fonts: list[str] = Field(default_factory=list, description="Font names of the page's text, in order of first use.")
    word_font: list[int] = Field(default_factory=list,
                                 description="Per text-layer word: index into `fonts`, -1 when unknown.")
    invisible_words: list[int] = Field(default_factory=list,
                                       description="Words drawn invisibly (render mode 3 or 7, or fully transparent).")
    turned_words: list[tuple[int, int]] = Field(
        default_factory=list,
        description="(word index, clockwise turn in degrees 90/180/270 that makes it read left to right) "
                    "for words that do not run left to right on the page as displayed.")
    suspect_fonts: list[SuspectFont] = Field(default_factory=list)
    unmapped_share: float = Field(0.0, description="Share of text-layer characters that are U+FFFD (no Unicode map).")
    image_regions: list[BBox] = Field(default_factory=list,
                                      description="Where images are drawn on the page, largest first (at most 16).")
    image_share: float = Field(0.0, description="Share of the page area covered by images, 0-1.")


class WordSourceReason(str, Enum):
    """Why a page's words are what they are. Stable: analysts group by these."""

    text_layer_verified = "text_layer_verified"  # OCR of a sample of its word boxes read the same text
    text_layer_unchecked = "text_layer_unchecked"  # too few words the OCR engine can check; used as is
    text_layer_disagrees = "text_layer_disagrees"  # sampled words read differently on the pixels: page OCR'd
    text_layer_unusable = "text_layer_unusable"  # mostly glyphs without a Unicode map: page OCR'd
    images_without_text = "images_without_text"  # images with ink the text layer does not cover: OCR'd there
    no_text_layer = "no_text_layer"  # an image input, or a PDF page without text: page OCR'd
    ocr_forced = "ocr_forced"  # --ocr always
    ocr_disabled = "ocr_disabled"  # --ocr never
    blank_page = "blank_page"  # no ink on the page: nothing to read
    ocr_failed = "ocr_failed"  # the OCR engine failed on the page (its error says how); text layer kept if any


class TextLayerFinding(str, Enum):
    """Facts about a text layer that made the word-layer stage look harder."""

    suspect_font = "suspect_font"
    invisible_text = "invisible_text"
    invisible_text_over_image = "invisible_text_over_image"
    unmapped_glyphs = "unmapped_glyphs"


class WordRegion(BaseModel):
    """A part of the page and the source whose words were used there."""

    model_config = ConfigDict(frozen=True)

    source: str = Field(description="pdf_text | rapidocr | tesseract.")
    bbox: BBox
    word_count: int


class WordSourceRecord(BaseModel):
    """The per-page decision: which words were used where, and why."""

    source: str = Field(description="What was used: pdf_text, rapidocr, tesseract, pdf_text+<ocr engine> "
                                    "(text layer plus OCR of images), or none.")
    reason: WordSourceReason
    detail: str = Field("", description="The decision in one sentence, with its figures.")
    ocr_mode: str = Field("auto", description="--ocr setting the decision was made under.")
    regions: list[WordRegion] = Field(default_factory=list)
    findings: list[TextLayerFinding] = Field(default_factory=list)
    text_layer_words: int = Field(0, description="Words the PDF text layer had on this page.")
    sampled: int = Field(0, description="Text-layer words OCR'd to verify the text layer.")
    agreed: int = Field(0, description="Sampled words whose OCR reading matched the text layer.")
