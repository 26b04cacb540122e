"""Money and quantity strings -> Decimal, across locales.

Handles '1.234,56', '1,234.56', '€ 1 234.56', "1'234.56", '-12.00', '(12.00)', '12.00-', '12,5', 'CHF 12.-',
with currency symbols or codes attached or separate. Where a string is genuinely ambiguous
('1.234') the alternatives are kept so grounding can accept either reading.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from docpipe.grounding.currency import ISO_CODES, RAND_RE, SYMBOL_RE, SYMBOLS


class AmountReading(NamedTuple):
    value: Decimal
    alternatives: tuple[Decimal, ...]  # value first, then other plausible readings
    currency: str | None  # ISO code when a symbol/code was attached
    has_decimals: bool
    strong: bool  # looks like money (decimals or a currency), not a bare count or year


_CODE_RE = re.compile(r"^(?:%s)(?![A-Za-z])" % "|".join(sorted(ISO_CODES)))
_CODE_END_RE = re.compile(r"(?<![A-Za-z])(?:%s)$" % "|".join(sorted(ISO_CODES)))
_GROUP_SPACE_RE = re.compile(r"(?<=\d)[\s'’\u202f\u00a0\u2009](?=\d{3}(?:\D|$))")
_NUMBER_RE = re.compile(r"^\d[\d.,]*$")
_MACHINE_RE = re.compile(r"^[-+]?\d+(?:\.\d+)?$")
# A whole amount written with a dash for its cents ('12.-', '1.505,-', '12.--'): Swiss and German
# price notation, money (not a negative number, which is '12.00-').
_WHOLE_DASH_RE = re.compile(r"(?<=\d)[.,]-{1,2}$")


_DOT_BEFORE_CODE_RE = re.compile(r"(?<=\d[.,]\d\d)\.(?=[A-Z]{3}$)")
_KRONA_SIGN_RE = re.compile(r"^kr\.?\s*(?=[\d-])|(?<=\d)\s*kr\.?$", re.IGNORECASE)


def _strip_currency(s: str) -> tuple[str, str | None]:
    currency: str | None = None
    for _ in range(2):
        s = s.strip()
        m = _CODE_RE.match(s)
        if m:
            currency = m.group(0)
            s = s[m.end():]
            continue
        m = _CODE_END_RE.search(s)
        if m and m.start() > 0:
            currency = m.group(0)
            s = s[: m.start()]
            continue
        m = SYMBOL_RE.match(s)
        if m and (m.group(0) in "€$£¥₹" or not s[m.end():m.end() + 1].isalpha()):
            currency = SYMBOLS[m.group(0).upper()]
            s = s[m.end():]
            continue
        for sym in sorted(SYMBOLS, key=len, reverse=True):
            if s.upper().endswith(sym) and len(s) > len(sym) and not s[-len(sym) - 1].isalpha():
                currency = SYMBOLS[sym]
                s = s[: -len(sym)]
                break
        else:
            break
    return s.strip(), currency


def _strip_sign(s: str) -> tuple[str, bool]:
    negative = False
    s = s.strip()
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    if s.startswith("-"):
        negative, s = not negative, s[1:].strip()
    elif s.startswith("+"):
        s = s[1:].strip()
    if s.endswith("-") and not s.endswith("--") and not s[:-1].endswith(" "):
        negative, s = not negative, s[:-1].strip()
    return s, negative


def _readings(digits: str) -> list[tuple[Decimal, bool]]:
    """Plausible (value, has_decimals) readings of a digits-and-separators string, best first."""
    dots, commas = digits.count("."), digits.count(",")
    if dots and commas:
        dec = "." if digits.rfind(".") > digits.rfind(",") else ","
        thou = "," if dec == "." else "."
        int_part, _, frac = digits.rpartition(dec)
        if int_part.count(dec) or not _valid_groups(int_part, thou):
            return []
        return [(Decimal(int_part.replace(thou, "") + "." + frac), True)] if frac else []
    sep = "." if dots else "," if commas else ""
    if not sep:
        return [(Decimal(digits), False)]
    parts = digits.split(sep)
    if len(parts) > 2:
        return [(Decimal("".join(parts)), False)] if _valid_groups(digits, sep) else []
    int_part, frac = parts
    if not int_part or not frac:
        return []
    as_decimal = (Decimal(int_part + "." + frac), True)
    if len(frac) == 3 and 1 <= len(int_part) <= 3 and int_part != "0":
        # '1.234' is a thousand in German and 1.234 in English; prefer the grouping reading.
        return [(Decimal(int_part + frac), False), as_decimal]
    return [as_decimal]


# Indian grouping: thousands, then lakhs and crores in twos ('4,47,615.00', '12,34,56,789').
_LAKH_GROUPS_RE = re.compile(r"\d{1,2}(?:,\d\d)+,\d{3}")


def _valid_groups(text: str, sep: str) -> bool:
    """Whether `text` (the digits before any decimals) is grouped by `sep` in threes, or by commas
    the Indian way (`_LAKH_GROUPS_RE`)."""
    groups = text.split(sep)
    if 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:]):
        return True
    return sep == "," and bool(_LAKH_GROUPS_RE.fullmatch(text))


_CENTS_ONLY_RE = re.compile(r"\.\d{2}")


def read_amount(text: str) -> AmountReading | None:
    """Parse one amount string; None when it is not a number (dates, percentages, words)."""
    s = unicodedata.normalize("NFKC", text).strip()
    if not s or s.endswith("%") or len(s) > 40:
        return None
    s = s.replace("−", "-").replace("–", "-").replace("\u00a0", " ")
    s = _KRONA_SIGN_RE.sub("", s)  # 'kr': one of four currencies, left to the page (currency.krona_from_context)
    s = _DOT_BEFORE_CODE_RE.sub(" ", s)  # '10.883,43.EUR': a speck read as a dot before the code
    rand = RAND_RE.match(s)
    if rand:
        s = rand.group(1)
    s, currency = _strip_currency(s)
    currency = "ZAR" if rand else currency
    whole_dash = bool(_WHOLE_DASH_RE.search(s))
    if whole_dash:
        s = _WHOLE_DASH_RE.sub("", s)
    s, negative = _strip_sign(s)
    if currency is None:
        s, currency = _strip_currency(s)
    s, negative2 = _strip_sign(s)
    negative ^= negative2
    if currency is None:
        s, currency = _strip_currency(s)
    s = _GROUP_SPACE_RE.sub("", s)
    cut = s.endswith((".", ",")) and s.count(s[-1]) == 1 and currency is not None  # '$74.': cut at the edge?
    s = s.rstrip(".") if s.endswith(".") and s.count(".") == 1 and "," not in s else s
    if _CENTS_ONLY_RE.fullmatch(s):
        s = "0" + s  # 'RM .05', 'CHANGE .00': tills print cents without the leading zero
    if not _NUMBER_RE.match(s) or sum(c.isdigit() for c in s) > 13:
        return None
    try:
        readings = _readings(s)
    except InvalidOperation:
        return None
    if not readings:
        return None
    if whole_dash:
        if readings[0][1]:
            return None  # '12.50.-' is no price
        readings = [(readings[0][0], True)]  # '1.505,-' is 1505 exactly: money, as if '1505.00'
    values = tuple(-v if negative else v for v, _ in readings)
    has_decimals = readings[0][1]
    # A currency sign before a number that ends in its separator ('$74.') is more likely an amount
    # cut short at the edge of a scan than a whole one. (One decimal digit, '94.3', is often a
    # receipt's '94.30' with its last zero faded: still a reading that cash and change can confirm.)
    return AmountReading(values[0], values, currency, has_decimals, (has_decimals or currency is not None) and not cut)


def parse_amount(text: str) -> Decimal | None:
    reading = read_amount(text)
    return reading.value if reading else None


def amount_alternatives(text: str) -> tuple[Decimal, ...]:
    reading = read_amount(text)
    return reading.alternatives if reading else ()


def canonical_amount(value: Decimal | str | float | int) -> Decimal | None:
    """Decimal for a value an engine produced ('1234.50', 1234.5); trailing zeros do not matter."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    text = str(value).strip()
    if _MACHINE_RE.match(text):
        # Engines and truth files write '.' decimals; '4.110' there is four point one one.
        return Decimal(text)
    reading = read_amount(text)
    return reading.value if reading is not None else None
