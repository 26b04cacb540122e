"""Rasterization: PDFs (PyMuPDF) and images (Pillow) to page images plus the PDF text layer.

Entry points: docpipe.raster.rasterizer.Rasterizer (the stage) configured by
docpipe.raster.config.RasterConfig; it returns docpipe.raster.result.RasterOutput records.
"""
