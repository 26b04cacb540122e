"""hOCR (XHTML with ocr_page / ocr_carea / ocr_par / ocr_line / ocrx_word elements and `title`
properties), following the hOCR 1.2 specification (kba.github.io/hocr-spec/1.2).

One file per document, one `ocr_page` per page. Boxes are `bbox left top right bottom` in pixels of
the page image docpipe rendered; `x_wconf` is the word confidence in percent.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from docpipe.export.pages import ExportDocument
from docpipe.export.structure import PixelBox, page_blocks

XHTML = "http://www.w3.org/1999/xhtml"
_DOCTYPE = ('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">')


def hocr_document(document: ExportDocument, software: str) -> str:
    """The document as an hOCR XHTML string (UTF-8 XML declaration included)."""
    html = ET.Element("html", {"xmlns": XHTML, "xml:lang": "en", "lang": "en"})
    head = ET.SubElement(html, "head")
    ET.SubElement(head, "title").text = document.source_path
    ET.SubElement(head, "meta", {"http-equiv": "Content-Type", "content": "text/html;charset=utf-8"})
    ET.SubElement(head, "meta", {"name": "ocr-system", "content": software})
    ET.SubElement(head, "meta", {"name": "ocr-capabilities",
                                 "content": "ocr_page ocr_carea ocr_par ocr_line ocrx_word ocrp_wconf"})
    body = ET.SubElement(html, "body")
    for page in document.pages:
        n = page.page_index + 1
        width, height = page.size()
        page_el = ET.SubElement(body, "div", {
            "class": "ocr_page", "id": f"page_{n}",
            "title": f"image {_quoted(document.source_path)}; bbox 0 0 {width} {height}; ppageno {page.page_index}"})
        line_no = word_no = 0
        for b, block in enumerate(page_blocks(page), start=1):
            area = ET.SubElement(page_el, "div", {"class": "ocr_carea", "id": f"block_{n}_{b}",
                                                  "title": _bbox(block.box)})
            par = ET.SubElement(area, "p", {"class": "ocr_par", "id": f"par_{n}_{b}", "title": _bbox(block.box)})
            for line in block.lines:
                line_no += 1
                line_el = ET.SubElement(par, "span", {"class": "ocr_line", "id": f"line_{n}_{line_no}",
                                                      "title": _bbox(line.box)})
                for i, (word, box) in enumerate(line.words):
                    word_no += 1
                    span = ET.SubElement(line_el, "span", {
                        "class": "ocrx_word", "id": f"word_{n}_{word_no}",
                        "title": f"{_bbox(box)}; x_wconf {round(word.confidence * 100)}"})
                    span.text = word.text
                    if i + 1 < len(line.words):
                        span.tail = " "
    body_xml = ET.tostring(html, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{_DOCTYPE}\n{body_xml}\n'


def _bbox(box: PixelBox) -> str:
    return "bbox {} {} {} {}".format(*box)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
