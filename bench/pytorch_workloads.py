"""PyTorch on the workloads of bench/run.mjs, for `npm run bench:torch` (see bench/torch.mjs).

Usage: python3 pytorch_workloads.py DIGITS_FILE SECONDS. DIGITS_FILE holds the training digits Kiln uses:
int32 count, then count*784 float32 pixels, then count int32 labels. Each workload runs on 1 and on
2 threads and reports the faster; peak memory is measured separately (--memory). Prints JSON.
"""
import json
import resource
import sys
import time

import numpy as np
import torch
from torch import nn


SLICES = 3


def rate(step, seconds):
    """Best calls per second of `step` over SLICES slices of `seconds`, after one warm-up call (as bench/rate.mjs)."""
    step()
    best = 0.0
    for _ in range(SLICES):
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds / SLICES:
            step()
            n += 1
        best = max(best, n / (time.perf_counter() - t0))
    return best


def load_digits(path):
    raw = open(path, 'rb').read()
    count = int(np.frombuffer(raw, np.int32, 1)[0])
    x = np.frombuffer(raw, np.float32, count * 784, 4).reshape(count, 1, 28, 28)
    y = np.frombuffer(raw, np.int32, count, 4 + count * 784 * 4)
    return torch.from_numpy(x.copy()), torch.from_numpy(y.astype(np.int64))


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def train_step(model, x, y):
    """One Adam step on batches of 64, cycling through the digits."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    batches = [(x[i:i + 64], y[i:i + 64]) for i in range(0, len(x) - 63, 64)]
    state = {'i': 0}

    def step():
        bx, by = batches[state['i'] % len(batches)]
        state['i'] += 1
        loss = loss_fn(model(bx), by)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def workloads(x, y, seconds):
    out = {}
    for size in (128, 256, 512, 1024):
        a, b = torch.randn(size, size), torch.randn(size, size)
        out[f'matmul{size}'] = rate(lambda: a @ b, seconds) * 2 * size ** 3 / 1e9
    torch.manual_seed(0)
    out['mlp'] = 64 * rate(train_step(mlp(), x, y), seconds)
    out['lenetTrain'] = 64 * rate(train_step(lenet(), x, y), seconds)
    model = lenet().eval()
    xs = x[:256]

    def infer():
        with torch.no_grad():
            model(xs)
    out['lenetInfer'] = 256 * rate(infer, seconds)
    # The beans demo: per-sample SGD on a 1-2-1 sigmoid network with the mean squared error.
    beans = nn.Sequential(nn.Linear(1, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())
    opt = torch.optim.SGD(beans.parameters(), lr=0.03)
    bx, by = torch.rand(100, 1), (torch.rand(100, 1) > 0.5).float()
    state = {'i': 0}

    def bean_step():
        i = state['i'] % 100
        state['i'] += 1
        loss = nn.functional.mse_loss(beans(bx[i:i + 1]), by[i:i + 1])
        opt.zero_grad()
        loss.backward()
        opt.step()
    out['beans'] = rate(bean_step, seconds)
    return out


def peak_memory(x, y, steps):
    """Peak resident memory (bytes) of this process after `steps` LeNet-5 training steps."""
    step = train_step(lenet(), x, y)
    for _ in range(steps):
        step()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main():
    x, y = load_digits(sys.argv[1])
    seconds = float(sys.argv[2])
    if '--memory' in sys.argv:
        print(json.dumps({'peakBytes': peak_memory(x, y, 200)}))
        return
    runs = {}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        runs[threads] = workloads(x, y, seconds)
    best = {k: max(runs[1][k], runs[2][k]) for k in runs[1]}
    print(json.dumps({'torch': torch.__version__, 'byThreads': runs, 'best': best}))


main()
