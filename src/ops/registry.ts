import { TinyconvError } from '../core/errors.js';
import type { OpDef } from '../core/op.js';
import { activation } from './activation.js';
import { add, mul } from './elementwise.js';
import { conv2d } from './conv2d.js';
import { depthwiseConv2d } from './depthwise-conv2d.js';
import { biasAdd } from './bias-add.js';
import { maxPool2d } from './max-pool2d.js';
import { avgPool2d } from './avg-pool2d.js';
import { mixedPool2d } from './mixed-pool2d.js';
import { globalAvgPool2d, globalMaxPool2d } from './global-pool2d.js';
import { concat } from './concat.js';
import { flatten } from './flatten.js';
import { reshape } from './reshape.js';
import { transpose } from './transpose.js';
import { pad } from './pad.js';
import { resize2d } from './resize2d.js';
import { matmul } from './matmul.js';
import { dense } from './dense.js';
import { softmax } from './softmax.js';
import { batchNorm } from './batch-norm.js';
import { dropout } from './dropout.js';

/**
 * Every op, by name. An explicit list rather than registration on import, so bundlers that
 * honour `sideEffects: false` cannot drop an op.
 */
export const OPS: readonly OpDef[] = [activation, add, mul, conv2d, depthwiseConv2d, biasAdd, maxPool2d, avgPool2d, mixedPool2d, globalAvgPool2d, globalMaxPool2d, concat, flatten, reshape, transpose, pad, resize2d, matmul, dense, softmax, batchNorm, dropout];

const byName = new Map(OPS.map((op) => [op.name, op]));

export function getOp(name: string): OpDef {
  const op = byName.get(name);
  if (!op) throw new TinyconvError('E_UNSUPPORTED', `unknown op "${name}"; known ops: ${[...byName.keys()].sort().join(', ')}`);
  return op;
}
