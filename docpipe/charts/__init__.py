"""Charts: find them on a page, read them into data (`model.ChartData`), answer questions from the data.

One file per job: `detect` (chart regions), `vector` (PDF drawing commands), `raster` (pixels),
`model` (the data contract), `qa` (question parsing and deterministic answering).
"""

# docpipe.records holds PageResult.charts (a list of model.ChartData) and model needs records'
# BBox/ErrorInfo: importing records first settles that cycle whichever module is imported first.
import docpipe.records  # noqa: E402,F401
