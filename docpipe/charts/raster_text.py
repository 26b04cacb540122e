"""Text of a raster chart: the page words inside the chart, in crop pixels, with numbers parsed.

The raster reader works in the pixel frame of the chart crop (origin top-left of the crop,
x right, y down). This module moves the page's word layer (boxes in page fractions) into that
frame, optionally adds words read by a second OCR pass over an enlarged crop (small tick labels
the page-level word layer missed), joins neighbouring words into phrases, and parses the
numbers charts print (tick labels, data labels): thousands separators, signs (ASCII hyphen,
U+2212 minus, en dash, accounting parentheses), currency prefixes, percent and magnitude
suffixes (k, M, bn...), and a tick mark read as a trailing dash ("20-").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from docpipe.records import BBox, Word

# Magnitude suffixes as printed on charts; the value printed is kept, the factor travels beside it.
_MAGNITUDES = {
    "k": 1e3, "K": 1e3, "thousand": 1e3,
    "m": 1e6, "M": 1e6, "mn": 1e6, "mm": 1e6, "MM": 1e6, "mio": 1e6, "million": 1e6, "millions": 1e6,
    "b": 1e9, "B": 1e9, "bn": 1e9, "Bn": 1e9, "billion": 1e9, "billions": 1e9,
    "t": 1e12, "T": 1e12, "tn": 1e12, "trillion": 1e12,
}
_CURRENCIES = {"$": "$", "US$": "$", "€": "€", "£": "£", "¥": "¥", "₹": "₹", "USD": "$", "EUR": "€"}
_NUMBER = re.compile(
    r"""^(?P<open>\()?
        (?P<cur1>US\$|\$|€|£|¥|₹)?
        (?P<sign>[-−–+])?
        (?P<cur2>US\$|\$|€|£|¥|₹)?
        (?P<num>(?:\d{1,3}(?:[,\u202f\u00a0']\d{3})+|\d+)(?:\.\d+)?|\.\d+)
        (?:[eE](?P<exp>[-+]?\d{1,3}))?
        (?P<close>\))?
        \s?(?P<suffix>%|[kKmMbBtT]|mn|mm|MM|bn|Bn|tn|mio|thousand|million|millions|billion|billions|trillion)?
        (?P<tick>[-–—])?$""",
    re.VERBOSE,
)


_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_POWER = re.compile(r"^(10)(?:\^\{?([-−]?\d{1,3})\}?|([⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3}))$")


@dataclass(frozen=True)
class Number:
    """A number as printed. `value` is the printed number with its sign; `scale` the magnitude
    suffix factor (1 when none); `percent` / `currency` say what surrounded it."""

    value: float
    scale: float = 1.0
    percent: bool = False
    currency: str | None = None
    signed: bool = False  # an explicit sign was printed (so a missing minus is not suspected)
    decimals: int = 0

    @property
    def full(self) -> float:
        return self.value * self.scale


def parse_number(text: str) -> Number | None:
    """The number a tick or data label prints, or None when the text is not a single number.

    Accepts "1,234.5", "−25", "(3.1)", "$4.2bn", "45%", "1e+07", "20-" (tick mark read as a dash).
    Years ("2019") parse as numbers too; whether they are categories is the axis' decision.
    """
    t = text.strip().replace("O", "0") if _looks_numeric(text) else text.strip()
    power = _POWER.match(t)
    if power:  # 10³, 10^3, 10^-2 (log axes)
        exp = (power.group(2) or power.group(3)).translate(_SUPERSCRIPT).replace("−", "-")
        try:
            return Number(value=10.0 ** int(exp), signed=False)
        except ValueError:
            return None
    t = t.replace(" %", "%").replace("·", ".")
    if not t:
        return None
    m = _NUMBER.match(t)
    if not m:
        return None
    digits = re.sub(r"[,\u202f\u00a0']", "", m.group("num"))
    try:
        value = float(digits)
    except ValueError:
        return None
    if m.group("exp"):
        value *= 10.0 ** int(m.group("exp"))
    sign = m.group("sign")
    negative = sign in ("-", "−", "–") or (m.group("open") is not None and m.group("close") is not None)
    if m.group("open") and not m.group("close") or m.group("close") and not m.group("open"):
        return None
    if negative:
        value = -value
    suffix = m.group("suffix") or ""
    cur = m.group("cur1") or m.group("cur2")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    return Number(
        value=value,
        scale=_MAGNITUDES.get(suffix, 1.0),
        percent=suffix == "%",
        currency=_CURRENCIES.get(cur) if cur else None,
        signed=sign is not None or negative,
        decimals=decimals,
    )


def _looks_numeric(text: str) -> bool:
    """Mostly digits: then a capital O is a misread zero."""
    digits = sum(c.isdigit() for c in text)
    return digits >= max(1, len(text.strip()) // 2)


@dataclass
class TextBox:
    """A word or phrase in crop pixels: [x0, y0, x1, y1], origin top-left of the chart crop."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    conf: float = 1.0
    line_id: int = 0
    number: Number | None = field(default=None)

    def __post_init__(self) -> None:
        if self.number is None:
            self.number = parse_number(self.text)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def w(self) -> float:
        return self.x1 - self.x0

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    @property
    def vertical(self) -> bool:
        """Set upright by the OCR from a turned line (axis titles): taller than wide, several letters."""
        return self.h > 1.5 * self.w and len(self.text) >= 3


def words_in_region(words: list[Word], region: BBox, crop_w: int, crop_h: int) -> list[TextBox]:
    """Page words whose centre lies in `region` (page fractions), as TextBoxes in crop pixels."""
    rx0, ry0, rx1, ry1 = region
    sx, sy = crop_w / max(rx1 - rx0, 1e-9), crop_h / max(ry1 - ry0, 1e-9)
    out = []
    for w in words:
        x0, y0, x1, y1 = w.bbox
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        if not (rx0 <= cx <= rx1 and ry0 <= cy <= ry1) or not _is_text(w.text):
            continue
        out.append(TextBox(w.text.strip(), (x0 - rx0) * sx, (y0 - ry0) * sy, (x1 - rx0) * sx, (y1 - ry0) * sy,
                           conf=w.conf, line_id=w.line_id))
    return out


def recognize_crop(crop: np.ndarray, recognize: Callable[[np.ndarray], list[Word]],
                   target_side: int = 1400, max_scale: float = 3.0) -> list[TextBox]:
    """Words of a second OCR pass over the crop enlarged towards `target_side` pixels (small
    tick labels read far better enlarged), as TextBoxes in crop pixels."""
    import cv2

    h, w = crop.shape[:2]
    scale = min(max_scale, max(1.0, target_side / max(h, w)))
    big = cv2.resize(crop, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_CUBIC) if scale > 1.05 \
        else crop
    found = recognize(big)
    return [TextBox(x.text.strip(), x.bbox[0] * w, x.bbox[1] * h, x.bbox[2] * w, x.bbox[3] * h,
                    conf=x.conf, line_id=10_000 + x.line_id) for x in found if _is_text(x.text)]


def _is_text(text: str) -> bool:
    """Words with a letter or digit; OCR reads markers and swatches as ■ ● ◆ + and the like."""
    return any(c.isalnum() for c in text)


def merge_readings(first: list[TextBox], second: list[TextBox]) -> list[TextBox]:
    """Union of two OCR readings of one crop: where boxes overlap, the second (enlarged) wins."""
    kept = [a for a in first if not any(_overlap(a, b) > 0.3 for b in second)]
    return kept + second


def _overlap(a: TextBox, b: TextBox) -> float:
    ix = max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0))
    iy = max(0.0, min(a.y1, b.y1) - max(a.y0, b.y0))
    inter = ix * iy
    small = min(a.w * a.h, b.w * b.h)
    return inter / small if small > 0 else 0.0


_GROUP_HEAD = re.compile(r"^[-−–]?[$€£]?\d{1,3}$")
_GROUP_TAIL = re.compile(r"^\d{3}([.,]\d+)?(%|[kKmMbB]|bn)?$")


def _label_and_number(p: TextBox, b: TextBox, same_line: bool, h: float) -> bool:
    """A word followed by a number at a word space (under 0.7 text heights): one category
    label ("Q1 14", "FY 2019"). Tick labels of a numeric row stand further apart."""
    return (same_line and 0 <= b.x0 - p.x1 < 0.7 * h and p.number is None and b.number is not None
            and not p.vertical and not b.vertical and any(ch.isalpha() for ch in p.text))


def phrases(boxes: list[TextBox], gap: float = 0.8) -> list[TextBox]:
    """Words joined into phrases: same OCR line, same baseline, gap under `gap` x the text height.
    Numbers stay single words (a row of tick labels is not one phrase), except a number printed
    with a space as thousands separator ("1 566.4"), which OCR splits in two, and a number after a
    word at a word space (a category label "Q1 14")."""
    rest = sorted(boxes, key=lambda b: (b.line_id, b.x0))
    out: list[TextBox] = []
    for b in rest:
        if out:
            p = out[-1]
            h = max(p.h, b.h, 1.0)
            same_line = p.line_id == b.line_id and abs(p.cy - b.cy) < 0.5 * h
            if (same_line and 0 <= b.x0 - p.x1 < 0.6 * h and _GROUP_HEAD.match(p.text)
                    and _GROUP_TAIL.match(b.text)):
                out[-1] = TextBox(p.text + b.text, p.x0, min(p.y0, b.y0), b.x1, max(p.y1, b.y1),
                                  conf=min(p.conf, b.conf), line_id=p.line_id)
                continue
            if (same_line and 0 <= b.x0 - p.x1 < gap * h and p.number is None and b.number is None
                    and not p.vertical and not b.vertical) or _label_and_number(p, b, same_line, h):
                out[-1] = TextBox(f"{p.text} {b.text}", p.x0, min(p.y0, b.y0), b.x1, max(p.y1, b.y1),
                                  conf=min(p.conf, b.conf), line_id=p.line_id)
                continue
        out.append(TextBox(b.text, b.x0, b.y0, b.x1, b.y1, conf=b.conf, line_id=b.line_id, number=b.number))
    return out
