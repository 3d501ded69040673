import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../tf/backend.js';
import { emiSetup, goldenJson, maxAbsDiff } from './golden-fixtures.js';
import { createModel } from './model.js';
import { AdamW, clipGradValue, cosineWithWarmup, trainStep } from './optim.js';

beforeAll(async () => {
  await selectBackend();
});

describe('cosineWithWarmup vs the Hugging Face schedule stepped by torch LambdaLR', () => {
  const cases = goldenJson<{ warmup: number; total: number; multipliers: number[] }[]>('schedule.json');
  it.each(cases.map((c) => [c.warmup, c.total, c] as const))('warm-up %i, total %i', (_w, _t, c) => {
    const ours = c.multipliers.map((_, step) => cosineWithWarmup(step, c.warmup, c.total));
    expect(maxAbsDiff(ours, c.multipliers)).toBeLessThanOrEqual(1e-12);
  });
});

interface AdamGolden {
  lr: number;
  clip: number;
  warmup: number;
  total: number;
  steps: number;
  weightDecay: number;
  lrs: number[];
  losses: number[];
  params: Record<string, number[]>;
}

describe('AdamW + clip_grad_value_ + schedule vs torch', () => {
  it('gives the same losses and parameters after several steps', () => {
    const g = goldenJson<AdamGolden>('adamw.json');
    const { spec, feeds, batch, weights, targets } = emiSetup();
    const model = createModel(spec, feeds, 9);
    model.setWeights(weights);
    const opt = new AdamW(model.variables, { lr: g.lr, weightDecay: g.weightDecay });
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let step = 0; step < g.steps; step++) {
      const lr = g.lr * cosineWithWarmup(step, g.warmup, g.total);
      expect(lr).toBeCloseTo(g.lrs[step]!, 12);
      losses.push(trainStep(model, opt, batch, targets, { loss: 'mse', clipValue: g.clip, lr }));
      // Optimiser state appears once (2 moments per parameter); nothing else may stay behind.
      expect(tf.memory().numTensors).toBe(before + 2 * model.variables.size);
    }
    expect(opt.steps).toBe(g.steps);
    expect(maxAbsDiff(losses, g.losses)).toBeLessThanOrEqual(1e-5);
    const w = model.getWeights();
    for (const [name, expected] of Object.entries(g.params)) {
      const d = maxAbsDiff(w[name]!.data, expected);
      expect(d, `${name}: max |diff| ${d}`).toBeLessThanOrEqual(1e-5);
    }
    opt.dispose();
    model.dispose();
  });

  it('clips gradients by value and leaves parameters without a gradient alone', () => {
    const grads = { a: tf.tensor([-3, 0.5, 2]) };
    const clipped = clipGradValue(grads, 1);
    expect(Array.from(clipped['a']!.dataSync())).toEqual([-1, 0.5, 1]);
    expect(() => clipGradValue(grads, 0)).toThrow(/clip value must be > 0/);
    const p = tf.variable(tf.tensor([1, 2]), true, 'optim-test-p');
    const q = tf.variable(tf.tensor([3]), true, 'optim-test-q');
    const opt = new AdamW(new Map([['p', p], ['q', q]]), { lr: 0.1, weightDecay: 0 });
    opt.step({ p: tf.tensor([1, -1]) });
    // First Adam step moves by lr·sign(g) (bias-corrected m/√v = g/|g|).
    expect(Array.from(p.dataSync()).map((x) => Number(x.toFixed(5)))).toEqual([0.9, 2.1]);
    expect(Array.from(q.dataSync())).toEqual([3]);
    expect(() => opt.step({ r: tf.tensor([1]) })).toThrow(/unknown parameter "r"/);
    tf.dispose([grads.a, clipped['a']!, p, q]);
    opt.dispose();
  });
});
