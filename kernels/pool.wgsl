// Pooling over NHWC images, with the window resolved by the op (src/ops/pool-window.ts): output
// row oh pools input rows oh * sh - pad_top + j * dh for the taps j that land inside the input
// (a contiguous range, tap_range); padding is never read. Likewise for columns.
// Max pooling: ties go to the first tap in window order (row-major), a NaN wins, and argmax holds
// the winner's tap jh * kw + jw. Gradients gather: each input cell collects from the windows that
// cover it, so nothing is scattered and no atomics are needed.
// Needs common.wgsl in the same module.

struct PoolParams {
  total: u32, c: u32, in_h: u32, in_w: u32,
  out_h: u32, out_w: u32, kh: u32, kw: u32,
  sh: u32, sw: u32, dh: u32, dw: u32,
  pad_top: u32, pad_bottom: u32, pad_left: u32, pad_right: u32,
  // Average pools: 1 divides by the cells of the padded input a window covers.
  include_pad: u32, _p0: u32, _p1: u32, _p2: u32,
}
@group(0) @binding(0) var<uniform> pp: PoolParams;

// The taps j in [from, to) of a window starting at `start` (k taps, step d) that land in [lo, hi).
fn tap_range(start: i32, k: u32, d: u32, lo: i32, hi: i32) -> vec2<u32> {
  let first = max(0, ceil_div(lo - start, i32(d)));
  let end = min(i32(k), floor_div(hi - 1 - start, i32(d)) + 1);
  return vec2<u32>(u32(first), u32(max(first, end)));
}

fn row_start(oh: u32) -> i32 { return i32(oh * pp.sh) - i32(pp.pad_top); }
fn col_start(ow: u32) -> i32 { return i32(ow * pp.sw) - i32(pp.pad_left); }

fn rows_of(oh: u32) -> vec2<u32> { return tap_range(row_start(oh), pp.kh, pp.dh, 0, i32(pp.in_h)); }
fn cols_of(ow: u32) -> vec2<u32> { return tap_range(col_start(ow), pp.kw, pp.dw, 0, i32(pp.in_w)); }

// Cells an average divides by for output (oh, ow).
fn avg_count(oh: u32, ow: u32) -> f32 {
  var r = rows_of(oh);
  var c = cols_of(ow);
  if (pp.include_pad != 0u) {
    r = tap_range(row_start(oh), pp.kh, pp.dh, -i32(pp.pad_top), i32(pp.in_h + pp.pad_bottom));
    c = tap_range(col_start(ow), pp.kw, pp.dw, -i32(pp.pad_left), i32(pp.in_w + pp.pad_right));
  }
  return f32((r.y - r.x) * (c.y - c.x));
}

// Output element i as (n, oh, ow, ch).
fn out_coords(i: u32) -> vec4<u32> {
  let ch = i % pp.c;
  let pixel = i / pp.c;
  return vec4<u32>(pixel / (pp.out_w * pp.out_h), (pixel / pp.out_w) % pp.out_h, pixel % pp.out_w, ch);
}

// Input element i as (n, ih, iw, ch).
fn in_coords(i: u32) -> vec4<u32> {
  let ch = i % pp.c;
  let pixel = i / pp.c;
  return vec4<u32>(pixel / (pp.in_w * pp.in_h), (pixel / pp.in_w) % pp.in_h, pixel % pp.in_w, ch);
}

// Whether v beats the best so far: larger, or the first NaN (NaN propagates).
fn beats(v: f32, best: f32) -> bool {
  return !is_nan(best) && (v > best || is_nan(v));
}

// ---- max_pool (x -> y) and max_pool_argmax (x -> y, argmax): one invocation per output element.
@group(0) @binding(1) var<storage, read> mp_x: array<f32>;
@group(0) @binding(2) var<storage, read_write> mp_y: array<f32>;
@group(0) @binding(3) var<storage, read_write> mp_arg: array<f32>;

// (maximum, winning tap) of output element i.
fn window_max(i: u32) -> vec2<f32> {
  let o = out_coords(i);
  let rows = rows_of(o.y);
  let cols = cols_of(o.z);
  var best = 0.0;
  var tap = 0u;
  var first = true;
  for (var jh = rows.x; jh < rows.y; jh++) {
    let ih = u32(row_start(o.y) + i32(jh * pp.dh));
    for (var jw = cols.x; jw < cols.y; jw++) {
      let iw = u32(col_start(o.z) + i32(jw * pp.dw));
      let v = mp_x[((o.x * pp.in_h + ih) * pp.in_w + iw) * pp.c + o.w];
      // The first tap inside the input seeds the maximum, so padding never takes part.
      if (first || beats(v, best)) {
        best = v;
        tap = jh * pp.kw + jw;
        first = false;
      }
    }
  }
  return vec2<f32>(best, f32(tap));
}

@compute @workgroup_size(WG)
fn max_pool(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= pp.total) { return; }
  mp_y[i] = window_max(i).x;
}

@compute @workgroup_size(WG)
fn max_pool_argmax(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= pp.total) { return; }
  let r = window_max(i);
  mp_y[i] = r.x;
  mp_arg[i] = r.y;
}

// ---- max_pool_grad (dy, argmax -> dx) and avg_pool_grad (dy -> dx): one invocation per input
// element, summing over the windows (oh, ow) whose tap (jh, jw) lands on it.
@group(0) @binding(1) var<storage, read> pg_dy: array<f32>;
@group(0) @binding(2) var<storage, read> pg_arg: array<f32>;
@group(0) @binding(3) var<storage, read_write> pg_dx: array<f32>;
@group(0) @binding(2) var<storage, read_write> ag_dx: array<f32>;

@compute @workgroup_size(WG)
fn max_pool_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= pp.total) { return; }
  let p = in_coords(i);
  var s = 0.0;
  for (var jh = 0u; jh < pp.kh; jh++) {
    let th = i32(p.y + pp.pad_top) - i32(jh * pp.dh);
    if (th < 0) { break; } // th only decreases with jh
    if (u32(th) % pp.sh != 0u) { continue; }
    let oh = u32(th) / pp.sh;
    if (oh >= pp.out_h) { continue; }
    for (var jw = 0u; jw < pp.kw; jw++) {
      let tw = i32(p.z + pp.pad_left) - i32(jw * pp.dw);
      if (tw < 0) { break; }
      if (u32(tw) % pp.sw != 0u) { continue; }
      let ow = u32(tw) / pp.sw;
      if (ow >= pp.out_w) { continue; }
      let o = ((p.x * pp.out_h + oh) * pp.out_w + ow) * pp.c + p.w;
      if (pg_arg[o] == f32(jh * pp.kw + jw)) { s += pg_dy[o]; }
    }
  }
  pg_dx[i] = s;
}

@compute @workgroup_size(WG)
fn avg_pool_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= pp.total) { return; }
  let p = in_coords(i);
  var s = 0.0;
  for (var jh = 0u; jh < pp.kh; jh++) {
    let th = i32(p.y + pp.pad_top) - i32(jh * pp.dh);
    if (th < 0) { break; }
    if (u32(th) % pp.sh != 0u) { continue; }
    let oh = u32(th) / pp.sh;
    if (oh >= pp.out_h) { continue; }
    for (var jw = 0u; jw < pp.kw; jw++) {
      let tw = i32(p.z + pp.pad_left) - i32(jw * pp.dw);
      if (tw < 0) { break; }
      if (u32(tw) % pp.sw != 0u) { continue; }
      let ow = u32(tw) / pp.sw;
      if (ow >= pp.out_w) { continue; }
      s += pg_dy[((p.x * pp.out_h + oh) * pp.out_w + ow) * pp.c + p.w] / avg_count(oh, ow);
    }
  }
  ag_dx[i] = s;
}

// ---- avg_pool (x -> y): one invocation per output element.
@compute @workgroup_size(WG)
fn avg_pool(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= pp.total) { return; }
  let o = out_coords(i);
  let rows = rows_of(o.y);
  let cols = cols_of(o.z);
  var s = 0.0;
  for (var jh = rows.x; jh < rows.y; jh++) {
    let ih = u32(row_start(o.y) + i32(jh * pp.dh));
    for (var jw = cols.x; jw < cols.y; jw++) {
      let iw = u32(col_start(o.z) + i32(jw * pp.dw));
      s += mp_x[((o.x * pp.in_h + ih) * pp.in_w + iw) * pp.c + o.w];
    }
  }
  mp_y[i] = s / avg_count(o.y, o.z);
}

// ---- Global pools over the H x W cells of each (n, ch). The forward passes take one workgroup
// per output element: invocations stride over the cells, then fold.
struct GlobalParams { total: u32, c: u32, cells: u32, _p0: u32 }
@group(0) @binding(0) var<uniform> gp: GlobalParams;

// Cell `cell` of output element o = n * C + ch.
fn global_at(o: u32, cell: u32) -> u32 {
  return ((o / gp.c) * gp.cells + cell) * gp.c + o % gp.c;
}

@compute @workgroup_size(WG)
fn global_avg(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = flat_group(wid, nwg);
  if (o >= gp.total) { return; } // uniform per workgroup
  var s = 0.0;
  for (var p = li; p < gp.cells; p += WG) { s += mp_x[global_at(o, p)]; }
  let total = fold_sum(li, s);
  if (li == 0u) { mp_y[o] = total / f32(gp.cells); }
}

// The maximum with its first cell: each invocation scans its cells in order, then pairs fold,
// keeping the first NaN if any, else the larger value, else (equal) the lower cell.
var<workgroup> gm_val: array<f32, WG>;
var<workgroup> gm_idx: array<u32, WG>;

fn first_max_wins(v: f32, vi: u32, best: f32, bi: u32) -> bool {
  if (is_nan(best)) { return is_nan(v) && vi < bi; }
  if (is_nan(v)) { return true; }
  return v > best || (v == best && vi < bi);
}

@compute @workgroup_size(WG)
fn global_max(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = flat_group(wid, nwg);
  if (o >= gp.total) { return; } // uniform per workgroup
  // Invocations without a cell (li >= cells) hold an index no cell has, so they never win.
  var best = 0.0;
  var bi = 0xffffffffu;
  for (var p = li; p < gp.cells; p += WG) {
    let v = mp_x[global_at(o, p)];
    if (bi == 0xffffffffu || beats(v, best)) {
      best = v;
      bi = p;
    }
  }
  gm_val[li] = best;
  gm_idx[li] = bi;
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w = w / 2u) {
    if (li < w && gm_idx[li + w] != 0xffffffffu) {
      let v = gm_val[li + w];
      let vi = gm_idx[li + w];
      if (gm_idx[li] == 0xffffffffu || first_max_wins(v, vi, gm_val[li], gm_idx[li])) {
        gm_val[li] = v;
        gm_idx[li] = vi;
      }
    }
    workgroupBarrier();
  }
  if (li == 0u) {
    mp_y[o] = gm_val[0];
    mp_arg[o] = f32(gm_idx[0]);
  }
}

// ---- Global pool gradients (dy [N, C], argmax -> dx): one invocation per input element.
@compute @workgroup_size(WG)
fn global_avg_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= gp.total) { return; }
  let o = (i / (gp.c * gp.cells)) * gp.c + i % gp.c;
  ag_dx[i] = pg_dy[o] / f32(gp.cells);
}

@compute @workgroup_size(WG)
fn global_max_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= gp.total) { return; }
  let o = (i / (gp.c * gp.cells)) * gp.c + i % gp.c;
  let cell = (i / gp.c) % gp.cells;
  pg_dx[i] = select(0.0, pg_dy[o], pg_arg[o] == f32(cell));
}
