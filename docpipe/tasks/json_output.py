"""Reading JSON out of model text, including text cut off by the token budget."""

from __future__ import annotations

import json
import re
from typing import Any

_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


class JsonOutputError(ValueError):
    pass


def parse_json_text(text: str) -> Any:
    """The JSON value in `text`; tolerates code fences and prose around one object."""
    candidate = text.strip()
    fenced = _FENCE.match(candidate)
    if fenced:
        candidate = fenced.group(1)
    try:
        return json.loads(candidate)
    except json.JSONDecodeError as first_error:
        start = min((i for i in (candidate.find("{"), candidate.find("[")) if i >= 0), default=-1)
        if start >= 0:
            try:
                value, _ = json.JSONDecoder().raw_decode(candidate[start:])
                return value
            except json.JSONDecodeError:
                pass
        raise JsonOutputError(f"not valid JSON ({first_error.msg} at char {first_error.pos})") from first_error


def close_truncated_json(text: str) -> str | None:
    """Best-effort completion of JSON cut off mid-way: drop the unfinished tail, close brackets.

    Constrained decoding guarantees the prefix is valid, so cutting back to the last complete
    value and closing the open containers yields a document that parses; values that were being
    written when the budget ran out are lost, which the caller records as a partial result.
    """
    stack: list[str] = []
    in_string = False
    escaped = False
    last_safe = -1  # index after which the prefix can be closed
    safe_stack: list[str] = []
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch in "{[":
            # An unfinished array element is dropped rather than closed as an empty item;
            # an unfinished object value is kept as an empty container so its key survives.
            element_of_array = bool(stack) and stack[-1] == "]"
            if not element_of_array:
                stack.append("}" if ch == "{" else "]")
                last_safe, safe_stack = i, list(stack)
            else:
                stack.append("}" if ch == "{" else "]")
        elif ch in "}]":
            if not stack:
                return None
            stack.pop()
            last_safe, safe_stack = i, list(stack)
            if not stack:
                return text[: i + 1]
        elif ch == ",":
            last_safe, safe_stack = i - 1, list(stack)
    if last_safe < 0:
        return None
    prefix = text[: last_safe + 1].rstrip()
    if prefix.endswith(","):
        prefix = prefix[:-1]
    if prefix.endswith(":"):
        return None
    return prefix + "".join(reversed(safe_stack))
