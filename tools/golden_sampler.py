#!/usr/bin/env python3
"""torch.utils.data.DistributedSampler's split, from PyTorch (run with /usr/bin/python3, torch 1.13).

Each case is a dataset size N, a number of replicas W, drop_last, shuffle, a seed and an epoch
(set with set_epoch); it holds every rank's indices as int64 tensors rank0 ... rank{W-1}. The
C++ test (tests/distributed/test_sampler.cpp) builds DistributedSampler with the same options and
compares the indices exactly.
Writes tests/golden/sampler.txt in the format tests/helpers.h reads.
"""
import os

import torch
from torch.utils.data import DistributedSampler

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "golden", "sampler.txt")

# (N, W, drop_last, shuffle, seed, epoch): padding, dropping, N < W, one replica, an epoch > 0,
# a size that does not divide, and one that does.
CASES = [
    (10, 3, False, False, 0, 0),
    (10, 3, True, False, 0, 0),
    (10, 3, False, True, 0, 0),
    (10, 3, True, True, 5, 2),
    (2, 5, False, True, 1, 0),
    (2, 5, True, False, 0, 0),
    (12, 4, False, True, 42, 7),
    (7, 1, False, True, 3, 0),
    (1001, 4, False, True, 0, 1),
    (1001, 4, True, True, 0, 1),
    (600, 2, False, True, 123, 9),
]


def main():
    with open(OUT, "w") as f:
        for n, w, drop_last, shuffle, seed, epoch in CASES:
            name = f"n{n}_w{w}_drop{int(drop_last)}_shuffle{int(shuffle)}_seed{seed}_epoch{epoch}"
            f.write(f"case {name}\n")
            for key, value in (("n", n), ("w", w), ("drop_last", int(drop_last)), ("shuffle", int(shuffle)),
                               ("seed", seed), ("epoch", epoch)):
                f.write(f"scalar {key} {value}\n")
            for r in range(w):
                s = DistributedSampler(range(n), num_replicas=w, rank=r, shuffle=shuffle, seed=seed, drop_last=drop_last)
                s.set_epoch(epoch)
                idx = list(iter(s))
                f.write(f"tensor rank{r} int64 1 {len(idx)}\n{' '.join(str(i) for i in idx)}\n")


if __name__ == "__main__":
    main()
