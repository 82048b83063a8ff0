import type { Backend } from '../core/backend.js';
import type { Mode } from '../core/op.js';
import type { Tensor } from '../core/tensor.js';

/** What a layer's forward pass needs to know besides its inputs. */
export interface CallContext {
  readonly backend: Backend;
  readonly mode: Mode;
  /**
   * Frees an intermediate tensor the layer made and no longer needs. A no-op on differentiable
   * paths (the gradient tape keeps references to intermediates); inference frees eagerly.
   */
  release(t: Tensor): void;
}

export function callContext(backend: Backend, mode: Mode, eager: boolean): CallContext {
  return { backend, mode, release: eager ? (t) => t.dispose() : () => {} };
}
