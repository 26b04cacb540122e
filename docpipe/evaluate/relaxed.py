"""ChartQA's relaxed accuracy: a numeric answer is right within 5% of the true number, any other
answer when it equals the truth ignoring case and punctuation (Masry et al., ChartQA, 2022)."""

from __future__ import annotations

import re
import string

from docpipe.charts.numbers import parse_number

RELATIVE_TOLERANCE = 0.05
_PUNCTUATION = re.compile(f"[{re.escape(string.punctuation)}]")


def _plain(text: str) -> str:
    return " ".join(_PUNCTUATION.sub(" ", text.lower()).split())


def _number(text: str) -> float | None:
    parsed = parse_number(text.strip().rstrip("."))
    return parsed.value if parsed is not None else None


def relaxed_match(predicted: str | None, truth: object) -> bool:
    """True when `predicted` answers like `truth` (a number, a string or a list of them)."""
    if predicted is None:
        return False
    truth_text = str(truth).strip()
    want, got = _number(truth_text), _number(predicted)
    if want is not None and got is not None:
        if want == 0:
            return abs(got) <= 1e-9
        return abs(got - want) <= RELATIVE_TOLERANCE * abs(want)
    return _plain(predicted) == _plain(truth_text)
