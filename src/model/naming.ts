/**
 * Default layer and model names as Keras makes them: the class name in snake case ("Conv2D" ->
 * "conv2d", "ReLU" -> "re_lu"), then "_1", "_2"... for later ones. Counters are per process.
 */
const counters = new Map<string, number>();

export function snakeCase(className: string): string {
  return className
    .replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

export function uniqueName(prefix: string): string {
  const n = counters.get(prefix) ?? 0;
  counters.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}
