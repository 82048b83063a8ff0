import type { Command } from '../command.js';
import { toJson } from '../json.js';
import { MODEL_FORMATS, openModel } from '../model-source.js';
import { flag, positiveIntOption } from '../options.js';

export const summary: Command = {
  name: 'summary',
  summary: 'Print the layers, output shapes and parameter counts of a model',
  description: [
    'Prints the summary in the layout of Keras model.summary(), with the same parameter counts.',
    'A Keras config or TF.js topology is summarized without weights: none are drawn or read.',
    '',
    "Model formats, told apart by the file's content, not its name:",
    ...MODEL_FORMATS.map((f) => `  ${f.name}`),
  ].join('\n'),
  args: [{ name: 'model', description: 'The model file' }],
  options: {
    json: { type: 'boolean', description: 'Print the summary as JSON (layers, shapes with null for unknown sizes, totals)' },
    'line-length': { type: 'string', valueName: 'n', description: 'Characters per line (Keras: 65 for Sequential models, 98 otherwise)' },
  },
  examples: ['tinyconv summary mnist.tcm', 'tinyconv summary model.json --json'],
  async run({ args, options }, { io }) {
    const lineLength = positiveIntOption(options, 'line-length');
    const file = args.model as string;
    const { model, format, hasWeights } = await openModel(file);
    if (flag(options, 'json')) {
      io.out(`${toJson({ file, format, hasWeights, ...model.summaryData() })}\n`);
    } else {
      io.out(`${model.summary(lineLength === undefined ? {} : { lineLength })}\n`);
    }
    return 0;
  },
};
