// The tiled GEMM core shared by matmul and conv2d: C[z] (M x N) = A[z] (M x K) * B[z] (K x N).
// A workgroup of 16x16 invocations computes a 64x64 tile of C; each invocation keeps a 4x4 block
// in registers and reads its operands from workgroup memory as vec4. K advances 16 at a time.
// 256 invocations and 8 KiB of workgroup memory fit every adapter's guaranteed limits.
//
// The module including it defines how elements are addressed (plain matrices, implicit im2col):
//   gemm_dims() -> vec3<u32> (M, N, K), gemm_batches() -> u32, begin_batch(z),
//   load_a(row, k) -> f32, load_b(k, col) -> f32, store_c(row, col, value).
// Workgroups loop over batches (z) and row tiles (y), so any size fits the dispatch limits.

const TILE = 64u;
const TK = 16u;

// [k][m / 4] and [k][n / 4]: one vec4 holds 4 consecutive rows of A or columns of B.
var<workgroup> tile_a: array<vec4<f32>, 256>;
var<workgroup> tile_b: array<vec4<f32>, 256>;

@compute @workgroup_size(16, 16)
fn gemm(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let dims = gemm_dims();
  let m_total = dims.x;
  let n_total = dims.y;
  let k_total = dims.z;
  let tiles_m = (m_total + TILE - 1u) / TILE;
  let col0 = wid.x * TILE;
  for (var z = wid.z; z < gemm_batches(); z += nwg.z) {
    begin_batch(z);
    for (var tm = wid.y; tm < tiles_m; tm += nwg.y) {
      let row0 = tm * TILE;
      var acc: array<vec4<f32>, 4>;
      for (var k0 = 0u; k0 < k_total; k0 += TK) {
        for (var e = 0u; e < 4u; e++) {
          let idx = li + e * 256u;
          // A: neighbouring invocations take neighbouring k (contiguous in row-major A and NHWC x).
          let m = idx / TK;
          let ka = idx % TK;
          var va = 0.0;
          if (row0 + m < m_total && k0 + ka < k_total) { va = load_a(row0 + m, k0 + ka); }
          tile_a[ka * 16u + m / 4u][m % 4u] = va;
          // B: neighbouring invocations take neighbouring columns.
          let kb = idx / TILE;
          let n = idx % TILE;
          var vb = 0.0;
          if (k0 + kb < k_total && col0 + n < n_total) { vb = load_b(k0 + kb, col0 + n); }
          tile_b[kb * 16u + n / 4u][n % 4u] = vb;
        }
        workgroupBarrier();
        for (var kk = 0u; kk < TK; kk++) {
          let a = tile_a[kk * 16u + lid.y];
          let b = tile_b[kk * 16u + lid.x];
          acc[0] = fma(vec4<f32>(a.x), b, acc[0]);
          acc[1] = fma(vec4<f32>(a.y), b, acc[1]);
          acc[2] = fma(vec4<f32>(a.z), b, acc[2]);
          acc[3] = fma(vec4<f32>(a.w), b, acc[3]);
        }
        workgroupBarrier();
      }
      for (var i = 0u; i < 4u; i++) {
        let row = row0 + lid.y * 4u + i;
        if (row >= m_total) { break; }
        for (var j = 0u; j < 4u; j++) {
          let col = col0 + lid.x * 4u + j;
          if (col < n_total) { store_c(row, col, acc[i][j]); }
        }
      }
    }
  }
}
