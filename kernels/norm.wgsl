// Batch normalization over the channel (last) axis of x viewed as [rows, C]. Per-channel work
// goes through a small table `tab` built by per-channel kernels, so no entry point binds more
// than four storage buffers:
//   forward:  tab = [scale (C), mean (C), beta (C)]; y = (x - mean) * scale + beta with
//             scale = gamma / sqrt(variance + epsilon). Centring first keeps float32 accurate
//             where |mean| is large next to the spread (folding the mean into a shift would not);
//   backward: tab = [sum dy (C), sum dy (x - mean) (C), mean (C), unused (C)], then in place
//             [a (C), b (C), mean (C), e (C)]; dx = a * dy + b * (x - mean) + e.
// Statistics and sums take one workgroup per channel; invocations stride over the rows and fold.
// Needs common.wgsl in the same module.

struct NormParams {
  rows: u32, c: u32, epsilon: f32, has_gamma: u32,
  has_beta: u32, training: u32, total: u32, _p0: u32,
}
@group(0) @binding(0) var<uniform> np: NormParams;

fn inv_std(variance: f32) -> f32 {
  return 1.0 / sqrt(variance + np.epsilon);
}

// ---- norm_stats (x -> mean, variance): the batch mean, then the biased variance as a second
// pass over the centred values (one pass of sums of squares cancels badly). The mean sums
// offsets from the channel's first value (a pivot, when finite), which are small and exact where
// the values cluster far from zero.
@group(0) @binding(1) var<storage, read> st_x: array<f32>;
@group(0) @binding(2) var<storage, read_write> st_mean: array<f32>;
@group(0) @binding(3) var<storage, read_write> st_var: array<f32>;

@compute @workgroup_size(WG)
fn norm_stats(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32, @builtin(num_workgroups) nwg: vec3<u32>) {
  let ch = flat_group(wid, nwg);
  if (ch >= np.c) { return; } // uniform per workgroup
  let first = st_x[ch];
  let pivot = select(0.0, first, (bitcast<u32>(first) & 0x7f800000u) != 0x7f800000u);
  var s = 0.0;
  for (var r = li; r < np.rows; r += WG) { s += st_x[r * np.c + ch] - pivot; }
  let mean = pivot + fold_sum(li, s) / f32(np.rows);
  var q = 0.0;
  for (var r = li; r < np.rows; r += WG) {
    let d = st_x[r * np.c + ch] - mean;
    q = fma(d, d, q);
  }
  let variance = fold_sum(li, q) / f32(np.rows);
  if (li == 0u) {
    st_mean[ch] = mean;
    st_var[ch] = variance;
  }
}

// ---- norm_scale (variance, gamma? -> tab[0, C)) and norm_center (mean, beta? -> tab[C, 3C)).
@group(0) @binding(1) var<storage, read> ch_a: array<f32>;
@group(0) @binding(2) var<storage, read> ch_b: array<f32>;
@group(0) @binding(3) var<storage, read_write> ch_tab: array<f32>;

@compute @workgroup_size(WG)
fn norm_scale(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let ch = flat_index(gid, nwg);
  if (ch >= np.c) { return; }
  let gamma = select(1.0, ch_b[ch], np.has_gamma != 0u);
  ch_tab[ch] = gamma * inv_std(ch_a[ch]);
}

@compute @workgroup_size(WG)
fn norm_center(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let ch = flat_index(gid, nwg);
  if (ch >= np.c) { return; }
  ch_tab[np.c + ch] = ch_a[ch];
  ch_tab[2u * np.c + ch] = select(0.0, ch_b[ch], np.has_beta != 0u);
}

// ---- norm_apply (x, tab -> y): one invocation per element.
@group(0) @binding(1) var<storage, read> ap_x: array<f32>;
@group(0) @binding(2) var<storage, read> ap_tab: array<f32>;
@group(0) @binding(3) var<storage, read_write> ap_y: array<f32>;

@compute @workgroup_size(WG)
fn norm_apply(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= np.total) { return; }
  let ch = i % np.c;
  ap_y[i] = fma(ap_x[i] - ap_tab[np.c + ch], ap_tab[ch], ap_tab[2u * np.c + ch]);
}

// ---- norm_grad_sums (dy, x, mean -> tab): per channel sum dy, sum dy (x - mean), and mean.
@group(0) @binding(1) var<storage, read> gs_dy: array<f32>;
@group(0) @binding(2) var<storage, read> gs_x: array<f32>;
@group(0) @binding(3) var<storage, read> gs_mean: array<f32>;
@group(0) @binding(4) var<storage, read_write> gs_tab: array<f32>;

@compute @workgroup_size(WG)
fn norm_grad_sums(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32, @builtin(num_workgroups) nwg: vec3<u32>) {
  let ch = flat_group(wid, nwg);
  if (ch >= np.c) { return; } // uniform per workgroup
  let mean = gs_mean[ch];
  var sb = 0.0;
  var sd = 0.0;
  for (var r = li; r < np.rows; r += WG) {
    let d = gs_dy[r * np.c + ch];
    sb += d;
    sd = fma(d, gs_x[r * np.c + ch] - mean, sd);
  }
  let total_b = fold_sum(li, sb);
  let total_d = fold_sum(li, sd);
  if (li == 0u) {
    gs_tab[ch] = total_b;
    gs_tab[np.c + ch] = total_d;
    gs_tab[2u * np.c + ch] = mean;
  }
}

// ---- norm_grad_params (variance, tab -> dgamma, dbeta): dgamma = sum dy x^, dbeta = sum dy.
@group(0) @binding(1) var<storage, read> gp_var: array<f32>;
@group(0) @binding(2) var<storage, read> gp_tab: array<f32>;
@group(0) @binding(3) var<storage, read_write> gp_dgamma: array<f32>;
@group(0) @binding(4) var<storage, read_write> gp_dbeta: array<f32>;

@compute @workgroup_size(WG)
fn norm_grad_params(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let ch = flat_index(gid, nwg);
  if (ch >= np.c) { return; }
  gp_dgamma[ch] = gp_tab[np.c + ch] * inv_std(gp_var[ch]);
  gp_dbeta[ch] = gp_tab[ch];
}

// ---- norm_grad_coef (variance, gamma?, tab in place): with k = gamma / sigma and n rows,
// dx = k dy for fixed statistics, or k (dy - sum dy / n - x^ sum(dy x^) / n) for the batch's own:
// a = k, b = -k sum(dy (x - mean)) / (sigma^2 n), e = -k sum dy / n.
@group(0) @binding(1) var<storage, read> gc_var: array<f32>;
@group(0) @binding(2) var<storage, read> gc_gamma: array<f32>;
@group(0) @binding(3) var<storage, read_write> gc_tab: array<f32>;

@compute @workgroup_size(WG)
fn norm_grad_coef(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let ch = flat_index(gid, nwg);
  if (ch >= np.c) { return; }
  let inv = inv_std(gc_var[ch]);
  let k = select(1.0, gc_gamma[ch], np.has_gamma != 0u) * inv;
  var b = 0.0;
  var e = 0.0;
  if (np.training != 0u) {
    let n = f32(np.rows);
    b = -k * inv * inv * gc_tab[np.c + ch] / n;
    e = -k * gc_tab[ch] / n;
  }
  gc_tab[ch] = k;
  gc_tab[np.c + ch] = b;
  gc_tab[3u * np.c + ch] = e;
}

// ---- norm_grad_dx (dy, x, tab -> dx): one invocation per element.
@group(0) @binding(1) var<storage, read> gd_dy: array<f32>;
@group(0) @binding(2) var<storage, read> gd_x: array<f32>;
@group(0) @binding(3) var<storage, read> gd_tab: array<f32>;
@group(0) @binding(4) var<storage, read_write> gd_dx: array<f32>;

@compute @workgroup_size(WG)
fn norm_grad_dx(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= np.total) { return; }
  let ch = i % np.c;
  let a = gd_tab[ch];
  let b = gd_tab[np.c + ch];
  let e = gd_tab[3u * np.c + ch];
  gd_dx[i] = a * gd_dy[i] + b * (gd_x[i] - gd_tab[2u * np.c + ch]) + e;
}
