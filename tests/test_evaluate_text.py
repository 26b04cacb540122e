"""Text scores: CER in reading order, word F1, word recall."""

from __future__ import annotations

import random

from docpipe.evaluate.text import cer, levenshtein, norm_token, normalise_text, token_recall, word_f1


def _naive(a: str, b: str) -> int:
    row = list(range(len(a) + 1))
    for i, cb in enumerate(b, 1):
        prev, row[0] = row[:], i
        for j, ca in enumerate(a, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
    return row[-1]


def test_levenshtein_matches_the_textbook_recurrence() -> None:
    rng = random.Random(0)
    for _ in range(200):
        a = "".join(rng.choice("abc \ufb01") for _ in range(rng.randint(0, 12)))
        b = "".join(rng.choice("abc \ufb01") for _ in range(rng.randint(0, 12)))
        assert levenshtein(a, b) == _naive(a, b)


def test_cer_normalises_ligatures_and_whitespace() -> None:
    assert normalise_text(" O\ufb03ce \n  hours ") == "Office hours"
    assert cer("O\ufb03ce   hours", "Office hours") == 0.0
    assert cer("Offce hours", "Office hours") == 1 / 12
    assert cer("", "abc") == 1.0 and cer("", "") == 0.0


def test_word_f1_ignores_order_and_cer_does_not() -> None:
    truth = "left column text right column text"
    swapped = "right column text left column text"
    assert word_f1(swapped, truth) == 1.0
    assert cer(swapped, truth) > 0.2
    assert abs(word_f1("left column", truth) - 0.5) < 1e-9  # precision 1, recall 1/3


def test_token_recall_compares_words_as_printed() -> None:
    assert norm_token("Total:") == "total" and norm_token("1,234.56") == "1,234.56"
    assert norm_token("l\u2019email") == "l'email" and norm_token("--") == ""
    assert token_recall(["TOTAL", "12.00", "12.00"], ["Total:", "12.00", "EUR", "--"]) == (2, 3)
