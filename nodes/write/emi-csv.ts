import { defineNode } from '../../runtime/contract.js';
import { splitPredictions, type Predictions } from '../learn/points.js';

/** The EMI submission: header, one row per clip sorted by id, ids zero-padded to 5, values clamped to [0, 1]. */
export function emiCsv(p: Predictions, split: string): string {
  const sp = splitPredictions(p, split);
  const k = p.names.length;
  const rows = sp.keys.map((key, i) => ({ id: key.padStart(5, '0'), values: Array.from(sp.scores.subarray(i * k, (i + 1) * k)) }));
  rows.sort((a, b) => a.id.localeCompare(b.id));
  const clamp = (v: number) => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0);
  return [['Filename', ...p.names].join(','), ...rows.map((r) => [r.id, ...r.values.map((v) => String(clamp(v)))].join(','))].join('\n') + '\n';
}

export const writeEmiCsv = defineNode<{ split: string; file: string }>({
  type: 'write/emi-csv',
  version: '1',
  description: 'EMI predictions as preds.csv (Filename + six emotions, sorted, clamped to [0,1]).',
  kind: 'map',
  sideEffects: true,
  inputs: { predictions: { type: 'pred/points' } },
  outputs: {},
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      split: { type: 'string', default: 'test' },
      file: { type: 'string', default: 'preds.csv', description: 'path in the run directory' },
    },
  },
  async run(inputs, ctx) {
    const file = await ctx.writeOutput(ctx.params.file, emiCsv(inputs['predictions'] as Predictions, ctx.params.split));
    ctx.log.info(`wrote ${file}`);
    return {};
  },
});
