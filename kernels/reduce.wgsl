// Sum reductions: one workgroup per output element. Its invocations stride over the reduced
// index space, then fold their partial sums in workgroup memory. Dimensions arrive collapsed
// (adjacent dimensions merged where possible), at most 8 kept and 8 reduced.

override WG: u32 = 256u; // a power of two

struct ReduceParams {
  n_out: u32, kept_rank: u32, red_rank: u32, n_red: u32,
  kept_shape: array<vec4<u32>, 2>,
  kept_stride: array<vec4<u32>, 2>,
  red_shape: array<vec4<u32>, 2>,
  red_stride: array<vec4<u32>, 2>,
}
@group(0) @binding(0) var<uniform> rp: ReduceParams;
@group(0) @binding(1) var<storage, read> r_in: array<f32>;
@group(0) @binding(2) var<storage, read_write> r_out: array<f32>;

var<workgroup> partial: array<f32, WG>;

fn at(v: array<vec4<u32>, 2>, d: u32) -> u32 {
  return v[d / 4u][d % 4u];
}

// Offset in the input of flat index `i` over `rank` dimensions of `shape` with `stride`.
fn offset_of(i: u32, rank: u32, shape: array<vec4<u32>, 2>, stride: array<vec4<u32>, 2>) -> u32 {
  var rest = i;
  var off = 0u;
  for (var d = rank; d > 0u; d--) {
    let s = at(shape, d - 1u);
    off += (rest % s) * at(stride, d - 1u);
    rest = rest / s;
  }
  return off;
}

@compute @workgroup_size(WG)
fn reduce_sum(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = wid.x + wid.y * nwg.x;
  // o is the same for the whole workgroup, so this return keeps the barriers below uniform.
  if (o >= rp.n_out) { return; }
  let base = offset_of(o, rp.kept_rank, rp.kept_shape, rp.kept_stride);
  var s = 0.0;
  for (var r = li; r < rp.n_red; r += WG) {
    s += r_in[base + offset_of(r, rp.red_rank, rp.red_shape, rp.red_stride)];
  }
  partial[li] = s;
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w = w / 2u) {
    if (li < w) { partial[li] += partial[li + w]; }
    workgroupBarrier();
  }
  if (li == 0u) { r_out[o] = partial[0]; }
}
