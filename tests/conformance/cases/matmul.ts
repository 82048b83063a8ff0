import type { OpCase } from '../case.js';

const T = { transposeA: true, transposeB: false };
const TB = { transposeA: false, transposeB: true };
const TT = { transposeA: true, transposeB: true };

export const cases: OpCase[] = [
  { op: 'matmul', name: '2x3 @ 3x4', inputs: [[2, 3], [3, 4]] },
  { op: 'matmul', name: 'odd sizes 5x7 @ 7x3', inputs: [[5, 7], [7, 3]] },
  { op: 'matmul', name: 'transposeA 3x2^T @ 3x4', inputs: [[3, 2], [3, 4]], attrs: T },
  { op: 'matmul', name: 'transposeB 2x3 @ 4x3^T', inputs: [[2, 3], [4, 3]], attrs: TB },
  { op: 'matmul', name: 'both transposed 3x5^T @ 6x3^T', inputs: [[3, 5], [6, 3]], attrs: TT },
  { op: 'matmul', name: 'K = 1 (outer product)', inputs: [[4, 1], [1, 3]] },
  { op: 'matmul', name: 'M = 1 (row times matrix)', inputs: [[1, 5], [5, 3]] },
  { op: 'matmul', name: 'N = 1 (matrix times column)', inputs: [[3, 5], [5, 1]] },
  { op: 'matmul', name: 'rank 3, same batch', inputs: [[2, 3, 4], [2, 4, 5]] },
  { op: 'matmul', name: 'rank 3 @ rank 2 (shared weights)', inputs: [[3, 2, 4], [4, 3]] },
  { op: 'matmul', name: 'rank 2 @ rank 3, transposeB', inputs: [[2, 4], [3, 5, 4]], attrs: TB },
  { op: 'matmul', name: 'rank 4, batch broadcast both ways', inputs: [[2, 1, 3, 4], [1, 3, 4, 2]] },
  { op: 'matmul', name: 'rank 4 @ rank 3 broadcast, both transposed', inputs: [[2, 3, 5, 3], [3, 4, 5]], attrs: TT },
  { op: 'matmul', name: 'rank 3 transposeA with batch 1 broadcast', inputs: [[1, 4, 3], [3, 4, 2]], attrs: T },
  { op: 'matmul', name: 'vector @ matrix', inputs: [[4], [4, 3]] },
  { op: 'matmul', name: 'batched matrix @ vector', inputs: [[2, 3, 4], [4]] },
  { op: 'matmul', name: 'vector @ batched matrix, transposeB', inputs: [[4], [2, 3, 4]], attrs: TB },
  { op: 'matmul', name: 'vector @ vector (dot product)', inputs: [[5], [5]] },
];
