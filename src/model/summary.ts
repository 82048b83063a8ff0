import { formatShape, type Dim } from './sym-shape.js';

/** One row of a model summary: a layer, its output shape, parameters and inputs. */
export interface SummaryRow {
  name: string;
  className: string;
  outputShape: Dim[];
  params: number;
  trainableParams: number;
  /** Inputs as Keras prints them: "conv2d[0][0]" (layer, node, tensor). */
  connectedTo: string[];
}

export interface SummaryData {
  name: string;
  /** Sequential models print no InputLayer row and no "Connected to" column. */
  sequential: boolean;
  rows: SummaryRow[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
}

export interface SummaryOptions {
  /** Characters per line: 65 for Sequential models and 98 for functional ones by default (Keras). */
  lineLength?: number;
  /** Right edge of each column as a fraction of the line (or absolute if > 1). */
  positions?: number[];
}

/** 1234567 -> "1,234,567". */
export function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Greedy word wrap to `width` characters; words longer than that are cut. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (let word of text.split(' ')) {
    while (word.length > width) {
      if (line) lines.push(line), (line = '');
      lines.push(word.slice(0, width));
      word = word.slice(width);
    }
    if (!line) line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else lines.push(line), (line = word);
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}

/** Cells laid out at the column edges; each cell wraps within its column, keeping one space between columns. */
function printRow(cells: readonly (string | readonly string[])[], edges: readonly number[]): string[] {
  const wrapped = cells.map((c, i) => {
    const width = Math.max(1, edges[i]! - (i ? edges[i - 1]! : 0) - 1);
    return (typeof c === 'string' ? [c] : c.length ? c : ['']).flatMap((part) => wrap(part, width));
  });
  const height = Math.max(...wrapped.map((w) => w.length));
  const out: string[] = [];
  for (let k = 0; k < height; k++) {
    let line = '';
    wrapped.forEach((w, i) => {
      line = (line + (w[k] ?? '')).padEnd(edges[i]!);
    });
    out.push(line.trimEnd());
  }
  return out;
}

/** The Keras summary layout: header, one block per layer, then the parameter totals. */
export function formatSummary(data: SummaryData, opts: SummaryOptions = {}): string {
  const lineLength = opts.lineLength ?? (data.sequential ? 65 : 98);
  const fractions = opts.positions ?? (data.sequential ? [0.45, 0.85, 1] : [0.33, 0.55, 0.67, 1]);
  const edges = fractions.map((p) => (p <= 1 ? Math.floor(lineLength * p) : p));
  const header = ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'].slice(0, edges.length);
  const lines = [`Model: "${data.name}"`, '_'.repeat(lineLength), ...printRow(header, edges), '='.repeat(lineLength)];
  data.rows.forEach((row, i) => {
    const shape = formatShape(row.outputShape);
    const cells: (string | string[])[] = [
      `${row.name} (${row.className})`,
      row.className === 'InputLayer' ? `[${shape}]` : shape,
      String(row.params),
      row.connectedTo,
    ];
    lines.push(...printRow(cells.slice(0, edges.length), edges));
    lines.push((i === data.rows.length - 1 ? '=' : '_').repeat(lineLength));
  });
  if (data.rows.length === 0) lines.push('='.repeat(lineLength));
  lines.push(
    `Total params: ${thousands(data.totalParams)}`,
    `Trainable params: ${thousands(data.trainableParams)}`,
    `Non-trainable params: ${thousands(data.nonTrainableParams)}`,
    '_'.repeat(lineLength),
  );
  return lines.join('\n');
}
