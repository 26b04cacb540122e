"""What the words left of a value on its printed line say the value is.

A money block ('Subtotal 27.00 / Rounding -0.02 / TOTAL 26.98 / CASH 50.00 / CHANGE 23.02') puts
each amount on a line with its own label. The label words of that line are matched against every
amount role of the multilingual lexicon (schema roles such as total or tax, and the lines that
are not a field's value: cash, change, rounding, discount, counts, prepayments); the longest
match names the line's role ('Total discount' is a discount, 'Total 6% supplies' a per-rate
line, 'Total' a total).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from docpipe.grounding.amounts import read_amount
from docpipe.grounding.currency import currency_of_token
from docpipe.grounding.dates import date_candidates
from docpipe.grounding.layout import PageLayout
from docpipe.grounding.textnorm import label_tokens
from docpipe.offline.lexicon import OTHER_AMOUNT_ROLES, OTHER_DATE_ROLES, ROLE_LABELS

AMOUNT_ROLES = ("total", "subtotal", "tax", "amount_due", "discount")
DATE_ROLES = ("issue_date", "due_date")
# Date roles a field may have: the schema roles and those of a user's order or delivery dates.
FIELD_DATE_ROLES = DATE_ROLES + tuple(OTHER_DATE_ROLES)
_COMPOUND_MIN = 6


@dataclass(slots=True)
class RowLabel:
    """The label of a value's line: its best role and everything else the words say."""

    role: str = ""  # best-matching role, '' when no role label is on the line
    chars: int = 0  # length of the best match (longer labels are more specific)
    roles: dict[str, tuple[int, int]] = field(default_factory=dict)  # role -> (chars, words) of its longest match
    tokens: list[int] = field(default_factory=list)  # the label words (no numbers, no currency)
    words: int = 0  # label words in all
    percent: bool = False  # a percentage on the line before the value ('Total 6% supplies')
    values_between: int = 0  # other numbers between the label words and this value
    values_after: int = 0  # numbers right of this value on the line (a table row, not a label and value)
    at_start: bool = False  # the label words start the line
    incl: bool = False  # 'inclusive', 'inkl.', 'brutto', 'TTC': a total with tax
    excl: bool = False  # 'excluding', 'ohne', 'netto', 'HT': an amount before tax
    bracketed: int = 0  # label words inside parentheses (qualifiers, not the label itself)

    def strength(self, role: str) -> float:
        """How plainly the line labels `role`: 1 when it is the best and whole label, 0 when absent."""
        chars, words = self.roles.get(role, (0, 0))
        if role == "subtotal" and not chars and self.excl and "total" in self.roles:
            chars, words = self.roles["total"]  # 'Total (excl. VAT)' is the net amount
        if not chars:
            return 0.0
        if role in ("total", "amount_due") and self.excl and not self.incl:
            return 0.2  # 'Total excluding GST'
        if self.role != role and self.chars > chars and not (role == "total" and self.role == "tax" and self.incl):
            return 0.25  # a longer label of another role contains it ('Total discount')
        qualifiers = self.bracketed + (self.incl or self.excl)
        spare = max(0, self.words - words - qualifiers)
        return max(0.4, 1.0 - 0.1 * spare - 0.03 * qualifiers)


@lru_cache(maxsize=4)
def _role_labels(table: str = "amount") -> dict[str, tuple[tuple[str, ...], ...]]:
    if table == "date":
        labels: dict[str, list[str]] = {role: list(ROLE_LABELS.get(role, [])) for role in DATE_ROLES}
        labels.update(OTHER_DATE_ROLES)
    else:
        labels = {role: list(ROLE_LABELS.get(role, [])) for role in AMOUNT_ROLES}
        labels.update(OTHER_AMOUNT_ROLES)
    return {role: tuple(tuple(ocr_fold(w) for w in label_tokens(lab)) for lab in labs if label_tokens(lab))
            for role, labs in labels.items()}


_OCR_LOOKALIKES = str.maketrans("i1|0", "lllo")


def ocr_fold(key: str) -> str:
    """A label key with the letters OCR confuses made one ('Totai' / 'Total', 'Inci.' / 'Incl.')."""
    return key.translate(_OCR_LOOKALIKES)


def _match(keys: list[str], words: tuple[str, ...]) -> tuple[int, int]:
    """(characters, words) of `words` found as a run in `keys`; (0, 0) when absent."""
    n = len(words)
    for i in range(len(keys) - n + 1):
        if tuple(keys[i:i + n]) == words:
            return len(" ".join(words)), n
        if n == 1 and len(words[0]) >= _COMPOUND_MIN and (keys[i].endswith(words[0]) or keys[i].startswith(words[0])):
            return len(words[0]), 1
    return 0, 0


def classify(keys: list[str], table: str = "amount") -> tuple[str, int, dict[str, tuple[int, int]]]:
    """(best role, its match length, every role -> (chars, words) of its longest match).

    `table` is 'amount' (money lines) or 'date' (issue, due, delivery, order, print dates...).
    """
    found: dict[str, tuple[int, int]] = {}
    keys = [ocr_fold(k) for k in keys]
    for role, labels in _role_labels(table).items():
        best = max((_match(keys, words) for words in labels), default=(0, 0))
        if best[0]:
            found[role] = best
    if not found:
        return "", 0, {}
    role = max(found, key=lambda r: (found[r][0], r in AMOUNT_ROLES or r in DATE_ROLES))
    return role, found[role][0], found


def _label_words(keys: list[str], role: str, table: str) -> set[str]:
    """The words of `role`'s longest label found in `keys` (folded), empty when none is."""
    folded = [ocr_fold(k) for k in keys]
    found = [(_match(folded, words), words) for words in _role_labels(table).get(role, ())]
    best = max(found, default=((0, 0), ()))
    return set(best[1]) if best[0][0] else set()


def _is_number(text: str) -> bool:
    t = text.strip(" :;")
    return bool(t) and (read_amount(t) is not None or bool(date_candidates(t)) or t.rstrip("%").replace(",", ".")
                        .replace(".", "", 1).isdigit())


_INCL_WORDS = {"incl", "inkl", "inclusive", "including", "inklusive", "brutto", "gross", "ttc", "inc", "include",
         "included", "with", "tvac", "tvai", "comprise"}
_EXCL_WORDS = {"excl", "exkl", "exclusive", "excluding", "exklusive", "ohne", "netto", "net", "ht", "before", "without",
         "excluded", "exc", "htva", "hors", "sem"}


_INCL = {ocr_fold(w) for w in _INCL_WORDS}
_EXCL = {ocr_fold(w) for w in _EXCL_WORDS}


def row_label(layout: PageLayout, value_tokens: list[int], table: str = "amount") -> RowLabel:
    """The label of the line a value is printed on: the words left of it on its row."""
    first = layout.tokens[value_tokens[0]]
    last = layout.tokens[value_tokens[-1]]
    row = layout.rows[first.row]
    after = sum(1 for t in row[last.pos + 1:] if _is_number(layout.tokens[t].text) and read_amount(
        layout.tokens[t].text.strip(" :;")) is not None)
    left = row[: first.pos]
    label: list[int] = []
    between = 0
    percent = False
    for t in reversed(left):
        text = layout.tokens[t].text.strip()
        if text.rstrip(":;,").endswith("%") or text.startswith("@"):  # ('MwSt. 7%: 9,80')
            percent = True
            continue
        if currency_of_token(text) is not None or not layout.keys[t] or layout.keys[t] == "no":
            continue
        if table == "date" and any(ch.isdigit() for ch in text):
            # A date's label ends at the value before it: 'Delivery date: 1 March 2025  Invoice date:
            # 5 March 2025', 'Order Time 17:57 Date 27/04/18', 'Order No. 1000219 11/03/2018'.
            break
        if _is_number(text):
            if not label:
                between += 1
            continue
        label.append(t)
    label.reverse()
    keys = [layout.keys[t] for t in label]
    role, chars, roles = classify(keys, table)
    # A qualifier inside the best label is part of its meaning ('netto a pagare' is the amount to
    # pay, 'total excl vat' the net amount); only words beyond it qualify the label.
    own = _label_words(keys, role, table) if role else set()
    qualifiers = [ocr_fold(k) for k in keys if ocr_fold(k) not in own]
    bracketed, inside = 0, False
    for t in label:
        text = layout.tokens[t].text
        inside = inside or text.startswith("(")
        bracketed += inside
        if text.rstrip(":.;").endswith(")"):
            inside = False
    return RowLabel(role=role, chars=chars, roles=roles, tokens=label, words=len(label), percent=percent,
                    values_between=between, values_after=after, at_start=bool(label) and label[0] == row[0],
                    incl=any(k in _INCL for k in qualifiers), excl=any(k in _EXCL for k in qualifiers),
                    bracketed=bracketed)
