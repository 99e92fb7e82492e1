import type { BinaryOp, ReduceOp, UnaryOp } from '../backend.js';
import type { DType } from '../../tensor/dtype.js';

// WGSL sources of the webgpu kernels. Every shader reads its parameters from `p` (binding 0,
// floats as bits: `pf(i)`), binds its buffers from 1 on (each one used, for the 'auto' layout),
// and, one thread per element, finds its element as `i` (see GpuQueue.dispatch for the grid).

/** The WGSL scalar type of a dtype (GPUs have no float64: the backend refuses it at allocation). */
export const wgslType = (d: DType): 'f32' | 'i32' => (d === 'int32' ? 'i32' : 'f32');

/** Strided broadcast operands index up to this many dims. */
export const MAX_DIMS = 8;

const PARAMS = `@group(0) @binding(0) var<storage, read> p: array<u32>;
fn pf(k: u32) -> f32 { return bitcast<f32>(p[k]); }`;

const ELEMENT_MAIN = `@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 64u + lid;`;

const buf = (binding: number, name: string, type: string, write = false): string =>
  `@group(0) @binding(${binding}) var<storage, ${write ? 'read_write' : 'read'}> ${name}: array<${type}>;`;

/** Numerics the CPU kernels get from Math: log1p, a stable sigmoid, JavaScript's pow of negative bases. */
const MATH = `
fn knan() -> f32 { var bits = 0x7fc00000u; return bitcast<f32>(bits); }
fn kinf() -> f32 { var bits = 0x7f800000u; return bitcast<f32>(bits); }
// WGSL leaves log and sqrt of negatives (and log of 0) indeterminate; JavaScript's are NaN and -Infinity.
fn klog(x: f32) -> f32 { if (x < 0.0) { return knan(); } if (x == 0.0) { return -kinf(); } return log(x); }
fn ksqrt(x: f32) -> f32 { if (x < 0.0) { return knan(); } return sqrt(x); }
fn klog1p(x: f32) -> f32 { let u = 1.0 + x; if (u == 1.0) { return x; } if (u <= 0.0) { return klog(u); } return log(u) * x / (u - 1.0); }
fn ksigmoid(x: f32) -> f32 { if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); } let e = exp(x); return e / (1.0 + e); }
// sin and cos as the CPU computes them (to float32 rounding), not the GPU's approximate builtins
// (2^-11 absolute on SwiftShader): Cephes' sinf/cosf, the argument reduced by π/4 in three parts.
fn ksincos(xin: f32, cosine: bool) -> f32 {
  var sign = 1.0;
  var x = xin;
  if (x < 0.0) { x = -x; if (!cosine) { sign = -1.0; } }
  var j = u32(x * 1.2732395447351628);
  var y = f32(j);
  if ((j & 1u) == 1u) { j += 1u; y += 1.0; }
  j &= 7u;
  if (j > 3u) { sign = -sign; j -= 4u; }
  if (cosine && j > 1u) { sign = -sign; }
  let z = ((x - y * 0.78515625) - y * 2.4187564849853515625e-4) - y * 3.77489497744594108e-8;
  let zz = z * z;
  let c = 1.0 - 0.5 * zz + zz * zz * ((2.443315711809948e-5 * zz - 1.388731625493765e-3) * zz + 4.166664568298827e-2);
  let s = z + z * zz * ((-1.9515295891e-4 * zz + 8.3321608736e-3) * zz - 1.6666654611e-1);
  let cosPoly = (j == 1u || j == 2u) != cosine;
  return sign * select(s, c, cosPoly);
}
fn kpow(a: f32, b: f32) -> f32 {
  if (a >= 0.0) { return pow(a, b); }
  if (b != floor(b)) { return knan(); }
  let r = pow(-a, b);
  if (fract(b * 0.5) != 0.0) { return -r; }
  return r;
}`;

function unaryExpr(op: UnaryOp): string {
  switch (op) {
    case 'neg': return '-x';
    case 'exp': return 'exp(x)';
    case 'log': return 'klog(x)';
    case 'log1p': return 'klog1p(x)';
    case 'sqrt': return 'ksqrt(x)';
    case 'abs': return 'abs(x)';
    case 'sign': return 'sign(x)';
    case 'sigmoid': return 'ksigmoid(x)';
    case 'tanh': return 'tanh(clamp(x, -20.0, 20.0))';
    case 'relu': return 'max(x, C(0))';
    case 'softplus': return 'max(x, 0.0) + klog1p(exp(-abs(x)))';
    case 'sin': return 'ksincos(x, false)';
    case 'cos': return 'ksincos(x, true)';
  }
}

/** out[i] = op(x[i]); `inPlace`: out is x (one read-write binding). p: [n]. */
export function unary(op: UnaryOp, tx: DType, to: DType, inPlace: boolean): string {
  const c = tx === 'int32' && to === 'int32' ? 'i32' : 'f32';
  return `${PARAMS}
${inPlace ? buf(1, 'o', wgslType(to), true) : `${buf(1, 'a', wgslType(tx))}\n${buf(2, 'o', wgslType(to), true)}`}
alias C = ${c};
${MATH}
${ELEMENT_MAIN}
  if (i >= p[0]) { return; }
  let x = C(${inPlace ? 'o' : 'a'}[i]);
  o[i] = ${wgslType(to)}(${unaryExpr(op)});
}`;
}

function binaryExpr(op: BinaryOp): string {
  switch (op) {
    case 'add': return 'x + y';
    case 'sub': return 'x - y';
    case 'mul': return 'x * y';
    case 'div': return 'x / y';
    case 'pow': return 'C(kpow(f32(x), f32(y)))';
    case 'maximum': return 'max(x, y)';
    case 'minimum': return 'min(x, y)';
    case 'eq': return 'select(C(0), C(1), x == y)';
    case 'ne': return 'select(C(0), C(1), x != y)';
    case 'lt': return 'select(C(0), C(1), x < y)';
    case 'le': return 'select(C(0), C(1), x <= y)';
    case 'gt': return 'select(C(0), C(1), x > y)';
    case 'ge': return 'select(C(0), C(1), x >= y)';
    case 'reluGrad': return 'select(C(0), x, y > C(0))';
    case 'sigmoidGrad': return 'x * y * (C(1) - y)';
    case 'tanhGrad': return 'x * (C(1) - y * y)';
  }
}

/** The offsets of element i in operands with strides at p[base + d·…]: p = [n, ndim, shape[8], strides of each operand[8]…]. */
function stridedOffsets(operands: number): string {
  const decl = Array.from({ length: operands }, (_, k) => `var o${k} = 0u;`).join(' ');
  const acc = Array.from({ length: operands }, (_, k) => `o${k} += c * p[${2 + MAX_DIMS * (k + 1)}u + d];`).join(' ');
  return `  ${decl}
  var r = i;
  for (var dd = i32(p[1]) - 1; dd >= 0; dd--) {
    let d = u32(dd);
    let s = p[2u + d];
    let c = r % s;
    r = r / s;
    ${acc}
  }`;
}

/**
 * out[i] = op(a[i·as], b[i·bs]) over the broadcast shape. `alias`: out is a (or b), bound once
 * read-write (WebGPU refuses one buffer bound both read-only and writable). p: [n, ndim, shape, as, bs].
 */
export function binary(op: BinaryOp, ta: DType, tb: DType, to: DType, alias: 'a' | 'b' | null): string {
  const c = ta === 'int32' && tb === 'int32' && to === 'int32' ? 'i32' : 'f32';
  const bindings = alias === 'a' ? `${buf(1, 'o', wgslType(to), true)}\n${buf(2, 'b', wgslType(tb))}`
    : alias === 'b' ? `${buf(1, 'a', wgslType(ta))}\n${buf(2, 'o', wgslType(to), true)}`
    : `${buf(1, 'a', wgslType(ta))}\n${buf(2, 'b', wgslType(tb))}\n${buf(3, 'o', wgslType(to), true)}`;
  return `${PARAMS}
${bindings}
alias C = ${c};
${MATH}
${ELEMENT_MAIN}
  if (i >= p[0]) { return; }
${stridedOffsets(2)}
  let x = C(${alias === 'a' ? 'o' : 'a'}[o0]);
  let y = C(${alias === 'b' ? 'o' : 'b'}[o1]);
  o[i] = ${wgslType(to)}(${binaryExpr(op)});
}`;
}

/** out[i] = cond[i·cs] ≠ 0 ? a[i·as] : b[i·bs]. p: [n, ndim, shape, cs, as, bs]. */
export function where(tc: DType, ta: DType, tb: DType, to: DType): string {
  return `${PARAMS}
${buf(1, 'cond', wgslType(tc))}
${buf(2, 'a', wgslType(ta))}
${buf(3, 'b', wgslType(tb))}
${buf(4, 'o', wgslType(to), true)}
${ELEMENT_MAIN}
  if (i >= p[0]) { return; }
${stridedOffsets(3)}
  o[i] = select(${wgslType(to)}(b[o2]), ${wgslType(to)}(a[o1]), cond[o0] != ${wgslType(tc)}(0));
}`;
}

/** out[i] = x[i·xs]: a broadcast copy (expand), and with the strides of permuted axes, permute. p: [n, ndim, shape, xs]. */
export function expand(t: DType): string {
  return `${PARAMS}
${buf(1, 'a', wgslType(t))}
${buf(2, 'o', wgslType(t), true)}
${ELEMENT_MAIN}
  if (i >= p[0]) { return; }
${stridedOffsets(1)}
  o[i] = a[o0];
}`;
}

/** out[i] = min(max(x[i], lo), hi), NaN kept. p: [n, lo, hi] (floats from 1). */
export function clamp(t: DType, inPlace: boolean): string {
  return `${PARAMS}
${inPlace ? buf(1, 'o', wgslType(t), true) : `${buf(1, 'a', wgslType(t))}\n${buf(2, 'o', wgslType(t), true)}`}
${ELEMENT_MAIN}
  if (i >= p[0]) { return; }
  let x = f32(${inPlace ? 'o' : 'a'}[i]);
  var y = x;
  if (x < pf(1)) { y = pf(1); }
  if (x > pf(2)) { y = pf(2); }
  o[i] = ${wgslType(t)}(y);
}`;
}

/** Every element set to a value: p: [n, bits of the value as the dtype]. */
export function fill(t: DType): string {
  return `${PARAMS}
${buf(1, 'o', wgslType(t), true)}
${ELEMENT_MAIN}
  if (i >= p[0]) { return; }
  o[i] = bitcast<${wgslType(t)}>(p[1]);
}`;
}

/** dst[i] = src[i] converted (float → int32 truncates toward zero). p: [n]. */
export function cast(ts: DType, td: DType): string {
  return `${PARAMS}
${buf(1, 'a', wgslType(ts))}
${buf(2, 'o', wgslType(td), true)}
${ELEMENT_MAIN}
  if (i >= p[0]) { return; }
  o[i] = ${wgslType(td)}(a[i]);
}`;
}

const REDUCE_INIT: Record<ReduceOp, string> = { sum: '0.0', max: 'bitcast<f32>(inf | 0x80000000u)', min: 'bitcast<f32>(inf)' };

/** A reduction's start value (given `var inf` holding +∞'s bits) and its fold of `acc` with `v`; NaN wins max and min, as in js. */
function reduction(op: ReduceOp, t: DType): { init: string; fold: string } {
  const init = t === 'int32' ? { sum: '0', max: 'i32(-2147483647 - 1)', min: '2147483647' }[op] : REDUCE_INIT[op];
  const fold = op === 'sum' ? 'acc + v' : t === 'int32' ? `${op}(acc, v)` : `select(${op}(acc, v), v, v != v)`;
  return { init, fold };
}

/**
 * x: [outer, n, inner] → out: [outer, inner], one workgroup of 64 threads per output: each thread
 * folds a stride of the n elements, then the workgroup folds the 64 partials in shared memory.
 * NaN propagates through max and min, as in the js kernel. p: [outer·inner, n, inner].
 */
export function reduce(op: ReduceOp, t: DType): string {
  const T = wgslType(t);
  const { init, fold } = reduction(op, t);
  return `${PARAMS}
${buf(1, 'a', T)}
${buf(2, 'o', T, true)}
var<workgroup> part: array<${T}, 64>;
fn f(acc: ${T}, v: ${T}) -> ${T} { return ${fold}; }
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let out = wid.y * nwg.x + wid.x;
  let total = p[0];
  let n = p[1];
  let inner = p[2];
  var inf = 0x7f800000u;
  var acc: ${T} = ${init};
  if (out < total) {
    let base = (out / inner) * n * inner + out % inner;
    for (var j = lid; j < n; j += 64u) { acc = f(acc, a[base + j * inner]); }
  }
  part[lid] = acc;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s = s >> 1u) {
    if (lid < s) { part[lid] = f(part[lid], part[lid + s]); }
    workgroupBarrier();
  }
  if (lid == 0u && out < total) { o[out] = part[0]; }
}`;
}

/** reduce for short rows (n < 256): one thread per output folds its n elements. p: [outer·inner, n, inner]. */
export function reduceShort(op: ReduceOp, t: DType): string {
  const T = wgslType(t);
  const { init, fold } = reduction(op, t);
  return `${PARAMS}
${buf(1, 'a', T)}
${buf(2, 'o', T, true)}
${ELEMENT_MAIN}
  if (i >= p[0]) { return; }
  let n = p[1];
  let inner = p[2];
  let base = (i / inner) * n * inner + i % inner;
  var inf = 0x7f800000u;
  var acc: ${T} = ${init};
  for (var j = 0u; j < n; j++) { let v = a[base + j * inner]; acc = ${fold}; }
  o[i] = acc;
}`;
}

/** The index of the first max (min) along n: x: [outer, n, inner] → out: [outer, inner] (int32). p: [outer·inner, n, inner]. */
export function argReduce(op: 'max' | 'min', t: DType): string {
  const cmp = op === 'max' ? '>' : '<';
  return `${PARAMS}
${buf(1, 'a', wgslType(t))}
${buf(2, 'o', 'i32', true)}
${ELEMENT_MAIN}
  if (i >= p[0]) { return; }
  let n = p[1];
  let inner = p[2];
  let base = (i / inner) * n * inner + i % inner;
  var best = a[base];
  var at = 0u;
  for (var j = 1u; j < n; j++) {
    let v = a[base + j * inner];
    if (v ${cmp} best || (v != v && best == best)) { best = v; at = j; }
  }
  o[i] = i32(at);
}`;
}

/** Softmax (or log-softmax) along n of x: [outer, n, inner], max-shifted. p: [outer·inner, n, inner, log]. */
export function softmax(): string {
  return `${PARAMS}
${buf(1, 'a', 'f32')}
${buf(2, 'o', 'f32', true)}
${ELEMENT_MAIN}
  if (i >= p[0]) { return; }
  let n = p[1];
  let inner = p[2];
  let base = (i / inner) * n * inner + i % inner;
  var m = a[base];
  for (var j = 1u; j < n; j++) { m = max(m, a[base + j * inner]); }
  var s = 0.0;
  for (var j = 0u; j < n; j++) { s += exp(a[base + j * inner] - m); }
  if (p[3] != 0u) {
    let ls = log(s);
    for (var j = 0u; j < n; j++) { o[base + j * inner] = a[base + j * inner] - m - ls; }
  } else {
    for (var j = 0u; j < n; j++) { o[base + j * inner] = exp(a[base + j * inner] - m) / s; }
  }
}`;
}

/**
 * A batch of small or skinny products, one thread per output and no workgroup memory: where the
 * 64×64×16 tiles would be mostly empty (a size under 64: a batch of one, a 10-class head, a weight
 * gradient summed over a small batch), and no barrier holds threads back. p: as matmul's, then the
 * output count.
 */
export function matmulSmall(): string {
  return `${PARAMS}
${buf(1, 'a', 'f32')}
${buf(2, 'b', 'f32')}
${buf(3, 'c', 'f32', true)}
${ELEMENT_MAIN}
  let m = p[0]; let n = p[1]; let k = p[2];
  if (i >= p[9]) { return; }
  let batch = i / (m * n);
  let r = (i / n) % m;
  let col = i % n;
  // Element q of row r of op(A), and of column col of op(B), are a step apart in memory.
  var aAt = batch * p[3] + select(r * k, r, p[5] != 0u);
  let aStep = select(1u, m, p[5] != 0u);
  var bAt = batch * p[4] + select(col, col * k, p[6] != 0u);
  let bStep = select(n, 1u, p[6] != 0u);
  var s = 0.0;
  for (var q = 0u; q < k; q++) {
    s = fma(a[aAt], b[bAt], s);
    aAt += aStep;
    bAt += bStep;
  }
  c[i] = s;
}`;
}

/**
 * C_b = op(A_b)·op(B_b), tiled: each workgroup of 16×16 threads computes a 64×64 block of C, 4×4
 * per thread in sixteen scalar accumulators (written out, not arrays: compilers keep them in
 * registers), staging 64×16 of A and 16×64 of B in workgroup memory per step along k. The block
 * index runs over batches × row blocks × column blocks. p: [m, n, k, aStride, bStride, transA,
 * transB, rowBlocks, colBlocks].
 */
export function matmul(): string {
  return `${PARAMS}
${buf(1, 'a', 'f32')}
${buf(2, 'b', 'f32')}
${buf(3, 'c', 'f32', true)}
var<workgroup> As: array<f32, 1024>;
var<workgroup> Bs: array<f32, 1024>;
var<private> cBase: u32;
fn A(base: u32, i: u32, q: u32) -> f32 {
  if (i >= p[0] || q >= p[2]) { return 0.0; }
  if (p[5] != 0u) { return a[base + q * p[0] + i]; }
  return a[base + i * p[2] + q];
}
fn B(base: u32, q: u32, j: u32) -> f32 {
  if (j >= p[1] || q >= p[2]) { return 0.0; }
  if (p[6] != 0u) { return b[base + j * p[2] + q]; }
  return b[base + q * p[1] + j];
}
fn store(r: u32, col: u32, v: f32) {
  if (r < p[0] && col < p[1]) { c[cBase + r * p[1] + col] = v; }
}
@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let k = p[2];
  let block = wid.y * nwg.x + wid.x;
  let perBatch = p[7] * p[8];
  let batch = block / perBatch;
  let row0 = ((block % perBatch) / p[8]) * 64u;
  let col0 = (block % p[8]) * 64u;
  let aBase = batch * p[3];
  let bBase = batch * p[4];
  cBase = batch * p[0] * p[1];
  let t = lid.y * 16u + lid.x;
  let ty = lid.y * 4u;
  let tx = lid.x * 4u;
  var c00 = 0.0;
  var c01 = 0.0;
  var c02 = 0.0;
  var c03 = 0.0;
  var c10 = 0.0;
  var c11 = 0.0;
  var c12 = 0.0;
  var c13 = 0.0;
  var c20 = 0.0;
  var c21 = 0.0;
  var c22 = 0.0;
  var c23 = 0.0;
  var c30 = 0.0;
  var c31 = 0.0;
  var c32 = 0.0;
  var c33 = 0.0;
  for (var q0 = 0u; q0 < k; q0 += 16u) {
    // 1024 values of each tile, 4 per thread: As[q·64 + r] = A(row0 + r, q0 + q), Bs[q·64 + j] = B(q0 + q, col0 + j).
    for (var e = 0u; e < 4u; e++) {
      let idx = t * 4u + e;
      As[(idx % 16u) * 64u + idx / 16u] = A(aBase, row0 + idx / 16u, q0 + idx % 16u);
      Bs[idx] = B(bBase, q0 + idx / 64u, col0 + idx % 64u);
    }
    workgroupBarrier();
    for (var q = 0u; q < 16u; q++) {
      let ar = q * 64u + ty;
      let br = q * 64u + tx;
      let a0 = As[ar]; let a1 = As[ar + 1u]; let a2 = As[ar + 2u]; let a3 = As[ar + 3u];
      let b0 = Bs[br]; let b1 = Bs[br + 1u]; let b2 = Bs[br + 2u]; let b3 = Bs[br + 3u];
      c00 = fma(a0, b0, c00);
      c01 = fma(a0, b1, c01);
      c02 = fma(a0, b2, c02);
      c03 = fma(a0, b3, c03);
      c10 = fma(a1, b0, c10);
      c11 = fma(a1, b1, c11);
      c12 = fma(a1, b2, c12);
      c13 = fma(a1, b3, c13);
      c20 = fma(a2, b0, c20);
      c21 = fma(a2, b1, c21);
      c22 = fma(a2, b2, c22);
      c23 = fma(a2, b3, c23);
      c30 = fma(a3, b0, c30);
      c31 = fma(a3, b1, c31);
      c32 = fma(a3, b2, c32);
      c33 = fma(a3, b3, c33);
    }
    workgroupBarrier();
  }
  store(row0 + ty + 0u, col0 + tx + 0u, c00);
  store(row0 + ty + 0u, col0 + tx + 1u, c01);
  store(row0 + ty + 0u, col0 + tx + 2u, c02);
  store(row0 + ty + 0u, col0 + tx + 3u, c03);
  store(row0 + ty + 1u, col0 + tx + 0u, c10);
  store(row0 + ty + 1u, col0 + tx + 1u, c11);
  store(row0 + ty + 1u, col0 + tx + 2u, c12);
  store(row0 + ty + 1u, col0 + tx + 3u, c13);
  store(row0 + ty + 2u, col0 + tx + 0u, c20);
  store(row0 + ty + 2u, col0 + tx + 1u, c21);
  store(row0 + ty + 2u, col0 + tx + 2u, c22);
  store(row0 + ty + 2u, col0 + tx + 3u, c23);
  store(row0 + ty + 3u, col0 + tx + 0u, c30);
  store(row0 + ty + 3u, col0 + tx + 1u, c31);
  store(row0 + ty + 3u, col0 + tx + 2u, c32);
  store(row0 + ty + 3u, col0 + tx + 3u, c33);
}`;
}

/**
 * Where an index is read: 'element' for gather's [outer, m, inner] index (one per output element),
 * 'row' for indexSelect's [m] index (one per selected row, shared by outer and inner).
 */
export type IndexShape = 'element' | 'row';

/**
 * out[o, j, i] = x[o, index[…], i] over the middle axis (gather, indexSelect), indices clamped
 * into [0, n). p: [outer·m·inner, n, inner, m].
 */
export function gather(t: DType, shape: IndexShape): string {
  return `${PARAMS}
${buf(1, 'a', wgslType(t))}
${buf(2, 'idx', 'i32')}
${buf(3, 'o', wgslType(t), true)}
${ELEMENT_MAIN}
  if (i >= p[0]) { return; }
  let n = p[1]; let inner = p[2]; let m = p[3];
  let o_ = i / (m * inner);
  let k = u32(clamp(idx[${shape === 'element' ? 'i' : '(i / inner) % m'}], 0, i32(n) - 1));
  o[i] = a[(o_ * n + k) * inner + i % inner];
}`;
}

/**
 * The adjoint of gather: dst[o, k, i] += Σ_j src[o, j, i] where the index at (o, j, i) is k (scatterAdd,
 * indexAdd); one thread per destination element (no float atomics in WGSL). p: [outer·n·inner, n, inner, m].
 */
export function scatterAdd(t: DType, shape: IndexShape): string {
  return `${PARAMS}
${buf(1, 'dst', wgslType(t), true)}
${buf(2, 'idx', 'i32')}
${buf(3, 'src', wgslType(t))}
${ELEMENT_MAIN}
  if (i >= p[0]) { return; }
  let n = p[1]; let inner = p[2]; let m = p[3];
  let o_ = i / (n * inner);
  let k = i32((i / inner) % n);
  var s = dst[i];
  for (var j = 0u; j < m; j++) {
    let at = (o_ * m + j) * inner + i % inner;
    if (idx[${shape === 'element' ? 'at' : 'j'}] == k) { s += src[at]; }
  }
  dst[i] = s;
}`;
}

/**
 * A block copy between [outer, ·, inner] layouts: out[o, outStart + j, :] = x[o, start + j, :] for
 * j < len (copyBlock and sliceBlock both). p: [outer·len·inner, len, inner, xN, start, outN, outStart].
 */
export function block(t: DType): string {
  return `${PARAMS}
${buf(1, 'a', wgslType(t))}
${buf(2, 'o', wgslType(t), true)}
${ELEMENT_MAIN}
  if (i >= p[0]) { return; }
  let len = p[1]; let inner = p[2];
  let o_ = i / (len * inner);
  let j = (i / inner) % len;
  let ii = i % inner;
  o[(o_ * p[5] + p[6] + j) * inner + ii] = a[(o_ * p[3] + p[4] + j) * inner + ii];
}`;
}

/** SGD in place (PyTorch's rule, as js/optim.ts). p: [n, hasBuf, nesterov, first, lr, momentum, dampening, weightDecay]. */
export function sgd(): string {
  return `${PARAMS}
${buf(1, 'w', 'f32', true)}
${buf(2, 'g', 'f32')}
${buf(3, 'buf', 'f32', true)}
${ELEMENT_MAIN}
  if (i >= p[0]) { return; }
  var d = g[i] + pf(7) * w[i];
  if (p[1] != 0u) {
    var b = d;
    if (p[3] == 0u) { b = pf(5) * buf[i] + (1.0 - pf(6)) * d; }
    buf[i] = b;
    if (p[2] != 0u) { d = d + pf(5) * b; } else { d = b; }
  }
  w[i] = w[i] - pf(4) * d;
}`;
}

/** RMSprop in place. p: [n, hasBuf, lr, alpha, eps, momentum, weightDecay]. */
export function rmsprop(): string {
  return `${PARAMS}
${buf(1, 'w', 'f32', true)}
${buf(2, 'g', 'f32')}
${buf(3, 'sq', 'f32', true)}
${buf(4, 'buf', 'f32', true)}
${ELEMENT_MAIN}
  if (i >= p[0]) { return; }
  let d = g[i] + pf(6) * w[i];
  let s = pf(3) * sq[i] + (1.0 - pf(3)) * d * d;
  sq[i] = s;
  let step = d / (sqrt(s) + pf(4));
  if (p[1] != 0u) {
    let b = pf(5) * buf[i] + step;
    buf[i] = b;
    w[i] = w[i] - pf(2) * b;
  } else {
    w[i] = w[i] - pf(2) * step;
  }
}`;
}

/** Adam / AdamW in place, bias-corrected as js/optim.ts. p: [n, decoupled, lr, beta1, beta2, eps, weightDecay, stepSize, invRootBc2]. */
export function adam(): string {
  return `${PARAMS}
${buf(1, 'w', 'f32', true)}
${buf(2, 'g', 'f32')}
${buf(3, 'm', 'f32', true)}
${buf(4, 'v', 'f32', true)}
${ELEMENT_MAIN}
  if (i >= p[0]) { return; }
  var gi = g[i];
  if (p[1] != 0u) { w[i] = w[i] * (1.0 - pf(2) * pf(6)); } else { gi = gi + pf(6) * w[i]; }
  let mi = pf(3) * m[i] + (1.0 - pf(3)) * gi;
  let vi = pf(4) * v[i] + (1.0 - pf(4)) * gi * gi;
  m[i] = mi;
  v[i] = vi;
  w[i] = w[i] - pf(7) * mi / (sqrt(vi) * pf(8) + pf(5));
}`;
}
