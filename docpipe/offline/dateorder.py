"""Day/month order of a page's numeric dates, from the document's own evidence.

'04/05/2018' is April or May. Evidence, strongest first:
1. other dates on the page that can be read one way only ('28/04/2018' says day first);
2. dates written with dots (a day-first convention) or month names in a day-first language;
   payment terms ('Net 30', 'zahlbar innerhalb 14 Tagen') that relate two dates on the page
   (issue and due date) in one order only;
3. the language of the page's words (German, French, Spanish, Italian, Dutch, Portuguese and
   Malay write the day first) and its currency (USD alone hints month first; most others day
   first); checked against the spacing of its dates (`spacing_order`: two dates a usual term
   apart in one reading only); where the two disagree the order is not known;
4. the country the page's own words point to (`country_hint`): legal forms of one country's
   company law ('Sdn Bhd', 'GmbH', 'Inc.'), an international telephone prefix, a currency named
   in running text, words of a day-first language (street and place words such as 'jalan',
   'taman') on a page written in another one.
A page with no evidence leaves the order unresolved: its ambiguous dates then carry that in
their features, and their confidence is low rather than a guess at full confidence.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from docpipe.grounding.currency import US_STATE_ZIP, detect_currency
from docpipe.grounding.dates import MONTHS, _MONTHS_DAY_FIRST, _MONTHS_EN  # noqa: PLC2701 - one month table
from docpipe.grounding.layout import PageLayout
from docpipe.grounding.textnorm import fold
from docpipe.offline.prose_lexicon import countries_named

_NUMERIC = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{2}|\d{4})$")

# Frequent words that mark a language (folded, no diacritics); labels and function words.
_LANGUAGE_WORDS: dict[str, frozenset[str]] = {
    "de": frozenset("und der die das mit fur von rechnung datum betrag summe mwst ust zahlbar bitte "
                    "gesamt netto brutto menge preis kunde lieferant steuer".split()),
    "fr": frozenset("le la les et des du pour facture montant tva ttc ht prix quantite client "
                    "fournisseur echeance paiement".split()),
    "es": frozenset("el los las y del para factura importe iva precio cantidad cliente fecha total".split()),
    "it": frozenset("il lo gli e della per fattura importo iva prezzo quantita cliente data totale".split()),
    "nl": frozenset("de het en van voor factuur bedrag btw prijs aantal klant datum totaal".split()),
    "pt": frozenset("o os e do da para fatura valor iva preco quantidade cliente data".split()),
    "ms": frozenset("jalan jln taman tunai baki jumlah terima kasih barang bayar sdn bhd".split()),
    "en": frozenset("the and of for invoice amount total due tax please price quantity customer date "
                    "thank you".split()),
}
_DAY_FIRST_LANGUAGES = {"de", "fr", "es", "it", "nl", "pt", "ms"}
_MONTH_FIRST_CURRENCIES = {"USD"}


@dataclass(frozen=True)
class DateOrder:
    """The page's day/month order: day_first None when nothing on the page says."""

    day_first: bool | None
    # 'dates' (an unambiguous date), 'style' (dots, month names), 'terms', 'locale', 'country',
    # 'conflict' (locale or country against the spacing of the dates, `spacing_order`: day_first
    # is the locale's, but the order is not known), 'none'
    evidence: str

    @property
    def firm(self) -> bool:
        return self.evidence in ("dates", "style", "terms")

    @property
    def known(self) -> bool:
        """Something on the page says which order, and nothing says the other."""
        return self.day_first is not None and self.evidence != "conflict"


def language_of(words: list[str]) -> str | None:
    """The language most of the page's marker words belong to (None when too few)."""
    counts = {lang: 0 for lang in _LANGUAGE_WORDS}
    for w in words:
        key = fold(w).strip(".,:;()")
        for lang, vocab in _LANGUAGE_WORDS.items():
            if key in vocab:
                counts[lang] += 1
    lang, n = max(counts.items(), key=lambda kv: kv[1])
    runner_up = max(v for k, v in counts.items() if k != lang)
    return lang if n >= 3 and n >= 1.5 * runner_up else None


def date_order(layout: PageLayout) -> DateOrder:
    texts = [t.text for t in layout.tokens]
    dm = md = 0
    style_dm = style_md = 0
    for raw in texts:
        t = raw.strip().strip(",;")
        m = _NUMERIC.match(t)
        if m:
            a, b = int(m.group(1)), int(m.group(3))
            if a > 12 >= b >= 1:
                # '25-02-07' reads year first as well (2025-02-07): no vote for the day first
                dm += not _year_first_too(m)
            elif b > 12 >= a >= 1:
                md += 1
            elif m.group(2) == ".":
                style_dm += 1
            continue
        key = fold(t).strip(".")
        if key in _MONTHS_DAY_FIRST and key not in _MONTHS_EN:
            style_dm += 1
    for i, raw in enumerate(texts[:-1]):
        key = fold(raw).strip(".,")
        if key in MONTHS and re.fullmatch(r"\d{1,2}(st|nd|rd|th)?,?", texts[i + 1].strip()):
            style_md += 1  # 'June 5, 2015'
        elif key in MONTHS and i > 0 and re.fullmatch(r"\d{1,2}\.?", texts[i - 1].strip()):
            style_dm += 1  # '5 June 2015', '5. Juni 2015'
    if dm != md:
        return DateOrder(dm > md, "dates")
    if style_dm != style_md:
        return DateOrder(style_dm > style_md, "style")
    by_terms = terms_order(texts)
    if by_terms is not None:
        return DateOrder(by_terms, "terms")
    return _checked_by_spacing(_by_locale(texts), spacing_order(texts))


def _year_first_too(m: re.Match[str]) -> bool:
    """Whether a numeric date (`_NUMERIC`) of three two-digit groups also reads as year, month, day."""
    return len(m.group(1)) == len(m.group(4)) == 2 and 1 <= int(m.group(4)) <= 31


def _by_locale(texts: list[str]) -> DateOrder:
    lang = language_of(texts)
    if lang in _DAY_FIRST_LANGUAGES:
        return DateOrder(True, "locale")
    code, where = detect_currency(texts)
    if code is not None and where is not None:  # a currency printed on the page, not a guess from prose
        if code == "USD" and not any(t.strip("(").upper().startswith(_US_DOLLAR_MARKS) for t in texts):
            # A bare '$' is the dollar of many countries: what else points to the country decides
            # ('Singapore 560456', 'PTE LTD'), the '$' counting as one vote for the United States.
            hint = country_hint(texts, code)
            if hint is not None:
                return DateOrder(hint, "country")
        return DateOrder(code not in _MONTH_FIRST_CURRENCIES, "locale")
    hint = country_hint(texts, code)
    if hint is not None:
        return DateOrder(hint, "country")
    return DateOrder(None, "none")


def _checked_by_spacing(order: DateOrder, spacing: bool | None) -> DateOrder:
    """The locale's or country's order, against the spacing of the page's dates: where they
    disagree the order is kept for reading but no longer counts as known ('conflict'). The
    spacing alone settles nothing (a due date a day after the issue date is rare, not wrong)."""
    if spacing is None or order.day_first is None or order.day_first == spacing:
        return order
    return DateOrder(order.day_first, "conflict")


# Usual distances between an issue date and a due, delivery or validity date, in days; a date one
# to three calendar months after another on the same day of the month counts too.
USUAL_SPACINGS = frozenset({7, 10, 14, 15, 20, 21, 28, 30, 31, 45, 60, 90})


def _months_apart(x: dt.date, y: dt.date) -> bool:
    months = (y.year - x.year) * 12 + y.month - x.month
    return 1 <= months <= 3 and x.day == y.day


def spacing_order(texts: list[str]) -> bool | None:
    """Day first (True) or month first (False) when two of the page's numeric dates, read one way
    only, lie a usual payment or validity term apart (USUAL_SPACINGS, or one to three months to
    the day): '08/11/2023' and '08/12/2023' are a month apart day first and a day apart month
    first. None when both readings or neither give such a spacing. Weaker than printed terms
    (`terms_order`): it only checks the locale's or country's order (`_checked_by_spacing`)."""
    return _one_order_fits(texts, lambda x, y: (y - x).days in USUAL_SPACINGS or _months_apart(x, y))


def _one_order_fits(texts: list[str], apart: Callable[[dt.date, dt.date], bool]) -> bool | None:
    """Day first (True) or month first (False) when, read that way only, two of the page's numeric
    dates x < y satisfy `apart(x, y)`; None when both readings or neither do."""
    readings: list[tuple[dt.date | None, dt.date | None]] = []
    for raw in texts:
        m = _NUMERIC.match(raw.strip().strip(",;"))
        if not m:
            continue
        a, b, year = int(m.group(1)), int(m.group(3)), int(m.group(4))
        year += 2000 if year < 100 else 0
        readings.append((_day(year, b, a), _day(year, a, b)))
    fits = {True: False, False: False}
    for i, first in enumerate(readings):
        for second in readings[i + 1:]:
            for day_first, k in ((True, 0), (False, 1)):
                x, y = first[k], second[k]
                if x is not None and y is not None and x != y and apart(min(x, y), max(x, y)):
                    fits[day_first] = True
    if fits[True] == fits[False]:
        return None
    return fits[True]


# 'Net 30', 'net 14 days', '30 days', '14 Tage(n)', '30 jours', '30 días', '30 giorni', '30 dagen'.
_TERMS = re.compile(r"\bnet\s*(\d{1,3})\b|\b(\d{1,3})\s*(?:days?|tage[n]?|jours?|d[ií]as|giorni|dagen)\b")


def _day(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def terms_order(texts: list[str]) -> bool | None:
    """Day first (True) or month first (False) when the page's payment terms (N days) hold
    between two of its numeric dates in one reading only; None otherwise."""
    line = " ".join(texts).lower()
    days = {int(a or b) for a, b in _TERMS.findall(line) if 0 < int(a or b) <= 180}
    if not days:
        return None
    return _one_order_fits(texts, lambda x, y: (y - x).days in days)


# Legal forms of company law whose country writes numeric dates one way: day first (Malaysia,
# Singapore, Germany, Austria, France, the Netherlands, Belgium, Spain, Italy, the Nordics,
# Central Europe, Australia, India, Brazil, Indonesia, the UK) or month first (the United States).
# Forms used in several conventions ('Ltd', 'Corp', 'SA', 'AB', 'Co') say nothing.
_DAY_FIRST_FORMS = frozenset(
    "gmbh mbh gesmbh kg ohg ug gbr kgaa sarl sas sasu eurl bv vof srl spa sl slu oy oyj aps kft zrt sro "
    "spzoo doo pty sdn bhd berhad sendirian pte ltda tbk plc pvt".split())
_MONTH_FIRST_FORMS = frozenset({"inc", "llc"})
_PHONE_PREFIX = re.compile(r"^\(?\+(\d{1,4})\)?[-\d ]*$")  # '+603-3362', '(+49)'; not '+12.50'
# Marker words that are English words too, or the same in several languages with either order.
_SHARED_WORDS = frozenset({"data", "client", "cliente", "valor", "para", "total"})
# Country calling codes: +1 (United States, Canada) writes month first; +63 (the Philippines)
# mixes both; every other code belongs to a day-first or year-first (unambiguous) convention.
_MONTH_FIRST_CALLING = ("1",)
_MIXED_CALLING = ("63",)


_US_DOLLAR_MARKS = ("USD", "US$", "U$S")  # a currency that names the United States
_MONTH_FIRST_COUNTRIES = frozenset({"united states", "united states of america", "usa", "u.s.a."})
_MIXED_COUNTRIES = frozenset({"canada", "philippines"})


def country_hint(texts: list[str], guessed_currency: str | None = None) -> bool | None:
    """Day first (True), month first (False) or None, from what points to the page's country.

    Votes: each legal form of `_DAY_FIRST_FORMS` / `_MONTH_FIRST_FORMS`, each telephone number
    with an international prefix, a United States state code with its ZIP code (one vote for the
    page), each country the page names (the United States month first,
    Canada and the Philippines neither, every other day first), a currency named in running text (`guessed_currency`, e.g.
    'RM' inside '(RM)'), and two or more distinct marker words (4 letters or more, not English
    words) of a day-first language. None on a tie or when nothing votes.
    """
    day = month = 0
    for raw in texts:
        key = re.sub(r"[^\w]", "", fold(raw))
        if key in _DAY_FIRST_FORMS:
            day += 1
        elif key in _MONTH_FIRST_FORMS:
            month += 1
        m = _PHONE_PREFIX.match(raw.strip())
        if m:
            digits = m.group(1)
            if digits.startswith(_MONTH_FIRST_CALLING):
                month += 1
            elif not digits.startswith(_MIXED_CALLING):
                day += 1
    if guessed_currency is not None:
        day += guessed_currency not in _MONTH_FIRST_CURRENCIES
        month += guessed_currency in _MONTH_FIRST_CURRENCIES
    if US_STATE_ZIP.search(" ".join(texts)):  # 'San Francisco, CA 94103': a United States address
        month += 1
    for country in set(countries_named(" ".join(texts))):  # 'Singapore 560456', '10115 Berlin, Deutschland'
        if country in _MONTH_FIRST_COUNTRIES:
            month += 1
        elif country not in _MIXED_COUNTRIES:
            day += 1
    english = _LANGUAGE_WORDS["en"]
    for lang in _DAY_FIRST_LANGUAGES:
        own = {k for k in (fold(t).strip(".,:;()") for t in texts)
               if k in _LANGUAGE_WORDS[lang] and k not in english and len(k) >= 4 and k not in _SHARED_WORDS}
        if len(own) >= 2:
            day += 1
    if day == month:
        return None
    return day > month
