"""Never-seen schemas over running text: generated agreements with known truth, read through the
offline page processor and the product's merge, exactly as `docpipe run --engine offline` does."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pymupdf
import pytest
from pydantic import BaseModel, Field

from docpipe.grounding.normalize import values_equal
from docpipe.merge import merge_document
from docpipe.processing.offline import OfflinePageProcessor
from docpipe.raster.config import RasterConfig
from docpipe.raster.pdf import rasterize_pdf
from docpipe.records import DocKind, SourceDoc


class NDA(BaseModel):  # a user's schema: no docpipe hints at all
    effective_date: date | None = None
    jurisdiction: str | None = None
    party: list[str] = []
    term: str | None = None


class NDADescribed(BaseModel):  # the same fields with plain descriptions a user would write
    effective_date: str | None = Field(None, description="When the agreement takes effect.")
    jurisdiction: str | None = Field(None, description="The state whose law governs the agreement.")
    party: list[str] = Field(default_factory=list, description="Companies or people that sign it.")
    term: str | None = Field(None, description="How long the confidentiality obligations last.")


class Lease(BaseModel):
    landlord: str | None = None
    tenant: str | None = None
    start_date: date | None = None
    monthly_rent: Decimal | None = None


FILLER = (
    "The Receiving Party shall hold the Confidential Information in strict confidence and shall not disclose it "
    "to any third party except to its employees who need to know it for the Purpose and who are bound by "
    "obligations of confidentiality no less strict than those set out herein. Nothing in this Agreement grants "
    "any license under any patent, copyright or other intellectual property right. "
)


def _pdf(pages: list[tuple[str | None, str]]) -> bytes:
    """A letter-size PDF: per page an optional large title and a body of running text."""
    doc = pymupdf.open()
    for title, body in pages:
        page = doc.new_page(width=612, height=792)
        top = 60
        if title:
            page.insert_textbox(pymupdf.Rect(72, top, 540, top + 40), title, fontsize=15, align=1)
            top += 50
        left = page.insert_textbox(pymupdf.Rect(72, top, 540, 740), body, fontsize=10)
        assert left >= 0, "generated body does not fit the page"
    data = doc.tobytes()
    doc.close()
    return data


def _run(data: bytes, schema: type[BaseModel]) -> BaseModel:
    """Rasterize (text layer), extract each page offline, merge: the product's path without Ray."""
    source = SourceDoc(doc_id="d" * 64, source_path="/in/doc.pdf", kind=DocKind.pdf, size_bytes=len(data))
    raster = rasterize_pdf(source, data, RasterConfig(dpi=50, isolate=False))
    processor = OfflinePageProcessor(schema, ["extract"], "pdf_text")
    results = processor(list(zip(raster.pages, raster.images)))
    merged = merge_document(results, schema)
    assert merged.values is not None
    return merged.values


CASES = [
    dict(opening="This Mutual Nondisclosure Agreement (this \"Agreement\") is made and entered into as of "
                 "March 3, 2016 (the \"Effective Date\") by and between Halcyon Robotics, Inc., a Delaware "
                 "corporation (\"Halcyon\"), and Birchwood Analytics LLC, a Texas limited liability company "
                 "(\"Birchwood\").",
         law="This Agreement shall be governed by and construed in accordance with the laws of the State of "
             "New York, without regard to its conflict of laws principles.",
         term_clause="The obligations of the Parties under this Agreement shall survive for a period of two (2) "
                     "years from the Effective Date.",
         truth={"effective_date": "2016-03-03", "jurisdiction": "New York",
                "party": ["Halcyon Robotics, Inc.", "Birchwood Analytics LLC"], "term": "2 years"}),
    dict(opening="THIS CONFIDENTIALITY AGREEMENT, dated this 14th day of October, 2011, is by and between "
                 "Quorra Medical Corporation (the \"Company\") and Dana K. Whitfield (the \"Consultant\").",
         law="This Agreement will be governed by the laws of the Commonwealth of Massachusetts.",
         term_clause="Term. This Agreement shall remain in full force and effect for thirty-six (36) months "
                     "after the date hereof.",
         truth={"effective_date": "2011-10-14", "jurisdiction": "Massachusetts",
                "party": ["Quorra Medical Corporation", "Dana K. Whitfield"], "term": "3 years"}),
]


def _agreement(case: dict) -> bytes:
    page1 = case["opening"] + "\n\n1. Definitions. " + FILLER + "\n\n2. Use. " + FILLER
    page2 = ("3. Obligations. " + FILLER + "\n\n4. " + case["term_clause"] + " Each Party shall give thirty "
             "(30) days' written notice before disclosing any information.\n\n5. Governing Law. " + case["law"]
             + "\n\n6. Miscellaneous. " + FILLER)
    return _pdf([("NON-DISCLOSURE AGREEMENT", page1), (None, page2)])


@pytest.mark.parametrize("case", CASES, ids=["entered-as-of", "dated-this-day"])
@pytest.mark.parametrize("schema", [NDA, NDADescribed], ids=["no-descriptions", "descriptions"])
def test_never_seen_schema_over_an_agreement(case: dict, schema: type[BaseModel]) -> None:
    got = _run(_agreement(case), schema).model_dump(mode="json")
    truth = case["truth"]
    assert values_equal(got["effective_date"], truth["effective_date"], "date"), got
    assert values_equal(got["jurisdiction"], truth["jurisdiction"], "place"), got
    assert values_equal(got["term"], truth["term"], "duration"), got
    names = got["party"]
    assert len(got["party"]) == len(truth["party"]), got["party"]
    for want in truth["party"]:
        assert any(values_equal(n, want, "name") for n in names), (want, got["party"])


def test_nothing_is_invented_when_the_agreement_does_not_say() -> None:
    """No governing-law clause, no term, no date: those fields stay null (a notice period and a
    company's state of incorporation are not a term or a governing law)."""
    opening = ("This Agreement is made by and between Ostrander Labs, Inc., a Delaware corporation "
               "(\"Ostrander\"), and Pell & Moss LLP (\"Counsel\").")
    body = (opening + "\n\n1. Confidentiality. " + FILLER + " Either party may end discussions upon ten (10) "
            "days' prior written notice.\n\n2. Miscellaneous. " + FILLER)
    got = _run(_pdf([("CONFIDENTIALITY AGREEMENT", body)]), NDA)
    assert got.effective_date is None
    assert got.jurisdiction is None
    assert got.term is None
    assert sorted(got.party) == ["Ostrander Labs, Inc.", "Pell & Moss LLP"]


def test_a_lease_schema_reads_roles_from_defined_terms() -> None:
    """Field names that are roles ('landlord') find the party defined with that role."""
    body = ("This Lease Agreement is entered into as of January 5, 2021 by and between Granite Row Properties "
            "LLC (the \"Landlord\") and Mirela Oduya (the \"Tenant\"). The lease term shall commence on February 1, "
            "2021. Tenant shall pay Landlord a monthly rent of $2,450.00 on the first day of each month.\n\n"
            "1. Use. The premises shall be used for residential purposes only. " + FILLER)
    got = _run(_pdf([("RESIDENTIAL LEASE", body)]), Lease)
    assert got.landlord == "Granite Row Properties LLC"
    assert got.tenant == "Mirela Oduya"
    assert got.start_date == date(2021, 2, 1)
    assert got.monthly_rent == Decimal("2450.00")


def test_an_invoice_page_is_not_read_as_prose() -> None:
    """Form-like pages (short rows, columns) do not go through the prose reader."""
    from docpipe.grounding.layout import PageLayout
    from docpipe.offline.prose import running_text_share

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    for i, (label, value) in enumerate([("Invoice No", "INV-2291"), ("Date", "2021-03-04"), ("Total", "99.00 EUR")]):
        page.insert_text((72, 100 + 20 * i), label, fontsize=10)
        page.insert_text((400, 100 + 20 * i), value, fontsize=10)
    data = doc.tobytes()
    source = SourceDoc(doc_id="e" * 64, source_path="/in/inv.pdf", kind=DocKind.pdf, size_bytes=len(data))
    words = rasterize_pdf(source, data, RasterConfig(dpi=50, isolate=False)).pages[0].words
    assert running_text_share(PageLayout(words)) < 0.5
    prose_words = rasterize_pdf(source, _agreement(CASES[0]), RasterConfig(dpi=50, isolate=False)).pages[0].words
    assert running_text_share(PageLayout(prose_words)) > 0.5


def test_a_value_read_from_running_text_never_claims_straight_through_confidence() -> None:
    """The confidence model was fitted on forms and slips: a date read from a sentence is held to
    the precision prose dates were measured at (below the date group's threshold)."""
    from docpipe.offline.confidence import PROSE_PRECISION, load_model

    data = _agreement(CASES[0])
    source = SourceDoc(doc_id="d" * 64, source_path="/in/doc.pdf", kind=DocKind.pdf, size_bytes=len(data))
    raster = rasterize_pdf(source, data, RasterConfig(dpi=50, isolate=False))
    results = OfflinePageProcessor(NDA, ["extract"], "pdf_text")(list(zip(raster.pages, raster.images)))
    merged = merge_document(results, NDA)
    by_field = {g.field: g for g in merged.grounding}
    assert str(merged.values.effective_date) == "2016-03-03"
    conf = by_field["effective_date"].confidence
    model = load_model()
    assert conf is not None and conf <= PROSE_PRECISION["date"] < model.threshold_for("date")
