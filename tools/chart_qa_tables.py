"""Development check of the question answerer alone: ChartQA source tables → ChartData → answers.

Reads a ChartQA-style truth.jsonl (lines with `table` and `qa`) and prints, per question, the
answer computed from the table (as a perfect reader would see it) against the true answer; the
summary gives the share answered and the precision of the answered ones (relaxed accuracy).

    python tools/chart_qa_tables.py TRUTH.jsonl [-v]
"""

from __future__ import annotations

import json
import sys

from docpipe.charts.model import ChartData, ChartPoint, ChartSeries
from docpipe.charts.numbers import parse_number
from docpipe.charts.qa import answer_question
from docpipe.evaluate.relaxed import relaxed_match


def chart_from_table(table: dict) -> ChartData:
    columns, rows = table["columns"], table["rows"]
    series = []
    units = set()
    for j, name in enumerate(columns[1:], start=1):
        points = []
        for row in rows:
            number = parse_number(row[j]) if j < len(row) else None
            if number is not None:
                units.add(number.unit)
            points.append(ChartPoint(x=row[0], y=number.value if number else None, source="label",
                                     bbox=(0, 0, 0.1, 0.1), confidence=1.0))
        series.append(ChartSeries(name=name if len(columns) > 2 else None, points=points))
    from docpipe.charts.model import ChartAxis
    unit = units.pop() if len(units) == 1 else None
    return ChartData(page_index=0, chart_index=0, bbox=(0, 0, 1, 1), reader="model", series=series,
                     x_axis=ChartAxis(title=columns[0], scale="category"), y_axis=ChartAxis(unit=unit),
                     chart_type="bar", confidence=1.0)


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    asked = answered = right = 0
    for line in open(argv[0], encoding="utf-8"):
        record = json.loads(line)
        if "table" not in record:
            continue
        chart = chart_from_table(record["table"])
        for qa in record["qa"]:
            asked += 1
            result = answer_question(qa["question"], [chart])
            ok = result.error is None and relaxed_match(result.answer, qa["answer"])
            answered += result.error is None
            right += ok
            if verbose and (result.error is None or "-a" in argv):
                mark = "ok " if ok else "BAD" if result.error is None else "---"
                print(f"{mark} {qa['question'][:110]!r} truth={qa['answer']!r} got={result.answer!r} "
                      f"{result.error.message[:80] if result.error else ''}")
    print(f"questions {asked}  answered {answered} ({answered / max(asked, 1):.2f})  "
          f"precision {right / max(answered, 1):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
