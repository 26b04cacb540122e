"""Line-item tables: header row from the item model's labels, columns from the header cells,
then one item per body row that carries numbers (wrapped description lines join their item).
A page with no header row (a till receipt) gets its item lines read by their shape instead:
'description ... qty x price ... amount' above the money block (`read_item_lines`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from docpipe.grounding.amounts import read_amount
from docpipe.grounding.layout import PageLayout
from docpipe.fields import FieldSpec
from docpipe.grounding.textnorm import label_tokens
from docpipe.offline.lexicon import (
    CARRY_WORDS, CONTINUED_WORDS, ITEM_ROLE_LABELS, REGISTRATION_WORDS, item_role_of,
)

MAX_GAP_LINES = 4.0  # a vertical gap this large ends the table
WRAP_GAP_LINES = 1.0  # a description's wrapped line follows its item closer than this
_SUFFIX_MIN = 5  # 'Nettopreis' matches 'preis', 'Zeilenbetrag' matches 'betrag'


@dataclass(slots=True)
class Column:
    spec: FieldSpec | None  # None for header cells no item field claims ('Pos.', 'Rabatt %')
    x0: float
    x1: float
    left: float = 0.0  # assignment bounds (midpoints to neighbours)
    right: float = 1.0


@dataclass(slots=True)
class Cell:
    value: Any
    tokens: list[int]


@dataclass(slots=True)
class TableItem:
    cells: dict[str, Cell] = field(default_factory=dict)
    text_tokens: dict[str, list[int]] = field(default_factory=dict)


@dataclass(slots=True)
class TableResult:
    header_rows: list[int]
    last_row: int
    items: list[TableItem]


def item_labels(spec: FieldSpec) -> list[tuple[str, ...]]:
    labels = list(spec.labels) + ITEM_ROLE_LABELS.get(item_role_of(spec.name), [])
    return [tuple(label_tokens(lab)) for lab in dict.fromkeys(labels) if label_tokens(lab)]


def _cell_match(keys: list[str], label: tuple[str, ...]) -> int:
    """Characters of the label matched in a header cell's word keys (0 = no match)."""
    n = len(label)
    for i in range(len(keys) - n + 1):
        if tuple(keys[i:i + n]) == label:
            return sum(len(k) for k in label) + 1
    if n == 1 and len(label[0]) >= _SUFFIX_MIN and any(k.endswith(label[0]) for k in keys):
        return len(label[0])
    return 0


def _header_cells(layout: PageLayout, row: int, specs: list[FieldSpec], labels: dict[str, list[tuple[str, ...]]]):
    claimed: dict[str, tuple[int, int]] = {}  # field -> (segment, strength)
    for s in layout.row_segments[row]:
        keys = [layout.keys[t] for t in layout.segments[s].tokens]
        best: tuple[int, str] | None = None
        for spec in specs:
            strength = max((_cell_match(keys, lab) for lab in labels[spec.name]), default=0)
            if strength and (best is None or strength > best[0]):
                best = (strength, spec.name)
        if best and (best[1] not in claimed or claimed[best[1]][1] < best[0]):
            claimed[best[1]] = (s, best[0])
    return {name: seg for name, (seg, _) in claimed.items()}


def find_header(layout: PageLayout, specs: list[FieldSpec]) -> tuple[int, dict[str, int]] | None:
    """(row, field -> header segment) of the row naming most item fields, at least two and a number."""
    labels = {s.name: item_labels(s) for s in specs}
    numeric = {s.name for s in specs if s.kind == "amount"}
    best: tuple[int, int, dict[str, int]] | None = None
    for r in range(len(layout.rows)):
        cells = _header_cells(layout, r, specs, labels)
        if len(cells) < 2 or not (set(cells) & numeric):
            continue
        if best is None or len(cells) > best[0]:
            best = (len(cells), r, cells)
    return (best[1], best[2]) if best else None


def _header_line(layout: PageLayout, r: int) -> bool:
    """Short header-like cells only: no amounts, no sentences that would span several columns."""
    segs = layout.row_segments[r]
    return all(len(layout.segments[s].tokens) <= 3 for s in segs) and not any(
        read_amount(layout.tokens[t].text) is not None for t in layout.rows[r]
    )


def _header_rows(layout: PageLayout, header_row: int) -> list[int]:
    """The header row plus wrapped header lines above and below it ('Positions-' / 'betrag')."""
    rows = [header_row]
    for _ in range(2):
        below = layout.rows_below(rows[-1], 1.2)
        if not below or not _header_line(layout, below[0]):
            break
        rows.append(below[0])
    for _ in range(2):
        r = rows[0] - 1
        if r < 0 or rows[0] not in layout.rows_below(r, 1.2) or not _header_line(layout, r):
            break
        rows.insert(0, r)
    return rows


def _columns(layout: PageLayout, header_rows: list[int], cells: dict[str, int], specs: list[FieldSpec]) -> list[Column]:
    """One column per x-cluster of header cells; a cluster takes the field one of its cells names."""
    by_seg = {seg: name for name, seg in cells.items()}
    spec_of = {s.name: s for s in specs}
    segs = sorted((s for r in header_rows for s in layout.row_segments[r]), key=lambda s: layout.segments[s].x0)
    cols: list[Column] = []
    for s in segs:
        seg = layout.segments[s]
        spec = spec_of.get(by_seg.get(s, ""))
        hit = next((c for c in cols if min(c.x1, seg.x1) - max(c.x0, seg.x0) > 0), None)
        if hit is None:
            cols.append(Column(spec, seg.x0, seg.x1))
            continue
        hit.x0, hit.x1 = min(hit.x0, seg.x0), max(hit.x1, seg.x1)
        if hit.spec is None:
            hit.spec = spec
    cols.sort(key=lambda c: c.x0)
    for i, col in enumerate(cols):
        col.left = 0.0 if i == 0 else (cols[i - 1].x1 + col.x0) / 2
        col.right = 1.0 if i == len(cols) - 1 else (col.x1 + cols[i + 1].x0) / 2
    return cols


def _first_amount(layout: PageLayout, toks: list[int]) -> Cell | None:
    for i in range(len(toks)):
        for n in (3, 2, 1):
            run = toks[i:i + n]
            if len(run) < n:
                continue
            reading = read_amount(layout.text_of(run))
            if reading is not None:
                return Cell(reading.value, run)
    return None


_PAGE_NO_RE = re.compile(r"\b(page|seite|pagina|página|blatt)\s*\d+\s*(of|von|de|di|/)\s*\d+", re.IGNORECASE)


def _ends_table(layout: PageLayout, row: list[int]) -> bool:
    """Page footers: legal imprint lines, 'Page 1 of 2', 'Continued overleaf'."""
    keys = {layout.keys[t] for t in row}
    if keys & REGISTRATION_WORDS - {"company", "vat", "reg"} or _PAGE_NO_RE.search(layout.text_of(row)):
        return True
    words = " ".join(k for k in (layout.keys[t] for t in row) if k)
    return any(words == w or words.startswith(w + " ") for w in CONTINUED_WORDS)


def _carry_row(layout: PageLayout, row: list[int]) -> bool:
    """'Übertrag 2.559,45', 'Carried forward': a running sum between pages, a sum and perhaps a
    page number. An item whose text is or starts with such a word ('Transport  1  40,86  40,86',
    'Transport Bourges – Lyon  1  980,00  20%  980,00') prints more numbers."""
    words = " ".join(k for k in (layout.keys[t] for t in row) if k and not any(ch.isdigit() for ch in k))
    numbers = sum(any(ch.isdigit() for ch in layout.tokens[t].text) for t in row)
    # A phrase of two words or more may follow a qualifier ('Balance carried forward').
    return numbers <= 2 and any(words == w or words.startswith(w + " ") or " " in w and f" {w} " in f" {words} "
                                for w in CARRY_WORDS)


def _cells_by_column(layout: PageLayout, row: list[int], cols: list[Column]) -> dict[str, list[int]]:
    """Tokens of a body row by column. A text cell is one segment: its words past the column's
    midpoint boundary ('Sechskantschrauben M6x20 (100 Stk.)' reaching under 'Menge') stay in it
    unless they are numbers that land in a numeric column."""
    by_col: dict[str, list[int]] = {}
    text_of_seg: dict[int, Column] = {}
    for t in row:
        tok = layout.tokens[t]
        cx = (tok.x0 + tok.x1) / 2
        col = next((c for c in cols if c.left <= cx < c.right), None)
        owner = text_of_seg.get(tok.seg)
        if owner is not None and col is not owner and not (
                col is not None and col.spec is not None and col.spec.kind == "amount"
                and read_amount(tok.text) is not None):
            col = owner
        elif owner is None and col is not None and col.spec is not None and col.spec.kind != "amount" \
                and layout.segments[tok.seg].tokens[0] == t:
            text_of_seg[tok.seg] = col
        if col is not None and col.spec is not None:
            by_col.setdefault(col.spec.name, []).append(t)
    return by_col


def read_table(layout: PageLayout, specs: list[FieldSpec], stop_rows: set[int]) -> TableResult | None:
    """The page's item table: under a header row naming the item fields, else -- no header on the
    page -- the item lines above its money block (`read_item_lines`). `stop_rows`: rows of the
    schema's amount labels ('Total', 'Summe netto'), where a table ends."""
    found = find_header(layout, specs)
    if found is None:
        return read_item_lines(layout, specs, stop_rows)
    header_row, cells = found
    header_rows = _header_rows(layout, header_row)
    labels = {s.name: item_labels(s) for s in specs}
    for r in header_rows:
        for name, seg in _header_cells(layout, r, specs, labels).items():
            cells.setdefault(name, seg)
    cols = _columns(layout, header_rows, cells, specs)
    text_fields = [c.spec.name for c in cols if c.spec is not None and c.spec.kind != "amount"]
    items: list[TableItem] = []
    current: TableItem | None = None
    last_row = header_row
    prev_bottom = max(layout.tokens[t].y1 for t in layout.rows[header_rows[-1]])
    item_bottom = prev_bottom
    amount_col = next((c.spec.name for c in reversed(cols) if c.spec is not None and c.spec.kind == "amount"
                       and "amount" in item_role_of(c.spec.name)), None)
    stop_bands = [(min(layout.tokens[t].y0 for t in layout.rows[r]), max(layout.tokens[t].y1 for t in layout.rows[r]))
                  for r in stop_rows]
    for r in range(header_rows[-1] + 1, len(layout.rows)):
        row = layout.rows[r]
        top = min(layout.tokens[t].y0 for t in row)
        bottom = max(layout.tokens[t].y1 for t in row)
        if top - prev_bottom > MAX_GAP_LINES * layout.line_height or _ends_table(layout, row):
            break
        # On a skewed scan a total's amount may sit a little above its label's row.
        if items and any(min(bottom, b1) - max(top, b0) > 0.4 * (bottom - top) for b0, b1 in stop_bands):
            break
        prev_bottom = bottom
        if _carry_row(layout, row):
            continue
        by_col = _cells_by_column(layout, row, cols)
        numbers: dict[str, Cell] = {}
        for c in cols:
            if c.spec is not None and c.spec.kind == "amount" and c.spec.name in by_col:
                cell = _first_amount(layout, by_col[c.spec.name])
                if cell is not None:
                    numbers[c.spec.name] = cell
        if items and amount_col in numbers and not any(by_col.get(name) for name in text_fields) \
                and _money_block_line(layout, numbers[amount_col].tokens):
            break  # 'Gross  2,006.90', 'Discount 10%  -200.69' under the items: the money block has begun
        # A new item fills numbers the current one already has; a wrapped line or a line total
        # printed on a slightly lower baseline completes the current item instead.
        substantial = len(numbers) >= 2 or (amount_col is not None and amount_col in numbers)
        starts_item = substantial and (current is None or any(name in current.cells for name in numbers))
        if starts_item:
            current = TableItem()
            items.append(current)
        if current is None:
            continue  # lines between the header and the first item ('Contract No. …')
        if not starts_item and top - item_bottom > WRAP_GAP_LINES * layout.line_height:
            continue  # a line after a gap is a note or footer, not the rest of the item above
        item_bottom = bottom
        for name, cell in numbers.items():
            current.cells.setdefault(name, cell)
        for name in text_fields:
            if by_col.get(name):
                current.text_tokens.setdefault(name, []).extend(by_col[name])
        last_row = r
    for item in items:
        for name, toks in item.text_tokens.items():
            item.cells[name] = Cell(layout.text_of(toks), toks)
    return TableResult(header_rows, last_row, items) if items else None


# -- item lines without a header row (till receipts) --------------------------------------------

ITEM_LINE_GAP_LINES = 2.5  # item lines of one block follow each other closer than this
_TIMES = {"x", "X", "×", "@", "*"}
_QTY_GLUED_RE = re.compile(r"^(\d+(?:[.,]\d+)?)\s*[xX×@*]\s*(\S*)$")
_MONEY_WORD_RE = re.compile(r"\d[.,]\d{2}$")  # a money amount among a line's words
_ROLE_LINE_STRENGTH = 0.7  # a line labelled this plainly as a total, tax, cash, change... is no item


@dataclass(slots=True)
class _ItemLine:
    row: int
    text: list[int]  # description words
    quantity: Cell | None
    unit: Cell | None
    amount: Cell | None


def _line_amount(layout: PageLayout, row: list[int]) -> Cell | None:
    """The money amount a line ends with ('18.90', 'RM 18.90', '1.505,31 €'); None when the line
    does not end in one (a bare count or a code is no line amount) or ends in a negative one."""
    for n in (3, 2, 1):
        run = row[-n:]
        if len(run) < n or not all(layout.close(a, b) for a, b in zip(run, run[1:])):
            continue
        reading = read_amount(layout.text_of(run))
        if reading is not None and reading.strong and reading.value >= 0:
            return Cell(reading.value, run)  # a negative line is a rounding, discount or refund line
    return None


def _quantity_times_price(layout: PageLayout, toks: list[int], amount: Decimal | None = None
                          ) -> tuple[int, Cell, Cell] | None:
    """'2 x 2.85', '2x 2.85', '2 @ 2.85', '2x2.85', '3 x': (index where it starts, quantity, unit price).

    A glued 'NxM' whose M has no decimals is a size ('DROP CLOTH 9X12', 'TILE 4x4'), not a count
    and a price, unless N x M is the line's `amount`."""
    for i, t in enumerate(toks):
        text = layout.tokens[t].text.strip()
        glued = _QTY_GLUED_RE.match(text)
        if glued:
            qty = read_amount(glued.group(1))
            rest = glued.group(2)
            unit = read_amount(rest) if rest else None
            if unit is None and not rest and i + 1 < len(toks):
                nxt = read_amount(layout.tokens[toks[i + 1]].text)
                unit = nxt
                cells = [toks[i + 1]] if nxt is not None else []
            else:
                cells = [t] if unit is not None else []
            if unit is not None and rest and not unit.has_decimals and (
                    amount is None or qty is None or abs(qty.value * unit.value - amount) > Decimal("0.01")):
                continue  # a size glued in a description ('9X12'), not a count and a price
            if qty is not None and unit is not None:  # 'PACK 5X' alone is part of a description
                return i, Cell(qty.value, [t]), Cell(unit.value, cells)
        if text in _TIMES and 0 < i < len(toks) - 1:
            qty = read_amount(layout.tokens[toks[i - 1]].text)
            unit = read_amount(layout.tokens[toks[i + 1]].text)
            if qty is not None and unit is not None:
                return i - 1, Cell(qty.value, [toks[i - 1]]), Cell(unit.value, [toks[i + 1]])
    return None


def _item_line(layout: PageLayout, r: int) -> _ItemLine | None:
    """One receipt line read as (description, quantity, unit price, amount); None for a line with
    no words and no amount (a rule '-----')."""
    from docpipe.offline.values import is_filler

    row = [t for t in layout.rows[r] if not is_filler(layout.tokens[t].text)]
    if not row:
        return None
    amount = _line_amount(layout, row)
    left = row[: len(row) - len(amount.tokens)] if amount is not None else row
    found = _quantity_times_price(layout, left, amount.value if amount is not None else None)
    quantity = unit = None
    if found is not None:
        start, quantity, unit = found
        left = left[:start]
    elif amount is not None and len(left) >= 2:
        # 'Coffee beans  2  9.45  18.90': a count and a price whose product is the line amount (also
        # alone on the line under its description: '2 @ 6.48  12.96', the '@' dropped as filler).
        a, b = read_amount(layout.tokens[left[-2]].text), read_amount(layout.tokens[left[-1]].text)
        if a is not None and b is not None and not a.has_decimals and a.value > 0 \
                and abs(a.value * b.value - amount.value) <= Decimal("0.01") * max(1, a.value):
            quantity, unit, left = Cell(a.value, [left[-2]]), Cell(b.value, [left[-1]]), left[:-2]
    text = left if any(ch.isalpha() for t in left for ch in layout.tokens[t].text) else []
    if any(_MONEY_WORD_RE.search(layout.tokens[t].text) for t in text):
        # 'Steuerfreie Leistungen 380,00 0 0,00': a row of a summary table, not an item line.
        text, quantity, unit, amount = [], None, None, None
    return _ItemLine(r, text, quantity, unit, amount)


def _is_role_line(layout: PageLayout, r: int, line: _ItemLine) -> bool:
    """A money-block line: total, subtotal, tax, cash, change, rounding, count, discount..."""
    return _money_block_line(layout, line.amount.tokens if line.amount is not None else layout.rows[r][-1:])


def _money_block_line(layout: PageLayout, value: list[int]) -> bool:
    """The words left of an amount label it plainly (`_ROLE_LINE_STRENGTH`) as a line of the
    money block: a total, subtotal, tax, cash, change, rounding, count, discount..."""
    from docpipe.offline.rowlabels import row_label

    label = row_label(layout, value)
    return bool(label.role) and label.strength(label.role) >= _ROLE_LINE_STRENGTH


def read_item_lines(layout: PageLayout, specs: list[FieldSpec], stop_rows: set[int]) -> TableResult | None:
    """Item lines of a page with no table header: a till receipt's 'description ... qty x price
    ... amount' lines between its header and its money block, the 'qty x price' line sometimes
    printed under the description. A block is read only where it ends at the money block (a row
    of `stop_rows` -- the labels of the schema's amount fields -- or a line labelled as a total,
    tax, payment or change); those lines and everything after them are never items.

    Cells go to the item fields by role (`lexicon.ITEM_ROLE_PATTERNS`): the line amount to the
    amount field, or -- in an item model with no amount field -- to a price field whose name
    does not say 'unit'; the printed count to the quantity field; the price after 'x' to the
    unit-price field. A count that is not printed stays empty."""
    by_role: dict[str, FieldSpec] = {}
    for s in specs:
        by_role.setdefault(item_role_of(s.name), s)
    desc = by_role.get("item_description")
    amount_spec = by_role.get("item_amount")
    unit_spec = by_role.get("item_unit_price")
    if amount_spec is None and unit_spec is not None and "unit" not in unit_spec.name.lower():
        amount_spec, unit_spec = unit_spec, None
    if desc is None or amount_spec is None:
        return None
    qty_spec = by_role.get("item_quantity")
    block: list[TableItem] = []
    pending: list[int] = []  # description words waiting for their 'qty x price' line
    prev_bottom: float | None = None
    for r in range(len(layout.rows)):
        row = layout.rows[r]
        top = min(layout.tokens[t].y0 for t in row)
        line = _item_line(layout, r)
        gap = top - prev_bottom if prev_bottom is not None else 1.0
        gap_ok = gap <= ITEM_LINE_GAP_LINES * layout.line_height
        ends_block = r in stop_rows or line is not None and _is_role_line(layout, r, line) \
            or _ends_table(layout, row)
        if ends_block:
            # A rule line ('-----', often lost by OCR) may stand between the items and the money block.
            if block and (gap <= MAX_GAP_LINES * layout.line_height or line is None):
                return _item_lines_result(block, r - 1)
            block, pending = [], []
            prev_bottom = None
            continue
        if line is None:  # a rule line: an item block goes on only into the money block
            prev_bottom = max(layout.tokens[t].y1 for t in row) if block else None
            continue
        if block and not gap_ok and not pending:
            block = []
        prev_bottom = max(layout.tokens[t].y1 for t in row)
        if line.amount is None:
            if line.quantity is not None and block and not pending:
                last = block[-1]  # 'BREAD  5.70' then '2 x 2.85' under it
                if qty_spec is not None:
                    last.cells.setdefault(qty_spec.name, line.quantity)
                if unit_spec is not None and line.unit is not None:
                    last.cells.setdefault(unit_spec.name, line.unit)
                continue
            pending = line.text if line.text and line.quantity is None else []
            if not pending:
                block = []
            continue
        text = line.text or pending
        if not text:
            block, pending = [], []
            continue
        item = TableItem()
        item.cells[desc.name] = Cell(layout.text_of(text), text)
        item.cells[amount_spec.name] = line.amount
        if qty_spec is not None and line.quantity is not None:
            item.cells[qty_spec.name] = line.quantity
        if unit_spec is not None and line.unit is not None:
            item.cells[unit_spec.name] = line.unit
        block.append(item)
        pending = []
    return None


def _item_lines_result(items: list[TableItem], last_row: int) -> TableResult:
    return TableResult([], last_row, items)
