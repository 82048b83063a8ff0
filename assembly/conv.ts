/** The convolution family's exports: dense, Winograd, filter gradient and depthwise kernels. */
export * from './conv2d';
export * from './conv-winograd';
export * from './conv-filter';
export * from './depthwise';
export * from './depthwise-backward';
