import { allocOutput, allocStorage, copyStorage, hostArray } from '../tensor/storage.js';
import { record } from '../autograd/tape.js';
import { backend } from '../backend/registry.js';
import type { BinaryOp, UnaryOp } from '../backend/backend.js';
import { ValueError } from '../errors.js';
import { floatTypeOf, isFloat, promoteTypes } from '../tensor/dtype.js';
import type { DType } from '../tensor/dtype.js';
import { broadcastShapes, broadcastStrides, sameShape, sizeOf, stridesOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { sumTo } from './shape.js';

/**
 * A number as a 0-D tensor beside `like`: it keeps `like`'s float dtype (a JS number does not
 * promote float32 to float64, as in PyTorch), and is float32 beside int32 unless it is an integer.
 */
export function asTensor(x: Tensor | number, like: Tensor): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== 'number') throw new ValueError(`expected a Tensor or a number, got ${typeof x}`);
  const dtype: DType = isFloat(like.dtype) ? like.dtype : Number.isInteger(x) ? 'int32' : 'float32';
  const b = backend();
  if (b.onDevice) return deviceConstant(b.name, dtype, x);
  const data = hostArray(dtype, 1);
  data[0] = x;
  return new Tensor(data, []);
}

/** Numbers as 0-D tensors on a GPU, uploaded once each: an upload per op would cut the queue's batch of work. */
const deviceConstants = new Map<string, Tensor>();
const MAX_DEVICE_CONSTANTS = 256;

function deviceConstant(backendName: string, dtype: DType, x: number): Tensor {
  const key = `${backendName}:${dtype}:${x}`;
  let t = deviceConstants.get(key);
  if (!t) {
    if (deviceConstants.size === MAX_DEVICE_CONSTANTS) deviceConstants.clear();
    const data = hostArray(dtype, 1);
    data[0] = x;
    // Long-lived: no release scope may take it back while the cache holds it.
    const s = allocStorage(dtype, 1, 'a constant', true);
    copyStorage(data, s);
    t = new Tensor(s, []);
    deviceConstants.set(key, t);
  }
  return t;
}

/** Runs a broadcast binary kernel; `dtype` overrides the promoted result type. */
export function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor, dtype?: DType): Tensor {
  const same = sameShape(a.shape, b.shape);
  const shape = same ? a.shape : broadcastShapes(a.shape, b.shape, op);
  const out = allocOutput(dtype ?? promoteTypes(a.dtype, b.dtype), sizeOf(shape));
  if (same) {
    const s = stridesOf(shape);
    backend().binary(op, a.storage, s, b.storage, s, out, shape);
  } else {
    backend().binary(op, a.storage, broadcastStrides(a.shape, shape), b.storage, broadcastStrides(b.shape, shape), out, shape);
  }
  return new Tensor(out, shape);
}

/** Runs a unary kernel into a new tensor of `dtype`. */
export function unaryRaw(op: UnaryOp, x: Tensor, dtype: DType = floatTypeOf(x.dtype)): Tensor {
  const out = allocOutput(dtype, x.size);
  backend().unary(op, x.storage, out);
  return new Tensor(out, x.shape);
}

// Binary ops: forward, then the gradient for each input, reduced back over broadcast dims.

export function add(a: Tensor, b: Tensor | number): Tensor {
  const bt = asTensor(b, a);
  return record(binaryRaw('add', a, bt), 'add', [a, bt], (g) => [sumTo(g, a.shape), sumTo(g, bt.shape)]);
}

export function sub(a: Tensor, b: Tensor | number): Tensor {
  const bt = asTensor(b, a);
  return record(binaryRaw('sub', a, bt), 'sub', [a, bt], (g) => [sumTo(g, a.shape), bt.requiresGrad ? sumTo(neg(g), bt.shape) : null]);
}

export function mul(a: Tensor, b: Tensor | number): Tensor {
  const bt = asTensor(b, a);
  return record(binaryRaw('mul', a, bt), 'mul', [a, bt], (g) => [
    a.requiresGrad ? sumTo(binaryRaw('mul', g, bt), a.shape) : null,
    bt.requiresGrad ? sumTo(binaryRaw('mul', g, a), bt.shape) : null,
  ]);
}

/** True division: int32 / int32 gives float32, as in PyTorch. */
export function div(a: Tensor, b: Tensor | number): Tensor {
  const bt = asTensor(b, a);
  const dtype = floatTypeOf(promoteTypes(a.dtype, bt.dtype));
  return record(binaryRaw('div', a, bt, dtype), 'div', [a, bt], (g) => [
    a.requiresGrad ? sumTo(binaryRaw('div', g, bt), a.shape) : null,
    // d(a/b)/db = −a/b²
    bt.requiresGrad ? sumTo(neg(binaryRaw('div', binaryRaw('mul', g, a), binaryRaw('mul', bt, bt))), bt.shape) : null,
  ]);
}

export function pow(a: Tensor, exponent: Tensor | number): Tensor {
  const e = asTensor(exponent, a);
  const out = binaryRaw('pow', a, e);
  return record(out, 'pow', [a, e], (g) => [
    // d(a^e)/da = e·a^(e−1)
    a.requiresGrad ? sumTo(binaryRaw('mul', g, binaryRaw('mul', e, binaryRaw('pow', a, binaryRaw('sub', e, asTensor(1, e))))), a.shape) : null,
    // d(a^e)/de = a^e·ln a
    e.requiresGrad ? sumTo(binaryRaw('mul', g, binaryRaw('mul', out, unaryRaw('log', a))), e.shape) : null,
  ]);
}

/** Elementwise max; where a = b the gradient is split evenly, as in PyTorch. */
export function maximum(a: Tensor, b: Tensor | number): Tensor {
  return extremum('maximum', 'gt', a, asTensor(b, a));
}

export function minimum(a: Tensor, b: Tensor | number): Tensor {
  return extremum('minimum', 'lt', a, asTensor(b, a));
}

function extremum(op: 'maximum' | 'minimum', wins: 'gt' | 'lt', a: Tensor, b: Tensor): Tensor {
  return record(binaryRaw(op, a, b), op, [a, b], (g) => {
    // share = 1 where a wins, ½ on ties, 0 where b wins.
    const aShare = binaryRaw('add', binaryRaw(wins, a, b, g.dtype), binaryRaw('mul', binaryRaw('eq', a, b, g.dtype), asTensor(0.5, g)));
    const ga = binaryRaw('mul', g, aShare);
    return [sumTo(ga, a.shape), b.requiresGrad ? sumTo(binaryRaw('sub', g, ga), b.shape) : null];
  });
}

/** Comparisons give int32 0/1 and carry no gradient. */
export function compare(op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', a: Tensor, b: Tensor | number): Tensor {
  return binaryRaw(op, a, asTensor(b, a), 'int32');
}

// Unary ops.

export function neg(x: Tensor): Tensor {
  return record(unaryRaw('neg', x, x.dtype), 'neg', [x], (g) => [unaryRaw('neg', g)]);
}

export function exp(x: Tensor): Tensor {
  const out = unaryRaw('exp', x);
  return record(out, 'exp', [x], (g) => [binaryRaw('mul', g, out)]);
}

export function log(x: Tensor): Tensor {
  return record(unaryRaw('log', x), 'log', [x], (g) => [binaryRaw('div', g, x)]);
}

export function log1p(x: Tensor): Tensor {
  return record(unaryRaw('log1p', x), 'log1p', [x], (g) => [binaryRaw('div', g, binaryRaw('add', x, asTensor(1, x)))]);
}

/** sin, elementwise (radians); its derivative is cos. */
export function sin(x: Tensor): Tensor {
  return record(unaryRaw('sin', x), 'sin', [x], (g) => [binaryRaw('mul', g, unaryRaw('cos', x))]);
}

/** cos, elementwise (radians); its derivative is −sin. */
export function cos(x: Tensor): Tensor {
  return record(unaryRaw('cos', x), 'cos', [x], (g) => [binaryRaw('mul', g, unaryRaw('neg', unaryRaw('sin', x)))]);
}

export function sqrt(x: Tensor): Tensor {
  const out = unaryRaw('sqrt', x);
  return record(out, 'sqrt', [x], (g) => [binaryRaw('div', g, binaryRaw('mul', out, asTensor(2, out)))]);
}

export function abs(x: Tensor): Tensor {
  return record(unaryRaw('abs', x, x.dtype), 'abs', [x], (g) => [binaryRaw('mul', g, unaryRaw('sign', x, g.dtype))]);
}

export function sign(x: Tensor): Tensor {
  return unaryRaw('sign', x, x.dtype);
}

/** Limits every element to [min, max]; either bound may be omitted. The gradient passes inside the range. */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  if (Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) throw new ValueError(`clamp: need min ≤ max, got min=${min}, max=${max}`);
  const out = allocStorage(x.dtype, x.size);
  backend().clamp(x.storage, lo, hi, out);
  return record(new Tensor(out, x.shape), 'clamp', [x], (g) => {
    const inside = binaryRaw('mul', binaryRaw('ge', x, asTensor(lo, x), g.dtype), binaryRaw('le', x, asTensor(hi, x), g.dtype));
    return [binaryRaw('mul', g, inside)];
  });
}

/**
 * `cond ? a : b` elementwise, all three broadcast together. The gradient goes to `a` where the
 * condition holds and to `b` elsewhere.
 * @example kiln.where(x.gt(0), x, x.mul(0.01))   // leaky ReLU
 */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  const at = a instanceof Tensor ? a : asTensor(a, b instanceof Tensor ? b : cond);
  const bt = asTensor(b, at);
  const shape = broadcastShapes(broadcastShapes(cond.shape, at.shape, 'where'), bt.shape, 'where');
  const out = allocStorage(promoteTypes(at.dtype, bt.dtype), sizeOf(shape));
  backend().where(cond.storage, broadcastStrides(cond.shape, shape), at.storage, broadcastStrides(at.shape, shape), bt.storage, broadcastStrides(bt.shape, shape), out, shape);
  return record(new Tensor(out, shape), 'where', [at, bt], (g) => {
    const zero = asTensor(0, g);
    return [
      at.requiresGrad ? sumTo(where(cond, g, zero), at.shape) : null,
      bt.requiresGrad ? sumTo(where(cond, zero, g), bt.shape) : null,
    ];
  });
}
