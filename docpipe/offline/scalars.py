"""Scalar fields: label hits -> scored value candidates -> one value per field, by role."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from docpipe.grounding.amounts import read_amount
from docpipe.grounding.currency import currency_of_token, detect_currency
from docpipe.grounding.dates import date_candidates
from docpipe.grounding.labels import LabelHit, find_labels
from docpipe.grounding.layout import PageLayout
from docpipe.fields import FieldSpec
from docpipe.grounding.textnorm import label_token
from docpipe.offline.blocks import PARTY_HEADINGS, line_kind
from docpipe.offline.lexicon import (
    BARE_NUMBER_LABELS, CONTRACT_NUMBER_LABELS, CREDIT_NOTE_LABELS, ITEM_ROLE_LABELS, POLICY_NUMBER_LABELS,
    OTHER_DATE_ROLES, REFERENCE_WORDS, ROLE_LABELS, role_of,
)
from docpipe.offline.parties import (
    address_after, address_below, address_from_label, footer_name, keys_a_number, keys_before,
    legal_name_candidates, party_from_label, window_recipient,
)
from docpipe.offline.values import Reading, read_below, read_right, scan_value

MIN_SCORE = 0.4
POLICY_LABEL_STRENGTH = 0.8  # a policy-number label, against 1.0 for an exact invoice-number label
BARE_LABEL_STRENGTH = 0.7  # 'Número:' alone
_MAX_ROLES = {"total"}  # the grand total is the largest of its labelled candidates
_COLUMN_ROLES = {"total", "tax", "subtotal"}


@dataclass(slots=True)
class Pick:
    value: Any
    tokens: list[int]
    score: float
    how: str  # 'label', 'party', 'legal_form', 'footer', 'window', 'page_currency', 'beside_total', 'header_date'


def field_labels(spec: FieldSpec) -> list[str]:
    role = role_of(spec.name)
    return list(dict.fromkeys(list(spec.labels) + ROLE_LABELS.get(role, OTHER_DATE_ROLES.get(role, []))))


def resolve_overlaps(hits: dict[str, list[LabelHit]]) -> dict[str, list[LabelHit]]:
    """A hit inside a longer hit of another field belongs to that field ('Total HT' is net)."""
    spans = [(name, h, frozenset(h.tokens)) for name, hs in hits.items() for h in hs]
    by_token: dict[int, list[int]] = {}
    for k, (_, _, toks) in enumerate(spans):
        for t in toks:
            by_token.setdefault(t, []).append(k)
    out: dict[str, list[LabelHit]] = {name: [] for name in hits}
    for k, (name, hit, toks) in enumerate(spans):
        rivals = {j for t in toks for j in by_token[t] if j != k and spans[j][0] != name}
        if not any(toks < spans[j][2] for j in rivals):
            out[name].append(hit)
    return out


def _score(hit: LabelHit, reading: Reading, below: bool) -> float:
    score = hit.strength * reading.quality
    score *= 0.85 if below else 1.0
    # 'Rechnungssumme ohne USt.': a label word inside a phrase qualifies, it does not label.
    score *= 1.0 if hit.at_segment_start or hit.colon else 0.5
    score *= 0.6 if hit.extended_by else 1.0
    score *= 0.8 ** reading.skipped
    score *= 1.0 + 0.05 * min(hit.size - 1, 3)
    score *= 1.05 if hit.colon else 1.0
    return min(1.0, score)


def labelled_candidates(
    layout: PageLayout, spec: FieldSpec, hits: list[LabelHit], day_first: bool | None, stop: set[int]
) -> list[Pick]:
    out: list[Pick] = []
    own = {t for h in hits for t in h.tokens}
    block_address = spec.kind == "address" and role_of(spec.name) not in PARTY_LABEL_ROLES
    for hit in hits:
        own_stop = stop - own
        if block_address:
            # A user's address field ('ship_to_address'): the block under its label, name line aside.
            found = address_from_label(layout, hit, own_stop)
            if found is not None:
                out.append(Pick(found.value, found.tokens, _score(hit, found, True), "label"))
                continue
        reading = read_right(layout, hit, spec.kind, day_first, own_stop)
        if spec.kind == "amount" and reading is not None and _payment_terms(layout, hit, reading):
            continue  # 'Terms  Net 30': days to pay, not a net amount
        if reading is not None and reading.value not in (None, ""):
            score = _score(hit, reading, False)
            if spec.kind == "amount" and _more_amounts_after(layout, reading):
                score *= 0.8  # a table row ('VAT 19 % 81,90 15,56'), not a label with its value
            out.append(Pick(reading.value, reading.tokens, score, "label"))
            continue
        column = spec.kind == "amount" and role_of(spec.name) in _COLUMN_ROLES
        below = [r for r in read_below(layout, hit, spec.kind, day_first, own_stop, column) if r.value not in (None, "")]
        sum_row = _sum_row(below)
        # 'QTY ITEM TOTAL' heads a table: the amounts under its 'TOTAL' are line amounts, and the
        # dates under 'Date Description Charges' are the lines' dates.
        item_header = spec.kind in ("amount", "date") and _item_header_row(layout, hit)
        for k, found in enumerate(below):
            decay = 1.0 if k == sum_row else (0.9 ** k if sum_row is None else 0.7)
            decay *= 0.3 if item_header and k != sum_row else 1.0
            out.append(Pick(found.value, found.tokens, _score(hit, found, True) * decay, "label"))
    return out


_TERMS_WORDS = frozenset({"terms", "payment", "zahlungsbedingungen", "zahlungsziel", "conditions", "condiciones",
                          "condizioni", "betalingstermijn", "betalingsvoorwaarden", "zahlbar"})
_DAYS_WORDS = frozenset({"days", "day", "tage", "tagen", "jours", "dias", "giorni", "dagen"})


def _payment_terms(layout: PageLayout, hit: LabelHit, reading: Reading) -> bool:
    """'Terms: Net 30', 'Net 30 days', 'zahlbar netto 14 Tage': a whole number of days after a
    'net' label, on a line that speaks of payment terms or with a days word after it."""
    value = reading.value
    if not isinstance(value, Decimal) or value != value.to_integral_value() or not 0 < value <= 180:
        return False
    if "." in layout.text_of(reading.tokens) or "," in layout.text_of(reading.tokens):
        return False  # '30.00': an amount
    row = layout.rows[hit.row]
    before = {layout.keys[t] for t in row[:hit.start]}
    last = layout.tokens[reading.tokens[-1]]
    after = [layout.keys[t] for t in row[last.pos + 1:last.pos + 2]]
    return bool(before & _TERMS_WORDS) or bool(set(after) & _DAYS_WORDS)


_COLUMN_WORDS = frozenset(
    [label_token(lab) for role in ("item_description", "item_quantity", "item_unit_price")
     for lab in ITEM_ROLE_LABELS[role] if " " not in lab]
    + [label_token(lab) for lab in ROLE_LABELS.get("tax", []) if " " not in lab])


def _item_header_row(layout: PageLayout, hit: LabelHit) -> bool:
    """The label stands in a table's header row ('QTY ITEM TOTAL', 'GST Summary Amount (RM) Tax (RM)'):
    other column names beside it, apart from it (not 'Total incl. GST'), no numbers."""
    row = layout.rows[hit.row]
    others = [t for t in row if t not in hit.tokens]
    if any(read_amount(layout.tokens[t].text) is not None for t in others):
        return False
    segs = {layout.tokens[t].seg for t in hit.tokens}
    return any(layout.keys[t] in _COLUMN_WORDS and layout.tokens[t].seg not in segs for t in others)


def _more_amounts_after(layout: PageLayout, reading: Reading) -> bool:
    last = layout.tokens[reading.tokens[-1]]
    row = layout.rows[last.row]
    return any(
        layout.tokens[t].seg != last.seg and read_amount(layout.tokens[t].text) is not None
        for t in row[last.pos + 1:]
    )


def _sum_row(column: list[Reading]) -> int | None:
    """Index of the row that is the sum of the rows above it (per-rate lines, then their total)."""
    if len(column) < 3:
        return None
    try:
        if sum(r.value for r in column[:-1]) == column[-1].value:
            return len(column) - 1
    except TypeError:
        return None
    return None


def choose(spec: FieldSpec, cands: list[Pick]) -> Pick | None:
    good = [c for c in cands if c.score >= MIN_SCORE]
    if not good:
        return None
    best = max(good, key=lambda c: c.score)
    if role_of(spec.name) in _MAX_ROLES and spec.kind == "amount":
        strong = [c for c in good if c.score >= 0.6 * best.score]
        return max(strong, key=lambda c: (abs(c.value), c.score))
    return best


def header_date(layout: PageLayout, number_pick: Pick | None, day_first: bool | None) -> Pick | None:
    """Issue date without a date label: the date printed with the document number
    ('Rechnung Nr. 471102 vom 05.06.2018'), else the first date at the top of the page."""
    if number_pick is not None:
        row = layout.rows[layout.tokens[number_pick.tokens[-1]].row]
        after = row[layout.tokens[number_pick.tokens[-1]].pos + 1:]
        found = scan_value(layout, after, "date", day_first, max_skip=3)
        if found is not None:
            return Pick(found.value, found.tokens, 0.6, "header_date")
    for row in layout.rows:
        if layout.tokens[row[0]].y0 > 0.3:
            break
        for i, t in enumerate(row):
            if layout.tokens[t].text[:1].isdigit() and date_candidates(layout.tokens[t].text, day_first):
                found = scan_value(layout, row[i:], "date", day_first, max_skip=0)
                if found is not None:
                    return Pick(found.value, found.tokens, 0.45, "header_date")
    return None


def currency_beside(layout: PageLayout, amount_tokens: list[int], code: str) -> Pick | None:
    """The symbol or code printed next to an amount ('1 713,12 €', 'USD 1,520.40'): where the
    page's currency is stated for its grand total, rather than its first mention anywhere."""
    inside = [t for t in amount_tokens if currency_of_token(layout.tokens[t].text) == code]
    if inside:
        return Pick(code, inside[:1], 0.85, "beside_total")
    first, last = layout.tokens[amount_tokens[0]], layout.tokens[amount_tokens[-1]]
    row = layout.rows[first.row]
    near: list[int] = layout.band_right(amount_tokens)[:1]
    if first.pos > 0:
        near.append(row[first.pos - 1])
    limit = 1.5 * layout.line_height
    for t in near:
        tok = layout.tokens[t]
        gap = tok.x0 - last.x1 if tok.x0 >= last.x1 else first.x0 - tok.x1
        if gap <= limit and currency_of_token(tok.text) == code:
            return Pick(code, [t], 0.85, "beside_total")
    return None


def page_currency(layout: PageLayout) -> Pick | None:
    code, index = detect_currency(t.text for t in layout.tokens)
    if code is None or index is None:
        return None
    return Pick(code, [index], 0.7, "page_currency")


def party(
    layout: PageLayout, spec: FieldSpec, hits: list[LabelHit], stop: set[int], issuer: bool,
    excluded_rows: set[int],
) -> tuple[Pick | None, Pick | None]:
    """(name, address) of a party from its labels; for the issuer also legal-form and footer."""
    labelled: list[tuple[float, float, Pick, Pick | None]] = []
    for hit in hits:
        if not hit.at_segment_start or (hit.extended_by and not hit.colon):
            continue  # 'Greetings from …', 'Lieferant GmbH': a word in a sentence or a name
        found = party_from_label(layout, hit, stop - {hit.tokens[0]})
        if found is None:
            continue
        reading, lines, idx = found
        if line_kind(layout, reading.tokens) in ("contact", "title", "date"):
            continue  # 'GST Number', 'Tax Invoice', a date: a line under the label that names nobody
        score = _score(hit, reading, below=idx >= 0)
        name = Pick(reading.value.strip(" ,;:"), reading.tokens, max(score, 0.5), "party")
        addr = address_after(layout, lines, idx) if idx >= 0 else None
        addr_pick = Pick(addr.value, addr.tokens, 0.6, "party") if addr else None
        labelled.append((score, reading.quality, name, addr_pick))
    best = max(labelled, key=lambda t: t[0], default=None)
    if not issuer:
        return (best[2], best[3]) if best else (None, None)
    legal = legal_name_candidates(layout, excluded_rows)
    # A weak labelled guess (first line under a colon-less heading) yields to a company name.
    if best is not None and (best[1] > 0.65 or not legal):
        return best[2], best[3]
    if legal:
        top = legal[0]
        addr = address_below(layout, top.tokens)
        addr_pick = Pick(addr.value, addr.tokens, addr.quality, "legal_form") if addr else None
        return Pick(top.value.strip(" ,;:"), top.tokens, top.quality, "legal_form"), addr_pick
    footer = footer_name(layout)
    if footer is not None:
        return Pick(footer.value, footer.tokens, footer.quality, "footer"), None
    return None, None


def window_party(layout: PageLayout) -> tuple[Pick, Pick] | None:
    """The unlabelled recipient block under a window letter's return address, as (name, address)."""
    found = window_recipient(layout)
    if found is None:
        return None
    name, address = found
    return (Pick(name.value.strip(" ,;:"), name.tokens, name.quality, "window"),
            Pick(address.value, address.tokens, 0.6, "window"))


PARTY_LABEL_ROLES = ("seller", "buyer", "seller_address", "buyer_address")


def _refers_elsewhere(layout: PageLayout, hit: LabelHit) -> bool:
    """A number label opened or qualified by a reference word on its line piece: 'zu Rechnung',
    'Corrects invoice', 'Factura rectificada:'."""
    # The word before, or one before an article or a preposition ('Rectifica la factura', 'zur
    # Rechnung', 'relative à la facture').
    if any(key in REFERENCE_WORDS for key in keys_before(layout, hit, 3)):
        return True
    row = layout.rows[hit.row]
    after = row[hit.end:hit.end + hit.extended_by]
    return any(layout.keys[t] in REFERENCE_WORDS for t in after)


def _opens_line(layout: PageLayout, hit: LabelHit) -> bool:
    """Whether the label is the first thing on its line ('Globale Nummer:' read as two pieces is not)."""
    return layout.rows[hit.row][0] == hit.tokens[0]


def _in_party_block(layout: PageLayout, hit: LabelHit) -> bool:
    """Whether one of the two lines above the label, in its column, is a party heading ('Verkäufer',
    'Abweichender Rechnungsempfänger:'): a 'Nummer:' there is the party's number."""
    tok = layout.tokens[hit.tokens[0]]
    for r in range(max(0, tok.row - 2), tok.row):
        for t in layout.rows[r]:
            seg = layout.segments[layout.tokens[t].seg]
            if abs(seg.x0 - tok.x0) <= layout.line_height and layout.keys[t] in PARTY_HEADINGS:
                return True
    return False


def all_hits(layout: PageLayout, specs: list[FieldSpec], excluded: set[int]) -> dict[str, list[LabelHit]]:
    hits: dict[str, list[LabelHit]] = {}
    for spec in specs:
        found = find_labels(layout, field_labels(spec))
        party = spec.kind in ("name", "address") and role_of(spec.name) in PARTY_LABEL_ROLES
        number = role_of(spec.name) == "doc_number"
        # 'Customer no.', 'N° client': a party word inside a number's label is not the party's label;
        # 'zu Rechnung:', 'Corrects invoice:' label another document's number.
        kept = [h for h in found if not excluded.intersection(h.tokens)
                and not (party and keys_a_number(layout, h))
                and not (number and _refers_elsewhere(layout, h))]
        if number:
            # A policy number where the page prints no better number label (weaker than one that is).
            kept += [replace(h, strength=POLICY_LABEL_STRENGTH * h.strength)
                     for h in find_labels(layout, POLICY_NUMBER_LABELS)
                     if not excluded.intersection(h.tokens) and not any(set(h.tokens) & set(k.tokens) for k in kept)]
            # 'Número:' alone, opening its line (weaker still), outside a party's block.
            kept += [replace(h, strength=BARE_LABEL_STRENGTH * h.strength)
                     for h in find_labels(layout, BARE_NUMBER_LABELS)
                     if h.colon and h.at_segment_start and not h.extended_by and not excluded.intersection(h.tokens)
                     and not any(set(h.tokens) & set(k.tokens) for k in kept)
                     and _opens_line(layout, h) and not keys_a_number(layout, h) and not _in_party_block(layout, h)]
        if number and any(h.label in CREDIT_NOTE_LABELS for h in kept):
            kept = [h for h in kept if h.label in CREDIT_NOTE_LABELS]  # a credit note's own number
        hits[spec.name] = kept
    resolved = resolve_overlaps(hits)
    for spec in specs:
        if role_of(spec.name) == "doc_number" and not resolved.get(spec.name):
            # A contract's number, where nothing else labels the document's (an insurer's bill).
            resolved[spec.name] = [replace(h, strength=POLICY_LABEL_STRENGTH * h.strength)
                                   for h in find_labels(layout, CONTRACT_NUMBER_LABELS)
                                   if not excluded.intersection(h.tokens)]
    return resolved
