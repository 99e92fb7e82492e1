import { ValueError } from '../../errors.js';

// Finding a GPU: `navigator.gpu` in browsers and workers; in Node.js the `webgpu` package (Dawn),
// an optional peer dependency loaded only here, when the webgpu backend is asked for.

/** A device to run kernels on, and what it is (for `backendDetail`). */
export interface GpuDevice {
  device: GPUDevice;
  description: string;
  /**
   * The GPU object the device came from, kept for the device's lifetime: Dawn's Node.js binding
   * aborts the process when the garbage collector destroys it while its device is in use.
   */
  gpu: GPU;
}

/** The npm package that brings WebGPU to Node.js (named in a variable: bundlers leave it alone). */
const NODE_PACKAGE = 'webgpu';

/** The `webgpu` package's entry: `create(flags)` makes a GPU object (navigator.gpu's twin). */
interface NodeWebgpu { create(flags: string[]): GPU }

const isNodeWebgpu = (m: unknown): m is NodeWebgpu => typeof m === 'object' && m !== null && typeof (m as { create?: unknown }).create === 'function';

async function findGpu(): Promise<GPU> {
  if (typeof navigator !== 'undefined' && navigator.gpu) return navigator.gpu;
  if (typeof process === 'undefined' || !process.versions?.node) {
    throw new ValueError("setBackend('webgpu'): this browser has no WebGPU (navigator.gpu is missing); use a browser with WebGPU enabled (Chrome, Edge; Firefox and Safari behind a flag), or kiln.setBackend('wasm')");
  }
  let mod: unknown;
  try {
    mod = await import(/* @vite-ignore */ NODE_PACKAGE);
  } catch {
    throw new ValueError("setBackend('webgpu'): WebGPU in Node.js needs the optional package 'webgpu' (Dawn); install it with npm install webgpu, or use kiln.setBackend('wasm')");
  }
  if (!isNodeWebgpu(mod)) throw new ValueError("setBackend('webgpu'): the 'webgpu' package installed here has no create(); install a current one with npm install webgpu@latest");
  return mod.create(dawnFlags());
}

/**
 * Flags for Dawn's `create()` from KILN_DAWN_FLAGS, space-separated: e.g.
 * `KILN_DAWN_FLAGS=enable-dawn-features=disable_robustness` drops the bounds clamp Dawn adds to
 * every buffer access (Kiln's kernels check their own bounds), which doubles SwiftShader's speed.
 */
function dawnFlags(): string[] {
  const flags = typeof process !== 'undefined' ? process.env.KILN_DAWN_FLAGS : undefined;
  return flags ? flags.split(/\s+/).filter((f) => f) : [];
}

/** The GPU's device, or a ValueError that says why there is none and what to do. */
export async function requestGpuDevice(): Promise<GpuDevice> {
  const gpu = await findGpu();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    if (typeof navigator !== 'undefined' && navigator.gpu) {
      throw new ValueError("setBackend('webgpu'): this browser has WebGPU but gives it no GPU adapter (the GPU may be disabled or blocklisted: see chrome://gpu); use kiln.setBackend('wasm')");
    }
    throw new ValueError("setBackend('webgpu'): WebGPU found no GPU adapter here; check the GPU driver (Vulkan on Linux: the libvulkan1 package), or, without a GPU, point Vulkan at SwiftShader (VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json with Debian's chromium); or use kiln.setBackend('wasm')");
  }
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
  });
  const info = adapter.info;
  const description = [info.vendor, info.architecture, info.description].filter((s) => s).join(' ') || 'unknown adapter';
  return { device, description, gpu };
}
