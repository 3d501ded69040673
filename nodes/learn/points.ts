/**
 * Time points and predictions: what samplers give to training, and what training gives to metrics and writers.
 *
 * A point is one prediction target: a sample (clip or video) and a time step within it (a label frame for
 * BAH; 0 for clip-level EMI). Windowers turn a point into model inputs; the plan decides which points are used
 * for training (re-drawn every epoch), for model selection, and for inference.
 */

import { InputError } from '../../runtime/errors.js';

export type TaskKind = 'regression' | 'binary';

export interface Point {
  key: string;
  split: string;
  /** Time step (label frame) within the sample. */
  t: number;
  /** Target values at this point (NaN where unknown, e.g. an unlabelled test split). */
  target: Float32Array;
}

export interface PointPlan {
  task: TaskKind;
  /** Names of the outputs (e.g. the six emotions, or "hesitancy"). */
  names: string[];
  /** Points to train on in an epoch (may differ between epochs); `seed` makes them reproducible. */
  train(epoch: number, seed: number): Point[];
  /** Points for model selection after each epoch. */
  selection(): Point[];
  /** Points to predict once training is done, by split. */
  inference(): Record<string, Point[]>;
  /** Summary for logs. */
  describe(): string;
}

export interface SplitPredictions {
  keys: string[];
  t: Int32Array;
  /** N × outputs: probabilities for binary tasks, raw values for regression. */
  scores: Float32Array;
  /** N × outputs; NaN where unknown. */
  targets: Float32Array;
}

export interface Predictions {
  task: TaskKind;
  names: string[];
  splits: Record<string, SplitPredictions>;
}

/** The predictions of one split, or an error naming the splits there are. */
export function splitPredictions(p: Predictions, split: string, purpose = ''): SplitPredictions {
  const sp = p.splits[split];
  if (!sp || sp.keys.length === 0) {
    throw new InputError(`no predictions for split "${split}"${purpose} (have: ${Object.keys(p.splits).join(', ') || 'none'})`);
  }
  return sp;
}

export function pointsToPredictions(points: Point[], scores: Float32Array, outputs: number): SplitPredictions {
  const targets = new Float32Array(points.length * outputs);
  points.forEach((p, i) => targets.set(p.target.subarray(0, outputs), i * outputs));
  return { keys: points.map((p) => p.key), t: Int32Array.from(points, (p) => p.t), scores, targets };
}

/** Column `j` of an N × K matrix. */
export function column(m: Float32Array, k: number, j: number): Float32Array {
  const n = m.length / k;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = m[i * k + j]!;
  return out;
}
