import type { Backend } from '../../../core/backend.js';
import type { Tensor } from '../../../core/tensor.js';

/**
 * Small constant tables a kernel reads (resize sampling indices and weights), computed on the
 * host and uploaded once per backend and key: a training loop resizing the same shapes uploads
 * nothing after its first step. The least recently used tables beyond CAPACITY are freed.
 */

const CAPACITY = 64;
const caches = new WeakMap<Backend, Map<string, Tensor>>();

/** The table for `key` on `be`, made by `make()` and uploaded on first use. */
export function constTable(be: Backend, key: string, make: () => Float32Array): Tensor {
  let cache = caches.get(be);
  if (!cache) caches.set(be, (cache = new Map()));
  const hit = cache.get(key);
  if (hit && !hit.isDisposed) {
    // Re-insert: Map order is the eviction order.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const data = make();
  const t = be.upload(data, [data.length]);
  cache.set(key, t);
  if (cache.size > CAPACITY) {
    const [oldest, table] = cache.entries().next().value as [string, Tensor];
    cache.delete(oldest);
    // Safe while a pending command encoder still reads it: the buffer pool holds released
    // buffers back until that encoder is submitted.
    table.dispose();
  }
  return t;
}
