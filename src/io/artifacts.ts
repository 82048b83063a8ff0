/**
 * What a model is, as data: the topology (layers and how they connect) and the named weights.
 * The model format (src/io/format.ts) stores this; models (src/model/) build from it and export to it;
 * importers (TF.js, ONNX, Keras) produce it.
 */

/** Axis layout of a model input or output as the user sees it. */
export type Layout = 'NHWC' | 'NCHW' | 'NC' | 'N...';

export interface LayerJSON {
  /** Unique within the model, e.g. "conv2d_1". */
  name: string;
  /** Keras layer class name ("Conv2D", "BatchNormalization"...). */
  className: string;
  /** Keras-style config (snake_case keys as Keras writes them). */
  config: Record<string, unknown>;
  /** Inputs: names of the layers feeding this one; "name:k" for output k of a multi-output layer. */
  inbound: string[];
}

export interface GraphJSON {
  name: string;
  /** Input layers ("InputLayer" entries in `layers`), in call order. */
  inputs: string[];
  /** Output layers, in return order. */
  outputs: string[];
  /** In topological order. */
  layers: LayerJSON[];
}

/** Per-input or per-output metadata that the graph itself does not carry. */
export interface IOSpec {
  name: string;
  /** Shape with the batch dimension as null, e.g. [null, 224, 224, 3]. */
  shape: (number | null)[];
  layout: Layout;
  /** Preprocessing a caller applies before this input: scale/offset per channel, colour order, size. */
  preprocessing?: { scale?: number | number[]; offset?: number | number[]; colorOrder?: 'RGB' | 'BGR'; size?: [number, number] };
  /** Human labels for a classifier's output classes. */
  labels?: string[];
}

export interface WeightArray {
  /** "<layer>/<weight>", e.g. "conv2d_1/kernel", "batch_normalization/moving_mean". */
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface ModelArtifacts {
  graph: GraphJSON;
  weights: WeightArray[];
  inputs?: IOSpec[];
  outputs?: IOSpec[];
  /** Free-form facts about the model: source, licence, description. */
  metadata?: Record<string, unknown>;
}
