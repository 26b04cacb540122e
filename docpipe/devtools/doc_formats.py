"""How amounts and dates are printed on the generated documents, per locale and style."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

NumberStyle = Literal["en", "de", "fr", "plain"]
DateStyle = Literal["long_en", "short_en", "us_slash", "dmy_dot", "dmy_slash", "long_fr", "long_gb", "iso",
                    "dmy_dash", "dmy_dash_yy", "dmy_slash_single", "long_de", "long_es", "long_it", "long_nl", "mdy_slash_single", "dmy_upper_mon"]

_SEPARATORS: dict[str, tuple[str, str]] = {"en": (",", "."), "de": (".", ","), "fr": (" ", ","), "plain": ("", ".")}
_MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December"]
_MONTHS_DE = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
              "November", "Dezember"]
_MONTHS_ES = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
              "noviembre", "diciembre"]
_MONTHS_IT = ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
              "ottobre", "novembre", "dicembre"]
_MONTHS_NL = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
              "november", "december"]
_MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
              "novembre", "décembre"]
CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def format_amount(value: Decimal, style: NumberStyle) -> str:
    thousands, decimal_mark = _SEPARATORS[style]
    whole, _, cents = f"{money(value):.2f}".partition(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return f"{sign}{thousands.join(groups)}{decimal_mark}{cents}"


def format_quantity(value: Decimal, style: NumberStyle) -> str:
    text = format(value.normalize(), "f")
    return text.replace(".", ",") if style in ("de", "fr") else text


def format_date(value: date, style: DateStyle) -> str:
    if style == "long_en":
        return f"{_MONTHS_EN[value.month - 1]} {value.day}, {value.year}"
    if style == "short_en":
        return f"{_MONTHS_EN[value.month - 1][:3]} {value.day}, {value.year}"
    if style == "us_slash":
        return f"{value.month:02d}/{value.day:02d}/{value.year}"
    if style == "dmy_dot":
        return f"{value.day:02d}.{value.month:02d}.{value.year}"
    if style == "dmy_slash":
        return f"{value.day:02d}/{value.month:02d}/{value.year}"
    if style == "long_fr":
        return f"{value.day} {_MONTHS_FR[value.month - 1]} {value.year}"
    if style == "long_gb":
        return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"
    if style == "long_de":  # '5. März 2024'
        return f"{value.day}. {_MONTHS_DE[value.month - 1]} {value.year}"
    if style == "long_es":  # '5 de marzo de 2024'
        return f"{value.day} de {_MONTHS_ES[value.month - 1]} de {value.year}"
    if style == "long_it":  # '5 marzo 2024'
        return f"{value.day} {_MONTHS_IT[value.month - 1]} {value.year}"
    if style == "long_nl":  # '5 maart 2024'
        return f"{value.day} {_MONTHS_NL[value.month - 1]} {value.year}"
    if style == "dmy_dash":  # '28-04-2018'
        return f"{value.day:02d}-{value.month:02d}-{value.year}"
    if style == "dmy_dash_yy":  # '28-04-18'
        return f"{value.day:02d}-{value.month:02d}-{value.year % 100:02d}"
    if style == "dmy_slash_single":  # '9/3/2018'
        return f"{value.day}/{value.month}/{value.year}"
    if style == "mdy_slash_single":  # '3/9/2018'
        return f"{value.month}/{value.day}/{value.year}"
    if style == "dmy_upper_mon":  # '12 JUN 2018'
        return f"{value.day:02d} {_MONTHS_EN[value.month - 1][:3].upper()} {value.year}"
    return value.isoformat()


def decimal_text(value: Decimal) -> str:
    """The truth's JSON form of a quantity: plain digits, '.' decimals, no exponent."""
    return format(value.normalize(), "f")
