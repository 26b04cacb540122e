"""Exports of a run's output for other tools: word layers as hOCR, ALTO or plain text."""

from docpipe.export.words import ExportFormat, ExportSummary, export_words

__all__ = ["ExportFormat", "ExportSummary", "export_words"]
