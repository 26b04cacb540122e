"""Development loop for prose extraction: cached word layers -> the offline page processor ->
the product's merge -> `docpipe eval`'s scorer, on one part of a fixed split.

    python tools/prose_eval.py SCHEMA.py DATASET_DIR --part dev|held|all [--cache /tmp/prose-cache] [--show N]

Word layers come from a cache built by `tools/devwords.py` (one PageImage JSON line per page
under CACHE/words/<dataset>-text/<file>.jsonl, made by the product's Rasterizer and
WordLayerStage). The split is fixed by a hash of the file name: sha256(name) even -> dev, odd ->
held out. Prints the eval table, CPU seconds per document, and with --show the misses.
Development only: nothing in the package imports this.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path


def part_of(name: str) -> str:
    return "dev" if int(hashlib.sha256(name.encode()).hexdigest(), 16) % 2 == 0 else "held"


def main(argv: list[str]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from rich.console import Console

    from docpipe.evaluate import evaluate, render_eval
    from docpipe.merge import merge_document
    from docpipe.output.rows import documents_schema
    from docpipe.processing.offline import OfflinePageProcessor
    from docpipe.records import PageImage
    from docpipe.schema_registry import load_schema

    parser = argparse.ArgumentParser()
    parser.add_argument("schema")
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--part", choices=("dev", "held", "all"), default="dev")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/prose-cache"))
    parser.add_argument("--show", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="write the report JSON here")
    parser.add_argument("--threshold", action="append", default=[], help="KIND=VALUE: override a prose threshold")
    args = parser.parse_args(argv)
    from docpipe.offline import prose

    for item in args.threshold:
        kind, value = item.split("=")
        prose.THRESHOLD[kind] = float(value)

    model = load_schema(args.schema).model
    truths = [json.loads(x) for x in (args.dataset / "truth.jsonl").read_text().splitlines() if x.strip()]
    truths = [t for t in truths if args.part == "all" or part_of(t["file"]) == args.part]
    words_dir = args.cache / "words" / f"{args.dataset.name}-text"
    processor = OfflinePageProcessor(model, ["extract"], "pdf_text")
    rows = []
    cpu = 0.0
    for truth in truths:
        lines = (words_dir / f"{truth['file']}.jsonl").read_text().splitlines()
        pages = [PageImage.model_validate_json(x) for x in lines if x.strip()]
        started = time.process_time()
        results = processor([(p, None) for p in pages])
        merged = merge_document(results, model)
        cpu += time.process_time() - started
        values = merged.values.model_dump(mode="python") if merged.values is not None else {}
        rows.append({"doc_id": truth["file"], "source_path": str(args.dataset / truth["file"]),
                     "status": merged.status.value, **values,
                     "grounding": [g.model_dump(mode="python") for g in merged.grounding]})
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        (out / "documents").mkdir()
        schema = documents_schema(model)
        table = pa.Table.from_pylist(rows, schema=pa.schema([schema.field(n) for n in rows[0] if n in schema.names]))
        pq.write_table(table, out / "documents" / "part-0.parquet")
        truth_path = out / "truth.jsonl"
        truth_path.write_text("\n".join(json.dumps(t) for t in truths) + "\n")
        report = evaluate(out, truth_path)
    console = Console(width=160)
    console.print(render_eval(report))
    rated = [s.accuracy for s in report.fields if s.accuracy is not None]
    mean = sum(rated) / len(rated) if rated else 0.0
    console.print(f"part={args.part} documents={len(truths)} mean accuracy={mean:.3f} "
                  f"CPU {cpu / max(1, len(truths)):.3f} s/doc")
    for s in report.fields:
        if s.items_truth:
            console.print(f"{s.field}: item precision {s.item_precision or 0:.2f} recall {s.item_recall or 0:.2f}")
    if args.show:
        for s in report.fields:
            for miss in s.misses[: args.show]:
                console.print(f"  {s.field}: {miss}", highlight=False, soft_wrap=True)
    if args.json:
        args.json.write_text(report.to_json())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
