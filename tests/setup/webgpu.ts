/**
 * Gives Node the navigator.gpu that browsers and Deno have, from the `webgpu` package (Dawn):
 * on machines without a GPU it finds Mesa's lavapipe. tests/util/backends.ts decides what a
 * missing adapter means (a failure when CI=true).
 */
process.env.XDG_RUNTIME_DIR ??= '/tmp'; // the Vulkan loader warns without it

const g = globalThis as typeof globalThis & { __tinyconvGpu?: GPU };
// Node 20 has no navigator at all; later versions have one without gpu.
if (!g.navigator) Object.defineProperty(g, 'navigator', { value: {}, configurable: true, writable: true });
if (!('gpu' in g.navigator)) {
  try {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    // Dawn must outlive every device made from it: dropping this reference crashes the process.
    const gpu = (g.__tinyconvGpu ??= create([]));
    Object.defineProperty(globalThis.navigator, 'gpu', { value: gpu, configurable: true });
  } catch (e) {
    // Without the package (or its native module) there is no adapter; backends.ts reports it.
    g.__tinyconvGpuError = e instanceof Error ? e.message : String(e);
  }
}

export {};
declare global {
  /** Why navigator.gpu could not be installed, for the message of a missing adapter. */
  var __tinyconvGpuError: string | undefined;
}
