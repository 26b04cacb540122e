"""Date strings in the formats invoices use -> datetime.date.

Numeric dates are ambiguous ('05/06/2015'); a page-level day-first hint resolves them:
any date on the page whose first component exceeds 12, dotted dates, or month names in a
language that writes the day first all say day-first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from docpipe.grounding.textnorm import fold

_MONTHS_EN = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}
# Languages that put the day before the month; folded (no diacritics).
_MONTHS_DAY_FIRST = {
    # German
    "januar": 1, "janner": 1, "februar": 2, "marz": 3, "mrz": 3, "mai": 5, "juni": 6, "juli": 7,
    "oktober": 10, "okt": 10, "dezember": 12, "dez": 12,
    # French
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4, "avr": 4,
    "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "decembre": 12,
    # Spanish / Italian / Portuguese
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
    "gennaio": 1, "febbraio": 2, "aprile": 4, "maggio": 5, "giugno": 6, "luglio": 7,
    "settembre": 9, "ottobre": 10, "dicembre": 12, "janeiro": 1, "fevereiro": 2, "marco": 3,
    "maio": 5, "junho": 6, "julho": 7, "setembro": 9, "outubro": 10, "novembro": 11, "dezembro": 12,
    # Dutch
    "januari": 1, "februari": 2, "maart": 3, "mei": 5, "augustus": 8,
}
MONTHS: dict[str, int] = {**_MONTHS_EN, **_MONTHS_DAY_FIRST}

_NUMERIC_RE = re.compile(r"^(\d{1,4})\s*([./-])\s*(\d{1,2})\s*\2\s*(\d{2,4})$")
_DMY_NAME_RE = re.compile(r"^(?:le\s+|den\s+|am\s+)?(\d{1,2})(?:st|nd|rd|th|er|e)?\.?\s*(?:de\s+)?([a-z]+)\.?\s*(?:de\s+)?(\d{2,4})$")
# ('March 5. 2024': OCR reads the comma after the day as a full stop.)
_MDY_NAME_RE = re.compile(r"^([a-z]+)\.?\s*(\d{1,2})(?:st|nd|rd|th)?\s*[,.]?\s*(\d{4})$")
_YMD_NAME_RE = re.compile(r"^(\d{4})\s*([a-z]+)\.?\s*(\d{1,2})$")


def _year(y: str) -> int:
    value = int(y)
    if len(y) == 2:
        return 2000 + value if value < 70 else 1900 + value
    return value


def _make(y: int, m: int, d: int) -> date | None:
    if not (1900 <= y <= 2199):
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


_ZERO_FOR_O_RE = re.compile(r"(?<![\w])0(ct|kt|ttobre|ctubre|utubro|ktober|ctober)\b")


def _clean(text: str) -> str:
    t = fold(text).strip().rstrip(".,;:").lstrip(":;,")  # ':04 Jan 2017' after a label 'Date'
    t = t.replace(",", " ")
    t = re.sub(r"(?<=\d)~(?=\d)", "-", t)  # OCR reads a dash between digits as a tilde ('2024~04-02')
    t = re.sub(r"^(\d{1,2}):(\d{1,2}\.\d{4})$", r"\1.\2", t)  # ... and a dot as a colon ('10:08.2025')
    t = re.sub(r"(?<=[a-z])\|", "l", t)  # ... and an l after letters as a bar ('Apri| 11, 2024')
    t = _ZERO_FOR_O_RE.sub(lambda m: "o" + m.group(1), t)  # ... and the O of 'Oct', 'Okt' as a zero ('01 0ct 2025')
    # Contracts: 'the 11th day of January, 2012' is 11 January 2012.
    t = re.sub(r"^(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+day\s+of\s+", r"\1 ", t)
    # '4th of June 2025', 'the 1st of March': an ordinal day 'of' its month.
    t = re.sub(r"^(?:the\s+)?(\d{1,2})(st|nd|rd|th)\s+of\s+", r"\1\2 ", t)
    # '5-Jun-2015' / '05/JUN/15': separators between letters and digits become spaces.
    t = re.sub(r"(?<=[a-z])[-/](?=\d)|(?<=\d)[-/](?=[a-z])", " ", t)
    return re.sub(r"\s+", " ", t)


# OCR glues a time to the date before it: '30/05/201710:18:02AM' is 30/05/2017 10:18:02 AM,
# '2016-07-3113:48:37' is 2016-07-31 13:48:37 (an ISO date's day has two digits).
_GLUED_TIME_RE = re.compile(
    r"(?:^|[^\d])(\d{1,2}[./-]\d{1,2}[./-]\d{4}|\d{4}-\d{2}-\d{2})(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?\s*(?:am|pm)?$")


# OCR glues a date to the number or label printed before it: '#19-18/03/2018' (register 19, then
# the date), 'DATE:18/03/2018'. Only a full date with a four-digit year and one separator is read
# out of such a word.
_GLUED_PREFIX_RE = re.compile(r"(?<![\d./])(\d{1,2})([./-])(\d{1,2})\2(\d{4})$")


def date_candidates(text: str, day_first: bool | None = None) -> list[date]:
    """Every reading of `text` as a date, preferred first; [] when it is not a date."""
    t = _clean(text)
    if not t or len(t) > 40:
        return []
    glued = _GLUED_TIME_RE.search(t)
    if glued and not _NUMERIC_RE.match(t):
        t = glued.group(1)
    elif not _NUMERIC_RE.match(t) and " " not in t and (prefixed := _GLUED_PREFIX_RE.search(t)) \
            and prefixed.start() > 0:
        t = prefixed.group(0)
    m = _NUMERIC_RE.match(t)
    if m:
        a, sep, b, c = m.group(1), m.group(2), m.group(3), m.group(4)
        if len(a) == 4:
            found = _make(int(a), int(b), int(c))
            return [found] if found else []
        if len(a) == 3:
            return []
        y, first, second = _year(c), int(a), int(b)
        dm, md = _make(y, second, first), _make(y, first, second)
        ymd = _make(_year(a), second, int(c)) if len(a) == len(c) == 2 else None
        if day_first is False and dm and not md and ymd:
            # '25-02-07' on a page that writes the month first: not month-first, so either the
            # day first (25 Feb 2007) or the year first (2025-02-07); nothing says which.
            return [ymd, dm]
        if dm and md and dm != md:
            prefer_dm = day_first if day_first is not None else True
            if day_first is None:
                return [dm, md] if prefer_dm else [md, dm]
            return [dm] if prefer_dm else [md]
        return [x for x in (dm, md) if x][:1]
    for pattern, order in ((_DMY_NAME_RE, "dmy"), (_MDY_NAME_RE, "mdy"), (_YMD_NAME_RE, "ymd")):
        m = pattern.match(t)
        if not m:
            continue
        groups = dict(zip(order, m.groups()))
        month = MONTHS.get(groups["m"])
        if month is None:
            continue
        found = _make(_year(groups["y"]), month, int(groups["d"]))
        return [found] if found else []
    return []


def year_first_doubt(text: str, day_first: bool | None) -> bool:
    """Whether a date reads two ways only because the page writes the month first: '25-02-07' is
    25 Feb 2007 or 2025-02-07, and the page's order says neither (see `date_candidates`)."""
    return day_first is False and len(date_candidates(text, None)) == 1 and len(date_candidates(text, False)) == 2


def parse_date(text: str, day_first: bool | None = None) -> date | None:
    found = date_candidates(text, day_first)
    return found[0] if found else None


def infer_day_first(texts: Iterable[str]) -> bool | None:
    """Day-first hint from a page's words: True, False, or None when the page does not say."""
    votes_dm = votes_md = 0
    words = list(texts)
    for raw in words:
        t = _clean(raw)
        m = _NUMERIC_RE.match(t)
        if m and len(m.group(1)) <= 2:
            first, second = int(m.group(1)), int(m.group(3))
            if first > 12 >= second:
                votes_dm += 3
            elif second > 12 >= first:
                votes_md += 3
            elif m.group(2) == ".":
                votes_dm += 1
            continue
        if t in _MONTHS_DAY_FIRST and t not in _MONTHS_EN:
            votes_dm += 1
    for i, raw in enumerate(words[:-1]):
        # 'June 5, 2015' writes the month first; '5 June 2015' the day first.
        t = _clean(raw)
        if t in _MONTHS_EN and re.fullmatch(r"\d{1,2}(st|nd|rd|th)?,?", _clean(words[i + 1]) + ""):
            votes_md += 1
    if votes_dm == votes_md:
        return None
    return votes_dm > votes_md
