import { expect, it } from 'vitest';
import { testBackends } from '../util/backends.js';
import { closeReport } from '../util/close.js';
import type { OpCase } from '../conformance/case.js';
import { analyticGrads64, backward, caseInputs, forward64, generate } from '../conformance/harness.js';
import { Rng } from '../../src/core/random.js';
const cases: OpCase[] = [
  { op: 'conv2d', name: 'c1', inputs: [[2, 28, 28, 1], [3, 3, 1, 32], [32]], attrs: { activation: 'relu' } },
  { op: 'max_pool2d', name: 'p1', inputs: [[2, 26, 26, 32]], attrs: { poolSize: 2 }, gen: 'distinct' },
  { op: 'conv2d', name: 'c2', inputs: [[2, 13, 13, 32], [3, 3, 32, 64], [64]], attrs: { activation: 'relu' } },
  { op: 'max_pool2d', name: 'p2', inputs: [[2, 11, 11, 64]], attrs: { poolSize: 2 }, gen: 'distinct' },
];
for (const b of testBackends().slice(1, 2)) for (const c of cases) it(`${b.name} ${c.name}`, async () => {
  const junk: any[] = [];
  for (let i = 0; i < 60; i++) junk.push(b.upload(new Float32Array(3000 + i * 1997).fill(NaN), [3000 + i * 1997]));
  junk.forEach((t) => t.dispose());
  const v = caseInputs(c);
  const e = forward64(c, v);
  const dy = generate('normal', e.shape, new Rng(3));
  const eg = analyticGrads64(c, v, dy);
  const ag = await backward(b, c, v, dy);
  ag.forEach((g, k) => expect(closeReport(g, eg[k]!, { rtol: 1e-3 }), `grad ${k}`).toBeNull());
});
