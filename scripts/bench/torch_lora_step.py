#!/usr/bin/env python3
"""PyTorch anchor for `npm run bench:train`: a hand-written Qwen2 decoder (no transformers here) with
LoRA on all seven projections, completion-only cross-entropy and torch.optim.AdamW, timed on the CPU.

Same shape, tokens and LoRA settings as the ggml side (scripts/bench/train-step.ts passes them):
the first half of each row is prompt (no loss), the second half answer. Frozen weights are random
bf16-representable values stored in float32 (fp32 path) - the bf16 path runs the step under
torch.autocast('cpu', torch.bfloat16), as a pip user's `bf16=True` would.

Prints one JSON line: tokens/s, CPU-seconds per token, peak RSS, and which BLAS library torch
loaded (from /proc/self/maps), so the record says whether OpenBLAS or the reference BLAS ran.
Run with Debian's python3-torch: /usr/bin/python3 scripts/bench/torch_lora_step.py --shape ...
"""
import argparse
import json
import math
import resource
import time

import torch
import torch.nn.functional as F

SHAPES = {
    "bench-small": dict(hidden=256, inter=768, layers=4, heads=4, kv=2, vocab=8192),
    "qwen2.5-0.5b": dict(hidden=896, inter=4864, layers=24, heads=14, kv=2, vocab=151936),
    "qwen2.5-1.5b": dict(hidden=1536, inter=8960, layers=28, heads=12, kv=2, vocab=151936),
}


def blas_in_use():
    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f if "blas" in line.lower() and line.split()[-1].startswith("/")}
    return sorted(libs)


class Lora(torch.nn.Module):
    def __init__(self, inp, out, r, alpha, bias):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(out, inp) * 0.02, requires_grad=False)
        self.bias = torch.nn.Parameter(torch.zeros(out), requires_grad=False) if bias else None
        self.a = torch.nn.Parameter(torch.empty(r, inp).uniform_(-1 / math.sqrt(inp), 1 / math.sqrt(inp)))
        self.b = torch.nn.Parameter(torch.zeros(out, r))
        self.scale = alpha / r

    def forward(self, x):
        return F.linear(x, self.weight, self.bias) + (x @ self.a.t() @ self.b.t()) * self.scale


def rms(x, w, eps=1e-6):
    return x * torch.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + eps).to(x.dtype) * w


def rope(x, pos, theta=1e6):
    # x [B, T, heads, hd], NEOX layout (transformers' rotate_half)
    hd = x.shape[-1]
    inv = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))
    ang = pos[:, None].float() * inv[None]
    cos = torch.cat([ang.cos(), ang.cos()], -1)[:, None].to(x.dtype)
    sin = torch.cat([ang.sin(), ang.sin()], -1)[:, None].to(x.dtype)
    x1, x2 = x[..., : hd // 2], x[..., hd // 2 :]
    return x * cos + torch.cat([-x2, x1], -1) * sin


class Layer(torch.nn.Module):
    def __init__(self, s, r, alpha):
        super().__init__()
        h, hd = s["hidden"], s["hidden"] // s["heads"]
        self.s, self.hd = s, hd
        self.ln1 = torch.nn.Parameter(torch.ones(h), requires_grad=False)
        self.ln2 = torch.nn.Parameter(torch.ones(h), requires_grad=False)
        self.q = Lora(h, s["heads"] * hd, r, alpha, True)
        self.k = Lora(h, s["kv"] * hd, r, alpha, True)
        self.v = Lora(h, s["kv"] * hd, r, alpha, True)
        self.o = Lora(s["heads"] * hd, h, r, alpha, False)
        self.gate = Lora(h, s["inter"], r, alpha, False)
        self.up = Lora(h, s["inter"], r, alpha, False)
        self.down = Lora(s["inter"], h, r, alpha, False)

    def forward(self, x, pos, mask):
        B, T, _ = x.shape
        nh, nkv, hd = self.s["heads"], self.s["kv"], self.hd
        h = rms(x, self.ln1)
        q = rope(self.q(h).view(B, T, nh, hd), pos)
        k = rope(self.k(h).view(B, T, nkv, hd), pos)
        v = self.v(h).view(B, T, nkv, hd)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        k = k.repeat_interleave(nh // nkv, 1)
        v = v.repeat_interleave(nh // nkv, 1)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(hd) + mask
        o = (att.softmax(-1) @ v).transpose(1, 2).reshape(B, T, nh * hd)
        x = x + self.o(o)
        h = rms(x, self.ln2)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--shape", default="bench-small")
    p.add_argument("--seq", type=int, default=512)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--r", type=int, default=16)
    p.add_argument("--steps", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32")
    a = p.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    s = SHAPES[a.shape]
    embed = torch.randn(s["vocab"], s["hidden"]) * 0.02
    layers = torch.nn.ModuleList([Layer(s, a.r, 2 * a.r) for _ in range(s["layers"])])
    norm = torch.ones(s["hidden"])
    params = [p for p in layers.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.0)
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(0, min(s["vocab"], 150000), (a.batch, a.seq), generator=g)
    labels = ids.clone()
    labels[:, : a.seq // 2] = -100
    pos = torch.arange(a.seq)
    mask = torch.full((a.seq, a.seq), float("-inf")).triu(1)
    loss_v = float("nan")
    wall = cpu = 0.0
    for step in range(a.steps + 1):  # step 0 warms up
        t0, c0 = time.perf_counter(), time.process_time()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.dtype == "bf16"):
            x = embed[ids]
            for layer in layers:
                x = layer(x, pos, mask)
            h = rms(x, norm)
            logits = h[:, :-1][labels[:, 1:] >= 0] @ embed.t()
            loss = F.cross_entropy(logits.float(), labels[:, 1:][labels[:, 1:] >= 0])
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        if step > 0:
            wall += time.perf_counter() - t0
            cpu += time.process_time() - c0
        loss_v = loss.item()
    tokens = a.seq * a.batch * a.steps
    print(json.dumps(dict(engine=f"torch-{a.dtype}", shape=a.shape, seq=a.seq, batch=a.batch, r=a.r, steps=a.steps, threads=a.threads,
                          tokensPerS=tokens / wall, tokensPerCpuS=tokens / cpu, cpuSecondsPerToken=cpu / tokens, secondsPerStep=wall / a.steps,
                          peakRssMiB=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, loss=loss_v, torch=torch.__version__, blas=blas_in_use())))


if __name__ == "__main__":
    main()
