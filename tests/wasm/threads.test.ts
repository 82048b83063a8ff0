import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TinyconvError } from '../../src/core/errors.js';
import { createWasmBackend, type WasmBackend } from '../../src/backends/wasm/backend.js';
import { WasmHeap } from '../../src/backends/wasm/memory.js';
import { ThreadPool } from '../../src/backends/wasm/threads.js';
import { BUILT, requireBuilt } from '../util/built.js';

requireBuilt(BUILT.wasm, BUILT.bundle);
const url = new URL('./', BUILT.wasm);
const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

/**
 * Runs runtime_mark over [0, total) and returns, per index, how many times it was computed and
 * by which worker.
 */
function mark(be: WasmBackend, total: number, grain: number): { counts: Int32Array; owner: Int32Array } {
  const rt = be.runtime;
  const counts = be.upload(new Float32Array(total), [total]); // zero bits: i32 zeros
  const owner = be.upload(new Float32Array(total).fill(-1), [total]);
  new Int32Array(rt.memory.buffer, rt.ptr(owner), total).fill(-1);
  rt.run('runtime_mark', [rt.ptr(counts), rt.ptr(owner)], total, grain);
  const out = {
    counts: new Int32Array(rt.memory.buffer, rt.ptr(counts), total).slice(),
    owner: new Int32Array(rt.memory.buffer, rt.ptr(owner), total).slice(),
  };
  counts.dispose();
  owner.dispose();
  return out;
}

describe('the thread pool', () => {
  let be: WasmBackend;
  beforeAll(async () => {
    be = await createWasmBackend({ threads: 3, relaxed: false, url });
  });
  afterAll(() => be.dispose());

  it('runs on three threads and says so', () => {
    expect(be.name).toBe('wasm-mt');
    expect(be.diagnostics).toMatchObject({ build: 'tinyconv-mt.wasm', threads: 3, threadsRequested: 3, threadsReason: '3 threads requested' });
    expect(be.runtime.threads).toBe(3);
  });

  it.each([
    [1, 1], [2, 1], [3, 1], [7, 1], [64, 4], [1000, 1], [1001, 100], [999, 1000], [100_003, 16],
  ])('computes every index of [0, %i) exactly once, in contiguous chunks of whole %i-grains', (total, grain) => {
    const { counts, owner } = mark(be, total, grain);
    expect(counts.every((c) => c === 1)).toBe(true);
    const parts = Math.min(3, Math.ceil(total / grain));
    // Chunks in worker order, the caller (worker 0) first, each starting on a grain boundary.
    const starts = [0];
    for (let i = 1; i < total; i++) {
      if (owner[i] !== owner[i - 1]) {
        expect(owner[i]).toBe(owner[i - 1]! + 1);
        expect(i % grain).toBe(0);
        starts.push(i);
      }
    }
    expect(starts.length).toBe(parts);
    expect(owner[0]).toBe(0);
  });

  it('workers see memory the caller grew after they started', () => {
    const before = be.diagnostics.memory.memoryBytes;
    const total = 3 << 20; // two 12 MiB arrays: far past the memory the pool started with
    const { counts, owner } = mark(be, total, 1024);
    expect(be.diagnostics.memory.memoryBytes).toBeGreaterThan(before);
    expect(counts.every((c) => c === 1)).toBe(true);
    expect(owner[total - 1]).toBe(2);
  });

  it('raises a TinyconvError on the caller when a kernel traps in a worker, then keeps working', () => {
    const rt = be.runtime;
    const err = (() => {
      try {
        rt.run('runtime_trap', [2500], 3000, 1); // chunks [0, 1000), [1000, 2000), [2000, 3000)
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(TinyconvError);
    expect((err as TinyconvError).code).toBe('E_BACKEND');
    expect((err as Error).message).toMatch(/wasm kernel runtime_trap in worker 2: .*unreachable/);
    expect((err as TinyconvError).details).toMatchObject({ kernel: 'runtime_trap', worker: 2 });
    expect(() => rt.run('runtime_trap', [10], 3000, 1)).toThrow(/E_BACKEND.*wasm kernel runtime_trap failed: .*unreachable/);
    expect(mark(be, 3000, 1).counts.every((c) => c === 1)).toBe(true);
    expect(be.runtime.threads).toBe(3);
  });

  it('rejects a kernel the module lacks', () => {
    expect(() => be.runtime.run('no_such_kernel', [], 10)).toThrow(/E_BACKEND.*no_such_kernel is not in this module/);
  });
});

describe('guards', () => {
  it('takes over the chunk of a worker that never claims it, then runs single-threaded', async () => {
    const module = await WebAssembly.compile(readFileSync(new URL('tinyconv-mt.wasm', url)));
    const memory = new WebAssembly.Memory({ initial: 16, maximum: 32768, shared: true } as WebAssembly.MemoryDescriptor);
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    const exports = instance.exports as unknown as Record<string, (...a: number[]) => number>;
    const heap = new WasmHeap(memory, exports.heap_base!());
    const pool = await ThreadPool.start({ module, memory, heap, exports, threads: 2, workerUrl: fixture('stuck-worker.js'), ackTimeoutMs: 200 });
    const counts = heap.allocZeroed(400), owner = heap.allocZeroed(400);
    const t0 = Date.now();
    pool.run('runtime_mark', [counts, owner], 100, 1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    expect([...new Int32Array(memory.buffer, counts, 100)].every((c) => c === 1)).toBe(true);
    expect(pool.retiredBecause).toMatch(/worker 1 did not pick up a kernel \(runtime_mark\) within 0.2 s/);
    expect(pool.threads).toBe(1);
    pool.run('runtime_mark', [counts, owner], 100, 1); // now on the caller alone, at once
    expect([...new Int32Array(memory.buffer, counts, 100)].every((c) => c === 2)).toBe(true);
    pool.dispose();
  });

  it('fails to start with explicit threads, and falls back with a reason for auto, when workers cannot start', async () => {
    const workerUrl = fixture('missing-worker.js');
    await expect(createWasmBackend({ threads: 2, relaxed: false, url, workerUrl })).rejects.toThrow(/E_BACKEND.*worker 1 .*missing-worker\.js.* did not start/);
    if (availableParallelism() > 1) {
      const be = await createWasmBackend({ threads: 'auto', relaxed: false, url, workerUrl });
      expect(be.diagnostics.threads).toBe(1);
      expect(be.diagnostics.threadsReason).toMatch(/^single-threaded: .*did not start/);
      expect(be.name).toBe('wasm');
      be.dispose();
    }
  });

  it('runs single-threaded without SharedArrayBuffer, saying why; explicit threads fail', async () => {
    const sab = globalThis.SharedArrayBuffer;
    try {
      (globalThis as { SharedArrayBuffer?: unknown }).SharedArrayBuffer = undefined;
      const be = await createWasmBackend({ relaxed: false, url });
      expect(be.diagnostics).toMatchObject({ threads: 1, build: 'tinyconv.wasm' });
      expect(be.diagnostics.threadsReason).toMatch(/single-threaded: SharedArrayBuffer is not available/);
      be.dispose();
      await expect(createWasmBackend({ threads: 4, url })).rejects.toThrow(/E_BACKEND.*4 threads requested, but SharedArrayBuffer is not available/);
    } finally {
      globalThis.SharedArrayBuffer = sab;
    }
  });

  it('stops after dispose: the backend refuses work and its pool is gone', async () => {
    const be = await createWasmBackend({ threads: 2, relaxed: false, url });
    expect(be.runtime.threads).toBe(2);
    be.dispose();
    be.dispose();
    expect(be.runtime.threads).toBe(1);
    expect(() => be.runtime.run('runtime_trap', [-1], 10)).toThrow(/E_BACKEND.*after the backend was disposed/);
  });

  it('does not keep Node alive once the program is done, even without dispose()', async () => {
    const t0 = Date.now();
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [fileURLToPath(fixture('exit-without-dispose.mjs'))], { timeout: 20_000 }, (e, stdout, stderr) =>
        e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    expect(out.trim()).toBe('threads 2');
    expect(Date.now() - t0).toBeLessThan(15_000);
  });
});
