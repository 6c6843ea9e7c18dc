#!/usr/bin/env python3
"""Safetensors files from PyTorch for descent's tests, and the check of descent's files in PyTorch
(run with /usr/bin/python3: torch 1.13 and numpy from Debian).

  golden_safetensors.py write        writes tests/golden/safetensors/ (commit the result)
  golden_safetensors.py check DIR    loads the models descent wrote into DIR into torch and
                                     compares torch's outputs with descent's; exit status 1 if
                                     any differs by more than 1e-6 (relative to the largest output)

The safetensors package is not in Debian, so the format is written and read here with json and
numpy: an 8-byte little-endian header length, a JSON header, then the raw bytes.

Models, the architectures of descent's examples at reduced widths (so the files stay small; the
parameter names are the same): the MLP of mnist_mlp (fc1, fc2, fc3), the small CNN and LeNet-5 of
mnist_cnn, and cifar_cnn's VGG with batch norm (buffers: running_mean, running_var,
num_batches_tracked). For each, <model>.safetensors holds the state_dict and <model>.io.safetensors
a float64 input and the float64 output of the model in eval mode. lenet5 is saved in float64, the
others in float32. dtypes.safetensors holds one tensor of every dtype descent reads, with the
float32 values torch gives the float16 and bfloat16 ones.
"""
import json
import os
import struct
import sys

import numpy as np
import torch
from torch import nn

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden", "safetensors")
CODES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
         torch.int64: "I64", torch.bool: "BOOL"}
NUMPY = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64, "BOOL": np.bool_}


def save_file(tensors, path, metadata=None):
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        t = t.detach().contiguous()
        # numpy has no bfloat16: its bits travel as int16
        data = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
        header[name] = {"dtype": CODES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def load_file(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        chunk = raw[8 + n + begin:8 + n + end]
        if info["dtype"] == "BF16":
            t = torch.from_numpy(np.frombuffer(chunk, np.int16).copy()).view(torch.bfloat16)
        else:
            t = torch.from_numpy(np.frombuffer(chunk, NUMPY[info["dtype"]]).copy())
        tensors[name] = t.reshape(info["shape"])
    return tensors, metadata


class MLP(nn.Module):  # examples/mnist_mlp.cpp: 784-512-256-10
    def __init__(self, h1=16, h2=8):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(784, h1), nn.Linear(h1, h2), nn.Linear(h2, 10)

    def forward(self, x):
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x.flatten(1))))))


def small_cnn(c1=3, c2=6, hidden=16):  # examples/mnist_cnn.cpp --model small: 32, 64, 128
    return nn.Sequential(nn.Conv2d(1, c1, 3), nn.ReLU(), nn.Conv2d(c1, c2, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Dropout(0.25), nn.Flatten(), nn.Linear(c2 * 12 * 12, hidden), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(hidden, 10))


def lenet5(c1=3, c2=8, f1=30, f2=20):  # examples/mnist_cnn.cpp --model lenet5: 6, 16, 120, 84
    return nn.Sequential(nn.Conv2d(1, c1, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(c1, c2, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(c2 * 25, f1), nn.ReLU(), nn.Linear(f1, f2), nn.ReLU(),
                         nn.Linear(f2, 10))


def vgg_bn(widths=(4, 8, 16)):  # examples/cifar_cnn.cpp: 16, 32, 64
    layers, c = [], 3
    for w in widths:
        for cin in (c, w):
            layers += [nn.Conv2d(cin, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU()]
        layers.append(nn.MaxPool2d(2))
        c = w
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(widths[-1] * 4 * 4, 10))


MODELS = {"mlp": (MLP, (2, 1, 28, 28)), "small_cnn": (small_cnn, (2, 1, 28, 28)),
          "lenet5": (lenet5, (2, 1, 28, 28)), "vgg_bn": (vgg_bn, (1, 3, 32, 32))}


def write():
    os.makedirs(GOLDEN, exist_ok=True)
    torch.manual_seed(0)
    for name, (make, shape) in MODELS.items():
        model = make()
        for m in model.modules():  # batch norm: weights away from 1 and 0, statistics moved
            if isinstance(m, nn.BatchNorm2d):
                with torch.no_grad():
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.normal_()
        model.train()
        with torch.no_grad():
            for _ in range(3):
                model(torch.randn(4, *shape[1:]) * 2 + 0.5)
        if name == "lenet5":
            model = model.double()
        save_file(model.state_dict(), os.path.join(GOLDEN, name + ".safetensors"), {"format": "pt", "model": name})
        x = torch.randn(shape, dtype=torch.float64)
        with torch.no_grad():
            y = model.double().eval()(x)
        save_file({"input": x, "output": y}, os.path.join(GOLDEN, name + ".io.safetensors"))

    f16 = torch.tensor([1.0, -2.5, 65504.0, 6e-8, 1e-5, float("inf"), -0.0, float("nan")], dtype=torch.float16)
    bf16 = torch.tensor([1.0, -3.140625, 1e30, -1e-30, float("-inf")], dtype=torch.bfloat16)
    save_file({"f32": torch.tensor([[1.5, -2.25, 3.0e-39], [float("inf"), 0.1, -0.0]]),
               "f64": torch.tensor([1 / 3, 1e-300, -2.5], dtype=torch.float64),
               "i64": torch.tensor([[2 ** 40, -5], [0, 2 ** 53 + 1]]),
               "bool": torch.tensor([True, False, False, True]),
               "f16": f16, "f16_as_f32": f16.float(), "bf16": bf16, "bf16_as_f32": bf16.float(),
               "scalar": torch.tensor(4.0), "empty": torch.zeros(0, 3)},
              os.path.join(GOLDEN, "dtypes.safetensors"), {"written_by": "tools/golden_safetensors.py"})


def check(folder):
    ok = True
    for name, (make, _) in MODELS.items():
        model = make()
        state, metadata = load_file(os.path.join(folder, name + ".safetensors"))
        model.load_state_dict(state, strict=True)  # every name and shape, both ways
        io, _ = load_file(os.path.join(folder, name + ".io.safetensors"))
        with torch.no_grad():
            got = model.double().eval()(io["input"])
        diff = ((got - io["output"]).abs().max() / io["output"].abs().max().clamp(min=1e-12)).item()
        good = diff <= 1e-6 and metadata.get("model") == name
        ok = ok and good
        print(f"{name}: {len(state)} tensors, metadata {metadata}, max relative difference {diff:.3g}"
              f"{'' if good else '  <-- MISMATCH'}")
    return ok


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "write":
        write()
    elif len(sys.argv) == 3 and sys.argv[1] == "check":
        sys.exit(0 if check(sys.argv[2]) else 1)
    else:
        sys.exit(__doc__)
