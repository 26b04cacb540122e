"""Issue: honest results, item 3 — explicit choices are never overridden, and checks run in the order
that gives the clearest error first (arguments and output before a model probe)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from docpipe import engine_choice
from docpipe.cli import app
from docpipe.engines.loading import model_fingerprint

runner = CliRunner()
SAMPLES = Path(__file__).resolve().parents[1] / "sample_docs"


@pytest.fixture
def probes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every model resolution (the hub probe) instead of doing it; it always fails."""
    from docpipe.engines import loading
    from docpipe.engines.base import EngineUnavailable

    calls: list[str] = []

    def fake_resolve(model: str, revision: str | None = None, **_):
        calls.append(model)
        raise EngineUnavailable(f"model {model!r} is not available: test")

    monkeypatch.setattr(loading, "resolve_model", fake_resolve)
    return calls


def test_an_explicit_model_that_cannot_load_is_a_usage_error_not_a_fallback(tmp_path: Path, probes) -> None:
    result = runner.invoke(app, ["run", str(SAMPLES / "invoice_acme.pdf"), "--model", "./no-such-model",
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "--model ./no-such-model" in result.output and "offline" not in result.output.split("error:")[0]
    assert probes == ["./no-such-model"]
    assert not list((tmp_path / "out" / "documents").glob("*.parquet"))


def test_only_the_pipelines_default_model_falls_back_under_auto(tmp_path: Path, probes) -> None:
    result = runner.invoke(app, ["run", str(SAMPLES / "invoice_acme.pdf"), "--out", str(tmp_path / "out"),
                                 "--log-format", "json"])
    assert result.exit_code == 0, result.output
    assert probes == ["Qwen/Qwen3-VL-2B-Instruct"]
    assert '"event": "notice"' in result.output and "offline engine" in result.output


def test_offline_engine_with_a_model_is_contradictory(tmp_path: Path, probes) -> None:
    result = runner.invoke(app, ["run", str(SAMPLES / "invoice_acme.pdf"), "--engine", "offline",
                                 "--model", "org/some-vlm", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "--engine offline" in result.output and probes == []


def test_output_checks_come_before_the_model_probe(tmp_path: Path, probes) -> None:
    from docpipe.output.lock import OutputLock

    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = runner.invoke(app, ["run", str(SAMPLES / "invoice_acme.pdf"), "--out", str(blocker)])
    assert result.exit_code == 3 and "error:" in result.output
    out = tmp_path / "locked"
    out.mkdir()
    with OutputLock(out, run_id="holder"):
        result = runner.invoke(app, ["run", str(SAMPLES / "invoice_acme.pdf"), "--out", str(out)])
    assert result.exit_code == 3 and "holder" in result.output
    assert probes == []  # no model notice before either error
    assert "notice" not in result.output


def test_a_pipeline_task_the_engine_cannot_do_is_refused_up_front(tmp_path: Path, probes,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from docpipe.processing import offline

    monkeypatch.setattr(offline, "OFFLINE_TASKS", frozenset({"extract", "ocr", "ground"}))
    assert engine_choice.unsupported_tasks("offline", ["chart_qa", "ground"]) == ["chart_qa"]
    result = runner.invoke(app, ["run", str(SAMPLES / "chart_bar.pdf"), "--pipeline", "charts",
                                 "-q", "What is the highest value?", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "chart_qa" in result.output and "cannot" in result.output
    assert not list((tmp_path / "out" / "documents").glob("*.parquet"))


def test_a_local_models_revision_changes_when_its_weights_change(tmp_path: Path) -> None:
    model = tmp_path / "vlm"
    model.mkdir()
    (model / "config.json").write_text('{"model_type": "llava"}')
    weights = model / "model.safetensors"
    weights.write_bytes(bytes(3_000_000))
    first = model_fingerprint(model)
    stamp = weights.stat().st_mtime_ns
    weights.write_bytes(bytes(range(256)) * (3_000_000 // 256) + bytes(3_000_000 % 256))  # retrained, same size
    os.utime(weights, ns=(stamp, stamp))  # even with the old modification time kept (rsync -t)
    second = model_fingerprint(model)
    (model / "chat_template.jinja").write_text("{{ messages }}")
    third = model_fingerprint(model)
    assert len({first, second, third}) == 3
    assert model_fingerprint(model) == third  # stable when nothing changes
