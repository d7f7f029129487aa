"""What one training step of LoRA on the e5 query encoder would cost here, against the adapter's.

LoRA trains small matrices inside the encoder, so every step runs the encoder forward *and* backward
through all 12 layers for each question of the batch (only the weight gradients of the frozen base are
saved). This measures, on real STARD questions: a forward pass without gradients (what the adapter needs,
once, ever), and forward + backward with gradients through the encoder (a LoRA step's floor, the
low-rank weights' own cost aside).

    .venv/bin/python bench/lora_cost.py [--batch 32] [--steps 3]
"""

from __future__ import annotations

import argparse
import json
import time

from qa import config
from qa.measure.stard import load_queries, split_of
from qa.models import get_embedder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=3)
    args = parser.parse_args()
    import torch

    questions = [q.question for q in load_queries(config.stard_queries()) if split_of(q) == "dev"]
    model = get_embedder("e5")._model  # type: ignore[attr-defined]
    torch.set_num_threads(2)
    batch = ["query: " + q for q in questions[: args.batch]]
    features = model.tokenize(batch)
    model.eval()
    with torch.no_grad():
        model(features)
        started = time.perf_counter()
        for _ in range(args.steps):
            model(features)
        forward = (time.perf_counter() - started) / args.steps
    model.train()
    for p in model.parameters():
        p.requires_grad_(True)
    started = time.perf_counter()
    for _ in range(args.steps):
        out = model(features)["sentence_embedding"]
        out.pow(2).sum().backward()
        model.zero_grad()
    both = (time.perf_counter() - started) / args.steps
    dev_rows = 1476  # (question, gold article) rows of the dev split, mined pairs aside
    print(json.dumps({
        "batch": args.batch,
        "tokens_per_question": round(float(features["attention_mask"].sum()) / args.batch, 1),
        "forward_s": round(forward, 2),
        "forward_backward_s": round(both, 2),
        "epoch_of_dev_rows_min": round(both * dev_rows / args.batch / 60, 1),
    }))


if __name__ == "__main__":
    main()
