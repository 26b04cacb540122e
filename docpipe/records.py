"""Typed records that cross stage boundaries.

Every stage takes a list of one of these and returns exactly one record per input, matched by
id. The executor moves them between Ray workers as JSON payloads (plus raw image bytes), so
nothing here may depend on Ray or on a particular engine.
"""

from __future__ import annotations

from enum import Enum
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from docpipe.word_records import TextLayerFacts, WordSourceRecord

BBox = tuple[float, float, float, float]
"""[x0, y0, x1, y1] in fractions 0-1 of the displayed page (after rotation), origin top-left."""


class Status(str, Enum):
    ok = "ok"
    partial = "partial"
    failed = "failed"
    skipped = "skipped"


class ErrorCategory(str, Enum):
    """Stable categories: analysts group by these, so never rename a member."""

    not_found = "not_found"
    vanished = "vanished"  # file disappeared or changed while the run was going
    empty_file = "empty_file"
    unsupported_format = "unsupported_format"
    corrupt = "corrupt"
    encrypted = "encrypted"
    no_pages = "no_pages"
    too_large = "too_large"
    too_many_pages = "too_many_pages"
    timeout = "timeout"
    crash = "crash"
    render = "render"
    ocr = "ocr"
    engine = "engine"
    token_budget = "token_budget"  # generation hit max_new_tokens before the JSON closed
    invalid_output = "invalid_output"  # not parseable / not valid against the schema after repair
    not_supported = "not_supported"  # e.g. chart QA asked of the offline OCR engine
    ungrounded = "ungrounded"  # values the page does not support
    duplicate = "duplicate"  # same bytes as another input of the run; processed once
    missing_field = "missing_field"  # a field the schema requires for a usable result was not found
    inconsistent = "inconsistent"  # values break a consistency rule of the schema (e.g. subtotal + tax = total)
    no_text = "no_text"  # the page has visible ink but no words could be read from it
    unreadable_chart = "unreadable_chart"  # a chart region was found but its data could not be read
    unsupported_question = "unsupported_question"  # a chart question outside the kinds the answerer handles
    low_confidence = "low_confidence"  # a chart answer whose values were not read reliably enough to give it
    internal = "internal"


class ErrorInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    category: ErrorCategory
    message: str
    stage: str | None = None

    def __str__(self) -> str:
        return f"{self.category.value}: {self.message}"


class DocKind(str, Enum):
    pdf = "pdf"
    png = "png"
    jpeg = "jpeg"
    tiff = "tiff"
    webp = "webp"
    bmp = "bmp"
    gif = "gif"
    unknown = "unknown"


class SourceDoc(BaseModel):
    """One input: its URI (or absolute local path) as listed, and once read, doc_id = sha256 of its bytes.

    The driver lists inputs without reading them (doc_id "", kind unknown); the worker that reads
    the bytes fills doc_id and kind (discover.identify).
    """

    doc_id: str = ""
    source_path: str  # absolute local path, or a URI such as s3://bucket/key
    kind: DocKind = DocKind.unknown
    size_bytes: int
    mtime_ns: int = 0
    source_version: str = ""  # size + mtime or ETag as listed: unchanged inputs are skipped unread
    error: ErrorInfo | None = None  # set when discovery already knows it cannot be processed


class Word(BaseModel):
    text: str  # normalised where the word entered docpipe (docpipe/word_text.py): NFKC, no soft hyphens
    bbox: BBox
    conf: float = 1.0
    line_id: int = 0  # words sharing line_id were read as one line by the word source
    block_id: int = 0
    raw: str | None = None  # the text exactly as the source gave it, when normalisation changed it


WordSource = Literal["pdf_text", "rapidocr", "tesseract"]


class PathSegment(BaseModel):
    """One drawing command of a path: its points as x, y pairs in page fractions (origin top-left).

    line: 2 points (start, end); curve: 4 (start, control 1, control 2, end: a cubic Bézier);
    rect: 2 (top-left, bottom-right corners); quad: 4 (corners in drawing order).
    """

    op: Literal["line", "curve", "rect", "quad"]
    points: list[float] = Field(description="x0, y0, x1, y1, ... fractions 0-1 of the displayed page.")


class DrawingPath(BaseModel):
    """One painted path of a PDF page (PyMuPDF `Page.get_drawings`): its commands, paint and colours.

    Coordinates are fractions of the displayed page (after /Rotate), origin top-left, as MuPDF
    reports them (single-precision floats: about 1e-7 of the page's size).
    """

    paint: Literal["fill", "stroke", "fill_stroke"]
    fill: str | None = Field(None, description="Fill colour #rrggbb, null when the path is not filled.")
    stroke: str | None = Field(None, description="Stroke colour #rrggbb, null when the path is not stroked.")
    fill_opacity: float | None = None
    width: float | None = Field(None, description="Stroke width in points.")
    closed: bool = False
    bbox: BBox = Field(description="Box of the path: [x0, y0, x1, y1], fractions of the displayed page.")
    segments: list[PathSegment] = Field(default_factory=list)


class PageDrawings(BaseModel):
    """The vector graphics of a PDF page, for the chart readers; in painting order."""

    paths: list[DrawingPath] = Field(default_factory=list)
    images: list[BBox] = Field(default_factory=list, description="Boxes of the raster images placed on the "
                                                                 "page (fractions of the displayed page).")
    truncated: bool = Field(False, description="The page had more drawing commands than are carried; "
                                               "paths past the cap were left out.")


class PageImage(BaseModel):
    """A rasterized page. The encoded image travels beside this record, not inside it."""

    doc_id: str
    source_path: str
    kind: DocKind
    page_index: int
    page_count: int  # pages that will be emitted for this document
    total_pages: int  # pages the document has (may exceed page_count under --max-pages)
    width_pt: float
    height_pt: float
    image_width: int = 0
    image_height: int = 0
    rotation: int = 0  # degrees the source asked for (PDF /Rotate, EXIF), already applied
    words: list[Word] = Field(default_factory=list)
    # pdf_text, an OCR engine's name, or pdf_text+<engine> when images were OCR'd beside the text layer.
    word_source: str | None = None
    # What the raster stage saw in a PDF text layer; the word-layer stage decides from it.
    text_layer: TextLayerFacts | None = None
    # The word-layer stage's decision (None until that stage ran on the page).
    word_record: WordSourceRecord | None = None
    # The page's vector graphics (PDF pages, only when a task reads charts); None: not extracted.
    drawings: PageDrawings | None = None
    status: Status = Status.ok
    error: ErrorInfo | None = None
    doc_error: ErrorInfo | None = None  # document-level condition (e.g. truncated to max_pages)

    @property
    def key(self) -> str:
        return f"{self.doc_id}:{self.page_index}"


BBOX_DESCRIPTION = ("[x0, y0, x1, y1] in fractions 0-1 of the displayed page (after /Rotate or EXIF rotation), "
                    "origin top-left, x to the right, y down")

_PATH = re.compile(r"^([A-Za-z_]\w*)(?:\[(\d+)\])?(?:\.(\w+))?")


class FieldGrounding(BaseModel):
    """Where on which page a value was found, and whether the page's words support it."""

    field: str = Field(description="Path of the value: 'total', 'line_items[2].amount', 'answers[0]'.")
    field_name: str = Field("", description="Top-level field of the path ('line_items'), for joins without "
                                            "string parsing.")
    row_index: int | None = Field(None, description="Row of a table field (2 in 'line_items[2].amount'); null "
                                                    "for scalar fields.")
    column: str | None = Field(None, description="Column of a table row ('amount'); null for scalar fields.")
    value: str | None = Field(None, description="The value as text (amounts as plain decimals, dates ISO).")
    page_index: int | None = Field(None, description="0-based page the value is on; null when not found.")
    bbox: BBox | None = Field(None, description=BBOX_DESCRIPTION + "; null when the value is not on the page.")
    text: str | None = Field(None, description="The page words the value matched.")
    score: float = Field(0.0, description="How closely the matched words spell the value (0-1); not a "
                                          "probability that the value is right.")
    grounded: bool = Field(False, description="True when the page's words support the value (it is printed "
                                              "there), checked by the value's kind.")
    source: Literal["vlm_box", "words", "both", "chart_marks"] | None = Field(
        None, description="Where the box comes from: the model's box (unverified), the matched words, both "
                          "agreeing, or the chart marks (bars, points, sectors) an answer was computed from.")
    confidence: float | None = Field(
        None, ge=0.0, le=1.0, description="Probability (0-1) that the value is the right one for the field, "
                                          "calibrated on development documents the estimator was not fitted "
                                          "on; null when the engine gives none. `grounded` says the value is "
                                          "printed on the page; `confidence` says it is the right value.")

    @model_validator(mode="before")
    @classmethod
    def _location_from_path(cls, data: Any) -> Any:
        """field_name / row_index / column are always derived from `field`, never set apart from it."""
        if isinstance(data, dict) and isinstance(data.get("field"), str):
            match = _PATH.match(data["field"])
            if match:
                name, row, column = match.groups()
                data = {**data, "field_name": name, "row_index": int(row) if row is not None else None,
                        "column": column}
        return data

    def located(self) -> FieldGrounding:
        """This grounding with field_name / row_index / column derived from `field`: itself when they
        already are (the common case: no copy), else a re-derived copy."""
        match = _PATH.match(self.field)
        if match is None:
            return self
        name, row, column = match.groups()
        if (self.field_name, self.row_index, self.column) == (name, int(row) if row is not None else None, column):
            return self
        return self.with_field(self.field)

    def with_field(self, path: str) -> FieldGrounding:
        """This grounding under another path (re-indexed rows), its location columns re-derived."""
        return FieldGrounding.model_validate({**self.model_dump(), "field": path})


class ChartAnswer(BaseModel):
    """One question asked of a document, answered or not (then `error` says why)."""

    question: str = Field(description="The question as asked.")
    answer: str | None = Field(None, description="The answer as text (a number, a label, Yes/No, a trend).")
    value: float | None = Field(None, description="The answer as a number, when it is one.")
    unit: str | None = Field(None, description="Unit of the value (e.g. %, USD), when the chart prints one.")
    page_index: int | None = Field(None, description="0-based page of the chart the answer came from.")
    chart_index: int | None = Field(None, description="0-based index of that chart on its page.")
    bbox: BBox | None = Field(None, description="Box around the marks the answer was computed from: "
                                                "[x0, y0, x1, y1], fractions of the displayed page, origin top-left.")
    mark_boxes: list[BBox] = Field(default_factory=list, description="Box of each mark (bar, point, sector) "
                                                                      "the answer used, same convention.")
    grounded: bool = Field(False, description="Every value the answer used was located on the page.")
    confidence: float | None = Field(None, description="Probability that the answer is right (0-1), from "
                                                       "the confidences of the values it used.")
    error: ErrorInfo | None = Field(None, description="Why there is no answer (unsupported_question, "
                                                      "unreadable_chart, not_found...).")
    table_agrees: bool | None = Field(None, description="VLM answers: whether the answer computed from the "
                                                        "model's own data table matches the model's answer "
                                                        "(null: not computable, or not a model answer).")


# Placed here, after the records docpipe.charts.model needs (BBox, ErrorInfo) and before the one
# that holds charts: docpipe/charts/__init__.py imports this module first, so the order holds
# whichever of the two is imported first.
from docpipe.charts.model import ChartData  # noqa: E402


class TaskOutcome(BaseModel):
    """What one task produced for one page."""

    task: str
    status: Status
    error: ErrorInfo | None = None
    output_json: str | None = None  # the validated output model, as JSON
    raw_output: str | None = None  # model text exactly as generated (kept for failures)
    repaired: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0


class PageResult(BaseModel):
    doc_id: str
    source_path: str
    page_index: int
    page_count: int
    total_pages: int
    width_pt: float
    height_pt: float
    image_width: int = 0
    image_height: int = 0
    status: Status
    error: ErrorInfo | None = None
    doc_error: ErrorInfo | None = None
    extraction_json: str | None = None  # the schema model for this page, as JSON
    ocr_text: str | None = None
    chart_json: str | None = None
    answers: list[ChartAnswer] = Field(default_factory=list)
    charts: list[ChartData] = Field(default_factory=list)  # charts found and read on the page
    grounding: list[FieldGrounding] = Field(default_factory=list)
    tasks: list[TaskOutcome] = Field(default_factory=list)
    word_count: int = 0
    word_source: str | None = None
    words: list[Word] = Field(default_factory=list)  # the page's word layer in reading order
    word_record: WordSourceRecord | None = None
    engine: str = ""
    latency_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    # The word layer already as its `pages.words` Arrow value (a one-element list array, built by
    # output.rows.page_words_array where the page was processed); `words` is then empty, so the
    # driver of a run holds no Python object per word. Not serialised: set on the receiving side.
    _words_arrow: Any = PrivateAttr(default=None)

    @property
    def key(self) -> str:
        return f"{self.doc_id}:{self.page_index}"
