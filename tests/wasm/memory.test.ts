import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.js';
import { Tensor } from '../../src/core/tensor.js';
import { runOp } from '../../src/core/engine.js';
import { PAGE_BYTES, WasmHeap } from '../../src/backends/wasm/memory.js';
import { createWasmBackend } from '../../src/backends/wasm/backend.js';
import { BUILT, requireBuilt } from '../util/built.js';

describe('WasmHeap', () => {
  const heapOf = (pages = 1, maxBytes?: number) => new WasmHeap(new WebAssembly.Memory({ initial: pages }), 40, maxBytes);

  it('hands out 16-byte aligned, non-overlapping blocks above the base', () => {
    const h = heapOf();
    const a = h.alloc(1), b = h.alloc(17), c = h.alloc(0), d = h.alloc(64);
    expect([a, b, c, d]).toEqual([48, 64, 96, 112]); // base 40 rounds up to 48; sizes 16, 32, 16, 64
    expect(h.stats()).toMatchObject({ blocks: 4, usedBytes: 128, top: 176 });
  });

  it('reuses a freed block for a request that fits, and returns the rest to the free lists', () => {
    const h = heapOf();
    const a = h.alloc(256), guard = h.alloc(16);
    h.free(a);
    const b = h.alloc(100); // 112 bytes from the front of a's 256
    const c = h.alloc(144); // exactly the remainder
    expect([b, c]).toEqual([a, a + 112]);
    expect(h.stats()).toMatchObject({ freeBytes: 0, top: guard + 16 });
  });

  it('coalesces free neighbours on both sides and lowers the top', () => {
    const h = heapOf();
    const [a, b, c, d] = [h.alloc(32), h.alloc(48), h.alloc(64), h.alloc(16)];
    h.free(a);
    h.free(c);
    expect(h.stats().freeBytes).toBe(96);
    h.free(b); // joins a and c into one block of 144
    expect(h.stats().freeBytes).toBe(144);
    expect(h.alloc(144)).toBe(a);
    h.free(a);
    h.free(d); // the last block: everything merges back into the top
    expect(h.stats()).toMatchObject({ blocks: 0, freeBytes: 0, usedBytes: 0, top: 48 });
  });

  it('survives random use: blocks never overlap and the accounting adds up', () => {
    const h = heapOf(1);
    const rng = new Rng(5);
    const live = new Map<number, number>();
    for (let step = 0; step < 3000; step++) {
      if (live.size > 0 && rng.next() < 0.45) {
        const ptrs = [...live.keys()];
        const p = ptrs[rng.int(ptrs.length)]!;
        h.free(p);
        live.delete(p);
      } else {
        const bytes = rng.next() < 0.1 ? rng.int(70000) : rng.int(600);
        const p = h.alloc(bytes);
        expect(p % 16).toBe(0);
        live.set(p, Math.max(16, Math.ceil(bytes / 16) * 16));
      }
    }
    const sorted = [...live].sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]![0]).toBeGreaterThanOrEqual(sorted[i - 1]![0] + sorted[i - 1]![1]);
    const s = h.stats();
    const used = sorted.reduce((t, [, n]) => t + n, 0);
    expect(s.usedBytes).toBe(used);
    expect(s.top).toBeLessThanOrEqual(s.memoryBytes);
    expect(s.usedBytes + s.freeBytes).toBe(s.top - 48);
    for (const p of live.keys()) h.free(p);
    expect(h.stats()).toMatchObject({ blocks: 0, freeBytes: 0, top: 48 });
  });

  it('grows the memory, and its views see the new size', () => {
    const h = heapOf(1);
    const a = h.alloc(1000);
    h.f32().fill(7, a / 4, a / 4 + 250);
    const big = h.alloc(3 * PAGE_BYTES);
    expect(h.memory.buffer.byteLength).toBeGreaterThanOrEqual(big + 3 * PAGE_BYTES);
    expect(h.f32().length * 4).toBe(h.memory.buffer.byteLength);
    expect([...h.f32().subarray(a / 4, a / 4 + 250)]).toEqual(new Array(250).fill(7));
  });

  it('raises E_MEMORY at the memory maximum and at the 4 GiB limit of wasm32', () => {
    const h = heapOf(1, 2 * PAGE_BYTES);
    h.alloc(PAGE_BYTES);
    expect(() => h.alloc(PAGE_BYTES, 'a tensor [128, 128]')).toThrow(/E_MEMORY.*a tensor \[128, 128\].*maximum of 0\.1 MiB/);
    const big = heapOf(1);
    expect(() => big.alloc(2 ** 32, 'a tensor [1073741824]')).toThrow(/E_MEMORY.*the 4 GiB limit of wasm32 memory/);
    expect(() => big.alloc(-1)).toThrow(/E_ARG.*non-negative integer/);
  });

  it('raises E_BACKEND on freeing an address twice or one it never gave', () => {
    const h = heapOf();
    const a = h.alloc(64);
    h.free(a);
    expect(() => h.free(a)).toThrow(/E_BACKEND.*not a live block/);
    expect(() => h.free(12345)).toThrow(/E_BACKEND/);
  });
});

describe('wasm tensors', () => {
  requireBuilt(BUILT.wasm);
  const url = new URL('./', BUILT.wasm);
  const made: { dispose(): void }[] = [];
  afterAll(() => made.forEach((b) => b.dispose()));

  it('keep their values when the memory grows under them', async () => {
    const be = await createWasmBackend({ threads: 1, relaxed: false, url });
    made.push(be);
    const values = Float32Array.from({ length: 1000 }, (_, i) => i * 0.5 - 3);
    const t = be.upload(values, [10, 100]);
    const before = be.diagnostics.memory.memoryBytes;
    const big = be.upload(new Float32Array(2 ** 20), [2 ** 20]); // 4 MiB: the memory must grow
    expect(be.diagnostics.memory.memoryBytes).toBeGreaterThan(before);
    expect(t.dataSync()).toEqual(values);
    // Kernels read the right bytes too.
    const y = runOp('activation', [t], { kind: 'relu' }, be).y;
    expect(y.dataSync()).toEqual(values.map((v) => (v > 0 ? v : 0)));
    big.dispose();
  });

  it('give their memory back on dispose, for the next tensors to reuse', async () => {
    const be = await createWasmBackend({ threads: 1, relaxed: false, url });
    made.push(be);
    const base = be.diagnostics.memory;
    const a = be.upload(new Float32Array(4096), [4096]);
    const b = be.upload(new Float32Array(100), [100]);
    expect(be.diagnostics.memory.blocks).toBe(base.blocks + 2);
    const ptrA = be.runtime.ptr(a);
    a.dispose();
    a.dispose(); // idempotent
    expect(be.diagnostics.memory.blocks).toBe(base.blocks + 1);
    expect(be.runtime.ptr(be.upload(new Float32Array(4000), [4000]))).toBe(ptrA);
    expect(() => a.dataSync()).toThrow(/E_DISPOSED/);
    b.dispose();
  });

  it('free packed weights with their tensor, and on invalidate', async () => {
    const be = await createWasmBackend({ threads: 1, relaxed: false, url });
    made.push(be);
    const rt = be.runtime;
    const w = be.upload(new Float32Array([1, 2, 3, 4]), [4]);
    const blocks = () => be.diagnostics.memory.blocks;
    const n0 = blocks();
    let packs = 0;
    const pack = (dst: number) => {
      packs++;
      new Float32Array(rt.memory.buffer, dst, 4).set([4, 3, 2, 1]);
    };
    const p = rt.packed(w, 'reversed', 16, pack);
    expect(rt.packed(w, 'reversed', 16, pack)).toBe(p);
    expect(packs).toBe(1);
    expect([...new Float32Array(rt.memory.buffer, p, 4)]).toEqual([4, 3, 2, 1]);
    expect(blocks()).toBe(n0 + 1);
    rt.invalidate(w);
    expect(blocks()).toBe(n0);
    rt.packed(w, 'reversed', 16, pack);
    expect(packs).toBe(2);
    w.dispose();
    expect(blocks()).toBe(n0 - 1);
  });

  it('reject shapes and values that do not match, tensors of other backends, use after the backend is disposed', async () => {
    const be = await createWasmBackend({ threads: 1, relaxed: false, url });
    expect(() => be.upload(new Float32Array(5), [2, 3])).toThrow(/E_SHAPE.*wasm: upload of Float32Array of 5 values does not fill shape \[2, 3\] \(6 float values\)/);
    expect(() => be.runtime.ptr(Tensor.from([1], [1]))).toThrow(/E_BACKEND.*lives on backend reference, not on this one/);
    expect(() => be.runtime.scratch(64)).toThrow(/E_BACKEND.*scratch memory is for kernel calls in progress/);
    const t = be.upload(new Float32Array(3), [3]);
    be.dispose();
    expect(() => t.dataSync()).toThrow(/E_BACKEND.*after the backend was disposed/);
    expect(() => runOp('activation', [t], { kind: 'relu' }, be)).toThrow(/E_BACKEND.*after the backend was disposed/);
    t.dispose(); // still fine: nothing left to free
  });
});
