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


def test_every_page_result_carries_its_words_and_text_with_hyphenation_joined() -> None:
    from docpipe.processing.page_result import build_page_result
    from docpipe.records import DocKind, PageImage
    from docpipe.tasks.base import PageWork

    words = [Word(text="The", bbox=(0.10, 0.10, 0.16, 0.12), line_id=0),
             Word(text="docu-", bbox=(0.17, 0.10, 0.25, 0.12), line_id=0),
             Word(text="ment", bbox=(0.10, 0.13, 0.17, 0.15), line_id=1),
             Word(text="is", bbox=(0.18, 0.13, 0.21, 0.15), line_id=1)]
    page = PageImage(doc_id="d" * 64, source_path="a.pdf", kind=DocKind.pdf, page_index=0, page_count=1,
                     total_pages=1, width_pt=595.0, height_pt=842.0, words=words, word_source="pdf_text")
    result = build_page_result(PageWork(page=page, image=None), "vlm", [])
    assert result.ocr_text == "The document is"
    assert [w.text for w in result.words] == ["The", "docu-", "ment", "is"]  # words keep their own text
    transcribed = build_page_result(PageWork(page=page, image=None, ocr_text="model text"), "vlm", [])
    assert transcribed.ocr_text == "model text"  # an ocr task's own transcription is kept
