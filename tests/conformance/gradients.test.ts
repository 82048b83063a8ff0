import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.js';
import { supports, testBackends } from '../util/backends.js';
import { closeReport } from '../util/close.js';
import { analyticGrads64, backward, caseInputs, forward64, generate, gradInputs, numericGrads } from './harness.js';
import { CASES, caseId } from './table.js';

const withGrad = CASES.filter((c) => gradInputs(c).length > 0);

function seedDy(values: ReturnType<typeof caseInputs>, c: (typeof CASES)[number]): Float32Array {
  const { shape } = forward64(c, values);
  return generate('normal', shape, new Rng(4321));
}

/** The reference's gradient rules against central finite differences, in float64. */
describe('reference gradients = finite differences', () => {
  it.each(withGrad.map((c) => [caseId(c), c] as const))('%s', (_id, c) => {
    const values = caseInputs(c);
    const dy = seedDy(values, c);
    const analytic = analyticGrads64(c, values, dy);
    numericGrads(c, values, dy).forEach(({ coords, g }, k) => {
      const a = coords.map((i) => analytic[k]![i]!);
      const report = closeReport(a, g, { rtol: 1e-5, atol: 1e-6 });
      expect(report, `input ${gradInputs(c)[k]}`).toBeNull();
    });
  });
});

/** Every backend's backward pass against the reference's, in float64. */
describe.each(testBackends().map((b) => [b.name, b] as const))('backward on %s', (_name, backend) => {
  it.for(withGrad.map((c) => [caseId(c), c] as const))('%s', async ([, c], ctx) => {
    if (!supports(backend, c.op, 'backward')) return ctx.skip(`${backend.name} has no backward kernels for ${c.op}`);
    const values = caseInputs(c);
    const dy = seedDy(values, c);
    const expected = analyticGrads64(c, values, dy);
    const actual = await backward(backend, c, values, dy);
    actual.forEach((g, k) => expect(closeReport(g, expected[k]!, { rtol: c.rtol ?? 1e-4 }), `input ${gradInputs(c)[k]}`).toBeNull());
  });
});
