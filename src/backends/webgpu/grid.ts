/**
 * Workgroup counts for `groups` workgroups in a 2D grid within `maxPerDim` per dimension (the
 * device's maxComputeWorkgroupsPerDimension, 65535 by default): x as large as allowed, y what it
 * takes. Shaders fold the two back into one index (x + y * nx) and skip the excess of the last row.
 */
export function grid2d(groups: number, maxPerDim: number): [number, number, number] {
  if (groups <= maxPerDim) return [groups, 1, 1];
  const y = Math.ceil(groups / maxPerDim);
  if (y > maxPerDim) throw new RangeError(`${groups} workgroups exceed a ${maxPerDim} x ${maxPerDim} grid`);
  return [Math.ceil(groups / y), y, 1];
}
