import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/core/backend.js';
import { TinyconvError } from '../../src/core/errors.js';
import { decodeModel, decodeTensor, tensorNumbers, type OnnxModel, type OnnxTensor } from '../../src/io/onnx/onnx-proto.js';
import { runOnnxModel } from '../../src/io/onnx/run-graph.js';
import { shapeToString } from '../../src/core/shape.js';
import { testBackends } from '../util/backends.js';
import { closeReport } from '../util/close.js';

/**
 * Third-party truth: the ONNX operator conformance data (inputs and expected outputs written by
 * ONNX's own reference implementation), run through our ONNX node mapping on every backend.
 * Each case passes, fails, or is unsupported (E_UNSUPPORTED raised); the suite fails on any
 * failure, and on any unsupported case not listed below with its reason. A kernel a backend
 * lacks (E_NO_KERNEL) skips that case on that backend, visibly in the counts and the table.
 */

const DATA = process.env.ONNX_TEST_DATA ?? '/usr/share/libonnx-testdata/data/node';

/** The ONNX operators whose conformance cases run here. */
const OPS = [
  'Conv', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'BatchNormalization', 'Gemm', 'MatMul',
  'Relu', 'LeakyRelu', 'Sigmoid', 'HardSigmoid', 'Tanh', 'Softmax', 'Add', 'Mul', 'Concat', 'Flatten', 'Reshape',
  'Pad', 'Resize', 'Upsample',
];

/** Ops that only feed the op under test (a Constant scales tensor); they do not name the case. */
const HELPERS = ['Constant'];

const CUBIC = 'Resize mode cubic: resize2d implements nearest and bilinear only';
const TRAINING_BN = 'BatchNormalization training_mode = 1 (batch statistics and running-stat outputs): the importer maps inference graphs';
const VOLUMETRIC = '3-D spatial pooling ([N, C, D, H, W]): our image ops are 2-D';
const ARGMAX = 'MaxPool second output (flat argmax indices): not produced';

/** Cases expected to raise E_UNSUPPORTED, with the reason. Kept short; each must still be unsupported. */
const EXPECTED_UNSUPPORTED: Record<string, string> = {
  test_averagepool_3d_default: VOLUMETRIC,
  test_maxpool_3d_default: VOLUMETRIC,
  test_maxpool_with_argmax_2d_precomputed_pads: ARGMAX,
  test_maxpool_with_argmax_2d_precomputed_strides: ARGMAX,
  test_batchnorm_epsilon_training_mode: TRAINING_BN,
  test_batchnorm_example_training_mode: TRAINING_BN,
  test_resize_downsample_scales_cubic: CUBIC,
  test_resize_downsample_scales_cubic_A_n0p5_exclude_outside: CUBIC,
  test_resize_downsample_scales_cubic_align_corners: CUBIC,
  test_resize_downsample_sizes_cubic: CUBIC,
  test_resize_upsample_scales_cubic: CUBIC,
  test_resize_upsample_scales_cubic_A_n0p5_exclude_outside: CUBIC,
  test_resize_upsample_scales_cubic_align_corners: CUBIC,
  test_resize_upsample_scales_cubic_asymmetric: CUBIC,
  test_resize_upsample_sizes_cubic: CUBIC,
  test_resize_downsample_sizes_nearest_tf_half_pixel_for_nn: 'Resize coordinate transform tf_half_pixel_for_nn: not among resize2d\'s transforms',
  test_resize_tf_crop_and_resize: 'Resize coordinate transform tf_crop_and_resize (roi crop, extrapolation value): not implemented',
};

const RTOL = 1e-4;
const ATOL = 1e-6;

interface DataSet {
  inputs: OnnxTensor[];
  outputs: OnnxTensor[];
}

interface Case {
  name: string;
  /** The op type of the graph's node (all op types of a multi-node graph, joined by '+'; helpers left out). */
  op: string;
  dir: string;
}

type Outcome = 'pass' | 'fail' | 'unsupported' | 'skipped';

/** Conformance cases whose every node is one of OPS or a helper, found by decoding each model. */
function discover(): Case[] {
  const cases: Case[] = [];
  for (const name of readdirSync(DATA).sort()) {
    const dir = join(DATA, name);
    if (!existsSync(join(dir, 'model.onnx'))) continue;
    const model = decodeModel(readFileSync(join(dir, 'model.onnx')));
    const all = [...new Set(model.graph.nodes.map((n) => n.opType))];
    const types = all.filter((t) => !HELPERS.includes(t));
    if (types.length === 0 || !types.every((t) => OPS.includes(t))) continue;
    cases.push({ name, op: types.join('+'), dir });
  }
  return cases;
}

function loadSets(dir: string): DataSet[] {
  return readdirSync(dir)
    .filter((d) => d.startsWith('test_data_set_'))
    .sort()
    .map((d) => {
      const files = readdirSync(join(dir, d));
      const read = (prefix: string): OnnxTensor[] =>
        files
          .filter((f) => f.startsWith(prefix) && f.endsWith('.pb'))
          .sort((a, b) => Number(a.slice(prefix.length, -3)) - Number(b.slice(prefix.length, -3)))
          .map((f) => decodeTensor(readFileSync(join(dir, d, f)), `${d}/${f}`));
      return { inputs: read('input_'), outputs: read('output_') };
    });
}

/** Runs one case on one backend, reading results back asynchronously: its outcome and, unless it passed, why. */
async function runCase(c: Case, backend: Backend): Promise<{ outcome: Outcome; detail: string }> {
  const model: OnnxModel = decodeModel(readFileSync(join(c.dir, 'model.onnx')));
  const initialized = new Set(model.graph.initializers.map((t) => t.name));
  const graphInputs = model.graph.inputs.filter((v) => !initialized.has(v.name));
  const sets = loadSets(c.dir);
  if (sets.length === 0) return { outcome: 'fail', detail: 'no test_data_set directories' };
  for (const [k, set] of sets.entries()) {
    const where = `${backend.name}, data set ${k}`;
    if (set.inputs.length !== graphInputs.length) return { outcome: 'fail', detail: `${where}: ${set.inputs.length} input files for ${graphInputs.length} graph inputs` };
    const feeds = Object.fromEntries(graphInputs.map((v, i) => [v.name, set.inputs[i]!]));
    let got;
    try {
      got = runOnnxModel(model, feeds, backend);
    } catch (e) {
      if (e instanceof TinyconvError && e.code === 'E_UNSUPPORTED') return { outcome: 'unsupported', detail: e.message };
      if (e instanceof TinyconvError && e.code === 'E_NO_KERNEL') return { outcome: 'skipped', detail: e.message };
      return { outcome: 'fail', detail: `${where}: ${e instanceof Error ? e.message : String(e)}` };
    }
    try {
      for (const [i, out] of model.graph.outputs.entries()) {
        const expected = set.outputs[i];
        const y = got[out.name];
        if (!expected || !y) return { outcome: 'fail', detail: `${where}: output ${i} (${out.name}) missing` };
        if (shapeToString(y.shape) !== shapeToString(expected.dims)) {
          return { outcome: 'fail', detail: `${where}: output ${out.name} has shape ${shapeToString(y.shape)}, expected ${shapeToString(expected.dims)}` };
        }
        const bad = closeReport(await y.data(), tensorNumbers(expected), { rtol: RTOL, atol: ATOL });
        if (bad) return { outcome: 'fail', detail: `${where}: output ${out.name}: ${bad}` };
      }
    } finally {
      for (const t of Object.values(got)) t.dispose();
    }
  }
  return { outcome: 'pass', detail: '' };
}

if (!existsSync(DATA)) {
  const message = `ONNX conformance data not found at ${DATA} (Debian/Ubuntu package libonnx-testdata, or set ONNX_TEST_DATA)`;
  if (process.env.CI) {
    it('finds the ONNX conformance data', () => {
      throw new Error(message);
    });
  } else {
    console.warn(`SKIPPED: ${message}`);
    it.skip(`ONNX conformance data: ${message}`, () => {});
  }
} else {
  const cases = discover();

  describe('ONNX conformance data', () => {
    it('finds cases for every listed op', () => {
      const seen = new Set(cases.flatMap((c) => c.op.split('+')));
      expect(OPS.filter((op) => !seen.has(op))).toEqual([]);
    });

    it('lists only existing cases as unsupported', () => {
      const names = new Set(cases.map((c) => c.name));
      expect(Object.keys(EXPECTED_UNSUPPORTED).filter((n) => !names.has(n))).toEqual([]);
    });
  });

  describe.each(testBackends().map((b) => [b.name, b] as const))('ONNX conformance data on %s', (name, backend) => {
    const results = new Map<string, { op: string; outcome: Outcome }>();

    afterAll(() => {
      const rows = new Map<string, Record<Outcome, number> & { total: number }>();
      for (const { op, outcome } of results.values()) {
        const r = rows.get(op) ?? { total: 0, pass: 0, fail: 0, unsupported: 0, skipped: 0 };
        r.total++;
        r[outcome]++;
        rows.set(op, r);
      }
      const header = ['op', 'passed', 'fail', 'unsupported', 'skipped'];
      const body = [...rows.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([op, r]) => [op, `${r.pass}/${r.total}`, String(r.fail), String(r.unsupported), String(r.skipped)]);
      const lines = [header, ...body];
      const widths = header.map((_, j) => Math.max(...lines.map((l) => l[j]!.length)));
      const text = lines.map((l) => l.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  ')).join('\n');
      console.log(`ONNX conformance data (${DATA}) on ${name}:\n${text}`);
    });

    it.for(cases.map((c) => [c.name, c] as const))('%s', async ([, c], ctx) => {
      const { outcome, detail } = await runCase(c, backend);
      results.set(c.name, { op: c.op, outcome });
      const listed = EXPECTED_UNSUPPORTED[c.name];
      // A kernel the backend lacks shows as a skip in the counts, never as a pass.
      if (outcome === 'skipped') return ctx.skip(`${name}: ${detail}`);
      if (outcome === 'fail') expect.fail(detail);
      if (outcome === 'unsupported' && !listed) expect.fail(`unexpectedly unsupported: ${detail}`);
      if (outcome === 'pass' && listed) expect.fail(`passes now; remove it from EXPECTED_UNSUPPORTED ("${listed}")`);
    });
  });
}
