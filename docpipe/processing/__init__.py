"""Page processors: a batch of rasterized pages in, one PageResult per page out.

Two implementations share the contract: VlmPageProcessor (tasks answered by a VLM engine) and
OfflinePageProcessor (the `ocr` engine: word layer + schema-driven extraction, no model hub).
"""
