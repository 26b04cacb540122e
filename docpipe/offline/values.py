"""Reading a typed value next to a label: to its right on the same row, or just below it."""

from __future__ import annotations

import re

from dataclasses import dataclass
from typing import Any

from docpipe.grounding.amounts import read_amount
from docpipe.grounding.currency import currency_of_token
from docpipe.grounding.dates import MONTHS, date_candidates
from docpipe.grounding.labels import LabelHit
from docpipe.grounding.layout import RUN_GAP_LINES, PageLayout
from docpipe.grounding.textnorm import fold, label_token
from docpipe.offline.lexicon import OTHER_NUMBER_STEMS, OTHER_NUMBER_WORDS

MAX_RIGHT_GAP = 0.85  # page widths between a label and its value on the same row
FILLERS = {":", "-", "–", "—", "#", "|", "=", "(", ")", "*", "**", "***", "/", "."}


@dataclass(slots=True)
class Reading:
    value: Any
    tokens: list[int]
    skipped: int  # words passed over between label and value
    quality: float  # 1.0 a clean value; lower for weak forms (a bare integer as an amount)


def is_filler(text: str) -> bool:
    t = text.strip()
    return not t or t in FILLERS or all(not ch.isalnum() for ch in t) or label_token(t) == "no"


def _joined(layout: PageLayout, run: list[int]) -> bool:
    return all(_near(layout, a, b) for a, b in zip(run, run[1:]))


def _near(layout: PageLayout, a: int, b: int) -> bool:
    ta, tb = layout.tokens[a], layout.tokens[b]
    return ta.seg == tb.seg or 0 <= tb.x0 - ta.x1 <= RUN_GAP_LINES * layout.line_height


def _date_at(layout: PageLayout, toks: list[int], i: int, day_first: bool | None) -> tuple[Any, int] | None:
    for n in range(min(5, len(toks) - i), 0, -1):
        run = toks[i:i + n]
        if not _joined(layout, run):
            continue
        found = date_candidates(layout.text_of(run), day_first)
        if found:
            return found[0], n
    return None


def _amount_at(layout: PageLayout, toks: list[int], i: int) -> tuple[Any, int, bool] | None:
    for n in range(min(3, len(toks) - i), 0, -1):
        run = toks[i:i + n]
        if not _joined(layout, run):
            continue
        reading = read_amount(layout.text_of(run))
        if reading is not None:
            return reading.value, n, reading.strong
    return None


def _after_parenthetical(layout: PageLayout, toks: list[int], i: int) -> int:
    for k in range(i, min(len(toks), i + 5)):
        if layout.tokens[toks[k]].text.rstrip(".,:;").endswith(")"):
            return k + 1
    return i + 1


_GLUED_NUMBER_SIGN = re.compile(r"^(?:N[°º]|n[°º]|Nr\.|No\.|#)\s*(?=\w)")


def _clean_identifier(text: str) -> str:
    """'#4711,' -> '4711'; 'N°F2024-0117' -> 'F2024-0117' (a scan glued the number sign to the
    number); a final dot goes only when it is the sole dot (a sentence end)."""
    t = _GLUED_NUMBER_SIGN.sub("", text.strip().strip(",;:")).lstrip("#")
    return t[:-1] if t.endswith(".") and t.count(".") == 1 else t


_MONEY_DECIMALS = re.compile(r"[.,]\d{1,2}$")


def _money_like(text: str, amount: Any) -> bool:
    """Whether a word read as an amount is one: strong, and with a currency or one or two decimals.

    '1.234,56', '€12' and '12.5' are money; '2024.112' or '2024.0815' (a year and a serial, dotted)
    have no money shape and stay identifiers.
    """
    return bool(amount.strong and (amount.currency or _MONEY_DECIMALS.search(text)))


_PREFIX_RE = re.compile(r"^[A-Z]{1,4}$")
_DIGIT_GROUP_RE = re.compile(r"^\d[\d/.-]*$")
_GROUP_SEPARATORS = {"/", "-", "–"}
_YEAR_RE = re.compile(r"^(19|20)\d\d$")


def _month_word(text: str) -> bool:
    """A month's name or its abbreviation in one of the date reader's languages ('Juli', 'mars', 'Sep.')."""
    return fold(text.strip(" .,")) in MONTHS


def _spaced_identifier(layout: PageLayout, toks: list[int], i: int) -> list[int] | None:
    """A number printed in spaced groups: after a letter prefix ('BC 24 117', 'W 24 01187',
    'NC 3/2024'), around a spaced slash or dash ('2024 / 0219', 'F 2024 / 88'), or as digit groups
    alone ('2024 117 8', a year and a serial '2024 117'), each piece a word-space from the last.
    Returns its tokens, else None."""
    first = layout.tokens[toks[i]].text.strip()
    prefixed = bool(_PREFIX_RE.match(first))
    if not prefixed and not _DIGIT_GROUP_RE.match(first):
        return None
    run = [toks[i]]
    separated = False
    for k, tid in enumerate(toks[i + 1:i + 7], start=i + 1):
        prev, tok = layout.tokens[run[-1]], layout.tokens[tid]
        text = tok.text.strip().rstrip(",;")
        if tok.seg != prev.seg or tok.x0 - prev.x1 > layout.line_height:
            break
        if text in _GROUP_SEPARATORS and k + 1 < len(toks) \
                and _DIGIT_GROUP_RE.match(layout.tokens[toks[k + 1]].text.strip()):
            run.append(tid)
            separated = True
            continue
        if date_candidates(text):
            break  # a date printed after the number on its line
        if not _DIGIT_GROUP_RE.match(text):
            if any(ch.isdigit() for ch in text):
                return None  # the groups go on in another shape ('EUR 1 234,56'): not a spaced number
            break
        run.append(tid)
    if run and layout.tokens[run[-1]].text.strip() in _GROUP_SEPARATORS:
        run.pop()
    # Digit groups alone: three or more ('2024 117 8'), or a year and a serial ('2024 117').
    plain = len(run) >= 3 or len(run) == 2 and bool(_YEAR_RE.match(layout.tokens[run[0]].text.strip()))
    if len(run) < 2 or not (prefixed or separated or plain):
        return None
    groups = layout.text_of(run[1 if prefixed else 0:])
    money = read_amount(groups)
    if date_candidates(groups) or money is not None and money.has_decimals:
        return None  # 'EUR 1 234,56', 'Ft 12 500,00': an amount; '12 / 05 / 2024': a date
    return run


def scan_value(
    layout: PageLayout, toks: list[int], kind: str, day_first: bool | None, max_skip: int
) -> Reading | None:
    """The first value of `kind` in a token run, passing over fillers and up to max_skip words."""
    skipped = 0
    weak: Reading | None = None
    i = 0
    while i < len(toks):
        tok = layout.tokens[toks[i]]
        text = tok.text.strip()
        if is_filler(text):
            i += 1
            continue
        if text.startswith("(") and not (kind == "amount" and read_amount(text)):
            i = _after_parenthetical(layout, toks, i)
            continue
        if kind == "date":
            found = _date_at(layout, toks, i, day_first)
            if found:
                return Reading(found[0], toks[i:i + found[1]], skipped, 1.0)
        elif kind == "amount":
            dated = _date_at(layout, toks, i, day_first)
            if dated:
                i += dated[1]
                skipped += 1
                continue
            if text.endswith("%"):
                i += 1
                continue
            if currency_of_token(text) and not any(ch.isdigit() for ch in text):
                i += 1  # 'TOTAL  NZD    11.50': the currency of the amount, printed in a column of its own
                continue
            if i + 1 < len(toks) and layout.tokens[toks[i + 1]].text.strip() == "%":
                i += 2  # a rate printed apart from its sign ('MwSt. 19 %')
                continue
            found_amount = _amount_at(layout, toks, i)
            if found_amount:
                value, n, strong = found_amount
                reading = Reading(value, toks[i:i + n], skipped, 1.0 if strong else 0.75)
                if strong:
                    return reading
                weak = weak or reading
                i += n
                continue
        elif kind == "identifier":
            dated = _date_at(layout, toks, i, day_first)
            if dated and dated[1] > 1:
                i += dated[1]  # '29. Juli 2024': a date's day is not a number
                skipped += 1
                continue
            if i + 1 < len(toks) and _month_word(layout.tokens[toks[i + 1]].text) and text.rstrip(".").isdigit():
                i += 2  # '29. Juli' (the year on a piece of its own): a day and its month
                skipped += 1
                continue
            spaced = _spaced_identifier(layout, toks, i)
            if spaced:
                return Reading(layout.text_of(spaced), spaced, skipped, 1.0)
            if _series_prefix(layout, toks, i):
                # 'FT A/1192', 'NC 7/2025': a document-type code before the series and number is part of it
                return Reading(layout.text_of(toks[i:i + 2]), toks[i:i + 2], skipped, 1.0)
            cleaned = _clean_identifier(text)
            if any(ch.isdigit() for ch in cleaned) and len(cleaned) >= 2 and not date_candidates(cleaned):
                amount = read_amount(cleaned)
                if amount is None or not _money_like(cleaned, amount):
                    return Reading(cleaned, [toks[i]], skipped, 1.0 if len(cleaned) >= 4 else 0.7)
        elif kind == "currency":
            code = currency_of_token(text)
            if code:
                return Reading(code, [toks[i]], skipped, 1.0)
            amount = read_amount(text)
            if amount is not None and amount.currency:
                return Reading(amount.currency, [toks[i]], skipped, 0.9)
        skipped += 1
        if skipped > max_skip:
            break
        i += 1
    return weak


def text_right(layout: PageLayout, hit: LabelHit, stop: set[int]) -> list[int]:
    """Words after a label on its row: the rest of its segment, else -- after 'Label:' -- the next
    segment. Without a colon the next segment is as likely a neighbouring heading ('Lieferant
    Käufer', 'Address  IFSC CODE') as a value, so it is not taken."""
    row = layout.rows[hit.row]
    label_seg = layout.tokens[hit.tokens[0]].seg
    out: list[int] = []
    seg_used: int | None = None
    for tid in row[hit.end:]:
        tok = layout.tokens[tid]
        if tid in stop:
            break
        if seg_used is None:
            if tok.seg != label_seg and (not hit.colon or tok.x0 - layout.tokens[hit.tokens[-1]].x1 > 0.4) \
                    and not in_label_box(layout, hit, tid):
                break
            if is_filler(tok.text) and not out:
                continue
            seg_used = tok.seg
        elif tok.seg != seg_used:
            break
        out.append(tid)
    return out


def in_label_box(layout: PageLayout, hit: LabelHit, value: int) -> bool:
    """Whether the label and the word `value` right of it are a row of a box of labels and values:
    at least two rows next to the label's (above or below, no gap of more than two lines between
    them) hold a short phrase without digits starting where the label starts and, after it, a
    value with a digit (a number, a date) starting where `value` starts ('Despatch Date  19 May
    2025' and 'Sales Order  SO-21190' around 'Carrier  Palletways UK'). Headings side by side
    ('Supplier  Customer') have name and street lines under them instead, and a street line has
    its number in the left column too. Alignment tolerance: one line height."""
    tol = layout.line_height
    label_x0 = layout.tokens[hit.tokens[0]].x0
    value_x0 = layout.tokens[value].x0
    found = 0
    for step in (-1, 1):
        r, last_y = hit.row + step, layout.tokens[hit.tokens[0]].cy
        while 0 <= r < len(layout.rows) and found < 2:
            row = layout.rows[r]
            y = layout.tokens[row[0]].cy
            if abs(y - last_y) > 2.5 * tol:
                break
            left = next((t for t in row if abs(layout.tokens[t].x0 - label_x0) <= tol), None)
            if left is None:
                break
            seg = layout.segments[layout.tokens[left].seg].tokens
            words = [layout.tokens[t].text for t in seg]
            after = [t for t in row if layout.tokens[t].x0 > layout.tokens[seg[-1]].x1]
            if len(words) > 5 or any(ch.isdigit() for w in words for ch in w) or not after:
                break
            right = layout.segments[layout.tokens[after[0]].seg].tokens
            if abs(layout.tokens[after[0]].x0 - value_x0) > tol \
                    or not any(ch.isdigit() for t in right for ch in layout.tokens[t].text):
                break
            found += 1
            last_y = y
            r += step
    return found >= 2


def read_right(
    layout: PageLayout, hit: LabelHit, kind: str, day_first: bool | None, stop: set[int], max_skip: int = 3
) -> Reading | None:
    row = layout.rows[hit.row]
    # Words extending the label ('Total *for this invoice*') are part of it, not skipped values.
    start = hit.end + (hit.extended_by if kind not in ("name", "address", "text") else 0)
    label_part = row[hit.start:start] or hit.tokens
    label_x1 = layout.tokens[label_part[-1]].x1
    toks: list[int] = []
    for tid in layout.band_right(label_part):
        if tid in stop or layout.tokens[tid].x0 - label_x1 > MAX_RIGHT_GAP:
            break
        toks.append(tid)
    if not toks:
        return None
    if kind in ("name", "address", "text"):
        if hit.extended_by and not hit.colon:
            return None  # 'Adresse de livraison': the label word heads a longer phrase
        words = text_right(layout, hit, stop)
        if words and ends_like_a_label(layout, words):
            return None  # 'Carrier  Consignment No.': the next heading of a row of labels, not a value
        return Reading(layout.text_of(words), words, 0, 1.0) if words else None
    return scan_value(layout, toks, kind, day_first, max_skip)


def _series_prefix(layout: PageLayout, toks: list[int], i: int) -> bool:
    """Token i is a two- or three-letter capital code right before a series/number with a slash
    ('FT' in 'FT A/1192', 'NC' in 'NC 7/2025')."""
    text = layout.tokens[toks[i]].text.strip()
    if not (2 <= len(text) <= 3 and text.isalpha() and text.isupper()) or i + 1 >= len(toks):
        return False
    nxt = layout.tokens[toks[i + 1]].text.strip()
    return "/" in nxt and any(ch.isdigit() for ch in nxt) and _near(layout, toks[i], toks[i + 1])


def ends_like_a_label(layout: PageLayout, words: list[int]) -> bool:
    """Whether words read as a text value end the way labels do: a number word ('No.', 'Nr.', '#',
    'Number', 'Nummer') or a colon."""
    last = layout.tokens[words[-1]].text.strip()
    return label_token(last) in ("no", "number", "nummer", "numero") or last.endswith(":")


def segments_below(layout: PageLayout, hit: LabelHit, max_rows: int = 2, max_gap_lines: float = 2.5) -> list[int]:
    """Segments under a label, in its column, nearest first."""
    lx0 = layout.tokens[hit.tokens[0]].x0
    lx1 = layout.tokens[hit.tokens[-1]].x1
    out: list[int] = []
    rows = layout.rows_below(hit.row, max_gap_lines)[:2]
    while rows and len(rows) < max_rows:
        more = layout.rows_below(rows[-1], max_gap_lines)
        if not more:
            break
        rows.append(more[0])
    for r in rows[:max_rows]:
        for s in layout.row_segments[r]:
            seg = layout.segments[s]
            if seg.x0 <= max(lx1, lx0 + 0.12) + 0.02 and seg.x1 >= lx0 - 0.01:
                out.append(s)
                break
    return out


def _labelled_on_its_row(layout: PageLayout, seg: int) -> bool:
    """Whether another number's label ('Auftrags-Nr.', 'Customer no.') ends just left of segment
    `seg` on its row: the value there is that number, not one for a label above it."""
    s = layout.segments[seg]
    left = [o for o in layout.row_segments[s.row] if layout.segments[o].x1 <= s.x0 + 1e-6]
    if not left:
        return False
    near = max(left, key=lambda o: layout.segments[o].x1)
    if s.x0 - layout.segments[near].x1 >= 10 * layout.line_height:
        return False
    keys = [layout.keys[t] for t in layout.segments[near].tokens]
    return any(k in OTHER_NUMBER_WORDS or k.startswith(OTHER_NUMBER_STEMS) for k in keys)


def read_below(
    layout: PageLayout, hit: LabelHit, kind: str, day_first: bool | None, stop: set[int], column: bool = False
) -> list[Reading]:
    """The value under a label; with column=True every value down a column of them, nearest first
    (a totals column lists per-rate lines and then their sum)."""
    out: list[Reading] = []
    for s in segments_below(layout, hit, max_rows=5 if column else 2):
        toks = layout.segments[s].tokens
        if any(t in stop for t in toks[:1]):
            break  # the next row is another label, not this one's value
        if kind in ("name", "address", "text"):
            if (hit.extended_by or kind == "text") and not hit.colon:
                break  # a heading ('Summary') over a paragraph is not a label over its value
            if ends_like_a_label(layout, list(toks)):
                break  # the next label of a column of them ('Carrier' over 'Consignment No.')
            return [Reading(layout.text_of(toks), list(toks), 0, 1.0)]
        found = scan_value(layout, toks, kind, day_first, max_skip=0)
        if found and not column and _labelled_on_its_row(layout, s):
            break  # 'Auftrags-Nr.  A332345' under a title: the value is another number's
        if found:
            out.append(found)
            if not column:
                break
        elif out:
            break
        elif not hit.colon and not any(ch.isdigit() for t in toks for ch in layout.tokens[t].text):
            break  # words with no value under a title or heading ('Factuur' over 'Debiteurnummer'): their values
    return out
