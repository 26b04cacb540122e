"""Calibrated confidence of an offline value: the probability that the chosen value is right.

The inputs are how clear the choice was (`select.Choice`: the value's evidence score, the margin
to the next value, how many generators agree, which consistency rules it takes part in) and
what kind of evidence it rests on (generator, field kind, OCR or text layer, an unresolved
day/month order). One logistic model per group of kinds (amounts, dates, identifiers,
currencies, names and other text: evidence weighs differently for each) maps them to a raw
probability, and one isotonic map, fitted on out-of-fold predictions of development documents,
calibrates it. The
model file (`confidence_model.json` beside this module) is small JSON rebuilt by
`tools/train_confidence.py`; it also stores the straight-through threshold: the lowest
confidence at which accuracy on the development data reaches 0.98.

Method: logistic regression plus isotonic calibration (Zadrozny & Elkan, "Transforming
classifier scores into accurate multiclass probability estimates", KDD 2002).
"""

from __future__ import annotations

import hashlib
import json
import math
from bisect import bisect_right
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

from docpipe.offline.select import Choice

MODEL_PATH = Path(__file__).with_name("confidence_model.json")

GENERATORS = ("label", "amount_scan", "date_scan", "party_label", "legal_form", "header_block", "window",
              "footer", "page_currency", "beside_amount", "beside_total", "header_date", "table")
KINDS = ("amount", "date", "identifier", "name", "address", "currency", "text")
CANDIDATE_FEATURES = ("ocr", "ambiguous", "order_firm", "row_role", "row_other", "label_choice", "paid",
                      "repeat", "alt_reading", "legal_form", "has_address", "first_line", "top", "has_time",
                      "pick_score", "conf_min", "long_word", "contact_after", "all_lines", "rounded",
                      "values_between", "values_after", "row_percent")


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
    }
    for g in GENERATORS:
        feats[f"gen_{g}"] = float(cand.generator == g)
    for k in KINDS:
        feats[f"kind_{k}"] = float(cand.kind == k)
    for name in CANDIDATE_FEATURES:
        value = cand.feature(name)
        feats[f"c_{name}"] = min(value, 3.0) / 3.0 if name == "repeat" else value
    return feats


KIND_GROUPS = {"amount": "amount", "date": "date", "identifier": "identifier", "currency": "currency",
               "name": "text", "address": "text", "text": "text"}


def kind_group(kind: str) -> str:
    return KIND_GROUPS.get(kind, "text")


class LogisticPart(BaseModel):
    """Weights of one kind group's logistic model."""

    coef: list[float]
    intercept: float


class ConfidenceModel(BaseModel):
    """Per kind group, logistic weights over `choice_features`; an isotonic calibration map; the
    straight-through threshold."""

    features: list[str]
    groups: dict[str, LogisticPart]
    iso_x: list[float] = Field(default_factory=list)  # raw probabilities, ascending
    iso_y: list[float] = Field(default_factory=list)  # calibrated probabilities at iso_x
    straight_through: float = 1.01  # lowest confidence with dev accuracy >= target; > 1 when none reaches it
    target_precision: float = 0.98
    trained_on: str = ""  # which data fitted and calibrated it

    def raw(self, feats: dict[str, float], kind: str) -> float:
        part = self.groups.get(kind_group(kind)) or self.groups.get("text")
        if part is None:
            return 0.0
        z = part.intercept + sum(w * feats.get(name, 0.0) for name, w in zip(self.features, part.coef))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def calibrate(self, p: float) -> float:
        if not self.iso_x:
            return p
        if p <= self.iso_x[0]:
            return self.iso_y[0]
        if p >= self.iso_x[-1]:
            return self.iso_y[-1]
        i = bisect_right(self.iso_x, p) - 1
        x0, x1, y0, y1 = self.iso_x[i], self.iso_x[i + 1], self.iso_y[i], self.iso_y[i + 1]
        return y0 + (y1 - y0) * (p - x0) / (x1 - x0) if x1 > x0 else y1

    def confidence(self, choice: Choice) -> float:
        p = self.calibrate(self.raw(choice_features(choice), choice.candidate.kind))
        return round(p * ambiguity_factor(choice), 4)


# An ambiguous numeric date ('04/05/2018') whose day/month order nothing on the page settles is
# right only if the guessed order is: about half the time with no evidence at all, more often
# when only the page's language or currency hints at the order. The development data holds no
# such unsettled dates, so these factors are stated, not fitted.
UNSETTLED_DATE_FACTOR = {"none": 0.5, "locale": 0.85}


def ambiguity_factor(choice: Choice) -> float:
    cand = choice.candidate
    if cand.kind != "date" or not cand.feature("ambiguous") or cand.feature("order_firm"):
        return 1.0
    return UNSETTLED_DATE_FACTOR["locale" if cand.feature("order_known") else "none"]


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
