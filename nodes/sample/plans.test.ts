import { describe, expect, it } from 'vitest';
import { clipPlan, segmentPlan, segmentsOf } from './plans.js';

const labels = (s: string) => Uint8Array.from(s, (c) => Number(c));

describe('segments', () => {
  it('merges runs of equal labels (inclusive ends)', () => {
    expect(segmentsOf('v', 'train', labels('0011100'))).toEqual([
      { key: 'v', split: 'train', start: 0, end: 1, label: 0 },
      { key: 'v', split: 'train', start: 2, end: 4, label: 1 },
      { key: 'v', split: 'train', start: 5, end: 6, label: 0 },
    ]);
  });
});

describe('BAH segment plan', () => {
  const long = '0'.repeat(100) + '1'.repeat(50) + '0'.repeat(100) + '1'.repeat(20) + '0'.repeat(30);
  const samples = [
    { key: 'a', split: 'train', labels: labels(long) },
    { key: 'b', split: 'train', labels: labels('0'.repeat(200)) },
    { key: 'c', split: 'val', labels: labels('0'.repeat(170) + '1'.repeat(10)) },
    { key: 'd', split: 'test', labels: labels('0'.repeat(30)) },
  ];
  const plan = segmentPlan(samples, {
    trainSplits: ['train'],
    selectionSplit: 'val',
    inferenceSplits: ['val', 'test'],
    evalStride: 80,
    from: 0.12,
    to: 0.88,
    balance: true,
    pointsPerSegment: 1,
  });

  it('takes every minority segment and as many majority segments, at 12–88 % of each', () => {
    const pts = plan.train(0, 3407);
    // Training segments: class 0 ×4 (a: 3, b: 1), class 1 ×2 → minority is 1: 2 + 2 points.
    expect(pts).toHaveLength(4);
    expect(pts.filter((p) => p.target[0] === 1)).toHaveLength(2);
    for (const p of pts.filter((p) => p.key === 'a' && p.target[0] === 1)) {
      const inFirst = p.t >= 100 + 0.12 * 50 - 1 && p.t <= 100 + 0.88 * 50;
      const inSecond = p.t >= 250 + 0.12 * 20 - 1 && p.t <= 250 + 0.88 * 20;
      expect(inFirst || inSecond).toBe(true);
    }
    expect(pts.every((p) => p.target[0] === samples.find((s) => s.key === p.key)!.labels[p.t])).toBe(true);
  });

  it('draws several points per segment when asked', () => {
    const many = segmentPlan(samples, { trainSplits: ['train'], selectionSplit: 'val', inferenceSplits: [], evalStride: 80, from: 0.12, to: 0.88, balance: true, pointsPerSegment: 5 });
    expect(many.train(0, 1)).toHaveLength(20);
  });

  it('redraws every epoch, reproducibly for a seed', () => {
    const e0 = plan.train(0, 1).map((p) => `${p.key}@${p.t}`);
    const e1 = plan.train(1, 1).map((p) => `${p.key}@${p.t}`);
    expect(plan.train(0, 1).map((p) => `${p.key}@${p.t}`)).toEqual(e0);
    expect(e1).not.toEqual(e0);
  });

  it('selects every 80th frame of each segment and infers every frame', () => {
    expect(plan.selection().map((p) => p.t)).toEqual([0, 80, 160, 170]);
    const inf = plan.inference();
    expect(Object.keys(inf)).toEqual(['val', 'test']);
    expect(inf['val']).toHaveLength(180);
    expect(inf['test']!.map((p) => p.t)).toEqual([...Array(30).keys()]);
  });
});

describe('EMI clip plan', () => {
  it('one point per clip, training clips reshuffled per epoch', () => {
    const samples = Array.from({ length: 20 }, (_, i) => ({ key: String(i).padStart(5, '0'), split: i < 14 ? 'train' : i < 17 ? 'val' : 'test', target: Float32Array.of(i) }));
    const plan = clipPlan(samples, ['x'], 'regression', { trainSplits: ['train'], selectionSplit: 'val', inferenceSplits: ['test'] });
    const e0 = plan.train(0, 7).map((p) => p.key);
    expect(new Set(e0).size).toBe(14);
    expect(plan.train(1, 7).map((p) => p.key)).not.toEqual(e0);
    expect(plan.selection().map((p) => p.key)).toEqual(['00014', '00015', '00016']);
    expect(plan.inference()['test']!.map((p) => p.t)).toEqual([0, 0, 0]);
  });
});
