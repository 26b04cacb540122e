"""General vocabulary for reading fields out of running text (contracts, letters, reports).

Two parts, both general language and geography, keyed by concept, never by a document:
- CONCEPT_CUES: for a concept word that appears in a field's name, labels or description
  ('effective', 'jurisdiction', 'term', 'party', ...), the phrases that introduce such a value in
  a sentence, each with a weight 0-1, and phrases that speak against it. A field whose words
  name no concept still has its own name, labels and description as cues.
- PLACES: names of countries, US states and Canadian provinces, for place spans.
"""

from __future__ import annotations

import re

from docpipe.grounding.textnorm import fold


class Concept:
    """Cue phrases of one concept: `cues` for, `against` against (phrase -> weight 0-1);
    `opening`: such values are stated in a document's opening clause (parties, its date)."""

    __slots__ = ("cues", "against", "opening")

    def __init__(self, cues: dict[str, float], against: dict[str, float] | None = None, opening: bool = False):
        self.cues = cues
        self.against = against or {}
        self.opening = opening


_EFFECTIVE = Concept(
    {"effective date": 1.0, "effective as of": 1.0, "effective": 0.8, "as of": 0.7, "dated as of": 0.8,
     "dated": 0.6, "entered into": 0.6, "made and entered": 0.6, "made": 0.3, "executed": 0.3},
    against={"original": 0.5, "prior agreement": 0.5, "expire": 0.4, "terminat": 0.4}, opening=True)
_START = Concept({"commence": 0.9, "commencement": 0.9, "start": 0.8, "begin": 0.8, "effective": 0.6, "from": 0.2},
                 opening=True)
_END = Concept({"expire": 0.9, "expiration": 0.9, "expiry": 0.9, "terminate": 0.7, "termination": 0.7,
                "until": 0.5, "end": 0.4})
_GOVERNING_LAW = Concept(
    {"governed by": 1.0, "governing law": 1.0, "construed": 0.8, "in accordance with the laws": 0.9,
     "laws of": 0.6, "law of": 0.6, "jurisdiction": 0.7, "courts": 0.5, "venue": 0.6, "submit": 0.3},
    against={"organized under": 0.7, "organised under": 0.7, "incorporated under": 0.7, "corporation": 0.4,
             "limited liability company": 0.4, "located": 0.3, "offices": 0.3, "place of business": 0.4})
_TERM = Concept(
    {"term of this agreement": 1.0, "term": 0.9, "for a period of": 0.7, "period of": 0.6, "survive": 0.8,
     "remain in effect": 0.9, "remain in full force": 0.9, "full force and effect": 0.9, "in effect": 0.5,
     "continue": 0.4, "expire": 0.7, "expiration": 0.6, "terminate": 0.5, "termination": 0.4,
     "from the effective date": 0.8, "from the date": 0.6, "after the date": 0.4, "anniversary": 0.6,
     "duration": 0.8, "obligations": 0.4},
    against={"notice": 0.8, "within": 0.5, "prior to": 0.3, "days of receipt": 0.6, "business days": 0.4,
             "employment": 0.6, "preceding": 0.5, "statute of limitations": 0.6, "solicit": 0.6,
             "nonsolicit": 0.6, "standstill": 0.6, "noncompet": 0.6, "nonhire": 0.6, "hire": 0.4})
_PARTY = Concept(
    {"by and between": 1.0, "by and among": 1.0, "between": 0.9, "among": 0.8, "entered into by": 0.8,
     "party": 0.5, "parties": 0.5, "in witness whereof": 0.6, "undersigned": 0.5},
    opening=True)
_SIGNATURE = Concept({"in witness whereof": 1.0, "signature": 0.8, "signed": 0.8, "executed": 0.7, "by:": 0.5})
_NOTICE = Concept({"notice": 1.0, "written notice": 1.0, "notify": 0.8, "prior written": 0.7})
_RENEWAL = Concept({"renew": 1.0, "renewal": 1.0, "successive": 0.7, "automatically": 0.5, "extend": 0.6})
_PAYMENT = Concept({"pay": 0.7, "payment": 0.8, "fee": 0.8, "price": 0.8, "amount": 0.6, "sum of": 0.7,
                    "rent": 0.8, "salary": 0.9, "compensation": 0.8, "consideration": 0.5})
_PLACE = Concept({"located": 0.7, "location": 0.8, "situated": 0.7, "premises": 0.5})


def _role(*words: str) -> Concept:
    return Concept({w: 1.0 for w in words}, opening=True)


CONCEPT_CUES: dict[str, Concept] = {
    "effective": _EFFECTIVE, "agreement_date": _EFFECTIVE, "execution": _SIGNATURE, "signature": _SIGNATURE,
    "signed": _SIGNATURE, "signing": _SIGNATURE,
    "start": _START, "commencement": _START, "begin": _START,
    "end": _END, "expiry": _END, "expiration": _END, "expire": _END, "termination": _END,
    "jurisdiction": _GOVERNING_LAW, "governing": _GOVERNING_LAW, "law": _GOVERNING_LAW, "venue": _GOVERNING_LAW,
    "term": _TERM, "duration": _TERM, "period": _TERM, "validity": _TERM, "tenure": _TERM,
    "party": _PARTY, "parties": _PARTY, "counterparty": _PARTY, "signatory": _PARTY, "signatories": _PARTY,
    "notice": _NOTICE, "renewal": _RENEWAL,
    "payment": _PAYMENT, "fee": _PAYMENT, "price": _PAYMENT, "amount": _PAYMENT, "rent": _PAYMENT,
    "salary": _PAYMENT, "compensation": _PAYMENT,
    "location": _PLACE, "place": _PLACE, "premises": _PLACE,
    "employer": _role("employer", "company"), "employee": _role("employee", "executive"),
    "landlord": _role("landlord", "lessor"), "lessor": _role("lessor", "landlord"),
    "tenant": _role("tenant", "lessee"), "lessee": _role("lessee", "tenant"),
    "buyer": _role("buyer", "purchaser"), "purchaser": _role("purchaser", "buyer"),
    "seller": _role("seller", "vendor"), "vendor": _role("vendor", "seller", "supplier"),
    "licensor": _role("licensor"), "licensee": _role("licensee"),
    "lender": _role("lender"), "borrower": _role("borrower"),
    "discloser": _role("disclosing party", "discloser"), "disclosing": _role("disclosing party", "discloser"),
    "recipient": _role("receiving party", "recipient"), "receiving": _role("receiving party", "recipient"),
    "consultant": _role("consultant", "contractor"), "contractor": _role("contractor", "consultant"),
    "client": _role("client", "customer"), "customer": _role("customer", "client"),
}

# Entity types after a name in an appositive: 'Acme, Inc., a Delaware corporation'.
ENTITY_WORDS = (
    "corporation", "company", "limited liability company", "limited partnership", "partnership",
    "banking association", "association", "trust", "bank", "cooperative", "nonprofit corporation",
    "public limited company", "societe anonyme", "gmbh",
)

_COUNTRIES = (
    "United States of America", "United States", "United Kingdom", "England and Wales", "England", "Scotland",
    "Wales", "Northern Ireland", "Ireland", "Canada", "Mexico", "Brazil", "Argentina", "Chile", "Colombia", "Peru",
    "Germany", "France", "Italy", "Spain", "Portugal", "Netherlands", "Belgium", "Luxembourg", "Switzerland",
    "Austria", "Denmark", "Sweden", "Norway", "Finland", "Iceland", "Poland", "Czech Republic", "Hungary",
    "Greece", "Turkey", "Israel", "Egypt", "South Africa", "Nigeria", "Kenya", "India", "China", "Japan",
    "South Korea", "Korea", "Singapore", "Hong Kong", "Taiwan", "Malaysia", "Indonesia", "Thailand", "Vietnam",
    "Philippines", "Australia", "New Zealand", "Russia", "Ukraine", "United Arab Emirates", "Saudi Arabia",
    "Cayman Islands", "Bermuda", "British Virgin Islands",
)
# The same countries as printed in their own languages on the last line of a postal address.
_COUNTRIES_NATIVE = (
    "Deutschland", "Osterreich", "Schweiz", "Suisse", "Svizzera", "Nederland", "Belgie", "Belgique", "Espana",
    "Italia", "Polska", "Danmark", "Sverige", "Norge", "Suomi", "Cesko", "Magyarorszag", "Turkiye", "Brasil",
    "Mexico", "Nippon",
)
_COUNTRY_AT_END = re.compile(
    r"(?:^|[\s,])(?:" + "|".join(re.escape(fold(c)) for c in sorted(_COUNTRIES + _COUNTRIES_NATIVE, key=len, reverse=True))
    + r")[\s.]*$")


_COUNTRY_IN_TEXT = re.compile(
    r"\b(?:" + "|".join(re.escape(fold(c)) for c in sorted(_COUNTRIES + _COUNTRIES_NATIVE + ("USA", "U.S.A."),
                                                          key=len, reverse=True)) + r")\b")


def countries_named(text: str) -> list[str]:
    """The countries a text names, folded ('singapore', 'united states', 'deutschland')."""
    return _COUNTRY_IN_TEXT.findall(fold(text))


def ends_with_country(text: str) -> bool:
    """Whether a line ends in a country's name ('56000 Kuala Lumpur, Malaysia', '10115 Berlin,
    Deutschland', 'FRANCE.'): the last line of a postal address."""
    return bool(_COUNTRY_AT_END.search(fold(text)))


_US_STATES = (
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut", "Delaware", "Florida",
    "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa", "Kansas", "Kentucky", "Louisiana", "Maine",
    "Maryland", "Massachusetts", "Michigan", "Minnesota", "Mississippi", "Missouri", "Montana", "Nebraska",
    "Nevada", "New Hampshire", "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota", "Ohio",
    "Oklahoma", "Oregon", "Pennsylvania", "Rhode Island", "South Carolina", "South Dakota", "Tennessee", "Texas",
    "Utah", "Vermont", "Virginia", "Washington", "West Virginia", "Wisconsin", "Wyoming", "District of Columbia",
    "Puerto Rico",
)
_PROVINCES = (
    "Ontario", "Quebec", "British Columbia", "Alberta", "Manitoba", "Saskatchewan", "Nova Scotia", "New Brunswick",
    "Newfoundland and Labrador", "Prince Edward Island",
)
_ALL_PLACES = sorted(_COUNTRIES + _US_STATES + _PROVINCES, key=len, reverse=True)
_BY_KEY = {fold(p): p for p in _ALL_PLACES}
PLACES = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in _ALL_PLACES) + r")\b", re.IGNORECASE)


def place_name(text: str) -> str | None:
    """The known place a text names ('NEW YORK' -> 'New York'), else None."""
    key = fold(" ".join(text.split())).strip(" .,;:")
    if key in _BY_KEY:
        return _BY_KEY[key]
    m = PLACES.match(text.strip())
    return _BY_KEY.get(fold(m.group(0))) if m and m.end() == len(text.strip()) else None
