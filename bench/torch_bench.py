#!/usr/bin/env python3
"""PyTorch twin of bench/descent_bench.cpp: the same cases on the same synthetic workloads.

    /usr/bin/python3 bench/torch_bench.py --case NAME --threads T --blas-threads B [--steps N]

prints one JSON object per run. --threads sets torch's intra-op (OpenMP) threads; --blas-threads
sets OpenBLAS's own threads, which torch.set_num_threads does not touch (PyTorch's GEMMs go
through the same OpenBLAS). compare.sh tries all four combinations and keeps PyTorch's best.
"cpu" is the kernel set ATen dispatches to ("default", "avx2" or "avx512"; ATEN_CPU_CAPABILITY
forces one), and the line also records ONEDNN_MAX_CPU_ISA (oneDNN's cap, which runs the
convolutions) and OPENBLAS_CORETYPE (OpenBLAS's kernels, which run the GEMMs) when they are set.
"""
import argparse
import ctypes
import json
import os
import re
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def mlp():
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))


def small_cnn():
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(128, 10))


def lenet5():
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                         nn.Linear(84, 10))


class CausalSelfAttention(nn.Module):
    """nanoGPT's attention as torch 1.13 runs it (no fused kernel there): q·kᵀ/√d, the causal
    mask, softmax, then ·v."""

    def __init__(self, n_embd, n_head, block_size):
        super().__init__()
        self.n_head = n_head
        self.c_attn = nn.Linear(n_embd, 3 * n_embd, bias=False)
        self.c_proj = nn.Linear(n_embd, n_embd, bias=False)
        self.register_buffer("mask", torch.tril(torch.ones(block_size, block_size)).view(1, 1, block_size, block_size))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / (k.size(-1) ** 0.5))
        att = att.masked_fill(self.mask[:, :, :T, :T] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class Block(nn.Module):
    def __init__(self, n_embd, n_head, block_size):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, block_size)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.c_fc = nn.Linear(n_embd, 4 * n_embd, bias=False)
        self.c_proj = nn.Linear(4 * n_embd, n_embd, bias=False)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.c_proj(F.gelu(self.c_fc(self.ln_2(x))))


class GPT(nn.Module):
    """The char_gpt default model (nanoGPT's CPU configuration): vocabulary 65, 4 layers, 4
    heads, 128 wide, context 64, no biases in the Linear layers, the output tied to wte."""

    def __init__(self, vocab=65, n_layer=4, n_head=4, n_embd=128, block_size=64):
        super().__init__()
        self.wte = nn.Embedding(vocab, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.blocks = nn.ModuleList([Block(n_embd, n_head, block_size) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)

    def forward(self, idx):
        T = idx.size(1)
        x = self.wte(idx) + self.wpe(torch.arange(T))
        for block in self.blocks:
            x = block(x)
        return F.linear(self.ln_f(x), self.wte.weight)


def gpt_case():
    model = GPT()
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.99))
    x = torch.randint(0, 65, (12, 64))
    y = torch.randint(0, 65, (12, 64))

    def step():
        opt.zero_grad(set_to_none=True)
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, 65), y.view(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    return step


class LSTMModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(65, 256, num_layers=2, batch_first=True)
        self.fc = nn.Linear(256, 65)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out)


def lstm_case():
    model = LSTMModel()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(32, 64, 65)
    y = torch.randint(0, 65, (32, 64))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x).reshape(-1, 65), y.reshape(-1))
        loss.backward()
        opt.step()
    return step


def train_case(model, opt, shape, batch=64):
    x = torch.randn(batch, *shape)
    y = torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    return step


def cpu_capability():
    """ATen's kernel set as ATEN_CPU_CAPABILITY spells it. torch 1.13 has no
    torch.backends.cpu.get_cpu_capability() (torch 2 does), but its build summary has a line
    "CPU capability usage: AVX2" (or "AVX512", or "NO AVX" for the default kernels)."""
    backends_cpu = getattr(torch.backends, "cpu", None)
    if backends_cpu is not None and hasattr(backends_cpu, "get_cpu_capability"):
        usage = backends_cpu.get_cpu_capability()
    else:
        m = re.search(r"CPU capability usage: (.+)", torch.__config__.show())
        usage = m.group(1).strip() if m else os.environ.get("ATEN_CPU_CAPABILITY", "unknown")
    return "default" if usage.upper() == "NO AVX" else usage.lower()


def forced_isa():
    """The environment variables that cap oneDNN's and OpenBLAS's instruction sets, where set."""
    names = {"ONEDNN_MAX_CPU_ISA": "onednn_max_cpu_isa", "OPENBLAS_CORETYPE": "openblas_coretype"}
    return {key: os.environ[var] for var, key in names.items() if os.environ.get(var)}


def make_case(name):
    if name == "mlp_train":
        m = mlp()
        return 300, 64, train_case(m, torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9), (784,))
    if name == "cnn_train":
        m = small_cnn()
        return 30, 64, train_case(m, torch.optim.Adam(m.parameters(), lr=1e-3), (1, 28, 28))
    if name == "lenet5_train":
        m = lenet5()
        return 200, 64, train_case(m, torch.optim.Adam(m.parameters(), lr=1e-3), (1, 28, 28))
    if name == "cnn_convs":
        conv1, conv2 = nn.Conv2d(1, 32, 3), nn.Conv2d(32, 64, 3)
        x = torch.randn(64, 1, 28, 28)
        g = torch.randn(64, 64, 24, 24)

        def step():
            conv1.zero_grad(set_to_none=True)
            conv2.zero_grad(set_to_none=True)
            conv2(conv1(x)).backward(g)
        return 30, 64, step
    if name == "tiny_add":
        x = torch.randn(16)
        return 200000, 1, lambda: x + x
    if name == "tiny_mlp":
        m = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
        x = torch.randn(1, 4)

        def step():
            m.zero_grad(set_to_none=True)
            m(x).sum().backward()
        return 50000, 1, step
    if name == "adam_step":
        p = torch.zeros(10_000_000, requires_grad=True)
        p.grad = torch.randn(10_000_000)
        opt = torch.optim.Adam([p], lr=1e-3)
        return 50, 1, opt.step
    if name == "linear_gemm":
        lin = nn.Linear(784, 512)
        x = torch.randn(256, 784, requires_grad=True)
        g = torch.randn(256, 512)

        def step():
            lin.zero_grad(set_to_none=True)
            x.grad = None
            lin(x).backward(g)
        return 200, 256, step
    if name == "gpt_train":
        return 20, 12, gpt_case()
    if name == "lstm_train":
        return 10, 32, lstm_case()
    sys.exit(f"torch_bench: unknown case '{name}'")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--blas-threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=None)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    ctypes.CDLL("libopenblas.so.0").openblas_set_num_threads(a.blas_threads)
    torch.manual_seed(0)
    default_steps, batch, step = make_case(a.case)
    steps = a.steps or default_steps
    for _ in range(max(3, steps // 10)):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    per_step = (time.perf_counter() - t0) / steps
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"case": a.case, "threads": a.threads, "blas_threads": a.blas_threads, "cpu": cpu_capability(),
                      **forced_isa(), "steps": steps, "seconds_per_step": per_step,
                      "samples_per_second": batch / per_step, "peak_rss_mb": rss_mb}))


if __name__ == "__main__":
    main()
