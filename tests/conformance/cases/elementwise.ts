import type { OpCase } from '../case.js';

export const cases: OpCase[] = (['add', 'mul'] as const).flatMap((op): OpCase[] => [
  { op, name: 'same shapes', inputs: [[2, 3, 4, 5], [2, 3, 4, 5]] },
  { op, name: 'broadcast a channel vector', inputs: [[2, 3, 4, 5], [5]] },
  { op, name: 'broadcast both ways', inputs: [[2, 1, 4, 1], [3, 1, 6]] },
  { op, name: 'scalar operand', inputs: [[3, 7], []] },
  { op, name: '1x1 image, batch 3', inputs: [[3, 1, 1, 9], [3, 1, 1, 9]] },
]);
