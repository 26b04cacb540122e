"""ALTO v4 XML (Library of Congress, www.loc.gov/standards/alto): Description, then
Layout / Page / PrintSpace / TextBlock / TextLine / String with SP between words.

One file per document, one `Page` per page. Positions (HPOS, VPOS, WIDTH, HEIGHT) are in pixels of
the page image docpipe rendered (MeasurementUnit `pixel`); WC is the word confidence, 0-1.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from docpipe.export.pages import ExportDocument
from docpipe.export.structure import PixelBox, page_blocks

ALTO_NS = "http://www.loc.gov/standards/alto/ns-v4#"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_SCHEMA = "http://www.loc.gov/standards/alto/ns-v4# http://www.loc.gov/alto/v4/alto-4-2.xsd"


def alto_document(document: ExportDocument, software: str, version: str) -> str:
    """The document as an ALTO v4 XML string (UTF-8 XML declaration included)."""
    # Tags are written unqualified under a literal default namespace declaration, which keeps
    # ElementTree from inventing prefixes.
    root = ET.Element("alto", {"xmlns": ALTO_NS, "xmlns:xsi": _XSI, "xsi:schemaLocation": _SCHEMA})
    description = ET.SubElement(root, "Description")
    ET.SubElement(description, "MeasurementUnit").text = "pixel"
    source = ET.SubElement(description, "sourceImageInformation")
    ET.SubElement(source, "fileName").text = document.source_path
    processing = ET.SubElement(description, "Processing", {"ID": "processing_1"})
    software_el = ET.SubElement(processing, "processingSoftware")
    ET.SubElement(software_el, "softwareName").text = software
    ET.SubElement(software_el, "softwareVersion").text = version
    layout = ET.SubElement(root, "Layout")
    for page in document.pages:
        n = page.page_index + 1
        width, height = page.size()
        page_el = ET.SubElement(layout, "Page", {"ID": f"page_{n}", "PHYSICAL_IMG_NR": str(n),
                                                    "WIDTH": str(width), "HEIGHT": str(height)})
        space = ET.SubElement(page_el, "PrintSpace", _position((0, 0, width, height)))
        line_no = word_no = 0
        for b, block in enumerate(page_blocks(page), start=1):
            block_el = ET.SubElement(space, "TextBlock", {"ID": f"block_{n}_{b}", **_position(block.box)})
            for line in block.lines:
                line_no += 1
                line_el = ET.SubElement(block_el, "TextLine", {"ID": f"line_{n}_{line_no}", **_position(line.box)})
                for i, (word, box) in enumerate(line.words):
                    word_no += 1
                    ET.SubElement(line_el, "String", {
                        "ID": f"string_{n}_{word_no}", **_position(box), "CONTENT": word.text,
                        "WC": f"{max(0.0, min(1.0, word.confidence)):.3f}"})
                    if i + 1 < len(line.words):
                        nxt = line.words[i + 1][1]
                        ET.SubElement(line_el, "SP", {"HPOS": str(box[2]), "VPOS": str(box[1]),
                                                          "WIDTH": str(max(0, nxt[0] - box[2]))})
    xml = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{xml}\n'


def _position(box: PixelBox) -> dict[str, str]:
    left, top, right, bottom = box
    return {"HPOS": str(left), "VPOS": str(top), "WIDTH": str(right - left), "HEIGHT": str(bottom - top)}
