import { describe, expect, it } from 'vitest';
import { csvTable, expandGrid, headlineScores, markdownTable, type SweepRow } from '../src/sweep.js';

describe('sweep tables', () => {
  it('expands a param grid into every combination, parsing values as JSON when they are', () => {
    expect(expandGrid(['lr=1e-4,1e-5', 'smoothing=none,gaussian'])).toEqual([
      { lr: 1e-4, smoothing: 'none' },
      { lr: 1e-4, smoothing: 'gaussian' },
      { lr: 1e-5, smoothing: 'none' },
      { lr: 1e-5, smoothing: 'gaussian' },
    ]);
    expect(expandGrid([])).toEqual([{}]);
    expect(() => expandGrid(['lr'])).toThrow(/--grid expects name=v1,v2/);
  });

  it('pulls headline scores from a run\'s metrics', () => {
    const metrics = {
      'training/scores': { task: 'binary', threshold: 0.57, splits: { val: { f1Weighted: 0.72, f1Macro: 0.61, averagePrecision: 0.5 }, test: { f1Weighted: 0.7 } } },
      'training/train': { bestEpoch: 5, mtlWeights: { audio: 0.333, text: 0.336 } },
      'other': { total: 3 },
    };
    expect(headlineScores(metrics)).toEqual({
      'F1 val': 0.72,
      'macro F1 val': 0.61,
      'AP val': 0.5,
      'F1 test': 0.7,
      threshold: 0.57,
      'best epoch': 5,
      'w audio': 0.333,
      'w text': 0.336,
    });
  });

  it('lays rows out like the paper, failed runs included', () => {
    const rows: SweepRow[] = [
      { label: 'text', graph: 'g/text.json', status: 'ok', values: { 'ρ val': 0.523, 'ρ test': 0.559 } },
      { label: 'audio+vision', graph: 'g/av.json', status: 'ok', values: { 'ρ val': 0.38 } },
      { label: 'broken', graph: 'g/b.json', status: 'failed', error: 'no data', values: {} },
    ];
    expect(markdownTable(rows, 'EMI')).toBe(
      '# EMI\n\n| variant | ρ val | ρ test |\n|---|---:|---:|\n| text | .523 | .559 |\n| audio+vision | .380 | – |\n| broken | failed: no data |\n',
    );
    expect(csvTable(rows).split('\n')[1]).toBe('text,g/text.json,ok,0.523,0.559,');
  });
});
