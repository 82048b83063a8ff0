import type { Backend } from '../../core/backend.js';
import { TinyconvError } from '../../core/errors.js';
import { type Shape, shapeToString, sizeOf } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';
import { BufferPool, type PoolStats } from './buffer-pool.js';
import { messageOf } from './device.js';
import { grid2d } from './grid.js';
import { type Constants, PipelineCache, type PipelineStats } from './pipelines.js';
import type { ProgramName } from './programs.js';
import { UniformArena } from './uniforms.js';

/** A WebGPU tensor's storage: a pooled storage buffer (its size class may exceed the tensor). */
export class GpuStorage {
  constructor(readonly buffer: GPUBuffer) {}
  live = true;
}

/** What kernel bindings (src/backends/webgpu/kernels/) program against. */
export interface GpuRuntime {
  readonly device: GPUDevice;
  readonly limits: GPUSupportedLimits;
  /** Invocations per workgroup of one-dimensional kernels (element-wise, reductions). */
  readonly wg: number;
  /** A small zeroed buffer bound where a variant leaves a binding unused (a conv without bias). */
  readonly dummy: GPUBuffer;
  /** A new tensor on this backend; its buffer's contents are undefined until a kernel writes them. */
  tensor(shape: Shape): Tensor;
  buffer(t: Tensor): GPUBuffer;
  /**
   * Appends a dispatch to the pending encoder: uniform block `uniforms` at binding 0 (u32 words,
   * floats via f32bits), `buffers` at bindings 1, 2, ... `invocations` is the entry point's
   * workgroup size, checked against the device's limit.
   */
  dispatch(program: ProgramName, entry: string, constants: Constants, invocations: number, buffers: readonly GPUBuffer[], uniforms: ArrayLike<number>, groups: readonly [number, number, number]): void;
  /** A one-dimensional dispatch of `n` invocations in workgroups of `wg` (constant WG). */
  dispatch1d(program: ProgramName, entry: string, constants: Constants, buffers: readonly GPUBuffer[], uniforms: ArrayLike<number>, n: number): void;
  /** Appends a copy of `bytes` bytes from one tensor's buffer to another's. */
  copy(src: Tensor, dst: Tensor, bytes: number): void;
}

export interface RuntimeStats {
  buffers: PoolStats;
  pipelines: PipelineStats;
  /** Command buffers submitted (one per read, plus explicit flushes). */
  submits: number;
  /** Dispatches in the encoder now pending. */
  pendingDispatches: number;
}

/** Kernel names kept per encoder for error messages. */
const NAMED_KERNELS = 16;

/**
 * The device-side machinery of the WebGPU backend (docs/webgpu.md): storage buffers from a pool,
 * one pending command encoder that kernels append compute passes to, submitted when a tensor is
 * read, uniforms from an arena, pipelines from a cache, and device-loss bookkeeping.
 */
export class GpuContext implements GpuRuntime {
  readonly limits: GPUSupportedLimits;
  readonly wg: number;
  readonly dummy: GPUBuffer;
  readonly pipelines: PipelineCache;
  readonly #storage: BufferPool;
  readonly #staging: BufferPool;
  readonly #uniforms: UniformArena;
  #encoder: GPUCommandEncoder | null = null;
  #pass: GPUComputePassEncoder | null = null;
  #kernels: string[] = [];
  #dispatches = 0;
  #submits = 0;
  #uncaptured: string | null = null;
  #lost: TinyconvError | null = null;
  #disposed = false;
  readonly #listeners = new Set<(e: TinyconvError) => void>();
  /** Every live storage, so dispose() can free a device it does not own. */
  readonly #live = new Set<GpuStorage>();
  readonly #collected = new FinalizationRegistry<GpuStorage>((s) => this.#free(s));
  /** The backend tensors are made for; set once by the backend. */
  backend!: Backend;

  constructor(
    readonly device: GPUDevice,
    private readonly owned: boolean,
  ) {
    this.limits = device.limits;
    this.wg = Math.min(256, this.limits.maxComputeInvocationsPerWorkgroup, this.limits.maxComputeWorkgroupSizeX);
    this.pipelines = new PipelineCache(device);
    this.#storage = new BufferPool(device, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, 'tinyconv tensor');
    this.#staging = new BufferPool(device, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, 'tinyconv readback', 64 * 1024 * 1024);
    this.#uniforms = new UniformArena(device);
    this.dummy = device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE, label: 'tinyconv unused binding' });
    device.lost.then((info) => this.#onLost(info));
    device.addEventListener('uncapturederror', (ev) => {
      this.#uncaptured ??= (ev as GPUUncapturedErrorEvent).error.message;
    });
  }

  get name(): string {
    return this.backend.name;
  }

  /** The loss, once the device is lost (null before). */
  get lost(): TinyconvError | null {
    return this.#lost;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  onLost(listener: (e: TinyconvError) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Throws unless the backend can take work: not disposed, device not lost. */
  alive(what: string): void {
    if (this.#disposed) throw new TinyconvError('E_BACKEND', `webgpu: ${what} after the backend was disposed`);
    if (this.#lost) throw new TinyconvError('E_BACKEND', `webgpu: ${what}: ${this.#lost.message.replace(/^\[E_BACKEND\] webgpu: /, '')}`, this.#lost.details, { cause: this.#lost });
  }

  // ---- tensors

  tensor(shape: Shape): Tensor {
    return this.#newTensor(shape);
  }

  buffer(t: Tensor): GPUBuffer {
    return this.storageOf(t).buffer;
  }

  storageOf(t: Tensor): GpuStorage {
    if (t.backend !== this.backend) throw new TinyconvError('E_BACKEND', `webgpu: tensor ${shapeToString(t.shape)} lives on backend ${t.backend.name}, not on this one`);
    return t.handle as GpuStorage;
  }

  upload(data: Float32Array, shape: Shape): Tensor {
    const t = this.#newTensor(shape);
    if (t.size > 0) this.device.queue.writeBuffer(this.buffer(t), 0, data.buffer, data.byteOffset, t.size * 4);
    return t;
  }

  release(t: Tensor): void {
    const s = this.storageOf(t);
    this.#collected.unregister(s);
    this.#free(s);
  }

  #newTensor(shape: Shape): Tensor {
    const bytes = sizeOf(shape) * 4;
    const max = Math.min(this.limits.maxStorageBufferBindingSize, this.limits.maxBufferSize);
    if (bytes > max) {
      throw new TinyconvError('E_MEMORY', `webgpu: a tensor ${shapeToString(shape)} needs ${bytes} bytes; this device binds at most ${max} bytes per buffer`, { shape, bytes, max });
    }
    const s = new GpuStorage(this.#storage.acquire(bytes, `a tensor ${shapeToString(shape)}`));
    this.#live.add(s);
    const t = new Tensor(shape, this.backend, s);
    this.#collected.register(t, s, s);
    return t;
  }

  #free(s: GpuStorage): void {
    if (!s.live) return;
    s.live = false;
    this.#live.delete(s);
    if (this.#disposed) return;
    // The pending encoder may still read or write it: quarantine until submission (buffer-pool.ts).
    this.#storage.release(s.buffer, this.#encoder !== null);
  }

  // ---- recording

  /** Names the kernel whose dispatches follow (for error messages). */
  beginKernel(name: string): void {
    this.alive(`kernel ${name}`);
    if (this.#kernels.length < NAMED_KERNELS && this.#kernels[this.#kernels.length - 1] !== name) this.#kernels.push(name);
  }

  dispatch(program: ProgramName, entry: string, constants: Constants, invocations: number, buffers: readonly GPUBuffer[], uniforms: ArrayLike<number>, groups: readonly [number, number, number]): void {
    if (invocations > this.limits.maxComputeInvocationsPerWorkgroup) {
      throw new TinyconvError('E_BACKEND', `webgpu: ${program}/${entry} needs ${invocations} invocations per workgroup; the device allows ${this.limits.maxComputeInvocationsPerWorkgroup}`);
    }
    const maxDim = this.limits.maxComputeWorkgroupsPerDimension;
    if (groups.some((g) => g > maxDim)) throw new TinyconvError('E_UNSUPPORTED', `webgpu: ${program}/${entry} needs a grid of ${groups.join(' x ')} workgroups; the device allows ${maxDim} per dimension`);
    if (groups.some((g) => g === 0)) return;
    const pipeline = this.pipelines.get(program, entry, constants, invocations);
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: this.#uniforms.slot(uniforms) }];
    buffers.forEach((buffer, i) => entries.push({ binding: i + 1, resource: { buffer } }));
    const pass = this.#computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries }));
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    this.#dispatches++;
  }

  dispatch1d(program: ProgramName, entry: string, constants: Constants, buffers: readonly GPUBuffer[], uniforms: ArrayLike<number>, n: number): void {
    if (n === 0) return;
    const groups = grid2d(Math.ceil(n / this.wg), this.limits.maxComputeWorkgroupsPerDimension);
    this.dispatch(program, entry, { ...constants, WG: this.wg }, this.wg, buffers, uniforms, groups);
  }

  copy(src: Tensor, dst: Tensor, bytes: number): void {
    if (bytes === 0) return;
    const enc = this.#encoderNow();
    this.#endPass();
    // Copies move whole 4-byte words; pooled buffers are at least 256 bytes, multiples of 64.
    enc.copyBufferToBuffer(this.buffer(src), 0, this.buffer(dst), 0, Math.ceil(bytes / 4) * 4);
  }

  #encoderNow(): GPUCommandEncoder {
    if (!this.#encoder) {
      // Errors raised while this encoder records (validation, out of memory) surface at its submission.
      this.device.pushErrorScope('out-of-memory');
      this.device.pushErrorScope('validation');
      this.#encoder = this.device.createCommandEncoder({ label: 'tinyconv' });
    }
    return this.#encoder;
  }

  #computePass(): GPUComputePassEncoder {
    const enc = this.#encoderNow();
    return (this.#pass ??= enc.beginComputePass());
  }

  #endPass(): void {
    this.#pass?.end();
    this.#pass = null;
  }

  /**
   * Submits the pending encoder (if any). Resolves once the GPU errors of its recording are
   * known; rejects with E_BACKEND naming its kernels when there were some.
   */
  submit(): Promise<void> {
    const enc = this.#encoder;
    if (!enc) return Promise.resolve();
    this.#endPass();
    const kernels = this.#kernels;
    this.#encoder = null;
    this.#kernels = [];
    this.#dispatches = 0;
    this.#uniforms.upload(this.device.queue);
    this.device.queue.submit([enc.finish()]);
    this.#submits++;
    this.#storage.settle();
    this.#uniforms.settle();
    const validation = this.device.popErrorScope();
    const memory = this.device.popErrorScope();
    return Promise.all([validation, memory]).then(([v, m]) => {
      const err = v ?? m;
      if (err) {
        const where = kernels.length ? ` in kernels ${kernels.join(', ')}` : '';
        throw new TinyconvError(m && !v ? 'E_MEMORY' : 'E_BACKEND', `webgpu: GPU error${where}: ${err.message}`, { kernels });
      }
    });
  }

  /** Submits pending work, then copies `t` to the host: one staging buffer, one mapAsync. */
  async read(t: Tensor): Promise<Float32Array> {
    this.alive('read');
    const src = this.buffer(t);
    const bytes = t.size * 4;
    if (bytes === 0) {
      await this.submit();
      return new Float32Array(0);
    }
    const staging = this.#staging.acquire(bytes, `reading a tensor ${shapeToString(t.shape)}`);
    let mapped = false;
    try {
      const enc = this.#encoderNow();
      this.#endPass();
      enc.copyBufferToBuffer(src, 0, staging, 0, bytes);
      const errors = this.submit();
      const map = staging.mapAsync(GPUMapMode.READ, 0, bytes);
      await errors;
      await map;
      mapped = true;
      const out = new Float32Array(staging.getMappedRange(0, bytes).slice(0));
      this.#reportUncaptured();
      return out;
    } catch (e) {
      if (this.#lost) this.alive('read');
      if (e instanceof TinyconvError) throw e;
      throw new TinyconvError('E_BACKEND', `webgpu: reading a tensor ${shapeToString(t.shape)} failed: ${messageOf(e)}`, {}, { cause: e });
    } finally {
      if (mapped) staging.unmap();
      if (!this.#lost && !this.#disposed) this.#staging.release(staging, false);
    }
  }

  #reportUncaptured(): void {
    const msg = this.#uncaptured;
    if (msg === null) return;
    this.#uncaptured = null;
    throw new TinyconvError('E_BACKEND', `webgpu: GPU error outside kernel recording (an upload?): ${msg}`);
  }

  stats(): RuntimeStats {
    return { buffers: this.#storage.stats(), pipelines: this.pipelines.stats(), submits: this.#submits, pendingDispatches: this.#dispatches };
  }

  // ---- lifetime

  #onLost(info: GPUDeviceLostInfo): void {
    if (this.#disposed) return;
    const reason = info.reason === 'destroyed' ? 'the device was destroyed' : `reason ${info.reason}`;
    this.#lost = new TinyconvError('E_BACKEND', `webgpu: device lost (${reason}${info.message ? `: ${info.message}` : ''}); its tensors are gone, create a new backend`, { reason: info.reason, lost: true });
    this.#encoder = null;
    this.#pass = null;
    for (const l of this.#listeners) {
      try {
        l(this.#lost);
      } catch {
        // A failing listener must not keep the others from hearing of the loss.
      }
    }
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.#encoder && !this.#lost) {
      // Balance the error scopes the pending encoder pushed (the device may outlive the backend).
      void this.device.popErrorScope().catch(() => {});
      void this.device.popErrorScope().catch(() => {});
    }
    this.#encoder = null;
    this.#pass = null;
    if (this.owned) {
      this.device.destroy();
    } else {
      for (const s of this.#live) s.buffer.destroy();
      this.#storage.destroyFree();
      this.#staging.destroyFree();
      this.#uniforms.destroy();
      this.dummy.destroy();
    }
    this.#live.clear();
  }
}
