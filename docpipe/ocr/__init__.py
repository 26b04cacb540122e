"""Word layer for scanned pages: bundled OCR engines, reading order and the word-layer stage."""

# Bumped whenever the words the word layer produces change (OCR, reading order, line and block
# ids), so that runs keyed on it (RunConfig.options_hash) redo pages whose words would differ.
WORD_LAYER_VERSION = "8"
