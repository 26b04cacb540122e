"""Charts: find them on a page, read them into data (`model.ChartData`), answer questions from the data.

One file per job: `detect` (chart regions), `vector` (PDF drawing commands), `raster` (pixels),
`model` (the data contract), `qa` (question parsing and deterministic answering).
"""
