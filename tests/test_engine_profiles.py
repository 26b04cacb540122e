from __future__ import annotations

import pytest
from PIL import Image

from docpipe.engines.profiles import DEFAULT_PROFILE, PROFILES, input_image_size, profile_for


@pytest.mark.parametrize(
    ("model_type", "box_format"),
    [
        ("qwen2_5_vl", "qwen_abs_pixels"),
        ("qwen2_vl", "rel_1000"),
        ("qwen3_vl", "rel_1000"),
        ("paligemma", "loc_tokens_1024_yx"),
        ("florence2", "loc_tokens_1000"),
        ("llava", "rel_1"),
    ],
)
def test_profile_is_chosen_by_model_type(model_type: str, box_format: str) -> None:
    assert profile_for(model_type).box_format == box_format


def test_unknown_family_gets_the_default_profile() -> None:
    assert profile_for("brand_new_vlm") is DEFAULT_PROFILE
    assert profile_for(None) is DEFAULT_PROFILE
    assert DEFAULT_PROFILE.box_format == "rel_1" and DEFAULT_PROFILE.system_role is None


def test_each_model_type_belongs_to_one_profile() -> None:
    model_types = [t for profile in PROFILES for t in profile.model_types]
    assert len(model_types) == len(set(model_types))


def test_plain_prompt_families_do_not_use_a_system_role() -> None:
    for model_type in ("paligemma", "florence2"):
        profile = profile_for(model_type)
        assert profile.chat_template is False and profile.system_role is False


@pytest.mark.parametrize("size", [(1275, 1650), (2480, 3508), (640, 200), (90, 60)])
def test_input_size_matches_the_qwen_image_processor(size: tuple[int, int]) -> None:
    import transformers

    image_processor = getattr(transformers, "Qwen2VLImageProcessorPil", None) or transformers.Qwen2VLImageProcessor
    processor = image_processor(max_pixels=profile_for("qwen2_5_vl").max_pixels)
    grid = processor(Image.new("RGB", size), return_tensors="pt")["image_grid_thw"][0].tolist()
    expected = (grid[2] * processor.patch_size, grid[1] * processor.patch_size)
    assert input_image_size(processor, *size) == expected


def test_fixed_size_processors_keep_the_original_size() -> None:
    import transformers

    image_processor = getattr(transformers, "CLIPImageProcessorPil", None) or transformers.CLIPImageProcessor
    assert input_image_size(image_processor(), 1275, 1650) == (1275, 1650)
