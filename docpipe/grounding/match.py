"""Finding the words on a page that carry a given value, by kind.

Exact kinds (amount, date, identifier, currency) compare normalised values and are indexed
once per page, so fifty queries against a few thousand words stay cheap. Names, addresses and
free text are compared fuzzily over word runs that may continue onto following lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from difflib import SequenceMatcher
from functools import cached_property

from docpipe.grounding.amounts import read_amount
from docpipe.grounding.currency import (
    KRONA_LIKE, currency_in_heading, currency_of_token, is_krona_sign, normalize_currency, rand_at,
)
from docpipe.grounding.dates import MONTHS, date_candidates
from docpipe.grounding.durations import Duration, find_durations
from docpipe.grounding.layout import PageLayout
from docpipe.grounding.textnorm import (
    confusable_key, fold, identifier_key, label_token, name_key, similarity,
)
from docpipe.records import BBox

# What running text prints after a value: a comma, a full stop, a possessive ("one month's").
_SENTENCE_TAIL = re.compile(r"(?:['’]s|(?<=s)['’]|[,;:.!?]+)$")
MAX_AMOUNT_TOKENS = 3
MAX_DATE_TOKENS = 5
MAX_ID_TOKENS = 6
_DURATION_STARTS = {"a", "an", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
                    "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
MAX_DURATION_TOKENS = 6  # 'twenty four (24) calendar months'
FUZZY_THRESHOLD = {"name": 0.85, "address": 0.8, "text": 0.8, "place": 0.85}
MAX_FUZZY_LINES = {"name": 4, "address": 4, "text": 6, "place": 2}
SAME_LINE_GAP_LINES = 3.0  # segments of one printed line split by OCR sit at most this far apart


@dataclass(slots=True)
class Candidate:
    tokens: list[int]
    quality: float  # how well the words match the value, 0..1
    bbox: BBox | None = None  # set when only part of a token matched

    def box(self, layout: PageLayout) -> BBox:
        return self.bbox if self.bbox is not None else layout.bbox_of(self.tokens)


_TIMES_COUNT = re.compile(r"[x×*]\s?(\d{1,4})|(\d{1,4})\s?[x×*]", re.IGNORECASE)


class PageMatcher:
    """Per-page indexes plus one matching method per kind."""

    def __init__(self, layout: PageLayout, day_first: bool | None) -> None:
        self.layout = layout
        self.day_first = day_first

    def _runs(self, max_len: int, first_ok: Callable[[str], bool]) -> list[list[int]]:
        """Runs of up to max_len adjacent tokens on a row (no column gap inside), first passing first_ok."""
        runs: list[list[int]] = []
        layout = self.layout
        for row in layout.rows:
            for a in range(len(row)):
                if not first_ok(layout.tokens[row[a]].text):
                    continue
                runs.append(row[a:a + 1])
                for b in range(a + 1, min(len(row), a + max_len)):
                    if not layout.close(row[b - 1], row[b]):
                        break
                    runs.append(row[a:b + 1])
        return runs

    def _run_text(self, run: list[int]) -> str:
        """A run's text without the punctuation running text puts after a value ('$148,000,',
        'nine months.', "one month's", "two weeks'")."""
        return _SENTENCE_TAIL.sub("", self.layout.text_of(run))

    @cached_property
    def amount_index(self) -> dict[Decimal, list[Candidate]]:
        index: dict[Decimal, list[Candidate]] = {}
        for run in self._runs(MAX_AMOUNT_TOKENS, _may_start_amount):
            reading = read_amount(self._run_text(run))
            if reading is None:
                continue
            for n, value in enumerate(reading.alternatives):
                index.setdefault(value, []).append(Candidate(run, 1.0 if n == 0 else 0.9))
        # A count printed with its times sign ('2x', 'x2', '3 ×') grounds a quantity of 2 or 3.
        for i, tok in enumerate(self.layout.tokens):
            m = _TIMES_COUNT.fullmatch(tok.text.strip())
            if m:
                index.setdefault(Decimal(m.group(1) or m.group(2)), []).append(Candidate([i], 0.9))
        return index

    @cached_property
    def date_index(self) -> dict[date, list[Candidate]]:
        index: dict[date, list[Candidate]] = {}
        for run in self._runs(MAX_DATE_TOKENS, _may_start_date):
            found = date_candidates(self._run_text(run), self.day_first)
            for n, value in enumerate(found):
                index.setdefault(value, []).append(Candidate(run, 1.0 if n == 0 else 0.85))
        return index

    @cached_property
    def duration_index(self) -> dict[tuple[str, Decimal], list[Candidate]]:
        """Lengths of time printed on the page ('three (3) years'), by comparable key."""
        index: dict[tuple[str, Decimal], list[Candidate]] = {}
        for run in self._runs(MAX_DURATION_TOKENS, _may_start_duration):
            text = self._run_text(run)
            found = find_durations(text)
            if len(found) == 1 and found[0][0] == 0 and found[0][1] == len(text):
                index.setdefault(found[0][2].key, []).append(Candidate(run, 1.0))
        return index

    @cached_property
    def _id_keys(self) -> list[str]:
        return [identifier_key(t.text) for t in self.layout.tokens]

    @cached_property
    def _confusable_keys(self) -> list[str]:
        return [confusable_key(t.text) for t in self.layout.tokens]

    # -- by kind ---------------------------------------------------------------------------

    def amounts(self, value: Decimal) -> list[Candidate]:
        return _shortest(self.amount_index.get(value, []))

    def dates(self, value: date) -> list[Candidate]:
        return _shortest(self.date_index.get(value, []))

    def durations(self, value: Duration) -> list[Candidate]:
        return _shortest(self.duration_index.get(value.key, []))

    def identifiers(self, value: str) -> list[Candidate]:
        key = identifier_key(value)
        if not key:
            return []
        found = self._concatenations(key, self._id_keys, 1.0)
        if not found:
            found = self._concatenations(confusable_key(value), self._confusable_keys, 0.9)
        if not found and len(key) >= 4:
            found = self._contained(key)
        return found

    def _concatenations(self, key: str, keys: list[str], quality: float) -> list[Candidate]:
        out: list[Candidate] = []
        layout = self.layout
        for i, k in enumerate(keys):
            if not k or not key.startswith(k):
                continue
            tok = layout.tokens[i]
            row = layout.rows[tok.row]
            acc, run, p = k, [i], tok.pos + 1
            while acc != key and p < len(row) and len(run) < MAX_ID_TOKENS:
                nxt = keys[row[p]]
                if layout.tokens[row[p]].seg != tok.seg:
                    break
                if nxt and not key.startswith(acc + nxt):
                    break
                acc += nxt
                run.append(row[p])
                p += 1
            if acc == key:
                out.append(Candidate(run, quality))
        return _shortest(out)

    def _contained(self, key: str) -> list[Candidate]:
        out: list[Candidate] = []
        for i, k in enumerate(self._id_keys):
            at = k.find(key)
            if at < 0:
                continue
            tok = self.layout.tokens[i]
            # Boxes of part of a word: proportional to the character position.
            frac0, frac1 = at / len(k), (at + len(key)) / len(k)
            w = tok.x1 - tok.x0
            box = self.layout.to_page((tok.x0 + w * frac0, tok.y0, tok.x0 + w * frac1, tok.y1), tok.dy)
            out.append(Candidate([i], 0.85, box))
        return out

    def currencies(self, value: str) -> list[Candidate]:
        code = normalize_currency(value) or value.strip().upper()
        out: list[Candidate] = []
        for i, tok in enumerate(self.layout.tokens):
            found = currency_of_token(tok.text)
            if code == "ZAR" and found is None and tok.text.startswith("R"):
                row = self.layout.rows[tok.row]
                nxt = self.layout.tokens[row[tok.pos + 1]].text if tok.pos + 1 < len(row) else ""
                if rand_at([tok.text, nxt], 0):
                    out.append(Candidate([i], 0.9))  # 'R46 272,60': the rand's sign before its amount
            elif found == code:
                out.append(Candidate([i], 1.0 if tok.text.strip().upper() == code else 0.95))
            elif found is None and any(ch.isdigit() for ch in tok.text):
                reading = read_amount(tok.text)
                if reading is not None and reading.currency == code:
                    out.append(Candidate([i], 0.9))
            elif found is None and currency_in_heading(tok.text) == code:
                out.append(Candidate([i], 0.85))  # 'AMOUNT(RM)': the unit a column heading names
            elif found is None and code in KRONA_LIKE and is_krona_sign(tok.text):
                out.append(Candidate([i], 0.85))  # 'kr': which krona, the page's words decided
        return out

    def fuzzy(self, value: str, kind: str) -> list[Candidate]:
        """Runs of words across up to a few lines whose text is close to `value`."""
        want = name_key(value)
        if not want:
            return []
        want_tokens = want.split()
        threshold = FUZZY_THRESHOLD.get(kind, 0.8)
        max_lines = MAX_FUZZY_LINES.get(kind, 4)
        heads = set(want_tokens[:2])
        best: list[Candidate] = []
        for key, ids in self._name_index.items():
            if not any(_head_like(key, h) for h in heads):
                continue
            for i in ids:
                cand = self._grow(i, want, len(want_tokens), max_lines, threshold)
                if cand is not None:
                    best.append(cand)
        return _dedupe(best)

    @cached_property
    def _name_index(self) -> dict[str, list[int]]:
        """Tokens by name_key of their first word ('Müller,' -> 'muller')."""
        index: dict[str, list[int]] = {}
        for i, tok in enumerate(self.layout.tokens):
            key = name_key(tok.text)
            if key:
                index.setdefault(key.split()[0], []).append(i)
        return index

    def _grow(self, start: int, want: str, n_want: int, max_lines: int, threshold: float) -> Candidate | None:
        layout = self.layout
        matcher = SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(want)
        seq: list[int] = []
        have = ""
        seg = layout.tokens[start].seg
        pos = layout.segments[seg].tokens.index(start)
        line_first = seg
        lines = 1
        best: Candidate | None = None
        while len(seq) < n_want + 3 and len(have) <= 1.3 * len(want) + 3:
            toks = layout.segments[seg].tokens
            if pos >= len(toks):
                beside = self._segment_right(seg)
                if beside is not None:
                    seg, pos = beside, 0  # OCR cut one printed line into boxes
                    continue
                nxt = layout.segment_below(line_first) or layout.segment_below(seg) or self._under_line(line_first, seg)
                if nxt is None or lines >= max_lines:
                    break
                nxt = self._line_start(nxt)
                seg, pos, lines, line_first = nxt, 0, lines + 1, nxt
                continue
            seq.append(toks[pos])
            pos += 1
            piece = name_key(layout.tokens[seq[-1]].text)
            have = f"{have} {piece}".strip() if piece else have
            if len(seq) < max(1, n_want - 2):
                continue
            matcher.set_seq1(have)
            if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
                continue
            score = matcher.ratio()
            if score >= threshold and (best is None or score > best.quality):
                best = Candidate(list(seq), score)
        return best

    def _under_line(self, first: int, last: int) -> int | None:
        """The leftmost segment of the next row under the span of segments `first`..`last` of one
        printed line: a short centred line ('Singapore 460214') under a long one whose first and
        last pieces it does not reach."""
        layout = self.layout
        a, b = layout.segments[first], layout.segments[last]
        x0, x1 = min(a.x0, b.x0), max(a.x1, b.x1)
        for r in layout.rows_below(b.row, 1.2):
            under = [c for c in layout.row_segments[r]
                     if min(x1, layout.segments[c].x1) - max(x0, layout.segments[c].x0) > 0]
            if under:
                return min(under, key=lambda c: layout.segments[c].x0)
        return None

    def _line_start(self, seg: int) -> int:
        """The first segment of the printed line `seg` belongs to (pieces a small gap apart)."""
        layout = self.layout
        row = layout.row_segments[layout.segments[seg].row]
        i = row.index(seg)
        while i > 0 and layout.segments[row[i]].x0 - layout.segments[row[i - 1]].x1 <= \
                SAME_LINE_GAP_LINES * layout.line_height:
            i -= 1
        return row[i]

    def _segment_right(self, seg: int) -> int | None:
        """The next segment on the same row when only a small gap separates them."""
        layout = self.layout
        row = layout.row_segments[layout.segments[seg].row]
        i = row.index(seg)
        if i + 1 >= len(row):
            return None
        nxt = row[i + 1]
        gap = layout.segments[nxt].x0 - layout.segments[seg].x1
        return nxt if gap <= SAME_LINE_GAP_LINES * layout.line_height else None


def _head_like(key: str, head: str) -> bool:
    """Could this word be the value's first word, allowing an OCR slip in longer words?"""
    if key == head:
        return True
    if len(head) <= 3 or abs(len(key) - len(head)) > max(1, len(head) // 4):
        return False
    return similarity(key, head) >= 0.8


def _may_start_amount(text: str) -> bool:
    t = text.strip()
    # Digits, a sign, a symbol, a code or symbol glued to the digits ('RM20.40', 'EUR12', 'Fr.5').
    return bool(t) and (t[0].isdigit() or t[0] in "-+(−€$£¥₹" or currency_of_token(t) is not None
                        or (len(t) > 1 and t[1].isdigit()) or t[0].isalpha() and any(c.isdigit() for c in t[1:5]))


def _may_start_duration(text: str) -> bool:
    t = fold(text.strip())
    return bool(t) and (t[0].isdigit() or t.split("-")[0] in _DURATION_STARTS)


def _may_start_date(text: str) -> bool:
    t = text.strip()
    if not t:
        return False
    if t[0].isdigit():
        return True
    key = label_token(t)
    return key in MONTHS or fold(t).strip(".,") in {"le", "den", "am"}


def _shortest(cands: list[Candidate]) -> list[Candidate]:
    """Drop candidates that strictly contain another candidate for the same value."""
    if len(cands) <= 1:
        return cands
    sets = [set(c.tokens) for c in cands]
    keep: list[Candidate] = []
    for i, c in enumerate(cands):
        if any(j != i and sets[j] < sets[i] and cands[j].quality >= c.quality for j in range(len(cands))):
            continue
        keep.append(c)
    return keep


def _dedupe(cands: list[Candidate]) -> list[Candidate]:
    """Overlapping fuzzy runs: keep the best of each overlapping group."""
    cands.sort(key=lambda c: -c.quality)
    taken: set[int] = set()
    out: list[Candidate] = []
    for c in cands:
        if taken.isdisjoint(c.tokens):
            out.append(c)
            taken.update(c.tokens)
    return out
