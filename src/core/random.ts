/**
 * Seeded randomness. `hashUniform` is counter-based (value i of stream `seed` is a pure function of
 * both), so every backend can draw the same dropout mask without sharing generator state.
 */

/** A 32-bit integer hash (lowbias32 by Chris Wellons' constants). */
export function hash32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Uniform in [0, 1) for element `i` of stream `seed`. */
export function hashUniform(seed: number, i: number): number {
  return hash32(hash32(seed ^ 0x9e3779b9) ^ i) / 4294967296;
}

/** A sequential seeded generator (weight initializers, shuffling, test data). */
export class Rng {
  private state: number;
  private spare: number | null = null;
  constructor(seed = 1) {
    this.state = seed >>> 0 || 1;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    return hash32(this.state) / 4294967296;
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** Standard normal (Box-Muller). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const u = 1 - this.next(), v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}
