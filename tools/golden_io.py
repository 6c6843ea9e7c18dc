"""What tools/golden_nn.py and golden_seq.py share: a tensor in the golden format tests/helpers.h
reads, and a case with its output and the gradients of sum(out * g) (g drawn from torch's
global generator, so the scripts' seeds decide it)."""
import torch


def fmt(t):
    t = t.detach()
    dtype = {torch.float64: "float64", torch.float32: "float32", torch.int64: "int64", torch.bool: "bool"}[t.dtype]
    vals = " ".join(repr(float(v)) if t.is_floating_point() else str(int(v)) for v in t.reshape(-1).tolist())
    return f"{dtype} {t.dim()} {' '.join(str(s) for s in t.shape)}\n{vals}\n"


def case(f, name, fn, inputs, index_inputs=()):
    """out = fn(x0, x1, ..., i0, i1, ...); gradients of sum(out * g) for every float input."""
    xs = [x.clone().requires_grad_(True) for x in inputs]
    out = fn(*xs, *index_inputs)
    g = torch.randn(out.shape)
    grads = torch.autograd.grad((out * g).sum(), xs, allow_unused=True)
    f.write(f"case {name}\n")
    for i, x in enumerate(xs):
        f.write(f"tensor x{i} " + fmt(x))
    for i, ix in enumerate(index_inputs):
        f.write(f"tensor i{i} " + fmt(ix))
    f.write("tensor out " + fmt(out))
    f.write("tensor g " + fmt(g))
    for i, gr in enumerate(grads):
        f.write(f"tensor grad{i} " + fmt(gr if gr is not None else torch.zeros_like(xs[i])))
