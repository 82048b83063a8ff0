import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runOp } from '../../src/core/engine.js';
import { TinyconvError } from '../../src/core/errors.js';
import { Tensor } from '../../src/core/tensor.js';
import { createWasmBackend, type WasmBackend } from '../../src/backends/wasm/backend.js';
import { wasmSimdSupported } from '../../src/backends/wasm/simd.js';
import { BUILT, requireBuilt } from '../util/built.js';

requireBuilt(BUILT.wasm, BUILT.bundle, BUILT.bundleWasm);
const wasmBytes = readFileSync(BUILT.wasm);
const BUILDS = new URL('./', BUILT.wasm);

/** relu over a few values on `be`: proves the module loaded and runs. */
function relu(be: WasmBackend, xs: number[]): number[] {
  const y = runOp('activation', [Tensor.from(xs, [xs.length])], { kind: 'relu' }, be).y;
  return Array.from(y.dataSync());
}

const opened: WasmBackend[] = [];
async function open(options: Parameters<typeof createWasmBackend>[0]): Promise<WasmBackend> {
  const be = await createWasmBackend(options);
  opened.push(be);
  return be;
}
afterAll(() => opened.forEach((b) => b.dispose()));

describe('loading', () => {
  afterEach(() => vi.restoreAllMocks());

  it('finds the builds next to the bundle (dist/tinyconv.js) by default', async () => {
    const href = BUILT.bundle.href; // a variable: the bundle is loaded as shipped, not through the sources
    const lib = (await import(/* @vite-ignore */ href)) as typeof import('../../src/index.js');
    const be = await lib.createWasmBackend({ threads: 1, relaxed: false });
    try {
      expect(be.diagnostics.build).toBe('tinyconv.wasm');
      const y = lib.runOp('activation', [lib.Tensor.from([-1, 2, -3, 4, 7], [5])], { kind: 'relu' }, be).y;
      expect([...y.dataSync()]).toEqual([0, 2, 0, 4, 7]);
    } finally {
      be.dispose();
    }
  });

  it('takes a folder URL, or a function from file name to address', async () => {
    expect(relu(await open({ threads: 1, relaxed: false, url: BUILDS }), [-1, 5])).toEqual([0, 5]);
    const asked: string[] = [];
    const be = await open({ threads: 1, relaxed: false, url: (f) => (asked.push(f), new URL(f, BUILDS)) });
    expect(asked).toEqual(['tinyconv.wasm']);
    expect(relu(be, [3, -3])).toEqual([3, 0]);
  });

  it('accepts a build as bytes or as a compiled module', async () => {
    const fromBytes = await open({ source: wasmBytes });
    expect(fromBytes.diagnostics.build).toBe('the given wasm source');
    expect(relu(fromBytes, [-2, 9])).toEqual([0, 9]);
    const fromModule = await open({ source: await WebAssembly.compile(wasmBytes) });
    expect(relu(fromModule, [-2, 4])).toEqual([0, 4]);
  });

  it('raises E_BACKEND naming SIMD when the runtime lacks it', async () => {
    expect(wasmSimdSupported()).toBe(true);
    vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    expect(wasmSimdSupported()).toBe(false);
    await expect(createWasmBackend({ source: wasmBytes })).rejects.toThrow(/E_BACKEND.*needs WebAssembly SIMD/);
  });

  it('raises E_IO with a build hint when a build is missing', async () => {
    const err = await createWasmBackend({ threads: 1, relaxed: false, url: new URL('./nowhere/', BUILDS) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TinyconvError);
    expect((err as TinyconvError).code).toBe('E_IO');
    expect((err as Error).message).toMatch(/nowhere\/tinyconv\.wasm \(not found: run `npm run build`/);
  });

  it('raises E_ARG for options it cannot use', async () => {
    await expect(createWasmBackend({ source: 'tinyconv.wasm' as unknown as Uint8Array })).rejects.toThrow(/E_ARG.*source must be the bytes/);
    await expect(createWasmBackend(null as unknown as object)).rejects.toThrow(/E_ARG.*options must be an object/);
    await expect(createWasmBackend({ url: 'http://[bad' })).rejects.toThrow(/E_ARG.*not a valid URL/);
    await expect(createWasmBackend({ threads: 0 })).rejects.toThrow(/E_ARG.*threads must be 'auto' or an integer in \[1, 64\], got 0/);
    await expect(createWasmBackend({ threads: 2.5 })).rejects.toThrow(/E_ARG.*threads/);
    await expect(createWasmBackend({ relaxed: 'yes' as unknown as boolean })).rejects.toThrow(/E_ARG.*relaxed must be/);
    await expect(createWasmBackend({ thread: 2 } as unknown as object)).rejects.toThrow(/E_ARG.*unknown option "thread"/);
    await expect(createWasmBackend({ url: BUILDS, source: wasmBytes })).rejects.toThrow(/E_ARG.*url or source, not both/);
  });

  it('raises E_BACKEND for bytes that are not a tinyconv module', async () => {
    await expect(createWasmBackend({ source: new Uint8Array([1, 2, 3, 4]) })).rejects.toThrow(/E_BACKEND.*not a usable tinyconv wasm module/);
    // A valid module that imports no memory and exports nothing.
    const empty = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    await expect(createWasmBackend({ source: empty })).rejects.toThrow(/lacks the exports heap_base, build_features/);
  });
});

describe('loading over HTTP (the browser and Deno path)', () => {
  let server: Server;
  let base: string;
  let flakyHits = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/right/tinyconv.wasm') res.writeHead(200, { 'content-type': 'application/wasm' }).end(wasmBytes);
      else if (req.url === '/flaky/tinyconv.wasm' && flakyHits++ > 0) res.writeHead(200, { 'content-type': 'application/wasm' }).end(wasmBytes);
      else if (req.url === '/wrong/tinyconv.wasm') res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(wasmBytes);
      else res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  afterEach(() => vi.restoreAllMocks());

  const st = { threads: 1, relaxed: false } as const;

  it('compiles while streaming when the server says application/wasm', async () => {
    const streaming = vi.spyOn(WebAssembly, 'compileStreaming');
    const be = await open({ ...st, url: `${base}/right/` });
    expect(streaming).toHaveBeenCalledTimes(1);
    expect(relu(be, [-2, 3])).toEqual([0, 3]);
    // A second backend from the same address reuses the compiled module.
    await open({ ...st, url: `${base}/right` });
    expect(streaming).toHaveBeenCalledTimes(1);
  });

  it('falls back to the whole body when the MIME type is wrong', async () => {
    const streaming = vi.spyOn(WebAssembly, 'compileStreaming');
    const be = await open({ ...st, url: `${base}/wrong/` });
    expect(streaming).not.toHaveBeenCalled();
    expect(relu(be, [-2, 8])).toEqual([0, 8]);
  });

  it('raises E_IO with the HTTP status', async () => {
    await expect(createWasmBackend({ ...st, url: `${base}/absent/` })).rejects.toThrow(/E_IO.*absent\/tinyconv\.wasm failed with HTTP 404/);
  });

  it('does not cache a failed load: the next call tries again', async () => {
    await expect(createWasmBackend({ ...st, url: `${base}/flaky/` })).rejects.toThrow(/HTTP 404/);
    expect(relu(await open({ ...st, url: `${base}/flaky/` }), [-1, 1])).toEqual([0, 1]);
  });
});
