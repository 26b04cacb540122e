from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import torch

from docpipe.engines.grammar import GrammarCache, GrammarLogitsProcessor, apply_bitmask_cpu, schema_key

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 4},
        "count": {"type": "integer", "minimum": 0, "maximum": 9},
    },
    "required": ["name", "count"],
}


@pytest.fixture(scope="module")
def tokenizer(tiny_llava_dir: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_llava_dir, local_files_only=True)


def _matches(grammar: Any, text: str) -> bool:
    import xgrammar as xgr

    matcher = xgr.GrammarMatcher(grammar)
    return matcher.accept_string(text) and matcher.is_completed()


def test_same_schema_gives_the_same_compiled_object(tokenizer: Any) -> None:
    cache = GrammarCache()
    first = cache.compile(tokenizer, SCHEMA)
    reordered_dict = json.loads(json.dumps(SCHEMA))
    assert cache.compile(tokenizer, reordered_dict) is first
    assert (cache.hits, cache.misses) == (1, 1)


def test_property_order_is_part_of_the_key(tokenizer: Any) -> None:
    # xgrammar emits properties in declared order, so reordering changes the grammar.
    swapped = {**SCHEMA, "properties": dict(reversed(list(SCHEMA["properties"].items())))}
    assert schema_key(swapped) != schema_key(SCHEMA)
    cache = GrammarCache()
    assert _matches(cache.compile(tokenizer, swapped), '{"count": 3, "name": "ab"}')
    assert not _matches(cache.compile(tokenizer, SCHEMA), '{"count": 3, "name": "ab"}')


def test_concurrent_compiles_share_one_grammar(tokenizer: Any) -> None:
    cache = GrammarCache()
    with ThreadPoolExecutor(max_workers=4) as pool:
        grammars = list(pool.map(lambda _: cache.compile(tokenizer, SCHEMA), range(8)))
    assert all(grammar is grammars[0] for grammar in grammars)
    assert len(cache) == 1


def test_lru_evicts_oldest(tokenizer: Any) -> None:
    cache = GrammarCache(max_entries=2)
    schemas = [{"type": "object", "properties": {f"k{i}": {"type": "integer"}}} for i in range(3)]
    first = cache.compile(tokenizer, schemas[0])
    cache.compile(tokenizer, schemas[1])
    cache.compile(tokenizer, schemas[2])
    assert len(cache) == 2
    assert cache.compile(tokenizer, schemas[0]) is not first


def test_grammar_enforces_bounds_and_compact_whitespace(tokenizer: Any) -> None:
    grammar = GrammarCache().compile(tokenizer, SCHEMA)
    assert _matches(grammar, '{"name": "abcd", "count": 9}')
    assert not _matches(grammar, '{"name": "abcde", "count": 9}')  # maxLength
    assert not _matches(grammar, '{"name": "ab", "count": 10}')  # maximum
    assert not _matches(grammar, '{"name": "ab", "count": 1, "extra": 1}')  # strict
    assert not _matches(grammar, '{ "name": "ab", "count": 1}')  # no free whitespace


def test_processor_masks_only_rows_with_a_grammar(tokenizer: Any) -> None:
    grammar = GrammarCache().compile(tokenizer, SCHEMA)
    vocab = grammar.tokenizer_info.vocab_size
    processor = GrammarLogitsProcessor([grammar, None])
    scores = torch.zeros(2, vocab)
    masked = processor(torch.zeros(2, 3, dtype=torch.long), scores.clone())
    allowed = torch.isfinite(masked[0]).nonzero().flatten().tolist()
    assert allowed and all(tokenizer.decode([t]).startswith("{") for t in allowed)
    assert torch.isfinite(masked[1]).all()
    assert processor.mask_steps == 1 and processor.masked_rows == 1


def test_processor_follows_tokens_and_reports_completion(tokenizer: Any) -> None:
    grammar = GrammarCache().compile(tokenizer, SCHEMA)
    vocab = grammar.tokenizer_info.vocab_size
    tokens = tokenizer.encode('{"name": "ab", "count": 7}', add_special_tokens=False)
    processor = GrammarLogitsProcessor([grammar])
    ids = torch.zeros(1, 2, dtype=torch.long)
    for token in tokens:
        scores = processor(ids, torch.zeros(1, vocab))
        assert torch.isfinite(scores[0, token]), tokenizer.decode([token])
        ids = torch.cat([ids, torch.tensor([[token]])], dim=1)
    scores = processor(ids, torch.zeros(1, vocab))
    # Once the object is closed only the stop token remains.
    assert torch.isfinite(scores[0]).nonzero().flatten().tolist() == [tokenizer.eos_token_id]
    assert processor.completed(0)


def test_unfinished_json_is_not_completed(tokenizer: Any) -> None:
    grammar = GrammarCache().compile(tokenizer, SCHEMA)
    tokens = tokenizer.encode('{"name": "ab"', add_special_tokens=False)
    processor = GrammarLogitsProcessor([grammar])
    processor(torch.zeros(1, 1, dtype=torch.long), torch.zeros(1, grammar.tokenizer_info.vocab_size))
    processor.finish([tokens])
    assert not processor.completed(0)


@pytest.mark.parametrize("rows", [[0, 1, 2], [2, 0]])
def test_cpu_mask_matches_the_xgrammar_kernel(rows: list[int]) -> None:
    import xgrammar as xgr

    generator = torch.Generator().manual_seed(0)
    vocab = 1000  # not a multiple of 32: the last word is partly padding
    bitmask = torch.randint(-(2**31), 2**31 - 1, (3, (vocab + 31) // 32), dtype=torch.int32, generator=generator)
    scores = torch.randn(3, vocab, generator=generator)
    expected = scores.clone()
    xgr.apply_token_bitmask_inplace(expected, bitmask, vocab_size=vocab, indices=rows, backend="cpu")
    apply_bitmask_cpu(scores, bitmask, rows, vocab)
    assert torch.equal(scores, expected)
