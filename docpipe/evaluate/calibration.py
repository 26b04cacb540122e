"""Calibration of per-field confidence, and the straight-through rate, for `docpipe eval`.

For each field (and all fields pooled) from the (confidence, correct) pairs of the values a run
produced:
- accuracy by confidence bucket, and the expected calibration error (ECE): the
  count-weighted mean gap between each bucket's accuracy and its mean confidence over ten
  equal-width bins (Naeini, Cooper & Hauskrecht, "Obtaining well calibrated probabilities
  using Bayesian binning", AAAI 2015; Guo et al., "On calibration of modern neural networks",
  ICML 2017);
- the straight-through rate: the share of the field's expected values (every document whose
  truth has one) that the run produced with confidence at or above the threshold, and the
  accuracy of those. The threshold is not computed here: it comes with the confidence model
  (chosen on development data, one per kind group: `docpipe.fields.kind_group`) or from the
  caller (one for every field), so scoring new data never tunes it. The pooled row counts each
  value against its own field's threshold.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, computed_field

BUCKET_EDGES = (0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 1.0000001)
ECE_BINS = 10


class ConfidenceBucket(BaseModel):
    lo: float
    hi: float
    n: int = 0
    correct: int = 0
    confidence_sum: float = 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def accuracy(self) -> float | None:
        return self.correct / self.n if self.n else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def mean_confidence(self) -> float | None:
        return self.confidence_sum / self.n if self.n else None


class FieldCalibration(BaseModel):
    field: str  # a field name, or '(all fields)'
    expected: int  # documents whose truth has a value for the field
    with_confidence: int  # produced values that carry a confidence
    correct: int  # of those, right
    ece: float | None = None
    buckets: list[ConfidenceBucket] = Field(default_factory=list)
    threshold: float | None = None  # None on the pooled row: each value against its field's threshold
    thresholded: bool = False  # a threshold was applied (straight-through figures are meaningful)
    straight_through: int = 0  # values with confidence >= threshold
    straight_through_correct: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def accuracy(self) -> float | None:
        return self.correct / self.with_confidence if self.with_confidence else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def straight_through_rate(self) -> float | None:
        return self.straight_through / self.expected if self.expected and self.thresholded else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def straight_through_precision(self) -> float | None:
        return self.straight_through_correct / self.straight_through if self.straight_through else None


def expected_calibration_error(pairs: list[tuple[float, bool]], bins: int = ECE_BINS) -> float | None:
    """Count-weighted mean |accuracy - mean confidence| over equal-width confidence bins."""
    if not pairs:
        return None
    totals = [[0, 0, 0.0] for _ in range(bins)]
    for conf, ok in pairs:
        b = min(bins - 1, max(0, int(conf * bins)))
        totals[b][0] += 1
        totals[b][1] += ok
        totals[b][2] += conf
    return sum(abs(c / n - s / n) * n for n, c, s in totals if n) / len(pairs)


def field_calibration(field: str, expected: int, pairs: list[tuple[float | None, bool]],
                      threshold: float | None, value_thresholds: list[float | None] | None = None
                      ) -> FieldCalibration:
    """Calibration figures for one field from (confidence or None, correct) per produced value.

    `threshold`: the field's straight-through threshold (None: none applied; above 1: nothing
    passes). `value_thresholds`: instead, one threshold per pair (the pooled row of fields with
    different thresholds); `threshold` is then ignored and reported as None.
    """
    if value_thresholds is not None:
        if len(value_thresholds) != len(pairs):
            raise ValueError("value_thresholds must give one threshold per pair")
        per_value = list(value_thresholds)
        threshold = None
    else:
        per_value = [threshold] * len(pairs)
    scored = [(float(c), bool(ok), t) for (c, ok), t in zip(pairs, per_value) if c is not None]
    buckets = [ConfidenceBucket(lo=lo, hi=min(hi, 1.0)) for lo, hi in zip(BUCKET_EDGES, BUCKET_EDGES[1:])]
    for conf, ok, _ in scored:
        for b, (lo, hi) in zip(buckets, zip(BUCKET_EDGES, BUCKET_EDGES[1:])):
            if lo <= conf < hi:
                b.n += 1
                b.correct += ok
                b.confidence_sum += conf
                break
    result = FieldCalibration(field=field, expected=expected, with_confidence=len(scored),
                              correct=sum(ok for _, ok, _ in scored),
                              ece=expected_calibration_error([(c, ok) for c, ok, _ in scored]),
                              buckets=buckets, threshold=threshold,
                              thresholded=any(t is not None for t in per_value) if pairs else threshold is not None)
    passed = [ok for conf, ok, t in scored if t is not None and conf >= t]
    result.straight_through = len(passed)
    result.straight_through_correct = sum(passed)
    return result


def threshold_for_precision(pairs: list[tuple[float, bool]], target: float = 0.98, min_count: int = 20) -> float | None:
    """The lowest confidence t such that values with confidence >= t are right at least `target` of
    the time (and at least `min_count` of them); None when no t reaches it. For choosing the
    straight-through threshold on development data only."""
    ranked = sorted(pairs, key=lambda p: -p[0])
    best: float | None = None
    correct = 0
    for n, (conf, ok) in enumerate(ranked, start=1):
        correct += ok
        last = n == len(ranked) or ranked[n][0] < conf
        if last and n >= min_count and correct / n >= target:
            best = conf
    return best
