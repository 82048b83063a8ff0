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
  ])('computes every index of [0, %i) exactly once, in chunks of whole %i-grains', (total, grain) => {
    const { counts, owner } = mark(be, total, grain);
    expect(counts.every((c) => c === 1)).toBe(true);
    // Chunks are claimed by whichever thread comes first; each starts on a grain boundary.
    for (let i = 1; i < total; i++) if (owner[i] !== owner[i - 1]) expect(i % grain).toBe(0);
    expect(owner.every((o) => o >= 0 && o < 3)).toBe(true);
    if (Math.ceil(total / grain) === 1) expect(owner.every((o) => o === 0)).toBe(true);
  });

  it('shares a large range among the threads, in a few chunks per thread', () => {
    const total = 1 << 20;
    let spread = false;
    // A worker may lose its core on a busy machine; then the caller takes its share.
    for (let attempt = 0; attempt < 100 && !spread; attempt++) {
      const { counts, owner } = mark(be, total, 1024);
      expect(counts.every((c) => c === 1)).toBe(true);
      let chunks = 1;
      for (let i = 1; i < total; i++) if (owner[i] !== owner[i - 1]) chunks++;
      expect(chunks).toBeLessThanOrEqual(4 * 3 * 2);
      spread = new Set(owner).size > 1;
    }
    expect(spread).toBe(true);
  });

  it('workers see memory the caller grew after they started', () => {
    const before = be.diagnostics.memory.memoryBytes;
    const total = 3 << 20; // two 12 MiB arrays: far past the memory the pool started with
    const { counts, owner } = mark(be, total, 1024);
    expect(be.diagnostics.memory.memoryBytes).toBeGreaterThan(before);
    expect(counts.every((c) => c === 1)).toBe(true);
    expect(owner.every((o) => o >= 0 && o < 3)).toBe(true);
  });

  it('raises a TinyconvError on the caller when a kernel traps, in a worker or on the caller, then keeps working', () => {
    const rt = be.runtime;
    const seen = new Set<string>();
    // Which thread computes index 2500 depends on who claims it first: try until both paths ran.
    for (let attempt = 0; attempt < 200 && seen.size < 2; attempt++) {
      const err = (() => {
        try {
          rt.run('runtime_trap', [2500], 3000, 1);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(TinyconvError);
      expect((err as TinyconvError).code).toBe('E_BACKEND');
      const m = /wasm kernel runtime_trap in worker ([12]): .*unreachable/.exec((err as Error).message);
      if (m) {
        expect((err as TinyconvError).details).toMatchObject({ kernel: 'runtime_trap', worker: Number(m[1]) });
        seen.add('worker');
      } else {
        expect((err as Error).message).toMatch(/wasm kernel runtime_trap failed: .*unreachable/);
        seen.add('caller');
      }
      expect(mark(be, 3000, 1).counts.every((c) => c === 1)).toBe(true);
    }
    // The caller usually drains so cheap a range before a worker wakes: either path must report well.
    expect(seen.size).toBeGreaterThan(0);
    expect(() => rt.run('runtime_trap', [0], 1, 1)).toThrow(/E_BACKEND.*wasm kernel runtime_trap failed: .*unreachable/);
    expect(mark(be, 3000, 1).counts.every((c) => c === 1)).toBe(true);
    expect(be.runtime.threads).toBe(3);
  });

  it('rejects a kernel the module lacks', () => {
    expect(() => be.runtime.run('no_such_kernel', [], 10)).toThrow(/E_BACKEND.*no_such_kernel is not in this module/);
  });
});

describe('guards', () => {
  it('does not wait for a worker that never claims its job, and retires the pool once it stays away', async () => {
    const module = await WebAssembly.compile(readFileSync(new URL('tinyconv-mt.wasm', url)));
    const memory = new WebAssembly.Memory({ initial: 16, maximum: 32768, shared: true } as WebAssembly.MemoryDescriptor);
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    const exports = instance.exports as unknown as Record<string, (...a: number[]) => number>;
    const heap = new WasmHeap(memory, exports.heap_base!());
    const pool = await ThreadPool.start({ module, memory, heap, exports, threads: 2, workerUrl: fixture('stuck-worker.js'), ackTimeoutMs: 200 });
    const counts = heap.allocZeroed(400), owner = heap.allocZeroed(400);
    const t0 = Date.now();
    let runs = 0;
    while (pool.retiredBecause === null && Date.now() - t0 < 5000) {
      const t = Date.now();
      pool.run('runtime_mark', [counts, owner], 100, 1);
      runs++;
      expect(Date.now() - t).toBeLessThan(100); // the caller computes everything at once
      expect([...new Int32Array(memory.buffer, counts, 100)].every((c) => c === runs)).toBe(true);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    expect(pool.retiredBecause).toMatch(/worker 1 did not pick up a kernel \(runtime_mark\) within 0.2 s/);
    expect(pool.threads).toBe(1);
    pool.run('runtime_mark', [counts, owner], 100, 1); // now on the caller alone
    expect([...new Int32Array(memory.buffer, counts, 100)].every((c) => c === runs + 1)).toBe(true);
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
