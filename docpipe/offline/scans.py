"""Page-wide candidate generators for amounts and dates: every value of the kind on the page,
with what its line says about it (see rowlabels), where it sits and how it is written.

They complement the label-anchored readings (scalars.labelled_candidates): a receipt's
'TOTAL RM 30.90' beside 'CASH 51.00' and 'CHANGE 20.10', or a date printed with no label at
the top of a slip, is found here, and lines that say they are something else (cash, change,
rounding, a per-rate tax line, a delivery or print date) count against a field.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from docpipe.fields import FieldSpec
from docpipe.grounding.dates import date_candidates, year_first_doubt
from docpipe.grounding.layout import PageLayout
from docpipe.offline.candidates import Candidate
from docpipe.offline.context import PageContext
from docpipe.offline.lexicon import role_of
from docpipe.offline.rowlabels import AMOUNT_ROLES, FIELD_DATE_ROLES, RowLabel, classify, row_label
from docpipe.offline.values import _date_at  # noqa: PLC2701 - one date-run reader

_TIME_CHARS = set("0123456789:.apmAPM ")


def _money_lines(ctx: PageContext) -> dict[str, list[Decimal]]:
    """Amounts of the page's lines by the role their label gives them."""
    out: dict[str, list[Decimal]] = {}
    for run in ctx.amounts:
        label = row_label(ctx.layout, run.tokens)
        if label.role:
            out.setdefault(label.role, []).append(run.reading.value)
    return out


def _paid(lines: dict[str, list[Decimal]]) -> set[Decimal]:
    """What was paid: a cash (or card) line minus a change line, or the cash line when no change
    is given back."""
    cash, change = lines.get("cash", []), lines.get("change", [])
    if not change:
        # A payment printed as a ledger credit ('VISA Payment  -1,132.78' on a hotel's folio)
        # pays the positive amount.
        return {abs(c) for c in cash}
    return {c - ch for c in cash for ch in change if c - ch >= 0}


def _rounded(lines: dict[str, list[Decimal]]) -> set[Decimal]:
    """Totals after an adjustment line: a total plus the rounding adjustment printed with it, or
    plus the tip added to it ('TOTAL €42.08', 'Tip 4.00', 'PAID €46.08': the amount paid)."""
    rounding = [r for r in lines.get("rounding", []) if r and abs(r) < 1]
    rounding += [t for t in lines.get("tip", []) if t > 0]
    return {t + r for t in lines.get("total", []) for r in rounding}


def per_rate_tax_rows(ctx: PageContext) -> set[int]:
    """Rows of the page's per-rate tax lines ('zzgl. 7% MwSt. 7,24', 'IVA 21% 102,90') when it
    prints two or more of them and no line labelled as the tax in all ('Summe MwSt', 'Total VAT'):
    then no single one of them is the invoice's total tax. Empty otherwise."""
    rates: set[int] = set()
    for run in ctx.amounts:
        label = row_label(ctx.layout, run.tokens)
        if label.role != "tax" or label.strength("tax") < 0.5 or label.values_after:
            continue
        if not label.percent:
            return set()  # a total-tax line is printed
        rates.add(ctx.layout.tokens[run.tokens[0]].row)
    return rates if len(rates) >= 2 else set()


def amount_candidates(ctx: PageContext, spec: FieldSpec) -> list[Candidate]:
    """Every money amount on the page as a candidate for an amount field of a known role."""
    role = role_of(spec.name)
    if role not in AMOUNT_ROLES:
        return []
    layout = ctx.layout
    strong = [r for r in ctx.amounts if r.reading.strong]
    if not strong:
        return []
    counts = Counter(r.reading.value for r in strong)
    largest = max(r.reading.value for r in strong)
    lines = _money_lines(ctx) if role in ("total", "amount_due") else {}
    paid, rounded = _paid(lines), _rounded(lines)
    # A total printed with a rounding adjustment and again after it ('Total 8.48', 'Rounding
    # 0.02', 'Nett Total 8.50'): the amount after rounding is what is due, whatever its line's
    # label says (a 'Rounding' or 'Nett' label is common there); the amount before it is not.
    after_rounding = rounded & {r.reading.value for r in strong}
    before_rounding = {t for t in lines.get("total", []) if after_rounding and t not in after_rounding}
    out: list[Candidate] = []
    for run in strong:
        value = run.reading.value
        label = row_label(layout, run.tokens)
        own = label.strength(role)
        if role == "total" and not own:
            own = 0.6 * label.strength("amount_due")
        if role == "amount_due" and not own:
            own = 0.6 * label.strength("total")
        other = 1.0 if label.role and label.role != role and own < 0.5 else 0.0
        if role in ("total", "amount_due") and value in after_rounding:
            own, other = max(own, 0.9), 0.0
        feats = {
            "row_role": round(own, 3), "row_other": other, "row_percent": float(label.percent),
            "values_between": float(min(label.values_between, 3)), "label_at_start": float(label.at_start),
            "currency": float(run.reading.currency is not None), "decimals": float(run.reading.has_decimals),
            "repeat": float(min(counts[value], 3)), "is_max": float(value == largest),
            "paid": float(value in paid), "rounded": float(value in rounded), "negative": float(value < 0),
        }
        feats["values_after"] = float(min(label.values_after, 3))
        if role == "tax":
            # 'VAT 19 % 81,90 15,56': a tax line prints its rate and base before the tax itself.
            score = own * (0.85 - (0.05 if not label.values_after else 0.15) * min(label.values_between, 2))
        else:
            score = own * (0.85 - 0.15 * min(label.values_between, 2)) * (0.5 if label.percent else 1.0)
        score *= 0.6 if label.values_after else 1.0
        if role == "total":
            score += 0.04 * (counts[value] > 1) + 0.04 * feats["is_max"]
        if other:
            score *= 0.3
        if role in ("total", "amount_due") and value in before_rounding:
            score *= 0.5
        if value < 0 and role in ("total", "subtotal"):
            score *= 0.7  # a credit note's total is negative; a negative line is more often a deduction
        out.append(ctx.candidate(spec, value, run.tokens, "amount_scan", score, feats))
    return out


def _has_time_after(ctx: PageContext, tokens: list[int]) -> bool:
    layout = ctx.layout
    last = layout.tokens[tokens[-1]]
    row = layout.rows[last.row]
    nxt = row[last.pos + 1:last.pos + 2]
    return bool(nxt) and ":" in layout.tokens[nxt[0]].text and set(layout.tokens[nxt[0]].text) <= _TIME_CHARS


def date_scan(ctx: PageContext) -> list[tuple[list[int], list]]:
    """Every date run on the page: (tokens, readings), readings in the page's preferred order."""
    layout = ctx.layout
    out: list[tuple[list[int], list]] = []
    order = ctx.order.day_first
    for row in layout.rows:
        i = 0
        while i < len(row):
            text = layout.tokens[row[i]].text
            if not any(ch.isdigit() for ch in text) and not text[:1].isalpha():
                i += 1
                continue
            found = _date_at(layout, row, i, None)
            if found is None:
                i += 1
                continue
            n = found[1]
            run = row[i:i + n]
            readings = date_candidates(layout.text_of(run), None)
            if year_first_doubt(layout.text_of(run), order):
                readings = date_candidates(layout.text_of(run), order)
            elif order is not None and len(readings) == 2:
                preferred = date_candidates(layout.text_of(run), order)
                readings = preferred + [r for r in readings if r not in preferred]
            out.append((list(run), readings))
            i += n
    return out


# A date a payment-terms line gives as the deadline: 'Zahlungsziel: 30 Tage netto, bis 8. Dezember
# 2025', 'Conditions : 14 jours net, soit le 28 juin 2025', 'Payment terms: 30 days, by 3 March 2025'.
_PAYMENT_WORDS = frozenset({
    "zahlungsziel", "zahlbar", "zahlungsbedingungen", "zahlung", "payment", "terms", "payable", "conditions",
    "paiement", "reglement", "pagamento", "pago", "condiciones", "betaling", "betalingstermijn",
    "netto", "net", "days", "tage", "tagen", "jours", "giorni", "dias", "dagen"})
_DEADLINE_WORDS = frozenset({"bis", "am", "by", "before", "until", "le", "avant", "entro", "il", "antes", "del",
                             "uiterlijk", "voor", "op", "spatestens"})
DEADLINE_STRENGTH = 0.75  # as plain as a due date's own label, a little less


def payment_deadline(layout: PageLayout, tokens: list[int]) -> bool:
    """The date is the deadline of a payment-terms line: a deadline word right before it ('bis',
    'by', 'soit le', 'avant le', 'entro il') and a payment or terms word earlier on its row."""
    # (A date run may open with its article: 'le 28 juin 2025'.)
    first = layout.tokens[next((t for t in tokens if any(ch.isdigit() for ch in layout.tokens[t].text)), tokens[0])]
    row = layout.rows[first.row]
    before = [layout.keys[t] for t in row[:first.pos]]
    return bool(before) and before[-1] in _DEADLINE_WORDS and bool(set(before[:-1]) & _PAYMENT_WORDS)


def date_field_candidates(ctx: PageContext, spec: FieldSpec) -> list[Candidate]:
    """Every date on the page as a candidate for a date field; both readings of an ambiguous one."""
    role = role_of(spec.name)
    scan = date_scan(ctx)
    if not scan:
        return []
    layout = ctx.layout
    counts = Counter(r[0] for _, r in scan if r)
    undated_schema = not any(role_of(s.name) == "issue_date" for s in ctx.specs)
    first_tokens = scan[0][0]
    out: list[Candidate] = []
    for tokens, readings in scan:
        label = row_label(layout, tokens, "date")
        # A label on the value's own row is nearer than one over it: 'Payment due: 05/12/2026'
        # under 'Date: 05/11/2026' is a due date, whatever the word above it says.
        below = _label_above(ctx, tokens) if not label.role else RowLabel()
        own = max(label.strength(role), below.strength(role) * 0.9) if role in FIELD_DATE_ROLES else 0.0
        if role == "order" and undated_schema:
            # An order form's own date ('Date  2026-11-20' on a purchase order) is its order date.
            own = max(own, 0.8 * max(label.strength("issue_date"), below.strength("issue_date") * 0.9))
        if role == "due_date" and not own and payment_deadline(layout, tokens):
            own = DEADLINE_STRENGTH
        other_role = label.role if label.role not in ("", role) else below.role if below.role not in ("", role) else ""
        other = 1.0 if other_role and own < 0.5 else 0.0
        y = layout.tokens[tokens[0]].y0
        ambiguous = len(readings) == 2
        doubt = year_first_doubt(layout.text_of(tokens), ctx.order.day_first)  # the page's order settles nothing
        feats = {
            "row_role": round(own, 3), "row_other": other, "first_date": float(tokens == first_tokens),
            "top": float(y < 0.4), "has_time": float(_has_time_after(ctx, tokens)),
            "repeat": float(min(counts[readings[0]], 3)), "ambiguous": float(ambiguous),
            "order_firm": float(ctx.order.firm and not doubt),
            "order_known": float(ctx.order.day_first is not None and not doubt),
        }
        if role in ("due_date", "delivery"):  # a date that is not the document's own needs its label
            base = 0.05 + 0.8 * own
        else:
            base = 0.3 + 0.6 * own + 0.06 * feats["first_date"] + 0.04 * feats["top"] + 0.05 * feats["has_time"]
        if other:
            base *= 0.25
        for k, value in enumerate(readings):
            f = dict(feats, alt_reading=float(k > 0))
            score = base * (0.5 if k else 1.0)
            if ambiguous and not ctx.order.firm:
                score *= 0.9
            out.append(ctx.candidate(spec, value, tokens, "date_scan", score, f))
    return out


def _label_above(ctx: PageContext, tokens: list[int]):
    """The date-role label printed right above a value ('Invoice date' over '05.06.2023')."""

    layout = ctx.layout
    first = layout.tokens[tokens[0]]
    x0, x1 = first.x0, layout.tokens[tokens[-1]].x1
    for r in range(first.row - 1, max(-1, first.row - 3), -1):
        if first.row not in layout.rows_below(r, 1.5):
            break
        over = [t for t in layout.rows[r] if layout.tokens[t].x1 > x0 - 0.02 and layout.tokens[t].x0 < x1 + 0.02]
        if over:
            keys = [layout.keys[t] for t in over if layout.keys[t]]
            role, chars, roles = classify(keys, "date")
            return RowLabel(role=role, chars=chars, roles=roles, tokens=over, words=len(keys))
    return RowLabel()
