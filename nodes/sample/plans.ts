/**
 * Which time points training, model selection and inference use (pure functions behind the sampler nodes).
 *
 * EMI: one point per clip (t = 0).
 * BAH (seed facts): frames with equal labels form segments. Each training epoch takes every segment of the
 * minority class plus an equal number of randomly chosen majority segments, with t drawn uniformly from 12–88 %
 * of each chosen segment; this is redrawn every epoch. Selection uses every 80th frame of each segment;
 * inference uses every frame.
 */
import { createRng, deriveSeed, shuffle } from '../learn/random.js';
import type { Point, PointPlan, TaskKind } from '../learn/points.js';

export interface Segment {
  key: string;
  split: string;
  /** First and last frame (inclusive). */
  start: number;
  end: number;
  label: number;
}

export function segmentsOf(key: string, split: string, labels: Uint8Array): Segment[] {
  const out: Segment[] = [];
  let start = 0;
  for (let f = 1; f <= labels.length; f++) {
    if (f === labels.length || labels[f] !== labels[start]) {
      out.push({ key, split, start, end: f - 1, label: labels[start]! });
      start = f;
    }
  }
  return out;
}

export interface SegmentPlanOptions {
  trainSplits: string[];
  selectionSplit: string;
  inferenceSplits: string[];
  evalStride: number;
  /** Fractions of a segment the training time point is drawn from. */
  from: number;
  to: number;
  balance: boolean;
  /** Time points drawn per chosen segment and epoch (the paper: 1). */
  pointsPerSegment: number;
}

export interface LabelledSample {
  key: string;
  split: string;
  labels: Uint8Array;
}

function framePoint(s: { key: string; split: string }, labels: Uint8Array, t: number): Point {
  return { key: s.key, split: s.split, t, target: Float32Array.of(labels[t]!) };
}

export function segmentPlan(samples: LabelledSample[], o: SegmentPlanOptions): PointPlan {
  const byKey = new Map(samples.map((s) => [s.key, s]));
  const segments = samples.flatMap((s) => segmentsOf(s.key, s.split, s.labels));
  const training = segments.filter((s) => o.trainSplits.includes(s.split));
  const byClass = [0, 1].map((c) => training.filter((s) => s.label === c));
  const minority = byClass[0]!.length <= byClass[1]!.length ? 0 : 1;
  const strided = (split: string): Point[] =>
    segments
      .filter((s) => s.split === split)
      .flatMap((s) => {
        const pts: Point[] = [];
        for (let f = s.start; f <= s.end; f += o.evalStride) pts.push(framePoint(s, byKey.get(s.key)!.labels, f));
        return pts;
      });
  const everyFrame = (split: string): Point[] =>
    samples
      .filter((s) => s.split === split)
      .flatMap((s) => Array.from(s.labels, (_, f) => framePoint(s, s.labels, f)));
  return {
    task: 'binary',
    names: ['hesitancy'],
    train(epoch, seed) {
      const rng = createRng(deriveSeed(seed, epoch));
      let chosen: Segment[];
      if (o.balance) {
        const minor = byClass[minority]!;
        const major = shuffle([...byClass[1 - minority]!], rng).slice(0, minor.length);
        chosen = [...minor, ...major];
      } else chosen = [...training];
      const points = chosen.flatMap((s) =>
        Array.from({ length: o.pointsPerSegment }, () => {
          const len = s.end - s.start + 1;
          const u = o.from + (o.to - o.from) * rng();
          const t = Math.min(s.end, s.start + Math.floor(u * len));
          return framePoint(s, byKey.get(s.key)!.labels, t);
        }),
      );
      return shuffle(points, rng);
    },
    selection: () => strided(o.selectionSplit),
    inference: () => Object.fromEntries(o.inferenceSplits.map((split) => [split, everyFrame(split)])),
    describe() {
      const count = (c: number) => byClass[c]!.length;
      return (
        `${samples.length} videos, ${training.length} training segments (${count(0)} of class 0, ${count(1)} of class 1; ` +
        `minority ${minority}), ${(o.balance ? 2 * byClass[minority]!.length : training.length) * o.pointsPerSegment} training points per epoch`
      );
    },
  };
}

export interface ClipSample {
  key: string;
  split: string;
  target: Float32Array;
}

export function clipPlan(
  samples: ClipSample[],
  names: string[],
  task: TaskKind,
  o: { trainSplits: string[]; selectionSplit: string; inferenceSplits: string[] },
): PointPlan {
  const point = (s: ClipSample): Point => ({ key: s.key, split: s.split, t: 0, target: s.target });
  const of = (split: string) => samples.filter((s) => s.split === split).map(point);
  const train = samples.filter((s) => o.trainSplits.includes(s.split)).map(point);
  return {
    task,
    names,
    train: (epoch, seed) => shuffle([...train], createRng(deriveSeed(seed, epoch))),
    selection: () => of(o.selectionSplit),
    inference: () => Object.fromEntries(o.inferenceSplits.map((split) => [split, of(split)])),
    describe: () => `${samples.length} clips, ${train.length} for training`,
  };
}
