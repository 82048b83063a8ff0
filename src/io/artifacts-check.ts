import type { GraphJSON, IOSpec, Layout } from './artifacts.js';
import type { FieldChecker } from './json-check.js';

/**
 * Structural checks of the parts of ModelArtifacts that the model format carries as JSON: the
 * graph and the input/output specs. Whether the graph is well formed (layers that exist, no cycles)
 * is the model's business; here we make sure every field has the type the interface promises.
 */

export const LAYOUTS: readonly Layout[] = ['NHWC', 'NCHW', 'NC', 'N...'];

export function checkGraph(c: FieldChecker, v: unknown, path: string): GraphJSON {
  const g = c.object(v, path);
  c.string(g.name, `${path}.name`);
  c.stringArray(g.inputs, `${path}.inputs`);
  c.stringArray(g.outputs, `${path}.outputs`);
  c.array(g.layers, `${path}.layers`).forEach((raw, i) => {
    const p = `${path}.layers[${i}]`;
    const layer = c.object(raw, p);
    c.string(layer.name, `${p}.name`, true);
    c.string(layer.className, `${p}.className`, true);
    c.object(layer.config, `${p}.config`);
    c.stringArray(layer.inbound, `${p}.inbound`);
  });
  return g as unknown as GraphJSON;
}

export function checkIOSpecs(c: FieldChecker, v: unknown, path: string): IOSpec[] {
  return c.array(v, path).map((raw, i) => checkIOSpec(c, raw, `${path}[${i}]`));
}

function checkIOSpec(c: FieldChecker, v: unknown, path: string): IOSpec {
  const s = c.object(v, path);
  c.string(s.name, `${path}.name`);
  c.array(s.shape, `${path}.shape`).forEach((d, i) => {
    if (d !== null) c.int(d, `${path}.shape[${i}]`);
  });
  c.oneOf(s.layout, `${path}.layout`, LAYOUTS);
  if (s.preprocessing !== undefined) {
    const p = c.object(s.preprocessing, `${path}.preprocessing`);
    for (const key of ['scale', 'offset'] as const) {
      const x = p[key];
      if (x === undefined) continue;
      if (Array.isArray(x)) x.forEach((n, j) => c.finite(n, `${path}.preprocessing.${key}[${j}]`));
      else c.finite(x, `${path}.preprocessing.${key}`);
    }
    if (p.colorOrder !== undefined) c.oneOf(p.colorOrder, `${path}.preprocessing.colorOrder`, ['RGB', 'BGR']);
    if (p.size !== undefined) {
      const size = c.array(p.size, `${path}.preprocessing.size`);
      if (size.length !== 2) c.fail(`${path}.preprocessing.size`, '[height, width]', p.size);
      size.forEach((n, j) => c.int(n, `${path}.preprocessing.size[${j}]`, 1));
    }
  }
  if (s.labels !== undefined) c.stringArray(s.labels, `${path}.labels`);
  return s as unknown as IOSpec;
}
