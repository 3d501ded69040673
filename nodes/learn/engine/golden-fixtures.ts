/**
 * Test support: paths and loaders for the golden fixtures that scripts/golden/learn_fixtures.py writes with
 * PyTorch / scikit-learn / scipy into test/golden/learn/.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelSpec } from '../model-ir.js';
import type { Batch } from './model.js';
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

/** The tensors whose names start with `prefix`, renamed to start with `renameTo`. */
export function pick(tensors: TensorMap, prefix: string, renameTo = prefix): TensorMap {
  const out: TensorMap = {};
  for (const [n, t] of Object.entries(tensors)) if (n.startsWith(prefix)) out[renameTo + n.slice(prefix.length)] = t;
  return out;
}

interface EmiGolden {
  batch: number;
  maxLength: number;
  dim: number;
  units: number;
  textDim: number;
  hidden: number;
  outputs: number;
  lengths: number[];
  rename: Record<string, string>;
  prediction: number[];
  loss: number;
  grads: Record<string, number[]>;
}

/** The EMI-like model of emi.json: spec, feeds, batch, torch weights renamed to our ids, targets. */
export function emiSetup() {
  const g = goldenJson<EmiGolden>('emi.json');
  const t = goldenTensors('emi.safetensors');
  const spec: ModelSpec = {
    layers: [
      { kind: 'lstm', id: 'vision', input: { feed: 'frames' }, units: g.units, layers: 2 },
      { kind: 'fusion', id: 'head', inputs: [{ layer: 'vision' }, { feed: 'text' }], hidden: g.hidden, outputs: g.outputs },
    ],
    output: 'head',
  };
  const feeds = {
    frames: { kind: 'sequence' as const, dim: g.dim, maxLength: g.maxLength },
    text: { kind: 'vector' as const, dim: g.textDim },
  };
  const batch: Batch = {
    frames: { kind: 'sequence', data: t['input.x']!.data, lengths: Int32Array.from(g.lengths) },
    text: { kind: 'vector', data: t['input.text']!.data },
  };
  const weights = { ...pick(t, 'vision_lstm.', 'vision.'), ...pick(t, 'fusion.', 'head.') };
  return { g, t, spec, feeds, batch, weights, targets: t['input.y']!.data };
}

