"""Day/month order of a page's numeric dates, from the document's own evidence.

'04/05/2018' is April or May. Evidence, strongest first:
1. other dates on the page that can be read one way only ('28/04/2018' says day first);
2. dates written with dots (a day-first convention) or month names in a day-first language;
3. the language of the page's words (German, French, Spanish, Italian, Dutch, Portuguese and
   Malay write the day first) and its currency (USD alone hints month first; most others day
   first).
A page with no evidence leaves the order unresolved: its ambiguous dates then carry that in
their features, and their confidence is low rather than a guess at full confidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from docpipe.grounding.currency import detect_currency
from docpipe.grounding.dates import MONTHS, _MONTHS_DAY_FIRST, _MONTHS_EN  # noqa: PLC2701 - one month table
from docpipe.grounding.layout import PageLayout
from docpipe.grounding.textnorm import fold

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
    evidence: str  # 'dates' (an unambiguous date), 'style' (dots, month names), 'locale', 'none'

    @property
    def firm(self) -> bool:
        return self.evidence in ("dates", "style")


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
                dm += 1
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
    lang = language_of(texts)
    if lang in _DAY_FIRST_LANGUAGES:
        return DateOrder(True, "locale")
    code, where = detect_currency(texts)
    if code is not None and where is not None:  # a currency printed on the page, not a guess from prose
        return DateOrder(code not in _MONTH_FIRST_CURRENCIES, "locale")
    return DateOrder(None, "none")
