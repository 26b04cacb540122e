"""Exactness of the vector chart reader on generated charts (development measurement).

    python tools/chart_vector_check.py [SEEDS]            # matplotlib: 12 chart kinds x SEEDS (default 16)
    python tools/chart_vector_check.py --libreoffice DIR  # LibreOffice: needs soffice and openpyxl

matplotlib charts come from tests/chartgen.py; LibreOffice charts are written as .xlsx (openpyxl),
converted by `soffice --headless --convert-to pdf` and read back. A value counts as exact within
1e-6 relative; the report also gives the largest error relative to the axis range.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pymupdf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from docpipe.charts.detect import vector_chart_boxes  # noqa: E402
from docpipe.charts.vector import read_vector_chart  # noqa: E402
from docpipe.raster.drawings import page_drawings  # noqa: E402
from docpipe.raster.pdf import _page_words  # noqa: E402

KINDS = ("bar", "barh", "grouped_bar", "stacked_bar", "line", "line_numeric", "scatter", "pie", "donut", "area",
         "negative_bar", "no_axis_bar")
LEGEND = {"grouped_bar", "stacked_bar", "line"}


def read(data: bytes):
    page = pymupdf.open(stream=data, filetype="pdf")[0]
    width, height = page.rect.width, page.rect.height
    drawings, words = page_drawings(page, width, height), _page_words(page, width, height)
    boxes = vector_chart_boxes(drawings.paths, words, width, height)
    if not boxes:
        return None
    return read_vector_chart(drawings, words, page_size=(width, height), region=boxes[0])


def compare(got: dict, want: dict, span: float, counts: dict) -> None:
    for key, value in want.items():
        counts["values"] += 1
        y = got.get(key)
        if y is not None and abs(y - value) <= 1e-6 * max(abs(value), 1e-3):
            counts["exact"] += 1
        error = abs(y - value) / span if y is not None else 1.0
        counts["within_0.1%_of_range"] += error <= 1e-3
        counts["missing"] += y is None
        counts["worst"] = max(counts["worst"], error)


def matplotlib_check(seeds: int) -> dict:
    from tests.chartgen import case, pdf_bytes

    counts = {"charts": 0, "values": 0, "exact": 0, "within_0.1%_of_range": 0, "missing": 0, "worst": 0.0}
    for kind in KINDS:
        for seed in range(seeds):
            chart = case(kind, seed)
            result = read(pdf_bytes(chart))
            counts["charts"] += 1
            points = {} if result is None else {
                (s.name, p.x_value if kind == "scatter" else p.x): p.y for s in result.series for p in s.points}
            want = {}
            for name, values in chart.series.items():
                xs = chart.x_values if kind == "scatter" else chart.categories
                for x, v in zip(xs, values):
                    want[(name if kind in LEGEND else None, x)] = v
            span = 100.0 if kind in ("pie", "donut") else max(abs(v) for v in want.values())
            compare(points, want, span, counts)
    return counts


def libreoffice_check(folder: Path) -> dict:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, PieChart, Reference

    folder.mkdir(parents=True, exist_ok=True)
    truth = {}
    for kind in ("bar", "grouped_bar", "line", "pie"):
        for seed in range(3):
            rng = random.Random(f"{kind}{seed}")
            workbook = Workbook()
            sheet = workbook.active
            categories = ["North", "South", "East", "West", "Central"][: rng.randint(3, 5)]
            names = ["Sales"] if kind in ("bar", "pie") else ["Books", "Music"]
            sheet.append(["Region", *names])
            data = {n: [round(rng.uniform(1, 90), rng.choice([0, 1, 2])) for _ in categories] for n in names}
            for i, category in enumerate(categories):
                sheet.append([category, *(data[n][i] for n in names)])
            chart = {"bar": BarChart, "grouped_bar": BarChart, "line": LineChart, "pie": PieChart}[kind]()
            chart.title = f"{kind} {seed}"
            chart.add_data(Reference(sheet, min_col=2, min_row=1, max_col=1 + len(names),
                                     max_row=1 + len(categories)), titles_from_data=True)
            chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=1 + len(categories)))
            chart.width, chart.height = 16, 8
            sheet.add_chart(chart, "A9")
            name = f"{kind}_{seed}"
            workbook.save(folder / f"{name}.xlsx")
            truth[name] = (kind, categories, data)
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(folder),
                    *[str(folder / f"{n}.xlsx") for n in truth]], check=True, capture_output=True)
    counts = {"charts": 0, "values": 0, "exact": 0, "within_0.1%_of_range": 0, "missing": 0, "worst": 0.0}
    for name, (kind, categories, data) in truth.items():
        result = read((folder / f"{name}.pdf").read_bytes())
        counts["charts"] += 1
        points = {} if result is None else {(s.name if len(data) > 1 else None, p.x): p.y
                                            for s in result.series for p in s.points}
        want = {}
        for series, values in data.items():
            if kind == "pie":
                values = [100 * v / sum(values) for v in values]
            for x, v in zip(categories, values):
                want[(series if len(data) > 1 else None, x)] = v
        compare(points, want, 100.0 if kind == "pie" else max(want.values()), counts)
    return counts


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--libreoffice":
        print(json.dumps(libreoffice_check(Path(sys.argv[2]))))
    else:
        print(json.dumps(matplotlib_check(int(sys.argv[1]) if len(sys.argv) > 1 else 16)))
