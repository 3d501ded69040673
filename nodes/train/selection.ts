/** Scores used to pick the best epoch and reported per split: one place for how a task is measured. */
import { accuracy, averagePrecision, f1Score, meanPearson, sweepThreshold } from '../learn/engine/metrics.js';
import { column, type SplitPredictions, type TaskKind } from '../learn/points.js';

export type SelectionMetric = 'mean-pearson' | 'f1-weighted' | 'f1-weighted-sweep' | 'loss';

export function defaultSelection(task: TaskKind): SelectionMetric {
  return task === 'regression' ? 'mean-pearson' : 'f1-weighted-sweep';
}

/** Rows whose targets are all known. */
export function labelledRows(p: SplitPredictions, outputs: number): number[] {
  const rows: number[] = [];
  for (let i = 0; i < p.keys.length; i++) {
    let ok = true;
    for (let j = 0; j < outputs; j++) if (!Number.isFinite(p.targets[i * outputs + j]!)) ok = false;
    if (ok) rows.push(i);
  }
  return rows;
}

function pick(m: Float32Array, outputs: number, rows: number[], j: number): Float32Array {
  return Float32Array.from(rows, (i) => m[i * outputs + j]!);
}

export interface RegressionScores {
  meanPearson: number;
  pearson: Record<string, number>;
  n: number;
}

export function regressionScores(p: SplitPredictions, names: string[]): RegressionScores {
  const k = names.length;
  const rows = labelledRows(p, k);
  const preds = new Float32Array(rows.length * k);
  const labels = new Float32Array(rows.length * k);
  rows.forEach((i, r) => {
    preds.set(p.scores.subarray(i * k, (i + 1) * k), r * k);
    labels.set(p.targets.subarray(i * k, (i + 1) * k), r * k);
  });
  const { mean, perColumn } = meanPearson(preds, labels, k);
  return { meanPearson: mean, pearson: Object.fromEntries(names.map((n, j) => [n, perColumn[j]!])), n: rows.length };
}

export interface BinaryScores {
  threshold: number;
  f1Weighted: number;
  f1Macro: number;
  accuracy: number;
  averagePrecision: number;
  positiveRate: number;
  n: number;
}

export function binaryScores(p: SplitPredictions, threshold: number): BinaryScores {
  const rows = labelledRows(p, 1);
  const probs = pick(p.scores, 1, rows, 0);
  const labels = Int32Array.from(pick(p.targets, 1, rows, 0), (v) => (v > 0.5 ? 1 : 0));
  const pred = Int32Array.from(probs, (v) => (v >= threshold ? 1 : 0));
  return {
    threshold,
    f1Weighted: f1Score(labels, pred, 'weighted'),
    f1Macro: f1Score(labels, pred, 'macro'),
    accuracy: accuracy(labels, pred),
    averagePrecision: averagePrecision(labels, probs),
    positiveRate: labels.reduce((s, v) => s + v, 0) / Math.max(1, labels.length),
    n: rows.length,
  };
}

/** The best threshold on these predictions (0.40–0.75 step 0.001 by default, maximising weighted F1). */
export function bestThreshold(p: SplitPredictions, range = { from: 0.4, to: 0.75, step: 0.001 }): { threshold: number; score: number } {
  const rows = labelledRows(p, 1);
  const probs = pick(p.scores, 1, rows, 0);
  const labels = Int32Array.from(pick(p.targets, 1, rows, 0), (v) => (v > 0.5 ? 1 : 0));
  return sweepThreshold(probs, labels, { ...range, metric: 'weightedF1' });
}

/** The selection score of one evaluation (higher is better). */
export function selectionScore(metric: SelectionMetric, names: string[], p: SplitPredictions, loss: number): number {
  switch (metric) {
    case 'loss':
      return -loss;
    case 'mean-pearson':
      return regressionScores(p, names).meanPearson;
    case 'f1-weighted':
      return binaryScores(p, 0.5).f1Weighted;
    case 'f1-weighted-sweep':
      return bestThreshold(p).score;
  }
}

export { column };
