"""Text keys used for comparing words, labels, identifiers and names.

Every comparison in grounding and offline extraction goes through these keys so that a label
typed in a schema ("Rechnungs-Nr") meets the page's spelling ("Rechnungsnr.:") half-way.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

_NUMBER_MARKERS = {"no", "nr", "n°", "nº", "#", "num", "n"}
_LEGAL_FORMS = {
    "gmbh", "ag", "kg", "ohg", "ug", "gbr", "ev", "eg", "kgaa", "mbh", "ag&co", "co", "cokg",
    "inc", "corp", "corporation", "llc", "llp", "lp", "ltd", "limited", "plc", "pvt", "private",
    "sarl", "sas", "sasu", "sa", "sca", "snc", "eurl", "scs",
    "bv", "nv", "vof", "srl", "spa", "sl", "slu", "sau", "oy", "oyj", "ab", "as", "asa", "aps",
    "kft", "zrt", "sro", "spzoo", "doo", "ad", "pty", "gesmbh", "se", "ag.", "company", "ek",
    "sdn", "bhd", "berhad", "sendirian", "sb", "pte", "ltda", "eireli", "kk", "tbk",
    "lda", "bvba", "sprl", "srls", "sagl", "ehf", "nyrt", "spol",
    "rl",  # the end of "S.à r.l." (Luxembourg)
    "haftungsbeschrankt",  # part of a UG's legal form: "UG (haftungsbeschränkt)"
}
_PUNCT_RE = re.compile(r"[^\w]+", re.UNICODE)
_WS_RE = re.compile(r"\s+")


# Letters with a stroke that Unicode does not decompose into a base letter and a mark.
_STROKED = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ħ": "h", "Ħ": "H", "ı": "i"})


def fold(text: str) -> str:
    """Case-fold and strip diacritics: 'Fälligkeit' -> 'falligkeit', 'płatności' -> 'platnosci'."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_STROKED))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def label_token(text: str) -> str:
    """Key of one word for label matching: folded, outer punctuation and inner dots/dashes dropped.

    'Rechnungs-Nr.:' -> 'rechnungsnr', 'N°' -> 'no', '#' -> 'no'.
    """
    t = fold(text.strip())
    t = t.replace("°", "o").replace("º", "o")
    if t in {"#", "n°", "no.", "nr.", "n.", "no:", "nr:"}:
        return "no"
    t = t.strip(" \t:;,.()[]{}\"'“”‘’«»*")
    t = re.sub(r"[-.'’/_]", "", t)
    if t in _NUMBER_MARKERS or t == "#":
        return "no"
    return t


def label_tokens(label: str) -> list[str]:
    """A schema label as a token sequence ('n° de facture' -> ['no', 'de', 'facture'])."""
    parts = [label_token(p) for p in re.split(r"[\s]+", label.strip()) if p.strip()]
    out: list[str] = []
    for p in parts:
        if p:
            out.append(p)
        elif out and out[-1] != "no":
            # A bare '#' or ':' in a label carries no meaning of its own.
            continue
    return out


def identifier_key(text: str) -> str:
    """Identifiers compare without spaces, dashes, dots, slashes or case."""
    return re.sub(r"[^0-9a-z]", "", fold(text))


def confusable_key(text: str) -> str:
    """Identifier key where OCR-confusable glyphs collapse (O/0, I/l/1); used for scoring only."""
    return identifier_key(text).translate(str.maketrans({"o": "0", "i": "1", "l": "1"}))


def name_key(text: str) -> str:
    """Names and addresses: folded, dots dropped inside abbreviations, punctuation as space."""
    t = fold(text)
    t = re.sub(r"(?<=\w)\.(?=\w)", "", t)  # "b.v." -> "bv."
    t = _PUNCT_RE.sub(" ", t).replace("_", " ")
    return _WS_RE.sub(" ", t).strip()


def is_legal_form(token: str) -> bool:
    return name_key(token).replace(" ", "") in _LEGAL_FORMS


def company_key(text: str) -> str:
    """name_key without trailing legal-form words: 'Coolblue B.V.' and 'Coolblue' compare equal."""
    tokens = name_key(text).split()
    while len(tokens) > 1 and tokens[-1] in _LEGAL_FORMS:
        tokens.pop()
    return " ".join(tokens)


def similarity(a: str, b: str) -> float:
    """0..1 similarity of two already-normalised strings."""
    if a == b:
        return 1.0 if a else 0.0
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def token_similarity(a: str, b: str) -> float:
    """Names whose words are re-ordered ('Muster GmbH, Max' vs 'Max Muster GmbH') still score high."""
    ka, kb = name_key(a), name_key(b)
    direct = similarity(ka, kb)
    sa, sb = " ".join(sorted(ka.split())), " ".join(sorted(kb.split()))
    return max(direct, similarity(sa, sb))


# Words that introduce a place name rather than belong to it ('the State of New York').
_PLACE_PREFIXES = ("the ", "state of ", "commonwealth of ", "province of ", "republic of ", "kingdom of ",
                   "territory of ", "district of ", "canton of ", "county of ", "city of ", "federal republic of ")


def place_key(text: str) -> str:
    """Places compare without their introducing words: 'the State of New York' == 'New York'."""
    t = name_key(text)
    changed = True
    while changed:
        changed = False
        for prefix in _PLACE_PREFIXES:
            if t.startswith(prefix) and len(t) > len(prefix):
                t, changed = t[len(prefix):], True
    return t
