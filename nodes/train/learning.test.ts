/**
 * Learning check (issue: the graph decides which modality feeds the model): on synthetic data whose targets
 * depend on modality A only, the graph that includes A reaches a clearly better validation score than the
 * graph without it. Real training through the real nodes; fixed seeds; a margin, not a timing.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defineNode } from '../../runtime/contract.js';
import type { NodeRegistry } from '../../runtime/registry.js';
import { createRegistry } from '../../src/registry.js';
import { runGraph } from '../../src/run.js';
import { tmpDir, writeGraph } from '../../test/helpers.js';
import { createRng } from '../learn/random.js';
import { parseSafetensors, serializeSafetensors } from '../learn/engine/safetensors.js';
import type { Predictions } from '../learn/points.js';
import type { Features } from '../values.js';

const T = 6;
const D = 3;

/** Samples with two feature sequences; targets = functions of sequence A only. */
const synthetic = defineNode<{ n: number; seed: number }>({
  type: 'synth/two-modalities',
  version: '1',
  description: 'synthetic: targets depend on modality a only',
  kind: 'source',
  inputs: {},
  outputs: {
    a: { type: 'features[T,D]' },
    b: { type: 'features[T,D]' },
    labels: { type: 'label/vector' },
    split: { type: 'data/split' },
  },
  params: { type: 'object', properties: { n: { type: 'integer', default: 160 }, seed: { type: 'integer', default: 1 } } },
  async *items(ctx) {
    const rng = createRng(ctx.params.seed);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    for (let i = 0; i < ctx.params.n; i++) {
      const a = Float32Array.from({ length: T * D }, gauss);
      const b = Float32Array.from({ length: T * D }, gauss);
      let s0 = 0;
      let s1 = 0;
      for (let t = 0; t < T; t++) {
        s0 += a[t * D]!;
        s1 += a[t * D + 1]!;
      }
      const feat = (data: Float32Array): Features => ({ dims: [T, D], data, rate: 1 });
      yield {
        key: `s${String(i).padStart(3, '0')}`,
        outputs: {
          a: feat(a),
          b: feat(b),
          labels: Float32Array.of(s0 / T, s1 / T),
          split: i % 5 === 3 ? 'val' : i % 5 === 4 ? 'test' : 'train',
        },
      };
    }
  },
});

function graph(modalities: Array<'a' | 'b'>, head: 'fusion' | 'mtl' = 'fusion', train: Record<string, unknown> = {}) {
  const nodes: unknown[] = [{ id: 'data', type: 'synth/two-modalities' }];
  for (const m of modalities) {
    nodes.push({ id: `win_${m}`, type: 'window/sequence', in: { features: `data.${m}` }, params: { mode: 'first', maxLength: T } });
    nodes.push({ id: `lstm_${m}`, type: 'layer/lstm', in: { x: `win_${m}.window` }, params: { units: 8, layers: 2 } });
  }
  nodes.push(
    head === 'fusion'
      ? { id: 'head', type: 'layer/fusion-mlp', in: { x: modalities.map((m) => `lstm_${m}.out`) }, params: { hidden: 16, outputs: 2 } }
      : { id: 'head', type: 'layer/mtl', in: { x: modalities.map((m) => `lstm_${m}.out`) }, params: { hidden: 16, outputs: 2 } },
    { id: 'plan', type: 'sample/clips', in: { labels: 'data.labels', split: 'data.split' }, params: { names: ['y0', 'y1'] } },
    {
      id: 'train',
      type: 'train/supervised',
      in: { model: 'head.out', plan: 'plan.plan' },
      params: { epochs: 30, lr: 0.01, batchSize: 16, warmupEpochs: 1, seed: 7, backend: 'cpu', ...train },
    },
    { id: 'scores', type: 'metrics/regression', in: { predictions: 'train.predictions' } },
    { id: 'preds', type: 'write/emi-csv', in: { predictions: 'train.predictions' }, params: { split: 'test' } },
  );
  return { name: `synthetic-${modalities.join('')}-${head}`, nodes };
}

let registry: NodeRegistry;
let dir: string;
beforeAll(() => {
  registry = createRegistry();
  registry.register(synthetic);
  dir = tmpDir('learning-');
});

function valPearson(metrics: Record<string, Record<string, unknown>>): number {
  const splits = metrics['scores']!['splits'] as Record<string, { meanPearson: number }>;
  return splits['val']!.meanPearson;
}

describe('learning check', () => {
  it('the graph with the informative modality learns; the one without does not', async () => {
    const run = (m: Array<'a' | 'b'>) =>
      runGraph(writeGraph(dir, `${m.join('')}.json`, graph(m)), { registry, quiet: true, cache: false, out: path.join(dir, m.join('')) });
    const withA = await run(['a', 'b']);
    const withoutA = await run(['b']);
    const good = valPearson(withA.metrics);
    const bad = valPearson(withoutA.metrics);
    expect(good).toBeGreaterThan(0.6);
    expect(good - bad).toBeGreaterThan(0.4);
    // The run directory holds the curves, the log and a resumable checkpoint.
    for (const f of ['train/history.csv', 'train/curves.svg', 'train/checkpoint.safetensors', 'train/model.safetensors', 'preds.csv']) {
      expect(existsSync(path.join(withA.runDir, f))).toBe(true);
    }
    expect(readFileSync(path.join(withA.runDir, 'train/history.csv'), 'utf8').trim().split('\n')).toHaveLength(31);
  }, 240_000);
});

describe('training runs', () => {
  it('predicts with saved weights: the run\'s own model file and a renamed PyTorch-style state dict', async () => {
    const trained = await runGraph(writeGraph(dir, 'to-save.json', graph(['a'], 'fusion', { epochs: 4 })), {
      registry,
      quiet: true,
      cache: false,
      out: path.join(dir, 'to-save'),
    });
    const expected = trained.singletons['train.predictions'] as Predictions;
    const predictGraph = (checkpoint: string, rename: Record<string, string> = {}) => {
      const g = graph(['a']);
      g.nodes = g.nodes.filter((n) => !['train', 'scores', 'preds'].includes((n as { id: string }).id));
      g.nodes.push({ id: 'predict', type: 'predict/checkpoint', in: { model: 'head.out', plan: 'plan.plan' }, params: { checkpoint, rename, backend: 'cpu' } });
      return g;
    };
    const own = await runGraph(writeGraph(dir, 'predict-own.json', predictGraph(path.join(trained.runDir, 'train/model.safetensors'))), {
      registry,
      quiet: true,
      cache: false,
      out: path.join(dir, 'predict-own'),
    });
    expect((own.singletons['predict.predictions'] as Predictions).splits).toEqual(expected.splits);

    // The same weights under other names, as a PyTorch model of the authors might call its modules.
    const { tensors } = parseSafetensors(readFileSync(path.join(trained.runDir, 'train/model.safetensors')));
    const torchNames = Object.fromEntries(Object.entries(tensors).map(([k, v]) => [k.replace(/^lstm_a\./, 'vision_lstm.').replace(/^head\./, 'fusion.'), v]));
    const file = path.join(dir, 'torch-state-dict.safetensors');
    writeFileSync(file, serializeSafetensors(torchNames));
    const renamed = await runGraph(writeGraph(dir, 'predict-torch.json', predictGraph(file, { 'vision_lstm.': 'lstm_a.', 'fusion.': 'head.' })), {
      registry,
      quiet: true,
      cache: false,
      out: path.join(dir, 'predict-torch'),
    });
    expect((renamed.singletons['predict.predictions'] as Predictions).splits).toEqual(expected.splits);
    await expect(
      runGraph(writeGraph(dir, 'predict-bad.json', predictGraph(file)), { registry, quiet: true, cache: false, out: path.join(dir, 'predict-bad') }),
    ).rejects.toThrow(/missing in file: "lstm_a.weight_ih_l0".*unexpected in file: .*"vision_lstm.weight_ih_l0"/);
  }, 240_000);

  it('the MTL head learns and reports a weight per modality', async () => {
    const run = await runGraph(writeGraph(dir, 'mtl.json', graph(['a', 'b'], 'mtl')), { registry, quiet: true, cache: false, out: path.join(dir, 'mtl') });
    const weights = run.metrics['train']!['mtlWeights'] as Record<string, number>;
    expect(Object.keys(weights)).toEqual(['lstm_a', 'lstm_b']);
    expect(weights['lstm_a']! + weights['lstm_b']!).toBeCloseTo(1, 5);
    // The informative modality's head is more certain, so it gets the larger weight.
    expect(weights['lstm_a']!).toBeGreaterThan(weights['lstm_b']!);
    expect(valPearson(run.metrics)).toBeGreaterThan(0.6);
    expect(readFileSync(path.join(run.runDir, 'train/history.csv'), 'utf8').split('\n')[0]).toContain('w_lstm_a');
  }, 240_000);
});
