"""Word text normalisation where words enter docpipe, and hyphenation joined in page text."""

from __future__ import annotations

from docpipe.records import Word
from docpipe.word_text import join_hyphenated_lines, normalize_text, normalize_words


def _word(text: str) -> Word:
    return Word(text=text, bbox=(0.1, 0.1, 0.2, 0.12))


def test_ligatures_full_width_forms_and_invisible_characters_are_normalised() -> None:
    assert normalize_text("O\ufb03ce") == "Office"  # U+FB03 LATIN SMALL LIGATURE FFI
    assert normalize_text("\ufb01nal") == "final"
    assert normalize_text("Rech\u00adnung") == "Rechnung"  # soft hyphen
    assert normalize_text("\ufeffTotal\u200b") == "Total"
    assert normalize_text("\uff21\uff22\uff23 \uff11\uff12") == "ABC 12"  # full-width forms
    assert normalize_text("a \u00a0\t b") == "a b"


def test_normalised_words_keep_the_raw_text_and_drop_empty_ones() -> None:
    words = normalize_words([_word("O\ufb03ce"), _word("plain"), _word("\u00ad")])
    assert [w.text for w in words] == ["Office", "plain"]
    assert words[0].raw == "O\ufb03ce" and words[1].raw is None
    assert normalize_words(words)[0].raw == "O\ufb03ce"  # normalising twice keeps the first raw text


def test_office_is_found_in_a_value_read_from_ligature_words() -> None:
    value = " ".join(w.text for w in normalize_words([_word("Back"), _word("O\ufb03ce"), _word("Supplies")]))
    assert "Office" in value


def test_line_end_hyphenation_is_joined_only_before_a_lower_case_continuation() -> None:
    text = "the docu-\nment was re-\nceived\nHewlett-\nPackard paid 1,000-\n2,000 EUR"
    assert join_hyphenated_lines(text) == "the document was received\nHewlett-\nPackard paid 1,000-\n2,000 EUR"
    assert join_hyphenated_lines("state-of-the-art\nwork") == "state-of-the-art\nwork"
    assert join_hyphenated_lines("co\u2010\noperate") == "cooperate"
