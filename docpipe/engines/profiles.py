"""Per-model-family facts, selected by config.json `model_type` (never by model name).

Box formats (how a family writes a box when asked for one; converting to the page's 0..1
convention is the task layer's job):
- "qwen_abs_pixels": Qwen2.5-VL, [x0, y0, x1, y1] in absolute pixels of the *resized model input*
  (see `input_image_size`), not of the original image.
- "rel_1000": Qwen2-VL, Qwen3-VL, InternVL: [x0, y0, x1, y1] normalised to 0..1000.
- "loc_tokens_1024_yx": PaliGemma, four <locNNNN> tokens (0..1023 bins) in y0, x0, y1, x1 order.
- "loc_tokens_1000": Florence-2, four <loc_NNN> tokens (0..999 bins) in x0, y0, x1, y1 order.
- "rel_1": [x0, y0, x1, y1] as fractions 0..1 (LLaVA-1.5 style; the default for untrained families).
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict

BoxFormat = Literal["qwen_abs_pixels", "rel_1000", "loc_tokens_1024_yx", "loc_tokens_1000", "rel_1"]


class ModelProfile(BaseModel):
    model_config = ConfigDict(frozen=True)

    family: str
    model_types: tuple[str, ...] = ()
    box_format: BoxFormat = "rel_1"
    # None: detect from the chat template whether a system turn survives rendering.
    system_role: bool | None = None
    # False: the processor takes a plain prompt and inserts image tokens itself (no chat template).
    chat_template: bool = True
    # Cap on pixels per image for dynamic-resolution processors whose size["longest_edge"] is a
    # pixel count (Qwen family): bounds visual tokens per page (~1 token per 28x28 / 32x32 pixels).
    max_pixels: int | None = None
    # Extra end-of-turn tokens that must stop generation even if generation_config omits them.
    stop_tokens: tuple[str, ...] = ()
    # transformers 5 builds these processors with a torchvision-only video processor.
    needs_torchvision: bool = False


DEFAULT_PROFILE = ModelProfile(family="default")

PROFILES: tuple[ModelProfile, ...] = (
    ModelProfile(
        family="llava",
        model_types=("llava", "llava_next", "llava_onevision"),
        box_format="rel_1",
    ),
    ModelProfile(
        family="qwen2_vl",
        model_types=("qwen2_vl",),
        box_format="rel_1000",
        system_role=True,
        max_pixels=2048 * 28 * 28,
        stop_tokens=("<|im_end|>", "<|endoftext|>"),
        needs_torchvision=True,
    ),
    ModelProfile(
        family="qwen2_5_vl",
        model_types=("qwen2_5_vl",),
        box_format="qwen_abs_pixels",
        system_role=True,
        max_pixels=2048 * 28 * 28,
        stop_tokens=("<|im_end|>", "<|endoftext|>"),
        needs_torchvision=True,
    ),
    ModelProfile(
        family="qwen3_vl",
        model_types=("qwen3_vl", "qwen3_vl_moe"),
        box_format="rel_1000",
        system_role=True,
        max_pixels=2048 * 32 * 32,
        stop_tokens=("<|im_end|>", "<|endoftext|>"),
        needs_torchvision=True,
    ),
    ModelProfile(family="internvl", model_types=("internvl",), box_format="rel_1000"),
    ModelProfile(
        family="paligemma",
        model_types=("paligemma",),
        box_format="loc_tokens_1024_yx",
        system_role=False,
        chat_template=False,
    ),
    ModelProfile(
        family="florence2",
        model_types=("florence2",),
        box_format="loc_tokens_1000",
        system_role=False,
        chat_template=False,
    ),
    ModelProfile(family="idefics3", model_types=("idefics3",), stop_tokens=("<end_of_utterance>",)),
    ModelProfile(
        family="smolvlm",
        model_types=("smolvlm",),
        stop_tokens=("<end_of_utterance>",),
        needs_torchvision=True,
    ),
)

_BY_MODEL_TYPE = {model_type: profile for profile in PROFILES for model_type in profile.model_types}


def profile_for(model_type: str | None) -> ModelProfile:
    """The profile for a config.json model_type; DEFAULT_PROFILE for unknown families."""
    return _BY_MODEL_TYPE.get(model_type or "", DEFAULT_PROFILE)


def _resize_to_factor(width: int, height: int, factor: int, min_pixels: int, max_pixels: int) -> tuple[int, int]:
    """Qwen-style dynamic resize: both sides multiples of `factor`, area within [min, max]."""
    w_bar = round(width / factor) * factor
    h_bar = round(height / factor) * factor
    if w_bar * h_bar > max_pixels:
        beta = math.sqrt(width * height / max_pixels)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
    elif w_bar * h_bar < min_pixels:
        beta = math.sqrt(min_pixels / (width * height))
        w_bar = math.ceil(width * beta / factor) * factor
        h_bar = math.ceil(height * beta / factor) * factor
    return w_bar, h_bar


def _size_entry(size: object, key: str) -> object:
    # transformers 5 stores sizes as SizeDict (attributes), 4.x as plain dicts.
    if isinstance(size, dict):
        return size.get(key)
    return getattr(size, key, None)


def _pixel_bounds(image_processor: object) -> tuple[int, int] | None:
    size = getattr(image_processor, "size", None)
    low = _size_entry(size, "shortest_edge") or getattr(image_processor, "min_pixels", None)
    high = _size_entry(size, "longest_edge") or getattr(image_processor, "max_pixels", None)
    if isinstance(low, int) and isinstance(high, int):
        return low, high
    return None


def input_image_size(processor: object, width: int, height: int) -> tuple[int, int]:
    """(width, height) of the image as the model sees it, for families that box in input pixels.

    Exact for dynamic-resolution (Qwen-style) image processors; for fixed-size processors the
    original size is returned unchanged because their boxes are relative, not in input pixels.
    """
    image_processor = getattr(processor, "image_processor", processor)
    patch_size = getattr(image_processor, "patch_size", None)
    merge_size = getattr(image_processor, "merge_size", None)
    bounds = _pixel_bounds(image_processor)
    if not isinstance(patch_size, int) or not isinstance(merge_size, int) or bounds is None:
        return width, height
    return _resize_to_factor(width, height, patch_size * merge_size, bounds[0], bounds[1])
