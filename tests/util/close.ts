/**
 * Closeness with a tolerance that scales with the data: |a - e| <= atol + rtol * |e|, where the
 * absolute part is relative to the RMS of the expected values (sums of many products lose
 * absolute, not relative, precision near zero).
 */
export interface Tol {
  rtol?: number;
  atol?: number;
}

export function closeReport(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tol = {}): string | null {
  const rtol = tol.rtol ?? 1e-4;
  if (actual.length !== expected.length) return `length ${actual.length} != expected ${expected.length}`;
  let ss = 0;
  for (let i = 0; i < expected.length; i++) ss += expected[i]! * expected[i]!;
  const rms = Math.sqrt(ss / Math.max(1, expected.length));
  const atol = tol.atol ?? rtol * Math.max(rms, 1e-6);
  let bad = 0, worst = -1, worstErr = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    const err = Math.abs(a - e);
    const ok = err <= atol + rtol * Math.abs(e) || (Number.isNaN(a) && Number.isNaN(e)) || a === e;
    if (!ok) {
      bad++;
      if (!(err <= worstErr)) { worstErr = err; worst = i; }
    }
  }
  if (!bad) return null;
  return `${bad}/${expected.length} values differ; worst at ${worst}: got ${actual[worst]}, expected ${expected[worst]} (atol ${atol.toExponential(2)}, rtol ${rtol})`;
}
