"""Currency symbols and codes -> ISO 4217."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from docpipe.grounding.textnorm import fold, is_legal_form

# Codes we accept when printed on a page. Deliberately excludes codes that are common words in
# capitals ("ALL", "TOP", "CUP", "MOP") so a heading cannot turn into a currency.
ISO_CODES = frozenset(
    "EUR USD GBP CHF JPY CNY INR CAD AUD NZD SEK NOK DKK PLN CZK HUF RON BGN HRK RUB UAH TRY "
    "BRL MXN ARS CLP COP PEN ZAR EGP NGN KES MAD HKD SGD KRW TWD THB MYR IDR PHP VND PKR LKR "
    "BDT AED SAR QAR KWD BHD OMR ILS ISK RSD".split()
)

# Longest first so "US$" wins over "$".
SYMBOLS: dict[str, str] = {
    "US$": "USD", "U$S": "USD", "CA$": "CAD", "C$": "CAD", "AU$": "AUD", "A$": "AUD", "NZ$": "NZD",
    "HK$": "HKD", "S$": "SGD", "R$": "BRL", "MX$": "MXN", "SFR.": "CHF", "SFR": "CHF", "FR.": "CHF",
    "RS.": "INR", "RS": "INR", "INR.": "INR", "RM": "MYR", "RP.": "IDR", "RP": "IDR", "€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY",
    "₹": "INR", "₨": "INR", "₽": "RUB", "₺": "TRY", "₩": "KRW", "₪": "ILS", "฿": "THB", "₫": "VND",
    "₱": "PHP", "₴": "UAH", "ZŁ": "PLN", "KČ": "CZK", "FT": "HUF", "元": "CNY", "RMB": "CNY",
    "EURO": "EUR", "EUROS": "EUR", "TL": "TRY",
}
SYMBOL_RE = re.compile(
    "|".join(re.escape(s) for s in sorted(SYMBOLS, key=len, reverse=True)), re.IGNORECASE
)
_CONTEXT_WORDS: dict[str, str] = {
    "euro": "EUR", "euros": "EUR", "us dollars": "USD", "us dollar": "USD",
    "canadian dollar": "CAD", "canadian dollars": "CAD", "australian dollar": "AUD",
    "australian dollars": "AUD", "pound sterling": "GBP", "pounds sterling": "GBP",
    "rupees": "INR", "rupee": "INR", "swiss francs": "CHF", "francs suisses": "CHF",
}
# Symbols that several currencies share: page context may name the specific one.
_DOLLAR_LIKE = {"USD", "CAD", "AUD", "NZD", "HKD", "SGD", "MXN", "COP", "CLP", "ARS"}
# A '$' on a page whose money words are Spanish or Portuguese ('IVA', 'efectivo', 'cambio'): the
# peso or real of a country the page does not name, not the US dollar (two such words needed).
_PESO_WORDS = re.compile(r"\b(?:iva|efectivo|cambio|total a pagar|importe|folio|boleta|vuelto|troco|"
                         r"dinheiro|propina|subtotal sin iva)\b")
UNKNOWN_DOLLAR = "?"  # `_dollar_from_context`: a dollar sign that is not the US dollar's, of no known country


def currency_of_token(token: str) -> str | None:
    """ISO code for a token that is exactly a currency code or symbol ('€', 'EUR', 'Rs.')."""
    t = token.strip().strip(":;,()")
    if not t:
        return None
    if t in ISO_CODES:
        return t
    code = SYMBOLS.get(t.upper())
    if code is None:
        return None
    if t.upper() in _WORD_SYMBOLS and not t[0].isupper():
        return None  # 'rs', 'ft' in running text are not currencies ('zł', 'Kč' are printed lower-case)
    return code


def is_krona_sign(token: str) -> bool:
    """'kr', 'kr.', 'Kr': the sign the Swedish, Norwegian, Danish and Icelandic currencies share."""
    return bool(_KRONA_RE.match(token.strip().strip(":;,()")))


def _code_in_text(t: str) -> str | None:
    if t.upper() in ISO_CODES:
        return t.upper()
    if t.upper() in SYMBOLS:
        return SYMBOLS[t.upper()]
    lowered = fold(t)
    for word in sorted(_CONTEXT_WORDS, key=len, reverse=True):
        if re.search(rf"\b{re.escape(word)}\b", lowered):
            return _CONTEXT_WORDS[word]
    for tok in t.split():
        code = currency_of_token(tok)
        if code:
            return code
        # Attached symbols ('€12', '12,50€'); letter symbols only when not inside a word.
        m = SYMBOL_RE.match(tok) or SYMBOL_RE.search(tok[-3:])
        if m and not m.group(0).isalpha():
            return SYMBOLS[m.group(0).upper()]
    return None


def normalize_currency(text: str, context: str | None = None) -> str | None:
    """'€' -> 'EUR', 'eur' -> 'EUR', '$' -> 'USD' (or CAD when the context says Canadian dollars)."""
    t = text.strip()
    if not t:
        return None
    code = _code_in_text(t)
    if code == "USD" and context:
        better = _dollar_from_context(context)
        if better == UNKNOWN_DOLLAR:
            return None
        if better:
            return better
    return code


# A United States postal address's last line: the state's two-letter USPS code and a ZIP code (not
# Delaware's DE, which also opens German postcodes: 'DE 12345 Berlin').
_US_STATES = ("AL AK AZ AR CA CO CT DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY "
              "NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY").split()
US_STATE_ZIP = re.compile(r"(?<![\w-])(?:" + "|".join(_US_STATES) + r"),?\s+\d{5}(?:-\d{4})?(?![\w-])")

# What points to the country of a page's '$': the country named, and postal and tax-number
# conventions only one of the dollar countries uses (each one vote, a code or currency name two).
_DOLLAR_COUNTRIES = {
    "australia": "AUD", "canada": "CAD", "new zealand": "NZD", "aotearoa": "NZD", "singapore": "SGD",
    "hong kong": "HKD", "mexico": "MXN", "united states": "USD", "usa": "USD", "u.s.a.": "USD",
}
_DOLLAR_COUNTRY_RE = re.compile(r"\b(?:" + "|".join(re.escape(k) for k in sorted(_DOLLAR_COUNTRIES, key=len,
                                                                                 reverse=True)) + r")(?!\w)")
_DOLLAR_CONVENTIONS = (
    (re.compile(r"\b(?:NSW|VIC|QLD|TAS|ACT|NT|SA|WA)\s+\d{4}\b"), "AUD"),  # 'Manly NSW 2095'
    (re.compile(r"\bA\.?B\.?N\.?\b"), "AUD"),  # Australian Business Number
    (re.compile(r"\b(?:AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT)\s+[A-Z]\d[A-Z]\s?\d[A-Z]\d\b"), "CAD"),  # 'ON M5V 2T6'
    (re.compile(r"\b(?:GST/HST|HST)\b"), "CAD"),
    (re.compile(r"\bUEN\b"), "SGD"),  # Singapore's Unique Entity Number
    (re.compile(r"\bR\.?F\.?C\.?\b"), "MXN"),  # Mexico's tax id
    (re.compile(r"\bC\.\s?P\.\s?\d{5}\b"), "MXN"),  # a Mexican postcode ('C.P. 44100')
    (re.compile(r"\bCDMX\b|Ciudad de M[eé]xico"), "MXN"),  # Mexico City
    (re.compile(r"\bNIT\b"), "COP"),  # Colombia's tax id
    (re.compile(r"\bRUT\b"), "CLP"),  # Chile's tax id
    (re.compile(r"\bCUI[TL]\b"), "ARS"),  # Argentina's tax id
    (US_STATE_ZIP, "USD"),  # 'Eureka, CA 95501' (a state code and a ZIP)
)


# 'kr' is the sign of four currencies: the page's words say which one (each pattern one vote; a
# code printed on the page counts as well). Nothing on the page, or a tie: no currency.
KRONA_LIKE = frozenset({"SEK", "NOK", "DKK", "ISK"})
_KRONA_CONVENTIONS = (
    (re.compile(r"\b(?:sverige|sweden|svensk\w*|att betala|exkl\.? moms|bankgiro|plusgiro|momsreg\w*|"
                r"f-skatt|organisationsnummer)\b"), "SEK"),
    (re.compile(r"\b(?:norge|norway|norsk\w*|mva|merverdiavgift|a betale|foretaksregisteret)\b"), "NOK"),
    (re.compile(r"\b(?:danmark|denmark|dansk\w*|cvr|at betale|ekskl\.? moms|i alt)\b"), "DKK"),
    (re.compile(r"\b(?:island|iceland|vsk|kennitala)\b"), "ISK"),
)
_KRONA_RE = re.compile(r"^kr\.?$", re.IGNORECASE)
# 'R' before an amount with decimals ('R46 272,60', 'R 1 250.00', 'R53.20') is the South African
# rand's sign; 'R2', 'R 12' or 'R-2024' are not amounts.
RAND_RE = re.compile(r"^R\s?(\d{1,3}(?:[ ,.]?\d{3})*[.,]\d{2})$")


def rand_at(tokens: list[str], i: int) -> bool:
    """Token i opens a rand amount: 'R53.20' alone, or 'R' / 'R46' with the rest of the amount in
    the next token ('R 53.20', 'R46 272,60')."""
    t = tokens[i].strip()
    if RAND_RE.match(t):
        return True
    nxt = tokens[i + 1].strip().rstrip(";:") if i + 1 < len(tokens) else ""
    if t == "R":
        return bool(RAND_RE.match(f"R {nxt}"))
    return bool(re.fullmatch(r"R\d{1,3}", t) and re.fullmatch(r"\d{3}[.,]\d{2}", nxt))


def krona_from_context(context: str) -> str | None:
    """Which krona/krone a page's 'kr' is (`_KRONA_CONVENTIONS`, on folded lower-case words; ISO
    codes printed on the page count too), or None when nothing or a tie decides."""
    codes = Counter(tok for tok in re.findall(r"\b[A-Z]{3}\b", context) if tok in KRONA_LIKE)
    lowered = fold(context)
    for pattern, code in _KRONA_CONVENTIONS:
        codes[code] += len(set(pattern.findall(lowered)))
    return _settled(codes)


def _settled(codes: Counter[str]) -> str | None:
    """The code with the most votes; None when nothing voted or the first two tie."""
    ranked = [(code, n) for code, n in codes.most_common() if n > 0][:2]
    if not ranked or len(ranked) == 2 and ranked[0][1] == ranked[1][1]:
        return None  # a tie: nothing settles it
    return ranked[0][0]


# Accepted ISO codes that are also English words in capitals on an item line ('PEN BLUE 2.50',
# 'TRY ME'): they count only as an amount's code (`_code_of_amount`).
_WORD_CODES = frozenset({"PEN", "TRY", "MAD"})
_IN_BRACKETS_AT_END = re.compile(r"\w\s*\(([€$£¥₹]|[A-Z]{2,3})\)$")


def currency_in_heading(token: str) -> str | None:
    """The currency a word closes in brackets, as a column heading names its unit ('PREZZO(€)',
    'AMOUNT(RM)', 'Betrag(EUR)'), or None."""
    m = _IN_BRACKETS_AT_END.search(token.strip())
    if m is None:
        return None
    sym = m.group(1)
    if sym in ISO_CODES:
        return sym
    return SYMBOLS.get(sym.upper())


def _dollar_from_context(context: str) -> str | None:
    """The dollar currency the page's words point to (see `_DOLLAR_CONVENTIONS`), or None."""
    codes = Counter(tok for tok in re.findall(r"\b[A-Z]{3}\b", context) if tok in _DOLLAR_LIKE)
    for tok in list(codes):
        codes[tok] *= 2
    lowered = fold(context)
    for word, code in _CONTEXT_WORDS.items():
        if code in _DOLLAR_LIKE and word in lowered:
            codes[code] += 2
    for country in set(_DOLLAR_COUNTRY_RE.findall(lowered)):
        codes[_DOLLAR_COUNTRIES[country]] += 1
    for pattern, code in _DOLLAR_CONVENTIONS:
        if pattern.search(context):
            codes[code] += 1
    if not codes:
        return UNKNOWN_DOLLAR if len(set(_PESO_WORDS.findall(lowered))) >= 2 else None
    return _settled(codes)


def detect_currency(tokens: Iterable[str]) -> tuple[str | None, int | None]:
    """Most frequent currency on a page and the index of its first token.

    ISO codes outweigh symbols: a page that writes both '$' and 'CAD' is in CAD.
    """
    votes: Counter[str] = Counter()
    first: dict[str, int] = {}
    text_parts: list[str] = []
    krona = 0
    tokens = list(tokens)
    for i, raw in enumerate(tokens):
        text_parts.append(raw)
        t = raw.strip().strip(":;,()*")
        if t.endswith(".") and t[:-1] in ISO_CODES:
            t = t[:-1]  # '1.505,31 EUR.' at a sentence's end
        code: str | None = None
        weight = 0
        if _KRONA_RE.match(t) and (_MONEY_RE.match(tokens[i - 1].strip() if i else "")
                                   or _NUMBER_RE.match(tokens[i + 1].strip() if i + 1 < len(tokens) else "")):
            krona += 2  # '1 234,50 kr', 'kr 1 234,50': which krona, the page's words say
            first.setdefault("kr", i)
            continue
        if rand_at(tokens, i):
            votes["ZAR"] += 2
            first.setdefault("ZAR", i)
            continue
        if t in ISO_CODES:
            # A code that is also a legal form ('SDN BHD': Berhad, not Bahraini dinars) counts only
            # beside an amount with decimals, never right after another legal-form word.
            if t in _WORD_CODES and not _code_of_amount(tokens, i):
                text_parts.pop()  # 'PEN BLUE 2.50', 'TRY AGAIN': a word, unless it is an amount's code
            elif not is_legal_form(t) or _decimals_beside(tokens, i) and not (i and is_legal_form(tokens[i - 1])):
                code, weight = t, 3
            else:
                text_parts.pop()
        else:
            match = SYMBOL_RE.match(t)
            if match is not None and (len(match.group(0)) == len(t) or _is_number_after(t, match.end())):
                sym = match.group(0).upper()
                # Bare 'Rs', 'Ft', 'Fr.' are also words and units ('6 ft'): they count only beside
                # a money amount (a number with decimals) before or after them.
                if sym in _WORD_SYMBOLS and len(match.group(0)) == len(t):
                    if _money_beside(tokens, i):
                        code, weight = SYMBOLS[sym], 1
                else:
                    code, weight = SYMBOLS[sym], 2
            else:
                tail = re.search(r"\d([€$£¥₹])$", t)
                if tail:
                    code, weight = SYMBOLS[tail.group(1)], 2
                elif heading := currency_in_heading(raw):
                    code, weight = heading, 1  # a column heading's unit ('PREZZO(€)', 'AMT(RM)'): one vote
                else:
                    code, weight = _attached_to_amount(t), 2
        if code:
            votes[code] += weight
            first.setdefault(code, i)
    if krona:
        which = krona_from_context(" ".join(text_parts))
        if which:
            votes[which] += krona
            first.setdefault(which, first["kr"])
    if not votes:
        code = normalize_currency(" ".join(text_parts)) if text_parts else None
        return code, None
    best = votes.most_common(1)[0][0]
    if best == "USD":
        better = _dollar_from_context(" ".join(text_parts))
        if better == UNKNOWN_DOLLAR:
            return None, None
        if better:
            return better, first.get(better, first[best])
    return best, first[best]


def _attached_to_amount(token: str) -> str | None:
    """The currency of one word that is a money amount with its code or symbol attached
    ('EUR1505.31', '1505.31EUR', '1.505,31\u00a0€' kept as one word, 'CHF12.-'); None otherwise."""
    if not any(ch.isdigit() for ch in token) or not any(ch.isalpha() or ch in "€$£¥₹" for ch in token):
        return None
    from docpipe.grounding.amounts import read_amount  # amounts imports this module

    reading = read_amount(token)
    return reading.currency if reading is not None and reading.has_decimals else None


_WORD_SYMBOLS = {"RS", "FT", "FR.", "SFR", "RM", "RP", "RP.", "EURO", "EUROS", "TL"}
_MONEY_RE = re.compile(r"^[-+(]?\d[\d.,' ]*[.,]\d{2}\)?$")


_NUMBER_RE = re.compile(r"^[-+(]?\d[\d.,' ]*\)?$")


def _money_beside(tokens: list[str], i: int) -> bool:
    """Token i is a currency, not a word or unit: a number follows it ('Rs 1939', 'RM 30.90'), or an
    amount with decimals precedes it ('1 234,00 Ft'); a unit follows a whole number ('6 ft')."""
    if not tokens[i].strip()[:1].isupper():
        return False  # 'rs', 'ft' in running text
    after = tokens[i + 1].strip().strip(":;") if i + 1 < len(tokens) else ""
    before = tokens[i - 1].strip().strip(":;") if i > 0 else ""
    if before.isdigit():
        return False  # '6 FT': a unit after a count
    return bool(_NUMBER_RE.match(after)) or bool(_MONEY_RE.match(before))


def _code_of_amount(tokens: list[str], i: int) -> bool:
    """Whether a code that is also a word (`_WORD_CODES`) is an amount's currency: an amount with
    decimals follows it ('PEN 120.00'), or precedes it and no word follows ('120.00 PEN' at a line's
    end, not '13.90 PEN BLUE' where the item line after an amount opens with it)."""
    after = tokens[i + 1].strip().strip(":;") if i + 1 < len(tokens) else ""
    before = tokens[i - 1].strip().strip(":;") if i > 0 else ""
    if _MONEY_RE.match(after):
        return True
    return bool(_MONEY_RE.match(before)) and not after.isalpha()


def _decimals_beside(tokens: list[str], i: int) -> bool:
    """An amount with decimals right before or after token i ('BHD 12.500', '12.500 BHD')."""
    after = tokens[i + 1].strip().strip(":;") if i + 1 < len(tokens) else ""
    before = tokens[i - 1].strip().strip(":;") if i > 0 else ""
    return bool(_MONEY_RE.match(after) or _MONEY_RE.match(before) or re.match(r"^\d+[.,]\d{3}$", after))


def _is_number_after(token: str, pos: int) -> bool:
    rest = token[pos:].strip()
    return bool(rest) and (rest[0].isdigit() or rest[0] in "-(")
