#!/usr/bin/env python3
"""The PyTorch reference cases in test/reference/*.json: how they are made, and a check that they
still hold.

Each case is one call of a PyTorch function in float64 (test/reference/README.md describes the
fields). Its inputs were drawn once from a seeded normal distribution (positive where the op needs
it: log, sqrt, binary cross-entropy's probabilities) and are kept in the file; this script computes
the output and every gradient from them with PyTorch, so a case can be recomputed, checked or added:

    python3 scripts/make-reference.py --check     # recompute every case, report the largest difference
    python3 scripts/make-reference.py             # rewrite output, grads and trajectory of every case
    python3 scripts/make-reference.py --new exp2 exp '{}' input=4,5

It needs PyTorch (Debian: apt-get install python3-torch; the cases were made with 1.13).
"""
import argparse
import json
import math
import pathlib
import sys

import torch
import torch.nn.functional as F

REFERENCE = pathlib.Path(__file__).resolve().parent.parent / 'test' / 'reference'
OPTIMIZERS = {'SGD': torch.optim.SGD, 'RMSprop': torch.optim.RMSprop, 'Adam': torch.optim.Adam, 'AdamW': torch.optim.AdamW}
OPTIMIZER_STEPS = 5
POSITIVE = {'log', 'sqrt', 'binary_cross_entropy'}


def tensor(t, grad=False):
    return torch.tensor(t['data'], dtype=torch.float64).reshape(t['shape']).requires_grad_(grad)


def plain(t):
    return {'shape': list(t.shape), 'data': [round(float(v), 12) for v in t.detach().reshape(-1)]}


def call(case, inputs, ints):
    """The PyTorch call a case names, on its inputs."""
    op, kw = case['op'], dict(case['kwargs'])
    x = inputs['input']
    if op in ('add', 'sub', 'mul', 'div', 'matmul'):
        return getattr(torch, op)(x, inputs['other'])
    if op in ('sum', 'mean', 'amax', 'exp', 'log', 'sqrt', 'pow'):
        return getattr(torch, op)(x, **kw) if kw or op in ('exp', 'log', 'sqrt') else getattr(torch, op)(x)
    if op in ('binary_cross_entropy', 'binary_cross_entropy_with_logits'):
        target = tensor(kw.pop('target'))
        return getattr(F, op)(x, target, **kw)
    if op == 'mse_loss':
        return F.mse_loss(x, inputs['target'], **kw)
    if op in ('cross_entropy', 'nll_loss'):
        target = torch.tensor(ints['target']['data'], dtype=torch.long).reshape(ints['target']['shape'])
        return getattr(F, op)(x, target, **kw)
    if op == 'batch_norm':
        c = x.shape[1]
        return F.batch_norm(x, torch.zeros(c, dtype=torch.float64), torch.ones(c, dtype=torch.float64), inputs['weight'], inputs['bias'], **kw)
    if op in ('linear', 'conv2d'):
        return getattr(F, op)(x, inputs['weight'], inputs.get('bias'), **kw)
    if op in ('relu', 'sigmoid', 'tanh'):
        return getattr(torch, op)(x)
    return getattr(F, op)(x, **kw)  # leaky_relu, softmax, log_softmax, the pools


def compute(case):
    """The case with its output and gradients (or its optimizer's trajectory) from PyTorch."""
    if case['op'] == 'optimizer':
        p = tensor(case['inputs']['p0'], grad=True)
        c, d = tensor(case['inputs']['c']), tensor(case['inputs']['d'])
        opt = OPTIMIZERS[case['optimizer']]([p], **case['kwargs'])
        trajectory = []
        for _ in range(OPTIMIZER_STEPS):
            opt.zero_grad()
            (c * p * p + d * p).sum().backward()
            opt.step()
            trajectory.append(plain(p))
        return {**case, 'trajectory': trajectory}
    inputs = {k: tensor(v, grad=True) for k, v in case['inputs'].items()}
    out = call(case, inputs, case.get('intInputs', {}))
    g = tensor(case['gradOutput']) if 'gradOutput' in case else torch.randn_like(out)
    (out * g).sum().backward()
    return {**case, 'output': plain(out), 'gradOutput': plain(g), 'grads': {k: plain(v.grad) for k, v in inputs.items()}}


def largest_difference(a, b):
    """The largest absolute difference between the numbers of two cases' results."""
    def numbers(x):
        if isinstance(x, dict):
            for k in sorted(x):
                yield from numbers(x[k])
        elif isinstance(x, list):
            for v in x:
                yield from numbers(v)
        elif isinstance(x, (int, float)):
            yield float(x)
    keys = ('output', 'grads', 'trajectory')
    pa, pb = list(numbers({k: a.get(k) for k in keys})), list(numbers({k: b.get(k) for k in keys}))
    if len(pa) != len(pb):
        return math.inf
    return max((abs(x - y) for x, y in zip(pa, pb)), default=0.0)


def new_case(name, op, kwargs, shapes, seed):
    """A new case with seeded normal inputs (shapes: name=2,3 …)."""
    torch.manual_seed(seed)
    inputs = {}
    for spec in shapes:
        key, dims = spec.split('=')
        t = torch.randn([int(d) for d in dims.split(',')], dtype=torch.float64)
        inputs[key] = plain(t.abs() + 0.1 if op in POSITIVE else t)
    return compute({'name': name, 'op': op, 'kwargs': json.loads(kwargs), 'inputs': inputs})


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--check', action='store_true', help='recompute and compare; write nothing')
    ap.add_argument('--new', nargs='+', metavar=('NAME OP KWARGS', 'SHAPES'), help='add a case: name, op, kwargs as JSON, input=shape …')
    ap.add_argument('--seed', type=int, default=0)
    args = ap.parse_args()
    if args.new:
        name, op, kwargs, *shapes = args.new
        case = new_case(name, op, kwargs, shapes, args.seed)
        (REFERENCE / f'{name}.json').write_text(json.dumps(case) + '\n')
        print(f'wrote {name}.json')
        return 0
    worst = 0.0
    for path in sorted(REFERENCE.glob('*.json')):
        case = json.loads(path.read_text())
        fresh = compute(case)
        diff = largest_difference(case, fresh)
        worst = max(worst, diff)
        print(f'{case["name"]:24} {diff:.2e}')
        if not args.check:
            path.write_text(json.dumps(fresh) + '\n')
    print(f'largest difference: {worst:.2e}')
    return 1 if args.check and worst > 1e-9 else 0


if __name__ == '__main__':
    sys.exit(main())
