// Matrix operands for the GEMM core (gemm.wgsl): batched a @ b with either operand transposed,
// batch dimensions broadcast (stride 0), and an optional fused bias + activation (dense layers).
// Needs activation.wgsl and gemm.wgsl in the same module.

struct MatmulParams {
  m: u32, n: u32, k: u32, batches: u32,
  // Element (i, k) of op(a) sits at i * s_ai + k * s_ak within its matrix; (k, j) of op(b) likewise.
  s_ai: u32, s_ak: u32, s_bk: u32, s_bj: u32,
  batch_rank: u32, has_bias: u32, alpha: f32, beta: f32,
  batch_shape: vec4<u32>,
  a_batch_stride: vec4<u32>,
  b_batch_stride: vec4<u32>,
}
@group(0) @binding(0) var<uniform> mp: MatmulParams;
@group(0) @binding(1) var<storage, read> mat_a: array<f32>;
@group(0) @binding(2) var<storage, read> mat_b: array<f32>;
@group(0) @binding(3) var<storage, read> mat_bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> mat_c: array<f32>;

var<private> off_a: u32;
var<private> off_b: u32;
var<private> off_c: u32;

fn gemm_dims() -> vec3<u32> { return vec3<u32>(mp.m, mp.n, mp.k); }
fn gemm_batches() -> u32 { return mp.batches; }

fn begin_batch(z: u32) {
  var rest = z;
  off_a = 0u;
  off_b = 0u;
  for (var d = mp.batch_rank; d > 0u; d--) {
    let s = mp.batch_shape[d - 1u];
    let c = rest % s;
    rest = rest / s;
    off_a += c * mp.a_batch_stride[d - 1u];
    off_b += c * mp.b_batch_stride[d - 1u];
  }
  off_c = z * mp.m * mp.n;
}

fn load_a(row: u32, k: u32) -> f32 { return mat_a[off_a + row * mp.s_ai + k * mp.s_ak]; }
fn load_b(k: u32, col: u32) -> f32 { return mat_b[off_b + k * mp.s_bk + col * mp.s_bj]; }

fn store_c(row: u32, col: u32, v: f32) {
  var s = v;
  if (mp.has_bias != 0u) { s += mat_bias[col]; }
  mat_c[off_c + row * mp.n + col] = act(s, mp.alpha, mp.beta);
}
