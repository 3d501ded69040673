/** The worked example of docs/authoring.md: a user-written node (its graph runs in graphs.test.ts). */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers.js';

const example = path.join(repoRoot, 'examples/stat-pooling');

describe('statistical pooling example', () => {
  it('computes mean, std, min and max per dimension', async () => {
    const { statistics } = (await import(path.join(example, 'stat-pool.mjs'))) as {
      statistics: (rows: Float32Array, length: number, dim: number) => Float32Array;
    };
    // Two dims over three rows: [1, 10], [2, 20], [3, 30] (a fourth, padding row is ignored).
    const s = statistics(Float32Array.of(1, 10, 2, 20, 3, 30, 99, 99), 3, 2);
    expect(Array.from(s.subarray(0, 2))).toEqual([2, 20]);
    expect(s[2]).toBeCloseTo(Math.sqrt(2 / 3), 6);
    expect(s[3]).toBeCloseTo(Math.sqrt(200 / 3), 4);
    expect(Array.from(s.subarray(4))).toEqual([1, 10, 3, 30]);
  });
});
