/** Smoothing frame-level predictions per video before thresholding (paper §3.2, seed facts). */
import { gaussianSmooth, movingAverage } from '../learn/engine/metrics.js';
import type { SplitPredictions } from '../learn/points.js';

export type Smoothing = { kind: 'none' } | { kind: 'moving-average'; window: number } | { kind: 'gaussian'; sigma: number };

/** A copy of `p` whose scores are smoothed along time within each sample (outputs = 1). */
export function smoothPerSample(p: SplitPredictions, s: Smoothing): SplitPredictions {
  if (s.kind === 'none') return p;
  const scores = new Float32Array(p.scores);
  const bySample = new Map<string, number[]>();
  p.keys.forEach((k, i) => {
    let rows = bySample.get(k);
    if (!rows) bySample.set(k, (rows = []));
    rows.push(i);
  });
  for (const rows of bySample.values()) {
    rows.sort((a, b) => p.t[a]! - p.t[b]!);
    const series = Float64Array.from(rows, (i) => p.scores[i]!);
    const smoothed = s.kind === 'moving-average' ? movingAverage(series, s.window) : gaussianSmooth(series, s.sigma);
    rows.forEach((i, j) => (scores[i] = smoothed[j]!));
  }
  return { ...p, scores };
}
