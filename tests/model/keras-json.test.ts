import { describe, expect, it } from 'vitest';
import { Model } from '../../src/model/index.js';
import { readKerasConfig } from '../../src/model/keras-json.js';
import { kerasFixture, thrown } from './helpers.js';

type Json = Record<string, any>;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

describe('readKerasConfig', () => {
  it('Keras 2 Sequential with an InputLayer: a chain, input shape on the InputLayer only', () => {
    const g = readKerasConfig(kerasFixture('mnist_convnet'));
    expect(g.name).toBe('mnist_convnet');
    expect(g.inputs).toEqual(['conv2d_input']);
    expect(g.outputs).toEqual(['dense_1']);
    expect(g.layers.map((l) => [l.name, l.className, l.inbound])).toEqual([
      ['conv2d_input', 'InputLayer', []],
      ['conv2d', 'Conv2D', ['conv2d_input']],
      ['max_pooling2d', 'MaxPooling2D', ['conv2d']],
      ['conv2d_1', 'Conv2D', ['max_pooling2d']],
      ['max_pooling2d_1', 'MaxPooling2D', ['conv2d_1']],
      ['conv2d_2', 'Conv2D', ['max_pooling2d_1']],
      ['flatten', 'Flatten', ['conv2d_2']],
      ['dense', 'Dense', ['flatten']],
      ['dense_1', 'Dense', ['dense']],
    ]);
    expect(g.layers[1]!.config).not.toHaveProperty('batch_input_shape');
    expect(g.layers[0]!.config.batch_input_shape).toEqual([null, 28, 28, 1]);
  });

  it('TF.js model.json (modelTopology.model_config), input from the first layer, as text too', () => {
    const json = kerasFixture('mnist_convnet_nopool') as Json;
    const g = readKerasConfig(JSON.stringify(json));
    expect(g.inputs).toEqual(['conv2d_3_input']);
    expect(g.layers[0]).toEqual({ name: 'conv2d_3_input', className: 'InputLayer', config: { batch_input_shape: [null, 28, 28, 1], name: 'conv2d_3_input' }, inbound: [] });
    // The converter's weight manifest names the weights the model has.
    const names = (json.weightsManifest[0].weights as { name: string; shape: number[] }[]).map((w) => [w.name, w.shape]);
    expect(Model.fromGraph(g).weights.map((v) => [v.name, v.shape])).toEqual(names);
    // A model_config given as a JSON string (as Keras 2 stores it in HDF5 attributes).
    expect(readKerasConfig({ model_config: JSON.stringify(json.modelTopology.model_config) })).toEqual(g);
  });

  it('Keras 2 functional: inbound_nodes [[[name, 0, 0, {}]]]', () => {
    const g = readKerasConfig(kerasFixture('mobilenetv2_block'));
    expect(g.inputs).toEqual(['input_1']);
    expect(g.outputs).toEqual(['block_2_add']);
    expect(g.layers.at(-1)).toMatchObject({ className: 'Add', inbound: ['input_1', 'block_2_project_BN'] });
    expect(g.layers.find((l) => l.name === 'block_2_expand_BN')!.config.axis).toEqual([3]);
  });

  it('Keras 3 Sequential and Functional: module / registered_name, DTypePolicy, keras_history', () => {
    const lenet = readKerasConfig(kerasFixture('lenet5'));
    expect(lenet.layers.map((l) => l.className)).toEqual(['InputLayer', 'Conv2D', 'AveragePooling2D', 'Conv2D', 'AveragePooling2D', 'Flatten', 'Dense', 'Dense', 'Dense']);
    expect(lenet.layers[1]!.config.dtype).toBe('float32');
    const res = readKerasConfig(kerasFixture('mnist_residual'));
    expect(res.layers.find((l) => l.name === 'add')!.inbound).toEqual(['conv2d', 'conv2d_2']);
    expect(res.layers.find((l) => l.name === 'dense_1')!.inbound).toEqual(['dropout']);
    // Keras 3 writes the single input without the outer list sometimes.
    const json = clone(kerasFixture('mnist_residual')) as Json;
    json.config.input_layers = ['input_layer', 0, 0];
    expect(readKerasConfig(json).inputs).toEqual(['input_layer']);
  });

  it('layers listed out of topological order are sorted', () => {
    const json = clone(kerasFixture('mobilenetv2_block')) as Json;
    json.config.layers.reverse();
    const g = readKerasConfig(json);
    expect(g.layers[0]!.name).toBe('input_1');
    expect(Model.fromGraph(g).countParams()).toBe(9_456);
  });

  it('Keras 3 Sequential without an InputLayer takes build_config.input_shape', () => {
    const json = clone(kerasFixture('lenet5')) as Json;
    json.config.layers.shift();
    const g = readKerasConfig(json);
    expect(g.layers[0]).toMatchObject({ name: 'conv2d_input', className: 'InputLayer', config: { batch_input_shape: [null, 32, 32, 1] } });
  });
});

describe('readKerasConfig errors', () => {
  it('unknown layer class: E_CONFIG naming layer, class and the supported ones', () => {
    const json = clone(kerasFixture('mnist_convnet')) as Json;
    json.config.layers[2] = { class_name: 'Rescaling', config: { name: 'rescale', scale: 0.5, offset: 0 } };
    const e = thrown(() => readKerasConfig(json));
    expect(e.code).toBe('E_CONFIG');
    expect(e.message).toContain('layer rescale: unknown layer class "Rescaling"; supported: Activation, Add, AveragePooling2D');
  });

  it('shared layers, nested models and Keras 3 hard_sigmoid: E_UNSUPPORTED', () => {
    const shared = clone(kerasFixture('mobilenetv2_block')) as Json;
    shared.config.layers[1].inbound_nodes.push([['input_1', 0, 0, {}]]);
    expect(thrown(() => readKerasConfig(shared))).toMatchObject({ code: 'E_UNSUPPORTED', message: expect.stringContaining('layer block_2_expand is called 2 times') });
    const node1 = clone(kerasFixture('mobilenetv2_block')) as Json;
    node1.config.layers[2].inbound_nodes[0][0][1] = 1;
    expect(thrown(() => readKerasConfig(node1)).code).toBe('E_UNSUPPORTED');
    const nested = clone(kerasFixture('mnist_convnet')) as Json;
    nested.config.layers[3] = clone(kerasFixture('lenet5'));
    nested.config.layers[3].config.name = 'inner';
    expect(thrown(() => readKerasConfig(nested))).toMatchObject({ code: 'E_UNSUPPORTED', message: expect.stringContaining('nested Sequential model') });
    const hs = clone(kerasFixture('lenet5')) as Json;
    hs.config.layers[1].config.activation = 'hard_sigmoid';
    expect(thrown(() => readKerasConfig(hs))).toMatchObject({ code: 'E_UNSUPPORTED', message: expect.stringContaining('layer conv2d (Conv2D)') });
  });

  it('malformed configs: E_CONFIG', () => {
    for (const bad of ['{not json', 42, { class_name: 'Graph', config: {} }, { class_name: 'Sequential', config: { layers: [] } }, { modelTopology: 'x' }]) {
      expect(thrown(() => readKerasConfig(bad)).code).toBe('E_CONFIG');
    }
    const noShape = clone(kerasFixture('mnist_convnet_nopool')) as Json;
    delete noShape.modelTopology.model_config.config.layers[0].config.batch_input_shape;
    expect(thrown(() => readKerasConfig(noShape)).message).toContain('no input shape');
  });

  it('layer configs tinyconv cannot run fail when the model is built, naming the layer', () => {
    const json = clone(kerasFixture('mnist_convnet')) as Json;
    json.config.layers[1].config.data_format = 'channels_first';
    const e = thrown(() => Model.fromGraph(readKerasConfig(json)));
    expect(e.code).toBe('E_UNSUPPORTED');
    expect(e.message).toContain('layer conv2d (Conv2D): data_format "channels_first" is not supported');
  });
});
