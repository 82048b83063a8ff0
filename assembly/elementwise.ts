/**
 * Element-wise kernels: add / mul with NumPy broadcasting, reduce_sum_to (the gradient of a
 * broadcast), activations and their gradients, the moving average of batch-norm statistics and
 * the dropout mask. All f32, four lanes per step; the last partial group goes through the same
 * vector code (loadTail / storeTail), so tails and bodies agree bit for bit.
 *
 * Split ranges `[start, end)` count elements unless a kernel says otherwise; `worker` is unused
 * (no scratch). Addresses are byte addresses of 16-byte aligned tensors.
 */

import { activate4, activateGrad4 } from './activation';
import { loadTail, storeTail } from './simd';

const OP_ADD: i32 = 0;
const OP_MUL: i32 = 1;

// @ts-ignore: decorator
@inline function op4(op: i32, a: v128, b: v128): v128 {
  return op == OP_ADD ? f32x4.add(a, b) : f32x4.mul(a, b);
}

/** y[i] = a[i] op b[i]. */
// @ts-ignore: decorator
@inline function sameShape(op: i32, a: usize, b: usize, y: usize, start: i32, end: i32): void {
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, op4(op, v128.load(a + o), v128.load(b + o)));
  }
  const o = <usize>i << 2;
  const t = end - i;
  if (t > 0) storeTail(y + o, op4(op, loadTail(a + o, t), loadTail(b + o, t)), t);
}

/** y[i] = a[i] op s, with s the single value at address `s` (add and mul commute, so either side). */
// @ts-ignore: decorator
@inline function withScalar(op: i32, a: usize, s: usize, y: usize, start: i32, end: i32): void {
  const sv = v128.load32_splat(s);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, op4(op, v128.load(a + o), sv));
  }
  const o = <usize>i << 2;
  const t = end - i;
  if (t > 0) storeTail(y + o, op4(op, loadTail(a + o, t), sv), t);
}

/** a op b along one row of n values: a steps by `sa` (0 or 1) elements, b by `sb`. */
// @ts-ignore: decorator
@inline function row(op: i32, a: usize, sa: i32, b: usize, sb: i32, y: usize, n: i32): void {
  if (sa == 1 && sb == 1) {
    sameShape(op, a, b, y, 0, n);
  } else if (sa == 1) {
    withScalar(op, a, b, y, 0, n);
  } else if (sb == 1) {
    withScalar(op, b, a, y, 0, n);
  } else {
    const v = op4(op, v128.load32_splat(a), v128.load32_splat(b));
    let i = 0;
    for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), v);
    storeTail(y + (<usize>i << 2), v, n - i);
  }
}

/** Rows of c values: y[r, j] = a[r, j] op b[j] (a channel vector over NHWC data); range over rows. */
// @ts-ignore: decorator
@inline function rows(op: i32, a: usize, b: usize, y: usize, c: i32, start: i32, end: i32): void {
  const rowBytes = <usize>c << 2;
  for (let r = start; r < end; r++) {
    const o = <usize>r * rowBytes;
    sameShape(op, a + o, b, y + o, 0, c);
  }
}

/**
 * The general broadcast. `p` holds i32 [rank, dims[rank], strideA[rank], strideB[rank]] of the
 * output with collapsed dimensions (the host merges neighbours that broadcast alike), strides in
 * elements, 0 along broadcast dimensions; the innermost strides are 0 or 1. The range counts rows
 * (every index but the last).
 */
// @ts-ignore: decorator
@inline function strided(op: i32, a: usize, b: usize, y: usize, p: usize, start: i32, end: i32): void {
  const rank = load<i32>(p);
  const dims = p + 4;
  const sa = dims + (<usize>rank << 2);
  const sb = sa + (<usize>rank << 2);
  const inner = load<i32>(dims + (<usize>(rank - 1) << 2));
  const ia = load<i32>(sa + (<usize>(rank - 1) << 2));
  const ib = load<i32>(sb + (<usize>(rank - 1) << 2));
  for (let r = start; r < end; r++) {
    // Offsets of row r in a and b, from its index over the outer dimensions.
    let rem = r, offA = 0, offB = 0;
    for (let d = rank - 2; d >= 0; d--) {
      const n = load<i32>(dims + (<usize>d << 2));
      const k = rem % n;
      rem /= n;
      offA += k * load<i32>(sa + (<usize>d << 2));
      offB += k * load<i32>(sb + (<usize>d << 2));
    }
    row(op, a + (<usize>offA << 2), ia, b + (<usize>offB << 2), ib, y + (<usize>r * <usize>inner << 2), inner);
  }
}

export function add_same(a: usize, b: usize, y: usize, start: i32, end: i32, worker: i32): void { sameShape(OP_ADD, a, b, y, start, end); }
export function mul_same(a: usize, b: usize, y: usize, start: i32, end: i32, worker: i32): void { sameShape(OP_MUL, a, b, y, start, end); }
export function add_scalar(a: usize, s: usize, y: usize, start: i32, end: i32, worker: i32): void { withScalar(OP_ADD, a, s, y, start, end); }
export function mul_scalar(a: usize, s: usize, y: usize, start: i32, end: i32, worker: i32): void { withScalar(OP_MUL, a, s, y, start, end); }
export function add_rows(a: usize, b: usize, y: usize, c: i32, start: i32, end: i32, worker: i32): void { rows(OP_ADD, a, b, y, c, start, end); }
export function mul_rows(a: usize, b: usize, y: usize, c: i32, start: i32, end: i32, worker: i32): void { rows(OP_MUL, a, b, y, c, start, end); }
export function add_strided(a: usize, b: usize, y: usize, p: usize, start: i32, end: i32, worker: i32): void { strided(OP_ADD, a, b, y, p, start, end); }
export function mul_strided(a: usize, b: usize, y: usize, p: usize, start: i32, end: i32, worker: i32): void { strided(OP_MUL, a, b, y, p, start, end); }

/**
 * Offset (in elements) in g of output unit `u` of a reduction, from its index over the kept
 * outer dimensions: `kd` / `ks` are their sizes and strides in g (nk of them).
 */
// @ts-ignore: decorator
@inline function keptOffset(u: i32, nk: i32, kd: usize, ks: usize): i32 {
  let rem = u, off = 0;
  for (let d = nk - 1; d >= 0; d--) {
    const n = load<i32>(kd + (<usize>d << 2));
    off += (rem % n) * load<i32>(ks + (<usize>d << 2));
    rem /= n;
  }
  return off;
}

/**
 * reduce_sum_to with the innermost dimension kept (a channel vector: [N, H, W, C] -> [C]).
 * `p`: i32 [nk, nr, keptDims[nk], keptStrides[nk], redDims[nr], redStrides[nr], c] over the
 * collapsed dims of g, innermost (c, stride 1) excluded. The range counts units of
 * (output row, block of 16 channels): row = unit / blocks.
 */
export function reduce_sum_cols(g: usize, y: usize, p: usize, start: i32, end: i32, worker: i32): void {
  const nk = load<i32>(p);
  const nr = load<i32>(p, 4);
  const kd = p + 8;
  const ks = kd + (<usize>nk << 2);
  const rd = ks + (<usize>nk << 2);
  const rs = rd + (<usize>nr << 2);
  const c = load<i32>(rs + (<usize>nr << 2));
  const blocks = (c + 15) >> 4;
  let count = 1;
  for (let d = 0; d < nr; d++) count *= load<i32>(rd + (<usize>d << 2));
  for (let u = start; u < end; u++) {
    const r = u / blocks;
    const c0 = (u - r * blocks) << 4;
    const width = min(16, c - c0);
    const base = keptOffset(r, nk, kd, ks) + c0;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    for (let k = 0; k < count; k++) {
      // Offset of reduced position k (an index over the reduced dimensions).
      let rem = k, off = base;
      for (let d = nr - 1; d >= 0; d--) {
        const n = load<i32>(rd + (<usize>d << 2));
        off += (rem % n) * load<i32>(rs + (<usize>d << 2));
        rem /= n;
      }
      const src = g + (<usize>off << 2);
      if (width == 16) {
        a0 = f32x4.add(a0, v128.load(src));
        a1 = f32x4.add(a1, v128.load(src, 16));
        a2 = f32x4.add(a2, v128.load(src, 32));
        a3 = f32x4.add(a3, v128.load(src, 48));
      } else {
        a0 = f32x4.add(a0, loadTail4(src, width));
        a1 = f32x4.add(a1, loadTail4(src + 16, width - 4));
        a2 = f32x4.add(a2, loadTail4(src + 32, width - 8));
        a3 = f32x4.add(a3, loadTail4(src + 48, width - 12));
      }
    }
    const dst = y + ((<usize>r * <usize>c + <usize>c0) << 2);
    storeTail4(dst, a0, width);
    storeTail4(dst + 16, a1, width - 4);
    storeTail4(dst + 32, a2, width - 8);
    storeTail4(dst + 48, a3, width - 12);
  }
}

/** Up to four floats (count may be <= 0: none, or >= 4: all four). */
// @ts-ignore: decorator
@inline function loadTail4(ptr: usize, count: i32): v128 {
  return count >= 4 ? v128.load(ptr) : count <= 0 ? f32x4.splat(0) : loadTail(ptr, count);
}

// @ts-ignore: decorator
@inline function storeTail4(ptr: usize, v: v128, count: i32): void {
  if (count >= 4) v128.store(ptr, v);
  else if (count > 0) storeTail(ptr, v, count);
}

/**
 * reduce_sum_to with the innermost dimension reduced (sums of contiguous runs: [N, C] -> [N, 1]).
 * `p` as for reduce_sum_cols, with the run length in place of c. The range counts output elements.
 */
export function reduce_sum_runs(g: usize, y: usize, p: usize, start: i32, end: i32, worker: i32): void {
  const nk = load<i32>(p);
  const nr = load<i32>(p, 4);
  const kd = p + 8;
  const ks = kd + (<usize>nk << 2);
  const rd = ks + (<usize>nk << 2);
  const rs = rd + (<usize>nr << 2);
  const len = load<i32>(rs + (<usize>nr << 2));
  let count = 1;
  for (let d = 0; d < nr; d++) count *= load<i32>(rd + (<usize>d << 2));
  for (let u = start; u < end; u++) {
    const base = keptOffset(u, nk, kd, ks);
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
    for (let k = 0; k < count; k++) {
      let rem = k, off = base;
      for (let d = nr - 1; d >= 0; d--) {
        const n = load<i32>(rd + (<usize>d << 2));
        off += (rem % n) * load<i32>(rs + (<usize>d << 2));
        rem /= n;
      }
      const src = g + (<usize>off << 2);
      let i = 0;
      for (; i + 8 <= len; i += 8) {
        a0 = f32x4.add(a0, v128.load(src + (<usize>i << 2)));
        a1 = f32x4.add(a1, v128.load(src + (<usize>i << 2), 16));
      }
      for (; i + 4 <= len; i += 4) a0 = f32x4.add(a0, v128.load(src + (<usize>i << 2)));
      if (i < len) a1 = f32x4.add(a1, loadTail(src + (<usize>i << 2), len - i));
    }
    const s = f32x4.add(a0, a1);
    store<f32>(y + (<usize>u << 2), f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
  }
}

// @ts-ignore: decorator
@inline function activationLoop(kind: i32, x: usize, y: usize, alpha: f32, beta: f32, start: i32, end: i32): void {
  const av = f32x4.splat(alpha), bv = f32x4.splat(beta);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, activate4(kind, v128.load(x + o), av, bv));
  }
  const o = <usize>i << 2;
  const t = end - i;
  if (t > 0) storeTail(y + o, activate4(kind, loadTail(x + o, t), av, bv), t);
}

/** y = f(x) for activation `kind` (codes in assembly/activation.ts). x and y may alias. */
export function activation(kind: i32, x: usize, y: usize, alpha: f32, beta: f32, start: i32, end: i32, worker: i32): void {
  // One loop per kind, each with its activation inlined (the switch inside folds away).
  switch (kind) {
    case 0: activationLoop(0, x, y, alpha, beta, start, end); break;
    case 1: activationLoop(1, x, y, alpha, beta, start, end); break;
    case 2: activationLoop(2, x, y, alpha, beta, start, end); break;
    case 3: activationLoop(3, x, y, alpha, beta, start, end); break;
    case 4: activationLoop(4, x, y, alpha, beta, start, end); break;
    case 5: activationLoop(5, x, y, alpha, beta, start, end); break;
    case 6: activationLoop(6, x, y, alpha, beta, start, end); break;
    case 7: activationLoop(7, x, y, alpha, beta, start, end); break;
    case 8: activationLoop(8, x, y, alpha, beta, start, end); break;
    case 9: activationLoop(9, x, y, alpha, beta, start, end); break;
    default: unreachable();
  }
}

// @ts-ignore: decorator
@inline function gradLoop(kind: i32, dy: usize, x: usize, y: usize, dx: usize, alpha: f32, beta: f32, start: i32, end: i32): void {
  const av = f32x4.splat(alpha), bv = f32x4.splat(beta);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, activateGrad4(kind, v128.load(dy + o), v128.load(x + o), v128.load(y + o), av, bv));
  }
  const o = <usize>i << 2;
  const t = end - i;
  if (t > 0) storeTail(dx + o, activateGrad4(kind, loadTail(dy + o, t), loadTail(x + o, t), loadTail(y + o, t), av, bv), t);
}

/** dx = dy * f'(x), given x and y = f(x). dx may alias dy. */
export function activation_grad(kind: i32, dy: usize, x: usize, y: usize, dx: usize, alpha: f32, beta: f32, start: i32, end: i32, worker: i32): void {
  switch (kind) {
    case 0: gradLoop(0, dy, x, y, dx, alpha, beta, start, end); break;
    case 1: gradLoop(1, dy, x, y, dx, alpha, beta, start, end); break;
    case 2: gradLoop(2, dy, x, y, dx, alpha, beta, start, end); break;
    case 3: gradLoop(3, dy, x, y, dx, alpha, beta, start, end); break;
    case 4: gradLoop(4, dy, x, y, dx, alpha, beta, start, end); break;
    case 5: gradLoop(5, dy, x, y, dx, alpha, beta, start, end); break;
    case 6: gradLoop(6, dy, x, y, dx, alpha, beta, start, end); break;
    case 7: gradLoop(7, dy, x, y, dx, alpha, beta, start, end); break;
    case 8: gradLoop(8, dy, x, y, dx, alpha, beta, start, end); break;
    case 9: gradLoop(9, dy, x, y, dx, alpha, beta, start, end); break;
    default: unreachable();
  }
}

/** y = a * m + b * n, with n = 1 - m computed by the host in double precision. */
export function moving_average(a: usize, b: usize, y: usize, m: f32, n: f32, start: i32, end: i32, worker: i32): void {
  const mv = f32x4.splat(m), nv = f32x4.splat(n);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.add(f32x4.mul(v128.load(a + o), mv), f32x4.mul(v128.load(b + o), nv)));
  }
  const o = <usize>i << 2;
  const t = end - i;
  if (t > 0) storeTail(y + o, f32x4.add(f32x4.mul(loadTail(a + o, t), mv), f32x4.mul(loadTail(b + o, t), nv)), t);
}

/** lowbias32 on four lanes (src/core/random.ts hash32). */
// @ts-ignore: decorator
@inline function hash4(x: v128): v128 {
  x = v128.xor(x, i32x4.shr_u(x, 16));
  x = i32x4.mul(x, i32x4.splat(0x7feb352d));
  x = v128.xor(x, i32x4.shr_u(x, 15));
  x = i32x4.mul(x, i32x4.splat(<i32>0x846ca68b));
  return v128.xor(x, i32x4.shr_u(x, 16));
}

/**
 * The dropout mask: y[i] = keep when hash32(h0 ^ i) >= threshold (unsigned), else 0. The host
 * passes h0 = hash32(seed ^ 0x9e3779b9) and threshold = ceil(rate * 2^32), which is exactly
 * hashUniform(seed, i) >= rate; a threshold of 2^32 keeps nothing.
 */
export function dropout_mask(y: usize, h0: i32, threshold: f64, keep: f32, start: i32, end: i32, worker: i32): void {
  const none = threshold >= 4294967296.0;
  const t = i32x4.splat(<i32><u32>(none ? 0.0 : threshold));
  const kv = none ? f32x4.splat(0) : f32x4.splat(keep);
  const seed = i32x4.splat(h0);
  let idx = i32x4.add(i32x4.splat(start), i32x4(0, 1, 2, 3));
  const four = i32x4.splat(4);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    v128.store(y + (<usize>i << 2), v128.and(kv, i32x4.ge_u(hash4(v128.xor(seed, idx)), t)));
    idx = i32x4.add(idx, four);
  }
  const tail = end - i;
  if (tail > 0) storeTail(y + (<usize>i << 2), v128.and(kv, i32x4.ge_u(hash4(v128.xor(seed, idx)), t)), tail);
}
