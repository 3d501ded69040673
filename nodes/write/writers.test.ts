import { describe, expect, it } from 'vitest';
import type { Predictions } from '../learn/points.js';
import { bahSubmission } from './bah-submission.js';
import { emiCsv } from './emi-csv.js';
import { timelineSvg } from './plots.js';

const names = ['Admiration', 'Amusement', 'Determination', 'Empathic Pain', 'Excitement', 'Joy'];

describe('EMI preds.csv', () => {
  it('has the header, sorted zero-padded ids and values clamped to [0,1]', () => {
    const p: Predictions = {
      task: 'regression',
      names,
      splits: {
        test: {
          keys: ['00012', '7'],
          t: Int32Array.of(0, 0),
          scores: Float32Array.of(0.5, 1.5, -0.25, 0.1, 0.2, 0.3, 0.25, 0, 0, 0, 0, 1),
          targets: new Float32Array(12).fill(NaN),
        },
      },
    };
    expect(emiCsv(p, 'test')).toBe(
      'Filename,Admiration,Amusement,Determination,Empathic Pain,Excitement,Joy\n' +
        '00007,0.25,0,0,0,0,1\n' +
        `00012,0.5,1,0,${Math.fround(0.1)},${Math.fround(0.2)},${Math.fround(0.3)}\n`,
    );
    expect(() => emiCsv(p, 'val')).toThrow(/no predictions for split "val" \(have: test\)/);
  });
});

describe('BAH submission', () => {
  const p: Predictions = {
    task: 'binary',
    names: ['hesitancy'],
    splits: {
      test: {
        keys: ['s2/q1', 's2/q1', 's1/q4', 's1/q4'],
        t: Int32Array.of(1, 0, 0, 1),
        scores: Float32Array.of(0.9, 0.2, 0.58, 0.56),
        targets: new Float32Array(4).fill(NaN),
      },
    },
  };

  it('follows the example file order and the threshold', () => {
    const example = 's2/q1/frame-1.jpg,0\ns1/q4/frame-0.jpg,0\ns2/q1/frame-0.jpg,0\ns1/q4/frame-1.jpg,0\n';
    expect(bahSubmission(p, 'test', 0.57, { file: 'ex.txt', text: example })).toBe(
      's2/q1/frame-1.jpg,1\ns1/q4/frame-0.jpg,1\ns2/q1/frame-0.jpg,0\ns1/q4/frame-1.jpg,0\n',
    );
  });

  it('sorts by video and frame without an example, and names frames it cannot predict', () => {
    expect(bahSubmission(p, 'test', 0.5)).toBe('s1/q4/frame-0.jpg,1\ns1/q4/frame-1.jpg,1\ns2/q1/frame-0.jpg,0\ns2/q1/frame-1.jpg,1\n');
    expect(() => bahSubmission(p, 'test', 0.5, { file: 'ex.txt', text: 's9/q9/frame-3.jpg,0\n' })).toThrow(
      /1 frame\(s\) of ex.txt have no prediction in split "test", e.g. s9\/q9\/frame-3.jpg/,
    );
    expect(() => bahSubmission(p, 'test', 0.5, { file: 'ex.txt', text: 'garbage\n' })).toThrow(/ex.txt:1: expected/);
  });

  it('draws the timeline of one video with label spans and the threshold', () => {
    const q: Predictions = {
      task: 'binary',
      names: ['hesitancy'],
      splits: { val: { keys: ['v', 'v', 'v', 'v'], t: Int32Array.of(0, 1, 2, 3), scores: Float32Array.of(0.1, 0.8, 0.7, 0.2), targets: Float32Array.of(0, 1, 1, 0) } },
    };
    const { svg } = timelineSvg(q, 'val', undefined, 0.5);
    expect(svg).toContain('<svg');
    expect(svg).toContain('label = 1');
    expect(svg).toContain('threshold 0.500');
    expect((svg.match(/<rect x=/g) ?? []).length).toBeGreaterThanOrEqual(2);
  });
});
