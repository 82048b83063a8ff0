import type { OpCase } from '../case.js';

export const cases: OpCase[] = [
  { op: 'dropout', name: 'inference is the identity', inputs: [[3, 4, 5]] },
  { op: 'dropout', name: 'train, rate 0.5', inputs: [[4, 3, 3, 2]], mode: 'train' },
  { op: 'dropout', name: 'train, rate 0.2, seed 7', inputs: [[5, 8]], attrs: { rate: 0.2, seed: 7 }, mode: 'train' },
  { op: 'dropout', name: 'train, rate 0 keeps everything', inputs: [[2, 6]], attrs: { rate: 0 }, mode: 'train' },
  { op: 'dropout', name: 'train, rate 0.9 drops most', inputs: [[50]], attrs: { rate: 0.9, seed: 3 }, mode: 'train' },
];
