"""The collector converts each finished document's rows when it is staged, not at the commit."""

from __future__ import annotations

from docpipe.collector import Collector, PendingDoc, Provenance
from docpipe.output.commit import DOCUMENTS, PAGES
from docpipe.output.rows import dataset_metadata
from docpipe.records import ErrorCategory, PageResult, SourceDoc, Status, Word
from schemas.invoice import Invoice


class _Writer:
    def __init__(self) -> None:
        self.commits: list[tuple[dict, list]] = []

    def commit(self, tables, entries) -> None:
        self.commits.append((tables, entries))


def _collector(writer: _Writer, every: int) -> tuple[Collector, list]:
    prov = Provenance(schema_name="invoice", schema_hash="h", pipeline="invoice", engine="offline", model=None,
                      model_revision=None, prompt_hash="p", run_id="run1")
    meta = dataset_metadata(Invoice, schema_name="invoice", run_config_json="{}")
    committed: list = []
    collector = Collector(writer, Invoice, prov, meta, commit_every_docs=every, commit_every_s=3600.0,
                          on_document=lambda head, pages: None,
                          on_committed=lambda head, pages: committed.append((head.doc_id, head.status, pages)))
    return collector, committed


def _page(doc: str, index: int, count: int, words: list[Word]) -> PageResult:
    return PageResult(doc_id=doc, source_path=f"{doc}.pdf", page_index=index, page_count=count, total_pages=count,
                      width_pt=100.0, height_pt=100.0, status=Status.ok, extraction_json='{"total": "12.50"}',
                      words=words, word_count=len(words))


def test_staged_documents_hold_arrow_rows_and_an_unstorable_one_is_its_own_failed_row():
    writer = _Writer()
    collector, committed = _collector(writer, every=3)
    for doc in ("a", "b", "c"):
        collector.expect(PendingDoc(doc=SourceDoc(doc_id=doc, source_path=f"{doc}.pdf", size_bytes=1)))
    word = Word(text="12.50", bbox=(0.1, 0.1, 0.2, 0.2))
    collector.add_page(_page("a", 0, 2, [word]))
    collector.add_page(_page("a", 1, 2, [word, word]))
    # A word no int64 column can hold: the pages of b cannot be stored.
    collector.add_page(_page("b", 0, 1, [word.model_copy(update={"line_id": 2**70})]))
    assert not writer.commits and len(collector._staged) == 2
    assert all(s.pages == [] and s.tables is not None for s in collector._staged)  # objects released
    collector.add_page(_page("c", 0, 1, []))
    assert len(writer.commits) == 1  # one commit for the three documents
    tables, entries = writer.commits[0]
    docs = {r["doc_id"]: r for r in tables[DOCUMENTS].to_pylist()}
    assert docs["a"]["status"] != "failed" and docs["c"]["status"] != "failed"
    assert docs["b"]["status"] == "failed" and docs["b"]["error"]["category"] == ErrorCategory.invalid_output.value
    assert "could not be stored" in docs["b"]["error"]["message"] and "line" in docs["b"]["error"]["message"]
    pages = tables[PAGES].to_pylist()
    assert [(p["doc_id"], p["page_index"], len(p["words"])) for p in pages] == [("a", 0, 1), ("a", 1, 2), ("c", 0, 0)]
    # Page rows carry their document's processing time, like its document row.
    assert {p["processed_at"] for p in pages if p["doc_id"] == "a"} == {docs["a"]["processed_at"]}
    assert [e.doc_id for e in entries] == ["a", "b", "c"]
    assert committed == [("a", docs["a"]["status"], 2), ("b", Status.failed, 0), ("c", docs["c"]["status"], 1)]
