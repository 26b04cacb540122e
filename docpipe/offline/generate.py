"""Candidate generation for the scalar fields of one page, by the field's kind and role.

Each generator proposes `Candidate`s with a hand-set evidence score in [0, 1] and the features
that score came from:
- label: a value right of or below one of the field's printed labels (schema labels plus the
  role lexicon), `scalars.labelled_candidates`;
- amount_scan / date_scan: every amount or date on the page with what its line says about it;
- party_label, legal_form, footer, window: party names and addresses (`scalars.party`; window also
  gives the issuer's name that opens a window letter's return address);
- header_block: the unlabelled issuer block at the head of the page (`blocks`);
- header_date, page_currency, beside_total: the older fallbacks, kept as weaker generators.
"""

from __future__ import annotations

from docpipe.fields import FieldSpec
from docpipe.offline import scalars
from docpipe.grounding.textnorm import company_key
from docpipe.offline.blocks import HeaderParty, header_parties, name_text
from docpipe.offline.candidates import Candidate
from docpipe.offline.context import PageContext
from docpipe.offline.lexicon import role_of
from docpipe.offline.parties import address_below, imprint_names, window_sender
from docpipe.offline.rowlabels import AMOUNT_ROLES, FIELD_DATE_ROLES, row_label
from docpipe.offline.scans import amount_candidates, date_field_candidates
from docpipe.offline.values import ends_like_a_label

PARTY_ROLES = {"seller": True, "buyer": False}
RECIPIENT_SCORE = 0.5  # an unlabelled address block without contact lines, the issuer being elsewhere
WINDOW_RECIPIENT_FACTOR = 0.3  # a header block that is the recipient under a window letter's return address
REPEAT_BONUS = 0.1  # a header-block name printed again as a whole in an imprint or sender line


def _from_pick(ctx: PageContext, spec: FieldSpec, pick: scalars.Pick, generator: str | None = None,
               features: dict[str, float] | None = None) -> Candidate:
    feats = {"pick_score": round(pick.score, 4)}
    feats.update(features or {})
    value = pick.value.strip(" ,;:") if isinstance(pick.value, str) else pick.value
    return ctx.candidate(spec, value, pick.tokens, generator or pick.how, pick.score, feats)


def labelled(ctx: PageContext, spec: FieldSpec) -> list[Candidate]:
    picks = scalars.labelled_candidates(ctx.layout, spec, ctx.hits[spec.name], ctx.order.day_first, ctx.stop)
    chosen = scalars.choose(spec, picks)
    role = role_of(spec.name)
    out = []
    for pick in picks:
        feats = {"label_choice": float(pick is chosen)}
        score = pick.score
        table = "amount" if spec.kind == "amount" and role in AMOUNT_ROLES else \
            "date" if spec.kind == "date" and role in FIELD_DATE_ROLES else ""
        if table and pick.tokens:
            # The line's own words may say the value is something else ('Total GST', 'Total Qty',
            # 'Delivery date:' read through its generic label word 'date').
            line = row_label(ctx.layout, pick.tokens, table)
            own = line.strength(role)
            if line.role and line.role != role and own < 0.5 and line.tokens:
                feats["row_other"] = 1.0
                # A delivery or order date is never the issue date: below the selection's floor.
                score *= 0.3 if table == "amount" else 0.1
            elif line.tokens and own:
                feats["row_role"] = round(own, 3)
                score *= 0.7 + 0.3 * own
        out.append(_from_pick(ctx, spec, scalars.Pick(pick.value, pick.tokens, score, pick.how), "label", feats))
    return out


def party_candidates(ctx: PageContext, specs: list[FieldSpec], excluded_rows: set[int]) -> dict[str, list[Candidate]]:
    """Names and addresses of the issuer and recipient, for the fields whose role asks for them."""
    out: dict[str, list[Candidate]] = {}
    by_role = {role_of(s.name): s for s in specs}
    layout = ctx.layout
    recipient = scalars.window_party(layout)
    for role, issuer in PARTY_ROLES.items():
        name_spec = by_role.get(role)
        addr_spec = by_role.get(f"{role}_address")
        if name_spec is None or name_spec.kind != "name":
            continue
        name, addr = scalars.party(layout, name_spec, ctx.hits[name_spec.name], ctx.stop, issuer, excluded_rows)
        group = 1.0
        if name is not None:
            gen = {"party": "party_label"}.get(name.how, name.how)
            out.setdefault(name_spec.name, []).append(_from_pick(ctx, name_spec, name, gen, {"group": group}))
            if addr is not None and addr_spec is not None:
                out.setdefault(addr_spec.name, []).append(_from_pick(ctx, addr_spec, addr, gen, {"group": group}))
        if not issuer and recipient is None:
            for k, hp in enumerate(recipient_blocks(layout, ctx.stop)[:2]):
                feats = {"group": 30.0 + k, "block": float(hp.block)}
                out.setdefault(name_spec.name, []).append(ctx.candidate(
                    name_spec, layout.text_of(hp.name).strip(" ,;:"), hp.name, "recipient_block", RECIPIENT_SCORE,
                    feats))
                if addr_spec is not None:
                    out.setdefault(addr_spec.name, []).append(ctx.candidate(
                        addr_spec, layout.text_of(hp.address).strip(" ,;"), hp.address, "recipient_block",
                        RECIPIENT_SCORE * 0.9, feats))
        if not issuer and recipient is not None:
            group += 1
            rname, raddr = recipient
            out.setdefault(name_spec.name, []).append(_from_pick(ctx, name_spec, rname, "window", {"group": group}))
            if addr_spec is not None:
                out.setdefault(addr_spec.name, []).append(_from_pick(ctx, addr_spec, raddr, "window", {"group": group}))
        if issuer:
            imprints = imprint_names(layout, excluded_rows)
            for k, found in enumerate(imprints[:3]):
                addr = address_below(layout, found.tokens)
                feats = {"group": 20.0 + k, "imprint": 1.0}
                out.setdefault(name_spec.name, []).append(ctx.candidate(
                    name_spec, found.value.strip(" ,;:"), found.tokens, "imprint", found.quality, feats))
                if addr is not None and addr_spec is not None:
                    out.setdefault(addr_spec.name, []).append(ctx.candidate(
                        addr_spec, addr.value, addr.tokens, "imprint", addr.quality, feats))
            # A letterhead name printed again as a whole on a line of its own elsewhere (the legal
            # footer, the sender line) is the issuer's, not a brand or half of a wrapped name.
            elsewhere = [(company_key(r.value), set(r.tokens)) for r in imprints]
            sender = window_sender(layout)
            if sender is not None:
                out.setdefault(name_spec.name, []).append(ctx.candidate(
                    name_spec, sender.value.strip(" ,;:"), sender.tokens, "window", sender.quality,
                    {"group": 25.0, "sender_line": 1.0}))
            # The block under a window letter's return address is the recipient's, not the issuer's.
            recipient_tokens = set(recipient[0].tokens) if recipient is not None else set()
            for hp in header_parties(layout)[:8]:
                if ends_like_a_label(layout, hp.name):
                    continue  # 'Fatura n.º' over its number: a label, never a name
                group = 10.0 + hp.block
                feats = {
                    "group": group, "block": float(hp.block), "name_lines": float(hp.name_lines),
                    "legal_form": float(hp.legal_form), "first_line": float(hp.first_line),
                    "all_lines": float(hp.all_lines), "has_address": float(bool(hp.address)),
                    "contact_after": float(hp.contact_after), "smaller_after": float(hp.smaller_after),
                    "lowercase_start": float(hp.lowercase_start),
                }
                text = name_text(layout, hp.name)
                score = hp.score * (WINDOW_RECIPIENT_FACTOR if recipient_tokens & set(hp.name) else 1.0)
                out.setdefault(name_spec.name, []).append(ctx.candidate(
                    name_spec, text, hp.name, "header_block", score, feats))
                if hp.address and addr_spec is not None:
                    out.setdefault(addr_spec.name, []).append(ctx.candidate(
                        addr_spec, layout.text_of(hp.address).strip(" ,;"), hp.address, "header_block",
                        hp.score * 0.9, feats))
            out[name_spec.name] = [_against_imprints(c, elsewhere) for c in out.get(name_spec.name, [])]
    return out


def recipient_blocks(layout, labels: set[int] = frozenset()) -> list[HeaderParty]:
    """Unlabelled name-and-address blocks at the head of the page that are not the issuer's: where
    the page shows its issuer elsewhere (a block with contact lines, an imprint or sender line), a
    block of one name line and an address with no phone, e-mail or tax number is the recipient's
    (an address window without a return address, a buyer column beside the seller's). `labels`:
    token ids of printed field labels, never a name. Best first."""
    parties = header_parties(layout)
    issuer_keys = {company_key(r.value) for r in imprint_names(layout, set())}
    issuer_blocks = {hp.block for hp in parties if hp.contact_after and hp.address}
    if not issuer_keys and not issuer_blocks:
        return []
    out: list[HeaderParty] = []
    for hp in parties:
        if (not hp.address or hp.contact_after or not hp.first_line or hp.name_lines != 1
                or hp.block in issuer_blocks or any(o.block == hp.block for o in out)):
            continue
        if company_key(layout.text_of(hp.name)) in issuer_keys or labels.intersection(hp.name):
            continue  # the issuer's name printed elsewhere; a label ('Billed to') over the name
        out.append(hp)
    return out


def _against_imprints(cand: Candidate, imprints: list[tuple[str, set[int]]]) -> Candidate:
    """An issuer name printed again, as a whole, in an imprint or sender line elsewhere on the page
    gains REPEAT_BONUS; one that is only the start or the end of such a name (a wrapped name's
    first or second line, a brand word) loses it."""
    if cand.generator == "imprint" or not imprints:
        return cand
    key = company_key(str(cand.value))
    own = set(cand.tokens)
    others = [k for k, toks in imprints if not toks & own]
    if not key or not others:
        return cand
    if key in others:
        delta, feature = REPEAT_BONUS, 1.0
    elif any(k.startswith(key + " ") or k.endswith(" " + key) for k in others):
        delta, feature = -REPEAT_BONUS, -1.0
    else:
        return cand
    feats = {**cand.features, "repeated": feature}
    return cand.model_copy(update={"score": max(0.0, min(1.0, cand.score + delta)), "features": feats})


def currency_candidates(ctx: PageContext, spec: FieldSpec) -> list[Candidate]:
    out = labelled(ctx, spec)
    pick = scalars.page_currency(ctx.layout)
    if pick is not None:
        out.append(_from_pick(ctx, spec, pick, "page_currency"))
    for run in ctx.amounts:
        code = run.reading.currency
        if code is not None and run.reading.has_decimals:
            tokens = [t for t in run.tokens if scalars.currency_of_token(ctx.layout.tokens[t].text) == code]
            out.append(ctx.candidate(spec, code, tokens or run.tokens, "beside_amount", 0.6,
                                     {"attached": float(not tokens)}))
    return out


def scalar_candidates(ctx: PageContext, spec: FieldSpec) -> list[Candidate]:
    """Every candidate for one scalar field that is not a party name/address."""
    if spec.kind == "amount":
        return labelled(ctx, spec) + amount_candidates(ctx, spec)
    if spec.kind == "date":
        return labelled(ctx, spec) + date_field_candidates(ctx, spec)
    if spec.kind == "currency":
        return currency_candidates(ctx, spec)
    return labelled(ctx, spec)


def header_date_candidate(ctx: PageContext, spec: FieldSpec, number: Candidate | None) -> Candidate | None:
    """The date printed with the document number ('Rechnung Nr. 471102 vom 05.06.2018')."""
    pick = scalars.Pick(number.value, number.tokens, number.score, "label") if number is not None else None
    found = scalars.header_date(ctx.layout, pick, ctx.order.day_first)
    if found is None:
        return None
    line = row_label(ctx.layout, found.tokens, "date")
    if line.role in _NOT_ISSUE_DATES and line.strength(role_of(spec.name)) < 0.5:
        return None  # 'Delivery date: 03.06.2024' at the top of a page is not the issue date
    return _from_pick(ctx, spec, found, "header_date")


# Date labels that name another date ('period' is left out: 'vom', 'from' also follow a number).
_NOT_ISSUE_DATES = ("due_date", "delivery", "order", "print")

