#!/usr/bin/env python3
"""PEFT interop check: loads an adapter Tuneloom trained with PeftModel.from_pretrained and prints the
per-position logits summary in the shape of `tuneloom inspect logits --json`, optionally comparing it
with Tuneloom's own output. Works for LoRA and PREFIX_TUNING adapters.

Needs torch, transformers and peft (the GPU machine has them; see ../shared/gpu/README.md).

  tuneloom inspect logits --model M --adapter A --messages-file chat.json --json > ours.json
  python3 scripts/peft_check.py --model M --adapter A --messages-file chat.json --compare ours.json

With --messages-file the ids are the chat template with the generation prompt, as in Tuneloom; --ids
1,2,3 takes ids as given. Exit status 0 when every position's logsumexp and top-5 logits agree within
--rtol (default 1e-4, the fixtures' tolerance for a float32 engine) and the top-1 ids agree wherever
the top-1/top-2 margin exceeds --margin; 1 otherwise.
"""
import argparse
import json
import sys

import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--adapter", required=True)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--messages-file")
    src.add_argument("--ids")
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float64")
    ap.add_argument("--compare", help="a `tuneloom inspect logits --json` output to compare with")
    ap.add_argument("--rtol", type=float, default=1e-4)
    ap.add_argument("--margin", type=float, default=1e-3)
    args = ap.parse_args()

    dtype = getattr(torch, args.dtype)
    tok = AutoTokenizer.from_pretrained(args.model)
    if args.messages_file:
        messages = json.load(open(args.messages_file, encoding="utf-8"))
        text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        ids = tok(text, add_special_tokens=False)["input_ids"]
    else:
        ids = [int(x) for x in args.ids.split(",")]

    try:
        base = AutoModelForCausalLM.from_pretrained(args.model, dtype=dtype, attn_implementation="eager")
    except TypeError:
        base = AutoModelForCausalLM.from_pretrained(args.model, torch_dtype=dtype, attn_implementation="eager")
    model = PeftModel.from_pretrained(base, args.adapter).eval()
    print(f"peft_type {model.active_peft_config.peft_type}, adapter {args.adapter}", file=sys.stderr)
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long)).logits[0]
    logits = logits.to(torch.float64)
    lse = torch.logsumexp(logits, dim=-1)
    positions = []
    for t in range(logits.shape[0]):
        top = torch.topk(logits[t], max(args.top, 2))
        positions.append({"lse": lse[t].item(), "top_ids": top.indices[: args.top].tolist(), "top_vals": top.values[: args.top].tolist(),
                          "margin": (top.values[0] - top.values[1]).item()})
    print(json.dumps({"ids": ids, "positions": positions}))

    if not args.compare:
        return 0
    ours = json.load(open(args.compare, encoding="utf-8"))
    if ours["ids"] != ids:
        print("FAIL: the two runs used different ids", file=sys.stderr)
        return 1
    worst = 0.0
    bad = 0
    for t, (a, b) in enumerate(zip(ours["positions"], positions)):
        for x, y in [(a["lse"], b["lse"])] + list(zip(a["top_vals"], b["top_vals"])):
            rel = abs(x - y) / max(1.0, abs(y))
            worst = max(worst, rel)
            if rel > args.rtol:
                bad += 1
        if b["margin"] > args.margin and a["top_ids"][0] != b["top_ids"][0]:
            print(f"position {t}: top-1 id {a['top_ids'][0]} vs peft {b['top_ids'][0]} (margin {b['margin']:.2e})", file=sys.stderr)
            bad += 1
    print(f"{len(positions)} positions, worst relative difference {worst:.2e}, {bad} out of tolerance", file=sys.stderr)
    print("PASS" if bad == 0 else "FAIL", file=sys.stderr)
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
