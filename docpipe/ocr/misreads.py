"""Post-OCR correction of misread characters in recognised words.

A text recogniser confuses characters that look alike: `0`/`O` ('4O7' for 407), `1`/`l`/`I`
('Ha11' for Hall, 'BIvd' for Blvd), `c`/`o`/`e` ('Staticn'), `rn`/`m`. Where the recogniser
itself was unsure of the word, two kinds of evidence correct such a misreading without naming
any document:

* the word's own shape: a capital O among at least two digits, or in an amount, is a zero
  ('4O7' -> '407', 'RM1O.5O' -> 'RM10.50'); a digit inside a word of letters is a letter when
  that makes a known word ('1DEA' -> 'IDEA'); a capital `I` after a letter and before lower-case
  letters is an `l` when that makes a known word ('BIvd' -> 'Blvd', 'WorId' -> 'World');
* word frequencies: a word that no frequency list knows, read with some doubt, one or two
  look-alike substitutions away from a common word, is that word ('Indcnesia' -> 'Indonesia');
  so is one with an underscore for an L ('SE_ANGOR'); a lone ordinal's D read as a zero ('3R0')
  is a D;
* legal forms: a capital I after a lower-case letter that makes a legal form of one that is
  none ('S.r.I.' -> 'S.r.l.'), however confidently read;
* the words beside it: one word of a two-word legal form read exactly makes a doubtful neighbour
  one letter away from the other word that word ('SUN BHD' -> 'SDN BHD'; `legal_form_pairs`).

Known words are those of the wordfreq "small" lists (words with a frequency of at least one per
million in the language's corpora; Speer, wordfreq 3, https://github.com/rspeer/wordfreq) in the
languages below. Only OCR'd words pass through here, never a PDF text layer; the recogniser's
own text stays in `Word.raw`. The correction never touches a word read with confidence (mean
character probability MAX_CONFIDENCE or more), a word a list knows (unless its letter case shows
a misread `I`), or the letters of a code, and never turns digits into letters in a run that is
mostly digits.

Measured (tools/misreads_eval.py, 2 vCPU AMD EPYC): see the README's word-layer section.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from docpipe.grounding.textnorm import is_legal_form
from docpipe.records import Word

# Latin-script languages whose lists are consulted; a word known in any of them is known.
LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "ms", "id")
# Zipf frequency (log10 of uses per billion words) a correction must reach: 3.0 is one use per
# million words, the floor of wordfreq's small lists.
MIN_ZIPF = 3.0
MIN_LENGTH = 4  # shorter words (abbreviations: 'INV', 'Adj', 'PJU') have too many look-alike neighbours
# Corrections by word lists apply only to words the recogniser read with a mean character
# probability below this: on development receipts (tools/misreads_eval.py) the words it misread
# into an unknown word mostly scored 0.85-0.98, and unknown words it read right (abbreviations,
# names: 'NCR', 'Masai') mostly 0.99 and above.
MAX_CONFIDENCE = 0.985

# Look-alike substitutions of a recogniser, by the character as read (case matters: a capital I
# is no look-alike of a capital L). Kept only those that corrected more words than they broke on
# development receipts and on a tester's own generated scans: e/o, k/r, m -> rn and dropping a
# stray i turned real names ('Tomek', 'Loke', 'Kemel', 'Tiong') into other words as often as they
# repaired a misread.
_LOOKALIKE: dict[str, tuple[str, ...]] = {
    "i": ("l",), "l": ("i",), "j": ("i",), "J": ("I",), "e": ("c",), "c": ("o",), "C": ("O",),
}
# Multi-character look-alikes: 'rn' read for 'm', 'vv' for 'w'.
_LOOKALIKE_PAIRS: tuple[tuple[str, str], ...] = (("rn", "m"), ("vv", "w"))
_DIGIT_AS_LETTER = {"0": "o", "1": "l", "5": "s", "8": "b"}
_DIGIT_AS_LETTER_ALT = {"1": "i"}

_RUN = re.compile(r"[^\W_]+")
# A capital I after a lower-case letter, also across a dot ('S.r.I.'): an l misread.
_I_AFTER_LOWER = re.compile(r"(?<=[a-z])I|(?<=[a-z]\.)I")
# Capitals then two or more digits: a code ('SE10', 'A380'), never a word with its last letters misread.
_CAPITALS_THEN_DIGITS = re.compile(r"[A-Z]+\d{2,}")
# A letter O in a run of digits: after an optional prefix of up to two letters ('B2O', 'PT2O1'),
# digits with capital O among them, each O after a digit.
_DIGITS_WITH_O = re.compile(r"([A-Za-z]{0,2})(\d[\dO]*)")
# An amount whose digits include letters O ('2O.O0', '1,OOO'): digits, separators and O only.
_AMOUNT_WITH_O = re.compile(r"\d[\dO]*(?:[.,][\dO]+)+")
_CURRENCY_PREFIX = re.compile(r"^[A-Za-z]{1,3}(?=\d)")
# A capital I after a letter and before lower-case letters, with only lower case between it and
# the word's first letter ('BIvd', 'AIley', 'WorId'): no spelling puts a capital there; a
# recogniser reading a narrow l often does.
_CAPITAL_I = re.compile(r"([A-Za-z][a-z]*)I([a-z]+)")
# An ordinal whose D the recogniser read as a zero ('3R0 FLOOR', '2N0'): the suffix the number
# takes in English (2nd, 3rd; 12th and 13th take none of these).
_ORDINAL_ZERO = re.compile(r"(\d{0,2}?)(\d)([RrNn])0")
# Two-word legal forms of company law: a word beside one of them, on the same line, one letter
# away from the other ('SUN BHD', 'Sdh Bhd', 'PTY LTO') is that word misread.
LEGAL_FORM_PAIRS: tuple[tuple[str, str], ...] = (("sdn", "bhd"), ("pty", "ltd"), ("pte", "ltd"), ("pvt", "ltd"))


@lru_cache(maxsize=1)
def _frequencies() -> dict[str, float]:
    """{word: highest zipf frequency over LANGUAGES}; empty when wordfreq is not installed."""
    try:
        from wordfreq import get_frequency_dict
    except ImportError:  # pragma: no cover - wordfreq is a dependency; kept for partial installs
        return {}
    import math

    out: dict[str, float] = {}
    for lang in LANGUAGES:
        for word, freq in get_frequency_dict(lang, wordlist="small").items():
            if freq <= 0:
                continue
            z = math.log10(freq) + 9.0
            if z > out.get(word, 0.0):
                out[word] = z
    return out


@lru_cache(maxsize=1)
def word_lists_version() -> str:
    """Which word lists decide corrections ('wordfreq 3.1.1'; 'none' without wordfreq): part of
    the run options' hash, since other lists can correct other words."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"wordfreq {version('wordfreq')}"
    except PackageNotFoundError:  # pragma: no cover - wordfreq is a dependency
        return "none"


def zipf(word: str) -> float:
    """The word's highest zipf frequency over LANGUAGES (0.0 when no list knows it)."""
    return _frequencies().get(word.casefold(), 0.0)


def correct_words(words: Iterable[Word]) -> list[Word]:
    """Words with look-alike misreadings corrected (`correct_text`, then `legal_form_pairs`);
    `raw` keeps the recogniser's text. `words` in the recogniser's order (a line's words left to
    right, `line_id` shared)."""
    words = list(words)
    texts = legal_form_pairs([correct_text(w.text, w.conf) for w in words], [w.line_id for w in words],
                             [w.conf for w in words])
    out: list[Word] = []
    for word, fixed in zip(words, texts):
        if fixed == word.text:
            out.append(word)
        else:
            out.append(word.model_copy(update={"text": fixed, "raw": word.raw if word.raw is not None else word.text}))
    return out


def legal_form_pairs(texts: list[str], line_ids: list[int], confidences: list[float] | None = None) -> list[str]:
    """Word texts with a two-word legal form (LEGAL_FORM_PAIRS) repaired where one of its words is
    read exactly and the word next to it on the same line (`line_ids` equal), read with doubt
    (`confidences` below MAX_CONFIDENCE; all doubtful when None), is the other one with one letter
    changed ('SUN BHD' -> 'SDN BHD', 'Sdh Bhd' -> 'Sdn Bhd', 'PTY LTO' -> 'PTY LTD'). A word of
    another legal form stays ('PTE LTD' is no misread 'PTY LTD'), and so does one read with
    confidence ('JOHNSON & SON BHD', 'EASY PAY LTD'). Trailing punctuation ('BHD.') is kept."""
    out = list(texts)
    doubtful = [c < MAX_CONFIDENCE for c in confidences] if confidences is not None else [True] * len(texts)
    forms = {w for pair in LEGAL_FORM_PAIRS for w in pair}
    for i in range(len(texts) - 1):
        if line_ids[i] != line_ids[i + 1]:
            continue
        left, right = _letters_of(out[i]), _letters_of(out[i + 1])
        for first, second in LEGAL_FORM_PAIRS:
            if right.lower() == second and doubtful[i] and left.lower() not in forms and _one_letter_off(left, first):
                out[i] = out[i].replace(left, _with_case(first, left), 1)
                break
            if left.lower() == first and doubtful[i + 1] and right.lower() not in forms \
                    and _one_letter_off(right, second):
                out[i + 1] = out[i + 1].replace(right, _with_case(second, right), 1)
                break
    return out


def _letters_of(text: str) -> str:
    """The word without the punctuation around it ('BHD.' -> 'BHD', '(SDN' -> 'SDN')."""
    return text.strip(".,;:()[]")


def _one_letter_off(word: str, target: str) -> bool:
    """`word` has `target`'s length and differs from it (case-folded) in exactly one letter."""
    w = word.lower()
    return w.isalpha() and len(w) == len(target) and sum(a != b for a, b in zip(w, target)) == 1


def correct_text(text: str, confidence: float = 1.0) -> str:
    """One word's text with each run of letters and digits corrected (`_correct_run`); the
    punctuation between runs is kept as it is. `confidence`: the recogniser's mean character
    probability for the word (0-1); word-list corrections need it below MAX_CONFIDENCE."""
    if "I" in text:
        swapped = _I_AFTER_LOWER.sub("l", text)
        if swapped != text and is_legal_form(swapped) and not is_legal_form(text):
            # 'S.r.I.' is no legal form anywhere, 'S.r.l.' is: whatever the recogniser's confidence.
            return swapped
    if confidence >= MAX_CONFIDENCE:
        return text  # read with confidence: codes such as 'H2O' or 'ACM-44O7' and names such as 'AIs' stay
    core = _CURRENCY_PREFIX.sub("", text.strip("()[]:;*$€£+-"))  # 'RM1O.5O': the amount after 'RM'
    if "O" in core and _AMOUNT_WITH_O.fullmatch(core) and sum(ch.isdigit() for ch in core) >= 2:
        return text.replace(core, core.replace("O", "0"))
    if "_" in text:
        text = _underscores(text)
    core = text.rstrip(".,;:")
    m = _ORDINAL_ZERO.fullmatch(core)
    if m and m.group(1)[-1:] != "1" and (m.group(2), m.group(3).lower()) in (("2", "n"), ("3", "r")):
        # (a lone ordinal, '3R0 FLR'; inside a code, 'AB-3R0-7', the zero may be printed)
        return core[:-1] + ("D" if m.group(3).isupper() else "d") + text[len(core):]
    # In a token with digits ('ABCD-2018-235') the letters are a code, not a word to look up.
    coded = any(ch.isdigit() for ch in text)
    return _RUN.sub(lambda m: _correct_run(m.group(0), coded), text)


# An underscore inside a word of letters ('SE_ANGOR'): an L whose stem the recogniser lost.
_UNDERSCORE_IN_WORD = re.compile(r"[A-Za-z]+_[A-Za-z]+")


def _underscores(text: str) -> str:
    """Underscores of a doubtfully read word: before its letters, a speck (dropped: '_HUAT' ->
    'HUAT'); inside a word of letters, an L where that spells a known word ('SE_ANGOR' ->
    'SELANGOR'). Rules and blanks of underscores only ('____', 'Name: ____') stay."""
    core = text.lstrip("_")
    if core != text and core.isalpha():  # ('_info@shop.example', '_id_2' stay: addresses and codes)
        text = core
    if len(text) >= MIN_LENGTH and _UNDERSCORE_IN_WORD.fullmatch(text):
        upper = text.replace("_", "").isupper()
        candidate = text.replace("_", "L" if upper else "l")
        if zipf(candidate) >= MIN_ZIPF:
            return candidate
    return text


def _correct_run(run: str, coded: bool) -> str:
    """One run of letters and digits of a doubtfully read word, corrected where its shape or the
    word lists show a misread; `coded`: the run is part of a token holding digits elsewhere (no
    word-list correction)."""
    if not any(ch.isdigit() for ch in run):
        return _letters(run, not coded)
    m = _DIGITS_WITH_O.fullmatch(run)
    if m and "O" in m.group(2) and sum(ch.isdigit() for ch in m.group(2)) >= 2:
        # (one digit and an O, as in 'H2O' or 'CO2', is as likely a formula as a misread)
        return m.group(1) + m.group(2).replace("O", "0")
    return _digits_in_word(run)


def _digits_in_word(run: str) -> str:
    """'Ha11' -> 'Hall', '1DEA' -> 'IDEA': digits among at least as many letters, read as the
    letters they resemble, where that spells a known word."""
    letters = sum(ch.isalpha() for ch in run)
    digits = len(run) - letters
    if _CAPITALS_THEN_DIGITS.fullmatch(run):
        return run  # 'SE10', 'AL10', 'PO15': a postcode district or model code, not 'SELO'
    # Three characters only as a word in lower case with a digit inside ('J1n'): short codes in
    # capitals ('A1B') are too often right.
    short_word = len(run) == 3 and run[0].isalpha() and run[1].isdigit() and run[2].islower()
    if letters < 2 or letters < digits or (len(run) < MIN_LENGTH and not short_word) or any(
            ch.isdigit() and ch not in _DIGIT_AS_LETTER for ch in run):
        return run
    # A 1 is read as l first (the closer look-alike), as i only where l spells no word.
    for table in (_DIGIT_AS_LETTER, {**_DIGIT_AS_LETTER, **_DIGIT_AS_LETTER_ALT}):
        candidate = "".join(table.get(ch, ch) for ch in run.lower())
        if zipf(candidate) >= MIN_ZIPF:
            return _with_case(candidate, run)
    return run


def _letters(run: str, look_up: bool) -> str:
    """A doubtfully read word of letters: a misread capital I by its case ('BIvd' -> 'Blvd'), other
    look-alikes by the word lists unless the word is part of a code (`look_up` false)."""
    if not run.isalpha() or not run.isascii():
        return run
    m = _CAPITAL_I.fullmatch(run)
    if m:
        swapped = m.group(1) + "l" + m.group(2)
        # ... where the l spells a known word: 'CIs', 'XIth' (plural acronyms, numerals) stay.
        return swapped if zipf(swapped) >= MIN_ZIPF else run
    if not look_up or len(run) < MIN_LENGTH or zipf(run) > 0:
        return run
    best, best_z = None, MIN_ZIPF
    for candidate in {n.lower() for n in _neighbours(run)}:
        z = zipf(candidate)
        if z >= best_z and (best is None or z > best_z):
            best, best_z = candidate, z
    return run if best is None else _with_case(best, run)


def _neighbours(word: str) -> set[str]:
    """Readings one or two look-alike substitutions away, in the word's own letter case."""
    first = _one_step(word)
    out = set(first)
    if len(word) >= 7:  # two substitutions only in longer words, where they stay distinctive
        for w in first:
            # ... at two different places (a character changed twice is no look-alike).
            out |= {v for v in _one_step(w) if sum(x != y for x, y in zip(v, word)) == 2 or len(v) != len(word)}
    out.discard(word)
    return out


def _one_step(word: str) -> set[str]:
    out: set[str] = set()
    for i, ch in enumerate(word):
        for alt in _LOOKALIKE.get(ch, ()):
            out.add(word[:i] + alt + word[i + 1:])
    for a, b in _LOOKALIKE_PAIRS:
        start = word.find(a)
        while start >= 0:
            out.add(word[:start] + b + word[start + len(a):])
            start = word.find(a, start + 1)
    return out


def _with_case(corrected: str, original: str) -> str:
    """The corrected word in the original's letter case: letter by letter where the lengths agree
    ('APls' -> 'APis'), a digit read for a letter in the case of the letters around it; else
    capitals, capitalised or lower case as the original is."""
    letters = [ch for ch in original if ch.isalpha()]
    if len(corrected) == len(original):
        upper_word = bool(letters) and all(ch.isupper() or ch == "l" for ch in letters)
        out = []
        for i, (c, o) in enumerate(zip(corrected, original)):
            if o.isalpha():
                out.append(c.upper() if o.isupper() else c.lower())
            else:  # a digit read for a letter: a capital at the start of a word or among capitals
                out.append(c.upper() if upper_word or i == 0 else c.lower())
        return "".join(out)
    lower = [ch for ch in letters if ch.islower() and ch != "l"]
    if not lower:
        return corrected.upper()
    if letters and letters[0].isupper() or original[:1].isdigit():
        # (a word opening with a digit read for its capital: '0xford' is 'Oxford')
        return corrected[:1].upper() + corrected[1:].lower()
    return corrected.lower()
