/**
 * ONNX Runtime's side of each workload: the net written as an ONNX model (onnx-net.mjs), run by an
 * InferenceSession of onnxruntime-web (wasm EP) or onnxruntime-node (native CPU EP). Inputs are fed
 * NCHW as the model expects (converted once); each run copies them in and the output out, as
 * session.run always does.
 */

import { fromNCHW, onnxModel, toNCHW } from './onnx-net.mjs';

/**
 * The runner of a workload's data on `ort` (either package's module). `sessionOptions` picks the
 * execution provider and threads.
 */
export async function ortRunner(ort, workload, data, sessionOptions) {
  const model = onnxModel(data.net, data.weights);
  const session = await ort.InferenceSession.create(model.bytes, { graphOptimizationLevel: 'all', ...sessionOptions });
  const feeds = {};
  for (const i of model.inputs) {
    const values = data.inputs.find((x) => x.name === i.name).data;
    feeds[i.name] = new ort.Tensor('float32', i.shape.length === 4 ? toNCHW(values, i.shape) : values, i.dims);
  }
  const out = model.output;
  return {
    async run() {
      const r = await session.run(feeds);
      return r[out.name].data;
    },
    /** The output in NHWC order, as the other backends give it. */
    canonical: (y) => (out.shape.length === 4 ? fromNCHW(y, out.shape) : y),
    async dispose() {
      await session.release();
    },
  };
}
