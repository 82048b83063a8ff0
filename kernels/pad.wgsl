// Padding (and cropping, with negative pads) of any rank, as src/ops/pad-geometry.ts: along each
// axis the input is cropped to `kept` elements starting at `lo`, then `before` elements are added
// in front and the rest of the output behind: 'constant' fills them with `value`, 'edge' repeats
// the border element, 'reflect' mirrors about it without repeating it (pad < kept).
// Axes that neither pad nor crop arrive merged, at most 8 left.
// Needs common.wgsl in the same module.

const MODE_CONSTANT = 0u;
const MODE_REFLECT = 1u;
const MODE_EDGE = 2u;

struct PadParams {
  total: u32, rank: u32, mode: u32, value: f32,
  in_shape: array<vec4<u32>, 2>,
  out_shape: array<vec4<u32>, 2>,
  in_stride: array<vec4<u32>, 2>,
  out_stride: array<vec4<u32>, 2>,
  lo: array<vec4<u32>, 2>,
  kept: array<vec4<u32>, 2>,
  before: array<vec4<u32>, 2>,
}
@group(0) @binding(0) var<uniform> pu: PadParams;
@group(0) @binding(1) var<storage, read> pad_in: array<f32>;
@group(0) @binding(2) var<storage, read_write> pad_out: array<f32>;

// ---- pad (x -> y): one invocation per output element.
@compute @workgroup_size(WG)
fn pad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= pu.total) { return; }
  var rest = i;
  var src = 0u;
  for (var d = pu.rank; d > 0u; d--) {
    let a = d - 1u;
    let n = at8(pu.out_shape, a);
    let kept = i32(at8(pu.kept, a));
    var c = i32(rest % n) - i32(at8(pu.before, a)); // coordinate in the cropped axis
    rest = rest / n;
    if (c < 0 || c >= kept) {
      if (pu.mode == MODE_CONSTANT) {
        pad_out[i] = pu.value;
        return;
      }
      if (pu.mode == MODE_EDGE) {
        c = clamp(c, 0, kept - 1);
      } else {
        c = select(2 * (kept - 1) - c, -c, c < 0);
      }
    }
    src += (at8(pu.lo, a) + u32(c)) * at8(pu.in_stride, a);
  }
  pad_out[i] = pad_in[src];
}

// ---- pad_grad (dy -> dx): one invocation per input element, summing dy over the output cells
// that read it. Along each axis those are up to three runs of coordinates: the cell's own place,
// and for 'edge' the padding it is repeated into, for 'reflect' its mirror images.
@compute @workgroup_size(WG)
fn pad_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= pu.total) { return; }
  var start: array<vec3<u32>, 8>;
  var count: array<vec3<u32>, 8>;
  var len: array<u32, 8>;
  var rest = i;
  for (var d = pu.rank; d > 0u; d--) {
    let a = d - 1u;
    let n = at8(pu.in_shape, a);
    let c = i32(rest % n) - i32(at8(pu.lo, a));
    rest = rest / n;
    let kept = i32(at8(pu.kept, a));
    // A cropped cell is read by no output cell.
    if (c < 0 || c >= kept) {
      pad_out[i] = 0.0;
      return;
    }
    let before = i32(at8(pu.before, a));
    let out_len = i32(at8(pu.out_shape, a));
    var s = vec3<u32>(u32(before + c), 0u, 0u);
    var k = vec3<u32>(1u, 0u, 0u);
    if (pu.mode == MODE_EDGE) {
      if (c == 0) { k.y = u32(before); }
      if (c == kept - 1) {
        s.z = u32(before + kept);
        k.z = u32(out_len - before - kept);
      }
    } else if (pu.mode == MODE_REFLECT) {
      if (c > 0 && c <= before) {
        s.y = u32(before - c);
        k.y = 1u;
      }
      let mirror = before + 2 * (kept - 1) - c;
      if (c < kept - 1 && mirror < out_len) {
        s.z = u32(mirror);
        k.z = 1u;
      }
    }
    start[a] = s;
    count[a] = k;
    len[a] = k.x + k.y + k.z;
  }
  // Visit every combination of one output coordinate per axis, the last axis fastest.
  var pos: array<u32, 8>;
  var sum = 0.0;
  loop {
    var off = 0u;
    for (var a = 0u; a < pu.rank; a++) {
      let p = pos[a];
      let k = count[a];
      let s = start[a];
      var o = s.z + (p - k.x - k.y);
      if (p < k.x) {
        o = s.x + p;
      } else if (p < k.x + k.y) {
        o = s.y + (p - k.x);
      }
      off += o * at8(pu.out_stride, a);
    }
    sum += pad_in[off];
    var a = pu.rank;
    var carry = true;
    while (carry && a > 0u) {
      a--;
      pos[a]++;
      carry = pos[a] == len[a];
      if (carry) { pos[a] = 0u; }
    }
    if (carry) { break; }
  }
  pad_out[i] = sum;
}
