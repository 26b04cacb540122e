"""Cost of constrained decoding per generated token, with a realistically sized vocabulary.

The mask costs grow with the vocabulary: the tiny test model's 640 tokens would flatter the number.
No real tokenizer can be downloaded here, so a byte-level BPE of ~32k tokens is trained on
generated invoice text in a few seconds (the size of Llama-2/Mistral vocabularies; Qwen's 151k
would cost more). The matcher is then driven through valid invoice JSON token by token, exactly
as `generate` would if the model had written that output.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import statistics
import time
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from docpipe.devtools.corpus import random_invoice

_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
_CONSONANTS = "bcdfghjklmnprstvwz"
_VOWELS = "aeiouy"
WIDE_VOCAB = 151_936


class GrammarBenchResult(BaseModel):
    vocab_size: int  # tokens in the trained tokenizer
    logits_width: int
    outputs: int  # JSON documents fed
    tokens: int  # tokens fed in all (each one masked before it was accepted)
    repeats: int  # the outputs were fed this many times; the fastest repetition is reported
    train_s: float
    compile_s: float
    fill_us_per_token: float  # mean, matcher.fill_next_token_bitmask
    apply_us_per_token: float  # mean, bitmask applied to the logits (the engine's CPU path)
    accept_us_per_token: float  # mean, matcher.accept_token
    mask_us_per_token: float  # fill + apply: the metric
    mask_p50_us: float
    mask_p99_us: float
    processor_us_per_token: float  # GrammarLogitsProcessor.__call__ end to end (accept + fill + apply)
    torch_threads: int  # as an inference worker sets them
    # Apply alone at a production model's logits width (Qwen2/2.5/3-VL: 151,936): the engine's
    # CPU path and xgrammar's own kernel. Fill needs a tokenizer that large, which is not here.
    wide_vocab: int
    wide_apply_us: float
    wide_apply_xgrammar_us: float


def _lexicon(rng: random.Random, size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        syllables = rng.choice((1, 2, 2, 3, 3, 4))
        words.add("".join(rng.choice(_CONSONANTS) + rng.choice(_VOWELS) for _ in range(syllables)))
    return sorted(words)


def _training_text(rng: random.Random, lines: int) -> Iterator[str]:
    """Zipf-distributed pseudo-words, invoice JSON and label text, like a tokenizer's corpus mix."""
    lexicon = _lexicon(rng, 60_000)
    # Cumulative once: rng.choices would otherwise re-sum 60k weights for every line.
    cumulative = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(lexicon))))
    for index in range(lines):
        if index % 50 == 0:
            yield json.dumps(_expected(random_invoice(rng)), ensure_ascii=False)
            continue
        words = rng.choices(lexicon, cum_weights=cumulative, k=rng.randint(6, 24))
        if index % 3 == 0:
            words = [w.title() if rng.random() < 0.3 else w for w in words]
            words.insert(rng.randrange(len(words)), f"{rng.randint(0, 99999)}.{rng.randint(0, 99):02d}")
        yield " ".join(words)


def train_tokenizer(vocab_size: int = 32_000, seed: int = 0) -> Any:
    """A byte-level BPE `PreTrainedTokenizerFast` of about `vocab_size` tokens (seconds on one core)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=_SPECIALS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    # Enough text that every merge up to vocab_size still has pairs to merge.
    lines = max(2_000, vocab_size * 3)
    tokenizer.train_from_iterator(_training_text(random.Random(seed), lines), trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<|im_start|>", eos_token="<|im_end|>",
                                   pad_token="<|endoftext|>")


def _expected(spec: Any) -> dict[str, Any]:
    return spec.expected()


def fill_schema(schema: dict[str, Any], known: dict[str, Any], rng: random.Random, name: str = "") -> Any:
    """A value of the decoding schema, taking known values by field name (invoice truth)."""
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        concrete = [o for o in options if o.get("type") != "null"]
        if (name in known and known[name] is None) or not concrete:
            return None
        return fill_schema(concrete[0], known, rng, name)
    kind = schema.get("type")
    if kind == "object":
        return {key: fill_schema(sub, known, rng, key) for key, sub in schema.get("properties", {}).items()}
    if kind == "array":
        rows = known.get(name)
        if isinstance(rows, list):
            return [fill_schema(schema["items"], row if isinstance(row, dict) else {}, rng) for row in rows]
        return [fill_schema(schema["items"], {}, rng) for _ in range(rng.randint(1, 4))]
    value = known.get(name)
    if kind == "number":
        return float(value) if value is not None else round(rng.uniform(1, 5000), 2)
    if kind == "integer":
        return int(float(value)) if value is not None else rng.randint(1, 100)
    if kind == "boolean":
        return bool(value) if value is not None else rng.random() < 0.5
    if kind == "string":
        if value is not None:
            return str(value)
        if "pattern" in schema and "d{4}" in schema["pattern"]:
            return f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        return "EUR" if "pattern" in schema else "Consulting services"
    return None


def invoice_outputs(schema: dict[str, Any], count: int, seed: int = 0) -> list[str]:
    """`count` valid outputs for the decoding schema, formatted as the grammar emits them."""
    rng = random.Random(seed)
    # json.dumps' default separators (", " and ": ") are the ones the grammar fixes.
    return [json.dumps(fill_schema(schema, _expected(random_invoice(rng)), rng), ensure_ascii=False)
            for _ in range(count)]


def _engine_threads() -> int:
    # What an inference worker runs with (docpipe.plan): the apply step's torch ops use them.
    return int(os.environ.get("DOCPIPE_TORCH_THREADS", "0")) or max(1, (os.cpu_count() or 2) // 2)


def _drive(grammar: Any, sequences: list[list[int]], width: int) -> tuple[list[float], list[float], list[float], list]:
    """Per-token fill, apply and accept seconds over `sequences`, plus a sample of the masks."""
    import torch
    import xgrammar as xgr

    from docpipe.engines.grammar import apply_bitmask_cpu

    logits = torch.randn(1, width)
    scores = torch.empty_like(logits)
    bitmask = xgr.allocate_token_bitmask(1, width)
    fill, apply, accept, sample = [], [], [], []
    clock = time.perf_counter
    for tokens in sequences:
        matcher = xgr.GrammarMatcher(grammar)
        for token in tokens:
            scores.copy_(logits)  # fresh logits each step, as the model would produce
            t0 = clock()
            matcher.fill_next_token_bitmask(bitmask)
            t1 = clock()
            apply_bitmask_cpu(scores, bitmask, [0], width)
            t2 = clock()
            accepted = matcher.accept_token(token)
            t3 = clock()
            if not accepted:
                raise RuntimeError(f"the grammar rejected token {token}")
            fill.append(t1 - t0)
            apply.append(t2 - t1)
            accept.append(t3 - t2)
            if len(fill) % 10 == 0:
                sample.append(bitmask.clone())
    return fill, apply, accept, sample


def _processor_seconds(grammar: Any, sequences: list[list[int]], width: int, bos: int) -> float:
    """Mask time as the engine's logits processor records it (accept + fill + apply)."""
    import torch

    from docpipe.engines.grammar import GrammarLogitsProcessor

    logits = torch.randn(1, width)
    scores = torch.empty_like(logits)
    total = 0.0
    for tokens in sequences:
        processor = GrammarLogitsProcessor([grammar])
        ids = torch.tensor([[bos]])
        for token in tokens:
            scores.copy_(logits)
            processor(ids, scores)
            ids = torch.cat([ids, torch.tensor([[token]])], dim=1)
        total += processor.mask_seconds
    return total


def _wide_apply_us(sample: list, width: int) -> tuple[float, float]:
    """Mean µs to apply masks to a `width`-wide logits row: the engine's CPU path, xgrammar's kernel.

    The masks are the sampled ones tiled across the row, so allowed and blocked tokens mix as
    they would in a large vocabulary.
    """
    import torch
    import xgrammar as xgr

    from docpipe.engines.grammar import apply_bitmask_cpu

    words = (width + 31) // 32
    wide = [m.repeat(1, -(-words // m.shape[1]))[:, :words].contiguous() for m in sample]
    logits = torch.randn(1, width)
    scores = torch.empty_like(logits)
    timings = []
    for apply in (lambda m: apply_bitmask_cpu(scores, m, [0], width),
                  lambda m: xgr.apply_token_bitmask_inplace(scores, m, vocab_size=width, backend="cpu")):
        spent = 0.0
        for mask in wide:
            scores.copy_(logits)
            started = time.perf_counter()
            apply(mask)
            spent += time.perf_counter() - started
        timings.append(round(1e6 * spent / max(1, len(wide)), 1))
    return timings[0], timings[1]


def bench_grammar(schema: dict[str, Any], vocab_size: int = 32_000, outputs: int = 20,
                  seed: int = 0, repeats: int = 3) -> GrammarBenchResult:
    """Time mask fill + apply for every token of `outputs` realistic JSON answers to `schema`."""
    import torch

    from docpipe.engines.grammar import GrammarCache

    started = time.perf_counter()
    tokenizer = train_tokenizer(vocab_size, seed)
    train_s = time.perf_counter() - started
    width = len(tokenizer)
    stop = [int(tokenizer.eos_token_id)]
    started = time.perf_counter()
    grammar = GrammarCache().compile(tokenizer, schema, vocab_size=width, stop_token_ids=stop)
    compile_s = time.perf_counter() - started
    sequences = [tokenizer.encode(text, add_special_tokens=False) + stop
                 for text in invoice_outputs(schema, outputs, seed)]

    threads = torch.get_num_threads()
    torch.set_num_threads(_engine_threads())
    try:
        # Best of a few repetitions, as timeit does: on a shared machine a single preemption of
        # tens of milliseconds would otherwise dominate a mean of ~100 µs steps.
        runs = [_drive(grammar, sequences, width) for _ in range(repeats)]
        fill, apply, accept, sample = min(runs, key=lambda run: sum(run[0]) + sum(run[1]))
        processor_s = _processor_seconds(grammar, sequences, width, int(tokenizer.bos_token_id))
        wide_engine, wide_xgrammar = _wide_apply_us(sample, WIDE_VOCAB)
    finally:
        torch.set_num_threads(threads)
    mask = sorted(f + a for f, a in zip(fill, apply))
    n = len(mask)
    us = 1e6
    return GrammarBenchResult(
        vocab_size=len(tokenizer), logits_width=width, outputs=len(sequences), tokens=n, repeats=repeats,
        train_s=round(train_s, 2), compile_s=round(compile_s, 3), torch_threads=_engine_threads(),
        fill_us_per_token=round(us * statistics.fmean(fill), 1),
        apply_us_per_token=round(us * statistics.fmean(apply), 1),
        accept_us_per_token=round(us * statistics.fmean(accept), 1),
        mask_us_per_token=round(us * statistics.fmean(mask), 1),
        mask_p50_us=round(us * mask[n // 2], 1),
        mask_p99_us=round(us * mask[min(n - 1, int(n * 0.99))], 1),
        processor_us_per_token=round(us * processor_s / n, 1),
        wide_vocab=WIDE_VOCAB, wide_apply_us=wide_engine, wide_apply_xgrammar_us=wide_xgrammar,
    )
