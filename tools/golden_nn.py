#!/usr/bin/env python3
"""Golden values for the nn layers and losses, from PyTorch (run with /usr/bin/python3, torch 1.13).

Each case holds float64 inputs x0, x1, ... (and integer inputs i0, ...), an upstream gradient g,
the output `out` and the gradients grad0, grad1, ... of sum(out * g) with respect to each xk.
Batch-norm cases also hold running statistics after several training steps (when the module
tracks them) and an evaluation output (and, for the later cases, its input gradient). The C++ test (tests/nn/test_golden_nn.cpp) runs the same computation and compares with
max|got - want| / max(max|want|, 1e-12) < 1e-10.
Writes tests/golden/nn.txt in the format tests/helpers.h reads.
"""
import os

import torch
import torch.nn.functional as F

from golden_io import case, fmt

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "golden", "nn.txt")


def batch_norm_running(f, name, module, shapes, eval_shape, eval_grad=False):
    """Several training steps of a BatchNorm module, then its running statistics (if it tracks
    them) and an eval pass; with eval_grad also the input's gradient of sum(eval_out * eval_g)."""
    if module.affine:
        with torch.no_grad():
            module.weight.copy_(torch.rand(module.num_features) + 0.5)
            module.bias.copy_(torch.randn(module.num_features))
    f.write(f"case {name}\n")
    if module.affine:
        f.write("tensor weight " + fmt(module.weight))
        f.write("tensor bias " + fmt(module.bias))
    module.train()
    for k, shape in enumerate(shapes):
        x = torch.randn(shape) * 2 + 1
        f.write(f"tensor step{k} " + fmt(x))
        module(x)
    if module.track_running_stats:
        f.write("tensor running_mean " + fmt(module.running_mean))
        f.write("tensor running_var " + fmt(module.running_var))
    module.eval()
    x = torch.randn(eval_shape)
    f.write("tensor eval_in " + fmt(x))
    if not eval_grad:
        f.write("tensor eval_out " + fmt(module(x)))
        return
    x.requires_grad_(True)
    out = module(x)
    g = torch.randn(out.shape)
    (grad,) = torch.autograd.grad((out * g).sum(), x)
    f.write("tensor eval_out " + fmt(out))
    f.write("tensor eval_g " + fmt(g))
    f.write("tensor eval_grad " + fmt(grad))


r = torch.randn
with open(OUT, "w") as f:
    # ---- convolution: values and the gradients for input, weight and bias
    case(f, "conv2d", lambda x, w, b: F.conv2d(x, w, b), [r(2, 3, 7, 6), r(4, 3, 3, 3), r(4)])
    case(f, "conv2d_stride2_pad1_dil2", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, dilation=2),
         [r(2, 2, 9, 8), r(3, 2, 3, 2), r(3)])
    case(f, "conv2d_asymmetric", lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 0), dilation=(1, 2)),
         [r(3, 2, 8, 9), r(2, 2, 2, 3), r(2)])
    case(f, "conv2d_pointwise_nobias", lambda x, w: F.conv2d(x, w), [r(2, 4, 5, 5), r(3, 4, 1, 1)])
    case(f, "conv2d_batch9", lambda x, w, b: F.conv2d(x, w, b, padding=1), [r(9, 1, 6, 6), r(5, 1, 3, 3), r(5)])
    # ---- pooling
    case(f, "max_pool2d_2", lambda x: F.max_pool2d(x, 2), [r(2, 3, 8, 7)])
    case(f, "max_pool2d_3_s2_p1", lambda x: F.max_pool2d(x, 3, stride=2, padding=1), [r(2, 2, 9, 8)])
    case(f, "max_pool2d_k32_s12", lambda x: F.max_pool2d(x, (3, 2), stride=(1, 2)), [r(1, 2, 6, 7)])
    case(f, "avg_pool2d_2", lambda x: F.avg_pool2d(x, 2), [r(2, 3, 8, 7)])
    case(f, "avg_pool2d_3_s2_p1", lambda x: F.avg_pool2d(x, 3, stride=2, padding=1), [r(2, 2, 9, 8)])
    case(f, "avg_pool2d_3_s2_p1_exclude_pad",
         lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False), [r(2, 2, 9, 8)])
    # ---- batch norm: training-mode values and gradients, then running statistics and eval
    case(f, "batch_norm2d_train",
         lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True, eps=1e-5),
         [r(4, 3, 5, 5) * 3 + 2, torch.rand(3) + 0.5, r(3)])
    case(f, "batch_norm1d_train", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True, eps=1e-3),
         [r(6, 4), torch.rand(4) + 0.5, r(4)])
    case(f, "batch_norm1d_train_3d_noaffine", lambda x: F.batch_norm(x, None, None, training=True), [r(5, 3, 4)])
    batch_norm_running(f, "batch_norm2d_running", torch.nn.BatchNorm2d(3, momentum=0.1),
                       [(4, 3, 5, 5), (2, 3, 4, 6), (3, 3, 2, 2)], (2, 3, 4, 4))
    batch_norm_running(f, "batch_norm1d_running_cumulative", torch.nn.BatchNorm1d(4, momentum=None),
                       [(6, 4), (3, 4), (5, 4)], (3, 4))
    # ---- losses
    N, C = 6, 5
    y = torch.randint(0, C, (N,))
    y_ignored = y.clone()
    y_ignored[1] = -100
    y_ignored[4] = -100
    y2 = torch.randint(0, C, (N,))
    y2[2] = 3
    for red in ["mean", "sum", "none"]:
        case(f, f"cross_entropy_{red}", lambda x, t, red=red: F.cross_entropy(x, t, reduction=red), [r(N, C) * 2], [y])
        case(f, f"cross_entropy_smooth_ignore_{red}",
             lambda x, t, red=red: F.cross_entropy(x, t, reduction=red, label_smoothing=0.2), [r(N, C) * 2],
             [y_ignored])
    case(f, "cross_entropy_smooth_mean", lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1), [r(N, C)], [y])
    case(f, "cross_entropy_ignore3_mean", lambda x, t: F.cross_entropy(x, t, ignore_index=3), [r(N, C)], [y2])
    yk = torch.randint(0, C, (2, 3, 4))
    yk[0, 1, 2] = -100
    case(f, "cross_entropy_kdim_smooth_ignore_mean",
         lambda x, t: F.cross_entropy(x, t, label_smoothing=0.3), [r(2, C, 3, 4)], [yk])
    case(f, "cross_entropy_kdim_none", lambda x, t: F.cross_entropy(x, t, reduction="none"), [r(2, C, 3, 4)], [yk])
    for red in ["mean", "sum", "none"]:
        case(f, f"nll_loss_ignore_{red}", lambda x, t, red=red: F.nll_loss(x, t, reduction=red),
             [torch.log_softmax(r(N, C), 1)], [y_ignored])
    case(f, "nll_loss_kdim_mean", lambda x, t: F.nll_loss(x, t), [torch.log_softmax(r(2, C, 3, 4), 1)], [yk])
    for red in ["mean", "sum", "none"]:
        case(f, f"mse_loss_{red}", lambda a, b, red=red: F.mse_loss(a, b, reduction=red), [r(4, 3), r(4, 3)])
        case(f, f"l1_loss_{red}", lambda a, b, red=red: F.l1_loss(a, b, reduction=red), [r(4, 3), r(4, 3)])
        case(f, f"huber_loss_{red}", lambda a, b, red=red: F.huber_loss(a, b, reduction=red, delta=0.7),
             [r(4, 3), r(4, 3)])
        case(f, f"bce_with_logits_{red}",
             lambda a, b, red=red: F.binary_cross_entropy_with_logits(a, b, reduction=red),
             [r(4, 3) * 4, torch.rand(4, 3)])
        case(f, f"multi_margin_{red}", lambda x, t, red=red: F.multi_margin_loss(x, t, reduction=red), [r(N, C)], [y])
    case(f, "multi_margin_p2_margin05", lambda x, t: F.multi_margin_loss(x, t, p=2, margin=0.5), [r(N, C)], [y])
    case(f, "bce_with_logits_large", lambda a, b: F.binary_cross_entropy_with_logits(a, b),
         [torch.tensor([[-60.0, -8.0, 0.5], [9.0, 45.0, -0.25]]), torch.rand(2, 3)])
    # ---- later additions, drawn after everything above so that its numbers stay as they were
    # a non-default ignore_index (2, a real class here), alone and together with label smoothing
    y3 = torch.randint(0, C, (N,))
    y3[0] = 2
    y3[3] = 2
    for red in ["mean", "sum", "none"]:
        case(f, f"nll_loss_ignore2_{red}", lambda x, t, red=red: F.nll_loss(x, t, reduction=red, ignore_index=2),
             [torch.log_softmax(r(N, C), 1)], [y3])
        case(f, f"cross_entropy_smooth_ignore2_{red}",
             lambda x, t, red=red: F.cross_entropy(x, t, reduction=red, label_smoothing=0.15, ignore_index=2),
             [r(N, C) * 2], [y3])
    # batch norm without weight and bias; and without running statistics (eval uses the batch's)
    batch_norm_running(f, "batch_norm2d_running_noaffine", torch.nn.BatchNorm2d(3, affine=False),
                       [(4, 3, 5, 5), (2, 3, 3, 4)], (2, 3, 4, 4), eval_grad=True)
    batch_norm_running(f, "batch_norm1d_no_running_stats", torch.nn.BatchNorm1d(4, track_running_stats=False),
                       [(6, 4), (5, 4, 3)], (5, 4, 3), eval_grad=True)
print("wrote", OUT)
