import { TinyconvError } from '../../src/core/errors.js';
import { createWebGPUBackend, type WebGPUBackend } from '../../src/backends/webgpu/backend.js';

const ci = process.env.CI === 'true' || process.env.CI === '1';

/**
 * The WebGPU backend the suites run on, or null where this machine has no adapter. Under CI a
 * missing adapter fails the run (scripts/install-system.sh installs lavapipe, so CI always has
 * one); locally the suites run without it and say why once.
 */
export async function testWebGPU(): Promise<WebGPUBackend | null> {
  try {
    return await createWebGPUBackend();
  } catch (e) {
    if (!(e instanceof TinyconvError) || e.code !== 'E_BACKEND') throw e;
    const why = globalThis.__tinyconvGpuError ? `${e.message} (loading the webgpu package: ${globalThis.__tinyconvGpuError})` : e.message;
    if (ci) throw new Error(`CI=true requires a WebGPU adapter (lavapipe in CI): ${why}`, { cause: e });
    if (!warned) console.warn(`webgpu backend not tested: ${why}`);
    warned = true;
    return null;
  }
}
let warned = false;
