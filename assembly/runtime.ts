/**
 * Kernels of the runtime itself, for the tests: proof that every chunk of a split range is
 * computed exactly once, a trap to check error reporting, and the shared vector exp on its own.
 */

import { expm1v, expv } from './vmath';
import { loadTail, storeTail } from './simd';

/** counts[i] += 1 and owner[i] = worker for i in [start, end) (i32 arrays). */
export function runtime_mark(counts: usize, owner: usize, start: i32, end: i32, worker: i32): void {
  for (let i = start; i < end; i++) {
    const o = <usize>i << 2;
    store<i32>(counts + o, load<i32>(counts + o) + 1);
    store<i32>(owner + o, worker);
  }
}

/** Traps (an `unreachable`) when `at` falls in [start, end): how the tests check error reporting. */
export function runtime_trap(at: i32, start: i32, end: i32, worker: i32): void {
  if (at >= start && at < end) unreachable();
}

/** y = e^x over [start, end) with the vector exp every kernel uses: its accuracy is tested directly. */
export function runtime_exp(x: usize, y: usize, start: i32, end: i32, worker: i32): void {
  let i = start;
  for (; i + 4 <= end; i += 4) v128.store(y + (<usize>i << 2), expv(v128.load(x + (<usize>i << 2))));
  const t = end - i;
  if (t > 0) storeTail(y + (<usize>i << 2), expv(loadTail(x + (<usize>i << 2), t)), t);
}

/** y = e^x - 1 over [start, end), as runtime_exp. */
export function runtime_expm1(x: usize, y: usize, start: i32, end: i32, worker: i32): void {
  let i = start;
  for (; i + 4 <= end; i += 4) v128.store(y + (<usize>i << 2), expm1v(v128.load(x + (<usize>i << 2))));
  const t = end - i;
  if (t > 0) storeTail(y + (<usize>i << 2), expm1v(loadTail(x + (<usize>i << 2), t)), t);
}
