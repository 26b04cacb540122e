"""OfflineExtractor: the `offline` engine's schema-driven extraction over a page's word layer.

No model. Per page:
1. line-item tables are read from their header row (`tables`);
2. every scalar field gets candidates from several generators (`generate`: printed labels,
   page-wide amount and date scans, party blocks, the unlabelled header block, ...), each with
   an evidence score and the features behind it;
3. one value per field is chosen, jointly where the schema's consistency rules relate fields
   (`select`); on a page of running text (a contract, a letter) the fields of the kinds prose
   states (dates, lengths of time, places, names, amounts, codes) take their candidates from its
   sentences instead (`prose`), lists of scalars (`party: list[str]`) get every such value above
   its threshold, and fields about the page as a whole (title, language, document kind) come
   from `page_facts`;
4. each chosen value gets a calibrated confidence (`confidence`), and every value, table cells
   included, is verified against the page's words by the same code that verifies a VLM's values
   (`grounding.verify`): `grounded`, `score`, `source` and the box come from the words, never
   from how the value was found.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, ValidationError

from docpipe.fields import FieldSpec, field_specs
from docpipe.grounding.dates import parse_date
from docpipe.grounding.labels import LabelHit
from docpipe.grounding.layout import PageLayout
from docpipe.grounding.textnorm import company_key
from docpipe.grounding.verify import GroundingQuery, build_queries, verify_on_page
from docpipe.offline import scalars
from docpipe.offline.candidates import Candidate
from docpipe.offline.confidence import choice_features, load_model
from docpipe.offline.context import PageContext
from docpipe.offline.generate import PARTY_ROLES, header_date_candidate, party_candidates, scalar_candidates
from docpipe.offline.lexicon import role_of
from docpipe.offline.scans import per_rate_tax_rows
from docpipe.offline import page_facts, prose
from docpipe.offline.select import Choice, select
from docpipe.offline.tables import read_table
from docpipe.records import BBox, FieldGrounding, Word

PAIR_BONUS = 0.3  # an address from the same block as its party's chosen name
RECIPIENT_BLOCK_LINES = 8.0  # a recipient's block ends this many line heights below its label
PROSE_SHARE = 0.5  # pages with at least this share of words in running text are read as prose


class OfflinePageResult(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    page_index: int
    extraction: SerializeAsAny[BaseModel]  # an instance of the schema model
    groundings: list[FieldGrounding] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)  # values dropped because they did not validate
    table_rows: dict[str, int] = Field(default_factory=dict)  # table field -> rows read
    candidates: dict[str, list[Candidate]] = Field(default_factory=dict)  # field -> every candidate
    choice_features: dict[str, dict[str, float]] = Field(default_factory=dict)  # field -> confidence inputs


def _coerce(spec: FieldSpec, value: Any, day_first: bool | None) -> Any:
    """Text read from a table cell or party block, in the field's type."""
    if spec.kind == "date" and isinstance(value, str):
        parsed = parse_date(value, day_first)
        # A date kept in a `str` field (kind inferred from its name) is written as ISO 8601.
        return parsed.isoformat() if parsed is not None and spec.python_type is str else parsed
    if spec.python_type is float and isinstance(value, Decimal):
        return float(value)
    if spec.python_type is int and isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else None
    if spec.python_type is str and isinstance(value, (Decimal, date)):
        return str(value)
    return value


def _number_before(layout: PageLayout, hit: LabelHit) -> bool:
    """Whether a word with a digit stands before a label hit on its row."""
    row = layout.rows[hit.row]
    return any(any(ch.isdigit() for ch in layout.tokens[t].text) for t in row[:hit.start])


class OfflineExtractor:
    """Per-page extraction for any pydantic schema; heavy nothing, safe to build per worker."""

    def __init__(self, schema: type[BaseModel]) -> None:
        self.schema = schema
        self.specs = field_specs(schema)
        self.tables = [s for s in self.specs if s.kind == "table" and s.item_model is not None]
        self.scalars = [s for s in self.specs if s not in self.tables and s.item_model is None and not s.is_list]
        self.kinds = {s.name: s.kind for s in self.scalars}
        self.model = load_model()
        # Fields read out of running text (offline.prose): scalars and lists of scalars of a prose kind.
        self.prose_fields = [s for s in self.specs if s.item_model is None and s.kind in prose.PROSE_KINDS]
        self.prose_cues = {s.name: prose.field_cues(s) for s in self.prose_fields}
        # Fields about the page as a whole (offline.page_facts): its title, language, kind.
        self.page_roles = {s.name: r for s in self.scalars if (r := page_facts.role_of_field(s))}

    # -- one page ------------------------------------------------------------------------------

    def extract_page(self, words: list[Word], page_index: int) -> OfflinePageResult:
        ctx = PageContext(words, page_index, self.scalars)
        layout = ctx.layout
        day_first = ctx.order.day_first
        rows: dict[str, list[dict[str, tuple[Any, list[int]]]]] = {}
        # Labels of amount fields end tables ('Total', 'Summe netto'); table headers are not labels.
        amount_specs = [s for s in self.scalars if s.kind == "amount"]
        # (Not a label inside an item's description: 'Déclaration TVA  3  45,00' is an item; a label
        # opening its line piece or printed after a number ('Abschlag 137,30  7 % UST  -13,73') is not.)
        stop_rows = {h.row for hs in scalars.all_hits(layout, amount_specs, set()).values() for h in hs
                     if h.at_segment_start or _number_before(layout, h)}
        excluded: set[int] = set()
        for spec in self.tables:
            table = read_table(layout, list(spec.item_fields), stop_rows)
            if table is None:
                continue
            excluded.update(t for r in table.header_rows for t in layout.rows[r])
            item_specs = {s.name: s for s in spec.item_fields}
            rows[spec.name] = [
                {name: (_coerce(item_specs[name], cell.value, day_first), cell.tokens) for name, cell in item.cells.items()}
                for item in table.items
            ]
        if excluded:
            ctx.find_labels(excluded)
        candidates = self._candidates(ctx)
        lists = self._prose(ctx, candidates)
        self._page_facts(ctx, candidates)
        choices = self._choose(candidates)
        return self._assemble(ctx, choices, candidates, rows, lists)

    def _prose(self, ctx: PageContext, candidates: dict[str, list[Candidate]]) -> dict[str, list[Candidate]]:
        """On a page of running text, the candidates of prose-kind fields come from its sentences
        (offline.prose), only those above the kind's threshold; lists of scalars are filled here.
        Returns the chosen values of list fields."""
        lists: dict[str, list[Candidate]] = {}
        if not self.prose_fields or prose.running_text_share(ctx.layout) < PROSE_SHARE:
            return lists
        page = prose.ProsePage(ctx.layout, ctx.page_index)
        running = prose.running_rows(ctx.layout)
        for spec in self.prose_fields:
            found = page.candidates(spec, self.prose_cues[spec.name])
            chosen = prose.select(spec, found)
            typed = [c.model_copy(update={"value": v}) for c in chosen
                     if (v := prose.typed_value(spec, c.value)) is not None]
            if spec.is_list:
                if typed:
                    lists[spec.name] = typed
            else:
                # A label reading inside a sentence is not a form field, but the page's form parts
                # (an invoice's totals block under its payment terms) still are, where their
                # evidence meets the bar a value read from the prose must meet.
                bar = prose.THRESHOLD.get(spec.kind, 1.1)
                form = [c for c in candidates.get(spec.name, []) if c.score >= bar and c.tokens
                        and not any(ctx.layout.tokens[t].row in running for t in c.tokens)]
                candidates[spec.name] = form + typed
        return lists

    def _page_facts(self, ctx: PageContext, candidates: dict[str, list[Candidate]]) -> None:
        """Title, language and document kind of the page, for fields asking for them."""
        if not self.page_roles:
            return
        layout = ctx.layout
        title = page_facts.title_tokens(layout)
        for name, role in self.page_roles.items():
            kind = self.kinds[name]
            found: Candidate | None = None
            if role == "title" and title:
                found = Candidate(field=name, kind=kind, value=layout.text_of(title), text=layout.text_of(title),
                                  tokens=title, page_index=ctx.page_index, generator="title", score=0.7)
            elif role == "document_type":
                named = page_facts.document_kind(layout, title)
                if named is not None:
                    found = Candidate(field=name, kind=kind, value=named[0], text=layout.text_of(named[1]),
                                      tokens=named[1], page_index=ctx.page_index, generator="title_word", score=0.6)
            elif role == "language":
                detected = page_facts.detect_language(" ".join(t.text for t in layout.tokens))
                if detected is not None:
                    found = Candidate(field=name, kind=kind, value=detected[0], text="", page_index=ctx.page_index,
                                      generator="language", score=round(detected[1], 4))
                candidates[name] = []  # a language is judged from the text, never read from a label
            if found is not None:
                candidates[name] = [c for c in candidates.get(name, []) if c.score > found.score] + [found]

    def _candidates(self, ctx: PageContext) -> dict[str, list[Candidate]]:
        layout = ctx.layout
        out: dict[str, list[Candidate]] = {s.name: [] for s in self.scalars}
        excluded_rows: set[int] = set()
        tops = layout.row_tops
        for spec in self.scalars:
            if role_of(spec.name) == "buyer":
                # The recipient's block under its label: up to five lines, none far below it.
                excluded_rows.update(h.row + k for h in ctx.hits[spec.name] for k in range(0, 6)
                                     if h.row + k < len(tops)
                                     and tops[h.row + k] - tops[h.row] <= RECIPIENT_BLOCK_LINES * layout.line_height)
        recipient = scalars.window_party(layout)
        if recipient is not None:
            excluded_rows.update(layout.tokens[t].row for p in recipient for t in p.tokens)
        party_fields: set[str] = set()
        for name, cands in party_candidates(ctx, self.scalars, excluded_rows).items():
            out[name].extend(cands)
            party_fields.add(name)
        for spec in self.scalars:
            role = role_of(spec.name)
            if role in PARTY_ROLES and spec.kind == "name":
                continue
            if role in ("seller_address", "buyer_address") and role.split("_")[0] in {
                    role_of(s.name) for s in self.scalars}:
                continue
            out[spec.name].extend(scalar_candidates(ctx, spec))
        # Several tax rates and no total-tax line: no per-rate amount is the total tax (left null, so
        # that one rate's tax is neither reported as the whole nor used to check subtotal + tax = total).
        per_rate = per_rate_tax_rows(ctx)
        if per_rate:
            for spec in self.scalars:
                if role_of(spec.name) == "tax" and spec.kind == "amount":
                    out[spec.name] = [c for c in out[spec.name]
                                      if not any(layout.tokens[t].row in per_rate for t in c.tokens)]
        number = next((s for s in self.scalars if role_of(s.name) == "doc_number"), None)
        for spec in self.scalars:
            if role_of(spec.name) != "issue_date":
                continue
            best_number = max(out.get(number.name, []), key=lambda c: c.score, default=None) if number else None
            found = header_date_candidate(ctx, spec, best_number)
            if found is not None:
                out[spec.name].append(found)
        return out

    def _choose(self, candidates: dict[str, list[Candidate]]) -> dict[str, Choice]:
        choices = select(self.schema, candidates, self.kinds)
        # The buyer is never the seller: a name chosen for both stays with the role whose evidence
        # for it is stronger ('Account holder:' over the seller's own bank details loses to its
        # letterhead), and the other role is chosen again without it.
        seller = next((s.name for s in self.scalars if role_of(s.name) == "seller"), None)
        buyer = next((s.name for s in self.scalars if role_of(s.name) == "buyer"), None)
        if seller in choices and buyer in choices:
            key = company_key(str(choices[seller].candidate.value))
            if key and company_key(str(choices[buyer].candidate.value)) == key:
                loser = buyer if choices[seller].group.score >= choices[buyer].group.score else seller
                self._choose_again(choices, loser,
                                   [c for c in candidates.get(loser, []) if company_key(str(c.value)) != key])
        # An address read from the same block as its party's chosen name belongs with it.
        for spec in self.scalars:
            role = role_of(spec.name)
            if role not in ("seller_address", "buyer_address"):
                continue
            owner = next((s.name for s in self.scalars if role_of(s.name) == role.split("_")[0]), None)
            chosen = choices.get(owner) if owner else None
            group = chosen.candidate.feature("group") if chosen else 0.0
            if not group:
                continue
            boosted = [c.model_copy(update={"score": min(1.0, c.score + PAIR_BONUS)})
                       if c.feature("group") == group and c.generator == chosen.candidate.generator else c
                       for c in candidates.get(spec.name, [])]
            again = self._choose_again(choices, spec.name, boosted)
            if again is not None:
                again.paired = again.candidate.feature("group") == group
        return choices

    def _choose_again(self, choices: dict[str, Choice], name: str, cands: list[Candidate]) -> Choice | None:
        """Choose field `name` again from `cands` alone, in place in `choices` (dropped when none is left)."""
        again = select(self.schema, {name: cands}, self.kinds).get(name)
        if again is not None:
            choices[name] = again
        else:
            choices.pop(name, None)
        return again

    def _assemble(self, ctx: PageContext, choices: dict[str, Choice], candidates: dict[str, list[Candidate]],
                  rows: dict[str, list[dict[str, tuple[Any, list[int]]]]],
                  lists: dict[str, list[Candidate]] | None = None) -> OfflinePageResult:
        layout = ctx.layout
        lists = lists or {}
        spec_of = {s.name: s for s in self.scalars}
        values: dict[str, Any] = {name: _coerce(spec_of[name], ch.candidate.value, ctx.order.day_first)
                                  for name, ch in choices.items()}
        values.update({name: [{k: v for k, (v, _) in row.items()} for row in items] for name, items in rows.items()})
        values.update({name: [c.value for c in items] for name, items in lists.items()})
        notes: list[str] = []
        model = self._validate(values, notes)
        hints: dict[str, BBox] = {}
        for name, ch in choices.items():
            if ch.candidate.tokens:
                hints[name] = layout.value_box(ch.candidate.tokens)
        self._anchor_currency(ctx, choices, hints)
        for name, items in rows.items():
            for i, row in enumerate(items):
                for key, (_, tokens) in row.items():
                    if tokens:
                        hints[f"{name}[{i}].{key}"] = layout.value_box(tokens)
        for name, items in lists.items():
            for i, c in enumerate(items):
                if c.tokens:
                    hints[f"{name}[{i}]"] = layout.value_box(c.tokens)
        groundings = self._ground(ctx, model, hints)
        features = {name: choice_features(ch) for name, ch in choices.items()}
        if self.model is not None:
            conf = {name: self.model.confidence(ch) for name, ch in choices.items()}
            groundings = [g.model_copy(update={"confidence": conf[g.field]}) if g.field in conf else g
                          for g in groundings]
        return OfflinePageResult(
            page_index=ctx.page_index, extraction=model, groundings=groundings, notes=notes,
            table_rows={name: len(items) for name, items in rows.items()}, candidates=candidates,
            choice_features=features)

    def _anchor_currency(self, ctx: PageContext, choices: dict[str, Choice], hints: dict[str, BBox]) -> None:
        """A currency is shown where the grand total states it ('220,15 €'), not at its first mention."""
        total = next((choices[s.name] for s in self.scalars if role_of(s.name) == "total" and s.name in choices), None)
        for spec in self.scalars:
            chosen = choices.get(spec.name)
            if spec.kind != "currency" or chosen is None or total is None or not total.candidate.tokens:
                continue
            beside = scalars.currency_beside(ctx.layout, total.candidate.tokens, str(chosen.candidate.value))
            if beside is not None:
                hints[spec.name] = ctx.layout.value_box(beside.tokens)

    @staticmethod
    def _ground(ctx: PageContext, model: BaseModel, hints: dict[str, BBox]) -> list[FieldGrounding]:
        """Every value verified against the words, the box where it was read used only to pick
        among several printed occurrences of the same value."""
        queries: list[GroundingQuery] = build_queries(model, ctx.page_index)
        queries = [q.model_copy(update={"hint_bbox": hints.get(q.field)}) for q in queries]
        return verify_on_page(queries, ctx.words, ctx.page_index, ctx.order.day_first)

    def _validate(self, values: dict[str, Any], notes: list[str]) -> BaseModel:
        """Validate, dropping the values that do not fit rather than failing the page."""
        for _ in range(len(values) + 8):
            try:
                return self.schema.model_validate(values)
            except ValidationError as exc:
                for err in exc.errors():
                    loc = err.get("loc", ())
                    if not loc or loc[0] not in values:
                        continue
                    if len(loc) >= 3 and isinstance(loc[1], int) and isinstance(values[loc[0]], list):
                        row = values[loc[0]][loc[1]]
                        if isinstance(row, dict) and loc[2] in row:
                            notes.append(f"{loc[0]}[{loc[1]}].{loc[2]}: dropped {row[loc[2]]!r} ({err['msg']})")
                            row.pop(loc[2])
                            continue
                    notes.append(f"{loc[0]}: dropped {values[loc[0]]!r} ({err['msg']})")
                    values.pop(loc[0])
        return self.schema.model_construct()
