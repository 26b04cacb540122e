"""Word layer from rapidocr (PP-OCR ONNX models shipped inside the rapidocr wheel, onnxruntime).

We drive rapidocr's three models (text detection, line orientation, recognition) ourselves
instead of calling `RapidOCR.__call__`, because the one-shot call
* hides the per-line orientation decision, which we need to place word boxes on lines read
  upside down (their word order runs right to left in the image), and feeds whole lines to the
  orientation classifier, which then flips upright lines (see orientation.py);
* gives per-word confidences that are off by one level (it pairs words with per-character
  confidences, rapidocr 3.10), so we average the characters of each word ourselves;
* would run the detector before we can decide whether the whole page is turned.

Model files are passed by explicit path, so rapidocr never reaches its download code: the engine
loads and runs with no network at all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

from docpipe.ocr.base import OcrUnavailable, default_threads
from docpipe.ocr.geometry import points_to_bbox, rotate_image, rotate_points
from docpipe.ocr.ink import ink_mask, tighten_span
from docpipe.ocr.reading_order import order_words
from docpipe.ocr.orientation import (
    line_reversed,
    mostly_upside_down,
    mostly_vertical,
    upside_down_probabilities,
)
from docpipe.records import Word, WordSource

log = logging.getLogger(__name__)

# rapidocr splits a word where recognised characters are more than this many CTC columns apart.
_MAX_CHAR_GAP_COLS = 5


class RapidOcrConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # onnxruntime intra-op threads; None: the CPUs this process may use, at most 4.
    threads: int | None = Field(default=None, ge=1)
    # Longest side of the image the text detector sees (text 10 px high still detects at 1280
    # on an A4 page; larger costs detector time for nothing on 150-300 dpi scans).
    det_max_side: int = Field(default=1280, ge=320)
    # Pages larger than this are downscaled first; line crops are cut from this image.
    max_side: int = Field(default=2400, ge=320)
    # Lines recognised with lower confidence are dropped (rapidocr's own default).
    text_score: float = Field(default=0.5, ge=0.0, le=1.0)
    # Classifier confidence needed to read one line the other way up from the rest of the page.
    cls_thresh: float = Field(default=0.9, ge=0.0, le=1.0)
    # Detect pages turned by 90/180/270 degrees.
    detect_rotation: bool = True
    # Text lines per recognition batch.
    rec_batch: int = Field(default=8, ge=1)
    # Folder with *_det*, *_cls*, *_rec* .onnx files; None: the models inside the rapidocr wheel.
    model_dir: str | None = None


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
            from rapidocr.ch_ppocr_rec import TextRecInput
        except ImportError as exc:
            raise OcrUnavailable("rapidocr is not installed (pip install rapidocr onnxruntime)") from exc
        paths = bundled_model_paths(self.config.model_dir)
        threads = self.config.threads or default_threads()
        params: dict[str, Any] = {
            "Global.log_level": "warning",
            "Det.model_path": str(paths["det"]),
            "Cls.model_path": str(paths["cls"]),
            "Rec.model_path": str(paths["rec"]),
            # "max": shrink big pages to det_max_side; rapidocr's default ("min", 736) would run the
            # detector at full resolution on every A4 scan, several times slower on 2 cores.
            "Det.limit_type": "max",
            "Det.limit_side_len": self.config.det_max_side,
            "Cls.cls_thresh": self.config.cls_thresh,
            "Rec.rec_batch_num": self.config.rec_batch,
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
        try:
            engine = RapidOCR(params=params)
            # rapidocr loads its models lazily; load them now so a broken install fails here.
            self._det = engine._load_det_model()
            self._cls = engine._load_cls_model()
            self._rec = engine._load_rec_model()
            for component, task in ((self._det, "det"), (self._cls, "cls"), (self._rec, "rec")):
                _use_polite_session(component, paths[task], threads)
        except Exception as exc:
            raise OcrUnavailable(f"rapidocr models failed to load: {exc}") from exc
        self._rec_input = TextRecInput

    # -- public ---------------------------------------------------------------------------

    def recognize(self, image: Image.Image) -> list[Word]:
        page = _to_bgr(image, self.config.max_side)
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

        crops = [_crop(work, q) for q in quads]
        p180 = upside_down_probabilities(crops, lambda pieces: self._cls(pieces).cls_res)
        page_flip = self.config.detect_rotation and mostly_upside_down(crops, p180)
        reverse = [line_reversed(p, page_flip, self.config.cls_thresh) for p in p180]
        reads = self._read_lines([_turn(c, r) for c, r in zip(crops, reverse, strict=True)])
        # A line that goes against the rest of the page is rare and the classifier is sometimes
        # confidently wrong, so such lines are read both ways up and the better reading wins.
        odd = [i for i, r in enumerate(reverse) if r != page_flip]
        if odd:
            again = self._read_lines([_turn(crops[i], not reverse[i]) for i in odd])
            for i, alt in zip(odd, again, strict=True):
                if alt[1] > reads[i][1]:
                    reads[i], reverse[i] = alt, not reverse[i]

        lines: list[_Line] = []
        for i, (text, score, info) in enumerate(reads):
            if score < self.config.text_score or not text.strip():
                continue
            quad = quads[i][[2, 3, 0, 1]] if reverse[i] else quads[i]
            mask = ink_mask(_turn(crops[i], reverse[i]))
            words = []
            for word, conf, start, end in word_spans(text, info, score):
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

    def _read_lines(self, crops: list[np.ndarray]) -> list[tuple[str, float, Any]]:
        """(text, confidence, rapidocr WordInfo) per line crop."""
        if not crops:
            return []
        rec = self._rec(self._rec_input(img=crops, return_word_box=True))
        infos = rec.word_results if rec.word_results is not None else [None] * len(crops)
        return [(str(t), float(sc), info) for t, sc, info in zip(rec.txts, rec.scores, infos, strict=True)]

    def _detect(self, image: np.ndarray) -> list[np.ndarray]:
        res = self._det(image)
        if res.boxes is None:
            return []
        quads = [np.asarray(b, dtype=np.float32).reshape(4, 2) for b in res.boxes]
        return [q for q in quads if _quad_size(q)[0] >= 2 and _quad_size(q)[1] >= 2]


def word_spans(text: str, info: Any, line_score: float) -> list[tuple[str, float, float, float]]:
    """Words of a recognised line as (text, confidence, start, end), start/end as 0..1 of the line.

    Uses where the recogniser's CTC decoder emitted each character (rapidocr's WordInfo), which
    follows the ink. Without that information, falls back to splitting the line at spaces in
    proportion to character counts: with proportional fonts a character count is a fair stand-in
    for width over a whole word, good enough for grounding a value to a box.
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
    per_char = len(confs) == len(text)
    spans: list[tuple[str, float, float, float]] = []
    seen = 0
    for chars, wc in zip(words, cols, strict=True):
        word = "".join(chars)
        n = len(chars)
        if per_char and seen + n <= len(positions):
            conf = float(np.mean([confs[positions[seen + j]] for j in range(n)]))
        else:
            conf = line_score
        seen += n
        if not word.strip() or not wc:
            continue
        start = max(0.0, (wc[0] + 0.5 - char_cols / 2) / total)
        end = min(1.0, (wc[-1] + 0.5 + char_cols / 2) / total)
        if end > start:
            spans.append((word, conf, start, end))
    return spans


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


def _use_polite_session(component: Any, model: Path, threads: int) -> None:
    """Swap rapidocr's onnxruntime session for one whose idle threads sleep instead of spin.

    rapidocr exposes thread counts but not spinning. Spinning threads burn the CPU other stages
    (rasterizing, other OCR workers) need; on a busy 2-core machine a spinning session ran up to
    1.6x slower per page. If rapidocr's wrapper ever stops looking like this, its own session
    is kept.
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
    wrapper.session = ort.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])


def _to_bgr(image: Image.Image, max_side: int) -> np.ndarray:
    rgb = image.convert("RGB")
    if max(rgb.size) > max_side:
        scale = max_side / max(rgb.size)
        size = (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale)))
        rgb = rgb.resize(size, Image.Resampling.LANCZOS)
    return np.ascontiguousarray(np.asarray(rgb)[:, :, ::-1])


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
    return order_words(words, page_size=(page_w, page_h), turn=turn)
