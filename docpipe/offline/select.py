"""Choosing one value per field from its candidates, jointly where the schema's rules relate fields.

Candidates of one field that read the same value pool their evidence (a value several
generators agree on gains a little). Fields of the kinds rules talk about (amounts, dates) are
then chosen together: every combination of each field's best few values is checked against the
schema's consistency rules (`docpipe.fields.rules_of`: the `consistency_rule` model validators
the schema declares, each telling holds / broken / does not apply), and a combination whose
rules hold beats independent picks whose sum is a little higher (subtotal + tax = total, sum of lines = subtotal, due date ≥ issue date). The
result records, per field, how clear the choice was — the inputs of the confidence model.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from docpipe.fields import rule_is_evidence, rules_of
from docpipe.offline.candidates import Candidate

MIN_SCORE = 0.3  # a field whose best value scores lower stays empty
AGREEMENT_BONUS = 0.06  # per further generator reading the same value
# Evidence that relates a value to other printed amounts (cash - change = total, a total plus
# its rounding line): added to the value's pooled score, which may then exceed 1.
CONSISTENCY_BONUS = {"paid": 0.25, "rounded": 0.15}
RULE_BONUS = 0.3  # per rule a combination satisfies (and the same off per rule it breaks)
JOINT_KINDS = ("amount", "date")
JOINT_FLOOR = 0.05  # weaker values take part in the joint choice only where a rule lifts them
_TOP = 3  # values per field tried in the joint choice
_MAX_COMBINATIONS = 4096


@dataclass(slots=True)
class ValueGroup:
    """All candidates of one field that read the same value."""

    key: Any
    best: Candidate
    members: list[Candidate]
    score: float

    @property
    def generators(self) -> set[str]:
        return {c.generator for c in self.members}


@dataclass(slots=True)
class Choice:
    """The value chosen for a field and how clear the choice was."""

    field: str
    group: ValueGroup
    runner_up: float  # score of the best other value (0 when there is none)
    values: int  # distinct values proposed
    rules_held: int = 0  # rules involving this field that hold with the chosen values
    rules_broken: int = 0
    paired: bool = False  # an address chosen from the same block as its party's name

    @property
    def candidate(self) -> Candidate:
        return self.group.best

    @property
    def margin(self) -> float:
        return self.group.score - self.runner_up


def group_values(cands: list[Candidate]) -> list[ValueGroup]:
    """Candidates pooled by value, best first."""
    by_key: dict[Any, list[Candidate]] = {}
    for c in cands:
        by_key.setdefault(c.value_key(), []).append(c)
    groups = []
    for key, members in by_key.items():
        members.sort(key=lambda c: -c.score)
        extra = len({c.generator for c in members}) - 1
        score = min(1.0, members[0].score + AGREEMENT_BONUS * extra)
        score += sum(bonus for name, bonus in CONSISTENCY_BONUS.items() if any(c.feature(name) for c in members))
        groups.append(ValueGroup(key, members[0], members, score))
    groups.sort(key=lambda g: -g.score)
    return groups


def _rule_status(schema: type[BaseModel], values: dict[str, Any]) -> dict[str, bool | None]:
    instance = schema.model_construct(**values)
    status: dict[str, bool | None] = {}
    for name, check in rules_of(schema):
        try:
            status[name] = check(instance)
        except Exception:  # noqa: BLE001 - a rule that cannot be evaluated does not apply
            status[name] = None
    return status


def select(schema: type[BaseModel], candidates: dict[str, list[Candidate]],
           kinds: dict[str, str]) -> dict[str, Choice]:
    """One Choice per field that has a value scoring at least MIN_SCORE."""
    pooled = {name: group_values(cands) for name, cands in candidates.items()}
    groups = {name: [g for g in gs if g.score >= MIN_SCORE] for name, gs in pooled.items()}
    groups = {name: gs for name, gs in groups.items() if gs}
    picked = {name: gs[0] for name, gs in groups.items()}
    if rules_of(schema):
        weak = {name: [g for g in gs if g.score >= JOINT_FLOOR] for name, gs in pooled.items()}
        picked = _joint(schema, {n: gs for n, gs in weak.items() if gs}, picked, kinds)
        groups = {name: pooled[name] for name in picked}
    base = {name: g.best.value for name, g in picked.items()}
    status = _rule_status(schema, base) if rules_of(schema) else {}
    choices: dict[str, Choice] = {}
    for name, group in picked.items():
        others = [g.score for g in groups[name] if g is not group]
        choice = Choice(field=name, group=group, runner_up=max(others, default=0.0), values=len(groups[name]))
        if status:
            without = _rule_status(schema, {k: v for k, v in base.items() if k != name})
            for rule, result in status.items():
                if result is not None and without.get(rule) is None:
                    choice.rules_held += result is True and rule_is_evidence(rule)
                    choice.rules_broken += result is False
        choices[name] = choice
    return choices


def _joint(schema: type[BaseModel], groups: dict[str, list[ValueGroup]], picked: dict[str, ValueGroup],
           kinds: dict[str, str]) -> dict[str, ValueGroup]:
    """Best combination of the joint fields' values: each field takes one of its best few values
    or none (worth MIN_SCORE: a value scoring less is worse than nothing unless a rule it
    completes lifts it), plus RULE_BONUS per rule that holds and minus it per rule broken."""
    joint = [name for name in groups if kinds.get(name) in JOINT_KINDS]
    if not joint:
        return picked
    top: dict[str, list[ValueGroup | None]] = {name: [*groups[name][:_TOP], None] for name in joint}
    while _combinations(top) > _MAX_COMBINATIONS:
        widest = max(top, key=lambda n: len(top[n]))
        top[widest] = [*top[widest][:-2], None]
    fixed = {name: g.best.value for name, g in picked.items() if name not in joint}
    best: tuple[float, dict[str, ValueGroup | None]] | None = None
    names = list(top)
    for combo in itertools.product(*(top[n] for n in names)):
        values = dict(fixed)
        values.update({n: g.best.value for n, g in zip(names, combo) if g is not None})
        status = _rule_status(schema, values)
        held = sum(r is True and rule_is_evidence(rule) for rule, r in status.items())
        broken = sum(r is False for r in status.values())
        score = sum(g.score if g is not None else MIN_SCORE for g in combo) + RULE_BONUS * (held - broken)
        if best is None or score > best[0] + 1e-9:
            best = (score, dict(zip(names, combo)))
    out = {name: g for name, g in picked.items() if name not in joint}
    if best is not None:
        out.update({name: g for name, g in best[1].items() if g is not None})
    return out


def _combinations(top: dict[str, list]) -> int:
    n = 1
    for gs in top.values():
        n *= max(1, len(gs))
    return n

