import { TinyconvError } from '../core/errors.js';
import type { OpDef } from '../core/op.js';
import { activation } from './activation.js';
import { add, mul } from './elementwise.js';

/**
 * Every op, by name. An explicit list rather than registration on import, so bundlers that
 * honour `sideEffects: false` cannot drop an op.
 */
export const OPS: readonly OpDef[] = [activation, add, mul];

const byName = new Map(OPS.map((op) => [op.name, op]));

export function getOp(name: string): OpDef {
  const op = byName.get(name);
  if (!op) throw new TinyconvError('E_UNSUPPORTED', `unknown op "${name}"; known ops: ${[...byName.keys()].sort().join(', ')}`);
  return op;
}
