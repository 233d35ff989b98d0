#!/usr/bin/env python3
"""PyTorch eager anchor for `npm run bench:generate`: greedy decoding with a KV cache on the CPU, on the
same checkpoint the ggml engine and llama.cpp run (the synthetic Qwen2/2.5 folder: config.json +
model.safetensors, read here without transformers or the safetensors package).

A hand-written Qwen2 decoder (RMSNorm, NEOX RoPE, GQA attention with q/k/v bias, SwiGLU, tied or untied
head) under torch.inference_mode(). `--dtype fp32` holds the weights in float32; `--dtype bf16` holds
them in bfloat16 and computes in bfloat16 (RMSNorm statistics and softmax in float32), which is what
`model.to(torch.bfloat16)` does for a pip user. Same prompt ids as the TypeScript side:
(i * 7919 + 13) % vocab.

Prints one JSON line: load time, prefill and decode tokens/s with their CPU-seconds, peak RSS, the
greedy ids, and which BLAS library torch loaded (from /proc/self/maps: OpenBLAS or the reference BLAS).
    /usr/bin/python3 scripts/bench/torch_generate.py --model DIR [--dtype fp32|bf16] [--threads 2]
        [--prompt-len 32] [--new-tokens 32]
"""
import argparse
import json
import math
import os
import resource
import struct
import time

import torch

DTYPES = {"BF16": torch.bfloat16, "F16": torch.float16, "F32": torch.float32}


def blas_in_use():
    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f if "blas" in line.lower() and line.split()[-1].startswith("/")}
    return sorted(libs)


def read_safetensors(path, want):
    """Every tensor of one safetensors file, converted to `want` (the header is JSON after a u64 length)."""
    out = {}
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        base = 8 + n
        for name, info in header.items():
            if name == "__metadata__":
                continue
            lo, hi = info["data_offsets"]
            f.seek(base + lo)
            raw = bytearray(f.read(hi - lo))
            t = torch.frombuffer(raw, dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
            out[name] = t.to(want)
            del raw, t
    return out


def read_checkpoint(model_dir, want):
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    weights = {}
    for name in files:
        weights.update(read_safetensors(os.path.join(model_dir, name), want))
    return weights


class Qwen2:
    def __init__(self, cfg, w, dtype, capacity):
        self.cfg, self.w, self.dtype = cfg, w, dtype
        self.h = cfg["hidden_size"]
        self.nh = cfg["num_attention_heads"]
        self.nkv = cfg["num_key_value_heads"]
        self.hd = cfg.get("head_dim") or self.h // self.nh
        self.eps = cfg.get("rms_norm_eps", 1e-6)
        self.layers = cfg["num_hidden_layers"]
        theta = cfg.get("rope_theta") or cfg.get("rope_parameters", {}).get("rope_theta", 10000.0)
        self.inv = 1.0 / (theta ** (torch.arange(0, self.hd, 2, dtype=torch.float32) / self.hd))
        self.head = w.get("lm_head.weight", w["model.embed_tokens.weight"])
        shape = (1, self.nkv, capacity, self.hd)
        self.k = [torch.zeros(shape, dtype=dtype) for _ in range(self.layers)]
        self.v = [torch.zeros(shape, dtype=dtype) for _ in range(self.layers)]
        self.past = 0

    def rms(self, x, weight):
        xf = x.float()
        return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)).to(self.dtype) * weight

    def rope(self, x, pos):
        # x [1, heads, T, hd], NEOX layout (transformers' rotate_half)
        ang = pos[:, None].float() * self.inv[None]
        cos = torch.cat([ang.cos(), ang.cos()], -1).to(self.dtype)
        sin = torch.cat([ang.sin(), ang.sin()], -1).to(self.dtype)
        half = self.hd // 2
        return x * cos + torch.cat([-x[..., half:], x[..., :half]], -1) * sin

    def linear(self, x, name, bias=False):
        w = self.w[f"{name}.weight"]
        return torch.nn.functional.linear(x, w, self.w[f"{name}.bias"] if bias else None)

    def forward(self, ids):
        """ids [T] -> logits of the last position [V] (float32); appends to the cache."""
        T = ids.shape[0]
        p0 = self.past
        pos = torch.arange(p0, p0 + T)
        x = self.w["model.embed_tokens.weight"][ids][None]  # [1, T, H]
        total = p0 + T
        mask = None
        if T > 1:
            mask = torch.full((T, total), float("-inf")).triu(p0 + 1).to(self.dtype)
        rep = self.nh // self.nkv
        for i in range(self.layers):
            p = f"model.layers.{i}"
            h = self.rms(x, self.w[f"{p}.input_layernorm.weight"])
            q = self.linear(h, f"{p}.self_attn.q_proj", True).view(1, T, self.nh, self.hd).transpose(1, 2)
            k = self.linear(h, f"{p}.self_attn.k_proj", True).view(1, T, self.nkv, self.hd).transpose(1, 2)
            v = self.linear(h, f"{p}.self_attn.v_proj", True).view(1, T, self.nkv, self.hd).transpose(1, 2)
            q, k = self.rope(q, pos), self.rope(k, pos)
            self.k[i][:, :, p0:total] = k
            self.v[i][:, :, p0:total] = v
            kk = self.k[i][:, :, :total].repeat_interleave(rep, 1)
            vv = self.v[i][:, :, :total].repeat_interleave(rep, 1)
            att = (q @ kk.transpose(-1, -2)) * (1.0 / math.sqrt(self.hd))
            if mask is not None:
                att = att + mask
            att = att.float().softmax(-1).to(self.dtype)
            o = (att @ vv).transpose(1, 2).reshape(1, T, self.nh * self.hd)
            x = x + self.linear(o, f"{p}.self_attn.o_proj")
            h = self.rms(x, self.w[f"{p}.post_attention_layernorm.weight"])
            act = torch.nn.functional.silu(self.linear(h, f"{p}.mlp.gate_proj")) * self.linear(h, f"{p}.mlp.up_proj")
            x = x + self.linear(act, f"{p}.mlp.down_proj")
        h = self.rms(x[:, -1], self.w["model.norm.weight"])
        self.past = total
        return (h @ self.head.t()).float()[0]


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--model", required=True)
    a.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32")
    a.add_argument("--threads", type=int, default=2)
    a.add_argument("--prompt-len", type=int, default=32)
    a.add_argument("--new-tokens", type=int, default=32)
    args = a.parse_args()
    torch.set_num_threads(args.threads)
    dtype = torch.float32 if args.dtype == "fp32" else torch.bfloat16
    with open(os.path.join(args.model, "config.json")) as f:
        cfg = json.load(f)
    t0, c0 = time.perf_counter(), time.process_time()
    weights = read_checkpoint(args.model, dtype)
    model = Qwen2(cfg, weights, dtype, args.prompt_len + args.new_tokens)
    load_s = time.perf_counter() - t0
    load_cpu = time.process_time() - c0
    V = cfg["vocab_size"]
    prompt = torch.tensor([(i * 7919 + 13) % V for i in range(args.prompt_len)])
    with torch.inference_mode():
        t0, c0 = time.perf_counter(), time.process_time()
        nxt = int(model.forward(prompt).argmax())
        prefill_s, prefill_cpu = time.perf_counter() - t0, time.process_time() - c0
        ids = [nxt]
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(1, args.new_tokens):
            nxt = int(model.forward(torch.tensor([nxt])).argmax())
            ids.append(nxt)
        decode_s, decode_cpu = time.perf_counter() - t0, time.process_time() - c0
    steps = args.new_tokens - 1
    print(json.dumps(dict(
        engine=f"torch-{args.dtype}", threads=args.threads, torch=torch.__version__, blas=blas_in_use(),
        load_s=load_s, load_cpu_s=load_cpu,
        prefill_tokens=args.prompt_len, prefill_s=prefill_s, prefill_cpu_s=prefill_cpu,
        decode_tokens=steps, decode_s=decode_s, decode_cpu_s=decode_cpu,
        peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, ids=ids)))


if __name__ == "__main__":
    main()
