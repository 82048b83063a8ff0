/**
 * 3x3 stride-1 convolution (groups 1, dilation 1) by Winograd F(4x4, 3x3): each 4x4 block of
 * outputs comes from a 6x6 input patch as Y = A^T [(G g G^T) . (B^T d B)] A, which turns the 36
 * products per channel pair into 36 transformed-domain products for 16 outputs instead of 144,
 * 4x fewer multiply-adds. The element-wise products over all channels form 36 independent GEMMs
 * [tiles, Cin] x [Cin, Cout], run on the same register tiles as the direct kernel.
 *
 * Work is split over tile rows (4 output rows each); within a worker's rows, tiles are taken in
 * blocks sized so the transformed inputs V and products M of a block stay in L2.
 * Transform matrices (Lavin & Gray, points 0, +-1, +-2, inf):
 *   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
 *   G   = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
 *   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
 */

import { fma, fnma } from './simd';
import { activate4 as activateAny } from './activation';
import { activate4, biasAt, inTile, loadTail, roundUp, storeTail, workerScratch } from './conv-common';
import { TILE_PX, tile8 } from './conv-tile';

const ALPHA: i32 = 6; // input patch side
const XI: i32 = 36; // transformed-domain points

const G: StaticArray<f64> = [
  0.25, 0, 0,
  -1.0 / 6, -1.0 / 6, -1.0 / 6,
  -1.0 / 6, 1.0 / 6, -1.0 / 6,
  1.0 / 24, 1.0 / 12, 1.0 / 6,
  1.0 / 24, -1.0 / 12, 1.0 / 6,
  0, 0, 1,
];

/**
 * Packs w [3, 3, cin, cout] as U = G g G^T for each (ci, co), laid out [xi][co block of 8][ci][8]
 * with zeros past cout (computed in f64, rounded once). `transposed` packs the filter of
 * conv2d_grad_input instead: w is [3, 3, cout, cin] and g[a][b] = w[2 - a][2 - b][co][ci].
 */
export function conv2d_winograd_pack(w: usize, dst: usize, cin: i32, cout: i32, transposed: i32): void {
  const np = roundUp(cout, 8);
  for (let ci = 0; ci < cin; ci++) {
    for (let co = 0; co < np; co++) {
      const blk = co >> 3, lane = co & 7;
      for (let r = 0; r < ALPHA; r++) {
        // Row r of G g (3 values), then U[r][c] = (G g)[r] . G[c].
        let t0: f64 = 0, t1: f64 = 0, t2: f64 = 0;
        if (co < cout) {
          for (let a = 0; a < 3; a++) {
            const gr = G[r * 3 + a];
            t0 += gr * filterAt(w, a * 3, ci, co, cin, cout, transposed);
            t1 += gr * filterAt(w, a * 3 + 1, ci, co, cin, cout, transposed);
            t2 += gr * filterAt(w, a * 3 + 2, ci, co, cin, cout, transposed);
          }
        }
        for (let c = 0; c < ALPHA; c++) {
          const u = t0 * G[c * 3] + t1 * G[c * 3 + 1] + t2 * G[c * 3 + 2];
          const xi = r * ALPHA + c;
          store<f32>(dst + ((((<usize>xi * (np >> 3) + blk) * cin + ci) << 3) + lane) * 4, <f32>u);
        }
      }
    }
  }
}

/** Filter value g[tap][ci][co] of the convolution being packed (see conv2d_winograd_pack). */
// @ts-ignore: decorator
@inline function filterAt(w: usize, tap: i32, ci: i32, co: i32, cin: i32, cout: i32, transposed: i32): f64 {
  const src = transposed ? (<usize>(8 - tap) * cout + co) * cin + ci : (<usize>tap * cin + ci) * cout + co;
  return <f64>load<f32>(w + src * 4);
}

/** Bytes of conv2d_winograd_pack's output. */
export function conv2d_winograd_packed_bytes(cin: i32, cout: i32): i32 {
  return XI * cin * roundUp(cout, 8) * 4;
}

/** Tiles per block: V and M of a block within about 384 KiB, a multiple of TILE_PX. */
function blockTiles(cin: i32, cout: i32): i32 {
  const per = XI * (roundUp(cin, 4) + roundUp(cout, 8)) * 4;
  let tb = (393216 / per) / TILE_PX * TILE_PX;
  if (tb < TILE_PX) tb = TILE_PX;
  if (tb > 64) tb = 64;
  return tb;
}

/** Per-worker scratch of conv2d_winograd. */
export function conv2d_winograd_scratch(cin: i32, cout: i32): i32 {
  const tb = blockTiles(cin, cout);
  const kp = roundUp(cin, 4), np = roundUp(cout, 8);
  // zero row, patch addresses, 6x6 vector temporary, tap list + indirection, V, M
  return kp * 4 + XI * 4 + XI * 16 + 16 + tb * 4 + XI * tb * (kp + np) * 4;
}

/** The 6-point input transform (rows of B^T) of d0..d5 at `src` (stride ss) into `dst` (stride ds). */
// @ts-ignore: decorator
@inline function inputTransform6(src: usize, ss: usize, dst: usize, ds: usize): void {
  const d0 = v128.load(src), d1 = v128.load(src + ss), d2 = v128.load(src + 2 * ss);
  const d3 = v128.load(src + 3 * ss), d4 = v128.load(src + 4 * ss), d5 = v128.load(src + 5 * ss);
  const four = f32x4.splat(4), five = f32x4.splat(5), two = f32x4.splat(2);
  const a = fnma(four, d2, d4); // d4 - 4 d2
  const b = fnma(four, d1, d3); // d3 - 4 d1
  const c = f32x4.sub(d4, d2);
  const e = f32x4.mul(two, f32x4.sub(d3, d1));
  v128.store(dst, fnma(five, d2, fma(four, d0, d4)));
  v128.store(dst + ds, f32x4.add(a, b));
  v128.store(dst + 2 * ds, f32x4.sub(a, b));
  v128.store(dst + 3 * ds, f32x4.add(c, e));
  v128.store(dst + 4 * ds, f32x4.sub(c, e));
  v128.store(dst + 5 * ds, fnma(five, d3, fma(four, d1, d5)));
}

/**
 * y = act(conv3x3(x, w) + b), stride 1, dilation 1, groups 1. `up` is conv2d_winograd_pack output.
 * Splits over tile rows: [start, end) of n * ceil(ho / 4).
 */
export function conv2d_winograd(
  x: usize, up: usize, bias: usize, y: usize, scratch: usize, scratchStride: usize,
  h: i32, w: i32, cin: i32, ho: i32, wo: i32, cout: i32, pt: i32, pl: i32,
  act: i32, alpha: f32, beta: f32,
  start: i32, end: i32, worker: i32,
): void {
  const kp = roundUp(cin, 4), np = roundUp(cout, 8);
  const tb = blockTiles(cin, cout);
  const s = workerScratch(scratch, scratchStride, worker);
  const zero = s;
  const addr = zero + <usize>kp * 4;
  const tmp = addr + XI * 4;
  const taps = tmp + XI * 16;
  const ind = taps + 16;
  const vbuf = ind + <usize>tb * 4;
  const mbuf = vbuf + <usize>XI * tb * kp * 4;
  memory.fill(zero, 0, <usize>kp * 4);
  store<u32>(taps, 0);
  const tilesW = (wo + 3) >> 2, tilesH = (ho + 3) >> 2;
  const first = start * tilesW, last = end * tilesW;
  const pix = <usize>cin * 4;
  const al = f32x4.splat(alpha), be = f32x4.splat(beta);
  const cheap = inTile(act);
  for (let t0 = first; t0 < last; t0 += tb) {
    const nb = last - t0 < tb ? last - t0 : tb;
    // 1. Input transform of each tile's 6x6 patch into V[xi][tile][kp].
    for (let i = 0; i < nb; i++) {
      const tile = t0 + i;
      const row = tile / tilesW, tc = tile - row * tilesW;
      const b = row / tilesH, tr = row - b * tilesH;
      const ih0 = tr * 4 - pt, iw0 = tc * 4 - pl;
      const img = x + <usize>b * h * w * pix;
      for (let r = 0; r < ALPHA; r++) {
        const ih = ih0 + r;
        for (let c = 0; c < ALPHA; c++) {
          const iw = iw0 + c;
          const a = ih >= 0 && ih < h && iw >= 0 && iw < w ? img + (<usize>ih * w + iw) * pix : zero;
          store<u32>(addr + <usize>(r * ALPHA + c) * 4, <u32>a);
        }
      }
      for (let c0 = 0; c0 < cin; c0 += 4) {
        const nl = cin - c0 < 4 ? cin - c0 : 4;
        const co = <usize>c0 * 4;
        // Rows: tmp[r][j] = (d B)[r][j]; the patch row r is gathered through the address table.
        for (let r = 0; r < ALPHA; r++) {
          const ar = addr + <usize>r * ALPHA * 4;
          const g = tmp + <usize>r * ALPHA * 16;
          // Gather the row into tmp first (the transform reads a fixed stride).
          for (let j = 0; j < ALPHA; j++) v128.store(g + <usize>j * 16, loadTail(<usize>load<u32>(ar + <usize>j * 4) + co, nl));
          inputTransform6(g, 16, g, 16);
        }
        // Columns: V[xi = r*6 + j] = (B^T tmp)[r][j].
        const vt = vbuf + (<usize>i * kp + c0) * 4;
        const xiStride = <usize>tb * kp * 4;
        for (let j = 0; j < ALPHA; j++) {
          inputTransform6(tmp + <usize>j * 16, ALPHA * 16, vt + <usize>j * xiStride, <usize>ALPHA * xiStride);
        }
      }
    }
    // 2. 36 GEMMs: M[xi][tile][np] = V[xi][tile][:cin] x U[xi].
    for (let i = 0; i < nb; i++) store<u32>(ind + <usize>i * 4, <u32>(vbuf + <usize>i * kp * 4));
    for (let i = nb; i < roundUp(nb, TILE_PX); i++) store<u32>(ind + <usize>i * 4, <u32>(vbuf + <usize>(nb - 1) * kp * 4));
    for (let xi = 0; xi < XI; xi++) {
      const goff = <usize>xi * tb * kp * 4;
      for (let b0 = 0; b0 < np; b0 += 8) {
        const wb = up + ((<usize>xi * np + b0) * cin) * 4;
        let o = mbuf + ((<usize>xi * tb * np) + b0) * 4;
        for (let p = 0; p < nb; p += TILE_PX) {
          const n = nb - p < TILE_PX ? nb - p : TILE_PX;
          tile8(ind + <usize>p * 4, taps, 1, cin, goff, wb, 0, o, np * 4, n, 8, 0, 0, 0);
          o += <usize>np * 4 * TILE_PX;
        }
      }
    }
    // 3. Output transform of each tile, with bias and activation, into y.
    for (let i = 0; i < nb; i++) {
      const tile = t0 + i;
      const row = tile / tilesW, tc = tile - row * tilesW;
      const b = row / tilesH, tr = row - b * tilesH;
      const oh0 = tr * 4, ow0 = tc * 4;
      const rows = ho - oh0 < 4 ? ho - oh0 : 4;
      const cols = wo - ow0 < 4 ? wo - ow0 : 4;
      const xiStride = <usize>tb * np * 4;
      for (let c0 = 0; c0 < cout; c0 += 4) {
        const nl = cout - c0 < 4 ? cout - c0 : 4;
        const mt = mbuf + (<usize>i * np + c0) * 4;
        // Rows: tmp[r][0..3] = (m A)[r] for the 6 rows r.
        for (let r = 0; r < ALPHA; r++) {
          const src = mt + <usize>r * ALPHA * xiStride;
          const m0 = v128.load(src), m1 = v128.load(src + xiStride), m2 = v128.load(src + 2 * xiStride);
          const m3 = v128.load(src + 3 * xiStride), m4 = v128.load(src + 4 * xiStride), m5 = v128.load(src + 5 * xiStride);
          const g = tmp + <usize>r * 64;
          outputTransform6(m0, m1, m2, m3, m4, m5, g, 16);
        }
        const bv = biasAt(bias, c0, nl);
        // Columns: y[0..3][j] = (A^T tmp)[.][j].
        for (let j = 0; j < cols; j++) {
          const src = tmp + <usize>j * 16;
          const m0 = v128.load(src), m1 = v128.load(src, 64), m2 = v128.load(src, 128);
          const m3 = v128.load(src, 192), m4 = v128.load(src, 256), m5 = v128.load(src, 320);
          const s12 = f32x4.add(m1, m2), d12 = f32x4.sub(m1, m2);
          const s34 = f32x4.add(m3, m4), d34 = f32x4.sub(m3, m4);
          const o = y + ((<usize>(b * ho + oh0) * wo + ow0 + j) * cout + c0) * 4;
          const ostride = <usize>wo * cout * 4;
          emitOut(o, f32x4.add(f32x4.add(m0, s12), s34), bv, nl, act, cheap, al, be);
          if (rows > 1) emitOut(o + ostride, fma(f32x4.splat(2), d34, d12), bv, nl, act, cheap, al, be);
          if (rows > 2) emitOut(o + 2 * ostride, fma(f32x4.splat(4), s34, s12), bv, nl, act, cheap, al, be);
          if (rows > 3) emitOut(o + 3 * ostride, f32x4.add(fma(f32x4.splat(8), d34, d12), m5), bv, nl, act, cheap, al, be);
        }
      }
    }
  }
}

/** The 4-point output transform (rows of A^T) of m0..m5, stored at dst with stride ds. */
// @ts-ignore: decorator
@inline function outputTransform6(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, dst: usize, ds: usize): void {
  const s12 = f32x4.add(m1, m2), d12 = f32x4.sub(m1, m2);
  const s34 = f32x4.add(m3, m4), d34 = f32x4.sub(m3, m4);
  v128.store(dst, f32x4.add(f32x4.add(m0, s12), s34));
  v128.store(dst + ds, fma(f32x4.splat(2), d34, d12));
  v128.store(dst + 2 * ds, fma(f32x4.splat(4), s34, s12));
  v128.store(dst + 3 * ds, f32x4.add(fma(f32x4.splat(8), d34, d12), m5));
}

/** Bias, activation and a store of `nl` lanes. */
// @ts-ignore: decorator
@inline function emitOut(p: usize, v: v128, bv: v128, nl: i32, act: i32, cheap: bool, al: v128, be: v128): void {
  const z = f32x4.add(v, bv);
  storeTail(p, cheap ? activate4(z, act, al) : activateOther(act, z, al, be), nl);
}

/** The activations with transcendental parts, one call per vector (they dominate its cost). */
function activateOther(act: i32, v: v128, al: v128, be: v128): v128 {
  return activateAny(act, v, al, be);
}
