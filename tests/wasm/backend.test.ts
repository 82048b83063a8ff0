import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runOp } from '../../src/core/engine.js';
import { Tensor } from '../../src/core/tensor.js';
import { createWasmBackend, type WasmBackend, type WasmBackendOptions } from '../../src/backends/wasm/backend.js';
import { relaxedSimdSupported } from '../../src/backends/wasm/simd.js';
import { BUILT, requireBuilt } from '../util/built.js';

requireBuilt(BUILT.wasm);
const url = new URL('./', BUILT.wasm);

/** Makes a backend, checks it computes, hands back its diagnostics. */
async function built(options: WasmBackendOptions): Promise<WasmBackend['diagnostics'] & { name: string }> {
  const be = await createWasmBackend({ url, ...options });
  try {
    const y = runOp('activation', [Tensor.from([-1, 0.5, 8], [3])], { kind: 'relu6' }, be).y;
    expect([...y.dataSync()]).toEqual([0, 0.5, 6]);
    return { ...be.diagnostics, name: be.name };
  } finally {
    be.dispose();
  }
}

/** WebAssembly.validate that rejects the relaxed-SIMD probe (it ends in f32x4.relaxed_madd). */
function withoutRelaxed(): void {
  const validate = WebAssembly.validate.bind(WebAssembly);
  vi.spyOn(WebAssembly, 'validate').mockImplementation((bytes) => {
    const b = new Uint8Array(ArrayBuffer.isView(bytes) ? bytes.buffer : bytes);
    const relaxedMadd = b.length > 4 && b[b.length - 4] === 0xfd && b[b.length - 3] === 0x85 && b[b.length - 2] === 0x02;
    return !relaxedMadd && validate(bytes);
  });
}

describe('build selection', () => {
  afterEach(() => vi.restoreAllMocks());

  it('uses the relaxed build when asked, enabling it in Node 20 where it sits behind a flag', async () => {
    const d = await built({ threads: 1, relaxed: true });
    expect(d).toMatchObject({ build: 'tinyconv-relaxed.wasm', relaxed: true, name: 'wasm' });
    expect(relaxedSimdSupported()).toBe(true);
  });

  it('chooses the relaxed build on its own once the engine validates relaxed SIMD', async () => {
    await built({ threads: 1, relaxed: true }); // makes sure the flag is on in this process
    expect(await built({ threads: 1 })).toMatchObject({ build: 'tinyconv-relaxed.wasm', relaxed: true, relaxedReason: 'auto: the engine validates relaxed SIMD' });
    expect(await built({ threads: 2 })).toMatchObject({ build: 'tinyconv-mt-relaxed.wasm', relaxed: true, threads: 2, name: 'wasm-mt' });
  });

  it('uses the plain SIMD build when relaxed is turned off, or not validated', async () => {
    expect(await built({ threads: 1, relaxed: false })).toMatchObject({ build: 'tinyconv.wasm', relaxed: false, relaxedReason: 'relaxed SIMD turned off' });
    expect(await built({ threads: 2, relaxed: false })).toMatchObject({ build: 'tinyconv-mt.wasm', relaxed: false, threads: 2 });
    withoutRelaxed();
    expect(relaxedSimdSupported()).toBe(false);
    expect(await built({ threads: 1 })).toMatchObject({ build: 'tinyconv.wasm', relaxed: false, relaxedReason: 'auto: the engine does not validate relaxed SIMD' });
  });

  it('raises E_BACKEND when relaxed SIMD is required and the engine lacks it', async () => {
    withoutRelaxed();
    await expect(createWasmBackend({ url, relaxed: true })).rejects.toThrow(/E_BACKEND.*relaxed SIMD requested, but this engine does not support it/);
  });

  it('takes the features of a build given as bytes from the build itself', async () => {
    const mt = readFileSync(new URL('tinyconv-mt.wasm', url));
    expect(await createWasmBackend({ source: mt, threads: 2 }).then(async (be) => {
      const d = { ...be.diagnostics, name: be.name };
      be.dispose();
      return d;
    })).toMatchObject({ name: 'wasm-mt', threads: 2, relaxed: false, relaxedReason: 'the given build does not use relaxed SIMD' });
    const st = readFileSync(BUILT.wasm);
    await expect(createWasmBackend({ source: st, threads: 2 })).rejects.toThrow(/E_BACKEND.*2 threads requested, but the given build is not a threaded one/);
  });

  it('notices a file that is not the build its name says', async () => {
    const swapped = (f: string) => new URL(f === 'tinyconv.wasm' ? 'tinyconv-relaxed.wasm' : f, url);
    await built({ threads: 1, relaxed: true });
    await expect(createWasmBackend({ threads: 1, relaxed: false, url: swapped })).rejects.toThrow(/E_BACKEND.*tinyconv-relaxed\.wasm is not the build its name says/);
  });
});
