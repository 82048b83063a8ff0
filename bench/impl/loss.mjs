/** Softmax cross-entropy on the host, for the training workload's gradient seed and its checks. */

/**
 * d(mean over the batch of -log softmax(z)[label]) / dz = (softmax(z) - onehot(label)) / N, for
 * logits z [N, classes] (row-major) and integer labels [N].
 */
export function crossEntropyGrad(z, labels, classes) {
  const n = labels.length;
  const g = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) {
    const row = z.subarray(i * classes, (i + 1) * classes);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += Math.exp(row[k] - max);
    for (let k = 0; k < classes; k++) g[i * classes + k] = (Math.exp(row[k] - max) / sum - (k === labels[i] ? 1 : 0)) / n;
  }
  return g;
}

/** Labels as one-hot rows [N, classes]. */
export function oneHot(labels, classes) {
  const out = new Float32Array(labels.length * classes);
  labels.forEach((l, i) => (out[i * classes + l] = 1));
  return out;
}
