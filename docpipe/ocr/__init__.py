"""Word layer for scanned pages: bundled OCR engines, reading order and the word-layer stage."""
