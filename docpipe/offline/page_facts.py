"""What a page as a whole says about itself: its title, its language, its kind of document.

For generic fields (the built-in `page` schema, or any schema with such fields):
- title (a field named title/heading/headline): the page's heading, read by position and size:
  among the rows in the top 40% of the page, the one printed largest (row height at least 1.15×
  the page's median word height), else a short line in capitals or centred above the first
  paragraph; never a row of running text.
- language (kind `language`): the ISO 639-1 code of the page's running text by py3langid
  (a naive Bayes language identifier over byte n-grams, Lui & Baldwin 2012, langid.py), only
  when at least LANGUAGE_MIN_WORDS words are read and its normalised probability is at least
  LANGUAGE_MIN_PROBABILITY; derived, so it is never grounded on a word.
- document_type (a field named document_type/doc_type/document_kind): a kind word printed in
  the title ('NON-DISCLOSURE AGREEMENT' -> 'agreement'), grounded on that word; null when the
  title names no kind (offline there is no classifier behind it).
A summary needs a language model: offline it stays null.
"""

from __future__ import annotations

import re
from functools import lru_cache
from statistics import median

from docpipe.fields import FieldSpec, name_to_label
from docpipe.grounding.layout import PageLayout
from docpipe.grounding.textnorm import fold

LANGUAGE_MIN_WORDS = 8
LANGUAGE_MIN_PROBABILITY = 0.9
TITLE_ZONE = 0.4  # fraction of the page height searched for a heading
TITLE_MAX_WORDS = 14

# A document kind word (folded) -> the value written for it.
DOCUMENT_KINDS: dict[str, str] = {
    "invoice": "invoice", "rechnung": "invoice", "facture": "invoice", "factura": "invoice", "fattura": "invoice",
    "receipt": "receipt", "quittung": "receipt", "agreement": "agreement", "contract": "contract",
    "vertrag": "contract", "contrat": "contract", "letter": "letter", "report": "report", "bericht": "report",
    "rapport": "report", "statement": "statement", "form": "form", "formular": "form", "memorandum": "memo",
    "memo": "memo", "minutes": "minutes", "policy": "policy", "certificate": "certificate", "order": "order",
    "quotation": "quote", "quote": "quote", "angebot": "quote", "offer": "offer", "notice": "notice",
    "amendment": "amendment", "resume": "resume", "brochure": "brochure", "manual": "manual",
}
_TITLE_NAMES = {"title", "heading", "headline"}
_DOCUMENT_TYPE_NAMES = {"document type", "doc type", "document kind", "type of document", "kind of document"}


def role_of_field(spec: FieldSpec) -> str:
    """'title', 'language', 'document_type' or '' for a field, from its kind and name."""
    if spec.kind == "language":
        return "language"
    label = name_to_label(spec.name)
    if spec.kind == "text" and label in _TITLE_NAMES:
        return "title"
    if spec.kind == "text" and label in _DOCUMENT_TYPE_NAMES:
        return "document_type"
    return ""


def title_tokens(layout: PageLayout) -> list[int] | None:
    """Token ids of the page heading (see module doc), or None when the page shows none."""
    if not layout.rows:
        return None
    heights = [t.height for t in layout.tokens if t.height > 0]
    if not heights:
        return None
    typical = median(heights)
    best: tuple[float, int] | None = None
    for r, row in enumerate(layout.rows):
        top = min(layout.tokens[t].y0 for t in row)
        if top > TITLE_ZONE:
            break
        words = [layout.tokens[t] for t in row]
        letters = [w for w in words if any(ch.isalpha() for ch in w.text)]
        if not letters or len(row) > TITLE_MAX_WORDS or len(layout.row_segments[r]) > 2:
            continue
        height = median(w.height for w in words)
        text = " ".join(w.text for w in words)
        capitals = sum(ch.isupper() for ch in text) / max(1, sum(ch.isalpha() for ch in text))
        x0, x1 = min(w.x0 for w in words), max(w.x1 for w in words)
        centred = abs((x0 + x1) / 2 - 0.5) < 0.08 and x1 - x0 < 0.8
        size = height / typical
        if size < 1.15 and not (capitals > 0.8 and (centred or len(letters) >= 2)):
            continue
        if _looks_like_metadata(text):
            continue
        # Larger print first; among equal sizes, capitals and centring, then the higher line.
        rank = size * 2 + capitals * 0.5 + (0.3 if centred else 0.0) - top
        if best is None or rank > best[0]:
            best = (rank, r)
    if best is None:
        return None
    chosen = [best[1]]
    # A title wrapped onto a neighbouring line of the same print continues there.
    for step in (-1, 1):
        r = best[1] + step
        while 0 <= r < len(layout.rows) and _same_print(layout, chosen[-1 if step > 0 else 0], r):
            chosen.insert(0, r) if step < 0 else chosen.append(r)
            r += step
    return [t for r in sorted(chosen) for t in layout.rows[r]]


def _same_print(layout: PageLayout, a: int, b: int) -> bool:
    ta = [layout.tokens[t] for t in layout.rows[a]]
    tb = [layout.tokens[t] for t in layout.rows[b]]
    if len(tb) > TITLE_MAX_WORDS or len(layout.row_segments[b]) > 2:
        return False
    if _looks_like_metadata(" ".join(t.text for t in tb)):
        return False
    ha, hb = median(t.height for t in ta), median(t.height for t in tb)
    gap = max(t.y0 for t in tb) - max(t.y1 for t in ta) if b > a else min(t.y0 for t in ta) - max(t.y1 for t in tb)
    caps = [sum(ch.isupper() for ch in s) / max(1, sum(ch.isalpha() for ch in s))
            for s in (" ".join(t.text for t in ta), " ".join(t.text for t in tb))]
    return abs(ha - hb) <= 0.1 * ha and gap <= 0.8 * ha and abs(caps[0] - caps[1]) < 0.2


def _looks_like_metadata(text: str) -> bool:
    """Filing stamps, page numbers and file names are not a title ('EX-10 5 ex10-4.htm', 'Page 2')."""
    t = fold(text)
    return bool(re.search(r"\.(htm|html|txt|pdf)\b|^page \d|^-?\d+-?$|^ex-?\d|^exhibit\b", t))


def document_kind(layout: PageLayout, title: list[int] | None) -> tuple[str, list[int]] | None:
    """(kind, the token naming it) from the title's words, last kind word first ('Confidentiality
    Agreement' -> 'agreement'); None when the title names no kind."""
    if not title:
        return None
    for t in reversed(title):
        key = re.sub(r"[^a-z]", "", fold(layout.tokens[t].text))
        if key in DOCUMENT_KINDS:
            return DOCUMENT_KINDS[key], [t]
    return None


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> tuple[str, float] | None:
    """(ISO 639-1 code, probability) of a text, or None when it is too short or too unsure."""
    words = [w for w in text.split() if sum(ch.isalpha() for ch in w) >= 2]
    if len(words) < LANGUAGE_MIN_WORDS:
        return None
    code, probability = _identifier().classify(" ".join(words[:400]))
    if probability < LANGUAGE_MIN_PROBABILITY or not re.fullmatch(r"[a-z]{2}", code):
        return None
    return code, float(probability)
