"""The output row models: the column contract analysts rely on.

documents (one row per input document) =
    DocumentHead columns (identity, status, provenance)
  + the user's schema fields as typed top-level columns (spliced in; all nullable, since a failed
    document has no values)
  + DocumentTail columns (grounding list, ungrounded_count, mean_match_score).
pages (one row per page) = PageRow, built from records.PageResult.

Both Arrow schemas are derived from these models (arrow_schema.py), never from data, so every
part file of a dataset has identical column types. `row_key` is each row's unique key (the same as
doc_id unless one content was input twice under different paths); the writer uses it to replace a
document's rows when the document is processed again.

Use (per commit batch; the three document sequences are parallel):
    meta = dataset_metadata(Invoice, schema_name="invoice", run_config_json=config.model_dump_json())
    writer = DatasetWriter(out, run_id=run_id, metadata=meta)    # commit.py; stamps meta on parts
    docs = document_rows_table(heads, values, groundings, Invoice)
    pages = page_rows_table(page_results, run_id=run_id, processed_at=now, row_keys=page_row_keys)
    writer.commit({"documents": docs, "pages": pages}, ledger_entries)
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field, model_validator

from docpipe.output.arrow_schema import arrow_fields_for, arrow_schema_for
from docpipe.output.arrow_values import conform_value, table_from_rows
from docpipe.records import BBox, ChartAnswer, ErrorInfo, FieldGrounding, PageResult, Status, Word
from docpipe.word_records import WordSourceRecord

META_SCHEMA_JSON = "docpipe.schema_json"
META_RUN_CONFIG = "docpipe.run_config"
META_SCHEMA_NAME = "docpipe.schema_name"
META_VERSION = "docpipe.version"


class ColumnConflict(ValueError):
    """A user schema field would shadow a fixed documents column (a fatal config error)."""


def _row_key_defaults_to_doc_id(data: Any) -> Any:
    if isinstance(data, dict) and not data.get("row_key") and data.get("doc_id"):
        return {**data, "row_key": data["doc_id"]}
    return data


class DocumentHead(BaseModel):
    """The fixed leading columns of a documents row; merge fills one per input document."""

    model_config = ConfigDict(populate_by_name=True, protected_namespaces=())

    doc_id: str = Field(description="sha256 of the document's bytes.")
    row_key: str = Field("", description="Unique key of this row: doc_id, or doc_id#suffix when the same "
                                         "content was input under several paths.")
    source_path: str = Field(description="Path of the input file.")
    page_count: int = Field(description="Pages in the document.")
    pages_processed: int = Field(description="Pages that were processed (fewer under --max-pages).")
    status: Status = Field(description="ok | partial | failed | skipped.")
    error: ErrorInfo | None = Field(None, description="Why the document is not ok (category, message, stage): "
                                                      "the most serious reason; see missing_fields and broken_rules.")
    missing_fields: list[str] = Field(default_factory=list, description="Fields the schema requires for a usable "
                                      "result that were not found (every field when none was found).")
    broken_rules: list[str] = Field(default_factory=list, description="Consistency rules of the schema the values "
                                    "break, as 'path: rule' (e.g. 'subtotal + tax_total = total').")
    schema_name: str = Field(alias="schema", description="Name of the extraction schema.")
    schema_hash: str = Field(description="Hash of the schema's JSON Schema.")
    pipeline: str = Field(description="Pipeline that produced the row.")
    engine: str = Field(description="Engine that produced the values: vlm (a vision-language model) or offline (word layer + rules).")
    model: str | None = Field(None, description="Model id, when the engine uses a model.")
    model_revision: str | None = Field(None, description="Model revision (commit hash), when known.")
    prompt_hash: str = Field(description="Hash of the prompts used.")
    run_id: str = Field(description="Run that wrote this row.")
    processed_at: dt.datetime = Field(description="When the document was processed (UTC).")

    _fill_row_key = model_validator(mode="before")(_row_key_defaults_to_doc_id)


class DocumentTail(BaseModel):
    """Field provenance columns that follow the schema's fields."""

    grounding: list[FieldGrounding] = Field(
        default_factory=list, description="Per extracted value: page, bbox, matched words, match score, grounded "
                                          "flag and, where the engine gives one, the calibrated confidence.")
    ungrounded_count: int = Field(0, description="Extracted values the page words do not support.")
    mean_match_score: float | None = Field(
        None, description="Mean grounding match score of the extracted values (how well the page's words match "
                          "them, 0-1); not a probability that they are right: see grounding.confidence.")
    answers: list[ChartAnswer] = Field(
        default_factory=list, description="One per question asked of the document, answered or not: question, "
                                          "answer, value, unit, page_index, chart_index, bbox of the marks used, "
                                          "grounded, confidence, error.")

    @classmethod
    def from_groundings(cls, groundings: Sequence[FieldGrounding],
                        answers: Sequence[ChartAnswer] = ()) -> DocumentTail:
        """Entries without a value (field not extracted) count for neither the count nor the mean."""
        # Location columns are re-derived from each path, whatever copies were made on the way.
        groundings = [g.located() for g in groundings]
        valued = [g for g in groundings if g.value is not None]
        mean = sum(g.score for g in valued) / len(valued) if valued else None
        return cls(grounding=list(groundings), ungrounded_count=sum(not g.grounded for g in valued),
                   mean_match_score=mean, answers=list(answers))


class TaskRow(BaseModel):
    task: str
    status: Status
    error: ErrorInfo | None = None
    repaired: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0


class PageWord(BaseModel):
    """One word of a page's word layer (hOCR/ALTO-like), as stored in `pages.words`."""

    text: str = Field(description="The word, normalised where it entered docpipe (Unicode NFKC, no soft hyphens).")
    bbox: BBox = Field(description="[x0, y0, x1, y1], fractions 0-1 of the displayed page, origin top-left "
                                   "(the convention of grounding boxes).")
    confidence: float = Field(description="The word source's confidence, 0-1 (1.0 for PDF text-layer words).")
    line: int = Field(description="Text line, numbered 0, 1, 2... in reading order.")
    block: int = Field(description="Block (paragraph, column piece, table), numbered in reading order.")
    raw: str | None = Field(None, description="The source's own text, when normalisation changed it.")

    @classmethod
    def from_word(cls, word: Word) -> PageWord:
        return cls(text=word.text, bbox=word.bbox, confidence=word.conf, line=word.line_id, block=word.block_id,
                   raw=word.raw)


class PageRow(BaseModel):
    """One row of the pages dataset."""

    doc_id: str = Field(description="sha256 of the document's bytes.")
    row_key: str = Field("", description="row_key of the document this page belongs to.")
    source_path: str
    page_index: int = Field(description="0-based page number.")
    page_count: int = Field(description="Pages emitted for the document.")
    width_pt: float
    height_pt: float
    image_width: int = 0
    image_height: int = 0
    status: Status
    error: ErrorInfo | None = None
    engine: str = Field("", description="Engine that processed the page: vlm or offline (same vocabulary as documents.engine).")
    word_source: str | None = Field(None, description="Where the words came from: pdf_text, rapidocr, tesseract, "
                                                      "or pdf_text+<engine> (text layer plus OCR of images); "
                                                      "null when the page has no words.")
    word_source_record: WordSourceRecord | None = Field(
        None, description="The per-page choice of words: source per region, reason, verification figures.")
    word_count: int = 0
    words: list[PageWord] = Field(default_factory=list, description="The word layer in reading order.")
    ocr_text: str | None = Field(None, description="Page text in reading order: the ocr task's transcription "
                                                   "when the pipeline runs one with a VLM, else the word layer's.")
    extraction_json: str | None = Field(None, description="The page-level schema output, as JSON.")
    chart_json: str | None = None
    answers: list[ChartAnswer] = Field(default_factory=list)
    raw_output: str | None = Field(None, description="Model text of the tasks that failed, as generated.")
    tasks: list[TaskRow] = Field(default_factory=list)
    latency_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    run_id: str
    processed_at: dt.datetime

    _fill_row_key = model_validator(mode="before")(_row_key_defaults_to_doc_id)

    @classmethod
    def from_result(cls, result: PageResult, *, run_id: str, processed_at: dt.datetime,
                    row_key: str | None = None) -> PageRow:
        return cls(
            doc_id=result.doc_id, row_key=row_key or result.doc_id, source_path=result.source_path,
            page_index=result.page_index, page_count=result.page_count, width_pt=result.width_pt,
            height_pt=result.height_pt, image_width=result.image_width, image_height=result.image_height,
            status=result.status, error=result.error, engine=result.engine, word_source=result.word_source,
            word_source_record=result.word_record, word_count=result.word_count,
            words=[PageWord.from_word(w) for w in result.words], ocr_text=result.ocr_text,
            extraction_json=result.extraction_json,
            chart_json=result.chart_json, answers=result.answers, raw_output=_failed_raw_output(result),
            tasks=[TaskRow(task=t.task, status=t.status, error=t.error, repaired=t.repaired,
                           prompt_tokens=t.prompt_tokens, completion_tokens=t.completion_tokens,
                           latency_s=t.latency_s) for t in result.tasks],
            latency_s=result.latency_s, prompt_tokens=result.prompt_tokens,
            completion_tokens=result.completion_tokens, run_id=run_id, processed_at=processed_at,
        )


def _failed_raw_output(result: PageResult) -> str | None:
    """Raw text of the non-ok tasks: as is for one, "[task]" headed blocks for several."""
    raws = [(t.task, t.raw_output) for t in result.tasks if t.status != Status.ok and t.raw_output is not None]
    if len(raws) == 1:
        return raws[0][1]
    return "\n\n".join(f"[{task}]\n{raw}" for task, raw in raws) or None


def _fixed_columns() -> list[pa.Field]:
    return [*arrow_fields_for(DocumentHead), *arrow_fields_for(DocumentTail)]


def check_schema_columns(schema_model: type[BaseModel]) -> None:
    """Raise ColumnConflict when a schema field name collides with a fixed documents column."""
    fixed = {f.name for f in _fixed_columns()}
    clashes = sorted(fixed & {f.name for f in arrow_fields_for(schema_model)})
    if clashes:
        raise ColumnConflict(
            f"schema {schema_model.__name__} defines field(s) {', '.join(clashes)} which collide with fixed "
            f"columns of the documents dataset ({', '.join(sorted(fixed))}); rename them in the schema"
        )


def documents_schema(schema_model: type[BaseModel], *, metadata: Mapping[str, str] | None = None) -> pa.Schema:
    """Head columns + the schema's fields (all nullable) + grounding columns."""
    check_schema_columns(schema_model)
    head = arrow_fields_for(DocumentHead)
    spliced = [f.with_nullable(True) for f in arrow_fields_for(schema_model)]
    tail = arrow_fields_for(DocumentTail)
    return pa.schema([*head, *spliced, *tail], metadata=dict(metadata) if metadata else None)


def pages_schema(*, metadata: Mapping[str, str] | None = None) -> pa.Schema:
    schema = arrow_schema_for(PageRow)
    return schema.with_metadata(dict(metadata)) if metadata else schema


def document_rows_table(
    heads: Sequence[DocumentHead],
    schema_values: Sequence[BaseModel | None],
    groundings: Sequence[Sequence[FieldGrounding]],
    schema_model: type[BaseModel],
    *,
    metadata: Mapping[str, str] | None = None,
    answers: Sequence[Sequence[ChartAnswer]] | None = None,
) -> pa.Table:
    """The documents table for one commit: the sequences are parallel, one item per document.

    answers[i] (optional) are the document's chart answers, one per question asked.

    schema_values[i] is the validated `schema_model` instance, or None when the document has no
    values (failed, skipped): its schema columns are then null. Raises ValueOutOfRange naming the
    row_key and field path when a value cannot be stored (call arrow_values.check_fits per
    document beforehand to turn that into a document error instead).
    """
    if not len(heads) == len(schema_values) == len(groundings):
        raise ValueError(f"heads ({len(heads)}), schema_values ({len(schema_values)}) and groundings "
                         f"({len(groundings)}) must have one item per document")
    if answers is not None and len(answers) != len(heads):
        raise ValueError("answers must have one item per document")
    schema = documents_schema(schema_model, metadata=metadata)
    rows: list[dict[str, Any]] = []
    for index, (head, value, grounding) in enumerate(zip(heads, schema_values, groundings)):
        if value is not None and not isinstance(value, schema_model):
            raise TypeError(f"document {head.row_key}: expected {schema_model.__name__}, got {type(value).__name__}")
        row = head.model_dump(mode="python", by_alias=True)
        if value is not None:
            row.update(value.model_dump(mode="python", by_alias=True))
        asked = answers[index] if answers is not None else ()
        row.update(DocumentTail.from_groundings(grounding, asked).model_dump(mode="python", by_alias=True))
        rows.append(row)
    return table_from_rows(rows, schema, key_column="row_key")


def page_rows_table(
    results: Sequence[PageResult],
    *,
    run_id: str,
    processed_at: dt.datetime,
    row_keys: Sequence[str] | None = None,
    metadata: Mapping[str, str] | None = None,
) -> pa.Table:
    """The pages table for one commit. row_keys (parallel to results) default to each page's doc_id."""
    if row_keys is not None and len(row_keys) != len(results):
        raise ValueError("row_keys must have one item per page result")
    rows = [PageRow.from_result(r, run_id=run_id, processed_at=processed_at,
                                row_key=row_keys[i] if row_keys is not None else None)
            for i, r in enumerate(results)]
    table = pages_table(rows, metadata=metadata)
    shipped = [r._words_arrow for r in results]
    if not any(a is not None for a in shipped):
        return table
    # Pages whose word layer arrived as Arrow (page_words_array) have no Word objects: their
    # words column is their shipped value; the others keep what PageRow converted.
    index = table.schema.get_field_index("words")
    built = table.column(index)
    parts = [a if a is not None else built.slice(i, 1) for i, a in enumerate(shipped)]
    chunks = [c for part in parts for c in (part.chunks if isinstance(part, pa.ChunkedArray) else [part])]
    words = pa.concat_arrays(chunks) if chunks else pa.array([], type=built.type)
    return table.set_column(index, table.schema.field(index), words)


def page_words_array(pages: Sequence[Sequence[Word] | None]) -> pa.Array:
    """`pages.words` values of several pages: one list element per page (null for None), as Arrow.

    Converted exactly as a PageRow's words are (PageWord, then the column's converter), so a
    table whose words column is made of these slices equals one built from the Word objects.
    Raises ValueOutOfRange naming the word when one cannot be stored (the caller keeps that
    page's Word objects instead).
    """
    field = _words_field()
    values = [None if words is None else
              conform_value([PageWord.from_word(w).model_dump(mode="python") for w in words], field, "words")
              for words in pages]
    return pa.array(values, type=field.type)


def words_arrow_of(array: pa.Array | pa.ChunkedArray, index: int) -> pa.Array:
    """Element `index` of a page_words_array result, copied out of its (shared) buffers."""
    if isinstance(array, pa.ChunkedArray):
        array = array.slice(index, 1).combine_chunks()
    else:
        array = array.slice(index, 1)
    return pa.concat_arrays([array])  # a compact copy: the slice would keep the whole batch's buffers


def _words_field() -> pa.Field:
    return pages_schema().field("words")


def pages_table(rows: Sequence[PageRow], *, metadata: Mapping[str, str] | None = None) -> pa.Table:
    return table_from_rows([r.model_dump(mode="python", by_alias=True) for r in rows], pages_schema(metadata=metadata),
                           key_column="row_key")


def docpipe_version() -> str:
    try:
        return importlib.metadata.version("docpipe")
    except importlib.metadata.PackageNotFoundError:  # running from a source checkout
        import docpipe

        return str(getattr(docpipe, "__version__", "0+unknown"))


def dataset_metadata(schema_model: type[BaseModel], *, schema_name: str, run_config_json: str) -> dict[str, str]:
    """Parquet key-value metadata for both datasets; run_config_json must be a JSON document."""
    json.loads(run_config_json)  # fail at the call site, not in an analyst's reader
    return {
        META_SCHEMA_JSON: json.dumps(schema_model.model_json_schema(), sort_keys=True),
        META_RUN_CONFIG: run_config_json,
        META_SCHEMA_NAME: schema_name,
        META_VERSION: docpipe_version(),
    }


def read_dataset_metadata(parquet_path: str) -> dict[str, str]:
    """The docpipe.* key-value metadata of one Parquet part."""
    raw = pq.read_schema(parquet_path).metadata or {}
    return {k.decode(): v.decode() for k, v in raw.items() if k.startswith(b"docpipe.")}
