#!/usr/bin/env python3
"""Golden trajectories for optim/ from PyTorch (run with /usr/bin/python3, torch 1.13), float64.

Writes, in the format tests/helpers.h reads:
  tests/golden/optim.txt           every optimizer on a small tanh network: for each case the
                                   parameters after each of STEPS steps (tensor <name> [STEPS, ...])
                                   and the loss before each step; case `problem` holds the data
                                   and the initial parameters.
  tests/golden/optim_variants.txt  batch, stochastic and mini-batch gradient descent on a linear
                                   regression with the same SGD: the sample indices of every step
                                   (`order`) and the parameters after it.
  tests/golden/optim_newton.txt    damped Newton (optim/newton.cpp's rule, written out with torch's
                                   Hessian and Cholesky solve) on the same network: the parameters
                                   after each step, the loss before it and the damping it needed.
  tests/golden/optim_clip.txt      clip_grad_norm_ (L2, L1, inf) and clip_grad_value_ on fixed
                                   gradients: the total norm and the clipped gradients.
  tests/golden/sched.txt           every learning-rate schedule: the lr of every group after
                                   construction and after each step (`lr` [STEPS + 1, groups]),
                                   the momentum where the schedule cycles it, ReduceLROnPlateau's
                                   metrics.
The C++ tests (tests/optim/test_golden_*.cpp) rebuild each case by its name; the two lists of
cases must agree.
"""
import math
import os

import torch

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "tests", "golden")
STEPS = 40


def fmt(t):
    t = t.detach()
    dtype = {torch.float64: "float64", torch.float32: "float32", torch.int64: "int64", torch.bool: "bool"}[t.dtype]
    vals = " ".join(repr(float(v)) if t.is_floating_point() else str(int(v)) for v in t.reshape(-1).tolist())
    return f"{dtype} {t.dim()} {' '.join(str(s) for s in t.shape)}\n{vals}\n"


def write_tensor(f, name, t):
    f.write(f"tensor {name} " + fmt(t))


# ---- optimizers ---------------------------------------------------------------------------
# A 3-5-2 tanh network on 16 samples: nonconvex, every parameter gets a different gradient.
torch.manual_seed(0)
X = torch.randn(16, 3)
Y = torch.randn(16, 2)
INIT = {"W1": torch.randn(3, 5) * 0.7, "b1": torch.randn(5) * 0.1, "W2": torch.randn(5, 2) * 0.7,
        "b2": torch.randn(2) * 0.1}
NAMES = ["W1", "b1", "W2", "b2"]


def loss_fn(p):
    h = torch.tanh(X @ p["W1"] + p["b1"])
    return ((h @ p["W2"] + p["b2"] - Y) ** 2).mean()


def sgd(p, **kw): return torch.optim.SGD(p, **kw)


# name -> (make optimizer from the list of parameters, closure sign, scheduler or None)
# sign = -1: the closure returns -loss and the optimizer maximizes (so it still descends the loss).
OPTIMIZERS = {
    "sgd": (lambda p: torch.optim.SGD(p, lr=0.1), 1),
    "sgd_momentum": (lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9), 1),
    "sgd_dampening_wd": (lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.05), 1),
    "sgd_nesterov": (lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01), 1),
    "sgd_maximize": (lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.5, maximize=True), -1),
    "adagrad": (lambda p: torch.optim.Adagrad(p, lr=0.1), 1),
    "adagrad_options": (lambda p: torch.optim.Adagrad(p, lr=0.2, lr_decay=0.05, weight_decay=0.02,
                                                      initial_accumulator_value=0.3, eps=1e-6), 1),
    "adagrad_maximize": (lambda p: torch.optim.Adagrad(p, lr=0.1, maximize=True), -1),
    "rmsprop": (lambda p: torch.optim.RMSprop(p, lr=0.01), 1),
    "rmsprop_centered_momentum": (lambda p: torch.optim.RMSprop(p, lr=0.005, alpha=0.9, eps=1e-5, weight_decay=0.03,
                                                                momentum=0.7, centered=True), 1),
    "rmsprop_momentum_maximize": (lambda p: torch.optim.RMSprop(p, lr=0.003, momentum=0.5, maximize=True), -1),
    "adadelta": (lambda p: torch.optim.Adadelta(p), 1),
    "adadelta_options": (lambda p: torch.optim.Adadelta(p, lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1), 1),
    "adadelta_maximize": (lambda p: torch.optim.Adadelta(p, lr=2.0, maximize=True), -1),
    "adam": (lambda p: torch.optim.Adam(p, lr=0.02), 1),
    "adam_options": (lambda p: torch.optim.Adam(p, lr=0.03, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.05), 1),
    "adam_amsgrad": (lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.5, 0.9), amsgrad=True), 1),
    "adam_maximize": (lambda p: torch.optim.Adam(p, lr=0.02, maximize=True), -1),
    "adamw": (lambda p: torch.optim.AdamW(p, lr=0.02), 1),
    "adamw_options": (lambda p: torch.optim.AdamW(p, lr=0.03, betas=(0.85, 0.98), eps=1e-7, weight_decay=0.3,
                                                  amsgrad=True), 1),
    "adamw_maximize": (lambda p: torch.optim.AdamW(p, lr=0.02, weight_decay=0.1, maximize=True), -1),
    # foreach=True: 1.13's default path counts μ_t twice in the product (fixed in 2.0).
    "nadam": (lambda p: torch.optim.NAdam(p, lr=0.02, foreach=True), 1),
    "nadam_options": (lambda p: torch.optim.NAdam(p, lr=0.03, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05,
                                                  momentum_decay=0.05, foreach=True), 1),
    "adamax": (lambda p: torch.optim.Adamax(p, lr=0.05), 1),
    "adamax_options": (lambda p: torch.optim.Adamax(p, lr=0.04, betas=(0.7, 0.9), eps=1e-5, weight_decay=0.1), 1),
    "adamax_maximize": (lambda p: torch.optim.Adamax(p, lr=0.05, maximize=True), -1),
    "lbfgs": (lambda p: torch.optim.LBFGS(p, lr=0.5, max_iter=2, history_size=4), 1),
    "lbfgs_strong_wolfe": (lambda p: torch.optim.LBFGS(p, lr=1, max_iter=2, history_size=3,
                                                       line_search_fn="strong_wolfe"), 1),
    # The tolerances end iterations early from about step 20 on.
    "lbfgs_tolerances": (lambda p: torch.optim.LBFGS(p, lr=1, max_iter=3, max_eval=4, tolerance_grad=1e-2,
                                                     tolerance_change=1e-3, history_size=3,
                                                     line_search_fn="strong_wolfe"), 1),
    "lbfgs_max_eval": (lambda p: torch.optim.LBFGS(p, lr=1, max_iter=2, max_eval=3, tolerance_grad=1e-4,
                                                   tolerance_change=1e-6, history_size=3,
                                                   line_search_fn="strong_wolfe"), 1),
    # L-BFGS cases are chosen well-conditioned: on this nonconvex net some settings (e.g. lr=0.8,
    # max_iter=4, max_eval=6) amplify rounding differences ×3 per step, in torch itself (a 1e-14
    # nudge of the start moves step 40 by 1e-2), which no reimplementation could follow.
}


def run_optimizer(f, name, make, sign, groups=None, schedule=None, clip=None):
    params = {k: v.clone().requires_grad_(True) for k, v in INIT.items()}
    plist = [params[k] for k in NAMES]
    opt = make(groups(params) if groups else plist)
    sched = schedule(opt) if schedule else None
    traj = {k: [] for k in NAMES}
    losses, lrs, momenta = [], [], []

    def closure():
        opt.zero_grad(set_to_none=True)
        loss = sign * loss_fn(params)
        loss.backward()
        if clip:
            clip(plist)
        return loss

    for _ in range(STEPS):
        lrs.append(opt.param_groups[0]["lr"])
        g0 = opt.param_groups[0]
        momenta.append(g0["betas"][0] if "betas" in g0 else g0.get("momentum", 0.0))
        if isinstance(opt, torch.optim.LBFGS):
            losses.append(float(opt.step(closure)))
        else:
            losses.append(float(closure()))
            opt.step()
        if sched:
            sched.step()
        for k in NAMES:
            traj[k].append(params[k].detach().clone())
    f.write(f"case {name}\n")
    for k in NAMES:
        write_tensor(f, k, torch.stack(traj[k]))
    write_tensor(f, "loss", torch.tensor(losses))
    write_tensor(f, "lr", torch.tensor(lrs))
    write_tensor(f, "momentum", torch.tensor(momenta))
    if isinstance(opt, torch.optim.LBFGS):
        state = opt.state[opt._params[0]]
        f.write(f"scalar func_evals {state['func_evals']}\nscalar n_iter {state['n_iter']}\n")


def write_optimizers():
    with open(os.path.join(GOLDEN, "optim.txt"), "w") as f:
        f.write("case problem\n")
        write_tensor(f, "X", X)
        write_tensor(f, "Y", Y)
        for k in NAMES:
            write_tensor(f, k, INIT[k])
        f.write(f"scalar steps {STEPS}\n")
        for name, (make, sign) in OPTIMIZERS.items():
            run_optimizer(f, name, make, sign)
        # Parameter groups with their own options.
        run_optimizer(f, "adam_param_groups", lambda g: torch.optim.Adam(g, lr=0.02), 1,
                      groups=lambda p: [{"params": [p["W1"], p["b1"]]},
                                        {"params": [p["W2"], p["b2"]], "lr": 0.005, "betas": (0.7, 0.9),
                                         "weight_decay": 0.1, "amsgrad": True}])
        # Optimizers with a schedule attached, stepped after every optimizer step.
        run_optimizer(f, "sgd_momentum_steplr", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9), 1,
                      schedule=lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=10, gamma=0.5))
        run_optimizer(f, "sgd_cycliclr", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9), 1,
                      schedule=lambda o: torch.optim.lr_scheduler.CyclicLR(o, base_lr=0.01, max_lr=0.1,
                                                                            step_size_up=6, mode="triangular2"))
        run_optimizer(f, "adam_onecycle", lambda p: torch.optim.Adam(p, lr=0.01), 1,
                      schedule=lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.05, total_steps=STEPS))
        run_optimizer(f, "rmsprop_onecycle", lambda p: torch.optim.RMSprop(p, lr=0.01, momentum=0.5), 1,
                      schedule=lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.02, total_steps=STEPS,
                                                                              anneal_strategy="linear"))
        # Clipping inside the closure, before every step.
        run_optimizer(f, "sgd_clip_norm", lambda p: torch.optim.SGD(p, lr=0.2, momentum=0.5), 1,
                      clip=lambda ps: torch.nn.utils.clip_grad_norm_(ps, 0.05))
        run_optimizer(f, "adam_clip_value", lambda p: torch.optim.Adam(p, lr=0.02), 1,
                      clip=lambda ps: torch.nn.utils.clip_grad_value_(ps, 0.02))


# ---- damped Newton ----------------------------------------------------------------------------
# torch.optim has no Newton, so its rule (optim/newton.cpp, docs/optimizers.md) is written out
# here with torch's Hessian and Cholesky solve. Each step:
#   H ← (H + Hᵀ)/2;  λ = damping, then ×10 (from 1e-10·max(1, max|H_ii|) when damping is 0)
#   until H + λI is positive definite and θ − lr·(H + λI)⁻¹g does not raise the loss beyond
#   1e-12 relative (else that step is undone and λ grows).
# With lr = 0.5 and damping = 0.1 on the tanh network the run takes every branch: H is
# indefinite for most steps (λ = 10, later 1, is needed), at steps 34 and 35 H + 0.1·I is
# positive definite but its step raises the loss (undone, λ = 1 is taken), and steps 36 and
# 38–40 take λ = 0.1. No decision is close: every H + λI tried has no eigenvalue within 1.9e-3
# of zero, and every trial step changes the loss by more than 1.4%.
NEWTON = {"newton_damped": (0.5, 0.1)}  # name -> (lr, damping)


def flat_loss(theta):
    sizes = [INIT[k].numel() for k in NAMES]
    parts = torch.split(theta, sizes)
    return loss_fn({k: t.reshape(INIT[k].shape) for k, t in zip(NAMES, parts)})


def newton_step(theta, lr, damping):
    """One step of optim/newton.cpp; returns the new θ, the loss before the step and the λ used."""
    t = theta.clone().requires_grad_(True)
    loss = flat_loss(t)
    (g,) = torch.autograd.grad(loss, t)
    H = torch.autograd.functional.hessian(flat_loss, theta)
    H = 0.5 * (H + H.T)
    max_diag = float(H.diagonal().abs().max())
    f0 = float(loss)
    lam = damping
    for _ in range(60):
        L, info = torch.linalg.cholesky_ex(H + lam * torch.eye(len(theta)))
        if int(info) == 0:
            new = theta - lr * torch.cholesky_solve(g[:, None], L)[:, 0]
            if float(flat_loss(new)) <= f0 + 1e-12 * abs(f0):
                return new, f0, lam
        lam = 10 * lam if lam > 0 else 1e-10 * max(1.0, max_diag)
    raise RuntimeError("no damping gives a descent step")


def write_newton():
    with open(os.path.join(GOLDEN, "optim_newton.txt"), "w") as f:
        for name, (lr, damping) in NEWTON.items():
            theta = torch.cat([INIT[k].reshape(-1) for k in NAMES])
            thetas, losses, lambdas = [], [], []
            for _ in range(STEPS):
                theta, loss, lam = newton_step(theta, lr, damping)
                thetas.append(theta)
                losses.append(loss)
                lambdas.append(lam)
            f.write(f"case {name}\nscalar lr {lr!r}\nscalar damping {damping!r}\n")
            per_param = torch.split(torch.stack(thetas), [INIT[k].numel() for k in NAMES], dim=1)
            for k, traj in zip(NAMES, per_param):
                write_tensor(f, k, traj.reshape(STEPS, *INIT[k].shape))
            write_tensor(f, "loss", torch.tensor(losses))
            write_tensor(f, "damping", torch.tensor(lambdas))


# ---- batch, stochastic and mini-batch gradient descent ------------------------------------
def write_variants():
    torch.manual_seed(1)
    n = 24
    Xr = torch.randn(n, 2)
    yr = Xr @ torch.tensor([1.5, -2.0]) + 0.7 + 0.1 * torch.randn(n)
    w0, b0 = torch.tensor([0.1, -0.1]), torch.tensor([0.0])
    gen = torch.Generator().manual_seed(2)
    with open(os.path.join(GOLDEN, "optim_variants.txt"), "w") as f:
        f.write("case data\n")
        write_tensor(f, "X", Xr)
        write_tensor(f, "y", yr)
        write_tensor(f, "w", w0)
        write_tensor(f, "b", b0)
        for name, batch in (("stochastic", 1), ("batch", n), ("minibatch", 6)):
            w, b = w0.clone().requires_grad_(True), b0.clone().requires_grad_(True)
            opt = torch.optim.SGD([w, b], lr=0.05, momentum=0.5)
            orders, ws, bs, losses = [], [], [], []
            perm, pos = None, n
            for _ in range(STEPS):
                if pos + batch > n:  # a new epoch: reshuffle
                    perm, pos = torch.randperm(n, generator=gen), 0
                idx = perm[pos:pos + batch]
                pos += batch
                opt.zero_grad()
                loss = ((Xr[idx] @ w + b - yr[idx]) ** 2).mean()
                loss.backward()
                opt.step()
                orders.append(idx.clone())
                ws.append(w.detach().clone())
                bs.append(b.detach().clone())
                losses.append(float(loss))
            f.write(f"case {name}\n")
            f.write(f"scalar batch_size {batch}\n")
            write_tensor(f, "order", torch.stack(orders))
            write_tensor(f, "w", torch.stack(ws))
            write_tensor(f, "b", torch.stack(bs))
            write_tensor(f, "loss", torch.tensor(losses))


# ---- gradient clipping ----------------------------------------------------------------------
def write_clip():
    torch.manual_seed(3)
    grads = [torch.randn(4, 3), torch.randn(5) * 3, torch.randn(2, 2) * 0.1]
    with open(os.path.join(GOLDEN, "optim_clip.txt"), "w") as f:
        f.write("case grads\n")
        for i, g in enumerate(grads):
            write_tensor(f, f"g{i}", g)
        for name, fn in (("norm_l2", lambda ps: torch.nn.utils.clip_grad_norm_(ps, 2.0)),
                         ("norm_l1", lambda ps: torch.nn.utils.clip_grad_norm_(ps, 3.0, norm_type=1.0)),
                         ("norm_inf", lambda ps: torch.nn.utils.clip_grad_norm_(ps, 1.5, norm_type=math.inf)),
                         ("norm_p3", lambda ps: torch.nn.utils.clip_grad_norm_(ps, 1.0, norm_type=3.0)),
                         ("norm_large", lambda ps: torch.nn.utils.clip_grad_norm_(ps, 100.0)),
                         ("value", lambda ps: torch.nn.utils.clip_grad_value_(ps, 0.5))):
            ps = [torch.zeros_like(g).requires_grad_(True) for g in grads]
            for p, g in zip(ps, grads):
                p.grad = g.clone()
            total = fn(ps)
            f.write(f"case {name}\n")
            if total is not None:
                f.write(f"scalar total_norm {float(total)!r}\n")
            for i, p in enumerate(ps):
                write_tensor(f, f"g{i}", p.grad)


# ---- schedules ------------------------------------------------------------------------------
S = torch.optim.lr_scheduler
SCHED_STEPS = 60
SCHEDULES = {
    "step": lambda o: S.StepLR(o, step_size=7, gamma=0.5),
    "multistep": lambda o: S.MultiStepLR(o, milestones=[5, 12, 12, 30], gamma=0.3),
    "exponential": lambda o: S.ExponentialLR(o, gamma=0.93),
    "inverse_time": lambda o: S.LambdaLR(o, lambda t: 1 / (1 + 0.25 * t)),  # InverseTimeLR(0.25)
    "cosine": lambda o: S.CosineAnnealingLR(o, T_max=20, eta_min=0.001),
    "warm_restarts": lambda o: S.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.0005),
    "warm_restarts_mult1": lambda o: S.CosineAnnealingWarmRestarts(o, T_0=7),
    "cyclic_triangular": lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=5, step_size_down=8),
    "cyclic_triangular2": lambda o: S.CyclicLR(o, base_lr=0.02, max_lr=0.2, step_size_up=4, mode="triangular2",
                                               base_momentum=0.7, max_momentum=0.95),
    "cyclic_exp_range": lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=6, mode="exp_range",
                                             gamma=0.97),
    "cyclic_no_momentum": lambda o: S.CyclicLR(o, base_lr=0.005, max_lr=0.05, step_size_up=3, step_size_down=5,
                                               cycle_momentum=False),
    "onecycle": lambda o: S.OneCycleLR(o, max_lr=0.5, total_steps=SCHED_STEPS),
    "onecycle_linear_three_phase": lambda o: S.OneCycleLR(o, max_lr=0.3, total_steps=SCHED_STEPS, pct_start=0.25,
                                                          anneal_strategy="linear", div_factor=10.0,
                                                          final_div_factor=100.0, three_phase=True,
                                                          base_momentum=0.8, max_momentum=0.9),
    "linear_warmup": lambda o: S.LinearLR(o, start_factor=0.2, end_factor=1.0, total_iters=8),
    "linear_decay": lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=25),
    "lambda": lambda o: S.LambdaLR(o, lambda t: (t % 10 + 1) / 10),
    "sequential": lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=5),
                                               S.CosineAnnealingLR(o, T_max=30, eta_min=0.001)], milestones=[5]),
    "sequential3": lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.25, total_iters=4),
                                                S.StepLR(o, step_size=5, gamma=0.5),
                                                S.ExponentialLR(o, gamma=0.9)], milestones=[4, 20]),
}


def plateau_metrics(kind):
    # Improves, stalls with noise, improves a little, stalls again.
    g = torch.Generator().manual_seed(4 if kind == "min" else 5)
    base = [1.0 / (1 + t) if t < 15 else 1 / 16 + 0.002 * float(torch.rand(1, generator=g)) for t in range(SCHED_STEPS)]
    base = [v - (0.01 if 30 <= t < 34 else 0) for t, v in enumerate(base)]
    return base if kind == "min" else [-v for v in base]


PLATEAUS = {
    "plateau_min": ("min", lambda o: S.ReduceLROnPlateau(o, mode="min", factor=0.5, patience=3, threshold=0.01,
                                                         cooldown=2, min_lr=0.003)),
    "plateau_max_abs": ("max", lambda o: S.ReduceLROnPlateau(o, mode="max", factor=0.3, patience=2, threshold=1e-3,
                                                             threshold_mode="abs", min_lr=0.004)),
}


def write_schedules():
    with open(os.path.join(GOLDEN, "sched.txt"), "w") as f:
        f.write(f"case setup\nscalar steps {SCHED_STEPS}\nscalar lr0 0.1\nscalar lr1 0.05\nscalar momentum 0.9\n")
        for name, make in list(SCHEDULES.items()) + list(PLATEAUS.items()):
            p0, p1 = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
            opt = torch.optim.SGD([{"params": [p0], "lr": 0.1}, {"params": [p1], "lr": 0.05}], lr=0.1, momentum=0.9)
            metrics = None
            if name in PLATEAUS:
                kind, make = make
                metrics = plateau_metrics(kind)
            sched = make(opt)
            lrs = [[g["lr"] for g in opt.param_groups]]
            moms = [[g["momentum"] for g in opt.param_groups]]
            for t in range(SCHED_STEPS):
                opt.step()
                if metrics is not None:
                    sched.step(metrics[t])
                else:
                    sched.step()
                lrs.append([g["lr"] for g in opt.param_groups])
                moms.append([g["momentum"] for g in opt.param_groups])
            f.write(f"case {name}\n")
            write_tensor(f, "lr", torch.tensor(lrs))
            write_tensor(f, "momentum", torch.tensor(moms))
            if metrics is not None:
                write_tensor(f, "metrics", torch.tensor(metrics))


if __name__ == "__main__":
    os.makedirs(GOLDEN, exist_ok=True)
    write_optimizers()
    write_newton()
    write_variants()
    write_clip()
    write_schedules()
    print("wrote optim.txt, optim_newton.txt, optim_variants.txt, optim_clip.txt, sched.txt to", os.path.normpath(GOLDEN))
