import { defineNode } from '../../runtime/contract.js';
import { InputError } from '../../runtime/errors.js';
import { splitPredictions, type Predictions } from '../learn/points.js';
import { binaryScores, bestThreshold, regressionScores, type BinaryScores, type RegressionScores } from '../train/selection.js';
import { smoothPerSample, type Smoothing } from './smoothing.js';

export interface Scores {
  task: 'regression' | 'binary';
  /** Per split. */
  splits: Record<string, RegressionScores | BinaryScores>;
  threshold?: number;
  thresholdFrom?: string;
  smoothing?: Smoothing;
}

function needPredictions(v: unknown): Predictions {
  const p = v as Predictions;
  if (!p || typeof p !== 'object' || !p.splits) throw new InputError('input "predictions" is not a predictions object');
  return p;
}

export const regressionMetrics = defineNode({
  type: 'metrics/regression',
  version: '1',
  description: 'EMI scores: Pearson r per output and their mean, per split (as scipy.stats.pearsonr).',
  kind: 'map',
  // Scores are reported to the run's metrics even when nothing downstream reads them.
  sideEffects: true,
  inputs: { predictions: { type: 'pred/points' } },
  outputs: { scores: { type: 'metrics/scores', singleton: true } },
  params: { type: 'object', additionalProperties: false, properties: {} },
  async run(inputs, ctx) {
    const p = needPredictions(inputs['predictions']);
    const scores: Scores = { task: 'regression', splits: {} };
    for (const [split, sp] of Object.entries(p.splits)) {
      const s = regressionScores(sp, p.names);
      if (s.n < 2) continue; // unlabelled split
      scores.splits[split] = s;
      ctx.log.info(`${split}: mean Pearson ${s.meanPearson.toFixed(4)} (n=${s.n})`);
    }
    ctx.reportMetrics(scores as unknown as Record<string, unknown>);
    return { scores };
  },
});

interface BinaryParams {
  thresholdFrom: string;
  threshold?: number;
  from: number;
  to: number;
  step: number;
  smoothing: 'none' | 'moving-average' | 'gaussian';
  window: number;
  sigma: number;
}

export const binaryMetrics = defineNode<BinaryParams>({
  type: 'metrics/binary',
  version: '1',
  description: 'BAH scores: threshold swept on validation, then weighted/macro F1, accuracy and AP per split.',
  docs: `Frame predictions are first smoothed along time within each video when \`smoothing\` asks for it (moving
average over \`window\` frames, or Gaussian with \`sigma\`; the paper tried 60 frames and σ = 3.8 on validation). The
threshold is swept from \`from\` to \`to\` in steps of \`step\` (0.40–0.75, 0.001) on the \`thresholdFrom\` split to maximise
weighted F1, unless \`threshold\` fixes it (the released value is 0.570). Outputs the scores and the smoothed
predictions with the threshold, for writers.`,
  kind: 'map',
  sideEffects: true,
  inputs: { predictions: { type: 'pred/points' } },
  outputs: {
    scores: { type: 'metrics/scores', singleton: true },
    decisions: { type: 'pred/points', singleton: true, description: 'smoothed predictions' },
  },
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      thresholdFrom: { type: 'string', default: 'val', description: 'split the threshold is tuned on' },
      threshold: { type: 'number', minimum: 0, maximum: 1, description: 'fixed threshold (skips the sweep)' },
      from: { type: 'number', default: 0.4 },
      to: { type: 'number', default: 0.75 },
      step: { type: 'number', exclusiveMinimum: 0, default: 0.001 },
      smoothing: { enum: ['none', 'moving-average', 'gaussian'], default: 'none' },
      window: { type: 'integer', minimum: 1, default: 60, description: 'moving-average window in frames' },
      sigma: { type: 'number', exclusiveMinimum: 0, default: 3.8, description: 'Gaussian sigma in frames' },
    },
  },
  async run(inputs, ctx) {
    const p = needPredictions(inputs['predictions']);
    const o = ctx.params;
    const smoothing: Smoothing =
      o.smoothing === 'moving-average' ? { kind: 'moving-average', window: o.window } : o.smoothing === 'gaussian' ? { kind: 'gaussian', sigma: o.sigma } : { kind: 'none' };
    const smoothed: Predictions = { ...p, splits: Object.fromEntries(Object.entries(p.splits).map(([k, v]) => [k, smoothPerSample(v, smoothing)])) };
    let threshold = o.threshold;
    if (threshold === undefined) {
      const tune = splitPredictions(smoothed, o.thresholdFrom, ' to tune the threshold on');
      threshold = bestThreshold(tune, { from: o.from, to: o.to, step: o.step }).threshold;
    }
    const scores: Scores = { task: 'binary', splits: {}, threshold, thresholdFrom: o.threshold === undefined ? o.thresholdFrom : 'fixed', smoothing };
    for (const [split, sp] of Object.entries(smoothed.splits)) {
      const s = binaryScores(sp, threshold);
      if (s.n === 0) continue;
      scores.splits[split] = s;
      ctx.log.info(`${split}: weighted F1 ${s.f1Weighted.toFixed(4)}, macro F1 ${s.f1Macro.toFixed(4)}, AP ${s.averagePrecision.toFixed(4)} at threshold ${threshold.toFixed(3)}`);
    }
    ctx.reportMetrics(scores as unknown as Record<string, unknown>);
    return { scores, decisions: smoothed };
  },
});
