from __future__ import annotations

from datetime import date
from decimal import Decimal

from docpipe.grounding.verify import GroundingQuery, box_overlap, build_queries, verify_on_page
from docpipe.devtools.synthetic_words import phrase_box, synthetic_page
from schemas.invoice import Invoice, LineItem

PAGE = [
    (0.08, 0.05, "ACME Widgets Ltd"),
    (0.60, 0.10, "Invoice No:"), (0.75, 0.10, "INV-2024-0042"),
    (0.60, 0.12, "Invoice Date:"), (0.75, 0.12, "05.06.2015"),
    (0.08, 0.18, "Bill To:"),
    (0.08, 0.20, "Globex Corporation"),
    (0.08, 0.215, "99 Main Street"),
    (0.08, 0.23, "Springfield, IL 62704"),
    (0.60, 0.20, "VAT ID: DE 232 446 240"),
    (0.08, 0.30, "Description"), (0.55, 0.30, "Qty"), (0.82, 0.30, "Amount"),
    (0.08, 0.33, "Consulting"), (0.55, 0.33, "1"), (0.82, 0.33, "119.00"),
    (0.08, 0.35, "Travel"), (0.55, 0.35, "1"), (0.82, 0.35, "12.50"),
    (0.60, 0.42, "Subtotal"), (0.82, 0.42, "131.50"),
    (0.60, 0.44, "Total"), (0.82, 0.44, "119.00"),
    (0.08, 0.60, "Paid 12/06/2015 by transfer, 2 items"),
]
WORDS = synthetic_page(PAGE)


def iou(a, b) -> float:
    return box_overlap(a, b)[0]


def ground(*queries: GroundingQuery):
    return verify_on_page(list(queries), WORDS, page_index=3)


def test_exact_amount_among_distractors_prefers_the_labelled_occurrence() -> None:
    [g] = ground(GroundingQuery(field="total", value="119.00", kind="amount", labels=["total", "grand total"]))
    assert g.grounded and g.source == "words" and g.page_index == 3
    assert g.text == "119.00"
    assert iou(g.bbox, phrase_box(0.82, 0.44, "119.00")) > 0.9  # the total, not the line amount
    assert g.score == 1.0


def test_amount_in_another_format_still_matches() -> None:
    [g] = ground(GroundingQuery(field="subtotal", value="131.5", kind="amount"))
    assert g.grounded and g.text == "131.50"


def test_date_matches_across_formats() -> None:
    [g] = ground(GroundingQuery(field="issue_date", value="2015-06-05", kind="date", labels=["invoice date"]))
    assert g.grounded and g.text == "05.06.2015"
    # The page's own 12/06/2015 says day-first, so 06/05 would be read as 6 May.
    [wrong] = ground(GroundingQuery(field="issue_date", value="2015-05-06", kind="date"))
    assert not wrong.grounded


def test_identifier_split_over_words_and_confusable_glyphs() -> None:
    vat, inv = ground(
        GroundingQuery(field="vat", value="DE232446240", kind="identifier"),
        GroundingQuery(field="invoice_number", value="INV-2O24-OO42", kind="identifier"),
    )
    assert vat.grounded and vat.text == "DE 232 446 240"
    assert inv.grounded and inv.text == "INV-2024-0042" and 0.85 <= inv.score < 1.0
    [near] = ground(GroundingQuery(field="invoice_number", value="INV-2024-0043", kind="identifier"))
    assert not near.grounded and near.bbox is None  # one digit off is another invoice


def test_multi_line_address() -> None:
    [g] = ground(GroundingQuery(field="buyer_address", value="99 Main Street, Springfield IL 62704", kind="address"))
    assert g.grounded and g.text == "99 Main Street Springfield, IL 62704"
    top, bottom = phrase_box(0.08, 0.215, "99 Main Street"), phrase_box(0.08, 0.23, "Springfield, IL 62704")
    assert g.bbox[1] <= top[1] + 1e-6 and g.bbox[3] >= bottom[3] - 1e-6


def test_fuzzy_name_tolerates_a_typo_but_not_another_name() -> None:
    good, bad = ground(
        GroundingQuery(field="buyer_name", value="Globex Corporaton", kind="name"),
        GroundingQuery(field="seller_name", value="Initech Systems", kind="name"),
    )
    assert good.grounded and good.text == "Globex Corporation" and 0.85 <= good.score < 1.0
    assert not bad.grounded and bad.bbox is None


def test_vlm_box_overlapping_the_words_snaps_to_them() -> None:
    words_box = phrase_box(0.82, 0.33, "119.00")
    loose = (words_box[0] - 0.01, words_box[1] - 0.005, words_box[2] + 0.02, words_box[3] + 0.004)
    [g] = ground(GroundingQuery(field="line_items[0].amount", value="119", kind="amount", vlm_bbox=loose,
                                labels=["total"]))
    # The model's box beats label proximity, and the box returned is the words', not the model's.
    assert g.source == "both" and g.grounded
    assert iou(g.bbox, words_box) > 0.9 and g.bbox != loose


def test_vlm_box_elsewhere_is_replaced_by_the_words() -> None:
    [g] = ground(GroundingQuery(field="subtotal", value="131.50", kind="amount", vlm_bbox=(0.1, 0.8, 0.2, 0.85)))
    assert g.grounded and g.source == "words"
    assert iou(g.bbox, phrase_box(0.82, 0.42, "131.50")) > 0.9


def test_absent_value_is_ungrounded_without_a_box() -> None:
    [g] = ground(GroundingQuery(field="total", value="999.99", kind="amount", vlm_bbox=(0.8, 0.44, 0.9, 0.46)))
    assert not g.grounded and g.bbox is None and g.source is None and g.text is None


def test_unparseable_value_falls_back_to_text_matching() -> None:
    [g] = ground(GroundingQuery(field="total", value="Consulting", kind="amount"))
    assert g.grounded and g.text == "Consulting"


def test_empty_inputs() -> None:
    assert verify_on_page([], WORDS, 0) == []
    [g] = verify_on_page([GroundingQuery(field="total", value="1.00", kind="amount")], [], 0)
    assert not g.grounded


def test_table_cells_ground_on_their_own_row() -> None:
    invoice = Invoice(line_items=[LineItem(description="Consulting", quantity=Decimal(1)),
                                  LineItem(description="Travel", quantity=Decimal(1), amount=Decimal("12.50"))])
    queries = build_queries(invoice, page_index=0)
    assert [q.field for q in queries] == [
        "line_items[0].description", "line_items[0].quantity",
        "line_items[1].description", "line_items[1].quantity", "line_items[1].amount",
    ]
    assert queries[1].kind == "amount" and "qty" in queries[1].labels
    found = {g.field: g for g in verify_on_page(queries, WORDS, 0)}
    row0, row1 = phrase_box(0.55, 0.33, "1"), phrase_box(0.55, 0.35, "1")
    assert iou(found["line_items[0].quantity"].bbox, row0) > 0.9
    assert iou(found["line_items[1].quantity"].bbox, row1) > 0.9


def test_build_queries_formats_values_and_takes_model_boxes() -> None:
    invoice = Invoice(invoice_number="INV-2024-0042", issue_date=date(2015, 6, 5), total=Decimal("119.00"),
                      currency="EUR")
    box = (0.5, 0.5, 0.6, 0.6)
    queries = {q.field: q for q in build_queries(invoice, page_index=2, boxes={"total": box})}
    assert set(queries) == {"invoice_number", "issue_date", "total", "currency"}
    assert queries["issue_date"].value == "2015-06-05" and queries["issue_date"].kind == "date"
    assert queries["total"].value == "119.00" and queries["total"].vlm_bbox == box
    assert queries["invoice_number"].kind == "identifier" and queries["currency"].page_index == 2


def test_an_address_continues_on_a_centred_line_under_a_line_printed_in_pieces() -> None:
    # A receipt head: the street line printed in wide-spaced pieces (the unit number far right),
    # the postcode line centred under it, under neither its first nor its last piece.
    words = synthetic_page([
        (0.25, 0.05, "LIAN HUAT PROVISION PTE LTD"),
        (0.08, 0.08, "Blk 214"), (0.16, 0.08, "Bedok North Street 1"), (0.33, 0.08, "#01-165"),
        (0.17, 0.095, "Singapore 460214"),
        (0.15, 0.11, "Tel: 6445 1287"),
    ])
    value = "Blk 214 Bedok North Street 1 #01-165 Singapore 460214"
    [g] = verify_on_page([GroundingQuery(field="merchant_address", value=value, kind="address")], words, 0)
    assert g.grounded and g.score == 1.0 and g.text == value
    # another address is still not grounded there
    [g] = verify_on_page([GroundingQuery(field="merchant_address", value="Blk 88 Tampines Avenue 5 #02-11 Singapore 520088",
                                         kind="address")], words, 0)
    assert not g.grounded


def test_values_in_running_text_ground_through_the_punctuation_after_them() -> None:
    words = synthetic_page([(0.1, 0.1, "an annual salary of $148,000, paid monthly; notice of two weeks' and"),
                            (0.1, 0.12, "a probation period of nine months, starting on 7 April 2025.")])
    queries = [GroundingQuery(field=f, value=v, kind=k, page_index=0, labels=[]) for f, v, k in (
        ("salary", "148000", "amount"), ("notice", "2 weeks", "duration"), ("probation", "9 months", "duration"),
        ("start_date", "2025-04-07", "date"), ("bonus", "150000", "amount"))]
    grounded = {g.field: g.grounded for g in verify_on_page(queries, words, 0)}
    assert grounded == {"salary": True, "notice": True, "probation": True, "start_date": True, "bonus": False}
