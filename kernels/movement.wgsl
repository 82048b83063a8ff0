// Data movement without arithmetic: strided gathers (slice, transpose) and the pieces of a
// concatenation. One invocation per output element.
// Needs common.wgsl in the same module.

// ---- gather (x -> y): y, row-major over `shape`, reads x[base + sum_d coord_d * stride[d]].
// Dimensions arrive merged where both sides walk them contiguously, at most 8 left.
struct GatherParams {
  total: u32, rank: u32, base: u32, _p0: u32,
  shape: array<vec4<u32>, 2>,
  stride: array<vec4<u32>, 2>,
}
@group(0) @binding(0) var<uniform> gp: GatherParams;
@group(0) @binding(1) var<storage, read> g_x: array<f32>;
@group(0) @binding(2) var<storage, read_write> g_y: array<f32>;

@compute @workgroup_size(WG)
fn gather(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= gp.total) { return; }
  var rest = i;
  var src = gp.base;
  for (var d = gp.rank; d > 0u; d--) {
    let n = at8(gp.shape, d - 1u);
    src += (rest % n) * at8(gp.stride, d - 1u);
    rest = rest / n;
  }
  g_y[i] = g_x[src];
}

// ---- concat_part (x -> its place in y): x, viewed as [outer, row], fills columns
// [col, col + row) of y viewed as [outer, row_out]. One dispatch per input.
struct ConcatParams { total: u32, row: u32, row_out: u32, col: u32 }
@group(0) @binding(0) var<uniform> cp: ConcatParams;

@compute @workgroup_size(WG)
fn concat_part(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= cp.total) { return; }
  g_y[(i / cp.row) * cp.row_out + cp.col + i % cp.row] = g_x[i];
}
