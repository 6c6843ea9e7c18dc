#!/usr/bin/env python3
"""PyTorch twin of examples/char_gpt.cpp's default run, to measure both on one machine.

    /usr/bin/python3 bench/char_gpt_torch.py [--data FILE] [--max-iters 2000] [--threads 1] [--blas-threads 1]

The same model (token and position embeddings, pre-norm blocks of causal self-attention and a
4x GELU MLP, LayerNorms without bias, output tied to the token embedding, N(0, 0.02) weights
with the residual projections scaled by 1/sqrt(2 n_layer)), the same data split (first 90% of
the characters train), the same schedule (100 warm-up iterations to 1e-3, cosine to 1e-4 at
2000), AdamW (0.9, 0.99) with weight decay 0.1 on the 2-D weights, clipping at 1.0, and the same
evaluation (mean loss of 20 random batches per split every 250 iterations). The random draws
differ from descent's, so losses agree in distribution, not digit for digit. The last line is
`final val_loss=<x> seconds=<training time>`.
"""
import argparse
import ctypes
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


class LayerNorm(nn.Module):
    """LayerNorm with a gain and no bias (torch 1.13's nn.LayerNorm always has a bias)."""

    def __init__(self, n):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, None, 1e-5)


class Attention(nn.Module):
    def __init__(self, n_embd, n_head, block_size):
        super().__init__()
        self.n_head = n_head
        self.c_attn = nn.Linear(n_embd, 3 * n_embd, bias=False)
        self.c_proj = nn.Linear(n_embd, n_embd, bias=False)
        # torch 1.13 has no fused attention: the causal mask is a buffer, applied by masked_fill
        self.register_buffer("causal", torch.ones(block_size, block_size).tril().bool())

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in self.c_attn(x).split(C, 2))
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(C // self.n_head)
        scores = scores.masked_fill(~self.causal[:T, :T], float("-inf"))
        y = F.softmax(scores, -1) @ v
        return self.c_proj(y.transpose(1, 2).reshape(B, T, C))


class Block(nn.Module):
    def __init__(self, n_embd, n_head, block_size):
        super().__init__()
        self.ln_1, self.ln_2 = LayerNorm(n_embd), LayerNorm(n_embd)
        self.attn = Attention(n_embd, n_head, block_size)
        self.c_fc = nn.Linear(n_embd, 4 * n_embd, bias=False)
        self.c_proj = nn.Linear(4 * n_embd, n_embd, bias=False)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.c_proj(F.gelu(self.c_fc(self.ln_2(x))))


class GPT(nn.Module):
    def __init__(self, vocab, n_layer=4, n_head=4, n_embd=128, block_size=64):
        super().__init__()
        self.wte = nn.Embedding(vocab, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.blocks = nn.ModuleList(Block(n_embd, n_head, block_size) for _ in range(n_layer))
        self.ln_f = LayerNorm(n_embd)
        for name, p in self.named_parameters():
            if p.dim() == 2:
                std = 0.02 / math.sqrt(2 * n_layer) if name.endswith("c_proj.weight") else 0.02
                nn.init.normal_(p, 0.0, std)

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for b in self.blocks:
            x = b(x)
        return F.linear(self.ln_f(x), self.wte.weight)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "shared", "data", "tinyshakespeare", "input.txt"))
    ap.add_argument("--max-iters", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--blas-threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    ctypes.CDLL("libopenblas.so.0").openblas_set_num_threads(a.blas_threads)
    torch.manual_seed(a.seed)

    text = open(a.data, encoding="utf-8").read()
    chars = sorted(set(text))
    table = torch.zeros(256, dtype=torch.int64)  # byte -> its rank in the sorted vocabulary (ASCII text)
    for i, c in enumerate(chars):
        table[ord(c)] = i
    ids = table[torch.tensor(list(text.encode("ascii")), dtype=torch.int64)]
    n = len(ids) * 9 // 10
    splits = {"train": ids[:n], "val": ids[n:]}
    B, T, iters, warmup, lr, min_lr = 12, 64, a.max_iters, 100, 1e-3, 1e-4

    def batch(split):
        d = splits[split]
        start = torch.randint(len(d) - T, (B,))
        return torch.stack([d[s:s + T] for s in start]), torch.stack([d[s + 1:s + T + 1] for s in start])

    model = GPT(len(chars))
    decay = [p for p in model.parameters() if p.dim() >= 2]
    rest = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}],
                            lr=lr, betas=(0.9, 0.99))

    def lr_at(it):
        if it < warmup:
            return lr * (it + 1) / (warmup + 1)
        ratio = (it - warmup) / max(1, iters - warmup)
        return min_lr + 0.5 * (1 + math.cos(math.pi * ratio)) * (lr - min_lr)

    @torch.no_grad()
    def estimate(split):
        return sum(F.cross_entropy(model(x).view(-1, len(chars)), y.view(-1)).item()
                   for x, y in (batch(split) for _ in range(20))) / 20

    train_seconds, val = 0.0, float("nan")
    for it in range(iters + 1):
        if it % 250 == 0 or it == iters:
            val = estimate("val")
            print(f"iter {it}/{iters}  train_loss {estimate('train'):.4f}  val_loss {val:.4f}  "
                  f"training {train_seconds:.1f} s", flush=True)
        if it == iters:
            break
        t0 = time.perf_counter()
        for g in opt.param_groups:
            g["lr"] = lr_at(it)
        x, y = batch("train")
        loss = F.cross_entropy(model(x).view(-1, len(chars)), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        train_seconds += time.perf_counter() - t0
    print(f"final val_loss={val:.4f} seconds={train_seconds:.1f}")


if __name__ == "__main__":
    main()
