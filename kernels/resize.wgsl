// 2-D resizing of NHWC images. The sampling comes from the host as a table of floats (indices
// are exact in float32), computed once by src/ops/resize-geometry.ts so every backend samples the
// same source cells with the same weights:
//   forward:  rows then columns, [i0, i1, w] per output coordinate: out = (1 - w) a[i0] + w a[i1];
//   backward: per input coordinate, the (output coordinate, weight) pairs that read it, as
//             offsets (h + 1 for rows, then w + 1 for columns) into a list of pairs after them.
// Needs common.wgsl in the same module.

struct ResizeParams {
  total: u32, c: u32, in_h: u32, in_w: u32,
  out_h: u32, out_w: u32, _p0: u32, _p1: u32,
}
@group(0) @binding(0) var<uniform> rz: ResizeParams;
@group(0) @binding(1) var<storage, read> rz_in: array<f32>;
@group(0) @binding(2) var<storage, read> rz_tab: array<f32>;
@group(0) @binding(3) var<storage, read_write> rz_out: array<f32>;

// (1 - w) a + w b, reading b only when it has weight (an Inf there must not turn into NaN).
fn lerp_w(a: f32, b: f32, w: f32) -> f32 {
  if (w == 0.0) { return a; }
  return (1.0 - w) * a + w * b;
}

// ---- resize (x, table -> y): one invocation per output element.
@compute @workgroup_size(WG)
fn resize(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= rz.total) { return; }
  let ch = i % rz.c;
  let pixel = i / rz.c;
  let ox = pixel % rz.out_w;
  let oy = (pixel / rz.out_w) % rz.out_h;
  let b = pixel / (rz.out_w * rz.out_h);
  let ty = 3u * oy;
  let tx = 3u * (rz.out_h + ox);
  let r0 = (b * rz.in_h + u32(rz_tab[ty])) * rz.in_w;
  let r1 = (b * rz.in_h + u32(rz_tab[ty + 1u])) * rz.in_w;
  let wy = rz_tab[ty + 2u];
  let c0 = u32(rz_tab[tx]);
  let c1 = u32(rz_tab[tx + 1u]);
  let wx = rz_tab[tx + 2u];
  let top = lerp_w(rz_in[(r0 + c0) * rz.c + ch], rz_in[(r0 + c1) * rz.c + ch], wx);
  if (wy == 0.0) {
    rz_out[i] = top;
    return;
  }
  rz_out[i] = lerp_w(top, lerp_w(rz_in[(r1 + c0) * rz.c + ch], rz_in[(r1 + c1) * rz.c + ch], wx), wy);
}

// ---- resize_grad (dy, table -> dx): one invocation per input element, summing
// w_row * w_col * dy over the output cells that read it.
@compute @workgroup_size(WG)
fn resize_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= rz.total) { return; }
  let ch = i % rz.c;
  let pixel = i / rz.c;
  let ix = pixel % rz.in_w;
  let iy = (pixel / rz.in_w) % rz.in_h;
  let b = pixel / (rz.in_w * rz.in_h);
  let pairs = rz.in_h + rz.in_w + 2u;
  let col_off = rz.in_h + 1u;
  var s = 0.0;
  for (var ey = u32(rz_tab[iy]); ey < u32(rz_tab[iy + 1u]); ey++) {
    let oy = u32(rz_tab[pairs + 2u * ey]);
    let wy = rz_tab[pairs + 2u * ey + 1u];
    let row = (b * rz.out_h + oy) * rz.out_w;
    for (var ex = u32(rz_tab[col_off + ix]); ex < u32(rz_tab[col_off + ix + 1u]); ex++) {
      let ox = u32(rz_tab[pairs + 2u * ex]);
      let wx = rz_tab[pairs + 2u * ex + 1u];
      s += (wy * wx) * rz_in[(row + ox) * rz.c + ch];
    }
  }
  rz_out[i] = s;
}
