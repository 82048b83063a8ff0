/** The model layer: layers with Keras names, Sequential and functional models, summaries, Keras configs. */
export { Layer, SymbolicTensor, type BaseLayerConfig, type Inferred } from './layer.js';
export * from './layers/index.js';
export { Model, type ModelArgs, type ModelInputs, type ForwardOptions, type PredictOptions, type WeightValue } from './model.js';
export { Sequential, type SequentialArgs } from './sequential.js';
export { LayerVariable, type WeightSpec } from './variable.js';
export { readInitializer, SUPPORTED_INITIALIZERS, type Initializer } from './initializers.js';
export { SUPPORTED_ACTIVATIONS, type LayerActivation } from './activations.js';
export { formatSummary, type SummaryData, type SummaryRow, type SummaryOptions } from './summary.js';
export { formatShape, type Dim, type SymShape } from './sym-shape.js';
export type { CallContext } from './context.js';
export { readKerasConfig } from './keras-json.js';
export { loadModel, saveModel } from './persist.js';
