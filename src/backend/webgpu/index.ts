import { DTypeError, ShapeError, ValueError } from '../../errors.js';
import { dtypeOf } from '../../tensor/dtype.js';
import type { DType } from '../../tensor/dtype.js';
import type { Backend, Window2d } from '../backend.js';
import { requestGpuDevice } from './device.js';
import { BufferPool, GpuStorage, gpu } from './memory.js';
import { GpuQueue, groupsFor } from './queue.js';
import * as wgsl from './wgsl.js';
import * as convWgsl from './wgsl-conv.js';
import * as randomWgsl from './wgsl-random.js';
import { stepPowerTable } from '../../tensor/random-jump.js';

// The webgpu backend: every kernel a WGSL compute shader over GPU buffers (memory.ts), recorded
// and submitted without waiting (queue.ts); only `read` brings values back. It starts
// asynchronously (`await kiln.setBackend('webgpu')`): in browsers and workers through
// navigator.gpu, in Node.js through the optional `webgpu` package.

/** The webgpu backend, with its queue's counters (submits, reads) for tests. */
export type WebgpuBackend = Backend & { queueStats(): { submits: number; reads: number }; keepAlive?: GPU };

/** Whether `b` is the webgpu backend (for its queue's counters). */
export function isWebgpuBackend(b: Backend): b is WebgpuBackend {
  return b.name === 'webgpu' && 'queueStats' in b;
}

/** Starts the backend on the GPU's device; throws a ValueError that says why when there is none. */
export async function createWebgpuBackend(): Promise<WebgpuBackend> {
  const { device, description, gpu } = await requestGpuDevice();
  return { ...webgpuBackendOn(device, description), keepAlive: gpu };
}

/** A window's geometry as kernel parameters (wgsl-conv.ts reads them as its Win struct). */
/** Threads the filter gradient aims for: a layer with fewer weights splits its sum over the batch into chunks. */
const FILTER_GRAD_THREADS = 16384;

/** A convolution's shape, baked into its shaders (wgsl-conv.ts), and the pipeline key that names it. */
const convShape = (g: Window2d, F: number): [convWgsl.ConvShape, string] => {
  const k = { C: g.C, H: g.H, W: g.W, KH: g.KH, KW: g.KW, OH: g.OH, OW: g.OW, sh: g.strideH, sw: g.strideW, ph: g.padH, pw: g.padW, dh: g.dilH, dw: g.dilW, F };
  return [k, Object.values(k).join(',')];
};
const windowParams = (g: Window2d): number[] => [g.N, g.C, g.H, g.W, g.KH, g.KW, g.OH, g.OW, g.strideH, g.strideW, g.padH, g.padW, g.dilH, g.dilW];

/** p: [n, ndim, shape[MAX_DIMS], then each operand's strides[MAX_DIMS]]. */
function stridedParams(shape: readonly number[], ...strides: (readonly number[])[]): number[] {
  if (shape.length > wgsl.MAX_DIMS) throw new ShapeError(`webgpu backend: broadcasting works on up to ${wgsl.MAX_DIMS} dims, got ${shape.length}; reshape to fewer`);
  const pad = (a: readonly number[]): number[] => [...a, ...new Array<number>(wgsl.MAX_DIMS - a.length).fill(0)];
  const n = shape.reduce((x, y) => x * y, 1);
  return [n, shape.length, ...pad(shape), ...strides.flatMap(pad)];
}

function webgpuBackendOn(device: GPUDevice, description: string): WebgpuBackend {
  const pool = new BufferPool(device);
  const queue = new GpuQueue(device);
  // Bound where a kernel's optional operand is absent (a binding must still be filled).
  const none = pool.alloc('float32', 4, 'a placeholder');
  const run = (key: string, code: () => string, buffers: readonly GPUBuffer[], params: readonly number[], groups: number, floatFrom?: number): void =>
    queue.dispatch(queue.pipeline(key, code), buffers, params, groups, floatFrom);
  const dt = (s: GpuStorage): DType => s.dtype;
  // The generator's jump matrices for the random kernels, uploaded on their first use (62 KB).
  let jumps: GpuStorage | null = null;
  const jumpTable = (): GpuStorage => {
    if (!jumps) {
      const table = stepPowerTable(randomWgsl.JUMP_FROM, randomWgsl.JUMP_FROM + randomWgsl.JUMP_LEVELS);
      jumps = pool.alloc('int32', table.length, 'the generator\'s jump table');
      queue.write(jumps, new Int32Array(table.buffer));
    }
    return jumps;
  };

  /** out[idx] = x[idx·xStrides]: the strided copy behind expand and permute. */
  const stridedCopy = (x: GpuStorage, xStrides: readonly number[], out: GpuStorage, shape: readonly number[]): void => {
    const params = stridedParams(shape, xStrides);
    run(`expand:${dt(x)}`, () => wgsl.expand(dt(x)), [x.buffer, out.buffer], params, groupsFor(params[0]!));
  };

  const backend: WebgpuBackend = {
    name: 'webgpu',
    onDevice: true,
    detail: () => `WebGPU on ${description}`,
    minReleasable: 0,
    queueStats: () => ({ submits: queue.submits, reads: queue.reads }),
    alloc: (dtype, n, what, _own, zeroed) => {
      const s = pool.alloc(dtype, n, what);
      if (zeroed) fillBuffer(s, 0);
      return s;
    },
    release: (s) => s instanceof GpuStorage && pool.release(s),
    memoryStats: () => pool.stats(),
    read: (s) => queue.read(gpu(s)),
    write: (s, values) => {
      const g = gpu(s);
      if (dtypeOf(values) !== g.dtype) {
        throw new ValueError(`webgpu backend: cannot write ${dtypeOf(values)} values into a ${g.dtype} buffer; convert them first`);
      }
      queue.write(g, values);
    },
    fill: (s, value) => fillBuffer(gpu(s), value),
    copy: (src_, dst_) => {
      const src = gpu(src_), dst = gpu(dst_);
      if (src.dtype === dst.dtype) queue.copy(src.buffer, dst.buffer, src.length * 4);
      else run(`cast:${src.dtype}:${dst.dtype}`, () => wgsl.cast(src.dtype, dst.dtype), [src.buffer, dst.buffer], [src.length], groupsFor(src.length));
    },

    unary: (op, x_, out_) => {
      const x = gpu(x_), out = gpu(out_);
      const inPlace = x.buffer === out.buffer;
      run(`unary:${op}:${dt(x)}:${dt(out)}:${inPlace}`, () => wgsl.unary(op, dt(x), dt(out), inPlace), inPlace ? [out.buffer] : [x.buffer, out.buffer], [out.length], groupsFor(out.length));
    },
    binary: (op, a_, as, b_, bs, out_, shape) => {
      const a = gpu(a_), b = gpu(b_), out = gpu(out_);
      const alias = out.buffer === a.buffer ? 'a' : out.buffer === b.buffer ? 'b' : null;
      const buffers = alias === 'a' ? [out.buffer, b.buffer] : alias === 'b' ? [a.buffer, out.buffer] : [a.buffer, b.buffer, out.buffer];
      const params = stridedParams(shape, as, bs);
      run(`binary:${op}:${dt(a)}:${dt(b)}:${dt(out)}:${alias}`, () => wgsl.binary(op, dt(a), dt(b), dt(out), alias), buffers, params, groupsFor(params[0]!));
    },
    where: (c_, cs, a_, as, b_, bs, out_, shape) => {
      const c = gpu(c_), a = gpu(a_), b = gpu(b_), out = gpu(out_);
      const params = stridedParams(shape, cs, as, bs);
      run(`where:${dt(c)}:${dt(a)}:${dt(b)}:${dt(out)}`, () => wgsl.where(dt(c), dt(a), dt(b), dt(out)), [c.buffer, a.buffer, b.buffer, out.buffer], params, groupsFor(params[0]!));
    },
    expand: (x, xs, out, shape) => stridedCopy(gpu(x), xs, gpu(out), shape),
    clamp: (x_, lo, hi, out_) => {
      const x = gpu(x_), out = gpu(out_);
      const inPlace = x.buffer === out.buffer;
      run(`clamp:${dt(x)}:${inPlace}`, () => wgsl.clamp(dt(x), inPlace), inPlace ? [out.buffer] : [x.buffer, out.buffer], [out.length, lo, hi], groupsFor(out.length), 1);
    },
    reduce: (op, x_, outer, n, inner, out_) => {
      const x = gpu(x_), out = gpu(out_);
      // A workgroup per output pays when rows are long; short rows go one thread per output.
      if (n < 256) run(`reduceShort:${op}:${dt(x)}`, () => wgsl.reduceShort(op, dt(x)), [x.buffer, out.buffer], [outer * inner, n, inner], groupsFor(outer * inner));
      else run(`reduce:${op}:${dt(x)}`, () => wgsl.reduce(op, dt(x)), [x.buffer, out.buffer], [outer * inner, n, inner], outer * inner);
    },
    argReduce: (op, x_, outer, n, inner, out_) => {
      const x = gpu(x_), out = gpu(out_);
      run(`argReduce:${op}:${dt(x)}`, () => wgsl.argReduce(op, dt(x)), [x.buffer, out.buffer], [outer * inner, n, inner], groupsFor(outer * inner));
    },
    softmax: (x_, outer, n, inner, log, out_) => {
      const x = gpu(x_), out = gpu(out_);
      run('softmax', () => wgsl.softmax(), [x.buffer, out.buffer], [outer * inner, n, inner, +log], groupsFor(outer * inner));
    },
    matmul: (a_, aStride, b_, bStride, out_, batch, m, k, n, transA, transB) => {
      const a = gpu(a_), b = gpu(b_), out = gpu(out_);
      if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new DTypeError(`webgpu backend: matmul multiplies float32 matrices, got ${a.dtype} and ${b.dtype}; convert with .float()`);
      const rowBlocks = Math.ceil(m / 64), colBlocks = Math.ceil(n / 64);
      // The tiles pay only when full in all three sizes; below that, a thread per output without barriers.
      if (m < 64 || n < 64 || k < 64) {
        run('matmulSmall', () => wgsl.matmulSmall(), [a.buffer, b.buffer, out.buffer], [m, n, k, aStride, bStride, +transA, +transB, rowBlocks, colBlocks, batch * m * n], groupsFor(batch * m * n));
      } else {
        run('matmul', () => wgsl.matmul(), [a.buffer, b.buffer, out.buffer], [m, n, k, aStride, bStride, +transA, +transB, rowBlocks, colBlocks], batch * rowBlocks * colBlocks);
      }
    },
    permute: (x, shape, perm, out) => {
      // out[idx] = x[Σ idx[d]·stride of axis perm[d]]: a strided copy over the permuted shape.
      const strides = new Array<number>(shape.length);
      for (let d = shape.length - 1, s = 1; d >= 0; d--) { strides[d] = s; s *= shape[d]!; }
      stridedCopy(gpu(x), perm.map((p) => strides[p]!), gpu(out), perm.map((p) => shape[p]!));
    },
    gather: (x_, outer, n, inner, index_, m, out_) => {
      const x = gpu(x_), index = gpu(index_), out = gpu(out_);
      run(`gather:element:${dt(x)}`, () => wgsl.gather(dt(x), 'element'), [x.buffer, index.buffer, out.buffer], [outer * m * inner, n, inner, m], groupsFor(outer * m * inner));
    },
    scatterAdd: (dst_, outer, n, inner, index_, m, src_) => {
      const dst = gpu(dst_), index = gpu(index_), src = gpu(src_);
      run(`scatterAdd:element:${dt(dst)}`, () => wgsl.scatterAdd(dt(dst), 'element'), [dst.buffer, index.buffer, src.buffer], [outer * n * inner, n, inner, m], groupsFor(outer * n * inner));
    },
    indexSelect: (x_, outer, n, inner, index_, out_) => {
      const x = gpu(x_), index = gpu(index_), out = gpu(out_), m = index.length;
      run(`gather:row:${dt(x)}`, () => wgsl.gather(dt(x), 'row'), [x.buffer, index.buffer, out.buffer], [outer * m * inner, n, inner, m], groupsFor(outer * m * inner));
    },
    indexAdd: (dst_, outer, n, inner, index_, src_) => {
      const dst = gpu(dst_), index = gpu(index_), src = gpu(src_), m = index.length;
      run(`scatterAdd:row:${dt(dst)}`, () => wgsl.scatterAdd(dt(dst), 'row'), [dst.buffer, index.buffer, src.buffer], [outer * n * inner, n, inner, m], groupsFor(outer * n * inner));
    },
    copyBlock: (x_, outer, n, inner, out_, outN, outStart) => {
      const x = gpu(x_), out = gpu(out_);
      run(`block:${dt(x)}`, () => wgsl.block(dt(x)), [x.buffer, out.buffer], [outer * n * inner, n, inner, n, 0, outN, outStart], groupsFor(outer * n * inner));
    },
    sliceBlock: (x_, outer, n, inner, start, len, out_) => {
      const x = gpu(x_), out = gpu(out_);
      run(`block:${dt(x)}`, () => wgsl.block(dt(x)), [x.buffer, out.buffer], [outer * len * inner, len, inner, n, start, len, 0], groupsFor(outer * len * inner));
    },
    conv2d: (x, w, bias, out, F, g) => conv(gpu(x), gpu(w), bias && gpu(bias), gpu(out), F, g),
    conv2dBackwardInput: (dy, w, dx, F, g) => convDx(gpu(dy), gpu(w), gpu(dx), F, g),
    conv2dBackwardFilter: (x, dy, dw, F, g) => convDw(gpu(x), gpu(dy), gpu(dw), F, g),
    conv2dBackward: (dy, x, w, dx, dw, db, F, g) => convBackward(gpu(dy), gpu(x), gpu(w), dx && gpu(dx), dw && gpu(dw), db && gpu(db), F, g),
    // The fused op as its composition, every part on the GPU: conv into a buffer of the pool, ReLU
    // in place, max pooling with argmax per example; backward routes dy into a zeroed buffer.
    conv2dReluMaxPool: (x, w, bias, out_, argmax_, F, g, pg) => {
      const y = pool.alloc('float32', g.N * F * g.OH * g.OW, 'a fused convolution\'s output');
      conv(gpu(x), gpu(w), bias && gpu(bias), y, F, g);
      run('unary:relu:float32:float32:true', () => wgsl.unary('relu', 'float32', 'float32', true), [y.buffer], [y.length], groupsFor(y.length));
      maxPool(y, gpu(out_), argmax_ && gpu(argmax_), pg, true);
      pool.release(y);
    },
    conv2dReluMaxPoolBackward: (dy_, y_, argmax_, x, w, dx, dw, db, F, g) => {
      const dy = gpu(dy_), y = gpu(y_), argmax = gpu(argmax_);
      const perY = F * g.OH * g.OW;
      const d = pool.alloc('float32', g.N * perY, 'a fused convolution\'s gradient');
      fillBuffer(d, 0);
      run('routePooled', () => convWgsl.routePooled(), [dy.buffer, y.buffer, argmax.buffer, d.buffer], [dy.length, dy.length / g.N, perY], groupsFor(dy.length));
      convBackward(d, gpu(x), gpu(w), dx && gpu(dx), dw && gpu(dw), db && gpu(db), F, g);
      pool.release(d);
    },
    maxPool2d: (x, out, argmax, g) => maxPool(gpu(x), gpu(out), argmax && gpu(argmax), g, false),
    maxPool2dBackward: (dy_, argmax_, dx_) => {
      const dy = gpu(dy_), argmax = gpu(argmax_), dx = gpu(dx_);
      run('maxPool2dBackward', () => convWgsl.maxPool2dBackward(), [dy.buffer, argmax.buffer, dx.buffer], [dy.length], groupsFor(dy.length));
    },
    avgPool2d: (x_, out_, g) => {
      const x = gpu(x_), out = gpu(out_);
      run('avgPool2d', () => convWgsl.avgPool2d(), [x.buffer, out.buffer], [out.length, ...windowParams(g)], groupsFor(out.length));
    },
    avgPool2dBackward: (dy_, dx_, g) => {
      const dy = gpu(dy_), dx = gpu(dx_);
      run('avgPool2dBackward', () => convWgsl.avgPool2dBackward(), [dy.buffer, dx.buffer], [dx.length, ...windowParams(g)], groupsFor(dx.length));
    },
    adaptiveAvgPool2d: (x_, out_, planes, H, W, OH, OW) => {
      const x = gpu(x_), out = gpu(out_);
      run('adaptiveAvgPool2d', () => convWgsl.adaptiveAvgPool2d(), [x.buffer, out.buffer], [planes * OH * OW, H, W, OH, OW], groupsFor(planes * OH * OW));
    },
    adaptiveAvgPool2dBackward: (dy_, dx_, planes, H, W, OH, OW) => {
      const dy = gpu(dy_), dx = gpu(dx_);
      run('adaptiveAvgPool2dBackward', () => convWgsl.adaptiveAvgPool2dBackward(), [dy.buffer, dx.buffer], [planes * H * W, H, W, OH, OW], groupsFor(planes * H * W));
    },
    dropoutMask: (out_, state, p, scale) => {
      const out = gpu(out_);
      if (out.length > 2 ** 31) throw new ValueError(`webgpu backend: a dropout mask draws up to 2^31 values, got ${out.length}`);
      // u ≥ p ⇔ N ≥ ⌈p·2^53⌉ for the 53-bit integer N of each uniform, split at bit 26 (wgsl-random.ts).
      const threshold = Math.ceil(p * 2 ** 53);
      const high = Math.floor(threshold / 2 ** 26);
      run('dropoutMask', () => randomWgsl.dropoutMask(), [jumpTable().buffer, out.buffer],
        [out.length, ...state, high, threshold - high * 2 ** 26, scale], groupsFor(Math.ceil(out.length / randomWgsl.PER_THREAD)), 7);
    },
    sgdStep: (p_, g_, buf_, o) => {
      const p = gpu(p_), g = gpu(g_), buf = buf_ ? gpu(buf_) : none;
      run('sgd', () => wgsl.sgd(), [p.buffer, g.buffer, buf.buffer], [p.length, +(buf_ !== null), +o.nesterov, +o.first, o.lr, o.momentum, o.dampening, o.weightDecay], groupsFor(p.length), 4);
    },
    rmspropStep: (p_, g_, sq_, buf_, o) => {
      const p = gpu(p_), g = gpu(g_), sq = gpu(sq_), buf = buf_ ? gpu(buf_) : none;
      run('rmsprop', () => wgsl.rmsprop(), [p.buffer, g.buffer, sq.buffer, buf.buffer], [p.length, +(buf_ !== null), o.lr, o.alpha, o.eps, o.momentum, o.weightDecay], groupsFor(p.length), 2);
    },
    adamStep: (p_, g_, m_, v_, o) => {
      const p = gpu(p_), g = gpu(g_), m = gpu(m_), v = gpu(v_);
      const stepSize = o.lr / (1 - Math.pow(o.beta1, o.t));
      const invRootBc2 = 1 / Math.sqrt(1 - Math.pow(o.beta2, o.t));
      run('adam', () => wgsl.adam(), [p.buffer, g.buffer, m.buffer, v.buffer], [p.length, +o.decoupled, o.lr, o.beta1, o.beta2, o.eps, o.weightDecay, stepSize, invRootBc2], groupsFor(p.length), 2);
    },
  };
  return backend;

  function conv(x: GpuStorage, w: GpuStorage, bias: GpuStorage | null, out: GpuStorage, F: number, g: Window2d): void {
    const [k, key] = convShape(g, F);
    run(`conv2d:${key}`, () => convWgsl.conv2d(k), [x.buffer, w.buffer, (bias ?? none).buffer, out.buffer], [out.length, ...windowParams(g), F, +(bias !== null)], groupsFor(out.length));
  }
  function convDx(dy: GpuStorage, w: GpuStorage, dx: GpuStorage, F: number, g: Window2d): void {
    const [k, key] = convShape(g, F);
    run(`conv2dBackwardInput:${key}`, () => convWgsl.conv2dBackwardInput(k), [dy.buffer, w.buffer, dx.buffer], [dx.length, ...windowParams(g), F], groupsFor(dx.length));
  }
  function convDw(x: GpuStorage, dy: GpuStorage, dw: GpuStorage, F: number, g: Window2d): void {
    const [k, key] = convShape(g, F);
    // Enough threads to fill a GPU (about 16k): the N·OH rows split into chunks when the layer has few weights.
    const rows = g.N * g.OH;
    const chunks = Math.max(1, Math.min(rows, Math.ceil(FILTER_GRAD_THREADS / dw.length)));
    const perChunk = Math.ceil(rows / chunks);
    const used = Math.ceil(rows / perChunk);
    const part = used === 1 ? dw : pool.alloc('float32', used * dw.length, 'a convolution\'s partial filter gradients');
    run(`conv2dBackwardFilter:${key}`, () => convWgsl.conv2dBackwardFilter(k), [x.buffer, dy.buffer, part.buffer], [used * dw.length, ...windowParams(g), F, used, perChunk], groupsFor(used * dw.length));
    if (part !== dw) {
      // dw = Σ over the chunks: part is [chunks, weights], summed along its first axis.
      backend.reduce('sum', part, 1, used, dw.length, dw);
      pool.release(part);
    }
  }
  function convBackward(dy: GpuStorage, x: GpuStorage, w: GpuStorage, dx: GpuStorage | null, dw: GpuStorage | null, db: GpuStorage | null, F: number, g: Window2d): void {
    if (dx) convDx(dy, w, dx, F, g);
    if (dw) convDw(x, dy, dw, F, g);
    if (db) run('conv2dBiasGrad', () => convWgsl.conv2dBiasGrad(), [dy.buffer, db.buffer], [F, ...windowParams(g), F], groupsFor(F));
  }
  /** Max pooling; without `argmax` (no gradient will be taken) the shader writes its indices to a pooled buffer, released at once. */
  function maxPool(x: GpuStorage, out: GpuStorage, argmax: GpuStorage | null, g: Window2d, perExample: boolean): void {
    const at = argmax ?? pool.alloc('int32', out.length, 'max pooling\'s indices');
    run('maxPool2d', () => convWgsl.maxPool2d(), [x.buffer, out.buffer, at.buffer], [out.length, ...windowParams(g), +perExample], groupsFor(out.length));
    if (!argmax) pool.release(at);
  }

  function fillBuffer(s: GpuStorage, value: number): void {
    const bits = s.dtype === 'int32' ? value | 0 : new Uint32Array(new Float32Array([value]).buffer)[0]!;
    run(`fill:${s.dtype}`, () => wgsl.fill(s.dtype), [s.buffer], [s.length, bits], groupsFor(s.length));
  }
}
