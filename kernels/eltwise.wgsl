// Element-wise kernels: one invocation per output element. Large tensors are dispatched as a 2D
// grid of workgroups (the per-dimension limit is 65535), so the flat index folds both axes.
// Needs activation.wgsl (act, act_grad) in the same module.

override WG: u32 = 256u;
// binary: 0 add, 1 mul.
override OP: u32 = 0u;

fn flat_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * (nwg.x * WG);
}

fn dim(v: array<vec4<u32>, 2>, d: u32) -> u32 {
  return v[d / 4u][d % 4u];
}

// ---- binary (add, mul) with NumPy broadcasting: stride 0 along broadcast dimensions.
struct BinaryParams {
  n: u32, rank: u32, _p0: u32, _p1: u32,
  shape: array<vec4<u32>, 2>,
  stride_a: array<vec4<u32>, 2>,
  stride_b: array<vec4<u32>, 2>,
}
@group(0) @binding(0) var<uniform> bin_p: BinaryParams;
@group(0) @binding(1) var<storage, read> bin_a: array<f32>;
@group(0) @binding(2) var<storage, read> bin_b: array<f32>;
@group(0) @binding(3) var<storage, read_write> bin_y: array<f32>;

@compute @workgroup_size(WG)
fn binary(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= bin_p.n) { return; }
  var rest = i;
  var ia = 0u;
  var ib = 0u;
  for (var d = bin_p.rank; d > 0u; d--) {
    let s = dim(bin_p.shape, d - 1u);
    let c = rest % s;
    rest = rest / s;
    ia += c * dim(bin_p.stride_a, d - 1u);
    ib += c * dim(bin_p.stride_b, d - 1u);
  }
  let a = bin_a[ia];
  let b = bin_b[ib];
  bin_y[i] = select(a + b, a * b, OP == 1u);
}

// ---- activation: y = act(x).
struct UnaryParams { n: u32, alpha: f32, beta: f32, _p0: u32 }
@group(0) @binding(0) var<uniform> act_p: UnaryParams;
@group(0) @binding(1) var<storage, read> act_x: array<f32>;
@group(0) @binding(2) var<storage, read_write> act_y: array<f32>;

@compute @workgroup_size(WG)
fn activation(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= act_p.n) { return; }
  act_y[i] = act(act_x[i], act_p.alpha, act_p.beta);
}

// ---- activation_grad: dx = dy * act'(x, y).
@group(0) @binding(0) var<uniform> ag_p: UnaryParams;
@group(0) @binding(1) var<storage, read> ag_dy: array<f32>;
@group(0) @binding(2) var<storage, read> ag_x: array<f32>;
@group(0) @binding(3) var<storage, read> ag_y: array<f32>;
@group(0) @binding(4) var<storage, read_write> ag_dx: array<f32>;

@compute @workgroup_size(WG)
fn activation_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= ag_p.n) { return; }
  ag_dx[i] = ag_dy[i] * act_grad(ag_x[i], ag_y[i], ag_p.alpha, ag_p.beta);
}

// ---- moving_average: out = moving * momentum + value * (1 - momentum).
struct MovingParams { n: u32, momentum: f32, _p0: u32, _p1: u32 }
@group(0) @binding(0) var<uniform> ma_p: MovingParams;
@group(0) @binding(1) var<storage, read> ma_moving: array<f32>;
@group(0) @binding(2) var<storage, read> ma_value: array<f32>;
@group(0) @binding(3) var<storage, read_write> ma_out: array<f32>;

@compute @workgroup_size(WG)
fn moving_average(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= ma_p.n) { return; }
  ma_out[i] = ma_moving[i] * ma_p.momentum + ma_value[i] * (1.0 - ma_p.momentum);
}

// ---- dropout_mask: hashUniform of src/core/random.ts in u32 arithmetic (multiplication wraps
// mod 2^32 as Math.imul does). Kept iff hash / 2^32 >= rate, i.e. hash >= threshold =
// ceil(rate * 2^32), compared as integers so the mask matches the host bit for bit.
struct DropoutParams { n: u32, seed_hash: u32, threshold: u32, drop_all: u32, keep: f32, _p0: u32, _p1: u32, _p2: u32 }
@group(0) @binding(0) var<uniform> dm_p: DropoutParams;
@group(0) @binding(1) var<storage, read_write> dm_out: array<f32>;

fn hash32(v: u32) -> u32 {
  var x = v;
  x ^= x >> 16u;
  x *= 0x7feb352du;
  x ^= x >> 15u;
  x *= 0x846ca68bu;
  x ^= x >> 16u;
  return x;
}

@compute @workgroup_size(WG)
fn dropout_mask(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= dm_p.n) { return; }
  let kept = dm_p.drop_all == 0u && hash32(dm_p.seed_hash ^ i) >= dm_p.threshold;
  dm_out[i] = select(0.0, dm_p.keep, kept);
}

// ---- bias_add: y = x + b along the last axis (channels-last).
struct BiasParams { n: u32, c: u32, _p0: u32, _p1: u32 }
@group(0) @binding(0) var<uniform> ba_p: BiasParams;
@group(0) @binding(1) var<storage, read> ba_x: array<f32>;
@group(0) @binding(2) var<storage, read> ba_b: array<f32>;
@group(0) @binding(3) var<storage, read_write> ba_y: array<f32>;

@compute @workgroup_size(WG)
fn bias_add(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= ba_p.n) { return; }
  ba_y[i] = ba_x[i] + ba_b[i % ba_p.c];
}
