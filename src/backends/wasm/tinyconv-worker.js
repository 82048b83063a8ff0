// @ts-check
/**
 * A worker of the wasm backend's thread pool (src/backends/wasm/threads.ts), in Node
 * (worker_threads), Deno and browsers (module Workers). Plain JavaScript with no imports, so the
 * same file runs from the sources and, copied by rollup, from dist/ next to the bundle.
 *
 * It receives the compiled threaded module, the shared memory and the layout of the command block
 * in one message, instantiates the module, answers { type: 'ready' } and from then on only waits
 * on its slot in shared memory: each job names an export, its arguments and a range, of which
 * this worker claims chunks from a shared counter until none is left.
 * Failures are written back into the command block, where the caller reads them synchronously.
 */

/** @typedef {{ type: 'init', module: WebAssembly.Module | BufferSource, memory: WebAssembly.Memory, ctrl: number, index: number, names: string[], layout: Record<string, number> }} Init */

export {}; // an ES module (module Workers; top-level await below)

/**
 * Polls of its slot before an idle worker sleeps (a few microseconds): back-to-back kernels then
 * skip both the caller's notify (a system call) and the futex wake-up. Kept short on purpose: on a
 * machine with more runnable threads than cores a polling worker is merely runnable, and the
 * scheduler resumes it later (measured: about 120 us) than a sleeper it wakes (about 25 us).
 */
const SPIN = 2048;

/** @param {Init} init @param {(m: unknown) => void} post */
async function start(init, post) {
  const { memory, ctrl, index, names, layout: L } = init;
  let instance;
  try {
    const module = init.module instanceof WebAssembly.Module ? init.module : await WebAssembly.compile(init.module);
    instance = await WebAssembly.instantiate(module, { env: { memory } });
  } catch (e) {
    post({ type: 'error', message: `worker ${index} could not instantiate the threaded module: ${e instanceof Error ? e.message : String(e)}` });
    return;
  }
  const exports = /** @type {Record<string, Function>} */ (instance.exports);
  const fns = names.map((n) => exports[n]);
  // The command block sits at a low address inside the memory as it was when the pool started,
  // so views of that buffer stay valid after the memory grows.
  const i32 = new Int32Array(memory.buffer, ctrl, L.words);
  const f64 = new Float64Array(memory.buffer, ctrl + L.argsByte, L.maxArgs);
  const u8 = new Uint8Array(memory.buffer, ctrl + L.msgByte, L.msgBytes);
  const slot = L.slot + index, ack = L.ack + index, awake = L.seen + index, asleep = L.asleep + index;
  post({ type: 'ready' });

  let seen = 0;
  for (;;) {
    let spins = 0;
    while (Atomics.load(i32, slot) === seen) {
      if (++spins <= SPIN) continue;
      // The caller notifies only a worker whose flag is up; were the flag raised after the
      // caller looked, the slot has already changed and the wait returns at once.
      Atomics.store(i32, asleep, 1);
      Atomics.wait(i32, slot, seen);
      Atomics.store(i32, asleep, 0);
    }
    const job = Atomics.load(i32, slot);
    if (Atomics.load(i32, L.quit) !== 0) return;
    seen = job;
    Atomics.store(i32, awake, job); // tells the caller this thread is alive
    // Claim the job; a caller that found the range exhausted before this thread woke has claimed
    // it instead (then skip it).
    if (Atomics.compareExchange(i32, ack, job - 1, job) !== job - 1) continue;
    const kernel = i32[L.kernel];
    const name = names[kernel] ?? `#${kernel}`;
    try {
      const n = i32[L.nargs], g = i32[L.grain], total = i32[L.total];
      const units = i32[L.units], parts = i32[L.threads], floor = i32[L.minClaim];
      const args = new Array(n + 3);
      for (let k = 0; k < n; k++) args[k] = f64[k];
      args[n + 2] = index;
      const fn = fns[kernel];
      // Chunks claimed from the shared counter as the caller does (threads.ts, claim()).
      for (;;) {
        const u = Atomics.load(i32, L.next);
        if (u >= units) break;
        const c = Math.min(units - u, Math.max(floor, Math.ceil((units - u) / parts)));
        if (Atomics.compareExchange(i32, L.next, u, u + c) !== u) continue;
        args[n] = u * g;
        args[n + 1] = Math.min(total, (u + c) * g);
        fn(...args);
      }
    } catch (e) {
      if (Atomics.compareExchange(i32, L.error, 0, index + 1) === 0) {
        const text = new TextEncoder().encode(`${name} in worker ${index}: ${e instanceof Error ? e.message : String(e)}`).subarray(0, L.msgBytes);
        u8.set(text);
        Atomics.store(i32, L.msgLen, text.length);
      }
    }
    if (Atomics.sub(i32, L.pending, 1) === 1) Atomics.notify(i32, L.pending);
  }
}

const isNode = typeof globalThis.process?.versions?.node === 'string' && typeof (/** @type {any} */ (globalThis).Deno) !== 'object';
if (isNode) {
  const { parentPort } = await import('node:worker_threads');
  const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
  port.once('message', (init) => void start(init, (m) => port.postMessage(m)));
} else {
  const scope = /** @type {any} */ (globalThis);
  scope.addEventListener('message', (/** @type {MessageEvent<Init>} */ e) => void start(e.data, (m) => scope.postMessage(m)), { once: true });
}
