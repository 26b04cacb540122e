"""A quantity printed with its times sign ('2x', 'x2', '3 ×') grounds the quantity's value."""

from __future__ import annotations

from decimal import Decimal

import pytest

from docpipe.grounding.layout import PageLayout
from docpipe.grounding.match import PageMatcher
from docpipe.records import Word


def _words(*texts: str) -> list[Word]:
    return [Word(text=t, bbox=(0.1 + 0.15 * i, 0.5, 0.2 + 0.15 * i, 0.52), line_id=0) for i, t in enumerate(texts)]


@pytest.mark.parametrize("printed, value", [("2x", "2"), ("x2", "2"), ("3X", "3"), ("×12", "12")])
def test_a_count_with_its_times_sign_is_found_for_the_quantity(printed: str, value: str) -> None:
    matcher = PageMatcher(PageLayout(_words("Brezel", printed, "0,90")), None)
    found = matcher.amount_index.get(Decimal(value), [])
    assert found and matcher.layout.tokens[found[0].tokens[0]].text == printed


@pytest.mark.parametrize("printed", ["2xl", "x", "box2", "2x3"])
def test_other_words_with_an_x_are_no_count(printed: str) -> None:
    matcher = PageMatcher(PageLayout(_words("Shirt", printed)), None)
    assert not any(matcher.layout.tokens[c.tokens[0]].text == printed
                   for cands in matcher.amount_index.values() for c in cands)
