"""Build tiny, randomly initialised vision-language models for tests and benchmarks.

The models are real transformers architectures (config classes, processors, chat templates) saved
with `save_pretrained`, so `AutoProcessor.from_pretrained` + `AutoModelForImageTextToText
.from_pretrained` load them exactly the way users' checkpoints load. Their weights are random: they
say nothing useful, but they exercise batching, padding, chat rendering and constrained decoding.

Families are limited to those whose processors work without torchvision: the Qwen2/2.5/3-VL and
SmolVLM(2) processors in transformers 5 require a torchvision video processor.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

TinyFamily = Literal["llava", "idefics3"]
TINY_FAMILIES: tuple[TinyFamily, ...] = ("llava", "idefics3")

_VOCAB_SIZE = 640
_IMAGE_SIZE = 32
_PATCH_SIZE = 8

# ChatML-like template: handles system/user/assistant, string or list content, image parts.
_LLAVA_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for part in message['content'] %}{% if part['type'] == 'image' %}<image>"
    "{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}{% endfor %}{% endif %}"
    "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

# Idefics3-style template ("User:<image>text<end_of_utterance>").
_IDEFICS3_TEMPLATE = (
    "<|im_start|>{% for message in messages %}{{ message['role'] | capitalize }}"
    "{% if message['content'] is string %}: {{ message['content'] }}{% else %}"
    "{% if message['content'][0]['type'] == 'image' %}:{% else %}: {% endif %}"
    "{% for part in message['content'] %}{% if part['type'] == 'image' %}<image>"
    "{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}{% endfor %}{% endif %}"
    "<end_of_utterance>\n{% endfor %}{% if add_generation_prompt %}Assistant:{% endif %}"
)

_WORDS = (
    "invoice number date total amount tax vat net gross due customer supplier address street city "
    "zip country name phone email item description quantity unit price currency page chart title "
    "label value series year month rechnung datum betrag summe facture montant fecha importe "
    "totale fattura receipt store cash card change subtotal discount iban bic order reference "
    "true false null none yes no system user assistant image question answer box"
).split()


def _training_corpus() -> Iterator[str]:
    """Deterministic text so BPE merges favour JSON punctuation, digits and label words."""
    for i, (a, b) in enumerate(itertools.product(_WORDS, repeat=2)):
        if i % 7:
            continue
        yield f'{{"{a}": "{b.title()} {i % 1000}", "{b}_{a}": {i % 97}.{i % 100:02d}, "ok": true}}'
        yield f'[{{"{a}": null}}, {{"{b}": [{i % 10}, {i % 13}, "{i:06d}"]}}]'
        yield f"{a.upper()} {b}: {i % 31:02d}.{i % 12 + 1:02d}.20{i % 30:02d} EUR {i * 7 % 10000},{i % 100:02d}"
    yield "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 {}[]:,.\"'-_/\\ \n\t"


def _train_tokenizer(special_tokens: list[str]) -> object:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    # Byte-level: every UTF-8 string is spellable, so a grammar can always be satisfied.
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=_VOCAB_SIZE,
        special_tokens=special_tokens,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(_training_corpus(), trainer)
    return tokenizer


def _fast_tokenizer(special_tokens: list[str], bos: str, eos: str, pad: str) -> object:
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(
        tokenizer_object=_train_tokenizer(special_tokens),
        bos_token=bos,
        eos_token=eos,
        pad_token=pad,
        model_max_length=4096,
    )


def _tiny_text_config(tokenizer: object, vocab_size: int) -> dict[str, object]:
    return {
        "model_type": "llama",
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "vocab_size": vocab_size,
        "max_position_embeddings": 4096,
        "bos_token_id": tokenizer.bos_token_id,  # type: ignore[attr-defined]
        "eos_token_id": tokenizer.eos_token_id,  # type: ignore[attr-defined]
        "pad_token_id": tokenizer.pad_token_id,  # type: ignore[attr-defined]
        "tie_word_embeddings": False,
    }


def _pil_image_processor(name: str) -> type:
    """transformers 5 names the torchvision-free processors *Pil; 4.x's plain ones are PIL-based."""
    import transformers

    return getattr(transformers, f"{name}Pil", None) or getattr(transformers, name)


def _build_llava() -> tuple[object, object]:
    from transformers import (
        CLIPVisionConfig,
        LlamaConfig,
        LlavaConfig,
        LlavaForConditionalGeneration,
        LlavaProcessor,
    )

    tokenizer = _fast_tokenizer(
        ["<|endoftext|>", "<s>", "<|im_start|>", "<|im_end|>", "<image>"],
        bos="<s>",
        eos="<|im_end|>",
        pad="<|endoftext|>",
    )
    image_processor = _pil_image_processor("CLIPImageProcessor")(
        size={"shortest_edge": _IMAGE_SIZE}, crop_size={"height": _IMAGE_SIZE, "width": _IMAGE_SIZE}
    )
    processor = LlavaProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        patch_size=_PATCH_SIZE,
        vision_feature_select_strategy="full",
        chat_template=_LLAVA_TEMPLATE,
        image_token="<image>",
        num_additional_image_tokens=1,  # CLIP's CLS token is kept by the "full" strategy
    )
    vision = CLIPVisionConfig(
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        image_size=_IMAGE_SIZE,
        patch_size=_PATCH_SIZE,
        projection_dim=32,
    )
    text = LlamaConfig(**_tiny_text_config(tokenizer, len(tokenizer)))  # type: ignore[arg-type]
    config = LlavaConfig(
        vision_config=vision,
        text_config=text,
        image_token_index=tokenizer.convert_tokens_to_ids("<image>"),  # type: ignore[attr-defined]
        vision_feature_select_strategy="full",
        vision_feature_layer=-1,
    )
    return LlavaForConditionalGeneration(config), processor


def _build_idefics3() -> tuple[object, object]:
    from transformers import (
        Idefics3Config,
        Idefics3ForConditionalGeneration,
        Idefics3Processor,
    )

    grid_tokens = [f"<row_{r}_col_{c}>" for r in range(1, 7) for c in range(1, 7)]
    tokenizer = _fast_tokenizer(
        ["<|endoftext|>", "<|im_start|>", "<end_of_utterance>", "<fake_token_around_image>", "<image>"]
        + ["<global-img>", *grid_tokens],
        bos="<|im_start|>",
        eos="<end_of_utterance>",
        pad="<|endoftext|>",
    )
    image_processor = _pil_image_processor("Idefics3ImageProcessor")(
        size={"longest_edge": 2 * _IMAGE_SIZE},
        max_image_size={"longest_edge": _IMAGE_SIZE},
        do_image_splitting=True,
    )
    scale_factor = 2
    image_seq_len = (_IMAGE_SIZE // _PATCH_SIZE) ** 2 // scale_factor**2
    processor = Idefics3Processor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        image_seq_len=image_seq_len,
        chat_template=_IDEFICS3_TEMPLATE,
    )
    config = Idefics3Config(
        vision_config={
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "image_size": _IMAGE_SIZE,
            "patch_size": _PATCH_SIZE,
        },
        text_config=_tiny_text_config(tokenizer, len(tokenizer)),  # type: ignore[arg-type]
        scale_factor=scale_factor,
        image_token_id=tokenizer.convert_tokens_to_ids("<image>"),  # type: ignore[attr-defined]
        pad_token_id=tokenizer.pad_token_id,  # type: ignore[attr-defined]
    )
    return Idefics3ForConditionalGeneration(config), processor


_BUILDERS = {"llava": _build_llava, "idefics3": _build_idefics3}


def build_tiny_vlm(out_dir: str | Path, family: TinyFamily = "llava", seed: int = 0) -> Path:
    """Write a tiny random VLM of `family` to `out_dir` and return that directory.

    Same (family, seed) gives byte-identical weights and tokenizer.
    """
    import torch

    if family not in _BUILDERS:
        raise ValueError(f"unknown tiny VLM family {family!r}; choose one of {', '.join(TINY_FAMILIES)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # Forked RNG: building a test model must not disturb the caller's random state.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model, processor = _BUILDERS[family]()
    tokenizer = processor.tokenizer  # type: ignore[attr-defined]
    generation = model.generation_config  # type: ignore[attr-defined]
    generation.bos_token_id = tokenizer.bos_token_id
    generation.eos_token_id = tokenizer.eos_token_id
    generation.pad_token_id = tokenizer.pad_token_id
    generation.do_sample = False
    model.save_pretrained(out)  # type: ignore[attr-defined]
    processor.save_pretrained(out)  # type: ignore[attr-defined]
    return out


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Build a tiny random VLM for tests and benchmarks.")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--family", choices=TINY_FAMILIES, default="llava")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(build_tiny_vlm(args.out_dir, family=args.family, seed=args.seed))


if __name__ == "__main__":
    main()
