import { Conv2D, Dense, Flatten, MaxPooling2D, Sequential } from '../index.js';

/**
 * The MNIST convnet of "Deep Learning with Python" (F. Chollet, first edition, section 5.1),
 * built with the Sequential API and named as Keras names it, so its summary reads like the
 * book's: 93,322 parameters. Its weights are the layers' initial ones (Glorot-uniform kernels,
 * zero biases): untrained, so its class scores carry no meaning.
 */
export function mnistConvnet(): Sequential {
  return new Sequential({
    name: 'mnist_convnet',
    layers: [
      new Conv2D({ name: 'conv2d', filters: 32, kernel_size: 3, activation: 'relu', input_shape: [28, 28, 1] }),
      new MaxPooling2D({ name: 'max_pooling2d', pool_size: 2 }),
      new Conv2D({ name: 'conv2d_1', filters: 64, kernel_size: 3, activation: 'relu' }),
      new MaxPooling2D({ name: 'max_pooling2d_1', pool_size: 2 }),
      new Conv2D({ name: 'conv2d_2', filters: 64, kernel_size: 3, activation: 'relu' }),
      new Flatten({ name: 'flatten' }),
      new Dense({ name: 'dense', units: 64, activation: 'relu' }),
      new Dense({ name: 'dense_1', units: 10, activation: 'softmax' }),
    ],
  });
}
