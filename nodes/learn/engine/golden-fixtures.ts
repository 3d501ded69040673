/**
 * Test support: paths and loaders for the golden fixtures that scripts/golden/learn_fixtures.py writes with
 * PyTorch / scikit-learn / scipy into test/golden/learn/.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors, type TensorMap } from './safetensors.js';

export const goldenDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/golden/learn');

export function goldenJson<T>(name: string): T {
  return JSON.parse(readFileSync(path.join(goldenDir, name), 'utf8')) as T;
}

export function goldenTensors(name: string): TensorMap {
  return readSafetensors(path.join(goldenDir, name)).tensors;
}

/** Largest absolute difference; throws on a length mismatch. */
export function maxAbsDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs expected ${expected.length}`);
  let m = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    m = Number.isNaN(d) ? Infinity : Math.max(m, d);
  }
  return m;
}
