"""Numbers as charts print them (tick labels, data labels, answers), and back to text.

`parse_number("−1,234.5%")` → value -1234.5, unit "%", 1 decimal. Thousands separators, the
Unicode minus that plotting libraries print, accounting parentheses, a currency sign before the
number and a unit suffix (%, k, M, bn) after it are understood; the value is the number as printed
(a "45k" tick is 45 with unit "k", never 45000, so answers read like the chart).
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

_MINUS = "\u2212\u2012\u2013\u2014\ufe63\uff0d"
_CURRENCY = {"$": "$", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
_SUFFIX_UNITS = ("%", "k", "K", "M", "m", "B", "bn", "Bn", "mn", "pp", "x")
_NUMBER = re.compile(
    r"^(?P<sign>[+-])?(?P<cur>US\$|[$€£¥₹])?\s?(?P<sign2>[+-])?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"\s?(?P<suffix>%|bn|Bn|mn|pp|[kKMmBx])?$"
)


class PrintedNumber(NamedTuple):
    value: float
    unit: str | None  # "%", "$", "k", ... as printed around the number
    decimals: int  # digits after the decimal point as printed (precision of the label)


def parse_number(text: str) -> PrintedNumber | None:
    """The number a label prints, or None when the text is not one number."""
    cleaned = text.strip().strip("*†")
    for minus in _MINUS:
        cleaned = cleaned.replace(minus, "-")
    negative = False
    if cleaned.startswith("(") and cleaned.endswith(")") and len(cleaned) > 2:
        negative, cleaned = True, cleaned[1:-1].strip()
    match = _NUMBER.match(cleaned)
    if match is None:
        return None
    digits = match.group("num").replace(",", "")
    try:
        value = float(digits)
    except ValueError:
        return None
    if "-" in (match.group("sign"), match.group("sign2")):
        negative = not negative
    decimals = len(digits.split(".", 1)[1]) if "." in digits else 0
    currency = match.group("cur")
    unit = match.group("suffix") or (_CURRENCY.get(currency) if currency else None)
    return PrintedNumber(-value if negative else value, unit, decimals)


def format_value(value: float, max_significant: int = 10) -> str:
    """Short text for a value: no exponent for everyday magnitudes, no trailing zeros (42.5, 1200, -0.25)."""
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    digits = max(0, max_significant - 1 - int(math.floor(math.log10(abs(value)))))
    text = f"{round(value, digits):.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def snap(value: float, tolerance: float, margin: float = 5.0) -> float:
    """The decimal with the fewest digits within `tolerance` of `value` (value itself if none).

    Readers compute values from coordinates with a known error bound; data behind charts is
    usually printed with few decimals, so the shortest decimal inside the bound is the value that
    was plotted whenever the data had that many decimals. A decimal counts only when its step is at
    least `margin` times the tolerance, so a value with more digits than the bound resolves is
    returned as computed. Either way the result is within the tolerance of the computed value.
    """
    if tolerance <= 0 or not math.isfinite(value):
        return value
    for decimals in range(-12, 13):
        if 10.0 ** -decimals < margin * tolerance:
            break
        rounded = round(value, decimals)
        if abs(rounded - value) <= tolerance:
            return float(rounded)
    return value

