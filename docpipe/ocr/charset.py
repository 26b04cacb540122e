"""A recogniser that only scores the characters a document can hold in the chosen scripts.

The bundled PP-OCR recogniser scores 18,710 classes at every position of every text line (its
dictionary is mostly CJK). For documents in European scripts nearly all of that output layer,
and the arg-max over it, is wasted: cutting the layer to the characters of the Latin, Greek and
Cyrillic scripts plus digits, punctuation and common symbols (about 1,750 classes) made the
recogniser 15% cheaper per line in our measurement (`tools/ocr_speed_eval.py`). Scores of the
kept classes are unchanged; where the full model's best class was a dropped character (a CJK
glyph read into Latin text), the best kept character wins instead.

The cut is made in memory on the ONNX graph at engine load: the final MatMul/Add feeding the
Softmax gets the kept columns of its weight and bias. Nothing is written to disk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

Scripts = Literal["european", "all"]

# Code-point ranges kept for "european": Basic Latin to the end of Cyrillic (Latin-1, Latin
# Extended-A/B, IPA, modifiers, combining marks, Greek, Cyrillic), then Latin Extended
# Additional, Greek Extended, General Punctuation, super/subscripts, currency, letterlike
# symbols, number forms, arrows, mathematical operators and technical symbols.
_EUROPEAN = ((0x0000, 0x0530), (0x1E00, 0x2400))


def keep_european(char: str) -> bool:
    """True for a dictionary entry of one character in the ranges above."""
    if len(char) != 1:
        return False
    code = ord(char)
    return any(lo <= code < hi for lo, hi in _EUROPEAN)


class HeadNotFound(ValueError):
    """The model's graph does not end in MatMul -> Add -> Softmax over the dictionary."""


def pruned_recogniser(model: Path, scripts: Scripts) -> tuple[bytes | None, list[str] | None]:
    """The recogniser restricted to `scripts`, as serialized ONNX, and its dictionary.

    Returns (None, None) for scripts="all" (use the model file as it is). Raises HeadNotFound
    when the graph is not shaped as expected, ImportError when the onnx package is missing.
    """
    if scripts == "all":
        return None, None
    import onnx
    from onnx import numpy_helper

    proto = onnx.load(str(model))
    meta = {p.key: p.value for p in proto.metadata_props}
    if "character" not in meta:
        raise HeadNotFound("the model carries no character dictionary")
    chars = meta["character"].splitlines()
    graph = proto.graph
    producers = {out: node for node in graph.node for out in node.output}
    inits = {init.name: init for init in graph.initializer}

    softmax = producers.get(graph.output[0].name)
    node = producers.get(softmax.input[0]) if softmax is not None and softmax.op_type == "Softmax" else None
    while node is not None and node.op_type == "Identity":
        node = producers.get(node.input[0])
    if node is None or node.op_type != "Add":
        raise HeadNotFound("no Add before the final Softmax")
    bias_name = next((i for i in node.input if i in inits), None)
    matmul = next((producers[i] for i in node.input if i in producers), None)
    if bias_name is None or matmul is None or matmul.op_type != "MatMul":
        raise HeadNotFound("no MatMul + bias before the final Softmax")
    weight_name = next((i for i in matmul.input if i in inits), None)
    if weight_name is None:
        raise HeadNotFound("the final MatMul has no constant weight")
    weight = numpy_helper.to_array(inits[weight_name])
    bias = numpy_helper.to_array(inits[bias_name])
    classes = len(chars) + 2  # CTC blank first, space last
    if weight.shape[-1] != classes or bias.shape[-1] != classes:
        raise HeadNotFound(f"output layer has {weight.shape[-1]} classes for a {len(chars)}-entry dictionary")

    kept = [j for j, c in enumerate(chars) if keep_european(c)]
    columns = [0] + [j + 1 for j in kept] + [classes - 1]
    inits[weight_name].CopyFrom(numpy_helper.from_array(weight[..., columns].copy(), weight_name))
    inits[bias_name].CopyFrom(numpy_helper.from_array(bias[..., columns].copy(), bias_name))
    # Output shapes recorded in the graph would no longer match; let onnxruntime infer them.
    del graph.value_info[:]
    for output in graph.output:
        dims = output.type.tensor_type.shape.dim
        if dims:
            dims[-1].Clear()
            dims[-1].dim_param = "classes"
    return proto.SerializeToString(), [chars[j] for j in kept]
