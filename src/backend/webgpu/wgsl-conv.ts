// WGSL sources of the webgpu backend's convolution and pooling kernels (float32, NCHW), one
// thread per output element, each the direct sum its js kernel computes (src/backend/js/conv.ts,
// pool.ts). The window geometry is p[1…14] (windowParams); p[0] is the thread count.

const HEAD = `@group(0) @binding(0) var<storage, read> p: array<u32>;
struct Win { N: i32, C: i32, H: i32, W: i32, KH: i32, KW: i32, OH: i32, OW: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32 }
fn win() -> Win {
  return Win(i32(p[1]), i32(p[2]), i32(p[3]), i32(p[4]), i32(p[5]), i32(p[6]), i32(p[7]), i32(p[8]), i32(p[9]), i32(p[10]), i32(p[11]), i32(p[12]), i32(p[13]), i32(p[14]));
}`;

/**
 * The geometry baked into a shader as constants (all but the batch N, read from p[1]), so the
 * compiler unrolls the window loops and folds the index arithmetic; one pipeline per layer shape.
 */
export interface ConvShape { C: number; H: number; W: number; KH: number; KW: number; OH: number; OW: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; F: number }

const convMain = (k: ConvShape): string => `@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (t >= p[0]) { return; }
  let i = i32(t);
  let g = Win(i32(p[1]), ${k.C}, ${k.H}, ${k.W}, ${k.KH}, ${k.KW}, ${k.OH}, ${k.OW}, ${k.sh}, ${k.sw}, ${k.ph}, ${k.pw}, ${k.dh}, ${k.dw});
  const F = ${k.F};`;

const MAIN = `@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (t >= p[0]) { return; }
  let i = i32(t);
  let g = win();`;

const buf = (binding: number, name: string, write = false, type = 'f32'): string =>
  `@group(0) @binding(${binding}) var<storage, ${write ? 'read_write' : 'read'}> ${name}: array<${type}>;`;

/** Adds v to a float in a buffer of u32 words, atomically (WGSL has no float atomics: a compare-exchange loop). */
const ATOMIC_ADD = `fn atomicAddF32(at: u32, v: f32) {
  var old = atomicLoad(&acc[at]);
  loop {
    let r = atomicCompareExchangeWeak(&acc[at], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (r.exchanged) { break; }
    old = r.old_value;
  }
}`;

/** out[n, f, oh, ow] = bias[f] + Σ_{c, kh, kw} x[n, c, ih, iw]·w[f, c, kh, kw]. p: [N·F·OH·OW, window…, F, hasBias]. */
export function conv2d(k: ConvShape): string {
  return `${HEAD}
${buf(1, 'x')}
${buf(2, 'w')}
${buf(3, 'bias')}
${buf(4, 'o', true)}
${convMain(k)}
  let ow = i % g.OW; let oh = (i / g.OW) % g.OH; let f = (i / (g.OW * g.OH)) % F; let n = i / (g.OW * g.OH * F);
  var s = 0.0;
  if (p[16] != 0u) { s = bias[f]; }
  for (var c = 0; c < g.C; c++) {
    for (var kh = 0; kh < g.KH; kh++) {
      let ih = oh * g.sh - g.ph + kh * g.dh;
      if (ih < 0 || ih >= g.H) { continue; }
      for (var kw = 0; kw < g.KW; kw++) {
        let iw = ow * g.sw - g.pw + kw * g.dw;
        if (iw < 0 || iw >= g.W) { continue; }
        s = fma(x[((n * g.C + c) * g.H + ih) * g.W + iw], w[((f * g.C + c) * g.KH + kh) * g.KW + kw], s);
      }
    }
  }
  o[t] = s;
}`;
}

/** dx[n, c, ih, iw] = Σ over the (f, kh, kw) whose window covers it of dy[n, f, oh, ow]·w[f, c, kh, kw]. p: [N·C·H·W, window…, F]. */
export function conv2dBackwardInput(k: ConvShape): string {
  return `${HEAD}
${buf(1, 'dy')}
${buf(2, 'w')}
${buf(3, 'dx', true)}
${convMain(k)}
  let iw = i % g.W; let ih = (i / g.W) % g.H; let c = (i / (g.W * g.H)) % g.C; let n = i / (g.W * g.H * g.C);
  var s = 0.0;
  for (var kh = 0; kh < g.KH; kh++) {
    let hn = ih + g.ph - kh * g.dh;
    if (hn < 0 || hn % g.sh != 0) { continue; }
    let oh = hn / g.sh;
    if (oh >= g.OH) { continue; }
    for (var kw = 0; kw < g.KW; kw++) {
      let wn = iw + g.pw - kw * g.dw;
      if (wn < 0 || wn % g.sw != 0) { continue; }
      let ow = wn / g.sw;
      if (ow >= g.OW) { continue; }
      for (var f = 0; f < F; f++) {
        s = fma(dy[((n * F + f) * g.OH + oh) * g.OW + ow], w[((f * g.C + c) * g.KH + kh) * g.KW + kw], s);
      }
    }
  }
  dx[t] = s;
}`;
}

/**
 * dw[f, c, kh, kw] = Σ_{n, oh, ow} dy[n, f, oh, ow]·x[n, c, ih, iw], its sum over the N·OH output
 * rows split into `chunks` (p[16]) of p[17] rows: thread t sums chunk t / weights of weight
 * t % weights into part[t] (the caller then adds the chunks up), so a layer of few weights (LeNet's
 * first: 150) still fills a GPU. One chunk writes dw itself. p: [weights·chunks, window…, F, chunks, rowsPerChunk].
 */
export function conv2dBackwardFilter(k: ConvShape): string {
  return `${HEAD}
${buf(1, 'x')}
${buf(2, 'dy')}
${buf(3, 'part', true)}
${convMain(k)}
  let weights = F * g.C * g.KH * g.KW;
  let w = i % weights; let chunk = i / weights;
  let kw = w % g.KW; let kh = (w / g.KW) % g.KH; let c = (w / (g.KW * g.KH)) % g.C; let f = w / (g.KW * g.KH * g.C);
  let first = chunk * i32(p[17]);
  let last = min(first + i32(p[17]), g.N * g.OH);
  var s = 0.0;
  for (var row = first; row < last; row++) {
    let n = row / g.OH; let oh = row % g.OH;
    let ih = oh * g.sh - g.ph + kh * g.dh;
    if (ih < 0 || ih >= g.H) { continue; }
    for (var ow = 0; ow < g.OW; ow++) {
      let iw = ow * g.sw - g.pw + kw * g.dw;
      if (iw < 0 || iw >= g.W) { continue; }
      s = fma(dy[((n * F + f) * g.OH + oh) * g.OW + ow], x[((n * g.C + c) * g.H + ih) * g.W + iw], s);
    }
  }
  part[t] = s;
}`;
}

/** db[f] = Σ_{n, oh, ow} dy[n, f, oh, ow]. p: [F, window…, F]. */
export function conv2dBiasGrad(): string {
  return `${HEAD}
${buf(1, 'dy')}
${buf(2, 'db', true)}
${MAIN}
  let F = i32(p[15]);
  var s = 0.0;
  for (var n = 0; n < g.N; n++) {
    let base = (n * F + i) * g.OH * g.OW;
    for (var q = 0; q < g.OH * g.OW; q++) { s += dy[base + q]; }
  }
  db[t] = s;
}`;
}

/**
 * out = the max of each window (padding never wins), `argmax` where it is: the index in x, or with
 * p[15] set, within the example's [C, H, W] (the fused op's convention). p: [N·C·OH·OW, window…, perExample].
 */
export function maxPool2d(): string {
  return `${HEAD}
${buf(1, 'x')}
${buf(2, 'o', true)}
${buf(3, 'argmax', true, 'i32')}
${MAIN}
  let ow = i % g.OW; let oh = (i / g.OW) % g.OH; let plane = i / (g.OW * g.OH);
  let base = plane * g.H * g.W;
  var best = 0.0;
  var at = -1;
  for (var kh = 0; kh < g.KH; kh++) {
    let ih = oh * g.sh - g.ph + kh * g.dh;
    if (ih < 0 || ih >= g.H) { continue; }
    for (var kw = 0; kw < g.KW; kw++) {
      let iw = ow * g.sw - g.pw + kw * g.dw;
      if (iw < 0 || iw >= g.W) { continue; }
      let v = x[base + ih * g.W + iw];
      if (at < 0 || v > best || v != v) { best = v; at = base + ih * g.W + iw; }
    }
  }
  o[t] = best;
  if (p[15] != 0u) { at -= (plane / g.C) * g.C * g.H * g.W; }
  argmax[t] = at;
}`;
}

/** dx[argmax[o]] += dy[o] (dx zeroed first; windows may overlap, hence the atomic add). p: [count]. */
export function maxPool2dBackward(): string {
  return `@group(0) @binding(0) var<storage, read> p: array<u32>;
${buf(1, 'dy')}
${buf(2, 'argmax', false, 'i32')}
@group(0) @binding(3) var<storage, read_write> acc: array<atomic<u32>>;
${ATOMIC_ADD}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (t >= p[0]) { return; }
  atomicAddF32(u32(argmax[t]), dy[t]);
}`;
}

/**
 * The fused op's backward routing: d[n·perY + argmax[o]] += dy[o] where the pooled output y[o] > 0
 * (ReLU), d: the conv output's gradient, zeroed first. p: [count, perOut, perY].
 */
export function routePooled(): string {
  return `@group(0) @binding(0) var<storage, read> p: array<u32>;
${buf(1, 'dy')}
${buf(2, 'y')}
${buf(3, 'argmax', false, 'i32')}
@group(0) @binding(4) var<storage, read_write> acc: array<atomic<u32>>;
${ATOMIC_ADD}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (t >= p[0] || y[t] <= 0.0) { return; }
  atomicAddF32((t / p[1]) * p[2] + u32(argmax[t]), dy[t]);
}`;
}

/** out = the mean of each window, padding counted as zeros (count_include_pad). p: [N·C·OH·OW, window…]. */
export function avgPool2d(): string {
  return `${HEAD}
${buf(1, 'x')}
${buf(2, 'o', true)}
${MAIN}
  let ow = i % g.OW; let oh = (i / g.OW) % g.OH; let plane = i / (g.OW * g.OH);
  var s = 0.0;
  for (var kh = 0; kh < g.KH; kh++) {
    let ih = oh * g.sh - g.ph + kh;
    if (ih < 0 || ih >= g.H) { continue; }
    for (var kw = 0; kw < g.KW; kw++) {
      let iw = ow * g.sw - g.pw + kw;
      if (iw >= 0 && iw < g.W) { s += x[(plane * g.H + ih) * g.W + iw]; }
    }
  }
  o[t] = s / f32(g.KH * g.KW);
}`;
}

/** dx[·, ih, iw] = Σ over the windows covering it of dy / (KH·KW). p: [N·C·H·W, window…]. */
export function avgPool2dBackward(): string {
  return `${HEAD}
${buf(1, 'dy')}
${buf(2, 'dx', true)}
${MAIN}
  let iw = i % g.W; let ih = (i / g.W) % g.H; let plane = i / (g.W * g.H);
  var s = 0.0;
  for (var kh = 0; kh < g.KH; kh++) {
    let hn = ih + g.ph - kh;
    if (hn < 0 || hn % g.sh != 0 || hn / g.sh >= g.OH) { continue; }
    for (var kw = 0; kw < g.KW; kw++) {
      let wn = iw + g.pw - kw;
      if (wn < 0 || wn % g.sw != 0 || wn / g.sw >= g.OW) { continue; }
      s += dy[(plane * g.OH + hn / g.sh) * g.OW + wn / g.sw];
    }
  }
  dx[t] = s / f32(g.KH * g.KW);
}`;
}

const ADAPTIVE = `fn lo(i: i32, n: i32, m: i32) -> i32 { return (i * n) / m; }
fn hi(i: i32, n: i32, m: i32) -> i32 { return ((i + 1) * n + m - 1) / m; }`;

/** Cell (oh, ow) = the mean of rows ⌊oh·H/OH⌋…⌈(oh+1)·H/OH⌉ and the same for columns. p: [planes·OH·OW, H, W, OH, OW]. */
export function adaptiveAvgPool2d(): string {
  return `@group(0) @binding(0) var<storage, read> p: array<u32>;
${buf(1, 'x')}
${buf(2, 'o', true)}
${ADAPTIVE}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (t >= p[0]) { return; }
  let H = i32(p[1]); let W = i32(p[2]); let OH = i32(p[3]); let OW = i32(p[4]);
  let i = i32(t);
  let ow = i % OW; let oh = (i / OW) % OH; let plane = i / (OW * OH);
  let h0 = lo(oh, H, OH); let h1 = hi(oh, H, OH); let w0 = lo(ow, W, OW); let w1 = hi(ow, W, OW);
  var s = 0.0;
  for (var h = h0; h < h1; h++) { for (var w = w0; w < w1; w++) { s += x[(plane * H + h) * W + w]; } }
  o[t] = s / f32((h1 - h0) * (w1 - w0));
}`;
}

/** dx[·, h, w] = Σ over the cells covering it of dy / the cell's area. p: [planes·H·W, H, W, OH, OW]. */
export function adaptiveAvgPool2dBackward(): string {
  return `@group(0) @binding(0) var<storage, read> p: array<u32>;
${buf(1, 'dy')}
${buf(2, 'dx', true)}
${ADAPTIVE}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (t >= p[0]) { return; }
  let H = i32(p[1]); let W = i32(p[2]); let OH = i32(p[3]); let OW = i32(p[4]);
  let i = i32(t);
  let w = i % W; let h = (i / W) % H; let plane = i / (W * H);
  var s = 0.0;
  for (var oh = 0; oh < OH; oh++) {
    let h0 = lo(oh, H, OH); let h1 = hi(oh, H, OH);
    if (h < h0 || h >= h1) { continue; }
    for (var ow = 0; ow < OW; ow++) {
      let w0 = lo(ow, W, OW); let w1 = hi(ow, W, OW);
      if (w >= w0 && w < w1) { s += dy[(plane * OH + oh) * OW + ow] / f32((h1 - h0) * (w1 - w0)); }
    }
  }
  dx[t] = s;
}`;
}
