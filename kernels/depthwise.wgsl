// Depthwise convolution over NHWC images with filters w [kh, kw, C, mult]: output channel
// co = c * mult + m sees input channel c only, through filter w[ky, kx, c, m] = w[tap * cout + co].
// Geometry (explicit pads, strides, dilations) comes resolved from the op.
// Needs activation.wgsl (act) and common.wgsl in the same module.

struct DwParams {
  total: u32, n: u32, h: u32, w: u32,
  c: u32, mult: u32, cout: u32, ho: u32,
  wo: u32, kh: u32, kw: u32, sh: u32,
  sw: u32, dh: u32, dw: u32, pt: u32,
  pl: u32, has_bias: u32, alpha: f32, beta: f32,
}
@group(0) @binding(0) var<uniform> dp: DwParams;

// ---- depthwise: y = act(b + sum over taps of x * w), one invocation per output element.
@group(0) @binding(1) var<storage, read> dw_x: array<f32>;
@group(0) @binding(2) var<storage, read> dw_w: array<f32>;
@group(0) @binding(3) var<storage, read> dw_b: array<f32>;
@group(0) @binding(4) var<storage, read_write> dw_y: array<f32>;

@compute @workgroup_size(WG)
fn depthwise(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= dp.total) { return; }
  let co = i % dp.cout;
  let pixel = i / dp.cout;
  let ow = pixel % dp.wo;
  let oh = (pixel / dp.wo) % dp.ho;
  let n = pixel / (dp.wo * dp.ho);
  let ch = co / dp.mult;
  var s = 0.0;
  for (var ky = 0u; ky < dp.kh; ky++) {
    let ih = i32(oh * dp.sh + ky * dp.dh) - i32(dp.pt);
    if (ih < 0 || ih >= i32(dp.h)) { continue; }
    let row = (n * dp.h + u32(ih)) * dp.w;
    for (var kx = 0u; kx < dp.kw; kx++) {
      let iw = i32(ow * dp.sw + kx * dp.dw) - i32(dp.pl);
      if (iw < 0 || iw >= i32(dp.w)) { continue; }
      s = fma(dw_x[(row + u32(iw)) * dp.c + ch], dw_w[(ky * dp.kw + kx) * dp.cout + co], s);
    }
  }
  if (dp.has_bias != 0u) { s += dw_b[co]; }
  dw_y[i] = act(s, dp.alpha, dp.beta);
}

// ---- depthwise_grad_input (dy, w -> dx): each input element gathers from the output pixels
// whose taps read it, over the channel's mult filters. No scatter, no atomics.
@group(0) @binding(1) var<storage, read> dgi_dy: array<f32>;
@group(0) @binding(2) var<storage, read> dgi_w: array<f32>;
@group(0) @binding(3) var<storage, read_write> dgi_dx: array<f32>;

@compute @workgroup_size(WG)
fn depthwise_grad_input(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= dp.total) { return; }
  let ch = i % dp.c;
  let pixel = i / dp.c;
  let iw = pixel % dp.w;
  let ih = (pixel / dp.w) % dp.h;
  let n = pixel / (dp.w * dp.h);
  var s = 0.0;
  for (var ky = 0u; ky < dp.kh; ky++) {
    // Output row oh reads input row oh * sh - pt + ky * dh.
    let th = i32(ih + dp.pt) - i32(ky * dp.dh);
    if (th < 0) { break; } // th only decreases with ky
    if (u32(th) % dp.sh != 0u) { continue; }
    let oh = u32(th) / dp.sh;
    if (oh >= dp.ho) { continue; }
    for (var kx = 0u; kx < dp.kw; kx++) {
      let tw = i32(iw + dp.pl) - i32(kx * dp.dw);
      if (tw < 0) { break; }
      if (u32(tw) % dp.sw != 0u) { continue; }
      let ow = u32(tw) / dp.sw;
      if (ow >= dp.wo) { continue; }
      let d0 = ((n * dp.ho + oh) * dp.wo + ow) * dp.cout + ch * dp.mult;
      let w0 = (ky * dp.kw + kx) * dp.cout + ch * dp.mult;
      for (var m = 0u; m < dp.mult; m++) {
        s = fma(dgi_dy[d0 + m], dgi_w[w0 + m], s);
      }
    }
  }
  dgi_dx[i] = s;
}

// ---- depthwise_grad_filter (x, dy -> dw): one workgroup per filter element (tap, co); its
// invocations stride over the N * Ho * Wo output pixels and fold their partial sums.
@group(0) @binding(1) var<storage, read> dgf_x: array<f32>;
@group(0) @binding(2) var<storage, read> dgf_dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dgf_dw: array<f32>;

@compute @workgroup_size(WG)
fn depthwise_grad_filter(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flat_group(wid, nwg);
  // e is the same for the whole workgroup, so this return keeps the fold's barriers uniform.
  if (e >= dp.total) { return; }
  let co = e % dp.cout;
  let tap = e / dp.cout;
  let ky = tap / dp.kw;
  let kx = tap % dp.kw;
  let ch = co / dp.mult;
  let pixels = dp.n * dp.ho * dp.wo;
  var s = 0.0;
  for (var p = li; p < pixels; p += WG) {
    let ow = p % dp.wo;
    let oh = (p / dp.wo) % dp.ho;
    let n = p / (dp.wo * dp.ho);
    let ih = i32(oh * dp.sh + ky * dp.dh) - i32(dp.pt);
    let iw = i32(ow * dp.sw + kx * dp.dw) - i32(dp.pl);
    if (ih < 0 || iw < 0 || ih >= i32(dp.h) || iw >= i32(dp.w)) { continue; }
    s = fma(dgf_x[((n * dp.h + u32(ih)) * dp.w + u32(iw)) * dp.c + ch], dgf_dy[p * dp.cout + co], s);
  }
  let total = fold_sum(li, s);
  if (li == 0u) { dgf_dw[e] = total; }
}
