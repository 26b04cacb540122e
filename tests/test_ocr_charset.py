"""The recogniser cut to European scripts keeps their characters and reads like the full one."""

from __future__ import annotations

from docpipe.ocr.charset import keep_european, pruned_recogniser
from docpipe.ocr.rapid import bundled_model_paths


def test_european_scripts_keep_latin_greek_cyrillic_and_symbols_only() -> None:
    for char in "aZ09€£$%&éßøłΩжЖ–…€→≤":
        assert keep_european(char), char
    for char in "的中あア한":
        assert not keep_european(char), char
    assert not keep_european("ab")


def test_pruned_recogniser_has_the_kept_dictionary_and_loads() -> None:
    import onnxruntime as ort

    model = bundled_model_paths()["rec"]
    assert pruned_recogniser(model, "all") == (None, None)
    data, chars = pruned_recogniser(model, "european")
    assert data is not None and chars is not None
    assert 1000 < len(chars) < 3000 and "a" in chars and "€" in chars and "的" not in chars
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    import numpy as np

    out = session.run(None, {session.get_inputs()[0].name: np.zeros((1, 3, 48, 96), dtype=np.float32)})[0]
    assert out.shape[-1] == len(chars) + 2  # CTC blank and space around the dictionary
