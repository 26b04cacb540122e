"""`--ocr auto|always|never`: validated on the command line, part of the work key, carried to the
word-layer stage."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from docpipe.cli import app
from docpipe.config import RunConfig, pipeline_for_schema
from docpipe.engine_choice import EngineDecision
from docpipe.plan import build_word_layer
from docpipe.runner import _stage_plan
from docpipe.schema_registry import load_schema

SAMPLES = Path(__file__).resolve().parents[1] / "sample_docs"


def _config(tmp_path: Path, **options: object) -> RunConfig:
    return RunConfig(inputs=[str(SAMPLES)], out_dir=tmp_path, pipeline=pipeline_for_schema("invoice"),
                     engine="offline", **options)


def test_every_ocr_mode_gives_its_own_work_key(tmp_path: Path) -> None:
    hashes = {mode: _config(tmp_path, ocr=mode).options_hash() for mode in ("auto", "always", "never")}
    assert len(set(hashes.values())) == 3
    assert _config(tmp_path).options_hash() == hashes["auto"]  # auto is the default


def test_the_mode_reaches_the_word_layer_stage(tmp_path: Path) -> None:
    config = _config(tmp_path, ocr="never")
    decision = EngineDecision(engine="offline")
    plan = _stage_plan(config, load_schema("invoice"), decision)
    assert plan.ocr_mode == "never"
    assert build_word_layer(plan).mode == "never"


def test_an_unknown_ocr_mode_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run", str(SAMPLES), "--ocr", "sometimes", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "--ocr must be auto, always or never" in result.output
    assert not (tmp_path / "o").exists()


def test_a_job_file_sets_the_ocr_mode_and_the_flag_overrides_it(tmp_path: Path) -> None:
    import json

    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "notes.txt").write_text("not a document")  # a sidecar: the run finds no document (exit 4)
    job = tmp_path / "job.toml"
    job.write_text(f'inputs = ["{inbox}"]\nout = "{tmp_path / "a"}"\nengine = "offline"\nocr = "never"\n')
    runner = CliRunner()
    for args, out, expected in ((["run", "--config", str(job)], "a", "never"),
                                (["run", "--config", str(job), "--out", str(tmp_path / "b"), "--ocr", "always"],
                                 "b", "always")):
        result = runner.invoke(app, args)
        assert result.exit_code == 4, result.output
        (summary,) = (tmp_path / out / "_runs").glob("*.json")
        assert json.loads(summary.read_text())["config"]["ocr"] == expected
