/**
 * Dense 2-D convolution over NHWC images and HWIO weights: the direct kernel (any kernel size,
 * stride, padding, dilation and groups; 1x1 convolutions are the same kernel with one tap, a GEMM
 * over [pixels, Cin] x [Cin, Cout]) and the transposed kernel that computes conv2d_grad_input.
 * Both run the register tiles of conv-tile.ts over an indirection table built per block of
 * output pixels, so borders need no separate code path; with few channels per tap the direct
 * kernel first gathers each pixel's window into one row (im2col) instead.
 */

import { finishBlock, inTile, roundUp, workerScratch } from './conv-common';
import { TILE_PX, tile4, tile8 } from './conv-tile';

/** Output pixels per indirection block for a window of `taps` taps (a multiple of TILE_PX). */
function blockPixels(taps: i32): i32 {
  const tiles = 384 / taps;
  return TILE_PX * (tiles < 1 ? 1 : tiles > 16 ? 16 : tiles);
}

/**
 * Packs HWIO weights w [kh, kw, cg, og * groups] for the tiles. Per group, output channels go in
 * blocks of 8 (the last block 4 wide when 1..4 remain), each block holding [tap][k][8 or 4] with
 * zeros past the group's channels. Group g starts at g * taps * K * roundUp(N, 4) floats and block
 * b at b * taps * K * 8 within it.
 *
 * `transposed` packs for conv2d_grad_input, a convolution of dy with the flipped, transposed
 * filter: K = og (reduced over), N = cg (produced), and tap i holds the original tap taps-1-i.
 */
export function conv2d_pack(w: usize, dst: usize, kh: i32, kw: i32, cg: i32, og: i32, groups: i32, transposed: i32): void {
  const taps = kh * kw;
  const cout = og * groups;
  const k = transposed ? og : cg;
  const n = transposed ? cg : og;
  const n4 = roundUp(n, 4);
  let d = dst;
  for (let g = 0; g < groups; g++) {
    for (let b0 = 0; b0 < n4; b0 += 8) {
      const width = n4 - b0 < 8 ? n4 - b0 : 8;
      for (let t = 0; t < taps; t++) {
        const src = transposed ? taps - 1 - t : t;
        for (let r = 0; r < k; r++) {
          for (let l = 0; l < width; l++) {
            const c = b0 + l;
            let v: f32 = 0;
            if (c < n) {
              // HWIO element [tap][ci][co]: ci = r, co = c forward; ci = c, co = r transposed.
              const ci = transposed ? c : r;
              const co = g * og + (transposed ? r : c);
              v = load<f32>(w + ((<usize>src * cg + ci) * cout + co) * 4);
            }
            store<f32>(d, v);
            d += 4;
          }
        }
      }
    }
  }
}

/** Bytes of conv2d_pack's output. */
export function conv2d_packed_bytes(kh: i32, kw: i32, cg: i32, og: i32, groups: i32, transposed: i32): i32 {
  const k = transposed ? og : cg;
  const n = transposed ? cg : og;
  return groups * kh * kw * k * roundUp(n, 4) * 4;
}

/**
 * Whether conv2d_direct gathers each pixel's window into a row first (im2col): with few channels
 * per group, a tap's reduction is too short to pay for the tile's per-tap setup, while one row of
 * taps * cg floats makes a single long reduction over the same packed weights. Measured 15-35%
 * faster below 16 channels, even at 16.
 */
function useIm2col(cg: i32, taps: i32, groups: i32): bool {
  return taps > 1 && cg < 16 && groups == 1;
}

/** Copies n floats (unaligned v128 moves, then the tail). */
// @ts-ignore: decorator
@inline function copyFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

/** Zeroes n floats. */
// @ts-ignore: decorator
@inline function zeroFloats(dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), f32x4.splat(0));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

/** Per-worker scratch of conv2d_direct: zero row, tap list, indirection table (+ im2col rows). */
export function conv2d_direct_scratch(cin: i32, taps: i32, groups: i32): i32 {
  const block = blockPixels(taps);
  let bytes = roundUp(cin, 4) * 4 + roundUp(taps, 4) * 4 + (block / TILE_PX) * taps * TILE_PX * 4;
  if (useIm2col(cin / groups, taps, groups)) bytes += block * taps * cin * 4 + block * 4;
  return bytes;
}

/**
 * Runs the tiles of every group and channel block over `px` output pixels whose indirection
 * table is built (tiles `nt` taps apart, the first `nTaps` of each filled), writing pixels
 * `ostride` bytes apart from `out`. Weights are conv2d_pack blocks of `nt` taps x k rows.
 */
function tilesOver(
  ind: usize, tapList: usize, nTaps: i32, nt: i32, px: i32, wp: usize, bias: usize, out: usize,
  k: i32, n: i32, groups: i32, ostride: i32, act: i32, alpha: f32,
): void {
  const n4 = roundUp(n, 4);
  const groupFloats = <usize>nt * k * n4;
  const tileBytes = <usize>nt * TILE_PX * 4;
  for (let g = 0; g < groups; g++) {
    const goff = <usize>g * k * 4;
    for (let b0 = 0; b0 < n4; b0 += 8) {
      const width = n4 - b0 < 8 ? n4 - b0 : 8;
      const nc = n - b0 < 8 ? n - b0 : 8;
      const wb = wp + (<usize>g * groupFloats + <usize>b0 * nt * k) * 4;
      const tapStride = <usize>k * width * 4;
      const c0 = g * n + b0;
      const bptr: usize = bias == 0 ? 0 : bias + (<usize>c0 << 2);
      let o = out + (<usize>c0 << 2);
      let ip = ind;
      for (let p = 0; p < px; p += TILE_PX) {
        const np = px - p < TILE_PX ? px - p : TILE_PX;
        if (width == 8) tile8(ip, tapList, nTaps, k, goff, wb, tapStride, o, ostride, np, nc, bptr, act, alpha);
        else tile4(ip, tapList, nTaps, k, goff, wb, tapStride, o, ostride, np, nc, bptr, act, alpha);
        o += <usize>ostride * TILE_PX;
        ip += tileBytes;
      }
    }
  }
}

/**
 * y = act(conv(x, w) + b), NHWC. `wp` is conv2d_pack(transposed = 0) output; `bias` 0 for none.
 * `act` is a code of assembly/activation.ts.
 * Splits over output rows: [start, end) of n * ho.
 */
export function conv2d_direct(
  x: usize, wp: usize, bias: usize, y: usize, scratch: usize, scratchStride: usize,
  h: i32, w: i32, cin: i32, ho: i32, wo: i32, cout: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32,
  groups: i32, act: i32, alpha: f32, beta: f32,
  start: i32, end: i32, worker: i32,
): void {
  const nt = kh * kw;
  const k = cin / groups;
  const n = cout / groups;
  const s = workerScratch(scratch, scratchStride, worker);
  const zero = s;
  const taps = zero + <usize>roundUp(cin, 4) * 4;
  const ind = taps + <usize>roundUp(nt, 4) * 4;
  memory.fill(zero, 0, <usize>cin * 4);
  for (let t = 0; t < nt; t++) store<u32>(taps + (<usize>t << 2), t);
  const block = blockPixels(nt);
  const im2col = useIm2col(k, nt, groups);
  const col = ind + <usize>(block / TILE_PX) * nt * TILE_PX * 4;
  const colInd = col + <usize>block * nt * cin * 4;
  const plane = ho * wo;
  const pixEnd = end * wo;
  const pixBytes = <usize>cin * 4;
  for (let p0 = start * wo; p0 < pixEnd; p0 += block) {
    const px = pixEnd - p0 < block ? pixEnd - p0 : block;
    const out = y + <usize>p0 * cout * 4;
    const a = inTile(act) ? act : 0;
    let b = p0 / plane, rem = p0 - b * plane;
    let oh = rem / wo, ow = rem - oh * wo;
    if (im2col) {
      // Row i holds pixel i's whole window, [tap][cin] floats (zeros in the padding): the packed
      // weights are [tap][cin] rows too, so the window is one tap of taps * cin.
      const span = kw * cin;
      let d = col;
      for (let i = 0; i < px; i++) {
        store<u32>(colInd + (<usize>i << 2), <u32>d);
        const img = x + <usize>b * h * w * pixBytes;
        const ih0 = oh * sh - pt, iw0 = ow * sw - pl;
        for (let ky = 0; ky < kh; ky++) {
          const ih = ih0 + ky * dh;
          if (ih < 0 || ih >= h) {
            zeroFloats(d, span);
          } else {
            const rowPtr = img + <usize>ih * w * pixBytes;
            if (dw == 1 && iw0 >= 0 && iw0 + kw <= w) {
              copyFloats(d, rowPtr + <usize>iw0 * pixBytes, span);
            } else {
              for (let kx = 0; kx < kw; kx++) {
                const iw = iw0 + kx * dw;
                const dk = d + <usize>kx * pixBytes;
                if (iw >= 0 && iw < w) copyFloats(dk, rowPtr + <usize>iw * pixBytes, cin);
                else zeroFloats(dk, cin);
              }
            }
          }
          d += <usize>span * 4;
        }
        if (++ow == wo) { ow = 0; if (++oh == ho) { oh = 0; b++; } }
      }
      padLastTile(colInd, px, 1, 1);
      tilesOver(colInd, taps, 1, 1, px, wp, bias, out, nt * k, n, groups, cout * 4, a, alpha);
    } else {
      // Indirection for pixels p0 .. p0 + px - 1.
      for (let i = 0; i < px; i++) {
        const lane = i % TILE_PX;
        const row = ind + <usize>(i / TILE_PX) * nt * TILE_PX * 4 + (<usize>lane << 2);
        const img = x + <usize>b * h * w * pixBytes;
        const ih0 = oh * sh - pt, iw0 = ow * sw - pl;
        let t = 0;
        for (let ky = 0; ky < kh; ky++) {
          const ih = ih0 + ky * dh;
          const rowOk = ih >= 0 && ih < h;
          const rowPtr = img + <usize>ih * w * pixBytes;
          for (let kx = 0; kx < kw; kx++) {
            const iw = iw0 + kx * dw;
            const addr = rowOk && iw >= 0 && iw < w ? rowPtr + <usize>iw * pixBytes : zero;
            store<u32>(row + <usize>t * TILE_PX * 4, <u32>addr);
            t++;
          }
        }
        if (++ow == wo) { ow = 0; if (++oh == ho) { oh = 0; b++; } }
      }
      padLastTile(ind, px, nt, nt);
      tilesOver(ind, taps, nt, nt, px, wp, bias, out, k, n, groups, cout * 4, a, alpha);
    }
    finishBlock(out, <usize>px * cout, act, alpha, beta);
  }
}

/**
 * Repeats the last pixel's addresses into the unused lanes of the last tile of `px` pixels
 * (tiles `nt` taps apart, the first `nTaps` filled).
 */
function padLastTile(ind: usize, px: i32, nTaps: i32, nt: i32): void {
  const used = px % TILE_PX;
  if (used == 0) return;
  const tile = ind + <usize>(px / TILE_PX) * nt * TILE_PX * 4;
  for (let t = 0; t < nTaps; t++) {
    const row = tile + <usize>t * TILE_PX * 4;
    const last = load<u32>(row + (<usize>(used - 1) << 2));
    for (let l = used; l < TILE_PX; l++) store<u32>(row + (<usize>l << 2), last);
  }
}

/** Per-worker scratch of conv2d_transposed. */
export function conv2d_transposed_scratch(cout: i32, taps: i32, w: i32, sw: i32): i32 {
  const phasePixels = (w + sw - 1) / sw;
  return roundUp(cout, 4) * 4 + roundUp(taps, 4) * 4 + ((phasePixels + TILE_PX - 1) / TILE_PX) * taps * TILE_PX * 4;
}

/**
 * dx = conv2d_grad_input(dy, w) for any stride: dx[ih, iw] gathers dy[oh, ow] over the taps with
 * ih = oh*sh - pt + ky*dh and iw = ow*sw - pl + kx*dw. Within one dx row the valid ky are fixed,
 * and within one column phase (iw mod sw) so are the valid kx, so each (row, phase) runs the
 * tiles over exactly its taps, with dx pixels sw apart. `wp` is conv2d_pack(transposed = 1).
 * dy [n, ho, wo, cout], dx [n, h, w, cin]. Splits over dx rows: [start, end) of n * h.
 */
export function conv2d_transposed(
  dy: usize, wp: usize, dx: usize, scratch: usize, scratchStride: usize,
  h: i32, w: i32, cin: i32, ho: i32, wo: i32, cout: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, groups: i32,
  start: i32, end: i32, worker: i32,
): void {
  const nt = kh * kw;
  const og = cout / groups;
  const cg = cin / groups;
  const s = workerScratch(scratch, scratchStride, worker);
  const zero = s;
  const tapList = zero + <usize>roundUp(cout, 4) * 4;
  const ind = tapList + <usize>roundUp(nt, 4) * 4;
  memory.fill(zero, 0, <usize>cout * 4);
  const dxPix = <usize>cin * 4;
  const dyPix = <usize>cout * 4;
  for (let r = start; r < end; r++) {
    const b = r / h, ih = r - b * h;
    const dxRow = dx + <usize>r * w * dxPix;
    for (let phase = 0; phase < sw && phase < w; phase++) {
      const px = (w - phase + sw - 1) / sw;
      // The taps of this (row, phase): ky with ih + pt - ky*dh = oh*sh, kx likewise.
      let nTaps = 0;
      for (let ky = 0; ky < kh; ky++) {
        const vy = ih + pt - ky * dh;
        if (vy < 0 || vy % sh != 0 || vy / sh >= ho) continue;
        for (let kx = 0; kx < kw; kx++) {
          const vx = phase + pl - kx * dw;
          if (((vx % sw) + sw) % sw != 0) continue;
          store<u32>(tapList + (<usize>nTaps << 2), nt - 1 - (ky * kw + kx));
          // The indirection column of this tap, one dy address per pixel of the phase.
          const dyRow = dy + <usize>(b * ho + vy / sh) * wo * dyPix;
          for (let i = 0; i < px; i++) {
            const vxi = vx + i * sw; // = ow * sw for the pixel's ow
            const ow = vxi / sw;
            const a = vxi >= 0 && ow < wo ? dyRow + <usize>ow * dyPix : zero;
            store<u32>(ind + (<usize>(i / TILE_PX) * nt + nTaps) * TILE_PX * 4 + (<usize>(i % TILE_PX) << 2), <u32>a);
          }
          nTaps++;
        }
      }
      const out = dxRow + <usize>phase * dxPix;
      const ostride = sw * cin * 4;
      if (nTaps == 0) {
        // No dy pixel reads these dx pixels: their gradient is zero.
        for (let i = 0; i < px; i++) memory.fill(out + <usize>i * ostride, 0, dxPix);
        continue;
      }
      // Tiles are laid out with a stride of nt taps; the tile reads its first nTaps rows.
      padLastTile(ind, px, nTaps, nt);
      tilesOver(ind, tapList, nTaps, nt, px, wp, 0, out, og, cg, groups, ostride, 0, 0);
    }
  }
}
