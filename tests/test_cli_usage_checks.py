"""Usage errors found up front: questions without a chart_qa pipeline, bad truth files and --field
typos in `eval`, and `export`/`compact` on a folder that is not a docpipe output (no Ray needed)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from docpipe.cli import app

runner = CliRunner()
SAMPLES = Path(__file__).resolve().parents[1] / "sample_docs"


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def test_questions_without_a_chart_qa_pipeline_are_a_usage_error(tmp_path):
    qfile = tmp_path / "q.jsonl"
    qfile.write_text(json.dumps({"file": "invoice_acme.pdf", "question": "What is the total?"}) + "\n")
    for extra in (["-q", "What is the highest value?"], ["--questions-file", str(qfile)]):
        out = tmp_path / "o"
        result = runner.invoke(app, ["run", str(SAMPLES / "invoice_acme.pdf"), "--schema", "invoice",
                                     "--engine", "offline", "--out", str(out), *extra])
        assert result.exit_code == 2, result.output
        assert "--pipeline charts" in result.output and "Traceback" not in result.output
        assert not out.exists()  # checked before the output is touched


def _eval_output(tmp_path: Path) -> Path:
    from docpipe.output.commit import DatasetWriter
    from docpipe.records import Status
    from tests.test_ledger import batch

    out = tmp_path / "out"
    with DatasetWriter(out, run_id="r1") as writer:
        writer.commit(*batch({"d1": Status.ok}, pages=1))
    return out


def test_eval_names_the_bad_line_of_a_truth_file(tmp_path):
    out = _eval_output(tmp_path)
    cases = {
        '{"file": "a.pdf", "total": 1}\n{not json\n': ":2: not JSON",
        '[1, 2]\n': ":1: expected a JSON object",
        '{"total": 3}\n': ':1: no "file" key',
    }
    for text, expected in cases.items():
        truth = tmp_path / "truth.jsonl"
        truth.write_text(text)
        result = runner.invoke(app, ["eval", str(out), "--truth", str(truth)])
        assert result.exit_code == 2, (text, result.output)
        assert expected in result.output and "Traceback" not in result.output, result.output


def test_eval_rejects_an_unknown_field_listing_the_schemas_fields(tmp_path):
    out = _eval_output(tmp_path)
    truth = tmp_path / "truth.jsonl"
    truth.write_text(json.dumps({"file": "d1.pdf", "total": "1.5"}) + "\n")
    result = runner.invoke(app, ["eval", str(out), "--truth", str(truth), "--field", "totl"])
    assert result.exit_code == 2, result.output
    listed = result.output.split("has:", 1)[1]
    assert "totl" in result.output and "total" in listed and "invoice_number" in listed
    assert "status" not in listed and "row_key" not in listed and "schema," not in listed  # docpipe's own columns are not schema fields
    ok = runner.invoke(app, ["eval", str(out), "--truth", str(truth), "--field", "total"])
    assert ok.exit_code == 0, ok.output


def test_export_and_compact_refuse_a_folder_that_is_not_an_output(tmp_path):
    missing = tmp_path / "nonexist"
    result = runner.invoke(app, ["export", str(missing), "--format", "hocr"])
    assert result.exit_code == 2 and "not a docpipe output" in result.output, result.output
    assert not missing.exists()
    result = runner.invoke(app, ["compact", str(missing)])
    assert result.exit_code == 2 and "not a docpipe output" in result.output, result.output
    assert not missing.exists()
    plain = tmp_path / "plain"
    (plain / "stuff").mkdir(parents=True)
    result = runner.invoke(app, ["compact", str(plain)])
    assert result.exit_code == 2 and _tree(plain) == ["stuff"], result.output


def test_compact_considers_only_docpipes_datasets(tmp_path):
    out = _eval_output(tmp_path)
    (out / "export" / "hocr").mkdir(parents=True)
    (out / "export" / "hocr" / "d1.hocr").write_text("<html/>")
    result = runner.invoke(app, ["compact", str(out)])
    assert result.exit_code == 0, result.output
    assert "documents:" in result.output and "export" not in result.output


def test_a_dpi_outside_1_1200_is_a_usage_error_before_anything_is_written(tmp_path):
    for dpi in ("0", "5000"):
        out = tmp_path / f"o{dpi}"
        result = runner.invoke(app, ["run", str(SAMPLES / "invoice_acme.pdf"), "--schema", "invoice",
                                     "--engine", "offline", "--dpi", dpi, "--out", str(out)])
        assert result.exit_code == 2, result.output
        assert "--dpi" in result.output and "Traceback" not in result.output
        assert not out.exists()
