#!/usr/bin/env python3
"""Models made by PyTorch for Kiln's interop tests, in test/reference/interop/:

  <name>-opset<k>.onnx   torch.onnx.export of each model below at opsets 13 and 17 (batch dimension dynamic)
  <name>.safetensors     its state_dict in the safetensors format (what safetensors.torch.save_file writes)
  <name>.json            a seeded input batch and PyTorch's outputs for it (eval mode), float32

Kiln's tests (src/io/onnx/import.test.ts, src/io/pytorch.test.ts) load these and compare. Run with
Debian's PyTorch (apt-get install python3-torch; made with 1.13):

    /usr/bin/python3 scripts/make-interop-reference.py
"""
import json
import pathlib
import struct

import torch
from torch import nn

OUT = pathlib.Path(__file__).resolve().parent.parent / 'test' / 'reference' / 'interop'


class LeNet5(nn.Module):
    """LeNet-5 for 28×28 digits, as kiln.models.lenet5({ inputSize: 28, activation: 'relu', pool: 'max' })."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


class EveryOp(nn.Module):
    """One chain through the other operators Kiln reads: batch norm, average pooling, dropout, the activations, softmax."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.LeakyReLU(0.1),
            nn.Conv2d(8, 8, 3, padding=1, groups=4, bias=False), nn.PReLU(8), nn.AvgPool2d(2),
            nn.Conv2d(8, 6, 3, dilation=2, padding=2), nn.Tanh(), nn.AdaptiveAvgPool2d(1),
            nn.Flatten(), nn.Dropout(0.3), nn.Linear(6, 5), nn.Sigmoid(), nn.Linear(5, 4), nn.LogSoftmax(dim=1))

    def forward(self, x):
        return self.body(x)


class Block(nn.Module):
    """A residual block: conv, batch norm, ReLU, conv, batch norm, plus the input, then ReLU."""

    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(y)) + x)


class TinyResNet(nn.Module):
    """A stem, two residual blocks, and a head that concatenates two pooled branches."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.block1 = Block(8)
        self.block2 = Block(8)
        self.avg = nn.AdaptiveAvgPool2d(1)
        self.max = nn.MaxPool2d(8)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.block2(self.block1(self.stem(x)))
        return self.fc(torch.cat([self.avg(x), self.max(x)], dim=1).flatten(1))


def randomize_statistics(model, gen):
    """Running statistics that are not the defaults, so that eval-mode batch norm is really compared."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.5)
            m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)


CODES = {torch.float32: 'F32', torch.float64: 'F64', torch.int64: 'I64', torch.int32: 'I32'}


def save_safetensors(state, path):
    """The safetensors format, as safetensors.torch.save_file writes it (Debian has no python3-safetensors):
    an 8-byte little-endian header length, the JSON header, then the raw little-endian tensors."""
    header, blobs, offset = {}, [], 0
    for name, t in state.items():
        data = t.detach().contiguous().numpy().tobytes()
        header[name] = {'dtype': CODES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    path.write_bytes(struct.pack('<Q', len(text)) + text + b''.join(blobs))


def load_safetensors(path):
    """Reads a safetensors file into a state_dict (the counterpart of save_safetensors)."""
    raw = pathlib.Path(path).read_bytes()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    types = {v: k for k, v in CODES.items()}
    state = {}
    for name, e in header.items():
        if name == '__metadata__':
            continue
        begin, end = e['data_offsets']
        state[name] = torch.frombuffer(bytearray(raw[8 + n + begin:8 + n + end]), dtype=types[e['dtype']]).reshape(e['shape'])
    return state


MODELS = {'lenet5': LeNet5, 'every-op': EveryOp, 'tiny-resnet': TinyResNet}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    gen = torch.Generator().manual_seed(0)
    cases = {'lenet5': (LeNet5, [1, 28, 28]), 'every-op': (EveryOp, [3, 16, 16]), 'tiny-resnet': (TinyResNet, [1, 8, 8])}
    for name, (cls, shape) in cases.items():
        torch.manual_seed(1)
        model = cls()
        with torch.no_grad():
            randomize_statistics(model, gen)
        model.eval()
        x = torch.randn([3, *shape], generator=gen)
        with torch.no_grad():
            y = model(x)
        for opset in (13, 17):
            torch.onnx.export(model, x, OUT / f'{name}-opset{opset}.onnx', opset_version=opset, input_names=['input'],
                              output_names=['output'], dynamic_axes={'input': {0: 'N'}, 'output': {0: 'N'}})
        save_safetensors(model.state_dict(), OUT / f'{name}.safetensors')
        (OUT / f'{name}.json').write_text(json.dumps({
            'input': {'shape': list(x.shape), 'data': [float(v) for v in x.flatten()]},
            'output': {'shape': list(y.shape), 'data': [float(v) for v in y.flatten()]},
            'torch': torch.__version__,
        }))
        print(f'{name}: {sum(p.numel() for p in model.parameters())} parameters, output {list(y.shape)}')


if __name__ == '__main__':
    main()
