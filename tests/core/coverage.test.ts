import { describe, expect, it } from 'vitest';
import { coverage } from '../../src/core/coverage.js';
import { hostBackendOf } from '../../src/core/tensor.js';
import { OPS } from '../../src/ops/registry.js';
import { CASES } from '../conformance/table.js';

describe('op table consistency', () => {
  it('the reference backend has every kernel every op declares, forward and backward', () => {
    const gaps = coverage(hostBackendOf(), OPS).filter((c) => !c.backward);
    expect(gaps).toEqual([]);
  });

  it('every reference kernel is declared by some op (no dead kernels)', () => {
    const declared = new Set(OPS.flatMap((op) => [...op.kernels.forward, ...op.kernels.backward]));
    const undeclared = Object.keys(hostBackendOf().kernels).filter((k) => !declared.has(k));
    expect(undeclared).toEqual([]);
  });

  it('every op has conformance cases, and every case names a known op', () => {
    const withCases = new Set(CASES.map((c) => c.op));
    expect(OPS.map((op) => op.name).filter((n) => !withCases.has(n))).toEqual([]);
    expect([...withCases].filter((n) => !OPS.some((op) => op.name === n))).toEqual([]);
  });
});
