import { defineNode } from '../../runtime/contract.js';
import { InputError } from '../../runtime/errors.js';
import { column, splitPredictions, type Predictions } from '../learn/points.js';
import type { Scores } from '../metrics/nodes.js';
import { lineChart, positiveRanges, scatterPanels, type Series } from '../plot/svg.js';

/** Predicted probability against the labels over time for one sample (as the paper's Figure 4). */
export function timelineSvg(p: Predictions, split: string, sample: string | undefined, threshold?: number): { svg: string; sample: string } {
  const sp = splitPredictions(p, split);
  const key = sample ?? sp.keys[0]!;
  const rows = sp.keys.flatMap((k, i) => (k === key ? [i] : [])).sort((a, b) => sp.t[a]! - sp.t[b]!);
  if (!rows.length) throw new InputError(`sample "${key}" has no predictions in split "${split}"`);
  const t = rows.map((i) => sp.t[i]!);
  const prob = rows.map((i) => sp.scores[i]!);
  const labels = rows.map((i) => sp.targets[i]!);
  const series: Series[] = [{ name: 'predicted probability', x: t, y: prob }];
  if (threshold !== undefined) series.push({ name: 'decision', x: t, y: prob.map((v) => (v >= threshold ? 1 : 0)), step: true, dashed: true });
  const svg = lineChart(series, {
    title: `${key} (${split})`,
    xLabel: 'frame',
    yLabel: p.names[0] ?? 'score',
    yMin: 0,
    yMax: 1,
    bands: labels.some(Number.isFinite) ? [{ name: 'label = 1', ranges: positiveRanges(labels, t) }] : [],
    ...(threshold !== undefined ? { hLines: [{ y: threshold, label: `threshold ${threshold.toFixed(3)}` }] } : {}),
  });
  return { svg, sample: key };
}

export const writeTimeline = defineNode<{ split: string; sample?: string; file: string }>({
  type: 'write/timeline-svg',
  version: '1',
  description: 'SVG of frame predictions against labels over time for one video (the paper’s Figure 4).',
  kind: 'map',
  sideEffects: true,
  inputs: { predictions: { type: 'pred/points' }, scores: { type: 'metrics/scores', optional: true } },
  outputs: {},
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      split: { type: 'string', default: 'val' },
      sample: { type: 'string', description: 'sample key (default: the first of the split)' },
      file: { type: 'string', default: 'timeline.svg' },
    },
  },
  async run(inputs, ctx) {
    const scores = inputs['scores'] as Scores | undefined;
    const { svg } = timelineSvg(inputs['predictions'] as Predictions, ctx.params.split, ctx.params.sample, scores?.threshold);
    ctx.log.info(`wrote ${await ctx.writeOutput(ctx.params.file, svg)}`);
    return {};
  },
});

export const writeScatter = defineNode<{ split: string; file: string }>({
  type: 'write/scatter-svg',
  version: '1',
  description: 'SVG of predictions against labels, one panel per output (EMI emotions).',
  kind: 'map',
  sideEffects: true,
  inputs: { predictions: { type: 'pred/points' } },
  outputs: {},
  params: {
    type: 'object',
    additionalProperties: false,
    properties: { split: { type: 'string', default: 'val' }, file: { type: 'string', default: 'scatter.svg' } },
  },
  async run(inputs, ctx) {
    const p = inputs['predictions'] as Predictions;
    const sp = splitPredictions(p, ctx.params.split);
    const k = p.names.length;
    const svg = scatterPanels(
      p.names.map((name, j) => ({ title: name, x: column(sp.targets, k, j), y: column(sp.scores, k, j) })),
      { title: `predictions vs labels (${ctx.params.split})`, xLabel: 'label', yLabel: 'prediction' },
    );
    ctx.log.info(`wrote ${await ctx.writeOutput(ctx.params.file, svg)}`);
    return {};
  },
});
