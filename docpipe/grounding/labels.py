"""Finding printed labels ('Invoice No.:', 'Rechnungsdatum', 'n° de facture') on a page.

Labels match case- and diacritic-insensitively as word sequences; a trailing ':' '#' 'No.'
is absorbed; German compounds match on their first label word ('Handelsrechnung Nr.' for
'rechnung nr'); a short parenthetical between label words is skipped ('Rechnung (380) Nr.'); a
label broken over two lines of a narrow box ('Invoice' over 'Number') matches on both.
"""

from __future__ import annotations

from dataclasses import dataclass

from docpipe.grounding.layout import PageLayout
from docpipe.grounding.textnorm import label_tokens

_COMPOUND_MIN = 6  # shorter label words ('tax', 'nr') would match inside too many words
_MAX_LABEL_GAP_LINES = 4.0


@dataclass(slots=True)
class LabelHit:
    label: str
    row: int
    start: int  # first label token's position in the row
    end: int  # position after the label and any absorbed ':' / 'No.' tokens
    tokens: list[int]  # token ids of the label words
    strength: float  # 1.0 exact, lower for compound or concatenated matches
    at_segment_start: bool
    extended_by: int  # words that continue the phrase after the label ('Total *for this invoice*')
    colon: bool  # followed by ':' -- a strong sign that a value follows

    @property
    def size(self) -> int:
        return len(self.tokens)


def _matches(key: str, want: str, first: bool, multi: bool) -> float:
    if key == want:
        return 1.0
    if first and multi and len(want) >= _COMPOUND_MIN and len(key) > len(want) and (
        key.endswith(want) or key.startswith(want)
    ):
        return 0.85
    return 0.0


def _compound_tokens(layout: PageLayout, word: str) -> list[int]:
    """Tokens whose key starts or ends with `word` (cached per page: labels share first words)."""
    cache: dict[str, list[int]] = layout.__dict__.setdefault("_compound_cache", {})
    if word not in cache:
        cache[word] = [
            i for key, ids in layout.key_index.items() if _matches(key, word, True, True) == 0.85 for i in ids
        ]
    return cache[word]


def _is_parenthetical(text: str) -> bool:
    t = text.strip()
    return len(t) <= 8 and t.startswith("(") and t.endswith(")")


def find_label(layout: PageLayout, label: str) -> list[LabelHit]:
    """Every occurrence of one label on the page."""
    want = label_tokens(label)
    if not want:
        return []
    keys = layout.keys
    multi = len(want) > 1
    starts: dict[int, float] = {}
    for i in layout.key_index.get(want[0], []):
        starts[i] = 1.0
    joined = "".join(want)
    glued = {joined}
    if multi and want[-1] == "no":
        # 'Versicherungsschein-Nr.', 'Kunden-Nr': the number word glued to the label's last word
        # keeps its own spelling in the key ('…nr'), which label_tokens reads as 'no' apart.
        glued.update("".join(want[:-1]) + marker for marker in ("nr", "nummer", "num"))
    if multi:
        for key in glued:
            for i in layout.key_index.get(key, []):
                starts.setdefault(i, 0.95)
        if len(want[0]) >= _COMPOUND_MIN:
            for i in _compound_tokens(layout, want[0]):
                starts.setdefault(i, 0.85)
    hits: list[LabelHit] = []
    for start_tok, strength in starts.items():
        tok = layout.tokens[start_tok]
        if tok.text.startswith("(") or tok.text.rstrip(":.").endswith(")"):
            continue  # '(inkl. USt.)' qualifies another label; it is not one
        row = layout.rows[tok.row]
        pos = tok.pos
        matched = [start_tok]
        if keys[start_tok] not in glued or not multi:
            k = 1
            p = pos + 1
            while k < len(want) and p < len(row):
                tid = row[p]
                prev = layout.tokens[row[p - 1]]
                if layout.tokens[tid].x0 - prev.x1 > _MAX_LABEL_GAP_LINES * layout.line_height:
                    break  # OCR splits phrases into boxes, so a label may cross a small gap
                key = keys[tid]
                if key == want[k]:
                    matched.append(tid)
                    k += 1
                    p += 1
                elif not key or (_is_parenthetical(layout.tokens[tid].text) and k > 0):
                    p += 1  # punctuation or '(380)' between label words
                else:
                    break
            if k < len(want):
                # Only where the line ends after these words, or goes on with another column's
                # words: 'Invoice  QTS.24.1207' over 'Date' is a label with its value, not half of one.
                below = _continued_below(layout, matched, want[k:]) if p >= len(row) or (
                    layout.tokens[row[p]].seg != tok.seg
                    and not any(ch.isdigit() for ch in layout.tokens[row[p]].text)) else None
                if below is None:
                    continue
                matched, p = matched + below[0], below[1]
        else:
            p = pos + 1
        hits.append(_finish(layout, label, matched, p, strength))
    return hits


def _continued_below(layout: PageLayout, matched: list[int], rest: list[str]) -> tuple[list[int], int] | None:
    """A label broken over two lines of a narrow box or column ('Invoice' over 'No.', 'Invoice' over
    'Number'): the remaining label words open the next line, under the first line's words (left
    edges within a line height, or the second line centred under the first), at most 1.6 line
    heights lower. Returns (their token ids, the position after them on their row) or None."""
    first, last = layout.tokens[matched[0]], layout.tokens[matched[-1]]
    lh = layout.line_height
    if first.row + 1 >= len(layout.rows):
        return None
    nxt = layout.rows[first.row + 1]
    for q, tid in enumerate(nxt):
        tok = layout.tokens[tid]
        if layout.keys[tid] != rest[0]:
            continue
        if not 0 < tok.cy - first.cy <= 1.6 * lh:
            return None
        if q > 0 and layout.tokens[nxt[q - 1]].seg == tok.seg:
            continue  # inside a phrase of the next line, not its start
        k, p, ids = 0, q, []
        while k < len(rest) and p < len(nxt) and layout.keys[nxt[p]] == rest[k]:
            ids.append(nxt[p])
            k += 1
            p += 1
        if k < len(rest):
            continue
        end = layout.tokens[ids[-1]]
        left_aligned = abs(tok.x0 - first.x0) <= lh
        centred = abs((tok.x0 + end.x1) / 2 - (first.x0 + last.x1) / 2) <= lh
        if left_aligned or centred:
            return ids, p
    return None


def _finish(layout: PageLayout, label: str, matched: list[int], p: int, strength: float) -> LabelHit:
    """The hit of `matched` label tokens, `p` the position after them on the row of the last one
    (a label broken over two lines is placed on its second line, where its value follows)."""
    last_row = layout.tokens[matched[-1]].row
    first_id = next(t for t in matched if layout.tokens[t].row == last_row)
    first = layout.tokens[first_id]
    row = layout.rows[first.row]
    colon = layout.tokens[matched[-1]].text.rstrip().endswith(":")
    while p < len(row) and not colon:  # a colon ends the label
        tid = row[p]
        key = layout.keys[tid]
        text = layout.tokens[tid].text.strip()
        if layout.tokens[tid].x0 - layout.tokens[row[p - 1]].x1 > _MAX_LABEL_GAP_LINES * layout.line_height:
            break  # another column's word ('Bill to:' ... 'No.' of a label beside it)
        if key == "no" or (not key and text in {":", "#", "-", "–", ".", "|"}):
            colon = colon or text.endswith(":")
            p += 1
            if text.endswith(":"):
                break
        else:
            break
    while p < len(row) and layout.tokens[row[p - 1]].text.endswith("/") and layout.tokens[row[p]].seg == first.seg:
        p += 1  # 'Käufer/ Leistungsempfänger': alternatives of one heading
    extended = 0
    q = p
    while q < len(row) and layout.tokens[row[q]].seg == first.seg:
        text = layout.tokens[row[q]].text
        if text.startswith("(") and not text[1:2].isdigit():
            q = skip_parenthetical(layout, row, q)
            continue
        if not any(ch.isalpha() for ch in text) or any(ch.isdigit() for ch in text):
            break  # a value ('RE-2014/502', '4.11') -- the label phrase has ended
        if text.isupper() and len(text) == 3:
            break  # a currency code
        nxt = layout.tokens[row[q + 1]].text if q + 1 < len(row) else ""
        if text.isalpha() and text.isupper() and len(text) <= 4 and (
                nxt[:1].isdigit() or "/" in nxt and any(ch.isdigit() for ch in nxt)):
            break  # a number's letter prefix ('W 24 01187', 'NC 3/2024', 'FT A/1192'), not more label words
        if text.endswith(":"):
            extended += 1
            break
        extended += 1
        q += 1
    seg_tokens = layout.segments[first.seg].tokens
    # The words on the hit's row first: readers take the label's segment and left edge from tokens[0].
    ordered = [t for t in matched if layout.tokens[t].row == last_row] + \
        [t for t in matched if layout.tokens[t].row != last_row]
    return LabelHit(
        label=label, row=first.row, start=first.pos, end=p, tokens=ordered, strength=strength,
        at_segment_start=seg_tokens[0] == first_id, extended_by=extended, colon=colon,
    )


def skip_parenthetical(layout: PageLayout, row: list[int], q: int, max_len: int = 5) -> int:
    """Position after a '(…)' group starting at q (or q+1 when it does not close soon)."""
    for k in range(q, min(len(row), q + max_len)):
        if layout.tokens[row[k]].text.rstrip(".,:;").endswith(")"):
            return k + 1
    return q + 1


def find_labels(layout: PageLayout, labels: list[str]) -> list[LabelHit]:
    """All occurrences of any of `labels`; where labels overlap, the longest match wins."""
    best: dict[int, LabelHit] = {}
    for label in labels:
        for hit in find_label(layout, label):
            cur = best.get(hit.tokens[0])
            if cur is None or (hit.size, hit.strength) > (cur.size, cur.strength):
                best[hit.tokens[0]] = hit
    hits = list(best.values())
    sets = [frozenset(h.tokens) for h in hits]
    kept = [h for h, toks in zip(hits, sets) if not any(toks < other for other in sets)]
    return sorted(kept, key=lambda h: (h.row, h.start))
