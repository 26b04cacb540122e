"""Hugging Face transformers VLM engine with xgrammar-constrained JSON decoding."""

from __future__ import annotations

import importlib.util
import io
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from PIL import Image
from pydantic import BaseModel
from transformers import (
    AutoModelForImageTextToText,
    AutoProcessor,
    LogitsProcessorList,
    StoppingCriteria,
    StoppingCriteriaList,
)

from docpipe.engines.base import (
    ChatMessage,
    EngineInfo,
    EngineRequest,
    EngineResponse,
    EngineUnavailable,
    FinishReason,
    ImagePart,
    TextPart,
)
from docpipe.engines.grammar import GrammarCache, GrammarLogitsProcessor, default_grammar_cache
from docpipe.engines.loading import ResolvedModel, resolve_model
from docpipe.engines.profiles import ModelProfile, input_image_size, profile_for

_SYSTEM_PROBE = "docpipe-system-probe-7f3a"
_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


class RowStopCriteria(StoppingCriteria):
    """Per-row token budgets plus a guard against degenerate loops.

    A row stops when it has generated its own budget, or when its last `window` tokens are
    periodic with a period of at most `max_period` tokens (the same span repeated over and
    over). JSON is full of legitimately repeated n-grams, so n-gram bans are not an option.
    `stopped_at[row]` records how many tokens the row had when this criterion stopped it.
    """

    def __init__(self, prompt_len: int, budgets: Sequence[int], window: int = 128, max_period: int = 32) -> None:
        self.prompt_len = prompt_len
        self.budgets = torch.tensor(list(budgets))
        self.window = window
        self.max_period = max(1, min(max_period, window // 2))
        self.stopped_at: dict[int, int] = {}

    def _looping(self, input_ids: torch.Tensor) -> torch.Tensor:
        tail = input_ids[:, -self.window :]
        span = self.window - self.max_period
        windows = tail.unfold(1, span, 1)  # (batch, max_period + 1, span): shifts 0..max_period
        latest = windows[:, -1:, :]
        return (windows[:, :-1, :] == latest).all(dim=-1).any(dim=-1)

    def __call__(self, input_ids: torch.LongTensor, scores: Any, **kwargs: Any) -> torch.BoolTensor:
        generated = input_ids.shape[1] - self.prompt_len
        if self.budgets.device != input_ids.device:
            self.budgets = self.budgets.to(input_ids.device)
        done = self.budgets <= generated
        if self.window > 0 and generated >= self.window:
            done = done | self._looping(input_ids)
        for row in done.nonzero().flatten().tolist():
            self.stopped_at.setdefault(row, generated)
        return done  # type: ignore[return-value]


class DecodeStats(BaseModel):
    """Running totals for benchmarks: mask cost per token = mask_seconds / masked_tokens."""

    batches: int = 0
    generated_tokens: int = 0
    generate_seconds: float = 0.0  # wall time inside model.generate, masks included
    mask_seconds: float = 0.0  # grammar accept + mask fill + mask apply
    masked_tokens: int = 0  # (row, step) pairs that had a grammar mask applied


@dataclass
class _Prepared:
    index: int
    request: EngineRequest
    prompt: str
    images: list[Image.Image]
    budget: int
    grammar: Any = None


def _decode_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.convert("RGB")


def _size_class(images: list[Image.Image]) -> int:
    """Total pixel count on a half-octave scale: pages of about the same size share a class."""
    area = sum(image.width * image.height for image in images)
    return round(2 * math.log2(area)) if area > 0 else 0


def _pick_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def _pick_dtype(dtype: str, device: torch.device) -> torch.dtype:
    if dtype != "auto":
        if dtype not in _DTYPES:
            raise ValueError(f"dtype must be auto or one of {', '.join(_DTYPES)}, got {dtype!r}")
        return _DTYPES[dtype]
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


class HFEngine:
    """Engine over AutoModelForImageTextToText; greedy, batched, left-padded, optionally constrained.

    Safe to call from several threads, and meant to be: decoding a batch's images, rendering
    prompts and preprocessing run while another thread's batch is on the model, so the model
    never waits for the CPU work of its next batch. The model runs one batch at a time, and
    the tokenizer (whose Rust core must not be shared mid-call) is used by one thread at a time.
    """

    def __init__(
        self,
        model: str,
        revision: str | None = None,
        device: str = "auto",
        dtype: str = "auto",
        batch_size: int = 8,
        max_new_tokens_cap: int = 4096,
        repetition_window: int = 128,
        repetition_max_period: int = 32,
        grammar_cache: GrammarCache | None = None,
        resolved: ResolvedModel | None = None,
    ) -> None:
        self.resolved = resolved or resolve_model(model, revision)
        self.profile: ModelProfile = profile_for(self.resolved.model_type)
        self.device = _pick_device(device)
        self.dtype = _pick_dtype(dtype, self.device)
        self.batch_size = max(1, batch_size)
        self.max_new_tokens_cap = max_new_tokens_cap
        self.repetition_window = repetition_window
        self.repetition_max_period = repetition_max_period
        self.grammars = grammar_cache or default_grammar_cache()
        self.processor, self.model = self._load()
        self.tokenizer = self.processor.tokenizer
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.stop_token_ids = self._stop_token_ids()
        self.vocab_size = self._logits_width()
        # Some checkpoints keep the template only on the tokenizer; the processor can still use it.
        self._template_override = None
        if not getattr(self.processor, "chat_template", None):
            self._template_override = getattr(self.tokenizer, "chat_template", None)
        has_template = bool(getattr(self.processor, "chat_template", None) or self._template_override)
        self.use_chat_template = self.profile.chat_template and has_template
        self.system_role = self._system_role_supported()
        self._cap_image_pixels()
        self.stats = DecodeStats()
        self._model_lock = threading.Lock()
        self._tokenizer_lock = threading.Lock()
        self._stats_lock = threading.Lock()
        self.info = EngineInfo(
            name="hf",
            model=model,
            model_revision=self.resolved.revision,
            device=str(self.device),
            dtype=str(self.dtype).removeprefix("torch."),
            box_format=self.profile.box_format,
        )

    def _load(self) -> tuple[Any, Any]:
        path = self.resolved.path
        try:
            processor = AutoProcessor.from_pretrained(path, local_files_only=True)
        except Exception as exc:  # noqa: BLE001 - any failure here makes the model unusable
            hint = ""
            if self.profile.needs_torchvision and importlib.util.find_spec("torchvision") is None:
                hint = " (this model family's processor needs torchvision: pip install torchvision matching torch)"
            raise EngineUnavailable(f"cannot load the processor of {self.resolved.model!r}: {exc}{hint}") from exc
        try:
            model = AutoModelForImageTextToText.from_pretrained(path, local_files_only=True, dtype=self.dtype)
        except Exception as exc:  # noqa: BLE001
            raise EngineUnavailable(f"cannot load model {self.resolved.model!r} from {path}: {exc}") from exc
        return processor, model.to(self.device).eval()

    def _logits_width(self) -> int:
        # The grammar mask must cover every logit, including lm_head padding beyond the tokenizer.
        head = self.model.get_output_embeddings()
        if head is not None and getattr(head, "weight", None) is not None:
            return int(head.weight.shape[0])
        return int(self.model.config.get_text_config().vocab_size)

    def _stop_token_ids(self) -> list[int]:
        ids: list[int] = []
        configured = self.model.generation_config.eos_token_id
        for value in configured if isinstance(configured, list) else [configured]:
            if isinstance(value, int):
                ids.append(value)
        if self.tokenizer.eos_token_id is not None:
            ids.append(int(self.tokenizer.eos_token_id))
        vocab = self.tokenizer.get_vocab()
        ids.extend(vocab[token] for token in self.profile.stop_tokens if token in vocab)
        return sorted(set(ids))

    def _system_role_supported(self) -> bool:
        if self.profile.system_role is not None or not self.use_chat_template:
            return bool(self.profile.system_role) and self.use_chat_template
        probe = [
            {"role": "system", "content": [{"type": "text", "text": _SYSTEM_PROBE}]},
            {"role": "user", "content": [{"type": "text", "text": "x"}]},
        ]
        try:
            rendered = self._apply_template(probe)
        except Exception:  # noqa: BLE001 - templates raise on roles they reject
            return False
        return _SYSTEM_PROBE in rendered

    def _cap_image_pixels(self) -> None:
        if self.profile.max_pixels is None:
            return
        size = getattr(getattr(self.processor, "image_processor", None), "size", None)
        current = size.get("longest_edge") if isinstance(size, dict) else getattr(size, "longest_edge", None)
        if isinstance(current, int) and current > self.profile.max_pixels:
            if isinstance(size, dict):
                size["longest_edge"] = self.profile.max_pixels
            else:
                size.longest_edge = self.profile.max_pixels  # type: ignore[union-attr]

    def model_input_size(self, width: int, height: int) -> tuple[int, int]:
        """(width, height) the processor resizes an image to; boxes in "qwen_abs_pixels" refer to it."""
        return input_image_size(self.processor, width, height)

    # -- request preparation -------------------------------------------------------------------

    def _fold_system(self, messages: list[ChatMessage]) -> list[ChatMessage]:
        system = [p.text for m in messages if m.role == "system" for p in m.content if isinstance(p, TextPart)]
        rest = [m for m in messages if m.role != "system"]
        if not system:
            return rest
        prefix = TextPart(text="\n\n".join(system) + "\n\n")
        for position, message in enumerate(rest):
            if message.role == "user":
                rest[position] = ChatMessage(role="user", content=[prefix, *message.content])
                return rest
        return [ChatMessage(role="user", content=[prefix]), *rest]

    def render_prompt(self, messages: list[ChatMessage]) -> str:
        """The exact prompt text the model sees (image parts become the family's placeholders)."""
        if not self.system_role:
            messages = self._fold_system(messages)
        if not self.use_chat_template:
            return "\n\n".join(p.text for m in messages for p in m.content if isinstance(p, TextPart))
        conversation = [
            {
                "role": message.role,
                "content": [
                    {"type": "image"} if isinstance(part, ImagePart) else {"type": "text", "text": part.text}
                    for part in message.content
                ],
            }
            for message in messages
        ]
        return self._apply_template(conversation)

    def _apply_template(self, conversation: list[dict[str, Any]]) -> str:
        return self.processor.apply_chat_template(
            conversation, chat_template=self._template_override, add_generation_prompt=True, tokenize=False
        )

    def _prepare(self, index: int, request: EngineRequest) -> _Prepared:
        decoded = [_decode_image(data) for data in request.images]
        order = [part.index for m in request.messages for part in m.content if isinstance(part, ImagePart)]
        for position in order:
            if not 0 <= position < len(decoded):
                raise ValueError(f"image part index {position} but the request has {len(decoded)} images")
        images = [decoded[position] for position in order]
        grammar = None
        if request.json_schema is not None:
            grammar = self.grammars.compile(
                self.tokenizer, request.json_schema, vocab_size=self.vocab_size, stop_token_ids=self.stop_token_ids
            )
        budget = max(1, min(request.max_new_tokens, self.max_new_tokens_cap))
        return _Prepared(index, request, self.render_prompt(request.messages), images, budget, grammar)

    # -- generation ----------------------------------------------------------------------------

    def generate(self, requests: list[EngineRequest]) -> list[EngineResponse]:
        prepared: list[_Prepared] = []
        results: list[EngineResponse | None] = [None] * len(requests)
        for index, request in enumerate(requests):
            try:
                prepared.append(self._prepare(index, request))
            except Exception as exc:  # noqa: BLE001 - a bad request fails alone
                results[index] = _error_response(request.request_id, f"invalid request: {exc}")
        # Similar work together: a batch runs as long as its longest budget and pads every row to
        # its longest prompt, and image size sets the image-token count of dynamic-resolution
        # families. Grouping by budget, then image size, then prompt length wastes least.
        prepared.sort(key=lambda item: (bool(item.images), item.budget, _size_class(item.images), len(item.prompt)))
        for start in range(0, len(prepared), self.batch_size):
            batch = prepared[start : start + self.batch_size]
            for item, response in zip(batch, self._run_isolating_failures(batch)):
                results[item.index] = response
        return [result for result in results if result is not None]

    def _run_isolating_failures(self, batch: list[_Prepared]) -> list[EngineResponse]:
        try:
            return self._run_batch(batch)
        except Exception:  # noqa: BLE001 - retry one by one to find the request that breaks
            self._release_cuda_memory()
        responses = []
        for item in batch:
            try:
                responses.extend(self._run_batch([item]))
            except Exception as exc:  # noqa: BLE001
                self._release_cuda_memory()
                responses.append(_error_response(item.request.request_id, f"{type(exc).__name__}: {exc}"))
        return responses

    def _release_cuda_memory(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.empty_cache()

    def _encode(self, batch: list[_Prepared]) -> Any:
        prompts = [item.prompt for item in batch]
        images = [item.images for item in batch] if any(item.images for item in batch) else None
        bos = self.tokenizer.bos_token
        # Rendered templates usually already start with BOS; adding it again shifts the model.
        add_special = not (bos is not None and prompts[0].startswith(bos))
        with self._tokenizer_lock:
            encoded = self.processor(
                text=prompts, images=images, padding=True, return_tensors="pt", add_special_tokens=add_special
            )
        encoded = encoded.to(self.device)
        for key, value in encoded.items():
            if torch.is_floating_point(value):
                encoded[key] = value.to(self.dtype)
        return encoded

    def _run_batch(self, batch: list[_Prepared]) -> list[EngineResponse]:
        started = time.perf_counter()
        encoded = self._encode(batch)
        prompt_len = int(encoded["input_ids"].shape[1])
        encoder_decoder = bool(getattr(self.model.config, "is_encoder_decoder", False))
        prompt_tokens = encoded["attention_mask"].sum(dim=1).tolist()
        budgets = [item.budget for item in batch]
        # Encoder-decoder models hand the criteria decoder ids, which start at one token.
        stopper = RowStopCriteria(
            1 if encoder_decoder else prompt_len, budgets, self.repetition_window, self.repetition_max_period
        )
        processors = LogitsProcessorList()
        grammar_processor = None
        if any(item.grammar is not None for item in batch):
            grammar_processor = GrammarLogitsProcessor([item.grammar for item in batch])
            processors.append(grammar_processor)
        with self._model_lock:
            generate_started = time.perf_counter()
            output = self._generate(encoded, budgets, processors, stopper)
            generate_seconds = time.perf_counter() - generate_started
        generated = output[:, 1:] if encoder_decoder else output[:, prompt_len:]
        rows = generated.tolist()
        if grammar_processor is not None:
            grammar_processor.finish(rows)
        elapsed = time.perf_counter() - started
        responses = []
        generated_tokens = 0
        for row, item in enumerate(batch):
            tokens, reason = self._trim(rows[row], stopper.stopped_at.get(row), item.budget)
            ended_by_stop_token = reason == "stop"
            if reason == "length" and grammar_processor is not None and grammar_processor.completed(row):
                reason = "stop"  # the JSON closed on the last budgeted token; only EOS was missing
            generated_tokens += len(tokens) + int(ended_by_stop_token)
            with self._tokenizer_lock:
                text = self.tokenizer.decode(tokens, skip_special_tokens=True)
            responses.append(
                EngineResponse(
                    request_id=item.request.request_id,
                    text=text,
                    finish_reason=reason,
                    prompt_tokens=int(prompt_tokens[row]),
                    completion_tokens=len(tokens) + int(ended_by_stop_token),
                    latency_s=elapsed / len(batch),  # batch wall time shared out: sums add up
                )
            )
        with self._stats_lock:
            self.stats.batches += 1
            self.stats.generate_seconds += generate_seconds
            self.stats.generated_tokens += generated_tokens
            if grammar_processor is not None:
                self.stats.mask_seconds += grammar_processor.mask_seconds
                self.stats.masked_tokens += grammar_processor.masked_rows
        return responses

    def _generate(self, encoded: Any, budgets: list[int], processors: LogitsProcessorList,
                  stopper: RowStopCriteria) -> torch.Tensor:
        with torch.inference_mode():
            return self.model.generate(
                **encoded,
                max_new_tokens=max(budgets),
                do_sample=False,
                num_beams=1,
                temperature=None,
                top_p=None,
                top_k=None,
                eos_token_id=self.stop_token_ids,
                pad_token_id=self.tokenizer.pad_token_id,
                logits_processor=processors,
                stopping_criteria=StoppingCriteriaList([stopper]),
            )

    def _trim(self, tokens: list[int], stopped_at: int | None, budget: int) -> tuple[list[int], FinishReason]:
        """Cut a row at its stop token or at the point our criterion stopped it."""
        stops = set(self.stop_token_ids)
        stop = next((i for i, token in enumerate(tokens) if token in stops), None)
        if stop is not None and (stopped_at is None or stop < stopped_at):
            return tokens[:stop], "stop"
        end = min(stopped_at if stopped_at is not None else len(tokens), budget)
        return tokens[:end], "length"


def _error_response(request_id: str, message: str) -> EngineResponse:
    return EngineResponse(request_id=request_id, finish_reason="error", error=message)
