"""Page: generic page understanding when no business schema applies."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Page(BaseModel):
    """What a page is and what it says."""

    title: str | None = Field(None, description="Main heading of the page, if any.",
                              json_schema_extra={"kind": "text"})
    language: str | None = Field(None, description="ISO 639-1 code of the main language.", pattern=r"^[a-z]{2}$",
                                 json_schema_extra={"kind": "language"})
    document_type: str | None = Field(None, description="Kind of document, e.g. invoice, letter, report, form.",
                                      json_schema_extra={"kind": "text"})
    summary: str | None = Field(None, description="One or two sentences on what the page says.",
                                json_schema_extra={"kind": "text"})


SCHEMA = Page
