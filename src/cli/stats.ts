/** What the run report says about an output: its range and mean, and how many values are not finite. */
export interface ValueStats {
  min: number;
  max: number;
  mean: number;
  /** NaN and infinite values, left out of min / max / mean. */
  nonFinite: number;
}

export function valueStats(data: ArrayLike<number>): ValueStats {
  let min = Infinity, max = -Infinity, sum = 0, n = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    n++;
  }
  return n === 0 ? { min: NaN, max: NaN, mean: NaN, nonFinite: data.length } : { min, max, mean: sum / n, nonFinite: data.length - n };
}

/** A number for a human: six significant digits, no trailing zeros. */
export function num(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(6))) : String(v);
}

/** Milliseconds with a precision that suits their size. */
export function ms(v: number): string {
  return `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)} ms`;
}
