/**
 * A full garbage collection on demand, for runs that drop wasm tensors to the backend's
 * finalizers. `--expose-gc` set at run time does not define `gc` in the running context, but a
 * new context created afterwards has it.
 */

import v8 from 'node:v8';
import vm from 'node:vm';

let gc = globalThis.gc;

export function collectGarbage() {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc');
  }
  gc();
}
