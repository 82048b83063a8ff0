import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runOp } from '../../src/core/engine.js';
import { TinyconvError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/random.js';
import { Tensor, hostBackendOf } from '../../src/core/tensor.js';
import { loadWasmKernels, type WasmKernels } from '../../src/backends/wasm/loader.js';
import { wasmSimdSupported } from '../../src/backends/wasm/simd.js';
import { closeReport } from '../util/close.js';
import { BUILT, requireBuilt } from '../util/built.js';

requireBuilt(BUILT.wasm, BUILT.bundle, BUILT.bundleWasm);
const wasmBytes = readFileSync(BUILT.wasm);

/** The reference backend's activation, the ground truth. */
function reference(kind: string, x: Float32Array, alpha?: number): Float32Array {
  const attrs = alpha === undefined ? { kind } : { kind, alpha };
  return runOp('activation', [Tensor.from(x, [x.length])], attrs, hostBackendOf()).y.dataSync();
}

/** Normal values spread over [-12, 12] so relu6 clamps on both sides, with special values mixed in. */
function data(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = 4 * rng.normal();
  const specials = [NaN, -0, 0, 6, Math.fround(6.0000005), Infinity, -Infinity, -1e-45, 1e-45, 5.999999];
  for (let k = 0; k < Math.min(n, specials.length); k++) x[rng.int(n)] = specials[k]!;
  return x;
}

/** Bit patterns, so NaN, -0 and +0 count as what they are. */
const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

const LENGTHS = [0, 1, 3, 4, 5, 7, 8, 1023];

describe('wasm kernels from build/wasm/tinyconv.wasm', () => {
  let k: WasmKernels;
  beforeAll(async () => {
    k = await loadWasmKernels({ url: BUILT.wasm });
  });

  it.each(LENGTHS)('relu and relu6 equal the reference bit for bit, length %i', (n) => {
    const x = data(n, 100 + n);
    const before = x.slice();
    expect(bits(k.relu(x))).toEqual(bits(reference('relu', x)));
    expect(bits(k.relu6(x))).toEqual(bits(reference('relu6', x)));
    expect(bits(x)).toEqual(bits(before)); // the input is copied, never written
  });

  it.each(LENGTHS)('leakyRelu matches the reference within float32 rounding, length %i', (n) => {
    const x = data(n, 200 + n).map((v) => (Number.isNaN(v) ? 0 : v)); // NaN stays NaN; tested below
    expect(closeReport(k.leakyRelu(x, 0.2), reference('leaky_relu', x, 0.2), { rtol: 1e-6 })).toBeNull();
  });

  it('maps NaN and -0 like the reference in the vector and the scalar lanes', () => {
    const x = new Float32Array([NaN, -0, NaN, -0, NaN, -0]); // 4 vector lanes, 2 scalar tail lanes
    expect([...bits(k.relu(x))]).toEqual(new Array(6).fill(0));
    expect([...bits(k.relu6(x))]).toEqual(new Array(6).fill(0));
    const l = k.leakyRelu(x, 0.1);
    expect([0, 2, 4].map((i) => Number.isNaN(l[i]))).toEqual([true, true, true]);
  });

  it('takes views at any offset and grows memory for inputs larger than it', () => {
    const n = 40_003; // 160 kB, beyond the initial 64 KiB page
    const backing = new Float32Array(n + 1);
    backing.set(data(n, 7), 1);
    const x = backing.subarray(1);
    const pagesBefore = k.memory.buffer.byteLength / 65536;
    expect(bits(k.relu6(x))).toEqual(bits(reference('relu6', x)));
    expect(k.memory.buffer.byteLength / 65536).toBeGreaterThan(pagesBefore);
    // The arena is released after each call: a second call needs no more memory.
    const after = k.memory.buffer.byteLength;
    k.relu(x);
    expect(k.memory.buffer.byteLength).toBe(after);
  });

  it('rejects inputs that are not Float32Array and alphas that are not finite', () => {
    expect(() => k.relu(new Float64Array(4) as unknown as Float32Array)).toThrow(/E_ARG.*relu: expected a Float32Array, got Float64Array/);
    expect(() => k.relu([1, 2] as unknown as Float32Array)).toThrow(/got Array/);
    expect(() => k.leakyRelu(new Float32Array(4), NaN)).toThrow(/E_ARG.*alpha must be a finite number, got NaN/);
  });

  it('shares one instance per address', async () => {
    expect(await loadWasmKernels({ url: BUILT.wasm })).toBe(k);
  });
});

describe('loading', () => {
  afterEach(() => vi.restoreAllMocks());

  it('finds tinyconv.wasm next to the bundle (dist/tinyconv.js) by default', async () => {
    const href = BUILT.bundle.href; // a variable: the bundle is loaded as shipped, not through the sources
    const lib = (await import(/* @vite-ignore */ href)) as typeof import('../../src/index.js');
    const kernels = await lib.loadWasmKernels();
    expect([...kernels.relu(new Float32Array([-1, 2, -3, 4, 7]))]).toEqual([0, 2, 0, 4, 7]);
  });

  it('accepts the module bytes directly', async () => {
    const kernels = await loadWasmKernels({ source: wasmBytes });
    expect([...kernels.relu6(new Float32Array([-1, 2, 9]))]).toEqual([0, 2, 6]);
  });

  it('raises E_BACKEND naming SIMD when the runtime lacks it', async () => {
    expect(wasmSimdSupported()).toBe(true);
    vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    expect(wasmSimdSupported()).toBe(false);
    await expect(loadWasmKernels({ source: wasmBytes })).rejects.toThrow(/E_BACKEND.*needs WebAssembly SIMD/);
    await expect(loadWasmKernels({ url: new URL('./simd-check.wasm', BUILT.wasm) })).rejects.toMatchObject({ code: 'E_BACKEND' });
  });

  it('raises E_IO with a build hint when the file is missing', async () => {
    const err = await loadWasmKernels({ url: new URL('./missing.wasm', BUILT.wasm) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TinyconvError);
    expect((err as TinyconvError).code).toBe('E_IO');
    expect((err as Error).message).toMatch(/missing\.wasm \(not found: run `npm run build`/);
  });

  it('raises E_ARG for options it cannot use', async () => {
    await expect(loadWasmKernels({ source: 'tinyconv.wasm' as unknown as Uint8Array })).rejects.toThrow(/E_ARG.*source must be the bytes/);
    await expect(loadWasmKernels(null as unknown as object)).rejects.toThrow(/E_ARG.*options must be an object/);
    await expect(loadWasmKernels({ url: 'http://[bad' })).rejects.toThrow(/E_ARG.*not a valid URL/);
  });

  it('raises E_BACKEND for bytes that are not a tinyconv module', async () => {
    await expect(loadWasmKernels({ source: new Uint8Array([1, 2, 3, 4]) })).rejects.toThrow(/E_BACKEND.*not a usable tinyconv wasm module/);
    const empty = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    await expect(loadWasmKernels({ source: empty })).rejects.toThrow(/lacks the exports alloc, mark, reset, relu, relu6, leaky_relu, memory/);
  });
});

describe('loading over HTTP (the browser and Deno path)', () => {
  let server: Server;
  let base: string;
  let flakyHits = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/right.wasm') res.writeHead(200, { 'content-type': 'application/wasm' }).end(wasmBytes);
      else if (req.url === '/flaky.wasm' && flakyHits++ > 0) res.writeHead(200, { 'content-type': 'application/wasm' }).end(wasmBytes);
      else if (req.url === '/wrong.wasm') res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(wasmBytes);
      else res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  afterEach(() => vi.restoreAllMocks());

  it('compiles while streaming when the server says application/wasm', async () => {
    const streaming = vi.spyOn(WebAssembly, 'instantiateStreaming');
    const kernels = await loadWasmKernels({ url: `${base}/right.wasm` });
    expect(streaming).toHaveBeenCalledTimes(1);
    expect([...kernels.relu(new Float32Array([-2, 3]))]).toEqual([0, 3]);
  });

  it('falls back to the whole body when the MIME type is wrong', async () => {
    const streaming = vi.spyOn(WebAssembly, 'instantiateStreaming');
    const kernels = await loadWasmKernels({ url: `${base}/wrong.wasm` });
    expect(streaming).not.toHaveBeenCalled();
    expect([...kernels.relu6(new Float32Array([-2, 3, 8]))]).toEqual([0, 3, 6]);
  });

  it('raises E_IO with the HTTP status', async () => {
    await expect(loadWasmKernels({ url: `${base}/absent.wasm` })).rejects.toThrow(/E_IO.*absent\.wasm failed with HTTP 404/);
  });

  it('does not cache a failed load: the next call tries again', async () => {
    await expect(loadWasmKernels({ url: `${base}/flaky.wasm` })).rejects.toThrow(/HTTP 404/);
    const kernels = await loadWasmKernels({ url: `${base}/flaky.wasm` });
    expect([...kernels.relu(new Float32Array([-1, 1]))]).toEqual([0, 1]);
  });
});
