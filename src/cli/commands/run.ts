import { Tensor, TinyconvError, decodeNpy, encodeNpy, formatShape, type Model, type SymShape } from '../../index.js';
import { backendChoice, backendHelp, DEFAULT_BACKEND } from '../backends.js';
import { bindInputs, bindOutputs } from '../bindings.js';
import type { CliIO, Command } from '../command.js';
import { about, readBytes, writeBytes } from '../files.js';
import { toJson } from '../json.js';
import { openModel } from '../model-source.js';
import { flag, positiveIntOption, stringList, stringOption } from '../options.js';
import { ms, num, valueStats, type ValueStats } from '../stats.js';

/** Outputs up to this many elements are printed in full by --json. */
export const JSON_VALUES_LIMIT = 100;

interface InputReport {
  name: string;
  file: string;
  shape: number[];
}

interface OutputReport extends ValueStats {
  name: string;
  shape: number[];
  /** Where the output was written; null when it was not. */
  file: string | null;
  /** Nested like numpy's tolist(), present when the output has at most JSON_VALUES_LIMIT elements. */
  values?: unknown;
}

interface RunReport {
  model: string;
  file: string;
  format: string;
  backend: string;
  /** Samples per forward pass; null: all at once. */
  batchSize: number | null;
  inputs: InputReport[];
  outputs: OutputReport[];
  timing: { loadMs: number; predictMs: number };
}

export const run: Command = {
  name: 'run',
  summary: 'Run a model on .npy inputs and write its outputs as .npy files',
  description: [
    'Loads a tinyconv model (single file or manifest), reads each input from a NumPy .npy file',
    '(any numeric dtype, C order, batch first: images are NHWC), checks it against the model',
    'input, runs inference and prints each output\'s shape, range, mean and the time taken.',
    '',
    'Inputs: one --input per model input, in the model\'s order, or --input name=file.npy.',
    'Outputs are written as float32 .npy only where --output says: one per output in order,',
    'name=file.npy for chosen outputs, or, for a model with several outputs, a single path',
    'y.npy that writes each output as y.<output name>.npy. A file name containing "=" is',
    'written ./a=b.npy.',
  ].join('\n'),
  args: [{ name: 'model', description: 'A tinyconv model file or manifest (.json)' }],
  options: {
    input: { type: 'string', short: 'i', multiple: true, valueName: '[name=]file.npy', description: 'An input array; repeat for each model input' },
    output: { type: 'string', short: 'o', multiple: true, valueName: '[name=]file.npy', description: 'Where to write an output (see above); repeatable' },
    backend: { type: 'string', short: 'b', default: DEFAULT_BACKEND, valueName: 'name', description: backendHelp() },
    'batch-size': { type: 'string', valueName: 'n', description: 'Run at most n samples per forward pass (default: all at once)' },
    json: { type: 'boolean', description: `Print the report as JSON: shapes, statistics, the values of outputs of up to ${JSON_VALUES_LIMIT} elements, timings` },
  },
  examples: [
    'tinyconv run mnist.tcm --input digits.npy --output scores.npy',
    'tinyconv run detector.tcm -i image.npy -o out.npy    # writes out.<output>.npy per output',
    'tinyconv run two_inputs.tcm -i left=a.npy -i right=b.npy --json',
  ],
  async run({ args, options }, { io }) {
    const backendName = stringOption(options, 'backend') ?? DEFAULT_BACKEND;
    const choice = backendChoice(backendName); // a usage mistake is reported before any loading
    const batchSize = positiveIntOption(options, 'batch-size');
    const file = args.model as string;

    const t0 = performance.now();
    const { model, format, formatName, hasWeights } = await openModel(file);
    if (!hasWeights) {
      throw new TinyconvError('E_UNSUPPORTED', `${file} is a ${formatName}: it describes the architecture but carries no weights, so it cannot run; 'tinyconv summary' shows it`, { path: file, format });
    }
    const loadMs = performance.now() - t0;

    const inputNames = model.inputs.map((t) => t.layer.name);
    const outputNames = model.outputs.map((t) => t.layer.name);
    const inputFiles = bindInputs(stringList(options, 'input'), inputNames);
    const outputFiles = bindOutputs(stringList(options, 'output'), outputNames);

    const inputs = await readInputs(model, inputFiles);
    const backend = await choice.create();
    const feeds = inputs.map((x) => backend.upload(x.data, x.shape));

    const t1 = performance.now();
    const ys = model.predictAll(feeds, { backend, ...(batchSize !== undefined && { batchSize }) });
    const values = await Promise.all(ys.map((y) => y.data()));
    const predictMs = performance.now() - t1;

    const outputs: OutputReport[] = [];
    for (const [k, y] of ys.entries()) {
      const name = outputNames[k]!;
      const out = outputFiles.get(name) ?? null;
      if (out !== null) await writeBytes(out, encodeNpy(values[k]!, y.shape), `output ${name} file`);
      const r: OutputReport = { name, shape: [...y.shape], file: out, ...valueStats(values[k]!) };
      if (y.size <= JSON_VALUES_LIMIT) r.values = Tensor.from(values[k]!, y.shape).toNested();
      outputs.push(r);
    }
    for (const t of [...feeds, ...ys]) t.dispose();

    const report: RunReport = {
      model: model.name,
      file,
      format,
      backend: backend.name,
      batchSize: batchSize ?? null,
      inputs: inputs.map(({ name, file: f, shape }) => ({ name, file: f, shape })),
      outputs,
      timing: { loadMs, predictMs },
    };
    if (flag(options, 'json')) io.out(`${toJson(report)}\n`);
    else printReport(io, report, formatName, model.countParams());
    return 0;
  },
};

/** Reads and checks every input: .npy decoding, rank and sizes against the model, one batch size. */
async function readInputs(model: Model, files: readonly [string, string][]): Promise<(InputReport & { data: Float32Array })[]> {
  const shapes = model.inputShapes;
  const out: (InputReport & { data: Float32Array })[] = [];
  for (const [i, [name, file]] of files.entries()) {
    const where = `input ${name} (${file})`;
    const bytes = await readBytes(file, `input ${name} file`);
    const { data, shape } = await about(where, () => decodeNpy(bytes));
    checkInputShape(where, shape, shapes[i]!);
    out.push({ name, file, shape, data });
  }
  const batches = out.map((x) => x.shape[0]);
  if (new Set(batches).size > 1) {
    throw new TinyconvError('E_SHAPE', `the inputs have different batch sizes: ${out.map((x) => `${x.name} ${x.shape[0]}`).join(', ')}`, { batches });
  }
  return out;
}

function checkInputShape(where: string, got: readonly number[], want: SymShape): void {
  const shown = `[${got.join(', ')}]`;
  if (got.length !== want.length) {
    // One dimension short and matching otherwise: the batch dimension is what is missing.
    const noBatch = got.length === want.length - 1 && want.slice(1).every((d, k) => d === null || d === got[k]);
    const hint = noBatch ? `; it looks like one sample without the batch dimension: save it with shape (1, ${got.join(', ')})` : '';
    throw new TinyconvError('E_SHAPE', `${where}: expected rank ${want.length}, shape ${formatShape(want)}, got shape ${shown}${hint}`, { expected: want, got });
  }
  const bad = want.findIndex((d, k) => d !== null && d !== got[k]);
  if (bad >= 0) {
    throw new TinyconvError('E_SHAPE', `${where}: dimension ${bad} is ${got[bad]}, expected ${want[bad]} (shape ${formatShape(want)}), got shape ${shown}`, { expected: want, got });
  }
  if (got[0] === 0) throw new TinyconvError('E_SHAPE', `${where}: the batch is empty (shape ${shown})`, { got });
}

function printReport(io: CliIO, r: RunReport, formatName: string, params: number): void {
  const w = Math.max(...r.inputs.map((x) => x.name.length), ...r.outputs.map((y) => y.name.length));
  const lines = [`model ${r.model} (${formatName}, ${params.toLocaleString('en-US')} parameters) on backend ${r.backend}`];
  for (const x of r.inputs) lines.push(`input   ${x.name.padEnd(w)}  [${x.shape.join(', ')}]  from ${x.file}`);
  for (const y of r.outputs) {
    const stats = `min ${num(y.min)}  max ${num(y.max)}  mean ${num(y.mean)}${y.nonFinite ? `  (${y.nonFinite} not finite)` : ''}`;
    lines.push(`output  ${y.name.padEnd(w)}  [${y.shape.join(', ')}]  ${stats}${y.file !== null ? `  -> ${y.file}` : ''}`);
  }
  const n = r.inputs[0]?.shape[0] ?? 0;
  const batches = r.batchSize === null || r.batchSize >= n ? 'in one batch' : `in batches of ${r.batchSize}`;
  lines.push(`time    load ${ms(r.timing.loadMs)}, predict ${ms(r.timing.predictMs)} (${n} sample${n === 1 ? '' : 's'} ${batches})`);
  io.out(`${lines.join('\n')}\n`);
}
