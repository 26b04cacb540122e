"""Unlabelled party blocks: the issuer's name and address as printed at the head of a page.

Receipts and many letterheads print the issuer with no label: a name of one to three lines,
sometimes a registration number, then the street, postcode and city, then phone, tax ids and
the document title. The page's top is cut into blocks of vertically adjacent lines in one
column; each line is classed as name, registration/contact, address or title by its words, and
the block yields the name lines (first run of name lines) and the address lines after them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from docpipe.grounding.amounts import read_amount
from docpipe.grounding.dates import date_candidates
from docpipe.grounding.layout import PageLayout
from docpipe.grounding.textnorm import fold, is_legal_form, label_token, label_tokens
from docpipe.offline.lexicon import DOC_TITLE_WORDS, OWNER_WORDS, PART_SEPARATORS, ROLE_LABELS, SALUTATIONS
from docpipe.offline.prose_lexicon import ends_with_country

MAX_TOP = 0.45  # header blocks start in the top part of the page
MAX_NAME_RUN = 5  # name-like lines a block may start with (notes or a logo's words above the name)
LINE_GAP = 1.1  # line heights between the bottom of one line and the top of the next, within a block

_CONTACT_WORDS = {
    "tel", "telephone", "phone", "fax", "mobile", "hp", "email", "mail", "web", "www", "gst", "vat",
    "tax", "reg", "regno", "co", "coreg", "company", "id", "gstid", "gstno", "brn", "roc", "sst",
    "ust", "ustidnr", "steuernr", "siret", "tva", "abn", "cif", "nif", "whatsapp", "whatsapps", "hotline",
    "telefon", "fon", "handy", "website", "internet", "tin", "npwp", "uen", "cr", "crn", "bn", "hrb",
    "hst", "qst", "pst",
    # company and tax registration numbers of other countries
    "orgnr", "org", "organisationsnummer", "orgnummer", "cvr", "ytunnus", "ico", "dic", "nip", "regon", "krs",
    "kvk", "btw", "vkn", "cui", "gstin", "pan", "rfc", "rut", "nit", "cuit",
}
_STREET = re.compile(
    r"\b(jalan|jln|lot|no|taman|tmn|lorong|persiaran|lebuh|kampung|kg|bandar|seksyen|section|street|st|road|rd|"
    r"avenue|ave|lane|drive|blvd|boulevard|way|suite|floor|flr|level|unit|block|blk|building|bldg|plaza|mall|"
    r"centre|center|strasse|str|weg|platz|allee|gasse|rue|chemin|place|via|viale|corso|piazza|largo|calle|avenida|"
    r"paseo|plaza|carrer|rua|straat|laan|po box|industrial|"
    r"park|complex|square|tower|wisma|menara|bangunan|pusat|desa|off|"
    r"route|rte|impasse|quai|faubourg|za|zi|zac|carretera|camino|ronda|strada|vicolo|highway|hwy|parkway|pkwy|"
    r"crescent|terrace|ul|ulica|aleja|jl)\b")
# A street name compounded with its suffix, then the house number: 'Industriestraße 12',
# 'Kerkstraat 21', 'Parklaan 5', 'Am Lindenweg 3a'.
_COMPOUND_STREET = re.compile(
    r"[^\W\d]{2,}(strasse|str\.|straat|laan|gasse|allee|platz|weg|gracht|kade|singel|"
    r"gatan|gata|vagen|gade|vej|veien|vei|gate|katu)\s+\d{1,4}[a-z]?\b")  # Nordic: 'Götgatan 58', 'Nørregade 7'
# A unit number opening an address line: 'A-G-06, DATARAN ...', 'G-26, GRD FLOOR', 'L1-044B,'.
_UNIT_START = re.compile(r"^\s*[a-z]{0,3}\d*[a-z]?(?:-[a-z0-9]{1,5}){1,3},")
# A unit number of its own ('#01-165', '# B1-12'), printed under or beside the street (Singapore, Malaysia).
_UNIT_HASH = re.compile(r"^\s*#\s?[a-z]{0,2}\d{1,3}-\d{1,5}[a-z]?\b")
_ADDRESS_START = re.compile(
    r"^\s*(no\b|no\.|lot\b|unit\b|level\b|jalan\b|jln\b|suite\b|block\b|blk\b|c/\s*\w|avda\b|av\.\s*\w)")
# '40150', '1010 Wien' (a four-digit code starts the line or follows a comma: 'LOT 2685 JLN' is a lot).
_POSTCODE = re.compile(r"(?<![\w-])\d{5}(?![\d-])|(?:^|,)\s*\d{4} +[^\W\d]{2,}"
                       r"|(?:^|(?<=,))\s*[^\W\d]{3,}(?: [^\W\d]{2,})?,? +\d{6}\.?$"  # 'Singapore 560012', '…, New Delhi 110001'
                       r"|\b[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}\b"  # a British postcode ('Bristol BS8 3HT')
                       r"|(?:^|(?<=[\s,]))\d{2}-\d{3} +[^\W\d]{2,}"  # a Polish one ('62-030 Luboń')
                       r"|(?:^|(?<=[\s,]))\d{3} \d{2} +[^\W\d]{2,}")  # Swedish, Czech, Greek ('118 26 Stockholm')
_STREET_ABBREVIATION_END = re.compile(r"\b(dr|rd|st|ct|pl|ln|cir|ter)\.?$")  # '4410 Canyon View Dr'
_FOUR_DIGIT_START = re.compile(r"^\s*\d{4} +[^\W\d]{2,}")


def _four_digit_only(text: str) -> bool:
    """The line's only postcode reading is four digits opening it ('1190 Broadway', '1010 Wien')."""
    m = _POSTCODE.search(text)
    return m is not None and m.start() == 0 and bool(_FOUR_DIGIT_START.match(m.group(0))) \
        and _POSTCODE.search(text, m.end()) is None


def has_postcode(text: str) -> bool:
    """Whether a line holds a postcode (`_POSTCODE`); a four-digit number opening a line with a
    street word is the house number ('1420 Birchwood Ave', '2201 Main Street'), not a code."""
    if _POSTCODE.search(text) is None:
        return False
    return not (_four_digit_only(text) and bool(
        _STREET.search(fold(text)) or _STREET_ABBREVIATION_END.search(fold(text))))


_ATTENTION = re.compile(r"(t\.\s?a\.\s?v\.|attn\b|attention\b|z\.\s?hd\.|zu h(ä|ae)nden|c/o\b|(à|a) l'attention|"
                        r"all'attenzione|a la atenci(ó|o)n)", re.IGNORECASE)


def is_attention_line(text: str) -> bool:
    """A line naming the person a letter is for ('z. Hd. Herrn Max Vogel', 'Attn: Accounts',
    "À l'attention de Mme Roux", 't.a.v. de penningmeester'): part of a recipient's block, never its name."""
    return bool(_ATTENTION.match(text.strip()))


_REG_NO = re.compile(r"^\(?\s*(co\.?\s*(reg|no)\.?\s*:?)?\s*[a-z]{0,3}\d{4,}[\s-]*[a-z]\)?$|^\(?\d{5,}[-\s]?[a-z]\)?$",
                     re.IGNORECASE)
_TRAILING_REG = re.compile(r"\s*\(?\b\d{5,}[\s-]?[a-z]\)?(\s*\([a-z]{2,5}\))?[.,;]?\s*$", re.IGNORECASE)
_PHONE = re.compile(r"\+?\d[\d\s()-]{6,}\d")
_TRAILING_BRACKETS = re.compile(r"\([^()]*\)[\s.,]*$")
# A party's heading ('Fornecedor', 'Bill to:', 'Leistungsempfänger'): its label keys joined by spaces.
PARTY_HEADINGS = frozenset(" ".join(label_tokens(label)) for role in ("seller", "buyer")
                            for label in ROLE_LABELS.get(role, []))

# A company's share capital, printed under its name ('SAS au capital de 50 000 €', 'GmbH,
# Stammkapital 25.000 EUR'): registration detail, never a name or an address (folded text).
_SHARE_CAPITAL = re.compile(r"\b(?:au capital(?: social)? de|capital social|share capital|stammkapital|grundkapital|"
                            r"capitale sociale|capital de|maatschappelijk kapitaal)\b.*\d")
_ITALIAN_OWNER = re.compile(r"di [A-Z]")  # 'di Esposito Gennaro & C. s.n.c.' under the shop's name
_TRADING_AS = re.compile(r"\bt/a\b|\btrading as\b")  # folded text
_WEB_ADDRESS = re.compile(r"(?:www\.|https?://)")  # folded text
_KEYED_CODE = re.compile(r"^[^\W\d][\w .'/-]{0,20}:\s*[\w/#-]*\d[\w/#-]*$")  # 'Site: 1046', 'Store: A12'


# A time of day after a date, or alone: '18:18', '21:04:28', '6:05 PM'.
_TIME = re.compile(r"\s*\b\d{1,2}[:.]\d{2}(?:[:.]\d{2})?\s*(?:am|pm)?\s*$", re.IGNORECASE)


def _date_line(text: str) -> bool:
    """A line that is a date, a date and time, or a time ('12 Jun 2018 18:18', '23-04-2017')."""
    t = text.strip()
    without_time = _TIME.sub("", t).strip()
    if not without_time:
        return bool(_TIME.search(t)) and ":" in t
    return bool(date_candidates(without_time))


# Titles whose words the OCR ran together ('TAXINVOICE', 'OFFICIALRECEIPT').
_GLUED_TITLES = {title.replace(" ", "") for title in DOC_TITLE_WORDS if " " in title}


def _is_money(text: str) -> bool:
    reading = read_amount(text.strip(" :;"))
    return reading is not None and reading.has_decimals and not text.strip().startswith("(")


@dataclass(slots=True)
class Line:
    tokens: list[int]
    text: str
    kind: str  # 'name', 'contact', 'address', 'title', 'date', 'other'


@dataclass(slots=True)
class Block:
    lines: list[Line] = field(default_factory=list)
    x0: float = 1.0
    x1: float = 0.0
    top: float = 1.0

    def kinds(self) -> str:
        return "".join(line.kind[0] for line in self.lines)


def line_kind(layout: PageLayout, toks: list[int]) -> str:
    """What one line of a page's head is by its words: 'name', 'contact' (registration, phone,
    tax number), 'address', 'title' (the document's title), 'date' (date and time), 'attention' (a
    't.a.v.' / 'Attn' line under a recipient's name) or 'other'."""
    text = layout.text_of(toks)
    folded = fold(text)
    keys = [layout.keys[t] for t in toks if layout.keys[t]]
    letters = sum(ch.isalpha() for ch in text)
    digits = sum(ch.isdigit() for ch in text)
    if not keys or letters < 2 and digits < 4:
        return "other"
    if len(keys) == 1 and keys[0] in SALUTATIONS or " ".join(keys) in PARTY_HEADINGS:
        return "other"  # 'Spett.le', 'Herrn', 'Firma', 'Fornecedor', 'Bill to' over a party's name
    if keys[0] in OWNER_WORDS and len(keys) > 1 or _ITALIAN_OWNER.match(text.strip()):
        # 'Inh. Sabine Auer e.K.', 'di Esposito Gennaro & C. s.n.c.' under the trading name: its
        # owner, a registration detail.
        return "contact"
    if _TRADING_AS.search(folded):
        return "contact"  # 'Harbour Hospitality Ltd t/a The Harbour Café': the company behind the shop
    if _WEB_ADDRESS.match(folded.strip()):
        return "contact"  # the shop's web address
    if _ATTENTION.match(text.strip()):
        return "attention"  # 't.a.v. de penningmeester', 'Attn: Accounts', 'z. Hd. Frau Berg' under the name
    if label_token(text) in DOC_TITLE_WORDS or " ".join(keys) in DOC_TITLE_WORDS or "".join(keys) in _GLUED_TITLES or (
            "invoice" in keys and len(keys) <= 4) or ("receipt" in keys and len(keys) <= 3):
        return "title"
    if any(layout.tokens[t].text.strip() in PART_SEPARATORS for t in toks) and separated_address(layout, toks):
        return "address"  # 'Markt 7 | 9711 AA Groningen', also with the tax number after it
    first = keys[0].rstrip("#")
    first = "o" + first[1:] if first[:1] == "0" and first[1:].isalpha() else first  # an OCR zero for the O ('0rg.nr')
    if first in _CONTACT_WORDS and (digits >= 5 or ":" in text or len(keys) <= 3) or "@" in text:
        return "contact"
    if _REG_NO.match(text.strip()) or (re.search(r"\d{6}", text) and letters <= 3) or _SHARE_CAPITAL.search(folded):
        return "contact"
    if _PHONE.search(text) and (any(k in _CONTACT_WORDS for k in keys) or ":" in text and digits > letters):
        return "contact"  # 'Tel: +603 2856 0385', also with the label misread ('Te1 :')
    if _PHONE.fullmatch(text.strip()) or _KEYED_CODE.match(text.strip()):
        return "contact"  # a bare phone number ('013-336 3999'), a keyed code ('Site: 1046')
    if any(_is_money(layout.tokens[t].text) for t in toks):
        return "other"  # an item or a total line ('Apples 2.00'), never a name or an address
    if text.strip().startswith("(") and text.strip().endswith(")") and _balanced(text.strip()[1:-1]):
        return "contact"  # an aside in brackets ('(KEDAI MAJU SHOP (12345))'): a branch or registration note
    if _date_line(text):
        return "date"  # the slip's date and time, printed between the name and the address
    words = [w for w in text.split() if w[:1].isalpha()]
    lower = sum(w[:1].islower() for w in words)
    if lower >= 3 and lower >= 0.6 * len(words) and not _legal_end(layout, toks) and not (
            text[:1].isdigit() and _STREET.search(folded)):
        return "other"  # running text ('The tide is full, the moon lies fair'), not a name ('8 rue de la Paix' is)
    if _UNIT_HASH.match(folded):
        return "address"  # '#01-165' under the street: the unit, not a till code
    if len(toks) == 1 and " " not in text.strip() and digits and letters <= 2:
        return "other"  # a till or branch code ('A03061')
    if _legal_end(layout, toks) and not _ADDRESS_START.match(folded) and not (
            text[:1].isdigit() and _STREET.search(folded)):
        return "name"  # '99 SPEED MART S/B (519537-X)', 'ENW Hardware Centre (M) Sdn. Bhd.'
    # An outlet named in brackets after the shop's name ('GOLDEN WOK (SUNRISE MALL)') is not a street.
    street = _STREET.search(_TRAILING_BRACKETS.sub("", folded) if not digits else folded)
    if street or _POSTCODE.search(text) or text[:1].isdigit() or _UNIT_START.match(folded) \
            or _ADDRESS_START.match(folded) \
            or _COMPOUND_STREET.search(folded):
        return "address"
    if digits > letters:
        return "other"
    return "name"


def grow_row(layout: PageLayout, row: int, parts: list[int], used: set[int]) -> list[int]:
    """Add the row's other pieces that continue the line (OCR splits one printed line into boxes)."""
    parts = list(parts)
    # Three line heights, or a few characters of a line printed wide (double-width shop names).
    toks = [layout.tokens[t] for s in parts for t in layout.segments[s].tokens]
    advance = sum(t.x1 - t.x0 for t in toks) / max(1, sum(len(t.text) for t in toks))
    gap = max(3 * layout.line_height, 2.5 * advance)
    changed = True
    while changed:
        changed = False
        x0 = min(layout.segments[s].x0 for s in parts)
        x1 = max(layout.segments[s].x1 for s in parts)
        for s in layout.row_segments[row]:
            if s in parts or s in used:
                continue
            seg = layout.segments[s]
            if seg.x0 - x1 <= gap and x0 - seg.x1 <= gap:
                parts.append(s)
                changed = True
    return parts


def header_blocks(layout: PageLayout, max_top: float = MAX_TOP, max_blocks: int = 4) -> list[Block]:
    """Blocks of adjacent lines starting in the top part of the page, top first."""
    blocks: list[Block] = []
    used: set[int] = set()
    counted = 0  # blocks with a name or address line; a title, a logo's words or a lone value do not count
    for seg in sorted(layout.segments, key=lambda s: (s.y0, s.x0)):
        if seg.y0 > max_top or counted >= max_blocks:
            break
        if seg.index in used:
            continue
        row = seg.row
        parts = grow_row(layout, row, [seg.index], used)
        used.update(parts)
        block = Block(x0=min(layout.segments[s].x0 for s in parts), x1=max(layout.segments[s].x1 for s in parts),
                      top=seg.y0)
        block.lines.append(_line(layout, parts))
        while True:
            # A line printed larger (a shop's name) leaves a larger gap under it: up to 1.3 of its
            # own height, however small the page's usual line.
            own = max(layout.tokens[t].height for t in block.lines[-1].tokens) / max(layout.line_height, 1e-4)
            below = layout.rows_below(row, max(LINE_GAP, min(1.3 * own, 2.6)))
            if not below:
                break
            # The next row with words under the block; specks the OCR read as '.' or '-' between
            # two lines do not end it.
            nxt, parts = below[0], []
            for nxt in below:
                parts = [s for s in layout.row_segments[nxt] if s not in used
                         and layout.segments[s].x1 >= block.x0 - 0.02 and layout.segments[s].x0 <= block.x1 + 0.02
                         and not _speck(layout, s)]
                if parts:
                    break
                # A row with words only in a column to the right (the number and date rows beside
                # a letterhead's name or address lines) lies between lines of the block: look past
                # it, within the gap; anything else ends the block.
                if block.lines[-1].kind not in ("name", "address") or any(
                        s not in used and not _speck(layout, s) and layout.segments[s].x1 < block.x0 - 0.02
                        for s in layout.row_segments[nxt]):
                    break
            if not parts:
                break
            parts = grow_row(layout, nxt, parts, used)
            line = _line(layout, parts)
            if line.kind == "title" and any(ln.kind in ("name", "address") for ln in block.lines):
                break  # a document title ('Gutschrift', 'FACTURE') ends a party block; it opens the next one
            used.update(parts)
            block.x0 = min(block.x0, min(layout.segments[s].x0 for s in parts))
            block.x1 = max(block.x1, max(layout.segments[s].x1 for s in parts))
            block.lines.append(line)
            row = nxt
        blocks.append(block)
        counted += any(line.kind in ("name", "address") for line in block.lines)
    return blocks


def _speck(layout: PageLayout, seg: int) -> bool:
    """A segment of punctuation alone ('.', '-', ':'): a speck or rule on a scan, not a line."""
    return not any(ch.isalnum() for t in layout.segments[seg].tokens for ch in layout.tokens[t].text)


def _line(layout: PageLayout, parts: list[int]) -> Line:
    toks = sorted((t for s in parts for t in layout.segments[s].tokens), key=lambda t: layout.tokens[t].x0)
    kind = line_kind(layout, toks)
    if kind == "contact":
        # '30000 IPOH, PERAK  TEL: 05-254 1234': the city line with the shop's phone after it.
        cut = next((k for k, t in enumerate(toks) if k >= 2 and layout.keys[t].rstrip("#") in _CONTACT_WORDS), None)
        if cut is not None and line_kind(layout, toks[:cut]) == "address":
            return Line(toks[:cut], layout.text_of(toks[:cut]), "address")
    return Line(toks, layout.text_of(toks), kind)


def strip_registration(layout: PageLayout, toks: list[int]) -> list[int]:
    """A name line without the registration number printed after it ('… SDN BHD (139386 X)')."""
    out = list(toks)
    while len(out) > 1:
        text = layout.text_of(out)
        m = _TRAILING_REG.search(text)
        last = layout.tokens[out[-1]].text
        if m and m.start() > 0:
            # Drop whole tokens covered by the match.
            keep = len(text[: m.start()].split())
            if keep >= len(out) or keep == 0:
                break
            out = out[:keep]
            continue
        if last.startswith("(") and last.endswith(")") and len(out) > 2 and not is_legal_form(last):
            out = out[:-1]  # '(GKJ)' branch code after the number
            continue
        break
    return out


def name_text(layout: PageLayout, toks: list[int]) -> str:
    """The text of a name's tokens without a registration number glued to its last word
    ('… S/B(123456-U)'), which `strip_registration` cannot cut off by whole tokens."""
    text = layout.text_of(toks).strip(" ,;:")
    m = _TRAILING_REG.search(text)
    if m and m.start() > 0 and text[m.start() - 1] not in " ":
        text = text[: m.start()].rstrip(" ,;:")
    return text


@dataclass(slots=True)
class HeaderParty:
    """One reading of a header block: which of its name lines form the name, and its address."""

    name: list[int]
    address: list[int]
    block: int  # index of the block among the page's header blocks
    name_lines: int  # lines in this reading of the name
    block_name_lines: int  # name-like lines the block starts with
    address_lines: int
    legal_form: bool  # the name ends in a legal form ('SDN BHD', 'GmbH')
    first_line: bool  # the name starts at the block's first name line
    all_lines: bool  # the name takes every name-like line of the block
    contact_after: bool  # a registration/contact line follows the name or the address
    smaller_after: bool  # the lines after this reading's first line are printed smaller
    lowercase_start: bool  # the first line is all lower case (a handwritten or stamped note)
    score: float = 0.0


def _height(layout: PageLayout, line: Line) -> float:
    return max(layout.tokens[t].height for t in line.tokens)


def _legal_end(layout: PageLayout, toks: list[int]) -> bool:
    return len(toks) > 1 and any(is_legal_form(layout.tokens[t].text) for t in toks[-3:])


def _legal_form_only(layout: PageLayout, toks: list[int]) -> bool:
    """Words of a legal form alone ('SDN BHD', 'PTE. LTD.', '(M) SDN. BHD.', 'GmbH & Co. KG'): the
    tail of a name wrapped over two lines, never a name by itself."""
    words = [layout.tokens[t].text for t in toks if any(ch.isalnum() for ch in layout.tokens[t].text)]
    return bool(words) and all(is_legal_form(w) or re.fullmatch(r"\(\w{1,2}\)", w) for w in words)


def _balanced(text: str) -> bool:
    return text.count("(") <= text.count(")")


def _closes_first(text: str) -> bool:
    """A closing bracket comes before any opening one: the text starts inside brackets."""
    close, opening = text.find(")"), text.find("(")
    return close >= 0 and (opening < 0 or close < opening)


def header_parties(layout: PageLayout) -> list[HeaderParty]:
    """Readings of each header block's name (several where the block has several name lines)
    with its address, scored by how well-formed the block is; best first."""
    out: list[HeaderParty] = []
    skipped = 0  # blocks above with no name line (a title alone, a logo's words) do not push a block down
    blocks = header_blocks(layout)
    for b, block in enumerate(blocks):
        block = _with_address_below(layout, blocks, b)
        kinds = [line.kind for line in block.lines]
        if all(k in ("title", "other", "date") for k in kinds):
            skipped += 1
        if (len(kinds) > 1 and kinds[0] == "address" and kinds[1] == "address"
                and _name_like_address(block.lines[0].text, block.lines[1].text)):
            # 'KEDAI SELERA KAMPUNG' or '88 MINIMART' over '12, Jalan Melur 3': the block's first
            # line, with no postcode and not opening like an address, over an address line, is the name.
            kinds[0] = block.lines[0].kind = "name"
        for n in range(1, len(kinds) - 1):
            if (kinds[n] == "name" and kinds[n - 1] == "name" and _street_and_number(block.lines[n].text)
                    and has_postcode(block.lines[n + 1].text)):
                # 'Am Mühlgraben 7' right above '04109 Leipzig': a street whose word the lexicon
                # does not know, with its house number, over the postcode line.
                kinds[n] = block.lines[n].kind = "address"
        if (len(kinds) > 2 and kinds[0] == kinds[1] == "address" and not _name_like_address(
                block.lines[0].text, block.lines[1].text) and _name_over_street(block, 0)):
            # 'Westfield Lane Service Station' over 'Westfield Lane' and its postcode line: a name
            # with a street word in it, over a street printed without a house number.
            kinds[0] = block.lines[0].kind = "name"
        if (len(kinds) > 1 and kinds[0] == "address" and kinds[1] == "name"
                and _legal_form_only(layout, block.lines[1].tokens)):
            # 'RESTORAN SELERA KAMPUNG' over 'SDN BHD': a place word made the first line look like an
            # address, but a legal form alone on the next line ends the name begun above it.
            kinds[0] = block.lines[0].kind = "name"
        i = 0
        # A logo line, a title, a registration/contact line or an attention line ('Attn: Accounts
        # Payable' over the recipient's company) may stand above the name.
        while i < len(kinds) and (kinds[i] in ("other", "title", "date", "attention") or kinds[i] == "contact" and i < 2
                                  or kinds[i] == "address" and i == 0 and len(kinds) > 1 and kinds[1] == "name"):
            # (an address-like fragment alone above the name: the torn edge of the slip before it)
            i += 1
        if i >= len(kinds) or kinds[i] != "name":
            continue
        j = i
        while j < len(kinds) and kinds[j] == "name" and j - i < MAX_NAME_RUN:
            j += 1
        if j - i > 3 and not (j < len(kinds) and kinds[j] in ("contact", "address")):
            j = i + 3  # a long run of name-like lines not closed by an address: the name is at its top
        k = j
        contact = False
        # Registration and contact lines (two at most; three when an address follows them) and the
        # slip's date and time between the name and its address, and one licensee, brand or branch
        # line among them ('(SUPER CHOICE)', 'URBAN BAKES' between the registration and the GST line).
        address_follows = "address" in kinds[j:j + 6]
        brand = False
        while k < len(kinds):
            if (kinds[k] == "contact" and sum(kd == "contact" for kd in kinds[j:k]) < (3 if address_follows else 2)
                    or kinds[k] in ("date", "attention")):
                contact = contact or kinds[k] == "contact"
                k += 1
            elif (not brand and kinds[k] == "name" and k + 1 < len(kinds) and (contact or j - i > 0)
                  and (kinds[k + 1] == "address" or kinds[k + 1] == "contact" and address_follows and contact)):
                brand = True
                k += 1
            else:
                break
        if (k + 1 < len(kinds) and kinds[k] == kinds[k + 1] == "address"
                and not any(ch.isdigit() for ch in block.lines[k].text)
                and _ADDRESS_START.match(fold(block.lines[k + 1].text))):
            # An outlet's place name ('Riverside Theme Park') over the line the address opens with
            # ('Lot 4, Level 2'): the outlet, not the address.
            k += 1
        a = k
        seen_postcode: str | bool = False  # False, 'postcode', or 'house number?' (see _four_digit_only)
        ends_postcode = False
        while a < len(kinds) and kinds[a] in ("address", "name") and a - k < 6:
            text = block.lines[a].text
            if a > k and ends_with_country(block.lines[a - 1].text):
                break  # the country is an address's last line: a branch or mall name may follow
            if seen_postcode and not _region_line(text) and not (ends_postcode and _city_line(text)) \
                    and not (seen_postcode == "house number?" and has_postcode(text) and not _four_digit_only(text)):
                # After the postcode line only the city, state or country follows ('1190 Broadway'
                # opening with four digits and no street word may be a house number: a line with
                # a real postcode after it continues the address).
                break
            if kinds[a] == "name" and a > k and not _continues_address(block.lines[a - 1].text) \
                    and not _region_line(text) and not (ends_postcode and _city_line(text)):
                break
            ends_postcode = bool(_POSTCODE_END.search(text)) and not seen_postcode
            if has_postcode(text) and seen_postcode != "postcode":
                seen_postcode = "house number?" if _four_digit_only(text) else "postcode"
            a += 1
        # A line of parts between separators gives only its address parts (`separated_address`);
        # the parts after them (a tax number, a phone) are the issuer's contact.
        parts = [separated_address(layout, line.tokens) for line in block.lines[k:a]]
        address = [t for line, part in zip(block.lines[k:a], parts) for t in (part or line.tokens)
                   ] if a > k and kinds[k] == "address" else []
        contact = contact or (a < len(kinds) and kinds[a] == "contact") or any(
            part and len(part) < len(line.tokens) for line, part in zip(block.lines[k:a], parts))
        lines = block.lines[i:j]
        # An issuer prints its phone, tax or registration number with its address; a recipient block
        # (a letter's address window) has none.
        # A block with neither is as likely a heading or the first item lines: alone it stays
        # below the selection's minimum unless a legal form backs it.
        quality = 0.2 + 0.25 * bool(address) + 0.15 * contact + 0.1 * (bool(address) and contact) - 0.1 * (b - skipped)
        for first in range(len(lines)):
            for last in range(first, min(len(lines), first + 3)):
                toks = strip_registration(layout, [t for line in lines[first:last + 1] for t in _name_part(layout, line)])
                if not toks or _legal_form_only(layout, toks):
                    continue
                text = layout.text_of(toks)
                head = lines[first]
                smaller = last > first and all(_height(layout, ln) < 0.85 * _height(layout, head)
                                               for ln in lines[first + 1:last + 1])
                after_smaller = last + 1 < len(lines) and all(
                    _height(layout, ln) < 0.85 * _height(layout, lines[last]) for ln in lines[last + 1:])
                hp = HeaderParty(
                    name=toks, address=address, block=b, name_lines=last - first + 1, block_name_lines=len(lines),
                    address_lines=a - k if address else 0, legal_form=_legal_end(layout, toks),
                    first_line=first == 0, all_lines=first == 0 and last == len(lines) - 1, contact_after=contact,
                    smaller_after=after_smaller, lowercase_start=head.text == head.text.lower())
                score = quality
                score += 0.08 * hp.legal_form + 0.05 * hp.all_lines + 0.1 * after_smaller
                # Notes or a logo's words above the name: the name is the run that meets its address.
                score += 0.06 * (last == len(lines) - 1 and bool(address) and hp.legal_form)
                score -= 0.12 * smaller + 0.15 * hp.lowercase_start + 0.08 * (first > 0 and not hp.legal_form)
                score -= 0.1 * (not _balanced(text)) + 0.04 * max(0, hp.name_lines - 2)
                score -= 0.15 * _closes_first(text)  # 'ALAM) SDN BHD': the name began a line above
                if is_legal_form(layout.tokens[toks[0]].text) and first > 0:
                    score -= 0.2  # 'CO. (M) SDN BHD' under its first line: no name starts with its legal form
                if any(_legal_end(layout, ln.tokens) for ln in lines[first:last]):
                    score -= 0.1  # the name ended at an earlier line's legal form
                wrapped = _same_size(layout, lines[first:last + 1])
                if hp.legal_form and last > first and not _continues(lines[last - 1].text) and not wrapped:
                    # 'SUSHI MENTAI - PANDAN INDAH' over 'KMF FOODICIOUS SDN BHD': a trading name or
                    # branch above the company's legal name, not the start of it (a name wrapped
                    # over two lines keeps its type size on both).
                    score -= 0.1
                if first > 0 and hp.legal_form and not _legal_end(layout, lines[first - 1].tokens) \
                        and _same_size(layout, lines[first - 1:first + 1]):
                    score -= 0.1  # the second line of a wrapped name: the name began a line above
                hp.score = round(score, 4)
                out.append(hp)
    out.sort(key=lambda h: -h.score)
    return out


# A line ending in a house number after a word ('Königsallee 27', 'Calle Mayor 5', 'Hauptstraße 3a').
_HOUSE_NUMBER_END = re.compile(r"[^\W\d]{2,}\s+\d{1,4}[a-z]?[.,]?$")


ADDRESS_BELOW_GAP = 3.0  # line heights between a name block and an address block it owns


def _with_address_below(layout: PageLayout, blocks: list[Block], b: int) -> Block:
    """Block `b`, with the next block's lines after its own when it holds name lines but no address
    or contact line and the next block, just below it and overlapping it across, opens with an
    address line (or a registration line over one): a name printed large leaves a gap that splits
    it from its address ('Blue Bottle' over 'Königsallee 27' / '40212 Düsseldorf'). Otherwise
    block `b` itself."""
    block = blocks[b]
    if b + 1 >= len(blocks) or any(line.kind in ("address", "contact") for line in block.lines) \
            or not any(line.kind == "name" for line in block.lines):
        return block
    below = blocks[b + 1]
    bottom = max(layout.tokens[t].y1 for t in block.lines[-1].tokens)
    # (Opening with the company's registration or share-capital line above its address counts too.)
    opens = below.lines[0].kind == "address" or below.lines[0].kind == "contact" and any(
        line.kind == "address" for line in below.lines[1:3])
    if (not opens or below.top - bottom > ADDRESS_BELOW_GAP * layout.line_height
            or below.x0 > block.x1 or below.x1 < block.x0):
        return block
    return Block(x0=min(block.x0, below.x0), x1=max(block.x1, below.x1), top=block.top,
                 lines=block.lines + below.lines)


def _street_and_number(text: str) -> bool:
    """A street and its house number with no street word the lexicon knows ('Am Mühlgraben 7',
    'Op de Kamp 12'): two to four words, a capital first, then a house number closing the line."""
    words = text.split()
    return (2 <= len(words) <= 4 and words[0][:1].isupper() and bool(_HOUSE_NUMBER_END.search(fold(text)))
            and words[-1][:1].isdigit() and len(words[-1].rstrip(".,")) <= 4)


# A city and a four- to six-digit code, either way round ('Wellington 6011', '8002 Zürich').
_CITY_AND_CODE = re.compile(r"^[^\W\d][^\d]*\s\d{4,6}\b|^\d{4,6}\s+[^\W\d]")


def separated_address(layout: PageLayout, toks: list[int]) -> list[int]:
    """The address at the start of a line of parts between separators: the parts up to the one
    with the postcode, and a country part after it ('Seestrasse 88 | 8002 Zürich | MWST-Nr. …' ->
    'Seestrasse 88 8002 Zürich'); [] when the line has no separator or no postcode part, or a
    part before the postcode is a contact or registration part."""
    parts: list[list[int]] = [[]]
    for t in toks:
        text = layout.tokens[t].text.strip()
        if text in PART_SEPARATORS:
            parts.append([])
        elif text:
            parts[-1].append(t)
    parts = [p for p in parts if p]
    if len(parts) < 2:
        return []
    for n, part in enumerate(parts):
        text = layout.text_of(part)
        if line_kind(layout, part) == "contact" or "@" in text:
            return []
        if has_postcode(text.replace(",", " ")) or (_CITY_AND_CODE.search(text) and not _STREET.search(fold(text))):
            if n + 1 < len(parts) and ends_with_country(layout.text_of(parts[n + 1])):
                n += 1
            return [t for p in parts[:n + 1] for t in p]
    return []


def _name_over_street(block: Block, n: int) -> bool:
    """Line n has more words than the street line under it and holds no digit, no comma and no
    postcode, and a postcode line follows within two lines: line n is a name, line n+1 its street."""
    first, second = block.lines[n].text, block.lines[n + 1].text
    if any(ch.isdigit() for ch in first + second) or "," in first or len(first.split()) <= len(second.split()):
        return False
    return any(has_postcode(line.text) for line in block.lines[n + 2:n + 4])


def _name_like_address(first: str, second: str) -> bool:
    """A head line classed as an address only for a place word or a leading number ('KEDAI SELERA
    KAMPUNG', '88 MINIMART'), over a line that opens or closes like an address."""
    f, n = fold(first), fold(second)
    if _POSTCODE.search(first) or _ADDRESS_START.match(f) or _UNIT_START.match(f) or "," in first:
        return False
    if sum(ch.isdigit() for ch in first) > 3 or len(first.split()) > 5:
        return False
    if _HOUSE_NUMBER_END.search(f):
        return False  # a street and its house number ('Königsallee 27', 'Calle Mayor 5'), not a name
    return bool(second[:1].isdigit() or _ADDRESS_START.match(n) or _UNIT_START.match(n) or _POSTCODE.search(second))


SAME_SIZE = 0.08  # relative difference of line heights within which two lines share a type size


def _same_size(layout: PageLayout, lines: list[Line]) -> bool:
    """Lines of one wrapped name: every line's height within SAME_SIZE of the first's, and no word
    printed twice ('Banh Mi Cafe' over 'BANH MI CAFE SDN BHD' is a brand over its legal name)."""
    first = _height(layout, lines[0])
    words = [w for ln in lines for w in fold(ln.text).split() if any(ch.isalpha() for ch in w)]
    return len(words) == len(set(words)) and all(
        abs(_height(layout, ln) - first) <= SAME_SIZE * first for ln in lines[1:])


def _continues(text: str) -> bool:
    """A name line that goes on in the next one: an open bracket, or a trailing '&', '-', ','."""
    t = text.strip()
    return not _balanced(t) or t.endswith(("&", "-", ",", "and"))


_KEY_PREFIX = re.compile(r"^[^\W\d][\w .'/-]{0,24}:\s*$")


def _name_part(layout: PageLayout, line: Line) -> list[int]:
    """A name line without a leading key ('Owned by:', 'Dimiliki:'): the name after it."""
    for n, t in enumerate(line.tokens[:4]):
        if layout.tokens[t].text.endswith(":") and _KEY_PREFIX.match(layout.text_of(line.tokens[: n + 1])):
            return line.tokens[n + 1:]
    return line.tokens


def _region_line(text: str) -> bool:
    """A short line after the postcode line naming the state or country ('SELANGOR', 'MALAYSIA.')."""
    words = text.replace(",", " ").split()
    return 1 <= len(words) <= 3 and not any(ch.isdigit() for ch in text)


_POSTCODE_END = re.compile(r"(?<![\w-])\d{5}[.,]?\s*$")


def _city_line(text: str) -> bool:
    """The city and state after a line ending in its postcode ('Ara Damansara, 47301' then
    'Petaling Jaya, Selangor Darul Ehsan'): a few words, no digits."""
    words = text.replace(",", " ").split()
    return 1 <= len(words) <= 6 and not any(ch.isdigit() for ch in text)


def _continues_address(text: str) -> bool:
    """An address line ending in a comma or lacking its postcode continues on the next line."""
    t = text.strip()
    return t.endswith(",") or not has_postcode(t)
