import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../runtime/errors.js';
import { selectBackend } from '../../tf/backend.js';
import type { ModelSpec } from '../model-ir.js';
import { emiSetup, goldenJson, goldenTensors, maxAbsDiff, pick } from './golden-fixtures.js';
import { baseLoss, type LossKind } from './ops.js';
import { createModel, type Batch, type Model } from './model.js';

const TOL = 1e-5;

beforeAll(async () => {
  await selectBackend();
});


function gradsByWeight(model: Model, f: () => tf.Scalar): { value: number; grads: Record<string, Float32Array> } {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(f, [...model.variables.values()]);
    const out: Record<string, Float32Array> = {};
    for (const [name, v] of model.variables) if (grads[v.name]) out[name] = grads[v.name]!.dataSync() as Float32Array;
    return { value: value.dataSync()[0]!, grads: out };
  });
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = TOL) {
  const d = maxAbsDiff(actual, expected);
  expect(d, `${what}: max |diff| ${d}`).toBeLessThanOrEqual(tol);
}

interface LstmGolden {
  batch: number;
  maxLength: number;
  dim: number;
  units: number;
  layers: number;
  lengths: number[];
  output: number[];
  grads: Record<string, number[]>;
}

describe.each([
  ['fast', undefined],
  ['generic', undefined],
  ['fast', 8],
  ['generic', 8],
] as const)('stacked LSTM vs torch.nn.LSTM (%s kernels, gradient blocks of %s rows)', (kernels, gradBlockRows) => {
  const g = goldenJson<LstmGolden>('lstm.json');
  const t = goldenTensors('lstm.safetensors');
  const spec: ModelSpec = { layers: [{ kind: 'lstm', id: 'enc', input: { feed: 'x' }, units: g.units, layers: g.layers }], output: 'enc' };
  const feeds = { x: { kind: 'sequence' as const, dim: g.dim, maxLength: g.maxLength } };
  const batch = (): Batch => ({ x: { kind: 'sequence', data: t['input.x']!.data, lengths: Int32Array.from(g.lengths) } });

  it('reads the top layer at each sample’s last real step, in training and inference mode', () => {
    const model = createModel(spec, feeds, 1, { kernels, ...(gradBlockRows ? { gradBlockRows } : {}) });
    model.setWeights(pick(t, 'enc.'));
    for (const training of [true, false]) {
      const { prediction } = model.forward(batch(), { training });
      expect(prediction.shape).toEqual([g.batch, g.units]);
      expectClose(prediction.dataSync(), g.output, `output (training ${training})`);
      prediction.dispose();
    }
    model.dispose();
  });

  it('back-propagates through time to every weight', () => {
    const model = createModel(spec, feeds, 1, { kernels, ...(gradBlockRows ? { gradBlockRows } : {}) });
    model.setWeights(pick(t, 'enc.'));
    const dOut = tf.tensor2d(t['input.dOut']!.data, [g.batch, g.units]);
    const before = tf.memory().numTensors;
    // Upstream gradient dOut for the [B, H] output (no registered gradients are needed for this).
    const vars = [...model.variables.values()];
    const grads = tf.tidy(() => {
      const r = tf.engine().gradients(() => model.forward(batch(), { training: true }).prediction, vars, dOut);
      return Object.fromEntries([...model.variables.keys()].map((name, i) => [name, r.grads[i]!.dataSync() as Float32Array]));
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(Object.keys(grads).sort()).toEqual(Object.keys(g.grads).sort());
    for (const [name, expected] of Object.entries(g.grads)) expectClose(grads[name]!, expected, `grad ${name}`);
    dOut.dispose();
    model.dispose();
  });

  it('ignores the padding and the steps after the longest sample', () => {
    const model = createModel(spec, feeds, 1, { kernels, ...(gradBlockRows ? { gradBlockRows } : {}) });
    model.setWeights(pick(t, 'enc.'));
    const data = Float32Array.from(t['input.x']!.data);
    g.lengths.forEach((len, b) => data.fill(1e6, (b * g.maxLength + len) * g.dim, (b + 1) * g.maxLength * g.dim));
    const { prediction } = model.forward({ x: { kind: 'sequence', data, lengths: Int32Array.from(g.lengths) } }, { training: false });
    expectClose(prediction.dataSync(), g.output, 'output with garbage padding');
    prediction.dispose();
    model.dispose();
  });
});

describe('LSTM + fusion head (EMI-like) vs PyTorch', () => {
  it('matches prediction, MSE loss and all gradients', () => {
    const { g, spec, feeds, batch, weights, targets } = emiSetup();
    const model = createModel(spec, feeds, 3);
    model.setWeights(weights);
    const { prediction } = model.forward(batch, { training: false });
    expectClose(prediction.dataSync(), g.prediction, 'prediction');
    prediction.dispose();
    const { value, grads } = gradsByWeight(model, () => model.loss(batch, targets, 'mse'));
    expect(Math.abs(value - g.loss)).toBeLessThanOrEqual(TOL);
    expect(Object.keys(grads).sort()).toEqual(Object.keys(g.grads).sort());
    for (const [name, expected] of Object.entries(g.grads)) expectClose(grads[name]!, expected, `grad ${name}`);
    model.dispose();
  });
});

interface MtlGolden {
  dims: number[];
  hidden: number;
  outputs: number;
  batch: number;
  initLogStd: number[];
  names: string[];
  cases: Record<'mse' | 'bce', { prediction: number[]; heads: number[][]; loss: number; weights: number[]; grads: Record<string, number[]> }>;
  fusedGrads: Record<string, number[]>;
}

describe('uncertainty-weighted MTL head (3 modalities) vs PyTorch', () => {
  const g = goldenJson<MtlGolden>('mtl.json');
  const t = goldenTensors('mtl.safetensors');
  const spec: ModelSpec = {
    layers: [
      {
        kind: 'mtl',
        id: 'mtl',
        inputs: g.names.map((n) => ({ feed: n })),
        names: g.names,
        hidden: g.hidden,
        outputs: g.outputs,
        initLogStd: g.initLogStd,
      },
    ],
    output: 'mtl',
  };
  const feeds = Object.fromEntries(g.names.map((n, i) => [n, { kind: 'vector' as const, dim: g.dims[i]! }]));
  const batch: Batch = Object.fromEntries(g.names.map((n) => [n, { kind: 'vector' as const, data: t[`input.${n}`]!.data }]));

  it.each(['mse', 'bce'] as const)('%s: fused prediction, heads, Kendall loss, weights and gradients', (kind) => {
    const c = g.cases[kind];
    const model = createModel(spec, feeds, 5);
    // The initial log std comes from the spec; the heads from torch.
    expect(Array.from(model.getWeights()['mtl.log_std']!.data)).toEqual(Array.from(Float32Array.from(g.initLogStd)));
    model.setWeights(pick(t, 'mtl.'));
    const r = model.forward(batch, { training: false });
    expectClose(r.prediction.dataSync(), c.prediction, 'fused prediction');
    expect(r.heads).toHaveLength(3);
    r.heads!.forEach((h, i) => expectClose(h.dataSync(), c.heads[i]!, `head ${i}`));
    tf.dispose([r.prediction, ...r.heads!]);
    const w = model.mtlWeights();
    expect(Object.keys(w)).toEqual(g.names);
    expectClose(Object.values(w), c.weights, 'normalised weights');
    const { value, grads } = gradsByWeight(model, () => model.loss(batch, t[`target.${kind}`]!.data, kind));
    expect(Math.abs(value - c.loss)).toBeLessThanOrEqual(TOL);
    for (const [name, expected] of Object.entries(c.grads)) expectClose(grads[name]!, expected, `grad ${name}`);
    model.dispose();
  });

  it('back-propagates through the fused prediction (log std included)', () => {
    const model = createModel(spec, feeds, 5);
    model.setWeights(pick(t, 'mtl.'));
    const dOut = tf.tensor2d(t['input.dOut']!.data, [g.batch, g.outputs]);
    const grads = tf.tidy(() => {
      const r = tf.engine().gradients(() => model.forward(batch, { training: true }).prediction, [...model.variables.values()], dOut);
      return Object.fromEntries([...model.variables.keys()].map((name, i) => [name, r.grads[i]!.dataSync() as Float32Array]));
    });
    for (const [name, expected] of Object.entries(g.fusedGrads)) expectClose(grads[name]!, expected, `grad ${name}`);
    dOut.dispose();
    model.dispose();
  });
});

interface LossGolden {
  batch: number;
  outputs: number;
  pred: number[];
  target: number[];
  labels: number[];
  cases: Record<LossKind, { loss: number; grad: number[]; target: 'target' | 'labels' }>;
}

describe('base losses vs PyTorch', () => {
  const g = goldenJson<LossGolden>('losses.json');
  it.each(['mse', 'bce', 'pearson', 'ccc'] as const)('%s: value and gradient', (kind) => {
    const c = g.cases[kind];
    const pred = tf.tensor2d(g.pred, [g.batch, g.outputs]);
    const y = tf.tensor2d(g[c.target], [g.batch, g.outputs]);
    const { value, grad } = tf.valueAndGrad((p: tf.Tensor) => baseLoss(kind, p as tf.Tensor2D, y))(pred);
    expect(Math.abs(value.dataSync()[0]! - c.loss)).toBeLessThanOrEqual(TOL);
    expectClose(grad.dataSync(), c.grad, `${kind} gradient`);
    tf.dispose([pred, y, value, grad]);
  });

  it('pearson loss stays finite for a constant prediction column', () => {
    const pred = tf.zeros([4, 2]);
    const y = tf.tensor2d([0, 1, 1, 0, 2, 3, 5, 1], [4, 2]);
    const { value, grad } = tf.valueAndGrad((p: tf.Tensor) => baseLoss('pearson', p as tf.Tensor2D, y))(pred);
    expect(value.dataSync()[0]).toBeCloseTo(1, 6);
    expect(Array.from(grad.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([pred, y, value, grad]);
  });
});

describe('createModel', () => {
  const spec: ModelSpec = {
    layers: [
      { kind: 'lstm', id: 'audio', input: { feed: 'a' }, units: 8, layers: 2 },
      { kind: 'fusion', id: 'head', inputs: [{ layer: 'audio' }, { feed: 't' }], hidden: 6, outputs: 2 },
    ],
    output: 'head',
  };
  const feeds = { a: { kind: 'sequence' as const, dim: 5, maxLength: 4 }, t: { kind: 'vector' as const, dim: 3 } };

  it('names and shapes weights like the PyTorch state dict and initialises like torch (bounds), per seed', () => {
    const m1 = createModel(spec, feeds, 42);
    const m2 = createModel(spec, feeds, 42);
    const m3 = createModel(spec, feeds, 43);
    const w1 = m1.getWeights();
    expect(Object.fromEntries(Object.entries(w1).map(([n, t]) => [n, t.shape]))).toEqual({
      'audio.weight_ih_l0': [32, 5],
      'audio.weight_hh_l0': [32, 8],
      'audio.bias_ih_l0': [32],
      'audio.bias_hh_l0': [32],
      'audio.weight_ih_l1': [32, 8],
      'audio.weight_hh_l1': [32, 8],
      'audio.bias_ih_l1': [32],
      'audio.bias_hh_l1': [32],
      'head.0.weight': [6, 11],
      'head.0.bias': [6],
      'head.2.weight': [2, 6],
      'head.2.bias': [2],
    });
    const bounds: Record<string, number> = { audio: 1 / Math.sqrt(8), 'head.0': 1 / Math.sqrt(11), 'head.2': 1 / Math.sqrt(6) };
    for (const [name, t] of Object.entries(w1)) {
      const bound = bounds[name.startsWith('audio') ? 'audio' : name.slice(0, 6)]!;
      const max = t.data.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      expect(max, name).toBeLessThanOrEqual(bound);
      expect(max, name).toBeGreaterThan(bound * 0.5);
    }
    expect(m2.getWeights()).toEqual(w1);
    expect(m3.getWeights()['head.0.weight']!.data).not.toEqual(w1['head.0.weight']!.data);
    [m1, m2, m3].forEach((m) => m.dispose());
  });

  it('rejects bad specs, batches and weights with messages that name the culprit', () => {
    expect(() => createModel({ layers: [{ kind: 'lstm', id: 'x', input: { feed: 't' }, units: 4, layers: 1 }], output: 'x' }, feeds, 1)).toThrow(
      /layer "x": feed "t" is a vector/,
    );
    expect(() => createModel({ ...spec, output: 'nope' }, feeds, 1)).toThrow(/model output "nope"/);
    expect(() =>
      createModel({ layers: [{ kind: 'fusion', id: 'f', inputs: [{ layer: 'later' }], hidden: 2, outputs: 1 }], output: 'f' }, feeds, 1),
    ).toThrow(/layer "later" is not defined before it/);
    const m = createModel(spec, feeds, 1);
    const good = {
      a: { kind: 'sequence' as const, data: new Float32Array(2 * 4 * 5), lengths: Int32Array.from([4, 1]) },
      t: { kind: 'vector' as const, data: new Float32Array(6) },
    };
    expect(() => m.forward({ ...good, a: { ...good.a, lengths: Int32Array.from([5, 1]) } }, { training: false })).toThrow(
      /feed "a": sample 0 has length 5, expected 1 … 4/,
    );
    expect(() => m.forward({ ...good, t: { kind: 'vector', data: new Float32Array(9) } }, { training: false })).toThrow(
      /feed "t" has batch size 3, feed "a" has 2/,
    );
    expect(() => m.loss(good, new Float32Array(3), 'mse')).toThrow(/targets have 3 values, expected batch 2 × 2 outputs = 4/);
    expect(() => m.loss(good, new Float32Array(4), 'hinge' as LossKind)).toThrow(/unknown loss "hinge"/);
    const w = m.getWeights();
    expect(() => m.setWeights({ ...w, 'head.0.weight': { shape: [11, 6], data: w['head.0.weight']!.data } })).toThrow(
      /wrong shapes: "head.0.weight": given \[11,6\] \(66 values\), expected \[6,11\]/,
    );
    const { ['audio.bias_hh_l1']: _dropped, ...partial } = w;
    expect(() => m.setWeights(partial)).toThrow(InputError);
    expect(() => m.setWeights(partial)).toThrow(/missing weights "audio.bias_hh_l1"/);
    expect(() => m.setWeights({ ...w, extra: { shape: [1], data: new Float32Array(1) } })).toThrow(/unknown weights "extra"/);
    m.setWeights(partial, { partial: true });
    m.dispose();
  });
});
