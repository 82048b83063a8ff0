import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['tests/e2e/**', 'node_modules/**'],
    pool: 'forks',
    testTimeout: 60_000,
    reporters: process.env.CI ? ['default'] : ['default'],
    // Shaders are compiled into a module of strings before anything imports it.
    globalSetup: ['tests/setup/wgsl.ts'],
    // navigator.gpu in Node (Dawn), for the WebGPU backend.
    setupFiles: ['tests/setup/webgpu.ts'],
  },
});
