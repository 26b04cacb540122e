"""The offline `ocr` engine: schema-driven, label-anchored extraction over a page's word layer."""
