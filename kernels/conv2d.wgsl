// conv2d over NHWC images and HWIO filters as implicit GEMMs on the core in gemm.wgsl: the
// im2col matrix is never stored; load_a computes which input element a (pixel, tap) pair reads.
// One batch (z) of the GEMM per group. MODE picks the product (a pipeline constant):
//   0 forward:      y[pixel, co]  = sum over (tap, ci) x_patch(pixel, tap, ci) * w[tap, ci, co]
//                   (M = N*Ho*Wo, N = Cout/groups, K = kh*kw*Cin/groups), bias + activation fused;
//   1 grad_input:   dx[pixel, ci] = sum over (tap, co) dy at the output pixel reading it * w[tap, ci, co]
//                   (M = N*H*W, N = Cin/groups, K = kh*kw*Cout/groups);
//   2 grad_filter:  dw[tap, ci, co] = sum over pixels x_patch(pixel, tap, ci) * dy[pixel, co]
//                   (M = kh*kw*Cin/groups, N = Cout/groups, K = N*Ho*Wo).
// Needs activation.wgsl and gemm.wgsl in the same module.

override MODE: u32 = 0u;

struct ConvParams {
  gm: u32, gn: u32, gk: u32, groups: u32,
  h: u32, w: u32, cin: u32, cg: u32,
  ho: u32, wo: u32, cout: u32, og: u32,
  kh: u32, kw: u32, sh: u32, sw: u32,
  dh: u32, dw: u32, pt: u32, pl: u32,
  has_bias: u32, alpha: f32, beta: f32, _p0: u32,
}
@group(0) @binding(0) var<uniform> cp: ConvParams;
// forward: x, w, bias; grad_input: dy, w, (unused); grad_filter: x, dy, (unused).
@group(0) @binding(1) var<storage, read> conv_in0: array<f32>;
@group(0) @binding(2) var<storage, read> conv_in1: array<f32>;
@group(0) @binding(3) var<storage, read> conv_in2: array<f32>;
@group(0) @binding(4) var<storage, read_write> conv_out: array<f32>;

var<private> grp: u32;

fn gemm_dims() -> vec3<u32> { return vec3<u32>(cp.gm, cp.gn, cp.gk); }
fn gemm_batches() -> u32 { return cp.groups; }
fn begin_batch(z: u32) { grp = z; }

// x at output pixel `pixel` (n, oh, ow) and filter index `kidx` = (ky * kw + kx) * cg + ci; 0 in the padding.
fn x_patch(pixel: u32, kidx: u32) -> f32 {
  let hw = cp.ho * cp.wo;
  let n = pixel / hw;
  let p = pixel % hw;
  let oh = p / cp.wo;
  let ow = p % cp.wo;
  let tap = kidx / cp.cg;
  let ci = kidx % cp.cg;
  let ih = i32(oh * cp.sh + (tap / cp.kw) * cp.dh) - i32(cp.pt);
  let iw = i32(ow * cp.sw + (tap % cp.kw) * cp.dw) - i32(cp.pl);
  if (ih < 0 || iw < 0 || ih >= i32(cp.h) || iw >= i32(cp.w)) { return 0.0; }
  return conv_in0[((n * cp.h + u32(ih)) * cp.w + u32(iw)) * cp.cin + grp * cp.cg + ci];
}

// dy at the output pixel whose tap `kidx / og` reads input pixel `pixel` (n, ih, iw), channel kidx % og.
fn dy_scatter(pixel: u32, kidx: u32) -> f32 {
  let hw = cp.h * cp.w;
  let n = pixel / hw;
  let p = pixel % hw;
  let ih = p / cp.w;
  let iw = p % cp.w;
  let tap = kidx / cp.og;
  let co = kidx % cp.og;
  let th = i32(ih + cp.pt) - i32((tap / cp.kw) * cp.dh);
  let tw = i32(iw + cp.pl) - i32((tap % cp.kw) * cp.dw);
  if (th < 0 || tw < 0) { return 0.0; }
  let uh = u32(th);
  let uw = u32(tw);
  if (uh % cp.sh != 0u || uw % cp.sw != 0u) { return 0.0; }
  let oh = uh / cp.sh;
  let ow = uw / cp.sw;
  if (oh >= cp.ho || ow >= cp.wo) { return 0.0; }
  return conv_in0[((n * cp.ho + oh) * cp.wo + ow) * cp.cout + grp * cp.og + co];
}

fn load_a(row: u32, k: u32) -> f32 {
  switch MODE {
    case 1u: { return dy_scatter(row, k); }
    case 2u: { return x_patch(k, row); }
    default: { return x_patch(row, k); }
  }
}

fn load_b(k: u32, col: u32) -> f32 {
  switch MODE {
    // w[tap, col, co] with k = tap * og + co.
    case 1u: { return conv_in1[((k / cp.og) * cp.cg + col) * cp.cout + grp * cp.og + k % cp.og]; }
    // dy[pixel k, co].
    case 2u: { return conv_in1[k * cp.cout + grp * cp.og + col]; }
    // w[tap, ci, co] with k = tap * cg + ci: HWIO rows.
    default: { return conv_in1[k * cp.cout + grp * cp.og + col]; }
  }
}

fn store_c(row: u32, col: u32, v: f32) {
  switch MODE {
    case 1u: { conv_out[row * cp.cin + grp * cp.cg + col] = v; }
    case 2u: { conv_out[row * cp.cout + grp * cp.og + col] = v; }
    default: {
      var s = v;
      if (cp.has_bias != 0u) { s += conv_in2[grp * cp.og + col]; }
      conv_out[row * cp.cout + grp * cp.og + col] = act(s, cp.alpha, cp.beta);
    }
  }
}
