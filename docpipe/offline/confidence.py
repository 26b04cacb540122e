"""Calibrated confidence of an offline value: the probability that the chosen value is right.

The inputs are how clear the choice was (`select.Choice`: the value's evidence score, the margin
to the next value, how many generators agree, which consistency rules it takes part in) and
what kind of evidence it rests on (generator, field kind, OCR or text layer, how firmly the
page settles a date's day/month order, OCR misreads in a text value). One logistic model per
group of kinds (`docpipe.fields.kind_group`: amounts, dates, identifiers, currencies, and names
and other text; evidence weighs differently for each) maps them to a raw probability, and Platt
scaling (a logistic map of the raw log-odds), fitted on out-of-fold predictions of development
documents, calibrates it. The model file (`confidence_model.json` beside this module) is small JSON rebuilt by
`tools/train_confidence.py`; it also stores the straight-through thresholds, one per kind group:
the lowest confidence at which the group's out-of-fold accuracy on the development data reaches
0.98 with at least `min_support` values at or above it.

Method: logistic regression plus Platt scaling (Platt, "Probabilistic outputs for support
vector machines", 1999), fitted on out-of-fold predictions. Isotonic calibration (Zadrozny &
Elkan, KDD 2002) was tried too: with a few hundred examples its steps moved the 0.98 threshold
between folds far more than Platt's two parameters did.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

from docpipe.fields import kind_group
from docpipe.offline.select import Choice

MODEL_PATH = Path(__file__).with_name("confidence_model.json")

GENERATORS = ("label", "amount_scan", "date_scan", "party_label", "legal_form", "header_block", "window",
              "footer", "page_currency", "beside_amount", "beside_total", "header_date", "table")
KINDS = ("amount", "date", "identifier", "name", "address", "currency", "text")
CANDIDATE_FEATURES = ("ocr", "ambiguous", "order_firm", "row_role", "row_other", "label_choice", "paid",
                      "repeat", "alt_reading", "legal_form", "has_address", "first_line", "top", "has_time",
                      "pick_score", "conf_min", "long_word", "contact_after", "all_lines", "rounded",
                      "values_between", "values_after", "row_percent", "corrected")


def choice_features(choice: Choice) -> dict[str, float]:
    """The named inputs of the confidence model for one chosen value."""
    cand = choice.candidate
    feats = {
        "score": choice.group.score,
        "margin": choice.margin,
        "runner_up": choice.runner_up,
        "values": min(choice.values, 6) / 6,
        "single_value": float(choice.values == 1),
        "support": min(len(choice.group.generators) - 1, 3) / 3,
        "members": min(len(choice.group.members) - 1, 4) / 4,
        "rules_held": float(min(choice.rules_held, 2)),
        "rules_broken": float(min(choice.rules_broken, 2)),
        "paired": float(choice.paired),
        "first_page": float(cand.page_index == 0),  # numbers, dates and parties are printed on page 1
    }
    # Other printed values confirm it: cash - change, a total plus its rounding, a schema rule.
    verified = bool(cand.feature("paid") or cand.feature("rounded") or choice.rules_held)
    feats["verified"] = float(verified)
    feats["unverified_margin"] = 0.0 if verified else choice.margin
    feats.update(date_order_features(cand))
    # A code whose characters the word layer corrected ('INV-88O1' read, 'INV-8801' kept) reads two
    # ways, and codes mix letters and digits: nothing on the page says which reading is printed.
    feats["code_reread"] = float(cand.kind == "identifier" and bool(cand.feature("corrected")))
    feats["odd_glyphs"] = odd_glyphs(cand.text) if kind_group(cand.kind) == "text" else 0.0
    for g in GENERATORS:
        feats[f"gen_{g}"] = float(cand.generator == g)
    for k in KINDS:
        feats[f"kind_{k}"] = float(cand.kind == k)
    for name in CANDIDATE_FEATURES:
        value = cand.feature(name)
        feats[f"c_{name}"] = min(value, 3.0) / 3.0 if name == "repeat" else value
    return feats


# A digit that OCR reads for a letter beside two or more letters ('1DEA', 'Ma11'), or a letter
# it reads for a digit right after a digit ('29O', 'G3O'): the usual misreads of printed words.
_DIGIT_AMONG_LETTERS = re.compile(r"[A-Za-z]{2}[015]|[015][A-Za-z]{2}")
_LETTER_AFTER_DIGIT = re.compile(r"\d[OoIl](?![A-Za-z])")


def odd_glyphs(text: str) -> float:
    """Share (0-1) of the words of a text value that look misread (`_DIGIT_AMONG_LETTERS`,
    `_LETTER_AFTER_DIGIT`); 0 for an empty text."""
    words = [w for w in text.split() if len(w) >= 2]
    if not words:
        return 0.0
    odd = sum(bool(_DIGIT_AMONG_LETTERS.search(w) or _LETTER_AFTER_DIGIT.search(w)) for w in words)
    return round(odd / len(words), 4)


def date_order_features(cand) -> dict[str, float]:
    """How firmly the page settles a date value's day/month order (all 0 for other kinds).

    Nested, strongest last: date_order_hinted: it reads one way only, or something on the page
    hints at the order (language, currency, country: `offline.dateorder`); date_settled: it reads
    one way only, or the page's other dates or its date style settle the order; date_by_dates:
    another date on the page reads one way only. date_unsettled: it reads two ways and nothing on
    the page hints (`ambiguity_factor`).
    """
    if cand.kind != "date":
        return {"date_order_hinted": 0.0, "date_settled": 0.0, "date_by_dates": 0.0, "date_unsettled": 0.0}
    two_ways = bool(cand.feature("ambiguous"))
    firm, known = bool(cand.feature("order_firm")), bool(cand.feature("order_known"))
    return {"date_order_hinted": float(not two_ways or known or firm), "date_settled": float(not two_ways or firm),
            "date_by_dates": cand.feature("order_by_dates"), "date_unsettled": float(two_ways and not known)}


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


class LogisticPart(BaseModel):
    """Weights of one kind group's logistic model."""

    coef: list[float]
    intercept: float


MODEL_FORMAT = 2  # 1: one global straight-through threshold; 2: also one per kind group


class ConfidenceModel(BaseModel):
    """Per kind group (`docpipe.fields.kind_group`), logistic weights over `choice_features`; a
    Platt calibration map; the straight-through thresholds.

    `thresholds[group]` is the lowest calibrated confidence at which the group's out-of-fold
    accuracy on development data reaches `target_precision` with at least `min_support` values at
    or above it; a group that never reaches it has a threshold above 1 (nothing passes).
    `straight_through` is the same for all groups pooled: the threshold of a group the model has
    none for, and the only one a format-1 file (no `thresholds`) has.
    """

    format: int = 1  # a file without the key is format 1
    features: list[str]
    groups: dict[str, LogisticPart]
    platt_a: float = 1.0  # calibrated = sigmoid(platt_a * logit(raw) + platt_b)
    platt_b: float = 0.0
    straight_through: float = 1.01  # lowest confidence with dev accuracy >= target; > 1 when none reaches it
    thresholds: dict[str, float] = Field(default_factory=dict)  # kind group -> straight-through threshold
    min_support: int = 20  # values at or above a threshold needed to choose it
    target_precision: float = 0.98
    trained_on: str = ""  # which data fitted and calibrated it

    def threshold_for(self, kind: str) -> float:
        """The straight-through threshold of a field of this kind (its group's, else the pooled one);
        above 1 when nothing of the kind may pass."""
        return self.thresholds.get(kind_group(kind), self.straight_through)

    def raw(self, feats: dict[str, float], kind: str) -> float:
        part = self.groups.get(kind_group(kind)) or self.groups.get("text")
        if part is None:
            return 0.0
        z = part.intercept + sum(w * feats.get(name, 0.0) for name, w in zip(self.features, part.coef))
        return _sigmoid(z)

    def calibrate(self, p: float) -> float:
        p = min(max(p, 1e-6), 1 - 1e-6)
        return _sigmoid(self.platt_a * math.log(p / (1 - p)) + self.platt_b)

    def confidence_of(self, feats: dict[str, float], kind: str) -> float:
        """Calibrated probability (0-1, 4 decimals) that a value with these `choice_features` is right."""
        p = self.calibrate(self.raw(feats, kind))
        return round(p * ambiguity_factor(feats), 4)

    def confidence(self, choice: Choice) -> float:
        """The chosen value's confidence; a value read from running text is held to what values of
        its kind read that way were measured to be right (`PROSE_PRECISION`): the model was fitted on
        forms and slips only, and says nothing about sentences."""
        conf = self.confidence_of(choice_features(choice), choice.candidate.kind)
        if choice.candidate.generator == "prose":
            conf = min(conf, PROSE_PRECISION.get(choice.candidate.kind, PROSE_UNMEASURED))
        return conf


# Share of answered values that were right, per kind, for values read from running text
# (`offline.prose`): the development part of the NDA set (40 agreements, `tools/prose_eval.py
# SCHEMA devdata/nda_kleister --part dev`; effective_date 19/27, jurisdiction 36/37 (capped at 0.95),
# term 6/7 (capped at 0.8 for its 7 answers), party names by item 0.78). A kind never measured
# gets PROSE_UNMEASURED. All lie below every straight-through threshold: no prose value passes
# until prose values have development data of their own to fit on.
PROSE_PRECISION = {"date": 0.70, "place": 0.95, "duration": 0.80, "name": 0.78}
PROSE_UNMEASURED = 0.5


# An ambiguous numeric date ('04/05/2018') whose day/month order nothing on the page hints at
# (no other unambiguous date, no dotted or month-name style, no language, currency or country) is
# right only if the guessed order is: about half the time. No development document is of that
# sort (each prints its currency or a language), so this factor is stated, not fitted; an order
# hinted at by locale or country only is learnt by the model (feature `date_order_hinted`).
UNSETTLED_DATE_FACTOR = 0.5


# A code the word layer corrected: the recogniser's reading and the corrected one are both codes,
# and no development document has a corrected code to fit a weight on (codes printed with a letter
# O among digits exist: 'INV-88O1'), so the factor is stated like the date's: one of two readings.
REREAD_CODE_FACTOR = 0.5


def ambiguity_factor(feats: dict[str, float]) -> float:
    """UNSETTLED_DATE_FACTOR for a date that reads two ways with no evidence on the page,
    REREAD_CODE_FACTOR for a code whose characters were corrected as look-alikes, else 1."""
    if feats.get("date_unsettled"):
        return UNSETTLED_DATE_FACTOR
    return REREAD_CODE_FACTOR if feats.get("code_reread") else 1.0


@lru_cache(maxsize=4)
def load_model(path: str = str(MODEL_PATH)) -> ConfidenceModel | None:
    """The shipped model, or None when the file is absent (confidence is then left empty)."""
    p = Path(path)
    if not p.is_file():
        return None
    return ConfidenceModel.model_validate_json(p.read_text(encoding="utf-8"))


def model_digest(path: str = str(MODEL_PATH)) -> str:
    p = Path(path)
    return hashlib.sha256(p.read_bytes()).hexdigest()[:12] if p.is_file() else "none"


def save_model(model: ConfidenceModel, path: Path = MODEL_PATH) -> None:
    path.write_text(json.dumps(model.model_dump(), indent=1) + "\n", encoding="utf-8")
    load_model.cache_clear()
