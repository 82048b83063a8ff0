// Element-wise activations shared by every family that fuses one (eltwise, matmul, conv2d).
// ACT is a pipeline constant (the index in ACTIVATIONS, src/ops/activation-math.ts), so each
// pipeline compiles only its own branch. alpha and beta come from the caller's uniforms.

override ACT: u32 = 0u;

const ACT_LINEAR = 0u;
const ACT_RELU = 1u;
const ACT_RELU6 = 2u;
const ACT_LEAKY_RELU = 3u;
const ACT_ELU = 4u;
const ACT_SIGMOID = 5u;
const ACT_HARD_SIGMOID = 6u;
const ACT_TANH = 7u;
const ACT_SWISH = 8u;
const ACT_HARD_SWISH = 9u;

// exp(-|x|) never overflows, so both halves stay finite for any x.
fn sigmoid_f(x: f32) -> f32 {
  let e = exp(-abs(x));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}

// exp(x) - 1 loses its relative precision near 0; a short series covers |x| < 0.03.
fn expm1_f(x: f32) -> f32 {
  if (abs(x) < 0.03) {
    return x * (1.0 + x * (0.5 + x * (0.16666667 + x * 0.041666668)));
  }
  return exp(x) - 1.0;
}

// tanh(15) is 1 in float32; clamping keeps implementations built on exp from overflowing.
fn tanh_f(x: f32) -> f32 {
  return tanh(clamp(x, -15.0, 15.0));
}

fn act(x: f32, alpha: f32, beta: f32) -> f32 {
  switch ACT {
    case ACT_RELU: { return max(x, 0.0); }
    case ACT_RELU6: { return clamp(x, 0.0, 6.0); }
    case ACT_LEAKY_RELU: { return select(alpha * x, x, x > 0.0); }
    case ACT_ELU: { return select(alpha * expm1_f(x), x, x > 0.0); }
    case ACT_SIGMOID: { return sigmoid_f(x); }
    case ACT_HARD_SIGMOID: { return clamp(alpha * x + beta, 0.0, 1.0); }
    case ACT_TANH: { return tanh_f(x); }
    case ACT_SWISH: { return x * sigmoid_f(x); }
    case ACT_HARD_SWISH: { return x * clamp(x + 3.0, 0.0, 6.0) / 6.0; }
    default: { return x; }
  }
}

// d act / dx at input x with output y; kinks take the derivative from the left-closed side.
fn act_grad(x: f32, y: f32, alpha: f32, beta: f32) -> f32 {
  switch ACT {
    case ACT_RELU: { return select(0.0, 1.0, x > 0.0); }
    case ACT_RELU6: { return select(0.0, 1.0, x > 0.0 && x < 6.0); }
    case ACT_LEAKY_RELU: { return select(alpha, 1.0, x > 0.0); }
    case ACT_ELU: { return select(y + alpha, 1.0, x > 0.0); }
    case ACT_SIGMOID: { return y * (1.0 - y); }
    case ACT_HARD_SIGMOID: {
      let z = alpha * x + beta;
      return select(0.0, alpha, z > 0.0 && z < 1.0);
    }
    case ACT_TANH: { return 1.0 - y * y; }
    case ACT_SWISH: {
      let s = sigmoid_f(x);
      return s + x * s * (1.0 - s);
    }
    case ACT_HARD_SWISH: {
      if (x < -3.0) { return 0.0; }
      if (x > 3.0) { return 1.0; }
      return (2.0 * x + 3.0) / 6.0;
    }
    default: { return 1.0; }
  }
}
