#!/usr/bin/env python3
"""Golden values for the sequence-model layers and ops, from PyTorch (run with /usr/bin/python3, torch 1.13).

Same format as golden_nn.py: each case holds float64 inputs x0, x1, ... (and integer or bool
inputs i0, ...), an upstream gradient g, the output `out` and the gradients grad0, grad1, ... of
sum(out * g) with respect to each xk. Modules are run with their parameters as inputs (through
torch.nn.utils.stateless.functional_call), so the parameters' gradients are checked too; a module
with several results has them flattened and concatenated into `out`, in the order the C++ test
(tests/nn/test_golden_seq.cpp) concatenates its own. torch 1.13 has no
F.scaled_dot_product_attention (torch 2 has): its cases are torch 2's definition written with
torch ops, softmax(q·kᵀ/√E + mask)·v.
Writes tests/golden/seq.txt in the format tests/helpers.h reads.
"""
import math
import os

import torch
import torch.nn.functional as F
from torch.nn.utils import stateless

from golden_io import case, fmt

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "golden", "seq.txt")


def flat(*tensors):
    return torch.cat([t.reshape(-1) for t in tensors])


def module_case(f, name, module, inputs, call, index_inputs=()):
    """A module with its parameters as the first inputs (in named_parameters() order), then `inputs`;
    call(module, params_dict, *inputs, *index_inputs) returns the output."""
    names = [n for n, _ in module.named_parameters()]
    params = [p.detach().clone() for _, p in module.named_parameters()]

    def fn(*xs):
        return call(module, dict(zip(names, xs[:len(names)])), *xs[len(names):])
    case(f, name, fn, params + inputs, index_inputs)


def sdpa(q, k, v, mask=None, is_causal=False):
    """torch 2's F.scaled_dot_product_attention (dropout 0), in torch 1.13's ops."""
    L, S = q.shape[-2], k.shape[-2]
    s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if is_causal:
        s = s.masked_fill(~torch.ones(L, S, dtype=torch.bool).tril(), float("-inf"))
    if mask is not None:
        s = s.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else s + mask
    return torch.softmax(s, -1) @ v


r = torch.randn
with open(OUT, "w") as f:
    # ---- tril, triu
    for k in (0, 1, -2):
        case(f, f"tril_{k}", lambda x, k=k: torch.tril(x, k), [r(2, 4, 5)])
        case(f, f"triu_{k}", lambda x, k=k: torch.triu(x, k), [r(2, 4, 5)])
    # ---- embedding: repeated indices accumulate into the same rows
    idx = torch.tensor([[1, 3, 3, 0], [6, 1, 1, 1], [2, 5, 3, 6]])
    case(f, "embedding", lambda w, i: F.embedding(i, w), [r(7, 5)], [idx])
    case(f, "embedding_1d", lambda w, i: F.embedding(i, w), [r(4, 3)], [torch.tensor([3, 0, 3])])
    # ---- layer norm
    case(f, "layer_norm", lambda x, w, b: F.layer_norm(x, (6,), w, b, 1e-5),
         [r(4, 3, 6) * 2 + 1, torch.rand(6) + 0.5, r(6)])
    case(f, "layer_norm_2d_shape_no_bias", lambda x, w: F.layer_norm(x, (3, 6), w, None, 1e-3),
         [r(4, 3, 6), torch.rand(3, 6) + 0.5])
    case(f, "layer_norm_no_affine", lambda x: F.layer_norm(x, (5,)), [r(7, 5) * 3])
    # ---- scaled dot-product attention (torch 2 semantics)
    case(f, "sdpa", lambda q, k, v: sdpa(q, k, v), [r(2, 5, 4), r(2, 6, 4), r(2, 6, 3)])
    case(f, "sdpa_causal", lambda q, k, v: sdpa(q, k, v, is_causal=True), [r(2, 3, 6, 4), r(2, 3, 6, 4), r(2, 3, 6, 4)])
    case(f, "sdpa_causal_rect", lambda q, k, v: sdpa(q, k, v, is_causal=True), [r(2, 4, 3), r(2, 6, 3), r(2, 6, 2)])
    allowed = torch.rand(5, 6) > 0.3
    allowed[:, 0] = True  # every query keeps a key
    case(f, "sdpa_bool_mask", lambda q, k, v, m: sdpa(q, k, v, m), [r(2, 5, 4), r(2, 6, 4), r(2, 6, 3)], [allowed])
    case(f, "sdpa_float_mask", lambda q, k, v, m: sdpa(q, k, v, m), [r(3, 5, 4), r(3, 6, 4), r(3, 6, 3), r(1, 5, 6)])
    # ---- multi-head attention: out and averaged (or per-head) weights, flattened together
    E, H, L, S, N = 8, 2, 5, 6, 3

    def mha(self_attention=True, masks=(), need_weights=True, average=True):
        """masks: which of key_padding_mask and attn_mask follow the query, key and value inputs."""
        def call(m, params, q, *rest):
            k, v = (q, q) if self_attention else rest[:2]
            given = dict(zip(masks, rest if self_attention else rest[2:]))
            out, w = stateless.functional_call(m, params, (q, k, v),
                                               dict(key_padding_mask=given.get("kpm"), need_weights=need_weights,
                                                    attn_mask=given.get("mask"), average_attn_weights=average))
            return flat(out, w) if need_weights else out
        return call
    torch.manual_seed(1)
    m = torch.nn.MultiheadAttention(E, H)
    with torch.no_grad():
        m.in_proj_bias.copy_(r(3 * E) * 0.1)
        m.out_proj.bias.copy_(r(E) * 0.1)
    module_case(f, "mha_self", m, [r(L, N, E)], mha())
    module_case(f, "mha_cross", m, [r(L, N, E), r(S, N, E), r(S, N, E)], mha(self_attention=False))
    padded = torch.zeros(N, S, dtype=torch.bool)
    padded[0, 4:] = True
    padded[2, 1] = True
    blocked = torch.rand(L, S) > 0.7
    blocked[:, 0] = False
    module_case(f, "mha_key_padding_bool_mask", m, [r(L, N, E), r(S, N, E), r(S, N, E)],
                mha(self_attention=False, masks=("kpm", "mask")), [padded, blocked])
    module_case(f, "mha_self_float_mask_per_head", m, [r(L, N, E), r(N * H, L, L)],
                mha(masks=("mask",), average=False))
    module_case(f, "mha_self_no_weights", m, [r(L, N, E)], mha(need_weights=False))
    module_case(f, "mha_unbatched", m, [r(L, E)], mha())
    m_nobias = torch.nn.MultiheadAttention(E, H, bias=False)
    module_case(f, "mha_no_bias", m_nobias, [r(L, N, E)], mha())
    # ---- LSTM and GRU: output, then h_n (and c_n), flattened together
    def rnn_call(lstm):
        # torch 1.13's RNNs compute from their cached _flat_weights, which functional_call does not
        # reach: hand the parameters to that list directly.
        def call(m, params, x, *s):
            m._flat_weights = [params[n] for n in m._flat_weights_names]
            if lstm:
                out, (h, c) = m(x, tuple(s)) if s else m(x)
                return flat(out, h, c)
            out, h = m(x, s[0]) if s else m(x)
            return flat(out, h)
        return call
    torch.manual_seed(2)
    T, B, I, Hd = 5, 3, 4, 6
    module_case(f, "lstm", torch.nn.LSTM(I, Hd), [r(T, B, I)], rnn_call(True))
    module_case(f, "lstm_2_layers_state_batch_first", torch.nn.LSTM(I, Hd, num_layers=2, batch_first=True),
                [r(B, T, I), r(2, B, Hd), r(2, B, Hd)], rnn_call(True))
    module_case(f, "lstm_no_bias", torch.nn.LSTM(I, Hd, bias=False), [r(T, B, I)], rnn_call(True))
    module_case(f, "lstm_unbatched_state", torch.nn.LSTM(I, Hd), [r(T, I), r(1, Hd), r(1, Hd)], rnn_call(True))
    module_case(f, "gru", torch.nn.GRU(I, Hd), [r(T, B, I)], rnn_call(False))
    module_case(f, "gru_2_layers_state_batch_first", torch.nn.GRU(I, Hd, num_layers=2, batch_first=True),
                [r(B, T, I), r(2, B, Hd)], rnn_call(False))
    module_case(f, "gru_no_bias", torch.nn.GRU(I, Hd, bias=False), [r(T, B, I)], rnn_call(False))
    # ---- one LSTM step
    case(f, "lstm_cell", lambda x, h, c, wi, wh, bi, bh: flat(*torch.lstm_cell(x, (h, c), wi, wh, bi, bh)),
         [r(B, I), r(B, Hd), r(B, Hd), r(4 * Hd, I) * 0.5, r(4 * Hd, Hd) * 0.5, r(4 * Hd) * 0.5, r(4 * Hd) * 0.5])
    case(f, "lstm_cell_no_bias", lambda x, h, c, wi, wh: flat(*torch.lstm_cell(x, (h, c), wi, wh)),
         [r(B, I), r(B, Hd), r(B, Hd), r(4 * Hd, I) * 0.5, r(4 * Hd, Hd) * 0.5])
print("wrote", OUT)
