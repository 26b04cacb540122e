"""Word layer from rapidocr (PP-OCR ONNX models shipped inside the rapidocr wheel, onnxruntime).

We drive rapidocr's three models (text detection, line orientation, recognition) ourselves
instead of calling `RapidOCR.__call__`, because the one-shot call
* hides the per-line orientation decision, which we need to place word boxes on lines read
  upside down, and feeds whole lines to the orientation classifier, which then flips upright
  lines (see orientation.py);
* gives per-word confidences that are off by one level (it pairs words with per-character
  confidences, rapidocr 3.10), so we average the characters of each word ourselves;
* scales every page to one longest side for detection, which loses the text of long narrow
  pages, and pads recognition batches to 320 pixels, which wastes a third of the work on
  documents' short lines.

A page's way through `recognize`: detection on the page's content area at a fixed pixel budget,
tiled when the page is long (tiling.py); turned 90 degrees when most lines run vertically; line
crops (long lines in pieces); the orientation classifier on a sample of lines, and an upside-down
page turned and detected again, so that a turned scan is read from the same pixels as an upright
one; recognition in batches of equal width with the output layer cut to European scripts
(line_reader.py, charset.py); lines that read badly re-read the other way up; lines that may
hold word gaps the recogniser emitted no space for (wide or condensed type) re-read with their
blank columns widened, for its spaces only (word_gaps.py); word boxes from character positions,
tightened to the ink (ink.py); reading order (reading_order.py).

Model files are passed by explicit path, so rapidocr never reaches its download code: the engine
loads and runs with no network at all.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

from docpipe.ocr.base import OcrUnavailable, default_threads
from docpipe.ocr.charset import HeadNotFound, Scripts, pruned_recogniser
from docpipe.ocr.geometry import points_to_bbox, rotate_image, rotate_points
from docpipe.ocr.ink import ink_mask, tighten_span
from docpipe.ocr.line_reader import read_crops
from docpipe.ocr.reading_order import order_words
from docpipe.ocr.word_gaps import added_spaces, ink_columns, ink_gaps, suspect_line, widen_gaps
from docpipe.ocr.tiling import TileBox, content_box, cut_by_edge, detection_scale, merge_tiles, windows
from docpipe.ocr.orientation import (
    clear_page_orientation,
    line_reversed,
    mostly_upside_down,
    mostly_vertical,
    orientation_sample,
    upside_down_probabilities,
)
from docpipe.records import Word, WordSource

log = logging.getLogger(__name__)

# Lines longer than this many times their height are read in pieces (see _split_long_lines).
MAX_LINE_ASPECT = 40.0
# Lines read with a lower confidence are also read the other way up (text read upside down
# scores below this for 94% of lines on our scans, text read upright for 3%).
RECHECK_SCORE = 0.85
# rapidocr splits a word where recognised characters are more than this many CTC columns apart;
# we keep such a split only where the gap is also more than _WORD_GAP_PITCHES times the line's
# median distance between characters read without a space between them (see word_spans).
_MAX_CHAR_GAP_COLS = 5
_WORD_GAP_PITCHES = 1.8


class RapidOcrConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # onnxruntime intra-op threads; None: the CPUs this process may use, at most 4.
    threads: int | None = Field(default=None, ge=1)
    # The text detector sees an A4 page scaled to this long side (text 10 px high still detects
    # at 1280; larger costs detector time for nothing on 150-300 dpi scans); other shapes get the
    # same pixel budget, long pages are tiled (see tiling.py).
    det_max_side: int = Field(default=1280, ge=320)
    # ... but the detector never sees a page's short side below this many pixels, so text on a
    # long narrow page (a till roll) keeps its size.
    det_min_short_side: int = Field(default=640, ge=64)
    # Pages whose short side is longer than this, or with more pixels than work_max_pixels, are
    # downscaled first; line crops are cut from this image.
    work_short_side: int = Field(default=2400, ge=320)
    work_max_pixels: int = Field(default=60_000_000, ge=1_000_000)
    # Lines recognised with lower confidence are dropped (rapidocr's own default).
    text_score: float = Field(default=0.5, ge=0.0, le=1.0)
    # Classifier confidence needed to read one line the other way up from the rest of the page.
    cls_thresh: float = Field(default=0.9, ge=0.0, le=1.0)
    # Detect pages turned by 90/180/270 degrees.
    detect_rotation: bool = True
    # Folder with *_det*, *_cls*, *_rec* .onnx files; None: the models inside the rapidocr wheel.
    model_dir: str | None = None
    # Characters the recogniser may output: "european" (Latin, Greek and Cyrillic scripts,
    # digits, punctuation, symbols; see charset.py) or "all" (the model's whole dictionary,
    # including CJK). "european" is cheaper and never reads a Latin glyph as a CJK one.
    scripts: Scripts = "european"


def bundled_model_paths(model_dir: str | Path | None = None) -> dict[str, Path]:
    """The det/cls/rec ONNX files: those shipped inside the rapidocr wheel unless a folder is given."""
    if model_dir is None:
        try:
            import rapidocr
        except ImportError as exc:
            raise OcrUnavailable("rapidocr is not installed (pip install rapidocr onnxruntime)") from exc
        folder = Path(rapidocr.__file__).resolve().parent / "models"
    else:
        folder = Path(model_dir)
    found: dict[str, Path] = {}
    for task in ("det", "cls", "rec"):
        matches = sorted(p for p in folder.glob("*.onnx") if f"_{task}" in p.stem.lower())
        if len(matches) != 1:
            raise OcrUnavailable(
                f"expected exactly one *_{task}*.onnx model in {folder}, found {[m.name for m in matches]}"
            )
        found[task] = matches[0]
    return found


@dataclass
class _Line:
    quad: np.ndarray  # 4x2 in the working frame, p0 -> p1 runs in reading direction
    words: list[tuple[str, float, np.ndarray]]  # text, confidence, 4x2 quad in the working frame


class RapidOcrEngine:
    """Loads the three models once; `recognize` reads one page image."""

    name: WordSource = "rapidocr"

    def __init__(self, config: RapidOcrConfig | None = None) -> None:
        self.config = config or RapidOcrConfig()
        try:
            from rapidocr import RapidOCR
        except ImportError as exc:
            raise OcrUnavailable("rapidocr is not installed (pip install rapidocr onnxruntime)") from exc
        paths = bundled_model_paths(self.config.model_dir)
        threads = self.config.threads or default_threads()
        params: dict[str, Any] = {
            "Global.log_level": "warning",
            "Det.model_path": str(paths["det"]),
            "Cls.model_path": str(paths["cls"]),
            "Rec.model_path": str(paths["rec"]),
            # Pages and tiles come to the detector already scaled (see _detect); "max" at twice
            # det_max_side leaves them as they are. rapidocr's default ("min", 736) would run the
            # detector at full resolution on every A4 scan, several times slower on 2 cores.
            "Det.limit_type": "max",
            "Det.limit_side_len": 2 * self.config.det_max_side,
            "Cls.cls_thresh": self.config.cls_thresh,
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
        try:
            engine = RapidOCR(params=params)
            # rapidocr loads its models lazily; load them now so a broken install fails here.
            self._det = engine._load_det_model()
            self._cls = engine._load_cls_model()
            self._rec = engine._load_rec_model()
            for component, task in ((self._det, "det"), (self._cls, "cls")):
                _use_polite_session(component, paths[task], threads)
            _use_polite_session(self._rec, paths["rec"], threads, *_restricted(paths["rec"], self.config.scripts))
        except Exception as exc:
            raise OcrUnavailable(f"rapidocr models failed to load: {exc}") from exc
        self._rec_height = int(self._rec.rec_image_shape[1])

    # -- public ---------------------------------------------------------------------------

    def recognize_crops(self, images: list[np.ndarray]) -> list[tuple[str, float]]:
        """Text and confidence (0-1) of each image read as one text line; no detection.

        `images`: HxWx3 BGR or HxW grey uint8 arrays, each holding one line or word upright (for
        example a PDF word box cut from the rendered page). Batched by width; the output keeps
        the input's order. An empty or blank image reads as ("", 0.0).
        """
        crops = [_as_bgr(im) for im in images]
        keep = [i for i, c in enumerate(crops) if c.size and c.shape[0] >= 2 and c.shape[1] >= 2]
        reads = self._read_lines([crops[i] for i in keep])
        out: list[tuple[str, float]] = [("", 0.0)] * len(images)
        for i, (text, score, _info) in zip(keep, reads, strict=True):
            out[i] = (text.strip(), round(min(1.0, max(0.0, score)), 5) if text.strip() else 0.0)
        return out

    def recognize(self, image: Image.Image) -> list[Word]:
        page = _to_bgr(image, self.config.work_short_side, self.config.work_max_pixels)
        height, width = page.shape[:2]

        work, quads, turn90 = page, self._detect(page), 0
        if self.config.detect_rotation and mostly_vertical(quads):
            # Turned 90 degrees; a 270 page then reads upside down, which the flip vote settles.
            turned = rotate_image(page, 90)
            turned_quads = self._detect(turned)
            if turned_quads and not mostly_vertical(turned_quads):  # else: genuinely vertical marks
                work, quads, turn90 = turned, turned_quads, 90
        if not quads:
            return []

        quads, crops = _split_long_lines(work, quads)
        page_flip, reverse = self._orientation(crops)
        as_detected = (work, quads, crops, turn90)
        turned_page = False
        if page_flip:
            # Upside down: turn the page itself and detect again, so that the page is read from
            # exactly the pixels (and line boxes) an upright scan of it gives.
            turned = rotate_image(work, 180)
            turned_quads = self._detect(turned)
            if turned_quads:
                work, turn90 = turned, (turn90 + 180) % 360
                quads, crops = _split_long_lines(work, turned_quads)
                # Lines that go against the page are found again by the low-confidence recheck.
                page_flip, reverse, turned_page = False, [False] * len(quads), True
        reads, reverse = self._read_and_recheck(crops, reverse, page_flip)
        if turned_page and _mostly_reread(crops, reverse):
            # The vote was wrong (a blurred or noisy upright page): most of the turned page read
            # better the other way up. Read the page as it was detected, upright.
            work, quads, crops, turn90 = as_detected
            reads, reverse = self._read_and_recheck(crops, [False] * len(quads), False)

        kept = [i for i, (text, score, _) in enumerate(reads) if score >= self.config.text_score and text.strip()]
        upright = {i: _turn(crops[i], reverse[i]) for i in kept}
        masks = {i: ink_mask(upright[i]) for i in kept}
        extra_breaks = self._respace({i: (reads[i], upright[i], masks[i]) for i in kept})

        lines: list[_Line] = []
        for i in kept:
            text, score, info = reads[i]
            quad = quads[i][[2, 3, 0, 1]] if reverse[i] else quads[i]
            mask = masks[i]
            words = []
            for word, conf, start, end in word_spans(text, info, score, extra_breaks.get(i)):
                top, bottom = 0.0, 1.0
                if mask is not None:
                    start, end, top, bottom = tighten_span(mask, start, end)
                words.append((word, conf, _span_quad(quad, start, end, top, bottom)))
            if words:
                lines.append(_Line(quad, words))

        work_h, work_w = work.shape[:2]
        return _to_words(
            lines,
            upright_turn=180 if page_flip else 0,
            to_display=(360 - turn90) % 360,
            work_size=(work_w, work_h),
            page_size=(width, height),
        )

    # -- steps ----------------------------------------------------------------------------

    def _read_and_recheck(self, crops: list[np.ndarray], reverse: list[bool],
                          page_flip: bool) -> tuple[list[tuple[str, float, Any]], list[bool]]:
        """(reading, turned?) of each line crop: read as `reverse` says; a line that goes against
        the rest of the page is rare, and the classifier is sometimes confidently wrong, so such
        lines, and lines that read badly (as text read the wrong way up does), are read the other
        way up too and the better reading wins."""
        reverse = list(reverse)
        reads = self._read_lines([_turn(c, r) for c, r in zip(crops, reverse, strict=True)])
        again_ids = [
            i for i, (r, read) in enumerate(zip(reverse, reads, strict=True)) if r != page_flip or read[1] < RECHECK_SCORE
        ]
        if again_ids:
            again = self._read_lines([_turn(crops[i], not reverse[i]) for i in again_ids])
            for i, alt in zip(again_ids, again, strict=True):
                if alt[1] > reads[i][1]:
                    reads[i], reverse[i] = alt, not reverse[i]
        return reads, reverse

    def _orientation(self, crops: list[np.ndarray]) -> tuple[bool, list[bool]]:
        """(is the page upside down, is each line to be turned) from the line classifier.

        The classifier first sees a sample of the longest lines; when they agree (the page is
        upright, or upside down, with evidence), the other lines follow the page unclassified.
        Otherwise every line is classified and lines may go against the page.
        """
        if not self.config.detect_rotation:
            return False, [False] * len(crops)
        classify = lambda pieces: self._cls(pieces).cls_res  # noqa: E731
        sample = orientation_sample(crops)
        if sample:
            p_sample = upside_down_probabilities([crops[i] for i in sample], classify)
            verdict = clear_page_orientation([crops[i] for i in sample], p_sample)
            if verdict is not None:
                return verdict, [verdict] * len(crops)
        p180 = upside_down_probabilities(crops, classify)
        page_flip = mostly_upside_down(crops, p180)
        return page_flip, [line_reversed(p, page_flip, self.config.cls_thresh) for p in p180]

    def _respace(self, lines: dict[int, tuple[tuple[str, float, Any], np.ndarray, np.ndarray | None]]) -> dict[int, set[int]]:
        """Word boundaries the recogniser emitted no space for, per line (word_gaps.py).

        `lines`: line id -> ((text, confidence, WordInfo), upright crop, ink mask or None).
        Suspect lines are read again with their blank columns widened; each space that reading
        adds (same characters, `added_spaces`) becomes a boundary. Returns line id -> indices j
        of the line's non-space characters, a boundary between character j and j+1.
        """
        suspects: dict[int, tuple[str, np.ndarray, np.ndarray]] = {}
        for i, ((text, _score, info), crop, mask) in lines.items():
            cols = [c for wc in getattr(info, "word_cols", None) or [] for c in wc]
            total = float(getattr(info, "line_txt_len", 0.0) or 0.0)
            chars = [c for c in text if not c.isspace()]
            if mask is None or total <= 0 or len(cols) != len(chars) or len(chars) < 3:
                continue
            ink = ink_columns(mask)
            positions = [k for k, ch in enumerate(text) if not ch.isspace()]
            joined = [positions[k + 1] - positions[k] == 1 for k in range(len(chars) - 1)]
            gaps = ink_gaps(ink, [(c + 0.5) / total * mask.shape[1] for c in cols])
            if suspect_line(text, chars, gaps, joined, crop.shape[0]):
                suspects[i] = (text, crop, ink)
        if not suspects:
            return {}
        ids = list(suspects)
        again = self._read_lines([widen_gaps(suspects[i][1], suspects[i][2]) for i in ids])
        out: dict[int, set[int]] = {}
        for i, (wide_text, wide_score, _info) in zip(ids, again, strict=True):
            if wide_score < self.config.text_score:
                continue
            added = added_spaces(suspects[i][0], wide_text)
            if added:
                out[i] = added
        return out

    def _read_lines(self, crops: list[np.ndarray]) -> list[tuple[str, float, Any]]:
        """(text, confidence, rapidocr WordInfo) per line crop."""
        return read_crops(crops, self._rec.session, self._rec.postprocess_op, height=self._rec_height)

    def _detect(self, image: np.ndarray) -> list[np.ndarray]:
        """Text-line quads (4x2, pixels of `image`): the page's content area, scaled for the
        detector (tiling.py), detected whole or tile by tile."""
        import cv2

        height, width = image.shape[:2]
        box = content_box(image)
        if box is None:
            return []
        cx0, cy0, cx1, cy1 = box
        scale = detection_scale(width, height, self.config.det_max_side, self.config.det_min_short_side)
        area = image[cy0:cy1, cx0:cx1]
        small = area
        if scale < 1.0:
            size = (max(1, round(area.shape[1] * scale)), max(1, round(area.shape[0] * scale)))
            small = cv2.resize(area, size, interpolation=cv2.INTER_AREA)
        sh, sw = small.shape[:2]
        side = self.config.det_max_side
        tiles = [(ys, xs) for ys in windows(sh, side) for xs in windows(sw, side)]
        found: list[TileBox] = []
        for k, ((y0, y1), (x0, x1)) in enumerate(tiles):
            res = self._det(np.ascontiguousarray(small[y0:y1, x0:x1]))
            for det_box in res.boxes if res.boxes is not None else []:
                quad = np.asarray(det_box, dtype=np.float32).reshape(4, 2) + np.array([x0, y0], dtype=np.float32)
                cut = cut_by_edge(quad, y0, y1, 1, sh) or cut_by_edge(quad, x0, x1, 0, sw)
                found.append(TileBox(quad, k, cut))
        quads = merge_tiles(found) if len(tiles) > 1 else [b.quad for b in found]
        back = np.array([area.shape[1] / sw, area.shape[0] / sh], dtype=np.float32)
        offset = np.array([cx0, cy0], dtype=np.float32)
        quads = [q * back + offset for q in quads]
        return [q for q in quads if _quad_size(q)[0] >= 2 and _quad_size(q)[1] >= 2]


def word_spans(
    text: str, info: Any, line_score: float, extra_breaks: set[int] | None = None
) -> list[tuple[str, float, float, float]]:
    """Words of a recognised line as (text, confidence, start, end), start/end as 0..1 of the line.

    Uses where the recogniser's CTC decoder emitted each character (rapidocr's WordInfo), which
    follows the ink. Without that information, falls back to splitting the line at spaces in
    proportion to character counts: with proportional fonts a character count is a fair stand-in
    for width over a whole word, good enough for grounding a value to a box.

    `extra_breaks`: word boundaries the recogniser emitted no space for, as indices j of the
    line's non-space characters (a boundary between character j and j+1; `_respace`,
    word_gaps.py); ignored without the decoder's positions.
    """
    words = getattr(info, "words", None)
    cols = getattr(info, "word_cols", None)
    total = float(getattr(info, "line_txt_len", 0.0) or 0.0)
    confs = list(getattr(info, "confs", None) or [])
    if not words or not cols or total <= 0 or len(words) != len(cols):
        return proportional_spans(text, line_score)

    gaps = [b - a for wc in cols for a, b in zip(wc, wc[1:], strict=False) if 0 < b - a <= _MAX_CHAR_GAP_COLS]
    char_cols = float(np.median(gaps)) if gaps else total / max(len(text), 1)
    # Characters of `words` are the non-space characters of `text`, in order; `confs` has one
    # entry per character of `text` when the dictionary has single-character tokens.
    positions = [k for k, ch in enumerate(text) if not ch.isspace()]
    chars = [ch for chars in words for ch in chars]
    char_at = [c for wc in cols for c in wc]
    if len(chars) != len(char_at):
        return proportional_spans(text, line_score)
    per_char = len(confs) == len(text) and len(positions) == len(chars)
    char_conf = [confs[positions[k]] if per_char else line_score for k in range(len(chars))]
    # Word boundaries as indices j (between characters j and j+1): where the recogniser emitted
    # a space, and where rapidocr split a word at a gap of more than _MAX_CHAR_GAP_COLS columns
    # if that gap is also wide for the line's own letter pitch. In wide or letter-spaced type
    # the letters themselves are 4-6 columns apart, and the fixed limit alone cut words
    # ('In vo ice', 'W ARRANTY', '1-3 00-888-3 33').
    starts = np.cumsum([0] + [len(w) for w in words[:-1]]).tolist()
    aligned = len(positions) == len(chars)
    spaced = {j for j in range(len(chars) - 1) if aligned and positions[j + 1] - positions[j] > 1}
    unspaced = [char_at[j + 1] - char_at[j] for j in range(len(chars) - 1) if j not in spaced]
    limit = max(_MAX_CHAR_GAP_COLS, _WORD_GAP_PITCHES * float(np.median(unspaced))) if unspaced else 0.0
    breaks = {s - 1 for s in starts if s > 0 and (s - 1 in spaced or char_at[s] - char_at[s - 1] > limit)}
    breaks |= {j for j in extra_breaks or () if 0 <= j < len(chars) - 1}
    breaks |= separator_breaks(chars)
    edges = [-1, *sorted(breaks), len(chars) - 1]
    spans: list[tuple[str, float, float, float]] = []
    for first, last in ((a + 1, b) for a, b in zip(edges, edges[1:], strict=False)):
        if last < first:
            continue
        word = "".join(chars[first : last + 1])
        if not word.strip():
            continue
        conf = float(np.mean(char_conf[first : last + 1])) if per_char else line_score
        start = max(0.0, (char_at[first] + 0.5 - char_cols / 2) / total)
        end = min(1.0, (char_at[last] + 0.5 + char_cols / 2) / total)
        if end > start:
            spans.append((word, conf, start, end))
    return spans


# Dots and bullets that separate the parts of a printed line ('Foo GmbH · Hauptstr. 1 · 12345 Ort');
# never part of a word except the Catalan 'l·l', whose neighbours are both lower-case letters.
SEPARATOR_DOTS = frozenset("·•●")


def separator_breaks(chars: Sequence[str]) -> set[int]:
    """Word boundaries around separator dots the recogniser glued to a word ('S.p.A.·P.IVA').

    Indices j as in `word_spans` (a boundary between character j and j+1): a glued separator
    becomes a word of its own, as it is printed.
    """
    out: set[int] = set()
    for j, ch in enumerate(chars):
        if ch not in SEPARATOR_DOTS:
            continue
        if ch == "·" and 0 < j < len(chars) - 1 and chars[j - 1].islower() and chars[j + 1].islower():
            continue  # 'col·lecció'
        if j > 0:
            out.add(j - 1)
        if j < len(chars) - 1:
            out.add(j)
    return out


def proportional_spans(text: str, line_score: float) -> list[tuple[str, float, float, float]]:
    """Split a line at whitespace; each word gets the share of the line its characters take."""
    n = len(text)
    if n == 0:
        return []
    spans: list[tuple[str, float, float, float]] = []
    start = None
    for k, ch in enumerate(text + " "):
        if ch.isspace():
            if start is not None:
                spans.append((text[start:k], line_score, start / n, k / n))
                start = None
        elif start is None:
            start = k
    return spans


# -- helpers -------------------------------------------------------------------------------


def _restricted(model: Path, scripts: Scripts) -> tuple[bytes | None, list[str] | None]:
    """The recogniser cut to `scripts` (charset.py); the full model when its graph is unusual."""
    try:
        return pruned_recogniser(model, scripts)
    except HeadNotFound as exc:
        log.warning("recogniser %s kept whole (%s); it reads every script", model.name, exc)
        return None, None


def _use_polite_session(
    component: Any, model: Path, threads: int, graph: bytes | None = None, chars: list[str] | None = None
) -> None:
    """Swap rapidocr's onnxruntime session for one whose idle threads sleep instead of spin.

    rapidocr exposes thread counts but not spinning. Spinning threads burn the CPU other stages
    (rasterizing, other OCR workers) need; on a busy 2-core machine a spinning session ran up to
    1.6x slower per page. If rapidocr's wrapper ever stops looking like this, its own session
    is kept. `graph`/`chars`: a modified model (serialized) and its dictionary to load instead.
    """
    import onnxruntime as ort

    wrapper = getattr(component, "session", None)
    if wrapper is None or not isinstance(getattr(wrapper, "session", None), ort.InferenceSession):
        log.debug("rapidocr session layout not recognised; keeping its own session for %s", model.name)
        return
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 4
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    source = graph if graph is not None else str(model)
    wrapper.session = ort.InferenceSession(source, sess_options=options, providers=["CPUExecutionProvider"])
    if chars is not None:
        from rapidocr.ch_ppocr_rec.utils import CTCLabelDecode

        component.postprocess_op = CTCLabelDecode(character=list(chars))


def _to_bgr(image: Image.Image, max_short_side: int, max_pixels: int) -> np.ndarray:
    """BGR array of the page, downscaled when its short side or pixel count is over the limit."""
    rgb = image.convert("RGB")
    scale = min(1.0, max_short_side / max(1, min(rgb.size)), (max_pixels / max(1, rgb.width * rgb.height)) ** 0.5)
    if scale < 1.0:
        size = (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale)))
        rgb = rgb.resize(size, Image.Resampling.LANCZOS)
    return np.ascontiguousarray(np.asarray(rgb)[:, :, ::-1])


def _mostly_reread(crops: list[np.ndarray], reverse: list[bool]) -> bool:
    """Whether lines holding most of the page's line width were read the other way up."""
    widths = [c.shape[1] for c in crops]
    return sum(w for w, r in zip(widths, reverse, strict=True) if r) > 0.5 * sum(widths)


def _split_long_lines(image: np.ndarray, quads: list[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Line quads and their crops, lines longer than MAX_LINE_ASPECT cut into pieces.

    The recogniser reads a line squeezed into at most a few thousand pixels; a line much longer
    than that (a banner, a long line of a wide page) would come out as a smear. Such a line is cut
    at gaps in its ink (between words) into pieces short enough to read; the pieces become lines
    of their own, which reading order joins again (same baseline, a word space apart).
    """
    out_quads: list[np.ndarray] = []
    out_crops: list[np.ndarray] = []
    for quad in quads:
        crop = _crop(image, quad)
        height, width = crop.shape[:2]
        if width <= MAX_LINE_ASPECT * height:
            out_quads.append(quad)
            out_crops.append(crop)
            continue
        for start, end in _cut_points(crop, MAX_LINE_ASPECT * height):
            piece = _span_quad(quad, start / width, end / width)
            out_quads.append(piece)
            out_crops.append(_crop(image, piece))
    return out_quads, out_crops


def _cut_points(crop: np.ndarray, longest: float) -> list[tuple[int, int]]:
    """Column ranges of at most `longest` pixels covering the crop, cut in the middle of the
    widest ink gap in the last third of each range (at its end when there is no gap)."""
    height, width = crop.shape[:2]
    mask = ink_mask(crop)
    empty = ~mask.any(axis=0) if mask is not None else np.ones(width, dtype=bool)
    pieces: list[tuple[int, int]] = []
    start = 0
    limit = max(1, int(longest))
    while width - start > limit:
        lo, hi = start + (2 * limit) // 3, start + limit
        window = empty[lo:hi]
        best, best_len, run = hi, 0, 0
        for k, is_empty in enumerate(window):
            run = run + 1 if is_empty else 0
            if run > best_len:
                best_len, best = run, lo + k - run // 2
        pieces.append((start, best))
        start = best
    pieces.append((start, width))
    return pieces


def _as_bgr(image: np.ndarray) -> np.ndarray:
    array = np.asarray(image)
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    elif array.ndim == 3 and array.shape[2] == 4:
        array = array[:, :, :3]
    return np.ascontiguousarray(array.astype(np.uint8, copy=False))


def _quad_size(quad: np.ndarray) -> tuple[float, float]:
    width = max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[3] - quad[2]))
    height = max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2]))
    return float(width), float(height)


def _crop(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The line straightened out; unlike rapidocr we never turn tall crops, since the page is
    already upright here and a tall crop is a short word such as a single digit."""
    import cv2

    width, height = _quad_size(quad)
    w, h = max(1, int(round(width))), max(1, int(round(height)))
    target = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    return cv2.warpPerspective(image, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)


def _turn(crop: np.ndarray, upside_down: bool) -> np.ndarray:
    return np.ascontiguousarray(crop[::-1, ::-1]) if upside_down else crop


def _span_quad(quad: np.ndarray, start: float, end: float, top: float = 0.0, bottom: float = 1.0) -> np.ndarray:
    """Part of a line quad: `start`..`end` along the reading direction, `top`..`bottom` across."""

    def at(f: float, g: float) -> np.ndarray:
        upper = quad[0] + f * (quad[1] - quad[0])
        lower = quad[3] + f * (quad[2] - quad[3])
        return upper + g * (lower - upper)

    return np.stack([at(start, top), at(end, top), at(end, bottom), at(start, bottom)])


def _to_words(
    lines: list[_Line],
    upright_turn: int,
    to_display: int,
    work_size: tuple[int, int],
    page_size: tuple[int, int],
) -> list[Word]:
    """Place every word on the displayed page, then put them in reading order.

    The detector's lines are the line hints; the turn that makes the displayed page upright is
    known here (the page was read turned by `to_display`'s inverse, then `upright_turn`).
    """
    work_w, work_h = work_size
    page_w, page_h = page_size
    words: list[Word] = []
    for line_id, line in enumerate(lines):
        for text, conf, quad in line.words:
            shown = rotate_points(quad, to_display, work_w, work_h)
            words.append(
                Word(
                    text=text,
                    bbox=points_to_bbox(shown, page_w, page_h),
                    conf=round(min(1.0, max(0.0, conf)), 5),
                    line_id=line_id,
                )
            )
    turn = ((360 - to_display) + upright_turn) % 360
    return order_words(without_reread_glyphs(words), page_size=(page_w, page_h), turn=turn)


REREAD_INSIDE = 0.8  # share of a word's box inside another word's box for it to be a second reading


def without_reread_glyphs(words: list[Word]) -> list[Word]:
    """`words` less those the detector read twice: a short word (1-2 characters) whose box lies
    mostly (REREAD_INSIDE) inside a longer word's box, whose text is part of that word's text and
    whose confidence is lower (two overlapping line boxes read '2023' and a phantom '3' at its
    end, so 'Nov 5, 2023' read as 'Nov 5, 2023 3'). Boxes `[x0, y0, x1, y1]`, page fractions."""
    if not words:
        return words
    boxes = np.array([w.bbox for w in words], dtype=float)
    out: list[Word] = []
    for w in words:
        text = w.text.strip()
        x0, y0, x1, y1 = w.bbox
        area = max(0.0, x1 - x0) * max(0.0, y1 - y0)
        if not (0 < len(text) <= 2 and area > 0):
            out.append(w)
            continue
        inter = (np.clip(np.minimum(x1, boxes[:, 2]) - np.maximum(x0, boxes[:, 0]), 0, None)
                 * np.clip(np.minimum(y1, boxes[:, 3]) - np.maximum(y0, boxes[:, 1]), 0, None))
        reread = any(words[k] is not w and len(words[k].text.strip()) > len(text) and text in words[k].text
                     and words[k].conf >= w.conf for k in np.flatnonzero(inter >= REREAD_INSIDE * area))
        if not reread:
            out.append(w)
    return out
