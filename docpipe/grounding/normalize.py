"""Type-aware normalisation: one entry point per field kind.

Kinds come from the schema's json_schema_extra: identifier, date, amount, name, address, text,
currency (tables hold rows of these). Comparisons used by grounding and by `docpipe eval` live
here so both judge a value the same way.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from docpipe.fields import KINDS
from docpipe.grounding.amounts import AmountReading, canonical_amount, parse_amount, read_amount
from docpipe.grounding.currency import currency_of_token, detect_currency, normalize_currency
from docpipe.grounding.dates import date_candidates, infer_day_first, parse_date
from docpipe.grounding.durations import Duration, parse_duration
from docpipe.grounding.textnorm import company_key, fold, identifier_key, name_key, place_key, similarity

Kind = Literal["identifier", "date", "amount", "name", "address", "text", "currency", "duration", "place", "language",
               "table"]

__all__ = [
    "AmountReading", "Kind", "KINDS", "canonical_amount", "canonical_date", "company_key",
    "currency_of_token", "date_candidates", "detect_currency", "fold", "identifier_key",
    "infer_day_first", "name_key", "normalize_currency", "normalize_value", "parse_amount",
    "parse_date", "parse_duration", "place_key", "read_amount", "values_equal",
]


def canonical_date(value: date | str, day_first: bool | None = None) -> date | None:
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10]) if len(text) >= 10 and text[4] == "-" else parse_date(text, day_first)
    except ValueError:
        return parse_date(text, day_first)


def normalize_value(
    value: object, kind: str, day_first: bool | None = None
) -> Decimal | date | str | tuple[str, Decimal] | None:
    """The comparable form of a value of the given kind; None when it is empty or unreadable.

    Durations compare as ('month', n) or ('day', n) (see grounding.durations: '3 years' ==
    'three (3) years' == '36 months'); places without 'the State of' and the like.
    """
    if value is None:
        return None
    if kind == "duration":
        found = value if isinstance(value, Duration) else parse_duration(str(value))
        return found.key if found is not None else None
    if kind == "amount":
        return value if isinstance(value, Decimal) else canonical_amount(value)  # type: ignore[arg-type]
    if kind == "date":
        return canonical_date(value, day_first)  # type: ignore[arg-type]
    text = str(value).strip()
    if not text:
        return None
    if kind == "identifier":
        return identifier_key(text) or None
    if kind == "currency":
        return normalize_currency(text) or text.upper()
    if kind == "name":
        return company_key(text) or None
    if kind == "place":
        return place_key(text) or None
    if kind == "language":
        return fold(text)[:2] or None
    return name_key(text) or None


def values_equal(a: object, b: object, kind: str, fuzzy_threshold: float = 1.0) -> bool:
    """Equality after normalisation; names/addresses/text may pass a fuzzy threshold below 1.

    Names, addresses and places compare without word spaces: where a space falls beside
    punctuation is not part of the value ('NO.1, JALAN' and 'NO. 1, JALAN', 'D.I.Y.(M)' and
    'D. I. Y. (M)' are one address and one name), and printed spacing is what OCR and annotators
    disagree on most.
    """
    na, nb = normalize_value(a, kind), normalize_value(b, kind)
    if na is None or nb is None:
        return False
    if isinstance(na, Decimal) and isinstance(nb, Decimal):
        return na == nb
    if kind in ("name", "address", "text", "place") and fuzzy_threshold < 1.0:
        return similarity(str(na), str(nb)) >= fuzzy_threshold
    if kind in ("name", "address", "place") and isinstance(na, str) and isinstance(nb, str):
        return na.replace(" ", "") == nb.replace(" ", "")
    return na == nb
