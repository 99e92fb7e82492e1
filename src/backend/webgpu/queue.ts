import type { DType, TypedArray } from '../../tensor/dtype.js';
import type { GpuStorage } from './memory.js';
import { USAGE } from './memory.js';

// How kernels reach the GPU. Dispatches are recorded into one command encoder and submitted
// together (at a read, an upload, or every SLOTS dispatches), so a training step submits its work
// and never waits: only `read` maps a buffer and awaits the GPU. Each dispatch's parameters (sizes,
// strides, learning rates) go into a 256-byte slot of one parameter buffer, uploaded once per
// submit; the shader reads them as `p: array<u32>` at binding 0 (floats as their bits).

/** Threads per workgroup of the one-thread-per-element kernels. */
export const WORKGROUP = 64;
/** Dispatches per submit (and parameter slots); 256 bytes is WebGPU's storage offset alignment. */
const SLOTS = 256;
const SLOT_BYTES = 256;
/** The most workgroups along one dispatch dimension (WebGPU's guaranteed limit). */
const MAX_GROUPS = 65535;

export class GpuQueue {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly params = new ArrayBuffer(SLOTS * SLOT_BYTES);
  private readonly words = new Uint32Array(this.params);
  private readonly floats = new Float32Array(this.params);
  private slot = 0;
  private readonly paramBuffer: GPUBuffer;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  /** Submits and reads back so far (for tests: a training step must never wait on the GPU). */
  submits = 0;
  reads = 0;

  constructor(private readonly device: GPUDevice) {
    this.paramBuffer = device.createBuffer({ size: SLOTS * SLOT_BYTES, usage: USAGE.STORAGE | USAGE.COPY_DST });
  }

  /** The compute pipeline of a WGSL module (entry point `main`), compiled once per key. */
  pipeline(key: string, code: () => string): GPUComputePipeline {
    let p = this.pipelines.get(key);
    if (!p) {
      const module = this.device.createShaderModule({ code: code(), label: key });
      p = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: key });
      this.pipelines.set(key, p);
    }
    return p;
  }

  /**
   * Records one dispatch of `pipeline` over `buffers` (bindings 1, 2, …) with `params` at binding
   * 0 (entries from `floatFrom` on are written as f32), over `groups` workgroups (split over two
   * dimensions past 65,535: shaders index by `workgroupIndex`).
   */
  dispatch(pipeline: GPUComputePipeline, buffers: readonly GPUBuffer[], params: readonly number[], groups: number, floatFrom = params.length): void {
    if (groups === 0) return;
    if (this.slot === SLOTS) this.flush();
    const base = (this.slot * SLOT_BYTES) / 4;
    for (let i = 0; i < params.length; i++) {
      if (i < floatFrom) this.words[base + i] = params[i]! >>> 0;
      else this.floats[base + i] = params[i]!;
    }
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.paramBuffer, offset: this.slot * SLOT_BYTES, size: SLOT_BYTES } }];
    buffers.forEach((buffer, i) => entries.push({ binding: i + 1, resource: { buffer } }));
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    this.slot++;
    const pass = this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    const x = Math.min(groups, MAX_GROUPS);
    pass.dispatchWorkgroups(x, Math.ceil(groups / x));
  }

  /** Copies `bytes` between buffers, in order with the dispatches around it. */
  copy(src: GPUBuffer, dst: GPUBuffer, bytes: number): void {
    this.endPass();
    this.commands().copyBufferToBuffer(src, 0, dst, 0, bytes);
  }

  private commands(): GPUCommandEncoder {
    return (this.encoder ??= this.device.createCommandEncoder());
  }

  private computePass(): GPUComputePassEncoder {
    return (this.pass ??= this.commands().beginComputePass());
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }

  /** Submits what was recorded (the GPU runs it while JavaScript goes on). */
  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    if (this.slot > 0) this.device.queue.writeBuffer(this.paramBuffer, 0, this.params, 0, this.slot * SLOT_BYTES);
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.slot = 0;
    this.submits++;
  }

  /** Overwrites a storage's buffer with `values`, after the work recorded so far. */
  write(s: GpuStorage, values: TypedArray): void {
    this.flush();
    this.device.queue.writeBuffer(s.buffer, 0, values.buffer, values.byteOffset, values.byteLength);
  }

  /** A copy of a storage's values: submits what is recorded, then waits for the GPU. */
  async read(s: GpuStorage): Promise<TypedArray> {
    const bytes = s.length * 4;
    const out = newArray(s.dtype, s.length);
    if (bytes === 0) return out;
    const staging = this.device.createBuffer({ size: bytes, usage: USAGE.MAP_READ | USAGE.COPY_DST });
    this.copy(s.buffer, staging, bytes);
    this.flush();
    this.reads++;
    try {
      await staging.mapAsync(1 /* GPUMapMode.READ */);
      out.set(s.dtype === 'int32' ? new Int32Array(staging.getMappedRange()) : new Float32Array(staging.getMappedRange()));
      staging.unmap();
    } finally {
      staging.destroy();
    }
    return out;
  }
}

function newArray(dtype: DType, n: number): Float32Array | Int32Array {
  return dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
}

/** Workgroups for `n` threads, one per element. */
export const groupsFor = (n: number): number => Math.ceil(n / WORKGROUP);
