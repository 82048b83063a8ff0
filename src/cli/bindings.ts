import { UsageError } from './command.js';

/**
 * Binds `--input` / `--output` values to a model's input or output names. A value is a path, or
 * name=path for a named tensor; plain paths fill the remaining names in model order.
 */

export type TensorRole = 'input' | 'output';

interface Value {
  name?: string;
  path: string;
  raw: string;
}

/**
 * "name=path" when the prefix is one of `names`. A "=" after a path separator belongs to the path
 * (./a=b.npy); any other prefix is a usage error, so a mistyped name never becomes a file name.
 */
function parseValue(raw: string, names: readonly string[], role: TensorRole): Value {
  const eq = raw.indexOf('=');
  if (eq < 0) return { path: raw, raw };
  const prefix = raw.slice(0, eq);
  if (/[\\/]/.test(prefix)) return { path: raw, raw };
  if (!names.includes(prefix)) {
    throw new UsageError(
      `--${role} ${JSON.stringify(raw)}: the model has no ${role} named ${JSON.stringify(prefix)}; its ${role}s: ${names.join(', ')} (for a file whose name contains "=", write ./${raw})`,
    );
  }
  const path = raw.slice(eq + 1);
  if (path.length === 0) throw new UsageError(`--${role} ${JSON.stringify(raw)}: no file after "="`);
  return { name: prefix, path, raw };
}

/** Named values by name, plain ones in order; a name given twice is a usage error. */
function split(values: readonly string[], names: readonly string[], role: TensorRole): { named: Map<string, string>; plain: string[] } {
  const named = new Map<string, string>();
  const plain: string[] = [];
  for (const v of values.map((x) => parseValue(x, names, role))) {
    if (v.name === undefined) plain.push(v.path);
    else if (named.has(v.name)) throw new UsageError(`${role} ${v.name} is given twice (--${role} ${v.raw})`);
    else named.set(v.name, v.path);
  }
  return { named, plain };
}

/** Every model input gets exactly one file. Returns [name, path] in model input order. */
export function bindInputs(values: readonly string[], names: readonly string[]): [string, string][] {
  const list = names.join(', ');
  if (values.length === 0) {
    throw new UsageError(
      names.length === 1
        ? `give the model's input as a .npy file: --input x.npy`
        : `give the model's ${names.length} inputs as .npy files: --input x.npy once per input, in order (${list}), or --input name=x.npy`,
    );
  }
  const { named, plain } = split(values, names, 'input');
  const rest = names.filter((n) => !named.has(n));
  if (plain.length > rest.length) {
    throw new UsageError(`${values.length} --input values for a model with ${names.length} input${names.length > 1 ? 's' : ''} (${list})`);
  }
  if (plain.length < rest.length) {
    const missing = rest.slice(plain.length);
    throw new UsageError(`no --input for ${missing.join(', ')}; the model's inputs, in order: ${list} (plain paths fill them in order; name=path picks one)`);
  }
  let k = 0;
  return names.map((n) => [n, named.get(n) ?? plain[k++]!]);
}

/**
 * Where each output goes; outputs without a path are not written. One plain path for a model with
 * several outputs writes each one as <path without .npy>.<output name>.npy.
 */
export function bindOutputs(values: readonly string[], names: readonly string[]): Map<string, string> {
  const { named, plain } = split(values, names, 'output');
  const out = new Map(named);
  if (plain.length === 1 && named.size === 0 && names.length > 1) {
    for (const n of names) out.set(n, suffixed(plain[0]!, n));
    return out;
  }
  const rest = names.filter((n) => !named.has(n));
  if (plain.length > 0 && plain.length !== rest.length) {
    throw new UsageError(
      `${plain.length} --output path${plain.length > 1 ? 's' : ''} for ${rest.length} output${rest.length === 1 ? '' : 's'} (${rest.join(', ') || 'all named already'}): ` +
        'give one --output per output, name=path for some of them, or a single path to write each output as <path>.<name>.npy',
    );
  }
  rest.forEach((n, i) => plain[i] !== undefined && out.set(n, plain[i]!));
  const seen = new Map<string, string>();
  for (const [n, p] of out) {
    const other = seen.get(p);
    if (other !== undefined) throw new UsageError(`outputs ${other} and ${n} would both be written to ${p}`);
    seen.set(p, n);
  }
  return out;
}

/** y.npy and output "boxes" -> y.boxes.npy; characters unfit for a file name become "_". */
export function suffixed(path: string, name: string): string {
  const safe = name.replace(/[^\w.-]/g, '_');
  const base = /\.npy$/i.test(path) ? path.slice(0, -4) : path;
  return `${base}.${safe}.npy`;
}
