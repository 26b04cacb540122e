"""Running text of a page and the typed spans in it: dates, lengths of time, places, names.

A page of prose (a contract, a letter) is read as one string in reading order: rows top to bottom,
words left to right, a paragraph break where the gap between rows exceeds about one line. Every
character offset maps back to the page's tokens (`grounding.layout.PageLayout`), so a span found in
the text is grounded on the words it was read from.

Spans are typed by what they look like, never by which field they might fill:
- date: 'May 20, 2014', 'the 11th day of January, 2012', '3/1/2015', '2015-03-01'
- duration: 'three (3) years', '12 months', 'a two-year period' (grounding.durations)
- place: 'State of New York', 'Commonwealth of Massachusetts', a country/state/province name
- name: an organisation ending in a legal form ('JDA Software Group, Inc.', 'PJM Interconnection,
  L.L.C.'), or a capitalised run introduced like a party: followed by a defined-term parenthetical
  ('David Shapiro (the "Employee")'), ', an individual' or ', a Delaware corporation'
- amount, identifier: a number with a currency; a code with digits ('PO-1002')
Each span carries its sentence, and for names the defined term that follows it (its alias).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from docpipe.grounding.amounts import read_amount
from docpipe.grounding.dates import date_candidates
from docpipe.grounding.durations import find_durations
from docpipe.grounding.layout import PageLayout
from docpipe.grounding.textnorm import fold, is_legal_form
from docpipe.offline.prose_lexicon import ENTITY_WORDS, PLACES, place_name

PARAGRAPH_GAP_LINES = 1.2  # a vertical gap wider than this many line heights starts a paragraph

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_ORD = r"(?:st|nd|rd|th)?"
DATE_RE = re.compile(
    rf"\b(?:{_MONTH}\s+\d{{1,2}}{_ORD}\s*,?\s+\d{{4}}"
    rf"|\d{{1,2}}{_ORD}\s+(?:day\s+of\s+)?{_MONTH}\s*,?\s+\d{{4}}"
    r"|\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4})\b",
    re.IGNORECASE,
)
# 'State of New York', 'Commonwealth of Massachusetts', 'Province of Ontario' (capitalised words).
_PLACE_OF_RE = re.compile(
    r"\b(?:State|STATE|Commonwealth|COMMONWEALTH|Province|PROVINCE|Republic|REPUBLIC|Kingdom|KINGDOM)\s+of\s+"
    r"((?:[A-Z][A-Za-z.'-]+)(?:\s+(?:[A-Z][A-Za-z.'-]+)){0,2})"
)
# A defined term in a parenthetical: '(the "Company")', '(collectively, "Liquidmetal")', '("VPC")'.
_ALIAS_RE = re.compile(r"\(([^()]{0,80}?)[\"“”‘’'`]{1,2}([^\"“”‘’'`()]{1,60}?)[\"“”‘’'`]{1,2}[^()]{0,40}\)")
_SENTENCE_END_RE = re.compile(r"(?<=[.;!?])[\"”’)]?\s+(?=[\"“(]?[A-Z0-9])|\n")
# Abbreviations that end with a dot inside a sentence.
_ABBREVIATIONS = {
    "inc", "corp", "co", "ltd", "llc", "l.l.c", "l.p", "lp", "n.a", "no", "mr", "mrs", "ms", "dr", "u.s", "st",
    "jr", "sr", "e.g", "i.e", "etc", "vs", "sec", "s.a", "b.v", "n.v", "p.c", "pte", "pty", "plc", "fig",
}
# Words that end a name when walking back from its legal form ('by and between Acme, Inc.').
_NAME_STOP = {
    "between", "among", "amongst", "by", "and", "with", "to", "from", "for", "this", "that", "is", "are", "was",
    "made", "entered", "into", "agreement", "dated", "as", "the", "a", "an", "on", "in", "at", "or", "whereas",
    "hereby", "each", "its", "their", "any", "such", "other", "than", "party", "parties", "of", "all", "certain",
    "said", "same", "both", "either", "neither", "no", "none", "our", "your", "his", "her",
    # titles and form words printed before a name in signature blocks and letters
    "secretary", "president", "chairman", "officer", "director", "title", "name", "attention", "attn", "re",
    "dear", "vice", "chief", "treasurer", "manager", "counsel", "signature", "witness", "date", "dated",
}
_NAME_SUFFIXES = {"m.d", "md", "ph.d", "phd", "jr", "sr", "esq", "ii", "iii", "iv"}
# Words that make a capitalised run a document, a body or a legal concept rather than a party
# ('Mutual General Release', 'Securities and Exchange Commission', 'Board of Directors').
_NOT_PARTY_WORDS = {
    "agreement", "release", "warrant", "plan", "act", "policy", "information", "material", "materials",
    "transaction", "transactions", "program", "project", "purpose", "date", "period", "term", "section",
    "exhibit", "schedule", "notice", "claims", "claim", "rights", "securities", "commission", "board",
    "directors", "committee", "court", "courts", "code", "law", "laws", "rules", "regulation", "regulations",
    "confidential", "proprietary", "evaluation", "representatives", "affiliates", "subsidiaries", "business",
    "services", "products", "technology", "data", "documents", "stock", "shares", "offer", "merger",
}
_NAME_JOINERS = {"&", "of", "de", "du", "der", "van", "von"}  # inside a name when flanked by capitals
# Words of an address line: a run holding one is a place of business, not a name.
_ADDRESS_WORDS = {"street", "st", "road", "rd", "avenue", "ave", "drive", "dr", "suite", "ste", "boulevard", "blvd",
                  "floor", "lane", "court", "ct", "parkway", "pkwy", "highway", "plaza", "building", "box"}
_NOT_LEGAL_FORM = {"as", "ad", "ab", "se", "eg", "ev", "private", "sa"}  # common words that is_legal_form accepts
_INITIAL_RE = re.compile(r"^[A-Z]\.$")
_MONTH_NAMES = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                "november", "december"}


@dataclass(slots=True)
class Span:
    """A typed span of a page's running text."""

    kind: str  # date, duration, place, name, amount, identifier
    value: Any  # date, Duration, str (place/name/identifier), Decimal (amount)
    start: int  # character offsets into PageText.text
    end: int
    sentence: int  # index into PageText.sentences
    alias: str | None = None  # a defined term right after a name ('Company' in '(the "Company")')
    alias_gap: int = 0  # characters between the name and its alias parenthetical
    appositive: bool = False  # followed by ', a Delaware corporation' / ', an individual'
    legal_form: bool = False  # a name ending in a legal form
    features: dict[str, float] = field(default_factory=dict)


@dataclass(slots=True)
class PageText:
    """A page's words as one string in reading order, with offsets back to its tokens."""

    layout: PageLayout
    text: str
    token_starts: list[int]  # per stream position: the character offset of the token
    token_ids: list[int]  # per stream position: the PageLayout token id
    sentences: list[tuple[int, int]]  # (start, end) character offsets
    paragraphs: list[int]  # per sentence: the paragraph it belongs to (a vertical gap starts one)

    def tokens_in(self, start: int, end: int) -> list[int]:
        """PageLayout token ids of the words overlapping characters [start, end)."""
        lo = max(0, bisect_right(self.token_starts, start) - 1)
        hi = bisect_left(self.token_starts, end)
        out = []
        for pos in range(lo, hi):
            tok_start = self.token_starts[pos]
            tok_end = tok_start + len(self.layout.tokens[self.token_ids[pos]].text)
            if tok_end > start and tok_start < end:
                out.append(self.token_ids[pos])
        return out

    def sentence_of(self, offset: int) -> int:
        starts = [s for s, _ in self.sentences]
        return max(0, bisect_right(starts, offset) - 1)

    def word_position(self, offset: int) -> int:
        """How many words precede this character offset on the page."""
        return bisect_right(self.token_starts, offset)


def page_text(layout: PageLayout) -> PageText:
    """The running text of a page (see module doc)."""
    parts: list[str] = []
    starts: list[int] = []
    ids: list[int] = []
    offset = 0
    previous_bottom: float | None = None
    for row in layout.rows:
        if not row:
            continue
        top = min(layout.tokens[t].y0 for t in row)
        if previous_bottom is not None:
            sep = "\n" if top - previous_bottom > PARAGRAPH_GAP_LINES * layout.line_height else " "
            parts.append(sep)
            offset += 1
        for k, tid in enumerate(row):
            if k:
                parts.append(" ")
                offset += 1
            text = layout.tokens[tid].text
            starts.append(offset)
            ids.append(tid)
            parts.append(text)
            offset += len(text)
        previous_bottom = max(layout.tokens[t].y1 for t in row)
    text = "".join(parts)
    sentences, paragraphs = _sentences(text)
    return PageText(layout=layout, text=text, token_starts=starts, token_ids=ids, sentences=sentences,
                    paragraphs=paragraphs)


def _sentences(text: str) -> tuple[list[tuple[int, int]], list[int]]:
    """Sentence spans (a heading such as '17. Term.' is a sentence of its own) and paragraph ids."""
    out: list[tuple[int, int]] = []
    paragraphs: list[int] = []
    paragraph = 0
    start = 0
    for m in _SENTENCE_END_RE.finditer(text):
        if m.group(0) != "\n":
            before = text[start:m.start()].rstrip(".;!?\"”’)")
            last = before.rsplit(None, 1)[-1] if before.split() else ""
            if fold(last).strip("(") in _ABBREVIATIONS or _INITIAL_RE.match(last + "."):
                continue
        if m.start() > start:
            out.append((start, m.start()))
            paragraphs.append(paragraph)
        if m.group(0) == "\n":
            paragraph += 1
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
        paragraphs.append(paragraph)
    if not out:
        return [(0, len(text))], [0]
    return out, paragraphs


# -- detectors ---------------------------------------------------------------------------------------

def find_spans(pt: PageText, day_first: bool | None = None) -> list[Span]:
    """Every typed span of the page, in text order."""
    spans = _dates(pt, day_first) + _durations(pt) + _places(pt) + _names(pt) + _amounts_and_ids(pt)
    for s in spans:
        s.sentence = pt.sentence_of(s.start)
    spans.sort(key=lambda s: (s.start, -s.end))
    return spans


def _dates(pt: PageText, day_first: bool | None) -> list[Span]:
    out = []
    for m in DATE_RE.finditer(pt.text):
        raw = re.sub(r"\bday\s+of\b", " ", m.group(0), flags=re.IGNORECASE)
        found = date_candidates(re.sub(r"\s+", " ", raw), day_first)
        if found and isinstance(found[0], date):
            out.append(Span("date", found[0], m.start(), m.end(), 0))
    return out


def _durations(pt: PageText) -> list[Span]:
    return [Span("duration", d, a, b, 0) for a, b, d in find_durations(pt.text)]


def _places(pt: PageText) -> list[Span]:
    out: list[Span] = []
    taken: set[int] = set()
    for m in _PLACE_OF_RE.finditer(pt.text):
        name = place_name(m.group(1)) or _trim_place(m.group(1))
        if name:
            out.append(Span("place", name, m.start(), m.end(1), 0, features={"place_of": 1.0,
                                                                          "known_place": float(bool(place_name(m.group(1))))}))
            taken.update(range(m.start(), m.end()))
    for m in PLACES.finditer(pt.text):
        if m.start() in taken or not m.group(0)[0].isupper():
            continue
        out.append(Span("place", place_name(m.group(0)) or m.group(0), m.start(), m.end(), 0,
                        features={"known_place": 1.0}))
    return out


def _trim_place(text: str) -> str | None:
    words = [w.strip(".,;:") for w in text.split()]
    words = [w for w in words if w and w[0].isupper() and fold(w) not in _NAME_STOP]
    return " ".join(words) if words else None


def _is_name_word(text: str) -> bool:
    t = text.strip(",;:")
    if not t or t.startswith(("(", "\"", "“", "‘")):
        return False
    if t[0].isdigit():
        return any(ch.isalpha() for ch in t) and sum(ch.isdigit() for ch in t) <= 2  # '3M', not '80207'
    return t[0].isupper() or any(ch.isupper() for ch in t[1:3])  # 'uDate.com', 'eBay'


def _is_suffix(text: str) -> bool:
    return fold(text.strip(",;:")).rstrip(".") in _NAME_SUFFIXES


def _plausible_name(words: list[str], legal: bool = True) -> bool:
    """Not an address fragment, a date or a lone generic word; without a legal form, not a
    document or legal concept ('Mutual General Release')."""
    keys = [fold(w).strip(".,;:()") for w in words]
    if any(k in _ADDRESS_WORDS for k in keys):
        return False
    if not legal and any(k in _NOT_PARTY_WORDS for k in keys):
        return False
    if any(k in _MONTH_NAMES for k in keys) and any(any(ch.isdigit() for ch in w) for w in words):
        return False
    return any(len(k) > 1 and not is_legal_form(k) for k in keys)


def _legal_form_at(text: str) -> bool:
    t = text.strip(",;:)")
    return bool(t) and t[0].isupper() and is_legal_form(t) and fold(t).strip(".") not in _NOT_LEGAL_FORM


def _names(pt: PageText) -> list[Span]:
    layout = pt.layout
    words = [layout.tokens[t].text for t in pt.token_ids]
    out: list[Span] = []
    used_end: set[int] = set()
    n = len(words)
    i = 0
    while i < n:
        if not _legal_form_at(words[i]) or i == 0:
            i += 1
            continue
        end = i
        while end + 1 < n and _legal_form_at(words[end + 1]) and not words[end].endswith((")", ";")):
            end += 1  # 'Pte. Ltd.', 'GmbH & Co. KG'
        start = _walk_back(words, i)
        if start is not None and end + 1 < n and re.fullmatch(r"\d{4,}(?:-\d{4})?,?", words[end + 1]):
            start = None  # 'Denver, CO 80207': a state and postcode, not a legal form
        if start is not None:
            out.append(_name_span(pt, start, end, legal=True))
            used_end.add(end)
        i = end + 1
    # Capitalised runs introduced like a party: '... David Shapiro (the "Employee")', ', an individual'.
    for m in _ALIAS_RE.finditer(pt.text):
        pos = bisect_right(pt.token_starts, m.start()) - 1
        last = pos - 1 if pt.token_starts[pos] >= m.start() else pos
        if last < 0 or last in used_end:
            continue
        start = _capital_run(words, last)
        if start is not None:
            out.append(_name_span(pt, start, last, legal=False))
            used_end.add(last)
    for m in re.finditer(r",\s+(?:an?\s+)(?:individual|resident|[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?\s+(?:"
                         + "|".join(ENTITY_WORDS) + r"))\b", pt.text):
        pos = bisect_right(pt.token_starts, m.start()) - 1
        if pos < 0 or pos in used_end:
            continue
        start = _capital_run(words, pos)
        if start is not None:
            out.append(_name_span(pt, start, pos, legal=False))
            used_end.add(pos)
    return out


def _walk_back(words: list[str], form: int) -> int | None:
    """First word of the name that ends with the legal form at `form`; None when no name precedes it.

    The name may hold a comma only right before its legal form ('Acme Holdings, Inc.')."""
    start = form
    k = form - 1
    while k >= 0 and form - k <= 8:
        w = words[k]
        bare = w.rstrip(",;:")
        key = fold(bare).strip(".")
        if w.rstrip(",").endswith((")", ":", ";", "”", "\"", "’")) or w.startswith(("(", "“", "\"")):
            break
        if w.endswith(",") and k != form - 1:
            break
        if key in _NAME_JOINERS and k > 0 and _is_name_word(words[k - 1]) and (w == "&" or w[:1].islower()):
            k -= 1
            continue
        if key in _NAME_STOP or not _is_name_word(w):
            break
        if bare.endswith(".") and not (_legal_form_at(bare) or _INITIAL_RE.match(bare) or key in _ABBREVIATIONS):
            break  # a sentence ended here
        start = k
        k -= 1
    if start == form or not _plausible_name(words[start:form + 1]):
        return None
    return start


def _capital_run(words: list[str], last: int) -> int | None:
    """First word of a run of 2-5 capitalised words ending at `last` (initials allowed, no comma
    inside; a trailing 'M.D.', 'Jr.' or 'III' may follow a comma)."""
    start = None
    while last > 0 and _is_suffix(words[last]) and words[last - 1].endswith(","):
        last -= 1
    k = last
    while k >= 0 and last - k < 5:
        w = words[k]
        bare = w.rstrip(",;:")
        key = fold(bare).strip(".")
        if not _is_name_word(w) or key in _NAME_STOP:
            break
        if k != last and (w.endswith((",", ";", ":", ")")) or bare.endswith(".") and not _INITIAL_RE.match(bare)):
            break
        start = k
        k -= 1
    if start is None or last - start < 1 or not _plausible_name(words[start:last + 1], legal=False):
        return None
    return start


def _name_span(pt: PageText, start: int, end: int, legal: bool) -> Span:
    layout = pt.layout
    a = pt.token_starts[start]
    last_text = layout.tokens[pt.token_ids[end]].text
    b = pt.token_starts[end] + len(last_text.rstrip(",;:"))
    cut = pt.text.find("(", a, b)
    if cut > a:
        b = cut  # 'Services("ABPS")': the parenthetical is not part of the name
    value = re.sub(r"(?:[\s,;:)\"”’]|(?<=\))\.)+$", "", pt.text[a:b]).strip()
    value = re.sub(r"[’']s$", "", value)  # possessive: 'Acme, S.A.’s'
    value = re.sub(r",\s*(?:M\.D\.|Ph\.D\.|Esq\.?)$", "", value)  # a degree is not part of the name
    span = Span("name", value, a, b, 0, legal_form=legal)
    after = pt.text[b:b + 220]
    m = _ALIAS_RE.search(after)
    if m is not None and not _another_name_between(after[:m.start()]):
        span.alias = m.group(2).strip()
        span.alias_gap = m.start()
    if re.match(r"\s*,?\s*(?:an?\s+)?(?:individual|resident|[A-Z][A-Za-z]+(?:\s+[A-Z][A-Za-z]+)?\s+(?:"
                + "|".join(ENTITY_WORDS) + r"))\b", after):
        span.appositive = True
    return span


def _another_name_between(text: str) -> bool:
    """Does the text between a name and a parenthetical hold another party ('..., and Foo LLC (')?"""
    return bool(re.search(r"\band\s+[A-Z]", text)) or len(text) > 160


def _amounts_and_ids(pt: PageText) -> list[Span]:
    out: list[Span] = []
    layout = pt.layout
    for pos, tid in enumerate(pt.token_ids):
        raw = layout.tokens[tid].text
        text = raw.strip(",;:()")
        if not any(ch.isdigit() for ch in text):
            continue
        reading = read_amount(text)
        a = pt.token_starts[pos] + len(raw) - len(raw.lstrip(",;:()"))
        if reading is not None and reading.currency:
            out.append(Span("amount", reading.value, a, a + len(text), 0))
        elif reading is None and len(text) >= 4 and any(ch.isalpha() for ch in text) and not date_candidates(text):
            out.append(Span("identifier", text, a, a + len(text), 0))
    return out
