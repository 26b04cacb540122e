"""OfflineExtractor: the `ocr` engine's schema-driven extraction over a page's word layer.

No model: labels from the schema (plus a built-in multilingual lexicon keyed by field role)
are found on the page, the value beside or below each is read by the field's kind, and layout
heuristics fill in what labels miss (grand total = largest labelled total, issuer = company
with a legal form, date printed with the invoice number). Every value comes with the words it
was read from, so its grounding is exact by construction.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, ValidationError

from docpipe.grounding.dates import infer_day_first, parse_date
from docpipe.grounding.labels import LabelHit
from docpipe.grounding.layout import PageLayout
from docpipe.fields import FieldSpec, field_specs
from docpipe.offline import scalars
from docpipe.offline.lexicon import role_of
from docpipe.offline import page_facts
from docpipe.offline.prose import PROSE_KINDS, ProsePage, field_cues, running_text_share, select, typed_value
from docpipe.offline.scalars import Pick
from docpipe.offline.tables import read_table
from docpipe.records import FieldGrounding, Word

_PARTY_ROLES = {"seller": True, "buyer": False}
PROSE_SHARE = 0.5  # pages with at least this share of words in running text are also read as prose


class OfflinePageResult(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    page_index: int
    extraction: SerializeAsAny[BaseModel]  # an instance of the schema model
    groundings: list[FieldGrounding] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)  # values dropped because they did not validate
    table_rows: dict[str, int] = Field(default_factory=dict)  # table field -> rows read


def _format(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _coerce(spec: FieldSpec, value: Any, day_first: bool | None) -> Any:
    """Text read from a table cell or party block, in the field's type."""
    if spec.kind == "date" and isinstance(value, str):
        parsed = parse_date(value, day_first)
        # A date kept in a `str` field (kind inferred from its name) is written as ISO 8601.
        return parsed.isoformat() if parsed is not None and spec.python_type is str else parsed
    if isinstance(value, date) and spec.python_type is str:
        return value.isoformat()
    if spec.python_type is float and isinstance(value, Decimal):
        return float(value)
    if spec.python_type is int and isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else None
    return value


class OfflineExtractor:
    """Per-page extraction for any pydantic schema; heavy nothing, safe to build per worker."""

    def __init__(self, schema: type[BaseModel]) -> None:
        self.schema = schema
        self.specs = field_specs(schema)
        self.tables = [s for s in self.specs if s.kind == "table" and s.item_model is not None]
        self.scalars = [s for s in self.specs if s not in self.tables and s.item_model is None and not s.is_list]
        # Fields read out of running text (offline.prose): scalars and lists of scalars of a prose kind.
        self.prose_fields = [s for s in self.specs if s.item_model is None and s.kind in PROSE_KINDS]
        self.prose_cues = {s.name: field_cues(s) for s in self.prose_fields}
        # Fields about the page as a whole (offline.page_facts): its title, language, kind.
        self.page_roles = {s.name: r for s in self.scalars if (r := page_facts.role_of_field(s))}

    def extract_page(self, words: list[Word], page_index: int) -> OfflinePageResult:
        layout = PageLayout(words)
        day_first = infer_day_first(t.text for t in layout.tokens)
        picks: dict[str, Pick] = {}
        rows: dict[str, list[dict[str, Pick]]] = {}

        # Labels of amount fields end tables ('Total', 'Summe netto'); table headers are not labels.
        amount_specs = [s for s in self.scalars if s.kind == "amount"]
        stop_rows = {h.row for hs in scalars.all_hits(layout, amount_specs, set()).values() for h in hs}
        excluded: set[int] = set()
        for spec in self.tables:
            table = read_table(layout, list(spec.item_fields), stop_rows)
            if table is None:
                continue
            excluded.update(t for r in table.header_rows for t in layout.rows[r])
            item_specs = {s.name: s for s in spec.item_fields}
            rows[spec.name] = [
                {name: Pick(_coerce(item_specs[name], cell.value, day_first), cell.tokens, 0.8, "table")
                 for name, cell in item.cells.items()}
                for item in table.items
            ]

        hits = scalars.all_hits(layout, self.scalars, excluded)
        stop = {h.tokens[0] for hs in hits.values() for h in hs}
        excluded_rows: set[int] = set()
        for spec in self.scalars:
            if role_of(spec.name) == "buyer":
                excluded_rows.update(h.row + k for h in hits[spec.name] for k in range(0, 6))
        recipient = scalars.window_party(layout)
        if recipient is not None:
            excluded_rows.update(layout.tokens[t].row for p in recipient for t in p.tokens)
        party_results: dict[str, tuple[Pick | None, Pick | None]] = {}
        for spec in self.scalars:
            role = role_of(spec.name)
            if role in _PARTY_ROLES and spec.kind == "name":
                party_results[role] = scalars.party(
                    layout, spec, hits[spec.name], stop, _PARTY_ROLES[role], excluded_rows)
                if role == "buyer" and party_results[role][0] is None and recipient is not None:
                    party_results[role] = recipient
        for spec in self.scalars:
            pick = self._scalar(layout, spec, hits, stop, day_first, picks, party_results)
            if pick is not None:
                picks[spec.name] = pick
        self._anchor_currency(layout, picks)
        lists = self._prose(layout, page_index, picks)
        self._page_facts(layout, picks)
        return self._assemble(layout, page_index, picks, rows, lists)

    def _page_facts(self, layout: PageLayout, picks: dict[str, Pick]) -> None:
        """Title, language and document kind of the page, for fields asking for them (not
        overriding a labelled value)."""
        if not self.page_roles:
            return
        title = page_facts.title_tokens(layout)
        for name, role in self.page_roles.items():
            if name in picks and role != "language":
                continue
            if role == "title" and title:
                picks[name] = Pick(layout.text_of(title), title, 0.7, "title")
            elif role == "document_type":
                kind = page_facts.document_kind(layout, title)
                if kind is not None:
                    picks[name] = Pick(kind[0], kind[1], 0.6, "title_word")
            elif role == "language":
                found = page_facts.detect_language(" ".join(t.text for t in layout.tokens))
                if found is not None:
                    picks[name] = Pick(found[0], [], found[1], "derived")
                else:
                    picks.pop(name, None)

    def _prose(self, layout: PageLayout, page_index: int, picks: dict[str, Pick]) -> dict[str, list[Pick]]:
        """On a page of running text, fields read from its sentences (offline.prose): a prose value
        replaces a label reading of the same field; lists of scalars are filled only here."""
        lists: dict[str, list[Pick]] = {}
        if not self.prose_fields or running_text_share(layout) < PROSE_SHARE:
            return lists
        prose = ProsePage(layout, page_index)
        for spec in self.prose_fields:
            chosen = select(spec, prose.candidates(spec, self.prose_cues[spec.name]))
            found = [Pick(v, c.tokens, c.score, "prose") for c in chosen
                     if (v := typed_value(spec, c.value)) is not None]
            if spec.is_list:
                if found:
                    lists[spec.name] = found
            elif found:
                picks[spec.name] = found[0]
        return lists

    def _anchor_currency(self, layout: PageLayout, picks: dict[str, Pick]) -> None:
        """A currency read from the page as a whole is grounded where the grand total states it."""
        total = next((picks[s.name] for s in self.scalars if role_of(s.name) == "total" and s.name in picks), None)
        for spec in self.scalars:
            pick = picks.get(spec.name)
            if spec.kind != "currency" or pick is None or pick.how != "page_currency" or total is None:
                continue
            beside = scalars.currency_beside(layout, total.tokens, pick.value)
            if beside is not None:
                picks[spec.name] = beside

    def _scalar(
        self, layout: PageLayout, spec: FieldSpec, hits: dict[str, list[LabelHit]], stop: set[int],
        day_first: bool | None, picks: dict[str, Pick], party_results: dict[str, tuple[Pick | None, Pick | None]],
    ) -> Pick | None:
        role = role_of(spec.name)
        if role in _PARTY_ROLES and spec.kind == "name":
            return party_results.get(role, (None, None))[0]
        if role in ("seller_address", "buyer_address"):
            owner = role.split("_")[0]
            found = party_results.get(owner, (None, None))[1]
            if found is not None:
                return found
        pick = scalars.choose(spec, scalars.labelled_candidates(layout, spec, hits[spec.name], day_first, stop))
        if pick is None and role == "issue_date":
            number_spec = next((s for s in self.scalars if role_of(s.name) == "doc_number"), None)
            number_pick = picks.get(number_spec.name) if number_spec else None
            if number_pick is None and number_spec is not None:
                number_pick = scalars.choose(number_spec, scalars.labelled_candidates(
                    layout, number_spec, hits[number_spec.name], day_first, stop))
            pick = scalars.header_date(layout, number_pick, day_first)
        if pick is None and spec.kind == "currency":
            pick = scalars.page_currency(layout)
        return pick

    def _assemble(self, layout: PageLayout, page_index: int, picks: dict[str, Pick],
                  rows: dict[str, list[dict[str, Pick]]], lists: dict[str, list[Pick]] | None = None,
                  ) -> OfflinePageResult:
        lists = lists or {}
        values: dict[str, Any] = {name: _coerce(self._spec(name), p.value, None) for name, p in picks.items()}
        values.update({name: [{k: p.value for k, p in row.items()} for row in items] for name, items in rows.items()})
        values.update({name: [p.value for p in items] for name, items in lists.items()})
        notes: list[str] = []
        model = self._validate(values, notes)
        groundings: list[FieldGrounding] = []
        for name, pick in picks.items():
            if getattr(model, name, None) is not None and pick.tokens:  # derived values have no words
                groundings.append(self._grounding(layout, name, pick, page_index))
        for name, items in lists.items():
            kept = getattr(model, name, []) or []
            for i, pick in enumerate(items[: len(kept)]):
                groundings.append(self._grounding(layout, f"{name}[{i}]", pick, page_index))
        for name, items in rows.items():
            kept = getattr(model, name, []) or []
            for i, row in enumerate(items[: len(kept)]):
                for key, pick in row.items():
                    if getattr(kept[i], key, None) is not None:
                        groundings.append(self._grounding(layout, f"{name}[{i}].{key}", pick, page_index))
        return OfflinePageResult(page_index=page_index, extraction=model, groundings=groundings, notes=notes,
                                 table_rows={name: len(items) for name, items in rows.items()})

    def _spec(self, name: str) -> FieldSpec:
        return next(s for s in self.specs if s.name == name)

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

    @staticmethod
    def _grounding(layout: PageLayout, path: str, pick: Pick, page_index: int) -> FieldGrounding:
        tokens = scalars.without_currency(layout, pick.tokens) if isinstance(pick.value, Decimal) else pick.tokens
        box = layout.value_box(tokens)
        return FieldGrounding(
            field=path, value=_format(pick.value), page_index=page_index,
            bbox=(round(box[0], 5), round(box[1], 5), round(box[2], 5), round(box[3], 5)),
            text=layout.text_of(tokens), score=round(min(1.0, max(0.0, pick.score)), 4),
            grounded=True, source="words",
        )

    def extract_document(self, pages: list[list[Word]]) -> tuple[BaseModel, list[FieldGrounding]]:
        """All pages merged: the best-scored scalar wins (earlier page on ties), tables concatenate."""
        results = [self.extract_page(words, i) for i, words in enumerate(pages)]
        return merge_pages(self.schema, results)


def merge_pages(schema: type[BaseModel], results: list[OfflinePageResult]) -> tuple[BaseModel, list[FieldGrounding]]:
    specs = field_specs(schema)
    table_names = {s.name for s in specs if s.kind == "table" or s.is_list}
    merged: dict[str, Any] = {}
    best_score: dict[str, float] = {}
    groundings: list[FieldGrounding] = []
    for res in results:
        by_field = {g.field: g for g in res.groundings}
        for spec in specs:
            value = getattr(res.extraction, spec.name, None)
            if spec.name in table_names:
                if value:
                    offset = len(merged.get(spec.name, []))
                    merged.setdefault(spec.name, []).extend(value)
                    prefix = f"{spec.name}["
                    for g in res.groundings:
                        if g.field.startswith(prefix):
                            idx, rest = g.field[len(prefix):].split("]", 1)
                            groundings.append(g.model_copy(update={"field": f"{prefix}{int(idx) + offset}]{rest}"}))
                continue
            if value is None:
                continue
            g = by_field.get(spec.name)
            score = g.score if g else 0.0
            # The best-supported value wins; on a tie the earlier page.
            if spec.name not in merged or score > best_score[spec.name] + 1e-6:
                merged[spec.name] = value
                best_score[spec.name] = score
                groundings = [x for x in groundings if x.field != spec.name]
                if g is not None:
                    groundings.append(g)
    return schema.model_validate(merged), groundings
