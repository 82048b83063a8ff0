import { TinyconvError } from '../../core/errors.js';

export interface WebGPUBackendOptions {
  /** An adapter to create the device from (default: navigator.gpu.requestAdapter()). */
  adapter?: GPUAdapter;
  /**
   * A device to run on, used as given: the backend does not destroy it on dispose(), and its
   * limits are the ones it was created with.
   */
  device?: GPUDevice;
  /** Passed to requestAdapter() when no adapter or device is given. */
  powerPreference?: GPUPowerPreference;
}

export interface Acquired {
  adapter: GPUAdapter | null;
  device: GPUDevice;
  /** Whether the backend created the device (and so destroys it on dispose). */
  owned: boolean;
}

const OPTION_KEYS = new Set(['adapter', 'device', 'powerPreference']);

/**
 * Limits raised to what the adapter allows: tensors are storage buffers, and the defaults
 * (128 MiB bindings, 256 MiB buffers) are small for activations of large images.
 */
const RAISED_LIMITS = ['maxStorageBufferBindingSize', 'maxBufferSize'] as const;

/** Spec minimums the kernels are written for (every conformant adapter has them). */
export const REQUIRED_LIMITS = {
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxComputeWorkgroupSizeY: 16,
  maxComputeWorkgroupStorageSize: 8192,
  maxStorageBuffersPerShaderStage: 4,
} as const;

export async function acquireDevice(o: WebGPUBackendOptions): Promise<Acquired> {
  checkOptions(o);
  if (o.device) {
    checkLimits(o.device.limits, 'the given device');
    return { adapter: o.adapter ?? null, device: o.device, owned: false };
  }
  let adapter = o.adapter ?? null;
  if (!adapter) {
    const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
    if (!gpu) {
      throw new TinyconvError(
        'E_BACKEND',
        'createWebGPUBackend: WebGPU is not available here (navigator.gpu is missing). Browsers expose it in secure contexts ' +
          '(https or localhost) where WebGPU is enabled; in Node, install a WebGPU implementation such as the `webgpu` package ' +
          'and assign its create([]) result to navigator.gpu; or use the wasm backend.',
        { reason: 'no navigator.gpu' },
      );
    }
    try {
      adapter = await gpu.requestAdapter(o.powerPreference ? { powerPreference: o.powerPreference } : undefined);
    } catch (e) {
      throw new TinyconvError('E_BACKEND', `createWebGPUBackend: requestAdapter() failed: ${messageOf(e)}`, { reason: 'requestAdapter failed' }, { cause: e });
    }
    if (!adapter) {
      throw new TinyconvError(
        'E_BACKEND',
        'createWebGPUBackend: no WebGPU adapter is available (navigator.gpu.requestAdapter() returned null): the GPU may be ' +
          'absent, blocklisted or busy. On Linux without a GPU, Mesa\'s lavapipe (a Vulkan driver on the CPU) provides one; or use the wasm backend.',
        { reason: 'no adapter' },
      );
    }
  }
  checkLimits(adapter.limits, 'the adapter');
  const requiredLimits: Record<string, number> = {};
  for (const k of RAISED_LIMITS) requiredLimits[k] = adapter.limits[k];
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits, label: 'tinyconv' });
  } catch (e) {
    throw new TinyconvError('E_BACKEND', `createWebGPUBackend: requestDevice() failed: ${messageOf(e)}`, { reason: 'requestDevice failed' }, { cause: e });
  }
  return { adapter, device, owned: true };
}

function checkLimits(limits: GPUSupportedLimits, what: string): void {
  for (const [k, min] of Object.entries(REQUIRED_LIMITS)) {
    const have = limits[k as keyof typeof REQUIRED_LIMITS];
    if (!(have >= min)) {
      throw new TinyconvError('E_BACKEND', `createWebGPUBackend: ${what} allows ${k} = ${have}; the kernels need at least ${min}`, { limit: k, have, need: min });
    }
  }
}

function checkOptions(o: WebGPUBackendOptions): void {
  if (typeof o !== 'object' || o === null) throw new TinyconvError('E_ARG', `createWebGPUBackend: options must be an object, got ${o === null ? 'null' : typeof o}`);
  for (const k of Object.keys(o)) {
    if (!OPTION_KEYS.has(k)) throw new TinyconvError('E_ARG', `createWebGPUBackend: unknown option ${JSON.stringify(k)} (expected ${[...OPTION_KEYS].join(', ')})`);
  }
  if (o.powerPreference !== undefined && o.powerPreference !== 'low-power' && o.powerPreference !== 'high-performance') {
    throw new TinyconvError('E_ARG', `createWebGPUBackend: powerPreference must be 'low-power' or 'high-performance', got ${JSON.stringify(o.powerPreference)}`);
  }
  if (o.device !== undefined && (typeof o.device !== 'object' || o.device === null || typeof (o.device as GPUDevice).createBuffer !== 'function')) {
    throw new TinyconvError('E_ARG', 'createWebGPUBackend: device must be a GPUDevice');
  }
  if (o.adapter !== undefined && (typeof o.adapter !== 'object' || o.adapter === null || typeof (o.adapter as GPUAdapter).requestDevice !== 'function')) {
    throw new TinyconvError('E_ARG', 'createWebGPUBackend: adapter must be a GPUAdapter');
  }
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
