/**
 * Evaluation metrics and post-processing, in plain TypeScript (float64 arithmetic), matching the Python
 * functions the authors used: scipy.stats.pearsonr, sklearn f1_score / accuracy_score /
 * average_precision_score, scipy.ndimage.uniform_filter1d / gaussian_filter1d.
 *
 * NaN policy: `pearson` returns NaN exactly where scipy does not give a number (fewer than 2 values, a
 * constant input, or a NaN in the input). `meanPearson` by default counts such a column as r = 0 (a constant
 * prediction carries no linear information; early in training it is common and must not turn the model
 * selection criterion into NaN); pass `{ nanAs: NaN }` to propagate instead.
 */

export type NumericArray = ArrayLike<number>;

function check(cond: boolean, message: string): void {
  if (!cond) throw new RangeError(message);
}

/** Pearson correlation coefficient of two equally long vectors, as scipy.stats.pearsonr (statistic only). */
export function pearson(x: NumericArray, y: NumericArray): number {
  check(x.length === y.length, `pearson: x and y differ in length (${x.length} vs ${y.length})`);
  const n = x.length;
  if (n < 2) return NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  // Constant input: scipy warns and returns NaN.
  let xConst = true;
  let yConst = true;
  for (let i = 1; i < n; i++) {
    if (x[i] !== x[0]) xConst = false;
    if (y[i] !== y[0]) yConst = false;
  }
  if (xConst || yConst) return NaN;
  if (n === 2) return Math.sign(x[1]! - x[0]!) * Math.sign(y[1]! - y[0]!);
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxx += dx * dx;
    syy += dy * dy;
  }
  // Same order of operations as scipy: normalise each centred vector, then take the dot product.
  const nx = Math.sqrt(sxx);
  const ny = Math.sqrt(syy);
  let r = 0;
  for (let i = 0; i < n; i++) r += ((x[i]! - mx) / nx) * ((y[i]! - my) / ny);
  if (Number.isNaN(r)) return NaN;
  return Math.max(-1, Math.min(1, r));
}

/**
 * Mean over columns of the Pearson r between predictions and targets, both row-major [rows × columns]
 * (the EMI metric: mean over the six emotions).
 * @param options.nanAs value used for a column whose r is NaN (default 0, see the module comment).
 */
export function meanPearson(
  predictions: NumericArray,
  targets: NumericArray,
  columns: number,
  options: { nanAs?: number } = {},
): { mean: number; perColumn: number[] } {
  check(columns > 0 && Number.isInteger(columns), `meanPearson: columns must be a positive integer, got ${columns}`);
  check(
    predictions.length === targets.length,
    `meanPearson: predictions and targets differ in length (${predictions.length} vs ${targets.length})`,
  );
  check(predictions.length % columns === 0, `meanPearson: length ${predictions.length} is not a multiple of ${columns} columns`);
  const rows = predictions.length / columns;
  const nanAs = options.nanAs ?? 0;
  const perColumn: number[] = [];
  const px = new Float64Array(rows);
  const ty = new Float64Array(rows);
  for (let c = 0; c < columns; c++) {
    for (let r = 0; r < rows; r++) {
      px[r] = predictions[r * columns + c]!;
      ty[r] = targets[r * columns + c]!;
    }
    perColumn.push(pearson(px, ty));
  }
  const used = perColumn.map((r) => (Number.isNaN(r) ? nanAs : r));
  return { mean: used.reduce((a, b) => a + b, 0) / columns, perColumn };
}

/** Fraction of equal labels, as sklearn accuracy_score. */
export function accuracy(yTrue: NumericArray, yPred: NumericArray): number {
  check(yTrue.length === yPred.length, `accuracy: yTrue and yPred differ in length (${yTrue.length} vs ${yPred.length})`);
  if (yTrue.length === 0) return NaN;
  let ok = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) ok++;
  return ok / yTrue.length;
}

export type F1Average = 'weighted' | 'macro' | 'binary';

/**
 * F1 score as sklearn f1_score with zero_division=0. Labels are the sorted union of the labels in yTrue and
 * yPred (as sklearn); 'binary' reports the F1 of label 1 and requires labels in {0, 1}.
 */
export function f1Score(yTrue: NumericArray, yPred: NumericArray, average: F1Average): number {
  check(yTrue.length === yPred.length, `f1Score: yTrue and yPred differ in length (${yTrue.length} vs ${yPred.length})`);
  const labels = [...new Set([...Array.from(yTrue), ...Array.from(yPred)])].sort((a, b) => a - b);
  if (average === 'binary') {
    const bad = labels.filter((l) => l !== 0 && l !== 1);
    check(bad.length === 0, `f1Score: average 'binary' needs labels 0/1, found ${bad.join(', ')}`);
  }
  const index = new Map(labels.map((l, i) => [l, i]));
  const tp = new Float64Array(labels.length);
  const predicted = new Float64Array(labels.length);
  const support = new Float64Array(labels.length);
  for (let i = 0; i < yTrue.length; i++) {
    const t = index.get(yTrue[i]!)!;
    const p = index.get(yPred[i]!)!;
    support[t]! += 1;
    predicted[p]! += 1;
    if (t === p) tp[t]! += 1;
  }
  const f1 = (k: number): number => {
    // sklearn: precision and recall with zero_division=0, then F = 2PR / (P + R), 0 where P + R = 0.
    const precision = predicted[k]! > 0 ? tp[k]! / predicted[k]! : 0;
    const recall = support[k]! > 0 ? tp[k]! / support[k]! : 0;
    return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  };
  if (average === 'binary') {
    const k = index.get(1);
    return k === undefined ? 0 : f1(k);
  }
  if (labels.length === 0) return 0;
  if (average === 'macro') {
    let s = 0;
    for (let k = 0; k < labels.length; k++) s += f1(k);
    return s / labels.length;
  }
  let s = 0;
  let total = 0;
  for (let k = 0; k < labels.length; k++) {
    s += f1(k) * support[k]!;
    total += support[k]!;
  }
  return total > 0 ? s / total : 0;
}

/**
 * Average precision of the positive class (label 1), as sklearn average_precision_score:
 * AP = Σ_n (R_n − R_{n−1}) P_n over the distinct score thresholds, highest first. With no positive label the
 * result is 0 (sklearn 1.2 sets recall to 1 there and yields 0 after its warning).
 */
export function averagePrecision(yTrue: NumericArray, scores: NumericArray): number {
  check(yTrue.length === scores.length, `averagePrecision: yTrue and scores differ in length (${yTrue.length} vs ${scores.length})`);
  const n = yTrue.length;
  let positives = 0;
  for (let i = 0; i < n; i++) {
    check(yTrue[i] === 0 || yTrue[i] === 1, `averagePrecision: labels must be 0/1, found ${yTrue[i]} at ${i}`);
    positives += yTrue[i]!;
  }
  if (positives === 0) return 0;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let tp = 0;
  let fp = 0;
  let prevRecall = 0;
  let ap = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    if (yTrue[i] === 1) tp++;
    else fp++;
    // Only close a threshold after the last sample sharing this score.
    if (k + 1 < n && scores[order[k + 1]!] === scores[i]) continue;
    const recall = tp / positives;
    const precision = tp / (tp + fp);
    ap += (recall - prevRecall) * precision;
    prevRecall = recall;
  }
  return ap;
}

export type ThresholdMetric = 'weightedF1' | 'macroF1' | 'binaryF1' | 'accuracy' | ((yTrue: NumericArray, yPred: Int32Array) => number);

export interface SweepOptions {
  from?: number;
  to?: number;
  step?: number;
  metric?: ThresholdMetric;
}

/**
 * Binarise probabilities at each threshold from `from` to `to` (inclusive, by `step`; a probability ≥ the
 * threshold is class 1) and keep the best score; ties keep the lowest threshold. Defaults are the authors':
 * 0.40 … 0.75 by 0.001, weighted F1.
 */
export function sweepThreshold(
  probabilities: NumericArray,
  labels: NumericArray,
  options: SweepOptions = {},
): { threshold: number; score: number } {
  const from = options.from ?? 0.4;
  const to = options.to ?? 0.75;
  const step = options.step ?? 0.001;
  check(step > 0 && to >= from, `sweepThreshold: need step > 0 and to ≥ from (from ${from}, to ${to}, step ${step})`);
  check(probabilities.length === labels.length, `sweepThreshold: probabilities and labels differ in length`);
  const metric = options.metric ?? 'weightedF1';
  const score = (pred: Int32Array): number => {
    if (typeof metric === 'function') return metric(labels, pred);
    switch (metric) {
      case 'weightedF1':
        return f1Score(labels, pred, 'weighted');
      case 'macroF1':
        return f1Score(labels, pred, 'macro');
      case 'binaryF1':
        return f1Score(labels, pred, 'binary');
      case 'accuracy':
        return accuracy(labels, pred);
    }
  };
  const count = Math.floor((to - from) / step + 1e-9) + 1;
  const pred = new Int32Array(probabilities.length);
  let best = { threshold: NaN, score: -Infinity };
  for (let k = 0; k < count; k++) {
    // Rounded so that 0.4 + 170 * 0.001 prints and compares as 0.57, not 0.5700000000000001.
    const threshold = Math.round((from + k * step) * 1e9) / 1e9;
    for (let i = 0; i < pred.length; i++) pred[i] = probabilities[i]! >= threshold ? 1 : 0;
    const s = score(pred);
    if (s > best.score) best = { threshold, score: s };
  }
  return best;
}

/** Index of position i (may be outside [0, n)) under scipy.ndimage mode 'reflect' (d c b a | a b c d | d c b a). */
function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n;
  let j = i % period;
  if (j < 0) j += period;
  return j < n ? j : period - 1 - j;
}

/**
 * Moving average as scipy.ndimage.uniform_filter1d(x, size=window, mode='reflect', origin=0): output i
 * averages inputs i − ⌊window/2⌋ … i − ⌊window/2⌋ + window − 1, reflecting at the ends (edge value repeated).
 */
export function movingAverage(x: NumericArray, window: number): Float64Array {
  check(Number.isInteger(window) && window >= 1, `movingAverage: window must be an integer ≥ 1, got ${window}`);
  const n = x.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  const left = Math.floor(window / 2);
  let sum = 0;
  for (let k = 0; k < window; k++) sum += x[reflectIndex(k - left, n)]!;
  out[0] = sum / window;
  for (let i = 1; i < n; i++) {
    sum += x[reflectIndex(i - left + window - 1, n)]! - x[reflectIndex(i - 1 - left, n)]!;
    out[i] = sum / window;
  }
  return out;
}

/**
 * Gaussian smoothing as scipy.ndimage.gaussian_filter1d(x, sigma, mode='reflect', truncate=4.0):
 * kernel radius ⌊4σ + 0.5⌋, weights exp(−k²/2σ²) normalised to sum 1.
 */
export function gaussianSmooth(x: NumericArray, sigma: number): Float64Array {
  check(sigma > 0, `gaussianSmooth: sigma must be > 0, got ${sigma}`);
  const n = x.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  const radius = Math.floor(4.0 * sigma + 0.5);
  const weights = new Float64Array(2 * radius + 1);
  let total = 0;
  for (let k = -radius; k <= radius; k++) {
    const w = Math.exp((-0.5 * k * k) / (sigma * sigma));
    weights[k + radius] = w;
    total += w;
  }
  for (let k = 0; k < weights.length; k++) weights[k]! /= total;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = -radius; k <= radius; k++) s += weights[k + radius]! * x[reflectIndex(i + k, n)]!;
    out[i] = s;
  }
  return out;
}
