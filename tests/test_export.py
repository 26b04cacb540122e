"""`docpipe export OUT --format hocr|alto|txt`: well-formed files with the standard structure."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from docpipe.cli import app
from docpipe.export import export_words
from docpipe.export.alto import ALTO_NS
from docpipe.export.hocr import XHTML
from docpipe.output.commit import DatasetWriter
from docpipe.output.ledger import LedgerEntry
from docpipe.output.rows import DocumentHead, dataset_metadata, document_rows_table, page_rows_table
from docpipe.records import PageResult, Status, Word
from schemas.invoice import Invoice

NOW = dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)
A = "a" * 64
B = "b" * 64
# Two pages of document A: two blocks on page 0 (a two-line header and a total line), one on page 1.
PAGE0 = [
    Word(text="Smith", bbox=(0.10, 0.10, 0.20, 0.12), conf=0.97, line_id=0, block_id=0),
    Word(text="&", bbox=(0.21, 0.10, 0.23, 0.12), conf=0.91, line_id=0, block_id=0),
    Word(text="Söhne", bbox=(0.24, 0.10, 0.34, 0.12), conf=0.88, line_id=0, block_id=0),
    Word(text='"<Ltd>"', bbox=(0.10, 0.13, 0.25, 0.15), conf=1.0, line_id=1, block_id=0),
    Word(text="Total", bbox=(0.60, 0.80, 0.70, 0.82), conf=0.99, line_id=2, block_id=1),
    Word(text="3,234.00", bbox=(0.72, 0.80, 0.85, 0.82), conf=0.95, line_id=2, block_id=1),
]
PAGE1 = [Word(text="Office", bbox=(0.1, 0.5, 0.2, 0.52), conf=0.9, line_id=0, block_id=0, raw="O\ufb03ce")]


def _result(doc_id: str, index: int, count: int, words: list[Word], text: str | None) -> PageResult:
    return PageResult(doc_id=doc_id, source_path=f"in/{doc_id[:4]}.pdf", page_index=index, page_count=count,
                      total_pages=count, width_pt=595.0, height_pt=842.0, image_width=1240, image_height=1754,
                      status=Status.ok, words=words, ocr_text=text, word_count=len(words),
                      word_source="pdf_text" if words else None)


def _write_output(root: str) -> None:
    meta = dataset_metadata(Invoice, schema_name="invoice", run_config_json="{}")
    pages = [_result(A, 1, 2, PAGE1, "Office"), _result(A, 0, 2, PAGE0, "Smith & Söhne\n\"<Ltd>\"\nTotal 3,234.00"),
             _result(B, 0, 1, [], None)]
    heads = [DocumentHead(doc_id=d, source_path=f"in/{d[:4]}.pdf", page_count=n, pages_processed=n,
                          status=Status.ok, schema="invoice", schema_hash="h", pipeline="p", engine="offline",
                          prompt_hash="p", run_id="r1", processed_at=NOW) for d, n in ((A, 2), (B, 1))]
    with DatasetWriter(root, run_id="r1", metadata=meta) as writer:
        writer.commit({"documents": document_rows_table(heads, [None, None], [[], []], Invoice, metadata=meta),
                       "pages": page_rows_table(pages, run_id="r1", processed_at=NOW, metadata=meta)},
                      [LedgerEntry(row_key=h.row_key, doc_id=h.doc_id, work_key="w", status=h.status,
                                   source_path=h.source_path, run_id="r1") for h in heads])


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("export")
    _write_output(str(root))
    return root


def _bbox(title: str) -> tuple[int, ...]:
    match = re.search(r"bbox (\d+) (\d+) (\d+) (\d+)", title)
    assert match, title
    return tuple(int(v) for v in match.groups())


def test_hocr_is_well_formed_xhtml_with_pages_lines_and_words(out: Path) -> None:
    summary = export_words(out, "hocr")
    assert (summary.documents, summary.pages, summary.words) == (2, 3, 7)
    root = ET.parse(out / "export" / "hocr" / f"{A}.hocr").getroot()
    ns = {"h": XHTML}
    assert root.tag == f"{{{XHTML}}}html"
    capabilities = root.find("h:head/h:meta[@name='ocr-capabilities']", ns)
    assert capabilities is not None and "ocrx_word" in capabilities.get("content", "")
    pages = root.findall(".//h:div[@class='ocr_page']", ns)
    assert [_bbox(p.get("title", "")) for p in pages] == [(0, 0, 1240, 1754)] * 2
    assert "ppageno 0" in pages[0].get("title", "") and "ppageno 1" in pages[1].get("title", "")
    areas = pages[0].findall("h:div[@class='ocr_carea']", ns)
    lines = [[w.text for w in line.findall("h:span[@class='ocrx_word']", ns)]
             for area in areas for line in area.findall("h:p/h:span[@class='ocr_line']", ns)]
    assert len(areas) == 2 and lines == [["Smith", "&", "Söhne"], ['"<Ltd>"'], ["Total", "3,234.00"]]
    total = pages[0].findall(".//h:span[@class='ocrx_word']", ns)[5]
    assert _bbox(total.get("title", "")) == (892, 1403, 1054, 1439)  # 0.72*1240, 0.80*1754 ...
    assert "x_wconf 95" in total.get("title", "")
    line_box = _bbox(areas[0].find("h:p/h:span[@class='ocr_line']", ns).get("title", ""))
    assert line_box == (124, 175, 422, 211)  # the envelope of its three words
    empty = ET.parse(out / "export" / "hocr" / f"{B}.hocr").getroot()
    assert len(empty.findall(".//h:div[@class='ocr_page']", ns)) == 1


def test_alto_follows_the_element_structure_with_positions_content_and_confidence(out: Path) -> None:
    export_words(out, "alto")
    root = ET.parse(out / "export" / "alto" / f"{A}.alto.xml").getroot()
    ns = {"a": ALTO_NS}
    assert root.tag == f"{{{ALTO_NS}}}alto"
    assert root.findtext("a:Description/a:MeasurementUnit", namespaces=ns) == "pixel"
    assert [child.tag.split("}")[1] for child in root] == ["Description", "Layout"]
    pages = root.findall("a:Layout/a:Page", ns)
    assert [(p.get("WIDTH"), p.get("HEIGHT"), p.get("PHYSICAL_IMG_NR")) for p in pages] == [
        ("1240", "1754", "1"), ("1240", "1754", "2")]
    strings = []
    for page in pages:
        [space] = page.findall("a:PrintSpace", ns)
        for block in space.findall("a:TextBlock", ns):
            for line in block.findall("a:TextLine", ns):
                for attr in ("ID", "HPOS", "VPOS", "WIDTH", "HEIGHT"):
                    assert line.get(attr) is not None and block.get(attr) is not None
                strings.extend(line.findall("a:String", ns))
    assert [s.get("CONTENT") for s in strings] == [w.text for w in PAGE0 + PAGE1]
    for s in strings:
        assert all(s.get(a, "").isdigit() for a in ("HPOS", "VPOS", "WIDTH", "HEIGHT"))
        assert 0.0 <= float(s.get("WC", "-1")) <= 1.0
    total = strings[5]
    assert (total.get("HPOS"), total.get("VPOS"), total.get("WIDTH"), total.get("HEIGHT"), total.get("WC")) == (
        "892", "1403", "162", "36", "0.950")
    first_line = pages[0].find("a:PrintSpace/a:TextBlock/a:TextLine", ns)
    assert [c.tag.split("}")[1] for c in first_line] == ["String", "SP", "String", "SP", "String"]


def test_txt_holds_the_page_texts_separated_by_form_feeds(out: Path) -> None:
    export_words(out, "txt")
    text = (out / "export" / "txt" / f"{A}.txt").read_text(encoding="utf-8")
    assert text == "Smith & Söhne\n\"<Ltd>\"\nTotal 3,234.00\fOffice\n"


def test_export_command_and_its_usage_errors(out: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(app, ["export", str(out), "--format", "alto", "--dest", str(tmp_path / "alto")])
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in (tmp_path / "alto").iterdir()) == [f"{A}.alto.xml", f"{B}.alto.xml"]
    assert runner.invoke(app, ["export", str(out), "--format", "pdf"]).exit_code == 2
    missing = runner.invoke(app, ["export", str(tmp_path / "nothing"), "--format", "txt"])
    assert missing.exit_code == 2 and "no pages dataset" in missing.output


def test_export_reads_and_writes_object_storage(bucket: str) -> None:
    from docpipe.storage.uri import filesystem

    out = f"s3://{bucket}/out"
    _write_output(out)
    summary = export_words(out, "alto")
    assert summary.folder == f"{out}/export/alto" and summary.documents == 2
    fs, path = filesystem(f"{out}/export/alto/{A}.alto.xml")
    with fs.open(path, "r", encoding="utf-8") as handle:
        root = ET.fromstring(handle.read())
    assert [s.get("CONTENT") for s in root.iter(f"{{{ALTO_NS}}}String")] == [w.text for w in PAGE0 + PAGE1]
