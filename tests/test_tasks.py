"""Prompts, decoding schemas, JSON salvage, box conventions and value flattening."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from docpipe.schema_registry import load_schema
from docpipe.tasks.boxes import iou, parse_loc_tokens, to_page_box
from docpipe.tasks.chart_qa import ChartQaTask
from docpipe.tasks.decoding_schema import decoding_schema, field_guide
from docpipe.tasks.json_output import JsonOutputError, close_truncated_json, parse_json_text
from docpipe.tasks.values import flatten_values


@pytest.fixture(scope="module")
def invoice():
    return load_schema("invoice")


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_decoding_schema_is_self_contained_and_requires_every_key(invoice):
    schema = decoding_schema(invoice.model)
    text = json.dumps(schema)
    assert "$ref" not in text and "$defs" not in text
    assert schema["required"] == list(invoice.model.model_fields)
    assert schema["additionalProperties"] is False
    item = schema["properties"]["line_items"]["items"]
    assert item["required"] == ["description", "quantity", "unit_price", "amount"]
    # Decimal → number (never "number or string"), date → strict ISO pattern.
    assert schema["properties"]["total"]["anyOf"] == [{"type": "number"}, {"type": "null"}]
    assert schema["properties"]["issue_date"]["anyOf"][0]["pattern"] == r"^\d{4}-\d{2}-\d{2}$"
    # Free text stays free: no length or pattern added to names.
    assert schema["properties"]["seller_name"]["anyOf"][0] == {"type": "string"}
    # The schema's own structural constraint (ISO currency) is kept.
    assert schema["properties"]["currency"]["anyOf"][0]["pattern"] == "^[A-Z]{3}$"
    # docpipe's grounding hints are not JSON Schema keywords and must not reach the grammar.
    assert not any("labels" in node or "kind" in node for node in _walk(schema))


def test_decoding_schema_keeps_a_field_named_title():
    chart = load_schema("chart")
    props = decoding_schema(chart.model)["properties"]["charts"]["items"]["properties"]
    assert "title" in props and props["title"]["anyOf"][0] == {"type": "string"}


def test_field_guide_lists_nested_fields(invoice):
    guide = "\n".join(field_guide(invoice.model))
    assert "- total: number without currency symbol or null" in guide
    assert "- line_items[].unit_price:" in guide
    assert "- issue_date: date YYYY-MM-DD or null" in guide


def test_model_output_that_matches_the_decoding_schema_validates(invoice):
    text = json.dumps({
        "invoice_number": "INV-1", "issue_date": "2024-03-05", "due_date": None, "seller_name": "ACME",
        "seller_address": None, "buyer_name": None, "buyer_address": None, "currency": "EUR",
        "subtotal": 100, "tax_total": 19.0, "total": 119.00,
        "line_items": [{"description": "Widget", "quantity": 2, "unit_price": 50, "amount": 100}],
    })
    value = invoice.model.model_validate(parse_json_text(text))
    assert value.total == Decimal("119.0") and value.issue_date == date(2024, 3, 5)
    assert value.line_items[0].amount == Decimal("100")


@pytest.mark.parametrize("text,expected", [
    ('```json\n{"a": 1}\n```', {"a": 1}),
    ('Here you go: {"a": [1, 2]} thanks', {"a": [1, 2]}),
    ("[1, 2]", [1, 2]),
])
def test_parse_json_text_tolerates_fences_and_prose(text, expected):
    assert parse_json_text(text) == expected


def test_parse_json_text_rejects_non_json():
    with pytest.raises(JsonOutputError):
        parse_json_text("no json here")


@pytest.mark.parametrize("cut,expected", [
    ('{"a": 1, "b": "unfinish', {"a": 1}),
    ('{"a": [1, 2, {"c": 3}, {"d": "zz', {"a": [1, 2, {"c": 3}]}),
    ('{"a": {"x": 1}, "b": [', {"a": {"x": 1}, "b": []}),
    ('{"a": "x\\"}", "b": 2', {"a": 'x"}'}),  # escaped quote inside a string is not a close
])
def test_close_truncated_json_keeps_only_complete_values(cut, expected):
    closed = close_truncated_json(cut)
    assert closed is not None and json.loads(closed) == expected


def test_close_truncated_json_gives_up_when_nothing_is_complete():
    assert close_truncated_json('"just a string') is None


def test_box_conventions_all_map_to_the_same_page_box():
    page = (0.25, 0.10, 0.50, 0.20)
    w, h = 800, 1000
    assert to_page_box([0.25, 0.10, 0.50, 0.20], "rel_1", (w, h)) == pytest.approx(page)
    assert to_page_box([250, 100, 500, 200], "rel_1000", (w, h)) == pytest.approx(page)
    assert to_page_box([200, 100, 400, 200], "abs_pixels", (w, h)) == pytest.approx(page)
    # Qwen2.5-VL boxes are in pixels of the resized model input (here 560x700), not the page image.
    assert to_page_box([140, 70, 280, 140], "qwen_abs_pixels", (w, h), (560, 700)) == pytest.approx(page)
    yx = [0.10 * 1023, 0.25 * 1023, 0.20 * 1023, 0.50 * 1023]
    assert to_page_box(yx, "loc_tokens_1024_yx", (w, h)) == pytest.approx(page)
    tokens = "<loc0102><loc0256><loc0205><loc0512>"
    assert to_page_box(tokens, "loc_tokens_1024_yx", (w, h)) == pytest.approx(page, abs=2e-3)


def test_to_page_box_rejects_malformed_and_clamps():
    assert to_page_box(None, "rel_1", (10, 10)) is None
    assert to_page_box([1, 2, 3], "rel_1", (10, 10)) is None
    assert to_page_box([0.5, 0.5, 0.5, 0.9], "rel_1", (10, 10)) is None  # no area
    assert to_page_box([0.9, 0.8, 0.1, 1.4], "rel_1", (10, 10)) == pytest.approx((0.1, 0.8, 0.9, 1.0))
    assert parse_loc_tokens("<loc_1><loc_2>") is None
    assert iou((0, 0, 1, 1), (0, 0, 1, 1)) == 1.0 and iou((0, 0, 0.1, 0.1), (0.5, 0.5, 1, 1)) == 0.0


def test_flatten_values_paths_and_kinds(invoice):
    value = invoice.model.model_validate({
        "invoice_number": "A-1", "issue_date": "2024-01-31", "total": "10.50", "currency": "EUR",
        "line_items": [{"description": "x", "amount": "1.00"}, {"description": "y", "quantity": 3}],
    })
    flat = {v.path: (v.value, v.kind) for v in flatten_values(value)}
    assert flat["invoice_number"] == ("A-1", "identifier")
    assert flat["issue_date"] == ("2024-01-31", "date")
    assert flat["total"] == ("10.50", "amount")
    assert flat["line_items[1].quantity"] == ("3", "amount")
    assert "due_date" not in flat  # nulls are not grounded


def test_chart_task_constrains_answers_to_the_questions():
    chart = load_schema("chart")
    task = ChartQaTask(chart.model, ["What is the highest value?", "Which year?"], 256)
    answers = task._schema["properties"]["answers"]
    assert answers["minItems"] == answers["maxItems"] == 2
    assert answers["items"]["properties"]["question"]["enum"] == ["What is the highest value?", "Which year?"]
    good = json.dumps({"charts": [], "answers": [{"question": "What is the highest value?", "answer": "42"},
                                                 {"question": "Which year?", "answer": None}]})
    from docpipe.tasks.base import OutputProblem, PageWork

    work = PageWork(page=None, image=b"")  # type: ignore[arg-type]
    output = task.parse(work, good)
    task.store(work, output)
    assert [a.answer for a in work.answers] == ["42", None]
    assert work.answers[0].table_agrees is None and work.answers[0].confidence == 0.5  # no table to check
    swapped = json.dumps({"charts": [], "answers": [{"question": "Which year?", "answer": "x"},
                                                    {"question": "What is the highest value?", "answer": "y"}]})
    with pytest.raises(OutputProblem):
        task.parse(work, swapped)


