"""Lengths of time as contracts and forms print them -> a comparable Duration.

'3 years', 'three (3) years', 'a three-year period', '36 months', 'twelve (12) month', '90 days',
'2 yrs'. Years and months compare in months (3 years == 36 months), weeks and days in days
(2 weeks == 14 days); a month-based and a day-based length never compare equal (a year is not a
fixed number of days).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from docpipe.grounding.textnorm import fold

_UNITS: dict[str, tuple[str, int, str]] = {
    # printed unit -> (base unit, factor, canonical singular)
    "year": ("month", 12, "year"), "years": ("month", 12, "year"), "yr": ("month", 12, "year"),
    "yrs": ("month", 12, "year"), "month": ("month", 1, "month"), "months": ("month", 1, "month"),
    "mo": ("month", 1, "month"), "mos": ("month", 1, "month"), "week": ("day", 7, "week"),
    "weeks": ("day", 7, "week"), "day": ("day", 1, "day"), "days": ("day", 1, "day"),
}
_ONES = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_ARTICLES = {"a": 1, "an": 1, "one": 1}

_NUMBER_WORD = (r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[\s-](?:one|two|three|four|five|six|"
                r"seven|eight|nine))?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
                r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|an?)")
_UNIT = r"(?:years?|yrs?|months?|mos?|weeks?|days?)"
# '<word> (<digits>) <unit>', '<digits> <unit>', '<word> <unit>', '<word>-<unit>' ('three-year').
DURATION_RE = re.compile(
    rf"\b(?:(?P<word>{_NUMBER_WORD})\s*(?:\(\s*(?P<paren>\d{{1,4}}(?:\.\d+)?)\s*\)\s*)?|(?P<digits>\d{{1,4}}(?:\.\d+)?)\s*)"
    rf"[\s-]?(?:calendar\s+|business\s+|full\s+)?(?P<unit>{_UNIT})\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Duration:
    """A length of time: `count` of `unit` as printed, comparable through `key`."""

    count: Decimal
    unit: str  # canonical singular: 'year', 'month', 'week', 'day'

    @property
    def key(self) -> tuple[str, Decimal]:
        """('month', 36) for 3 years; ('day', 14) for 2 weeks."""
        base, factor, _ = _UNITS[self.unit]
        return base, self.count * factor

    def __str__(self) -> str:
        count = format(self.count.normalize(), "f")
        return f"{count} {self.unit}{'' if self.count == 1 else 's'}"


def _word_value(word: str) -> int | None:
    w = fold(word).replace("-", " ").split()
    if not w:
        return None
    if len(w) == 1:
        return _ONES.get(w[0]) or _TENS.get(w[0]) or _ARTICLES.get(w[0])
    if len(w) == 2 and w[0] in _TENS and w[1] in _ONES and _ONES[w[1]] < 10:
        return _TENS[w[0]] + _ONES[w[1]]
    return None


def _from_match(m: re.Match[str]) -> Duration | None:
    digits = m.group("paren") or m.group("digits")
    if digits is not None:
        count = Decimal(digits)
    else:
        value = _word_value(m.group("word") or "")
        if value is None:
            return None
        count = Decimal(value)
    if count <= 0:
        return None
    unit = _UNITS[fold(m.group("unit"))][2]
    return Duration(count=count, unit=unit)


def find_durations(text: str) -> list[tuple[int, int, Duration]]:
    """Every length of time in `text` as (start, end, Duration); character offsets into `text`."""
    out: list[tuple[int, int, Duration]] = []
    for m in DURATION_RE.finditer(text):
        found = _from_match(m)
        if found is not None:
            out.append((m.start(), m.end(), found))
    return out


def parse_duration(text: object) -> Duration | None:
    """The length of time a short text states ('three (3) years' -> 3 years); None when none.

    A text stating several different lengths is ambiguous and gives None.
    """
    if isinstance(text, Duration):
        return text
    if text is None:
        return None
    found = {d.key: d for _, _, d in find_durations(str(text))}
    return next(iter(found.values())) if len(found) == 1 else None
