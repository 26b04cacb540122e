"""The one field model: what a schema says about its fields, used by extraction, grounding and eval.

Works for any pydantic model. Per field, optional hints in `json_schema_extra`:

    total: Decimal | None = Field(None, description="Total including tax.",
                                  json_schema_extra={"kind": "amount", "labels": ["total", "summe"],
                                                     "required": True})

- `kind`: how the value is printed and compared (see KINDS). Without a hint the kind is inferred
  here, from the type, the name and the description (`infer_kind`), and nowhere else: grounding
  (`grounding/verify.py`, `tasks/values.py`), the offline extractor and `docpipe eval` all read
  `FieldSpec.kind`. A list of scalars (`party: list[str]`) has the kind of one item.
- `labels`: how documents label the field, any language; the field name is always one.
- `required`: a usable result must have this field; a document without it is `partial` with
  error category `missing_field` naming it (see `missing_required`).

Cross-field consistency rules are pydantic model validators declared with `consistency_rule`;
`check_rules` evaluates them with the path of each broken rule.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

_ID_NAME = re.compile(r"(^|_)(number|no|nr|num|id|code|ref|reference|iban|vat|tax_id)($|_)")


KINDS = ("amount", "date", "identifier", "name", "address", "currency", "duration", "place", "language", "text",
         "table")
"""Field kinds: how a value is printed, found and compared (grounding, extraction and eval alike).

amount: a number (Decimal/float/int); date: a calendar day; identifier: a code compared exactly
(no fuzzy match: 'PO-1002' is not 'PO-1003'); name: a person or an organisation; address: a
postal address; currency: an ISO 4217 code; duration: a length of time ('3 years', 'thirty (30)
days'), compared in months or days; place: a country, state, city or other jurisdiction;
language: an ISO 639-1 code judged from the text as a whole (derived, not printed, so never
grounded on a word); text: anything else; table: a list of row models."""

CONFIDENCE_GROUPS = ("amount", "date", "identifier", "currency", "text")
"""Kind groups of the confidence model: kinds whose evidence weighs alike share one logistic model
and one straight-through threshold (`docpipe.offline.confidence`, `docpipe eval`)."""

_KIND_GROUP = {"amount": "amount", "date": "date", "identifier": "identifier", "currency": "currency"}


def kind_group(kind: str) -> str:
    """The confidence group of a field kind: amount, date, identifier and currency are their own
    group; every other kind (name, address, text, place, duration, ...) is 'text'. The one place
    that maps kind to group."""
    return _KIND_GROUP.get(kind, "text")


DERIVED_KINDS = frozenset({"language"})
"""Kinds whose values describe the page rather than being printed on it: not grounded on words."""

# Words of a field name (or of its description) that say which kind it has. General language:
# what a field called so holds in any schema, not what one document prints.
_DATE_WORDS = {"date", "dated", "day", "birthday", "dob", "deadline"}
_DURATION_WORDS = {"term", "duration", "period", "tenure", "validity", "lifetime", "timespan"}
_LANGUAGE_WORDS = {"language", "lang", "locale"}
_PLACE_WORDS = {"jurisdiction", "country", "city", "town", "place", "location", "venue", "region", "province",
                "county", "municipality", "nationality", "domicile"}
_NAME_WORDS = {
    "name", "party", "parties", "counterparty", "counterparties", "signatory", "signatories", "seller", "vendor",
    "supplier", "buyer", "customer", "client", "merchant", "issuer", "company", "organisation", "organization",
    "employer", "employee", "contractor", "licensor", "licensee", "lessor", "lessee", "landlord", "tenant",
    "borrower", "lender", "guarantor", "beneficiary", "insurer", "insured", "person", "author", "owner",
    "discloser", "recipient", "consultant", "purchaser", "payee", "payer", "applicant", "shipper", "consignee",
}
_DESCRIPTION_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("date", re.compile(r"\b(date|day|when)\b")),
    ("duration", re.compile(r"\b(how long|duration|length of time|period of time|number of (years|months|days))\b")),
    ("place", re.compile(r"\b(governing law|jurisdiction|country|state or country|city|place|location)\b")),
    ("identifier", re.compile(r"\b(identifier|reference|code)\b")),
    ("amount", re.compile(r"\b(amount|price|cost|fee|sum)\b")),
    ("address", re.compile(r"\baddress\b")),
    ("name", re.compile(r"\b(company|companies|organi[sz]ations?|person|persons|people|part(y|ies)|who)\b")),
)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str
    labels: tuple[str, ...]
    description: str = ""
    python_type: Any = str
    is_list: bool = False
    item_model: type[BaseModel] | None = None
    item_fields: tuple[FieldSpec, ...] = field(default_factory=tuple)
    required: bool = False  # a usable result must have a value here (json_schema_extra "required")


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(inner type, is_list) for Optional[X], X | None, list[X]."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _unwrap(args[0])
        return str, False
    if origin in (list, tuple, set):
        args = typing.get_args(annotation)
        inner, _ = _unwrap(args[0]) if args else (str, False)
        return inner, True
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    return annotation, False


def name_to_label(name: str) -> str:
    words = re.sub(r"([a-z])([A-Z])", r"\1 \2", name).replace("_", " ").replace("-", " ")
    return re.sub(r"\s+", " ", words).strip().lower()


_NUMBER_WORDS = ("number", "no", "nr", "num")
_NUMBER_ABBREVIATIONS = ("no", "nr", "#")


def number_label_variants(label: str) -> list[str]:
    """How documents shorten an identifier's label derived from a field name: the number word
    abbreviated, and the last two words alone ('delivery note number' -> 'delivery note no',
    'delivery note nr', 'delivery note #', 'note number', 'note no', 'note nr', 'note #').
    Empty for a label that does not end in a number word."""
    words = label.split()
    if len(words) < 2 or words[-1] not in _NUMBER_WORDS:
        return []
    heads = [words[:-1]] + ([words[-2:-1]] if len(words) > 2 else [])
    out = []
    for head in heads:
        for number in ("number", *_NUMBER_ABBREVIATIONS):
            out.append(" ".join([*head, number]))
    return [v for v in dict.fromkeys(out) if v != label]


_COUNT_HEADS = (("total",), ("number", "of"), ("no", "of"), ("count", "of"), ("num",), ("number",))


def count_label_variants(label: str) -> list[str]:
    """How documents label a count whose field name says it counts: the counted thing alone
    ('total packages' -> 'packages', 'number of pallets' -> 'pallets'). Empty when the label
    does not open with a counting word."""
    words = label.split()
    for head in _COUNT_HEADS:
        if len(words) > len(head) and tuple(words[:len(head)]) == head:
            return [" ".join(words[len(head):])]
    return []


def _name_words(name: str) -> list[str]:
    return name_to_label(name).split()


def infer_kind(name: str, py: Any, is_list: bool = False, description: str = "") -> str:
    """The kind of a field without a `kind` hint, from its type, then its name, then its description.

    `py` is the inner type (Optional/list unwrapped, see `field_specs`); a list of scalars has the
    kind of one item. Examples: `po_number: str` -> identifier, `effective_date: str` -> date,
    `term: str` -> duration, `jurisdiction: str` -> place, `party: list[str]` -> name,
    `counterparty_info: str` described as "the company that signs" -> name.
    """
    lowered = name.lower()
    words = _name_words(name)
    if is_list and isinstance(py, type) and issubclass(py, BaseModel):
        return "table"
    if py in (Decimal, float, int):
        return "amount"
    if py in (date, datetime):
        return "date"
    if py is timedelta:
        return "duration"
    if "currency" in lowered:
        return "currency"
    if "address" in lowered or lowered.endswith("street"):
        return "address"
    if _LANGUAGE_WORDS.intersection(words):
        return "language"
    if _ID_NAME.search(lowered):
        return "identifier"
    if _DATE_WORDS.intersection(words):
        return "date"
    if _DURATION_WORDS.intersection(words):
        return "duration"
    if _PLACE_WORDS.intersection(words) or {"governing", "law"} <= set(words):
        return "place"
    if "name" in lowered or _NAME_WORDS.intersection(words):
        return "name"
    text = description.lower()
    for kind, cue in _DESCRIPTION_CUES:
        if cue.search(text):
            return kind
    return "text"


def _extra(info: FieldInfo) -> dict[str, Any]:
    extra = info.json_schema_extra
    return dict(extra) if isinstance(extra, dict) else {}


def field_specs(model: type[BaseModel]) -> list[FieldSpec]:
    """One spec per field of `model`, tables with their row fields."""
    specs: list[FieldSpec] = []
    for name, info in model.model_fields.items():
        py, is_list = _unwrap(info.annotation)
        extra = _extra(info)
        kind = str(extra.get("kind") or infer_kind(name, py, is_list, info.description or ""))
        labels: list[str] = [str(x) for x in extra.get("labels", []) if str(x).strip()]
        derived = name_to_label(name)
        if info.title:
            labels.append(info.title)
        if derived not in (lab.lower() for lab in labels):
            labels.append(derived)
        if kind == "identifier":
            labels.extend(number_label_variants(derived))
        if py is int:
            labels.extend(count_label_variants(derived))
        item_model: type[BaseModel] | None = None
        items: tuple[FieldSpec, ...] = ()
        if isinstance(py, type) and issubclass(py, BaseModel):
            item_model = py
            items = tuple(field_specs(py))
            if kind != "table" and is_list:
                kind = "table"
        if isinstance(py, type) and issubclass(py, Enum) and kind not in ("table",):
            kind = "text"
        specs.append(FieldSpec(
            name=name, kind=kind, labels=tuple(dict.fromkeys(labels)), description=info.description or "",
            python_type=py, is_list=is_list, item_model=item_model, item_fields=items,
            required=extra.get("required") is True,
        ))
    return specs


def kind_of(model: type[BaseModel], path: str) -> str:
    """The kind of the field at `path` ('total', 'line_items[2].amount'); 'text' when unknown."""
    spec = spec_by_path(field_specs(model), path)
    return spec.kind if spec is not None else "text"


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, tuple, dict)) and not (
        value.strip() if isinstance(value, str) else value))


def missing_required(model: type[BaseModel], values: BaseModel | None) -> list[str]:
    """Names of the required top-level fields that `values` lacks (all of them when values is None).

    A list field counts as missing when it is empty; a text field when it is blank.
    """
    required = [s.name for s in field_specs(model) if s.required]
    if values is None:
        return required
    return [name for name in required if _is_empty(getattr(values, name, None))]


def filled_fields(values: BaseModel | None) -> list[str]:
    """Top-level fields of `values` that hold something (non-null, non-blank, non-empty)."""
    if values is None:
        return []
    return [name for name in type(values).model_fields if not _is_empty(getattr(values, name, None))]


# --- consistency rules --------------------------------------------------------------------------

_RULE_ATTR = "__docpipe_rule__"
RULE_CONTEXT = "docpipe_rule_violations"


@dataclass(frozen=True)
class RuleViolation:
    """A broken consistency rule: where (a path such as '' or 'line_items[2]') and which rule."""

    path: str
    rule: str

    def __str__(self) -> str:
        return f"{self.path}: {self.rule}" if self.path else self.rule


_CHECK_ONLY_RULES: set[str] = set()


def rule_is_evidence(name: str) -> bool:
    """Whether a rule that holds is evidence for the values it relates (an arithmetic identity
    rarely holds by chance) or only a check (`consistency_rule(..., evidence=False)`: an order
    between dates holds for most pairs), which counts when broken only."""
    return name not in _CHECK_ONLY_RULES


def consistency_rule(name: str, evidence: bool = True):
    """Declare a cross-field rule on a schema model (a pydantic `model_validator(mode="after")`).

    `evidence=False` marks a rule that most wrong values also satisfy ('due_date ≥ issue_date'):
    breaking it still makes a result `inconsistent`, but holding it does not make a value likelier
    when candidates are chosen or its confidence computed (`rule_is_evidence`).

    The decorated method takes the validated instance and returns True (holds), False (broken)
    or None (does not apply, e.g. a value it needs is missing). It never raises during normal
    validation, so stored data always loads; docpipe evaluates rules with `check_rules` (and,
    when validating with `context={RULE_CONTEXT: [...]}`, violations are appended there).

        class Invoice(BaseModel):
            ...
            @consistency_rule("subtotal + tax_total = total")
            def _totals_add_up(self) -> bool | None:
                if None in (self.subtotal, self.tax_total, self.total):
                    return None
                return amounts_agree(self.subtotal + self.tax_total, self.total)
    """
    from pydantic import ValidationInfo, model_validator

    if not evidence:
        _CHECK_ONLY_RULES.add(name)

    def decorate(fn):
        def validator(self, info: ValidationInfo):
            sink = info.context.get(RULE_CONTEXT) if isinstance(info.context, dict) else None
            if sink is not None and fn(self) is False:
                sink.append(name)
            return self

        setattr(validator, _RULE_ATTR, (name, fn))
        validator.__name__ = fn.__name__
        validator.__doc__ = fn.__doc__
        return model_validator(mode="after")(validator)

    return decorate


def rules_of(model: type[BaseModel]) -> list[tuple[str, Any]]:
    """(rule name, check function) of the rules declared on `model` itself (not nested models)."""
    found = []
    for decorator in model.__pydantic_decorators__.model_validators.values():
        marker = getattr(decorator.func, _RULE_ATTR, None)
        if marker is not None:
            found.append(marker)
    return found


def check_rules(values: BaseModel, path: str = "") -> list[RuleViolation]:
    """Every broken rule in `values` and its nested models (list rows get their index in the path).

    A rule whose check raises (e.g. arithmetic on an odd value) counts as not applicable.
    """
    broken: list[RuleViolation] = []
    for rule, check in rules_of(type(values)):
        try:
            result = check(values)
        except Exception:  # noqa: BLE001 - a rule that cannot be evaluated does not apply
            result = None
        if result is False:
            broken.append(RuleViolation(path=path, rule=rule))
    for name in type(values).model_fields:
        value = getattr(values, name, None)
        prefix = f"{path}.{name}" if path else name
        if isinstance(value, BaseModel):
            broken.extend(check_rules(value, prefix))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    broken.extend(check_rules(item, f"{prefix}[{i}]"))
    return broken


def amounts_agree(a: Any, b: Any, tolerance: Any = "0.02") -> bool:
    """|a - b| within `tolerance` (absolute, in the document's currency units; rounding on
    printed amounts is at most a cent per operation)."""
    return abs(Decimal(str(a)) - Decimal(str(b))) <= Decimal(str(tolerance))


def spec_by_path(specs: list[FieldSpec], path: str) -> FieldSpec | None:
    """'line_items[2].amount' -> the spec of LineItem.amount."""
    parts = [re.sub(r"\[\d+\]$", "", p) for p in path.split(".")]
    current = specs
    found: FieldSpec | None = None
    for part in parts:
        found = next((s for s in current if s.name == part), None)
        if found is None:
            return None
        current = list(found.item_fields)
    return found
