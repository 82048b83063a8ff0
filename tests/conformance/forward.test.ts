import { describe, expect, it } from 'vitest';
import { supports, testBackends } from '../util/backends.js';
import { closeReport } from '../util/close.js';
import { caseInputs, forward, forward64 } from './harness.js';
import { CASES, caseId } from './table.js';

/** Every case on every backend, forward, against the reference computed in float64. */
describe.each(testBackends().map((b) => [b.name, b] as const))('forward on %s', (_name, backend) => {
  it.for(CASES.map((c) => [caseId(c), c] as const))('%s', async ([, c], ctx) => {
    // A kernel the backend lacks is reported as a skip (visible in the counts), never a pass.
    if (!supports(backend, c.op, 'forward')) return ctx.skip(`${backend.name} has no forward kernels for ${c.op}`);
    const values = caseInputs(c);
    const expected = forward64(c, values);
    const actual = await forward(backend, c, values);
    expect(actual.shape).toEqual(expected.shape);
    expect(closeReport(actual.y, expected.y, { rtol: c.rtol ?? 1e-4 })).toBeNull();
  });
});

it('the conformance table is not empty', () => {
  const perOp = new Map<string, number>();
  for (const c of CASES) perOp.set(c.op, (perOp.get(c.op) ?? 0) + 1);
  console.log(`conformance cases: ${CASES.length} over ${perOp.size} ops: ${[...perOp].map(([o, n]) => `${o} ${n}`).join(', ')}`);
  expect(CASES.length).toBeGreaterThan(0);
});
