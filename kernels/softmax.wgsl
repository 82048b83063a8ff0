// Softmax along any axis of a tensor viewed as [outer, len, inner]: row r = o * inner + j holds
// the len elements o * len * inner + j + i * inner. One workgroup per row; invocations stride over
// the row and fold (maximum, then sums) in workgroup memory.
// Needs common.wgsl in the same module.

struct SoftmaxParams { rows: u32, len: u32, inner: u32, _p0: u32 }
@group(0) @binding(0) var<uniform> sp: SoftmaxParams;

fn row_base(r: u32) -> u32 {
  return (r / sp.inner) * sp.len * sp.inner + r % sp.inner;
}

// The larger of a and b, NaN if either is one (as Math.max).
fn max_nan(a: f32, b: f32) -> f32 {
  return select(select(max(a, b), a, is_nan(a)), b, is_nan(b));
}

var<workgroup> max_buf: array<f32, WG>;

fn fold_max(li: u32, v: f32) -> f32 {
  max_buf[li] = v;
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w = w / 2u) {
    if (li < w) { max_buf[li] = max_nan(max_buf[li], max_buf[li + w]); }
    workgroupBarrier();
  }
  return max_buf[0];
}

// ---- softmax (x -> y): y = exp(x - max) / sum(exp(x - max)).
@group(0) @binding(1) var<storage, read> sm_x: array<f32>;
@group(0) @binding(2) var<storage, read_write> sm_y: array<f32>;

// The lowest finite float32. Seeding the maximum with it instead of -inf changes nothing: a row
// of -inf still gives exp(-inf - m) = 0 everywhere and 0 / 0 = NaN, as with -inf - -inf.
const LOWEST = -3.4028234663852886e38;

@compute @workgroup_size(WG)
fn softmax(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_group(wid, nwg);
  if (r >= sp.rows) { return; } // uniform per workgroup
  let base = row_base(r);
  var m = LOWEST;
  for (var i = li; i < sp.len; i += WG) { m = max_nan(m, sm_x[base + i * sp.inner]); }
  m = fold_max(li, m);
  var s = 0.0;
  for (var i = li; i < sp.len; i += WG) { s += exp(sm_x[base + i * sp.inner] - m); }
  s = fold_sum(li, s);
  for (var i = li; i < sp.len; i += WG) {
    let k = base + i * sp.inner;
    sm_y[k] = exp(sm_x[k] - m) / s;
  }
}

// ---- softmax_grad (dy, y -> dx): dx = y * (dy - sum(dy * y)).
@group(0) @binding(1) var<storage, read> sg_dy: array<f32>;
@group(0) @binding(2) var<storage, read> sg_y: array<f32>;
@group(0) @binding(3) var<storage, read_write> sg_dx: array<f32>;

@compute @workgroup_size(WG)
fn softmax_grad(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_group(wid, nwg);
  if (r >= sp.rows) { return; } // uniform per workgroup
  let base = row_base(r);
  var d = 0.0;
  for (var i = li; i < sp.len; i += WG) {
    let k = base + i * sp.inner;
    d = fma(sg_dy[k], sg_y[k], d);
  }
  d = fold_sum(li, d);
  for (var i = li; i < sp.len; i += WG) {
    let k = base + i * sp.inner;
    sg_dx[k] = sg_y[k] * (sg_dy[k] - d);
  }
}
