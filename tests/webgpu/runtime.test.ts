import { afterAll, describe, expect, it } from 'vitest';
import { TinyconvError } from '../../src/core/errors.js';
import { runOp } from '../../src/core/engine.js';
import { createWebGPUBackend, type WebGPUBackend } from '../../src/backends/webgpu/backend.js';
import { sizeClass } from '../../src/backends/webgpu/buffer-pool.js';
import { grid2d } from '../../src/backends/webgpu/grid.js';
import { testWebGPU } from '../util/webgpu.js';

const gpu = await testWebGPU();
afterAll(() => gpu?.dispose());

const ramp = (n: number, k = 1): Float32Array => Float32Array.from({ length: n }, (_, i) => k * (i - n / 3));

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('size classes and grids (no device)', () => {
  it('size classes are at least the request, within a quarter octave, multiples of 64', () => {
    for (const n of [1, 255, 256, 257, 1000, 4096, 4097, 123457, 1 << 24, (1 << 24) + 1]) {
      const c = sizeClass(n);
      expect(c).toBeGreaterThanOrEqual(n);
      expect(c % 64).toBe(0);
      if (n > 256) expect(c).toBeLessThanOrEqual(n * 1.25 + 64);
    }
    expect(sizeClass(1000)).toBe(sizeClass(1024));
  });

  it('2D grids cover every workgroup within the per-dimension limit', () => {
    for (const [groups, max] of [[10, 4], [65535, 65535], [65536, 65535], [200001, 65535], [7, 7]] as const) {
      const [x, y, z] = grid2d(groups, max);
      expect(x).toBeLessThanOrEqual(max);
      expect(y).toBeLessThanOrEqual(max);
      expect(z).toBe(1);
      expect(x * y).toBeGreaterThanOrEqual(groups);
      expect(x * (y - 1)).toBeLessThan(groups); // no row entirely idle
    }
    expect(() => grid2d(17, 4)).toThrow(RangeError);
  });
});

describe('acquisition errors', () => {
  it('E_BACKEND naming navigator.gpu when WebGPU is absent', async () => {
    const nav = globalThis.navigator as { gpu?: GPU };
    const saved = Object.getOwnPropertyDescriptor(nav, 'gpu');
    Object.defineProperty(nav, 'gpu', { value: undefined, configurable: true });
    try {
      const e = await rejection(createWebGPUBackend());
      expect(e).toBeInstanceOf(TinyconvError);
      expect((e as TinyconvError).code).toBe('E_BACKEND');
      expect((e as TinyconvError).message).toMatch(/navigator\.gpu is missing/);
    } finally {
      if (saved) Object.defineProperty(nav, 'gpu', saved);
      else delete nav.gpu;
    }
  });

  it('E_BACKEND naming the adapter when requestAdapter() finds none', async () => {
    const nav = globalThis.navigator as { gpu?: unknown };
    const saved = Object.getOwnPropertyDescriptor(nav, 'gpu');
    Object.defineProperty(nav, 'gpu', { value: { requestAdapter: async () => null }, configurable: true });
    try {
      const e = (await rejection(createWebGPUBackend())) as TinyconvError;
      expect(e.code).toBe('E_BACKEND');
      expect(e.message).toMatch(/no WebGPU adapter/);
    } finally {
      if (saved) Object.defineProperty(nav, 'gpu', saved);
      else delete nav.gpu;
    }
  });

  it('E_ARG for unknown options', async () => {
    const e = (await rejection(createWebGPUBackend({ threads: 2 } as never))) as TinyconvError;
    expect(e.code).toBe('E_ARG');
    expect(e.message).toMatch(/unknown option "threads"/);
  });
});

describe.runIf(gpu)('runtime on a device', () => {
  const be = gpu as WebGPUBackend;

  it('reuses a released buffer of the same size class', async () => {
    const a = be.upload(ramp(300), [300]);
    await a.data(); // nothing pending: the release below frees at once
    const before = be.diagnostics.runtime.buffers;
    a.dispose();
    const b = be.upload(ramp(290, 2), [290]); // 1160 bytes: the same class as 1200
    const after = be.diagnostics.runtime.buffers;
    expect(after.created).toBe(before.created);
    expect(after.reused).toBe(before.reused + 1);
    expect(Array.from(await b.data())).toEqual(Array.from(ramp(290, 2)));
    b.dispose();
  });

  it('never hands a buffer the pending encoder reads to an upload (write-after-pending-read)', async () => {
    const n = 64;
    const x = be.upload(ramp(n), [n]);
    await be.flush();
    const y = runOp('activation', [x], { kind: 'relu' }, be).y; // recorded, reads x's buffer later
    x.dispose();
    expect(be.diagnostics.runtime.buffers.quarantined).toBeGreaterThanOrEqual(1);
    // Same size class: without the quarantine this upload would take x's buffer and its
    // queue write would land before the relu reads it.
    const z = be.upload(new Float32Array(n).fill(-1e6), [n]);
    const got = await y.data();
    expect(Array.from(got)).toEqual(Array.from(ramp(n), (v) => Math.max(v, 0)));
    expect(be.diagnostics.runtime.buffers.quarantined).toBe(0);
    expect(Array.from(await z.data())).toEqual(new Array(n).fill(-1e6));
    y.dispose();
    z.dispose();
  });

  it('records many kernels into one submission with one readback (uniform slots never shared)', async () => {
    const n = 10;
    const start = Float32Array.from({ length: n }, (_, i) => i - 4); // integers: exact in float32
    let t = be.upload(start, [n]);
    const one = be.upload(new Float32Array(n).fill(1), [n]);
    await be.flush();
    const submits = be.diagnostics.runtime.submits;
    // 150 dispatches span three uniform chunks of 64 slots; each add needs its own sizes.
    for (let i = 0; i < 150; i++) {
      const next = runOp('add', [t, i % 2 ? one : be.upload(new Float32Array([2]), [1])], {}, be).y;
      t.dispose();
      t = next;
    }
    expect(be.diagnostics.runtime.pendingDispatches).toBe(150);
    const got = await t.data();
    expect(be.diagnostics.runtime.submits).toBe(submits + 1);
    expect(Array.from(got)).toEqual(Array.from(start, (v) => v + 75 * 1 + 75 * 2));
  });

  it('caches pipelines by load-time constants, not by sizes', async () => {
    const s0 = be.diagnostics.runtime.pipelines;
    const ys = [
      runOp('activation', [be.upload(ramp(5), [5])], { kind: 'elu' }, be).y,
      runOp('activation', [be.upload(ramp(700), [7, 100])], { kind: 'elu', alpha: 0.5 }, be).y,
      runOp('activation', [be.upload(ramp(33), [33])], { kind: 'elu' }, be).y,
    ];
    const s1 = be.diagnostics.runtime.pipelines;
    expect(s1.misses - s0.misses).toBeLessThanOrEqual(1); // elu may already be cached
    expect(s1.hits - s0.hits).toBeGreaterThanOrEqual(2);
    runOp('activation', [be.upload(ramp(5), [5])], { kind: 'hard_swish' }, be);
    runOp('activation', [be.upload(ramp(5), [5])], { kind: 'hard_swish' }, be);
    const s2 = be.diagnostics.runtime.pipelines;
    expect(s2.pipelines).toBeGreaterThanOrEqual(s1.pipelines);
    expect(s2.hits - s1.hits).toBeGreaterThanOrEqual(1);
    for (const y of ys) await y.data();
  });

  it('readSync throws E_UNSUPPORTED naming await t.data()', () => {
    const t = be.upload(ramp(4), [4]);
    const e = thrown(() => t.dataSync()) as TinyconvError;
    expect(e.code).toBe('E_UNSUPPORTED');
    expect(e.message).toMatch(/await t\.data\(\)/);
  });

  it('keeps every workgroup within the device limit, and splits large grids', async () => {
    // bias_grad over 70000 channels: one workgroup per channel, more than 65535 in one dimension.
    const c = 70000;
    const dy = Float32Array.from({ length: 2 * c }, (_, i) => (i % 7) - 3 + i / (2 * c));
    const g = await runOp('bias_add', [be.upload(new Float32Array(2 * c), [2, c]), be.upload(new Float32Array(c), [c])], {}, be).y.data();
    expect(g.length).toBe(2 * c);
    const x = be.upload(dy, [2, c]);
    const { kernels } = be;
    const [db] = kernels.bias_grad!([x], {}, be);
    const got = await db!.data();
    for (const j of [0, 1, 65534, 65535, 65536, c - 1]) expect(got[j]).toBeCloseTo(dy[j]! + dy[c + j]!, 4);
    const limit = be.device.limits.maxComputeInvocationsPerWorkgroup;
    const sizes = [...(be.runtime as unknown as { pipelines: { invocations: Map<string, number> } }).pipelines.invocations.values()];
    expect(sizes.length).toBeGreaterThan(0);
    for (const s of sizes) expect(s).toBeLessThanOrEqual(limit);
  });
});

describe.runIf(gpu)('device loss and dispose', () => {
  it('a lost device raises E_BACKEND from kernels, uploads and reads, and fires onLost once', async () => {
    const be = await createWebGPUBackend();
    const events: TinyconvError[] = [];
    const heard = new Promise<void>((resolve) => be.onLost((e) => (events.push(e), resolve())));
    const x = be.upload(ramp(8), [8]);
    const pending = runOp('activation', [x], { kind: 'relu' }, be).y;
    be.device.destroy();
    await heard;
    expect(events).toHaveLength(1);
    expect(events[0]!.code).toBe('E_BACKEND');
    expect(be.lost?.message).toMatch(/device lost/);
    const k = thrown(() => runOp('activation', [x], { kind: 'relu' }, be)) as TinyconvError;
    expect(k.code).toBe('E_BACKEND');
    expect(k.message).toMatch(/device lost/);
    expect((thrown(() => be.upload(ramp(2), [2])) as TinyconvError).code).toBe('E_BACKEND');
    const r = (await rejection(pending.data())) as TinyconvError;
    expect(r.code).toBe('E_BACKEND');
    expect(r.message).toMatch(/device lost/);
    be.dispose();
  });

  it('dispose() frees the device without reporting a loss; later use is E_BACKEND', async () => {
    const be = await createWebGPUBackend();
    let lost = 0;
    be.onLost(() => lost++);
    const x = be.upload(ramp(8), [8]);
    await x.data();
    be.dispose();
    be.dispose(); // idempotent
    await new Promise((r) => setTimeout(r, 20));
    expect(lost).toBe(0);
    const e = thrown(() => be.upload(ramp(2), [2])) as TinyconvError;
    expect(e.code).toBe('E_BACKEND');
    expect(e.message).toMatch(/disposed/);
    x.dispose(); // releasing after dispose is harmless
  });
});
