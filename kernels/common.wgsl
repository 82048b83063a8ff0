// Helpers shared by the depthwise, pool, norm, softmax, movement, pad and resize families.
// WG is the workgroup size (a pipeline constant). One-dimensional grids larger than the
// per-dimension dispatch limit arrive folded into x and y (src/backends/webgpu/grid.ts).

override WG: u32 = 256u;

// The flat invocation index of a folded one-dimensional dispatch.
fn flat_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * (nwg.x * WG);
}

// The flat workgroup index of a folded grid (one workgroup per output element).
fn flat_group(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wid.x + wid.y * nwg.x;
}

// Entry d of up to 8 values packed as two vec4 (uniform arrays need 16-byte elements).
fn at8(v: array<vec4<u32>, 2>, d: u32) -> u32 {
  return v[d / 4u][d % 4u];
}

// NaN tested on the bits: a compiler may assume x == x and fold a self-comparison away.
fn is_nan(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

// Floor and ceiling of a / d for d > 0 (WGSL's integer division truncates toward zero).
fn floor_div(a: i32, d: i32) -> i32 {
  let q = a / d;
  return select(q, q - 1, a % d != 0 && a < 0);
}

fn ceil_div(a: i32, d: i32) -> i32 {
  return -floor_div(-a, d);
}

// Sum of `v` over the workgroup (WG a power of two). Call from uniform control flow with every
// invocation taking part; the result is the same in all of them.
var<workgroup> fold_buf: array<f32, WG>;

fn fold_sum(li: u32, v: f32) -> f32 {
  fold_buf[li] = v;
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w = w / 2u) {
    if (li < w) { fold_buf[li] += fold_buf[li + w]; }
    workgroupBarrier();
  }
  let r = fold_buf[0];
  // Nobody may overwrite fold_buf for a next fold before everyone has read the result.
  workgroupBarrier();
  return r;
}
