"""Who issued and who receives the document: names (and addresses) of the parties.

Three sources, most trusted first:
1. A party label ('Verkäufer', 'Bill to', 'Service Provider:') and the block under or beside it,
   where 'Name:' sub-labels win, identifier lines (GLN, VAT ids, phone) are passed over, and the
   address ends the name.
2. For the issuer: a company name with a legal form ('… GmbH', '…, Inc.', '… B.V.'), preferring
   one printed several times, at the top, or in the sender line / footer.
3. For the issuer: the first line of the legal footer ('Siège social…', 'HRB…', 'capital…').
For the recipient without a label: the block under a window letter's one-line return address.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from docpipe.grounding.labels import LabelHit
from docpipe.grounding.layout import PageLayout
from docpipe.grounding.textnorm import company_key, fold, is_legal_form, label_token, label_tokens
from docpipe.offline.blocks import grow_row, has_postcode, is_attention_line, line_kind
from docpipe.offline.prose_lexicon import ends_with_country
from docpipe.offline.lexicon import (
    DOC_TITLE_WORDS, OWNER_WORDS, PART_SEPARATORS, PARTY_ID_KEYS, PARTY_NAME_KEYS, REGISTRATION_WORDS, ROLE_LABELS,
    SALUTATIONS,
)
from docpipe.offline.values import Reading, ends_like_a_label, is_filler, text_right

NO_CONTACT = 0.88  # a legal name with no contact line under it: as likely the recipient's
RIGHT_GAP = 0.15  # page widths between a party label and a name read right of it, when a block is under it
_SEPARATORS = {"-", "–", "—", "●", "•", "·", "|", "/"}
_GLUED_SEPARATORS = PART_SEPARATORS  # never part of a word, so also a separator when glued to one
_POSTCODE_RE = re.compile(r"^(?:[A-Z]{1,2}[- ]?)?\d{4,5}$")
_STREET_RE = re.compile(
    r"(strasse|str\.|weg\b|platz\b|allee\b|gasse\b|\broad\b|\bstreet\b|\bst\.|\bavenue\b|\bave\b|\blane\b|"
    r"\bdrive\b|\bblvd\b|\bboulevard\b|\brue\b|\bchemin\b|\bavenue\b|\bplace\b|\bvia\b|\bcalle\b|\bstraat\b|"
    r"\bsuite\b|\bfloor\b|\bpo box\b|\bdr\b|\brd\b|\bway\b|\bhwy\b|\bhighway\b|\bpkwy\b|\bparkway\b|"
    r"\bcourt\b|\bterrace\b|\bcrescent\b|\bul\.)"
)
# Postcodes anywhere in a line: '80333', 'D-63571', 'BS1 4DB', 'K1A 0B1', '3012 CN'.
_POSTCODE_ANY_RE = re.compile(r"(?<![\w.,/-])(?:[A-Z]{1,2}-)?\d{4,5}(?![\w.,/-])|\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b|\b[A-Z]\d[A-Z] ?\d[A-Z]\d\b")


@dataclass(slots=True)
class Line:
    tokens: list[int]  # value tokens (a key such as 'Name:' removed)
    key: str  # folded key before ':' in this line, '' when none
    row: int
    key_words: tuple[str, ...] = ()

    @property
    def id_key(self) -> bool:
        """'GLN', 'Globale Nummer:', 'USt-IdNr:', 'Tel.:' -- a line about the party, not its name."""
        return any(w in PARTY_ID_KEYS or w.endswith(_ID_SUFFIXES) for w in self.key_words)

    @property
    def name_key(self) -> bool:
        return any(w in PARTY_NAME_KEYS for w in self.key_words)


_ADDRESS_KEYS = {"anschrift", "address", "adresse", "addr", "adres", "direccion", "indirizzo"}
_ID_SUFFIXES = ("nr", "nummer", "number", "no", "id", "idnr", "code")


def _split_key(layout: PageLayout, toks: list[int]) -> tuple[tuple[str, ...], list[int]]:
    """(('name',), value tokens) for 'Name: Foo GmbH'; ((), toks) when the line has no key."""
    for n, tid in enumerate(toks[:4]):
        text = layout.tokens[tid].text.strip()
        if text.endswith(":") or (n + 1 < len(toks) and layout.tokens[toks[n + 1]].text.strip() == ":"):
            words = tuple(k for k in (label_token(layout.tokens[t].text) for t in toks[: n + 1]) if k)
            rest = toks[n + 1:]
            while rest and is_filler(layout.tokens[rest[0]].text):
                rest = rest[1:]
            return words, rest
    first = label_token(layout.tokens[toks[0]].text) if toks else ""
    if first in PARTY_ID_KEYS and len(toks) > 1:
        return (first,), toks[1:]
    return (), toks


def _block_lines(layout: PageLayout, hit: LabelHit, max_rows: int = 8) -> list[Line]:
    """The lines under (and beside) a party label, restricted to the label's column."""
    x0 = layout.tokens[hit.tokens[0]].x0 - 0.03
    x_limit = x0 + 0.5
    label_seg = layout.tokens[hit.tokens[0]].seg
    for s in layout.row_segments[hit.row]:
        # A neighbouring block's heading on the same row ('Lieferant … Käufer') bounds the column.
        if s != label_seg and layout.segments[s].x0 > layout.segments[label_seg].x1:
            x_limit = min(x_limit, layout.segments[s].x0 - 0.005)
            break
    lines: list[Line] = []
    prev_row = hit.row
    for r in range(hit.row + 1, min(len(layout.rows), hit.row + 1 + max_rows)):
        if r not in layout.rows_below(prev_row, 3.0):
            break
        toks = [t for s in layout.row_segments[r] if x0 <= layout.segments[s].x0 < x_limit
                for t in layout.segments[s].tokens]
        if not toks:
            continue
        words, rest = _split_key(layout, toks)
        lines.append(Line(rest, "".join(words), r, words))
        prev_row = r
    return lines


def _is_addressy(layout: PageLayout, toks: list[int]) -> bool:
    texts = [layout.tokens[t].text.strip(",") for t in toks]
    if not texts:
        return False
    if texts[0][:1].isdigit() or any(_POSTCODE_RE.match(t) for t in texts):
        return True
    return False


def _is_namey(layout: PageLayout, toks: list[int]) -> bool:
    text = layout.text_of(toks)
    letters = sum(ch.isalpha() for ch in text)
    digits = sum(ch.isdigit() for ch in text)
    if len(toks) >= 4 and sum(len(layout.tokens[t].text) for t in toks) < 2.5 * len(toks):
        return False  # letter-spaced headings: 'W A R E N R E C H N U N G'
    if letters < 2 or digits > letters or "@" in text or text.startswith("("):
        return False
    return label_token(text) not in DOC_TITLE_WORDS


def _has_legal_form(layout: PageLayout, toks: list[int]) -> bool:
    return any(is_legal_form(layout.tokens[t].text) for t in toks[1:])


def _continuation(layout: PageLayout, lines_all: list[Line], idx: int) -> list[int]:
    """A 'Name:' value may wrap: keyless value lines next to it belong to it."""
    line = lines_all[idx]
    toks = list(line.tokens)
    if idx > 0 and not lines_all[idx - 1].key and idx - 1 >= 0:
        above = lines_all[idx - 1]
        gap_above = _row_gap(layout, above.row, line.row)
        gap_far = _row_gap(layout, lines_all[idx - 2].row, above.row) if idx >= 2 else 9.0
        if _is_namey(layout, above.tokens) and gap_above < 0.75 * gap_far:
            toks = above.tokens + toks
    if idx + 1 < len(lines_all):
        below = lines_all[idx + 1]
        if not below.key and _is_namey(layout, below.tokens) and not _is_addressy(layout, below.tokens):
            if _row_gap(layout, line.row, below.row) < 1.6 * layout.line_height:
                toks = toks + below.tokens
    return toks


def _row_gap(layout: PageLayout, r1: int, r2: int) -> float:
    a = layout.rows[r1][0]
    b = layout.rows[r2][0]
    return abs(layout.tokens[b].cy - layout.tokens[a].cy)


def _is_code(text: str) -> bool:
    """A number or code ('40221111', '#12', 'A-0731'): more digits than letters."""
    digits = sum(ch.isdigit() for ch in text)
    return digits > 0 and digits > sum(ch.isalpha() for ch in text)


_NUMBER_WORDS = {"no", "code", "cod", "id", "ref", "number", "nummer", "numero", "codice", "codigo"}


def keys_a_number(layout: PageLayout, hit: LabelHit) -> bool:
    """Whether a party label is part of a number's label: 'Customer no.', 'N° client', 'Cod. cliente',
    'Store 0412'.

    The number word is absorbed after the label or printed just before it on the same line piece,
    or a code follows a label that has no colon.
    """
    row = layout.rows[hit.row]
    after = row[hit.start + len(hit.tokens):hit.end]
    if any(layout.keys[t] == "no" for t in after):
        return True
    nxt = row[hit.end:hit.end + 1]
    if not hit.colon and nxt and _is_code(layout.tokens[nxt[0]].text):
        return True  # 'Store 0412', 'Shop #12' without a colon: a branch's number, not a heading over a name
    return any(key in _NUMBER_WORDS for key in keys_before(layout, hit, 1))


def keys_before(layout: PageLayout, hit: LabelHit, n: int) -> list[str]:
    """Label keys (`PageLayout.keys`) of up to `n` words right before a label hit on its line piece."""
    row = layout.rows[hit.row]
    seg = layout.tokens[hit.tokens[0]].seg
    return [layout.keys[t] for t in row[max(0, hit.start - n):hit.start] if layout.tokens[t].seg == seg]


def party_from_label(layout: PageLayout, hit: LabelHit, stop: set[int]) -> tuple[Reading, list[Line], int] | None:
    """(name reading, block lines, index of the name line) for one party label."""
    if keys_a_number(layout, hit):
        return None
    right = text_right(layout, hit, stop)
    lines = _block_lines(layout, hit)
    if right and lines and layout.tokens[right[0]].x0 - layout.tokens[hit.tokens[-1]].x1 > RIGHT_GAP:
        right = []  # a block under the label, and far to its right another column's heading
    if right and _is_code(layout.tokens[right[0]].text):
        return None  # 'Store: 40221111', 'Shop #12': the label keys a number, not a name
    if right and _is_namey(layout, right) and not _is_addressy(layout, right):
        return Reading(layout.text_of(right), right, 0, 1.0), lines, -1
    first: tuple[int, float] | None = None
    for i, line in enumerate(lines):
        if not line.tokens:
            continue
        if i == 0 and ends_like_a_label(layout, line.tokens):
            return None  # 'Policyholder' over 'Policy Number': a column of labels, the values beside them
        if line.name_key:
            toks = _continuation(layout, lines, i)
            return Reading(layout.text_of(toks), toks, 0, 1.0), lines, i
        if line.key and not line.id_key:
            break  # 'Anschrift:', 'Address:' -- past the name
        if line.key or not _is_namey(layout, line.tokens):
            continue
        if _is_addressy(layout, line.tokens):
            break
        if _has_legal_form(layout, line.tokens):
            return Reading(layout.text_of(line.tokens), line.tokens, 0, 1.0), lines, i
        if first is None:
            # Without a colon a lone heading word may be a table cell ('Lieferant' under 'Ökosteuer').
            first = (i, 0.9 if hit.colon else 0.65)
    if first is not None:
        i, quality = first
        return Reading(layout.text_of(lines[i].tokens), lines[i].tokens, 0, quality), lines, i
    return None


def address_after(layout: PageLayout, lines: list[Line], name_idx: int) -> Reading | None:
    """Address lines following the name line in a party block: up to the postcode line."""
    out: list[int] = []
    for line in lines[name_idx + 1:]:
        if not line.tokens:
            continue
        is_address_key = any(w in _ADDRESS_KEYS for w in line.key_words)
        if line.key and not is_address_key:
            if out:
                break
            continue  # 'Ansprechpartner:', 'Tel.:' before the street
        out.extend(line.tokens)
        if len(out) > 16 or _postcode_on_line(layout, line.tokens):
            break
    return Reading(layout.text_of(out), out, 0, 0.9) if out else None


def address_from_label(layout: PageLayout, hit: LabelHit, stop: set[int]) -> Reading | None:
    """The address a label heads ('Ship to:' over a site's name, its street and its city): the
    block's lines after its name line, through the postcode line (`address_after`); None when
    they hold neither a postcode nor a street word."""
    right = text_right(layout, hit, stop)
    if right and (_is_addressy(layout, right) or has_postcode(layout.text_of(right))):
        # On the label's line ('Deliver to: Civic Centre, St Peter's Street, St Albans AL1 3JE'),
        # perhaps after the company's name ('Lieferanschrift: Krüger AG, Detmolder Str. 210, …').
        comma = next((n for n, t in enumerate(right) if layout.tokens[t].text.endswith(",")), None)
        if comma is not None and comma + 1 < len(right) and is_legal_form(layout.tokens[right[comma]].text.rstrip(",")):
            right = right[comma + 1:]
        return Reading(layout.text_of(right), right, 0, 0.9)
    found = party_from_label(layout, hit, stop)
    if found is not None:
        first, lines, idx = found
        if idx >= 0 and line_kind(layout, first.tokens) == "address":
            idx -= 1  # the block opens with its street ('Unit 4, Riverside Park', 'Industriestraße 12'), no name
    elif keys_a_number(layout, hit):
        return None
    else:
        lines, idx = _block_lines(layout, hit), -1
    address = address_after(layout, lines, idx)
    if address is None or not (_postcode_on_line(layout, address.tokens) or _STREET_RE.search(fold(address.value))):
        return None
    return address


def _postcode_on_line(layout: PageLayout, toks: list[int]) -> bool:
    """A word of the line is a postcode ('80333', 'D-80333'), or the line holds one of several
    words (`blocks.has_postcode`: 'Bath BA1 1AA', '…, Bengaluru 560001'); a number opening a line
    with a street word is its house number ('4410 Canyon View Dr', '1420 Birchwood Ave'), not a postcode."""
    street = bool(_STREET_RE.search(fold(layout.text_of(toks))))
    return any(_POSTCODE_RE.match(layout.tokens[t].text.strip(",")) and not (n == 0 and street)
               for n, t in enumerate(toks)) or has_postcode(layout.text_of(toks))


def _has_postcode(text: str) -> bool:
    """A city line ('80333 München', 'Portland, OR 97209'), not a street line with a house number."""
    if _STREET_RE.search(fold(text)):
        return False
    return bool(_POSTCODE_ANY_RE.search(text))


def address_below(layout: PageLayout, name_tokens: list[int], max_lines: int = 4) -> Reading | None:
    """Lines under a company name in its column, through the postcode line (letterhead style).
    Without a postcode within a few lines nothing is returned rather than a guess."""
    seg = layout.tokens[name_tokens[-1]].seg
    out: list[int] = []
    for _ in range(max_lines):
        below = layout.segment_below(seg)
        if below is None:
            return None
        # The whole printed line: OCR cuts a line into segments at wide spaces ('LOT P.T. ‖ 2811,').
        parts = grow_row(layout, layout.segments[below].row, [below], set())
        street = _street_under_house_number(layout, seg, below)
        if street is not None:
            parts = [street, below]
            below = street
        toks = sorted((t for s in parts for t in layout.segments[s].tokens), key=lambda t: layout.tokens[t].x0)
        key_words, _rest = _split_key(layout, toks)
        if key_words:
            return None  # 'Tel.:', 'SIRET:' -- the address did not come first
        chunks = _chunks(layout, toks)
        ends = next((n for n, c in enumerate(chunks) if _has_postcode(layout.text_of(c))), None)
        if len(chunks) > 1 and ends is not None:
            # One line of separated parts: 'Seestrasse 88 | 8002 Zürich | MWST-Nr. CHE-…': the
            # address ends with its postcode part (and a country after it); the rest is contact.
            if ends + 1 < len(chunks) and ends_with_country(layout.text_of(chunks[ends + 1])):
                ends += 1
            out.extend(t for c in chunks[:ends + 1] for t in c)
            return Reading(layout.text_of(out), out, 0, 0.7)
        out.extend(toks)
        if _has_postcode(layout.text_of(toks)):
            return Reading(layout.text_of(out), out, 0, 0.7)
        seg = below
    return None


def _street_under_house_number(layout: PageLayout, seg: int, below: int) -> int | None:
    """On a tilted scan a street line's house number, an OCR box of its own, can land on the row
    above its street (the row of a right-hand column's line): `below` is then a lone number and
    the street is the segment under `seg` just left of it. Returns that street segment, or None."""
    number = layout.segments[below]
    text = layout.segment_text(below).strip()
    if not (text[:1].isdigit() and len(text) <= 6 and len(number.tokens) == 1):
        return None
    street = layout.segment_below(seg, max_gap_lines=2.0, skip=lambda s: s == below)
    if street is None:
        return None
    s = layout.segments[street]
    gap = number.x0 - s.x1
    if not (0 <= gap < 2 * layout.line_height) or abs(s.y0 - number.y0) > 0.6 * layout.line_height:
        return None
    return street if any(ch.isalpha() for ch in layout.segment_text(street)) else None


def _chunks(layout: PageLayout, seg_tokens: list[int]) -> list[list[int]]:
    """A segment split at separators: 'ACME GmbH - Street 1 - City' -> three chunks."""
    chunks: list[list[int]] = [[]]
    for tid in seg_tokens:
        text = layout.tokens[tid].text.strip()
        if text in _SEPARATORS:
            chunks.append([])
            continue
        # A dot separator the scan glued to the next or the previous word ('·41935', 'GmbH·').
        if text[:1] in _GLUED_SEPARATORS and chunks[-1]:
            chunks.append([])
        chunks[-1].append(tid)
        if text[-1:] in _GLUED_SEPARATORS:
            chunks.append([])
    return [c for c in chunks if c]


_US_ZIP = re.compile(r"^\d{5}(-\d{4})?$")


def after_label(layout: PageLayout, chunk: list[int]) -> list[int]:
    """The words after a short label ending in a colon that opens the chunk ('Titulaire: Weyland
    Informatique SARL', 'Kontoinhaber: …' in bank details), else the chunk itself."""
    labelled = next((k for k, t in enumerate(chunk[:3]) if layout.tokens[t].text.endswith(":")), None)
    return chunk[labelled + 1:] if labelled is not None and labelled + 1 < len(chunk) else chunk


def _trim_to_legal_form(layout: PageLayout, chunk: list[int]) -> list[int] | None:
    """'Foo Bar GmbH' kept; 'Sarl au capital de …' and long sentences rejected."""
    last = max((i for i, t in enumerate(chunk) if is_legal_form(layout.tokens[t].text)), default=-1)
    if last < 1:
        return None
    after = layout.tokens[chunk[last + 1]].text.strip() if last + 1 < len(chunk) else ""
    if _US_ZIP.match(after) and layout.tokens[chunk[last]].text.isupper():
        return None  # 'Denver, CO 80216': a state and its ZIP code, not a company's 'Co.'
    if layout.keys[chunk[last]] in _COMPASS and _STREET_RE.search(fold(layout.tokens[chunk[last - 1]].text)):
        return None  # '2140 Central Ave SE': the street's quarter, not a Societas Europaea

    # '& Co. KG', 'Pvt. Ltd.': legal-form words may follow one another.
    name = chunk[: last + 1]
    if len(name) > 7 or not _is_namey(layout, name[:last]):
        return None
    return name


_CONNECTORS = frozenset({"&", "+", "and", "und", "et", "e", "y"})
_COMPASS = frozenset({"se", "sw", "ne", "nw"})  # street quarters that are also legal forms ('SE')


def _continues_name(first_word: str) -> bool:
    """A connector opening a piece of a line ('& Son Pte Ltd' split from 'Lim' by a wide gap): the
    name began before it; no name starts with one."""
    return first_word.strip().casefold() in _CONNECTORS


def legal_name_candidates(layout: PageLayout, excluded_rows: set[int]) -> list[Reading]:
    """Company names with a legal form, scored by repetition and position."""
    found: list[tuple[list[int], str]] = []
    for seg in layout.segments:
        if seg.row in excluded_rows:
            continue
        for chunk in _chunks(layout, seg.tokens):
            if layout.keys[chunk[0]] in OWNER_WORDS:
                continue  # 'Inh. Sabine Auer e.K.': the owner of the business named above
            name = _trim_to_legal_form(layout, after_label(layout, chunk))
            if name is not None and name[0] == chunk[0] and not _continues_name(layout.tokens[name[0]].text):
                found.append((name, company_key(layout.text_of(name))))
    if not found:
        return []
    counts = Counter(key for _, key in found)
    out: list[Reading] = []
    for toks, key in found:
        y = layout.tokens[toks[0]].y0
        position = 1.0 if y < 0.25 or y > 0.85 else 0.8
        repeat = min(1.0, 0.7 + 0.15 * counts[key])
        own_segment = 1.0 if layout.segments[layout.tokens[toks[0]].seg].tokens[0] == toks[0] else 0.85
        # The issuer prints its phone, e-mail or tax number under its name; a recipient block has none.
        contact = 1.0 if contact_below(layout, toks) else NO_CONTACT
        out.append(Reading(layout.text_of(toks), toks, 0, 0.8 * position * repeat * own_segment * contact))
    out.sort(key=lambda r: -r.quality)
    return out


def imprint_names(layout: PageLayout, excluded_rows: set[int]) -> list[Reading]:
    """Company names opening a printed line that goes on with the company's registration data
    ('Foo GmbH · Amtsgericht Kassel HRB 4711', 'Foo SARL au capital de 20 000 €', 'Foo Ltd ·
    Registered in England No. …', 'Foo B.V. · KvK …') or with its street and city (a sender
    line above the address window, a one-line letterhead): lines only the issuer prints about
    itself. Quality 0.8 with registration words, 0.75 with an address; best first."""
    out: list[Reading] = []
    for seg in layout.segments:
        if seg.row in excluded_rows:
            continue
        chunks = _chunks(layout, seg.tokens)
        if not chunks or chunks[0][0] != seg.tokens[0] or layout.keys[chunks[0][0]] in OWNER_WORDS:
            continue
        first = after_label(layout, chunks[0])
        name = _trim_to_legal_form(layout, first)
        if name is None or name[0] != first[0]:
            continue
        # The rest of the printed line: this segment after the name and the pieces continuing it.
        parts = grow_row(layout, seg.row, [seg.index], set())
        # (An OCR box of the last name word may reach over the next word's start: 'B.V.·' | 'KvK'.)
        end = layout.tokens[name[-1]].x0
        rest = sorted((t for s in parts for t in layout.segments[s].tokens
                       if t not in name and layout.tokens[t].x0 > end), key=lambda t: layout.tokens[t].x0)
        if not rest:
            continue
        keys = {label_token(layout.tokens[t].text.strip("".join(_GLUED_SEPARATORS))) for t in rest}
        registration = bool(keys & REGISTRATION_WORDS)
        address = any(_has_postcode(layout.text_of(c)) for c in _chunks(layout, rest))
        if registration or address:
            value = layout.text_of(name).rstrip("".join(_GLUED_SEPARATORS) + " ")
            out.append(Reading(value, name, 0, 0.8 if registration else 0.75))
    out.sort(key=lambda r: -r.quality)
    return out


_CONTACT_KEYS = {
    "tel", "telefon", "telephone", "phone", "fax", "email", "mail", "www", "web", "vat", "ust", "ustidnr",
    "tva", "btw", "iva", "piva", "cif", "nif", "kvk", "siret", "abn", "gst", "ein", "mob", "mobile",
}


_CONTACT_START = re.compile(r"(www\.|https?:|\+\d)")


def contact_below(layout: PageLayout, name_tokens: list[int], max_lines: int = 6) -> bool:
    """A phone, e-mail, web or tax-number line within a few lines under a name, in its column."""
    seg = layout.tokens[name_tokens[-1]].seg
    for _ in range(max_lines):
        below = layout.segment_below(seg)
        if below is None:
            return False
        toks = layout.segments[below].tokens
        text = layout.text_of(toks)
        if "@" in text or _CONTACT_START.match(fold(text)) or label_token(layout.tokens[toks[0]].text) in _CONTACT_KEYS:
            return True
        seg = below
    return False


def footer_name(layout: PageLayout) -> Reading | None:
    """The line heading the legal footer: 'NETPRESSE' above 'Siège social … capital …'."""
    for r, row in enumerate(layout.rows):
        y = layout.tokens[row[0]].y0
        if y < 0.7:
            continue
        keys = {label_token(layout.tokens[t].text) for t in row}
        if not keys & REGISTRATION_WORDS or r == 0:
            continue
        above = layout.rows[r - 1]
        if layout.tokens[row[0]].y0 - layout.tokens[above[0]].y1 > 2.5 * layout.line_height:
            return None  # the line above is not part of the footer (a total, a note)
        if len(above) <= 4 and _is_namey(layout, above) and not _is_addressy(layout, above) and not any(
                re.search(r"\d[.,]\d", layout.tokens[t].text) for t in above):
            return Reading(layout.text_of(above), list(above), 0, 0.6)
        return None  # (a line with an amount on it, 'Bancontact 13,60', is a payment, not a name)
    return None


def _return_address(layout: PageLayout, seg: int) -> bool:
    """'Müller GmbH · Industriestr. 12 · 70565 Stuttgart': a sender's name and city on one line."""
    chunks = _chunks(layout, layout.segments[seg].tokens)
    if len(chunks) == 1:
        # The separators lost (a scan reads the small dots as specks on a row of their own): a
        # company name closed by its legal form, then a street and postcode on the same line.
        toks = chunks[0]
        first = next((i for i, t in enumerate(toks) if i > 0 and is_legal_form(layout.tokens[t].text)), None)
        if first is None or not _is_namey(layout, toks[:first]):
            return False
        rest = toks[first + 1:]
        return any(_has_postcode(layout.text_of(rest[k:])) for k in range(1, len(rest)))
    return (len(chunks) >= 2 and _is_namey(layout, chunks[0]) and not _is_addressy(layout, chunks[0])
            and any(_has_postcode(layout.text_of(c)) or _CITY_AFTER_STREET.search(layout.text_of(c))
                    for c in chunks[1:]))


# A street and its city in one piece, the separator between them lost ('Grand-Rue 10- L-1611 Luxembourg').
_CITY_AFTER_STREET = re.compile(r"\S\s+(?:[A-Z]{1,2}-)?\d{4,5}\s+[^\W\d]{2,}")


_RECIPIENT_LABELS = {" ".join(label_tokens(label)) for label in ROLE_LABELS["buyer"]}


def _recipient_label(text: str) -> bool:
    """A recipient's label printed over its block ('Bill to:', 'Destinataire', 'Cliente')."""
    return " ".join(label_tokens(text)) in _RECIPIENT_LABELS


def window_recipient(layout: PageLayout, max_y: float = 0.45) -> tuple[Reading, Reading] | None:
    """(name, address) of the recipient in a window-envelope letter (DIN 5008, La Poste, Royal
    Mail layouts): the sender's one-line return address is printed right above the recipient's
    block, which then reads name, street, postcode and city with no label."""
    found = _window(layout, max_y)
    return None if found is None else found[1:]


def window_sender(layout: PageLayout, max_y: float = 0.45) -> Reading | None:
    """The sender's name opening the one-line return address over a window letter's recipient
    ('Weinkontor Rheinblick · Rheinallee 3 · 55411 Bingen'): the issuer, whether or not its name
    carries a legal form. Quality 0.6."""
    found = _window(layout, max_y)
    if found is None:
        return None
    name = _chunks(layout, layout.segments[found[0]].tokens)[0]
    return Reading(layout.text_of(name), list(name), 0, 0.6)


def _window(layout: PageLayout, max_y: float) -> tuple[int, Reading, Reading] | None:
    """(return-address segment, recipient name, recipient address) of a window letter, or None;
    found once per page (the seller's and the buyer's candidates both ask)."""
    cache: dict[float, tuple[int, Reading, Reading] | None] = layout.__dict__.setdefault("_window_cache", {})
    if max_y not in cache:
        cache[max_y] = _find_window(layout, max_y)
    return cache[max_y]


def _find_window(layout: PageLayout, max_y: float) -> tuple[int, Reading, Reading] | None:
    for seg in range(len(layout.segments)):
        if layout.segments[seg].y0 > max_y or not _return_address(layout, seg):
            continue
        # (The line's separator dots may be read as specks on a row of their own under it.)
        below = layout.segment_below(seg, max_gap_lines=2.5, skip=lambda s: not layout.segment_text(s).strip(
            "".join(_SEPARATORS) + " ."))
        if below is not None and (label_token(layout.segment_text(below)) in SALUTATIONS
                                  or _recipient_label(layout.segment_text(below))
                                  or is_attention_line(layout.segment_text(below))):
            below = layout.segment_below(below)  # 'Firma', 'Herrn', 'Bill to:', 'z. Hd. Herrn …' above the name
        if below is None:
            continue
        name = layout.segments[below].tokens
        if _split_key(layout, name)[0] or not _is_namey(layout, name) or _is_addressy(layout, name):
            continue
        address = address_below(layout, name)
        if address is not None:
            return seg, Reading(layout.text_of(name), list(name), 0, 0.7), address
    return None
