import type { Backend, Kernel } from '../../core/backend.js';
import { TinyconvError } from '../../core/errors.js';
import { checkShape, shapeToString, sizeOf } from '../../core/shape.js';
import { acquireDevice, type WebGPUBackendOptions } from './device.js';
import { webgpuKernels } from './kernels/index.js';
import { GpuContext, type GpuRuntime, type RuntimeStats } from './runtime.js';

export type { WebGPUBackendOptions } from './device.js';

export interface WebGPUDiagnostics {
  /** The adapter as it describes itself (vendor, architecture, device, description), where known. */
  adapter: string;
  /** Whether the backend created the device (and destroys it on dispose). */
  ownsDevice: boolean;
  /** Optional features the adapter offers that kernels may use once they have variants for them. */
  features: { shaderF16: boolean; subgroups: boolean };
  limits: {
    maxComputeInvocationsPerWorkgroup: number;
    maxComputeWorkgroupsPerDimension: number;
    maxStorageBufferBindingSize: number;
    maxBufferSize: number;
  };
  /** Invocations per workgroup of element-wise kernels. */
  workgroupSize: number;
  runtime: RuntimeStats;
  /** The device loss, once it happened. */
  lost: string | null;
}

export interface WebGPUBackend extends Backend {
  readonly device: GPUDevice;
  readonly runtime: GpuRuntime;
  readonly diagnostics: WebGPUDiagnostics;
  /** The device loss as an E_BACKEND error, once the device is lost; null before. */
  readonly lost: TinyconvError | null;
  /**
   * Calls `listener` once when the device is lost (driver reset, GPU removed, device destroyed
   * by someone else), so a scheduler can move work to another backend. Returns an unsubscribe
   * function. Kernels, uploads and reads raise E_BACKEND ('device lost') from then on.
   */
  onLost(listener: (error: TinyconvError) => void): () => void;
  /** Submits the work recorded so far without reading anything back. */
  flush(): Promise<void>;
  /** Frees the backend's GPU memory (destroys the device it created). Idempotent. */
  dispose(): void;
}

/**
 * The WebGPU backend: tensors in pooled GPU storage buffers, kernels in WGSL (kernels/*.wgsl)
 * recorded into one command encoder that is submitted when a tensor is read (docs/webgpu.md).
 * E_BACKEND when WebGPU or an adapter is missing.
 */
export async function createWebGPUBackend(options: WebGPUBackendOptions = {}): Promise<WebGPUBackend> {
  const { adapter, device, owned } = await acquireDevice(options);
  const ctx = new GpuContext(device, owned);
  const features = adapter?.features ?? device.features;
  const info = adapter?.info ?? (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  const adapterName = info ? [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' / ') || 'unnamed adapter' : 'unknown adapter';

  const kernels: Record<string, Kernel> = {};
  for (const [k, bind] of Object.entries(webgpuKernels)) {
    kernels[k] = (inputs, attrs, be) => {
      ctx.beginKernel(k);
      return bind(inputs, attrs, be);
    };
  }

  const backend: WebGPUBackend = {
    name: 'webgpu',
    kernels: Object.freeze(kernels),
    device,
    runtime: ctx,
    get lost() {
      return ctx.lost;
    },
    get diagnostics(): WebGPUDiagnostics {
      const l = ctx.limits;
      return {
        adapter: adapterName,
        ownsDevice: owned,
        features: { shaderF16: features.has('shader-f16'), subgroups: features.has('subgroups') },
        limits: {
          maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
          maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
          maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
          maxBufferSize: l.maxBufferSize,
        },
        workgroupSize: ctx.wg,
        runtime: ctx.stats(),
        lost: ctx.lost?.message ?? null,
      };
    },
    onLost: (listener) => ctx.onLost(listener),
    upload(data, shape) {
      ctx.alive('upload');
      checkShape(shape);
      const values: unknown = data;
      if (!(values instanceof Float32Array || values instanceof Float64Array) || values.length !== sizeOf(shape)) {
        throw new TinyconvError('E_SHAPE', `webgpu: upload of ${describe(data)} does not fill shape ${shapeToString(shape)} (${sizeOf(shape)} float values)`);
      }
      return ctx.upload(values instanceof Float32Array ? values : Float32Array.from(values), shape);
    },
    read: (t) => ctx.read(t),
    readSync(t) {
      throw new TinyconvError('E_UNSUPPORTED', `webgpu: tensor ${shapeToString(t.shape)} lives in GPU memory and cannot be read synchronously; use \`await t.data()\` instead of dataSync()`);
    },
    release: (t) => ctx.release(t),
    flush() {
      ctx.alive('flush');
      return ctx.submit();
    },
    dispose: () => ctx.dispose(),
  };
  ctx.backend = backend;
  return backend;
}

function describe(v: unknown): string {
  if (v === null || typeof v !== 'object') return String(v);
  const n = (v as { length?: unknown }).length;
  return `${(v as object).constructor?.name ?? 'an object'}${typeof n === 'number' ? ` of ${n} values` : ''}`;
}
