from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
import torch
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

from docpipe.engines.base import (
    ChatMessage,
    Engine,
    EngineRequest,
    EngineResponse,
    EngineUnavailable,
    ImagePart,
    TextPart,
)
from docpipe.engines.hf import HFEngine, RowStopCriteria


class Item(BaseModel):
    """Bounded strings, enums and ints: even a random model must close this JSON quickly."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=12)
    kind: Literal["invoice", "receipt"]
    count: int = Field(ge=0, le=999)
    tags: list[Literal["a", "b"]] = Field(max_length=3)


SCHEMA = Item.model_json_schema()


def _png(width: int = 96, height: int = 64, color: str = "white") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "PNG")
    return buffer.getvalue()


def _messages(text: str = "Extract the item.", system: str | None = "You read documents.") -> list[ChatMessage]:
    messages = [ChatMessage(role="system", content=[TextPart(text=system)])] if system else []
    messages.append(ChatMessage(role="user", content=[ImagePart(index=0), TextPart(text=text)]))
    return messages


def _request(request_id: str, schema: dict[str, Any] | None = SCHEMA, budget: int = 200, **kw: Any) -> EngineRequest:
    return EngineRequest(
        request_id=request_id,
        images=kw.pop("images", [_png()]),
        messages=kw.pop("messages", _messages(kw.pop("text", f"Extract item {request_id}."))),
        json_schema=schema,
        max_new_tokens=budget,
    )


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread() -> Iterator[None]:
    # Tiny matmuls gain nothing from threads, and on a busy 2-core machine OpenMP spinning
    # makes them over 10x slower.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def engine(tiny_llava_dir: Path) -> HFEngine:
    return HFEngine(str(tiny_llava_dir), device="cpu", batch_size=4)


def test_engine_loads_through_from_pretrained(engine: HFEngine, tiny_llava_dir: Path) -> None:
    assert isinstance(engine, Engine)
    info = engine.info
    assert (info.name, info.device, info.dtype, info.box_format) == ("hf", "cpu", "float32", "rel_1")
    assert info.model == str(tiny_llava_dir)
    assert info.model_revision is not None and info.model_revision.startswith("local:")
    assert type(engine.model).__name__ == "LlavaForConditionalGeneration"
    assert engine.tokenizer.padding_side == "left"
    assert engine.tokenizer.eos_token_id in engine.stop_token_ids


def test_chat_rendering_keeps_system_and_image(engine: HFEngine) -> None:
    prompt = engine.render_prompt(_messages("What is the total?", system="Be exact."))
    assert engine.system_role is True
    assert "<|im_start|>system\nBe exact.<|im_end|>" in prompt
    assert "<|im_start|>user\n<image>What is the total?<|im_end|>" in prompt
    assert prompt.endswith("<|im_start|>assistant\n")


def test_system_text_is_folded_when_the_template_has_no_system_role(
    engine: HFEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "system_role", False)
    prompt = engine.render_prompt(_messages("What is the total?", system="Be exact."))
    assert "<|im_start|>system" not in prompt
    assert "<|im_start|>user\nBe exact.\n\n<image>What is the total?" in prompt


def test_constrained_output_validates_against_the_schema(engine: HFEngine) -> None:
    requests = [_request(f"c{i}", text="x" * (i * 7)) for i in range(3)]
    responses = engine.generate(requests)
    assert [r.request_id for r in responses] == ["c0", "c1", "c2"]
    assert engine.stats.masked_tokens >= sum(r.completion_tokens for r in responses) - len(responses)
    assert engine.stats.mask_seconds > 0
    for response in responses:
        assert response.finish_reason == "stop", response.text
        item = Item.model_validate(json.loads(response.text))
        assert item.kind in ("invoice", "receipt")
        assert 0 < response.completion_tokens <= 200
        assert response.prompt_tokens > 0 and response.error is None


def test_batches_keep_request_order_and_per_request_budgets(engine: HFEngine) -> None:
    budgets = [9, 3, 17, 5, 12, 7]  # six requests, batch_size 4: two batches after sorting
    requests = [_request(f"r{i}", schema=None, budget=b, text="y" * i) for i, b in enumerate(budgets)]
    responses = engine.generate(requests)
    assert [r.request_id for r in responses] == [f"r{i}" for i in range(6)]
    for response, budget in zip(responses, budgets):
        assert response.finish_reason in ("stop", "length")
        assert response.completion_tokens <= budget
    # Left padding: a prompt's token count does not depend on its batch neighbours.
    alone = engine.generate([requests[0], requests[5]])
    assert [a.prompt_tokens for a in alone] == [responses[0].prompt_tokens, responses[5].prompt_tokens]
    assert responses[5].prompt_tokens > responses[0].prompt_tokens


def test_concurrent_callers_get_the_answers_a_single_caller_gets(engine: HFEngine) -> None:
    # The executor runs two batches per inference actor at once; greedy decoding must not notice.
    from concurrent.futures import ThreadPoolExecutor

    groups = [[_request(f"t{g}-{i}", text="z" * (g * 5 + i), images=[_png(color=color)]) for i in range(3)]
              for g, color in enumerate(["white", "black", "gray", "red"])]
    alone = [[(r.text, r.finish_reason) for r in engine.generate(group)] for group in groups]
    batches_before = engine.stats.batches
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(engine.generate, groups * 2))
    assert [[(r.text, r.finish_reason) for r in responses] for responses in together] == alone * 2
    assert [[r.request_id for r in responses] for responses in together] == \
        [[r.request_id for r in group] for group in groups * 2]
    assert engine.stats.batches == batches_before + 8  # no counter update lost to a race


def test_batches_group_pages_of_similar_size(engine: HFEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    # Dynamic-resolution models spend image tokens by area: mixing a receipt thumbnail with a
    # full page in one batch pads the small one to the large one's length.
    seen: list[list[tuple[int, int]]] = []
    run = engine._run_isolating_failures

    def recording(batch):
        seen.append([item.images[0].size for item in batch])
        return run(batch)

    monkeypatch.setattr(engine, "_run_isolating_failures", recording)
    sizes = [(96, 64), (400, 560), (96, 64), (400, 560), (100, 66), (400, 560), (96, 64), (410, 570)]
    requests = [_request(f"s{i}", schema=None, budget=3, images=[_png(w, h)]) for i, (w, h) in enumerate(sizes)]
    responses = engine.generate(requests)
    assert [r.request_id for r in responses] == [f"s{i}" for i in range(8)]
    assert sorted(map(sorted, seen)) == [[(96, 64), (96, 64), (96, 64), (100, 66)],
                                         [(400, 560), (400, 560), (400, 560), (410, 570)]]


def test_small_budget_ends_with_length_not_an_exception(engine: HFEngine) -> None:
    (response,) = engine.generate([_request("short", budget=4)])
    assert response.finish_reason == "length"
    assert response.completion_tokens == 4
    assert response.text.startswith("{")
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_json_closed_on_the_last_budgeted_token_counts_as_stop(engine: HFEngine) -> None:
    (full,) = engine.generate([_request("exact")])
    assert full.finish_reason == "stop"
    # Budget for the JSON but not for the EOS after it: complete output, so still "stop".
    (tight,) = engine.generate([_request("exact", budget=full.completion_tokens - 1)])
    assert tight.finish_reason == "stop" and tight.text == full.text
    (short,) = engine.generate([_request("exact", budget=full.completion_tokens - 2)])
    assert short.finish_reason == "length" and full.text.startswith(short.text)


def test_looping_output_is_cut_short(engine: HFEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "repetition_window", 24)
    monkeypatch.setattr(engine, "repetition_max_period", 6)
    (response,) = engine.generate([_request("loop", schema=None, budget=300)])
    assert response.finish_reason == "length"
    assert response.completion_tokens < 300


def test_batch_mixing_schema_and_free_requests(engine: HFEngine) -> None:
    free = {"schema": None, "budget": 16}
    requests = [_request("s0"), _request("f0", **free), _request("s1"), _request("f1", **free)]
    responses = engine.generate(requests)
    assert [r.request_id for r in responses] == ["s0", "f0", "s1", "f1"]
    for response in (responses[0], responses[2]):
        assert response.finish_reason == "stop"
        Item.model_validate_json(response.text)
    for response in (responses[1], responses[3]):
        assert response.finish_reason in ("stop", "length") and response.completion_tokens <= 16


def test_text_only_request(engine: HFEngine) -> None:
    messages = [ChatMessage(role="user", content=[TextPart(text="No image here.")])]
    (response,) = engine.generate([_request("t", images=[], messages=messages)])
    assert response.finish_reason == "stop"
    Item.model_validate_json(response.text)


def test_bad_requests_fail_alone(engine: HFEngine) -> None:
    wrong_index = [ChatMessage(role="user", content=[ImagePart(index=3), TextPart(text="?")])]
    requests = [
        _request("ok0", budget=8),
        _request("broken-image", images=[b"not an image"]),
        _request("bad-index", messages=wrong_index),
        _request("ok1", budget=8),
    ]
    responses = engine.generate(requests)
    assert [r.request_id for r in responses] == ["ok0", "broken-image", "bad-index", "ok1"]
    assert [r.finish_reason for r in responses] == ["length", "error", "error", "length"]
    assert responses[1].error and responses[2].error and "index" in responses[2].error


def test_failing_batch_is_retried_one_by_one(engine: HFEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    original = engine._run_batch

    def flaky(batch: list[Any]) -> list[EngineResponse]:
        if len(batch) > 1 or batch[0].request.request_id == "poison":
            raise RuntimeError("simulated CUDA out of memory")
        return original(batch)

    monkeypatch.setattr(engine, "_run_batch", flaky)
    responses = engine.generate([_request("a", budget=5), _request("poison", budget=5), _request("b", budget=5)])
    assert [r.finish_reason for r in responses] == ["length", "error", "length"]
    assert "simulated CUDA out of memory" in (responses[1].error or "")


def test_model_input_size_for_fixed_size_family(engine: HFEngine) -> None:
    assert engine.model_input_size(1275, 1650) == (1275, 1650)


def test_repetition_guard_stops_looping_rows_only() -> None:
    prompt = torch.arange(5).repeat(3, 1)
    looping = torch.tensor([7, 8, 9] * 20)
    varied = torch.arange(100, 160)
    generated = torch.stack([looping, varied, varied])
    stopper = RowStopCriteria(prompt_len=5, budgets=[100, 100, 60], window=24, max_period=4)
    done = stopper(torch.cat([prompt, generated], dim=1), None)
    assert done.tolist() == [True, False, True]  # row 2 by its budget
    assert stopper.stopped_at == {0: 60, 2: 60}


def test_idefics3_family_end_to_end(tiny_idefics3_dir: Path) -> None:
    engine = HFEngine(str(tiny_idefics3_dir), device="cpu", batch_size=2)
    assert engine.info.box_format == "rel_1" and engine.system_role is True
    responses = engine.generate([_request("i0"), _request("i1", schema=None, budget=6), _request("i2", text="zz")])
    assert [r.request_id for r in responses] == ["i0", "i1", "i2"]
    Item.model_validate_json(responses[0].text)
    Item.model_validate_json(responses[2].text)
    assert responses[1].completion_tokens <= 6


def test_unloadable_processor_is_engine_unavailable(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "llava"}))
    (tmp_path / "model.safetensors").write_bytes(b"")
    with pytest.raises(EngineUnavailable, match="cannot load the processor") as info:
        HFEngine(str(tmp_path), device="cpu")
    assert str(tmp_path) in str(info.value)
