"""Fields of any schema read out of running text (contracts, letters): candidates, ranking, selection.

For a page of prose, every typed span (`offline.spans`) whose type fits a field's kind is a
candidate for that field. Candidates are ranked by how well their sentence speaks of the field:
- cue: the field's own words (name, labels, description) and the general cue phrases of the
  concepts those words name (`offline.prose_lexicon.CONCEPT_CUES`: 'governed by' for a
  jurisdiction, 'by and between' for a party, 'survive' for a term), nearer counting more;
- against: cue phrases that speak against the concept ('organized under the laws of' for a
  governing law, 'days' notice' for a term);
- alias: a defined term printed right after the span that names the field ('May 20, 2014 (the
  "Effective Date")', 'David Shapiro (the "Employee")');
- opening: for concepts stated in a document's opening clause (its parties, its date), how
  early on the first page the span is;
- for names, how the text introduces them: a legal form, ', a Delaware corporation', a defined term.
A field gets the best candidate when its score reaches the field kind's threshold, otherwise it
stays null: weak evidence never becomes a value. A list field (`party: list[str]`) gets every
candidate above the threshold, without repeats.

The weights are hand-set (see docs in README: measured on the development part of real NDAs,
checked on a held-out part); every candidate carries its features for the shared ranker
(`offline/candidates.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

from docpipe.fields import FieldSpec, name_to_label
from docpipe.grounding.dates import infer_day_first
from docpipe.grounding.durations import Duration
from docpipe.grounding.layout import PageLayout
from docpipe.grounding.textnorm import company_key, fold, place_key
from docpipe.offline.candidates import Candidate
from docpipe.offline.lexicon import PART_SEPARATORS
from docpipe.offline.prose_lexicon import CONCEPT_CUES
from docpipe.offline.spans import PageText, Span, find_spans, page_text

PROSE_KINDS = {"date": "date", "duration": "duration", "place": "place", "name": "name", "amount": "amount",
               "identifier": "identifier"}
"""Field kind -> span kind read for it in running text; other kinds (text, address) stay null."""

THRESHOLD = {"date": 0.5, "duration": 0.7, "place": 0.5, "name": 0.5, "amount": 0.5, "identifier": 0.6}
"""Minimum score for a value, per field kind (set on the development part of the NDA data)."""

_HEADING_WORDS = 6
OPENING_WORDS = 600  # words of the first page that count as a document's opening
_STOPWORDS = {
    "the", "a", "an", "of", "to", "in", "on", "for", "and", "or", "by", "with", "as", "at", "is", "are", "be",
    "this", "that", "which", "who", "whom", "its", "their", "any", "all", "each", "if", "when", "where", "what",
    "from", "into", "under", "it", "not", "no", "name", "names", "value", "field", "document", "e.g", "eg",
    "i.e", "ie", "etc", "given", "stated", "printed", "written", "one", "more", "other", "none", "null",
}
_WORD_RE = re.compile(r"[a-z0-9][a-z0-9'.-]*")


def _word(raw: str) -> str:
    """'Non-Solicitation.' -> 'nonsolicitation' (hyphens and outer dots dropped)."""
    return raw.strip(".'-").replace("-", "")


def _words(text: str) -> list[str]:
    return [_word(w) for w in _WORD_RE.findall(fold(text))]


@dataclass(frozen=True)
class FieldCues:
    """What a field's sentence looks like: cue phrases for and against, labels, opening prior."""

    cues: dict[str, float]
    against: dict[str, float]
    labels: tuple[frozenset[str], ...]  # token sets of the field's labels, for defined-term matches
    opening: bool


def field_cues(spec: FieldSpec) -> FieldCues:
    """Cues of a field from its name, labels and description, plus the concepts they name."""
    cues: dict[str, float] = {}
    against: dict[str, float] = {}
    opening = False

    def add(table: dict[str, float], phrase: str, weight: float) -> None:
        phrase = " ".join(_words(phrase))
        if phrase and phrase not in _STOPWORDS:
            table[phrase] = max(table.get(phrase, 0.0), weight)

    label_sets = []
    for label in spec.labels:
        # A label of several words is specific ('effective date'); one word may be common ('party').
        add(cues, label, 1.0 if len(_words(label)) > 1 else 0.6)
        words = frozenset(w for w in _words(label) if w not in _STOPWORDS)
        if words:
            label_sets.append(words)
    own = [w for w in _words(name_to_label(spec.name)) + [w for lab in spec.labels for w in _words(lab)]
           if w not in _STOPWORDS]
    described = [w for w in _words(spec.description) if w not in _STOPWORDS and len(w) > 3]
    for w in own:
        add(cues, w, 0.6)
    for w in described:
        add(cues, w, 0.35)
    for words, factor in ((own, 1.0), (described, 0.7)):
        for w in words:
            concept = CONCEPT_CUES.get(w) or CONCEPT_CUES.get(w.rstrip("s"))
            if concept is None:
                continue
            opening = opening or (concept.opening and factor == 1.0)
            for phrase, weight in concept.cues.items():
                add(cues, phrase, weight * factor)
            for phrase, weight in concept.against.items():
                add(against, phrase, weight * factor)
    for phrase in list(against):
        if phrase in cues and cues[phrase] >= against[phrase]:
            del against[phrase]
    return FieldCues(cues=cues, against=against, labels=tuple(label_sets), opening=opening)


class _Sentence:
    """Folded words of one sentence with their character offsets, for cue search."""

    def __init__(self, pt: PageText, start: int, end: int) -> None:
        self.start, self.end = start, end
        raw = pt.text[start:end]
        self.words: list[str] = []
        self.offsets: list[int] = []
        for m in _WORD_RE.finditer(fold(raw)):
            self.words.append(_word(m.group(0)))
            self.offsets.append(start + m.start())

    def find(self, phrase: str) -> list[int]:
        """Word positions where `phrase` starts (its last word may be a prefix: 'terminat')."""
        parts = phrase.split()
        n = len(parts)
        out = []
        for i in range(len(self.words) - n + 1):
            if all(self.words[i + k] == parts[k] for k in range(n - 1)) and self.words[i + n - 1].startswith(parts[-1]):
                if len(parts[-1]) >= 4 or self.words[i + n - 1] == parts[-1]:
                    out.append(i)
        return out

    def word_at(self, offset: int) -> int:
        k = 0
        while k + 1 < len(self.offsets) and self.offsets[k + 1] <= offset:
            k += 1
        return k


def _proximity(sentence: _Sentence, phrases: dict[str, float], span: Span, scale: float) -> float:
    """Evidence 0-1 from the phrases in the span's sentence: each phrase found counts its weight ×
    closeness (1 / (1 + words between / scale)) at its nearest occurrence; phrases that overlap
    a stronger one are the same evidence and count once; the rest combine as a noisy-or."""
    if not phrases or not sentence.words:
        return 0.0
    if span.start < 0:
        a = b = -1  # no span in this text (a heading): every phrase counts
    else:
        a = sentence.word_at(span.start)
        b = sentence.word_at(max(span.start, span.end - 1))
    found: list[tuple[float, int, int]] = []
    for phrase, weight in phrases.items():
        n = len(phrase.split())
        best: tuple[float, int, int] | None = None
        for i in sentence.find(phrase):
            if a <= i <= b:
                continue  # the span's own words are not evidence about it
            d = a - (i + n) if i < a else i - b - 1
            value = weight / (1.0 + max(0, d) / scale)
            if best is None or value > best[0]:
                best = (value, i, i + n)
        if best is not None:
            found.append(best)
    found.sort(key=lambda t: -t[0])
    taken: list[tuple[int, int]] = []
    miss = 1.0
    for value, i, j in found:
        if any(i < y and x < j for x, y in taken):
            continue
        taken.append((i, j))
        miss *= 1.0 - value
    return 1.0 - miss


_NOWHERE = Span("none", None, -1, -1, 0)  # a heading's words are all evidence: no span inside it
_AFTER_ALIAS_RE = re.compile(r"^\s*[,;]?\s*\(([^()]{0,60}?)[\"“”‘’'`]{1,2}([^\"“”‘’'`()]{1,60}?)[\"“”‘’'`]{1,2}")


def _alias_match(alias: str | None, labels: tuple[frozenset[str], ...]) -> float:
    """How well a defined term names the field: Jaccard overlap of words with its best label."""
    if not alias or not labels:
        return 0.0
    words = frozenset(w for w in _words(alias) if w not in _STOPWORDS)
    if not words:
        return 0.0
    return max(len(words & lab) / len(words | lab) for lab in labels)


def value_key(kind: str, value: Any) -> Any:
    """What makes two values of a kind the same (list deduplication)."""
    if isinstance(value, Duration):
        return value.key
    if kind == "name":
        return company_key(str(value))
    if kind == "place":
        return place_key(str(value))
    return value


class ProsePage:
    """One page of running text: its spans, and the candidates of any field."""

    def __init__(self, layout: PageLayout, page_index: int) -> None:
        self.layout = layout
        self.page_index = page_index
        self.text = page_text(layout)
        day_first = infer_day_first(t.text for t in layout.tokens)
        self.spans = find_spans(self.text, day_first)

    @cached_property
    def sentences(self) -> list[_Sentence]:
        return [_Sentence(self.text, a, b) for a, b in self.text.sentences]

    @cached_property
    def headings(self) -> list[_Sentence | None]:
        """Per sentence, the heading of its section ('17. Term.' -> 'Term'): the nearest earlier
        short sentence (at most 6 words, capitalised) in the same paragraph."""
        out: list[_Sentence | None] = []
        current: _Sentence | None = None
        for i, sentence in enumerate(self.sentences):
            if i and self.text.paragraphs[i] != self.text.paragraphs[i - 1]:
                current = None
            out.append(current)
            words = [w for w in sentence.words if not w.replace(".", "").isdigit() and len(w) > 1]
            raw = self.text.text[sentence.start:sentence.end].strip()
            if 0 < len(words) <= _HEADING_WORDS and raw[:1].isupper() or (raw[:1].isdigit() and 0 < len(words) <= 6):
                current = sentence
        return out

    def candidates(self, spec: FieldSpec, cues: FieldCues | None = None) -> list[Candidate]:
        """Every span that could be this field's value, scored; best first."""
        span_kind = PROSE_KINDS.get(spec.kind)
        if span_kind is None:
            return []
        cues = cues or field_cues(spec)
        out = []
        for span in self.spans:
            if span.kind != span_kind:
                continue
            features = self._features(span, cues)
            tokens = self.text.tokens_in(span.start, span.end)
            if not tokens:
                continue
            out.append(Candidate(
                field=spec.name, kind=spec.kind, value=span.value, text=self.layout.text_of(tokens),
                tokens=tokens, word_indices=[self.layout.tokens[t].word_index for t in tokens],
                page_index=self.page_index, bbox=self.layout.bbox_of(tokens), generator="prose",
                features=features, score=score(spec.kind, features),
            ))
        out.sort(key=lambda c: -c.score)
        return out

    def _after_preposition(self, span: Span) -> bool:
        """'... other than Acme LLC', 'a licensee of Foo Ltd.': a name governed by another word,
        not one introduced as a party."""
        before = self.text.text[max(0, span.start - 40):span.start].split()
        return bool(before) and _word(fold(before[-1])) in _PREPOSITIONS

    def _in_parens(self, span: Span) -> bool:
        start = self.text.sentences[span.sentence][0]
        before = self.text.text[start:span.start]
        return before.count("(") > before.count(")")

    def _own_line(self, span: Span) -> bool:
        """Does the span fill its printed line (a date line, an addressee or letterhead line)?"""
        tokens = self.text.tokens_in(span.start, span.end)
        rows = {self.layout.tokens[t].row for t in tokens}
        inside = set(tokens)
        return all(t in inside or not any(ch.isalnum() for ch in self.layout.tokens[t].text)
                   for r in rows for t in self.layout.rows[r])

    def _features(self, span: Span, cues: FieldCues) -> dict[str, float]:
        sentence = self.sentences[span.sentence]
        scale = 40.0 if span.kind == "name" else 12.0
        cue = _proximity(sentence, cues.cues, span, scale)
        against = _proximity(sentence, cues.against, span, 6.0)
        heading = self.headings[span.sentence]
        heading_cue = _proximity(heading, cues.cues, _NOWHERE, 1e9) if heading is not None else 0.0
        heading_against = _proximity(heading, cues.against, _NOWHERE, 1e9) if heading is not None else 0.0
        alias = span.alias
        if alias is None and span.kind != "name":
            m = _AFTER_ALIAS_RE.match(self.text.text[span.end:span.end + 120])
            alias = m.group(2) if m else None
        position = self.text.word_position(span.start)
        opening = max(0.0, 1.0 - position / OPENING_WORDS) if cues.opening and self.page_index == 0 else 0.0
        features = {
            "cue": round(cue, 4), "against": round(against, 4), "alias": round(_alias_match(alias, cues.labels), 4),
            "opening": round(opening, 4), "later_page": float(cues.opening and self.page_index > 0),
            "heading": round(heading_cue, 4), "heading_against": round(heading_against, 4),
        }
        if span.kind == "name":
            features.update({"has_alias": float(span.alias is not None), "appositive": float(span.appositive),
                             "legal_form": float(span.legal_form), "object": float(self._after_preposition(span)),
                             "in_parens": float(self._in_parens(span))})
        if span.kind in ("name", "date") and opening > 0:
            features["own_line"] = float(self._own_line(span))
        features.update(span.features)
        return features


WEIGHTS = {"cue": 0.7, "heading": 0.7, "alias": 0.6, "opening": 0.4, "own_line": 0.35, "appositive": 0.3,
           "has_alias": 0.2, "legal_form": 0.15, "known_place": 0.15, "place_of": 0.1}
"""Evidence weights: each feature f in [0, 1] contributes 1 - WEIGHTS[f] * f to a noisy-or."""
AGAINST_WEIGHT = 0.7
LATER_PAGE_FACTOR = 0.8  # a value of the opening clause found after the first page


_PREPOSITIONS = {"of", "than", "with", "to", "from", "for", "including", "includes", "under", "at", "via", "through",
                 "other", "licensee", "behalf", "affiliate", "affiliates", "subsidiary", "subsidiaries"}


def score(kind: str, f: dict[str, float]) -> float:
    """Hand-weighted score 0-1 of a prose candidate: a noisy-or of its evidence (see WEIGHTS), damped
    by the evidence against it and, for opening-clause concepts, by being past the first page."""
    keys = ["cue", "heading", "alias", "opening", "own_line"]
    if kind == "name":
        keys += ["appositive", "has_alias", "legal_form"]
    if kind == "place":
        keys += ["known_place", "place_of"]
    miss = 1.0
    for key in keys:
        miss *= 1.0 - WEIGHTS[key] * min(1.0, f.get(key, 0.0))
    against = 1.0 - ((1.0 - f.get("against", 0.0)) * (1.0 - f.get("heading_against", 0.0))
                     * (1.0 - 0.6 * f.get("object", 0.0)) * (1.0 - 0.5 * f.get("in_parens", 0.0)))
    s = (1.0 - miss) * (1.0 - AGAINST_WEIGHT * against)
    if f.get("later_page"):
        s *= LATER_PAGE_FACTOR
    return round(max(0.0, min(1.0, s)), 4)


def select(spec: FieldSpec, candidates: list[Candidate]) -> list[Candidate]:
    """The chosen candidate(s): the best one above the kind's threshold, or for a list field every
    one above it with repeats (same normalised value, or a name inside a longer one) removed."""
    threshold = THRESHOLD.get(spec.kind, 1.1)
    good = [c for c in candidates if c.score >= threshold]
    if not good:
        return []
    if not spec.is_list:
        return [max(good, key=lambda c: c.score)]
    chosen: list[Candidate] = []
    keys: list[Any] = []
    for c in sorted(good, key=lambda c: -c.score):
        key = value_key(spec.kind, c.value)
        if any(key == k or (isinstance(key, str) and isinstance(k, str) and key and f" {key} " in f" {k} ")
               for k in keys):
            continue
        chosen.append(c)
        keys.append(key)
    chosen.sort(key=lambda c: c.tokens[0] if c.tokens else 0)
    return chosen


def typed_value(spec: FieldSpec, value: Any) -> Any:
    """A span's value in the field's Python type (a date for `date` fields, '3 years' for `str`)."""
    py = spec.python_type
    if isinstance(value, date) and py is not date:
        return value.isoformat() if py is str else None
    if isinstance(value, Duration):
        return str(value) if py is str else None
    if isinstance(value, Decimal) and py in (float, int):
        return py(value) if py is float or value == value.to_integral_value() else None
    return value


COLUMN_GAP = 0.08  # page widths between two segments of one row that make them two columns, not a sentence


def running_rows(layout: PageLayout) -> set[int]:
    """Rows of running text: 8+ words in at most two segments less than COLUMN_GAP apart, spanning
    ≥ 45% of the page's width, and not a line of parts between separators ('14 Kings Road |
    London SW3 4RP | VAT …'). Two blocks side by side ('Harbour Foods plc' … 'Invoice Date: 12
    March 2024') are not a sentence."""
    out: set[int] = set()
    for r, row in enumerate(layout.rows):
        segments = layout.row_segments[r]
        if len(row) < 8 or len(segments) > 2:
            continue
        if len(segments) == 2:
            a, b = sorted((layout.segments[s] for s in segments), key=lambda seg: seg.x0)
            if b.x0 - a.x1 > COLUMN_GAP:
                continue
        if sum(layout.tokens[t].text.strip() in PART_SEPARATORS for t in row) >= 2:
            continue
        x0 = min(layout.tokens[t].x0 for t in row)
        x1 = max(layout.tokens[t].x1 for t in row)
        if x1 - x0 >= 0.45:
            out.add(r)
    return out


def running_text_share(layout: PageLayout) -> float:
    """Share of a page's words in rows of running text (`running_rows`).

    Contracts and letters are mostly such rows; invoices, receipts and forms mostly are not.
    """
    if not layout.tokens:
        return 0.0
    return sum(len(layout.rows[r]) for r in running_rows(layout)) / len(layout.tokens)
