import { describe, expect, it } from 'vitest';
import { goldenJson, maxAbsDiff } from './golden-fixtures.js';
import { accuracy, averagePrecision, f1Score, gaussianSmooth, meanPearson, movingAverage, pearson, sweepThreshold } from './metrics.js';

interface Classification {
  yTrue: number[];
  yPred: number[];
  weighted: number;
  macro: number;
  binary?: number;
  accuracy: number;
}

interface MetricsGolden {
  pearson: { x: number[]; y: number[]; r: number | null }[];
  meanPearson: { pred: number[]; true: number[]; columns: number; mean: number };
  classification: Record<string, Classification>;
  averagePrecision: { yTrue: number[]; scores: number[]; ap: number };
  sweep: { threshold: number; score: number };
  smoothing: {
    signal: number[];
    short: number[];
    uniform: Record<string, number[]>;
    uniformShort: Record<string, number[]>;
    gaussian: Record<string, number[]>;
    gaussianShort: Record<string, number[]>;
  };
}

const g = goldenJson<MetricsGolden>('metrics.json');

describe('pearson vs scipy.stats.pearsonr', () => {
  it('matches on random, short, two-point and constant inputs', () => {
    for (const c of g.pearson) {
      if (c.r === null) expect(pearson(c.x, c.y)).toBeNaN();
      else expect(Math.abs(pearson(c.x, c.y) - c.r)).toBeLessThanOrEqual(1e-12);
    }
    expect(pearson([1], [2])).toBeNaN();
    expect(pearson([1, NaN, 3], [1, 2, 3])).toBeNaN();
    expect(() => pearson([1, 2], [1])).toThrow(/differ in length/);
  });

  it('meanPearson averages columns; a constant column counts as 0 unless told otherwise', () => {
    const m = g.meanPearson;
    expect(Math.abs(meanPearson(m.pred, m.true, m.columns).mean - m.mean)).toBeLessThanOrEqual(1e-12);
    const pred = [1, 5, 2, 5, 3, 5];
    const truth = [1, 0, 2, 1, 3, 0];
    const r = meanPearson(pred, truth, 2);
    expect(r.perColumn[0]).toBeCloseTo(1, 12);
    expect(r.perColumn[1]).toBeNaN();
    expect(r.mean).toBeCloseTo(0.5, 12);
    expect(meanPearson(pred, truth, 2, { nanAs: NaN }).mean).toBeNaN();
  });
});

describe('classification metrics vs scikit-learn (zero_division=0)', () => {
  it.each(Object.entries(g.classification))('%s', (_name, c) => {
    expect(Math.abs(f1Score(c.yTrue, c.yPred, 'weighted') - c.weighted)).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(f1Score(c.yTrue, c.yPred, 'macro') - c.macro)).toBeLessThanOrEqual(1e-12);
    if (c.binary !== undefined) expect(Math.abs(f1Score(c.yTrue, c.yPred, 'binary') - c.binary)).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(accuracy(c.yTrue, c.yPred) - c.accuracy)).toBeLessThanOrEqual(1e-12);
  });

  it('binary F1 refuses labels other than 0/1', () => {
    expect(() => f1Score([0, 2], [0, 1], 'binary')).toThrow(/needs labels 0\/1, found 2/);
  });

  it('average precision handles tied scores like sklearn', () => {
    const a = g.averagePrecision;
    expect(Math.abs(averagePrecision(a.yTrue, a.scores) - a.ap)).toBeLessThanOrEqual(1e-12);
    expect(averagePrecision([0, 0], [0.2, 0.4])).toBe(0);
  });

  it('the threshold sweep finds the authors’ best threshold (ties → lowest)', () => {
    const a = g.averagePrecision;
    const best = sweepThreshold(a.scores, a.yTrue);
    expect(best.threshold).toBe(g.sweep.threshold);
    expect(Math.abs(best.score - g.sweep.score)).toBeLessThanOrEqual(1e-12);
    // Every threshold gives the same score here: the lowest wins.
    expect(sweepThreshold([0.9, 0.1], [1, 0], { from: 0.2, to: 0.3, step: 0.05 })).toEqual({ threshold: 0.2, score: 1 });
  });
});

describe('smoothing vs scipy.ndimage (mode reflect)', () => {
  const s = g.smoothing;
  it.each(Object.keys(s.uniform))('uniform_filter1d size %s', (w) => {
    expect(maxAbsDiff(movingAverage(s.signal, Number(w)), s.uniform[w]!)).toBeLessThanOrEqual(1e-12);
  });
  it.each(Object.keys(s.uniformShort))('uniform_filter1d size %s on 10 values (window beyond the ends)', (w) => {
    expect(maxAbsDiff(movingAverage(s.short, Number(w)), s.uniformShort[w]!)).toBeLessThanOrEqual(1e-12);
  });
  it.each(Object.keys(s.gaussian))('gaussian_filter1d sigma %s', (sigma) => {
    expect(maxAbsDiff(gaussianSmooth(s.signal, Number(sigma)), s.gaussian[sigma]!)).toBeLessThanOrEqual(1e-12);
  });
  it('gaussian_filter1d with a kernel wider than the signal', () => {
    expect(maxAbsDiff(gaussianSmooth(s.short, 3.8), s.gaussianShort['3.8']!)).toBeLessThanOrEqual(1e-12);
  });
});
