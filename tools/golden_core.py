#!/usr/bin/env python3
"""Golden values for the core ops, from PyTorch (run with /usr/bin/python3, torch 1.13).

For each case: the float64 inputs x0, x1, ..., the upstream gradient g, the op's output `out`
and the gradients grad0, grad1, ... of sum(out * g) with respect to each input. The C++ test
(tests/autograd/test_golden_core.cpp) runs the same op on the same inputs and compares.
Writes tests/golden/core.txt in the format tests/helpers.h reads.
"""
import os
import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "golden", "core.txt")


def fmt(t):
    t = t.detach()
    dtype = {torch.float64: "float64", torch.float32: "float32", torch.int64: "int64", torch.bool: "bool"}[t.dtype]
    vals = " ".join(repr(float(v)) for v in t.reshape(-1).tolist())
    return f"{dtype} {t.dim()} {' '.join(str(s) for s in t.shape)}\n{vals}\n"


def case(f, name, fn, inputs, index_inputs=()):
    xs = [x.clone().requires_grad_(True) for x in inputs]
    out = fn(*xs, *index_inputs)
    g = torch.randn(out.shape)
    grads = torch.autograd.grad((out * g).sum(), xs, allow_unused=True)
    f.write(f"case {name}\n")
    for i, x in enumerate(xs):
        f.write(f"tensor x{i} " + fmt(x))
    for i, ix in enumerate(index_inputs):
        if isinstance(ix, torch.Tensor):
            f.write(f"tensor i{i} " + fmt(ix))
    f.write("tensor out " + fmt(out))
    f.write("tensor g " + fmt(g))
    for i, gr in enumerate(grads):
        f.write(f"tensor grad{i} " + fmt(gr if gr is not None else torch.zeros_like(xs[i])))


r = torch.randn
pos = lambda *s: torch.rand(*s) + 0.5
with open(OUT, "w") as f:
    case(f, "add_broadcast", lambda a, b: a + b, [r(3, 4), r(4)])
    case(f, "sub_broadcast", lambda a, b: a - b, [r(3, 1), r(1, 4)])
    case(f, "mul_broadcast", lambda a, b: a * b, [r(2, 3, 4), r(3, 1)])
    case(f, "div", lambda a, b: a / b, [r(3, 4), pos(3, 4)])
    case(f, "pow_tensor", lambda a, b: a ** b, [pos(5), r(5)])
    case(f, "pow_scalar", lambda a: a ** 2.5, [pos(2, 3)])
    case(f, "maximum", lambda a, b: torch.maximum(a, b), [r(4, 3), r(3)])
    case(f, "exp", torch.exp, [r(3, 3)])
    case(f, "log", torch.log, [pos(7)])
    case(f, "sqrt", torch.sqrt, [pos(7)])
    case(f, "tanh", torch.tanh, [r(3, 5)])
    case(f, "sigmoid", torch.sigmoid, [r(3, 5)])
    case(f, "relu", torch.relu, [r(4, 4)])
    case(f, "leaky_relu", lambda a: torch.nn.functional.leaky_relu(a, 0.1), [r(4, 4)])
    case(f, "gelu", torch.nn.functional.gelu, [r(4, 4)])
    case(f, "gelu_tanh", lambda a: torch.nn.functional.gelu(a, approximate="tanh"), [r(4, 4)])
    case(f, "softplus", lambda a: torch.nn.functional.softplus(a, beta=2.0, threshold=3.0), [r(4, 4) * 3])
    case(f, "erf", torch.erf, [r(6)])
    case(f, "clamp", lambda a: torch.clamp(a, -0.5, 0.7), [r(4, 4)])
    case(f, "sum_dims", lambda a: a.sum(dim=(0, 2)), [r(2, 3, 4)])
    case(f, "sum_keepdim", lambda a: a.sum(dim=1, keepdim=True), [r(2, 3, 4)])
    case(f, "mean", lambda a: a.mean(dim=-1), [r(3, 6)])
    case(f, "var", lambda a: a.var(dim=1), [r(3, 6)])
    case(f, "logsumexp", lambda a: torch.logsumexp(a, dim=1), [r(3, 6) * 10])
    case(f, "max_dim", lambda a: a.max(dim=1).values, [r(4, 5)])
    case(f, "min_dim_keepdim", lambda a: a.min(dim=0, keepdim=True).values, [r(4, 5)])
    case(f, "softmax", lambda a: torch.softmax(a, dim=1), [r(3, 5) * 5])
    case(f, "log_softmax", lambda a: torch.log_softmax(a, dim=0), [r(3, 5) * 5])
    case(f, "matmul", torch.matmul, [r(3, 4), r(4, 5)])
    case(f, "matmul_batched_broadcast", torch.matmul, [r(2, 1, 3, 4), r(3, 4, 2)])
    case(f, "matmul_vector", torch.matmul, [r(4), r(2, 4, 3)])
    case(f, "linear", torch.nn.functional.linear, [r(5, 4), r(3, 4), r(3)])
    case(f, "transpose_reshape", lambda a: a.transpose(0, 2).reshape(4, 6) * 2, [r(2, 3, 4)])
    case(f, "cat", lambda a, b: torch.cat([a, b], dim=1), [r(2, 3), r(2, 2)])
    case(f, "slice_step", lambda a: a[:, 1::2], [r(3, 6)])
    case(f, "index_select", lambda a, i: a.index_select(0, i), [r(4, 3)], [torch.tensor([3, 0, 3, 1])])
    case(f, "gather", lambda a, i: a.gather(1, i), [r(3, 4)], [torch.tensor([[0, 3], [1, 1], [2, 0]])])
    case(f, "where", lambda a, b, c: torch.where(c, a, b), [r(3, 3), r(3)], [r(3, 3) > 0])
print("wrote", OUT)
