"""What every candidate generator of one page shares: the layout, the schema's label hits, the
page's date-order evidence and how the words were read (text layer or OCR)."""

from __future__ import annotations

from functools import cached_property
from statistics import median

from docpipe.fields import FieldSpec
from docpipe.grounding.amounts import AmountReading, read_amount
from docpipe.grounding.dates import date_candidates, year_first_doubt
from docpipe.grounding.labels import LabelHit
from docpipe.grounding.layout import PageLayout
from docpipe.offline import scalars
from docpipe.offline.candidates import Candidate
from docpipe.offline.dateorder import DateOrder, date_order
from docpipe.records import Word
from docpipe.word_text import look_alike_corrected

_RUN_JOIN_EM = 0.6  # OCR pieces of one number ('1.234,' '56') sit closer than this many line heights


class AmountRun:
    """One amount printed on the page: its words and its reading."""

    __slots__ = ("tokens", "reading")

    def __init__(self, tokens: list[int], reading: AmountReading) -> None:
        self.tokens = tokens
        self.reading = reading


class PageContext:
    def __init__(self, words: list[Word], page_index: int, scalar_specs: list[FieldSpec]) -> None:
        self.words = words
        self.page_index = page_index
        self.layout = PageLayout(words)
        self.specs = scalar_specs
        self.hits: dict[str, list[LabelHit]] = {}
        self.stop: set[int] = set()
        self.find_labels(set())

    def find_labels(self, excluded: set[int]) -> None:
        """The schema's printed labels, except those among `excluded` tokens (a table's header)."""
        self.hits = scalars.all_hits(self.layout, self.specs, excluded)
        self.stop = {h.tokens[0] for hs in self.hits.values() for h in hs}

    @cached_property
    def ocr(self) -> bool:
        """True when the words were read by OCR (ink boxes), False for a PDF text layer."""
        return self.layout._ink_advance is not None

    @cached_property
    def order(self) -> DateOrder:
        return date_order(self.layout)

    @cached_property
    def median_height(self) -> float:
        heights = [t.height for t in self.layout.tokens if t.height > 0]
        return median(heights) if heights else 0.01

    @cached_property
    def amounts(self) -> list[AmountRun]:
        """Every amount on the page, longest reading first where runs overlap.

        OCR splits numbers ('235,' '62', 'RM' '20.40', '1.234,' '56') and glues currencies to
        digits ('RM20.40'): adjacent pieces closer than a fraction of a line height are also
        read joined without the space.
        """
        layout = self.layout
        found: list[AmountRun] = []
        taken: set[int] = set()
        for row in layout.rows:
            i = 0
            while i < len(row):
                best: AmountRun | None = None
                for n in (3, 2, 1):
                    run = row[i:i + n]
                    if len(run) < n or not all(layout.close(a, b) for a, b in zip(run, run[1:])):
                        continue
                    texts = [layout.tokens[t].text for t in run]
                    reading = read_amount(" ".join(texts))
                    if reading is None and n > 1 and self._tight(run):
                        reading = read_amount("".join(texts))
                    if reading is not None and (reading.strong or n == 1):
                        best = AmountRun(list(run), reading)
                        break
                if best is not None and not taken.intersection(best.tokens):
                    found.append(best)
                    taken.update(best.tokens)
                    i += len(best.tokens)
                else:
                    i += 1
        return found

    def _tight(self, run: list[int]) -> bool:
        toks = [self.layout.tokens[t] for t in run]
        return all(0 <= b.x0 - a.x1 <= _RUN_JOIN_EM * self.layout.line_height for a, b in zip(toks, toks[1:]))

    def candidate(self, spec: FieldSpec, value, tokens: list[int], generator: str, score: float,
                  features: dict[str, float] | None = None, path: str | None = None) -> Candidate:
        layout = self.layout
        feats = dict(features or {})
        if tokens:
            box = layout.bbox_of(tokens)
            feats.setdefault("y", round((layout.tokens[tokens[0]].y0 + layout.tokens[tokens[-1]].y1) / 2, 4))
            feats.setdefault("height_rel", round(
                max(layout.tokens[t].height for t in tokens) / max(self.median_height, 1e-4), 3))
            # How sure the word source was of these words (OCR), and glued words ('SHOPNAMEINONE').
            feats["conf_min"] = round(min(self.words[layout.tokens[t].word_index].conf for t in tokens), 4)
            feats["long_word"] = min(1.0, max(len(layout.tokens[t].text) for t in tokens) / 20)
            # Characters the word layer changed as look-alike misreads ('88O1' -> '8801'): the
            # value rests on a correction, not on what the recogniser read.
            feats["corrected"] = float(any(
                look_alike_corrected(self.words[layout.tokens[t].word_index]) for t in tokens))
        else:
            box = None
        feats["ocr"] = 1.0 if self.ocr else 0.0
        if spec.kind == "date" and tokens:
            # Whether the printed date reads two ways ('04/05/2018'), and what settles the order.
            text = layout.text_of(tokens)
            doubt = year_first_doubt(text, self.order.day_first)  # '25-02-07' on a month-first page
            feats["ambiguous"] = float(len(date_candidates(text, None)) == 2 or doubt)
            feats["order_firm"] = float(self.order.firm and not doubt)
            feats["order_known"] = float(self.order.known and not doubt)
            feats["order_by_dates"] = float(self.order.evidence == "dates")  # another date reads one way only
        return Candidate(
            field=path or spec.name, kind=spec.kind, value=value, text=layout.text_of(tokens), tokens=list(tokens),
            word_indices=sorted({layout.tokens[t].word_index for t in tokens}), page_index=self.page_index,
            bbox=box, generator=generator, features=feats, score=round(max(0.0, min(1.0, score)), 4),
        )
