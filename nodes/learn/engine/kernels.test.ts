import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../tf/backend.js';
import { goldenJson, goldenTensors, maxAbsDiff, pick } from './golden-fixtures.js';
import { fastKernels, genericKernels, kernelsForBackend, parallelSettings } from './kernels.js';
import { createModel } from './model.js';
import { matMulWorkersReady, stopMatMulWorkers } from './parallel-matmul.js';

beforeAll(async () => {
  await selectBackend();
  kernelsForBackend('fast'); // registers the fast kernels on this backend
});

const rand = (shape: [number, number], seed: number) => tf.randomUniform(shape, -2, 2, 'float32', seed) as tf.Tensor2D;

describe('fast kernels agree with the op-based ones', () => {
  it('data movement: transpose, row/column concatenation and slices', () => {
    const a = rand([37, 53], 1);
    const b = rand([11, 53], 2);
    const c = rand([37, 5], 3);
    const same = (x: tf.Tensor, y: tf.Tensor) => expect(Array.from(x.dataSync())).toEqual(Array.from(y.dataSync()));
    same(fastKernels.transpose2d(a), genericKernels.transpose2d(a));
    same(fastKernels.concatRows([a, b, a]), genericKernels.concatRows([a, b, a]));
    same(fastKernels.rowSlice(a, 7, 20), genericKernels.rowSlice(a, 7, 20));
    same(fastKernels.concatColumns([a, c]), genericKernels.concatColumns([a, c]));
    same(fastKernels.colSlice(a, 9, 30), genericKernels.colSlice(a, 9, 30));
  });

  it('LSTM cell forward and backward', () => {
    const [B, H, T] = [3, 5, 4];
    const xproj = rand([T * B, 4 * H], 4);
    const bias = tf.randomUniform([4 * H], -1, 1, 'float32', 5) as tf.Tensor1D;
    const rec = rand([B, 4 * H], 6);
    const cPrev = rand([B, H], 7);
    for (const [r, c] of [[rec, cPrev], [null, null]] as const) {
      const f = fastKernels.cellForward(xproj, 2 * B, B, bias, r, c);
      const g = genericKernels.cellForward(xproj, 2 * B, B, bias, r, c);
      for (const key of ['act', 'c', 'h'] as const) expect(maxAbsDiff(f[key].dataSync(), g[key].dataSync())).toBeLessThan(1e-6);
      const dhBig = rand([T * B, H], 8);
      const dh = rand([B, H], 9);
      const dc = rand([B, H], 10);
      const blocks = [{ tensor: dhBig, row: B }, { tensor: dh, row: 0 }];
      const fb = fastKernels.cellBackward(f.act, f.c, c, blocks, dc);
      const gb = genericKernels.cellBackward(f.act, f.c, c, blocks, dc);
      expect(maxAbsDiff(fb.dPre.dataSync(), gb.dPre.dataSync())).toBeLessThan(1e-6);
      expect(maxAbsDiff(fb.dcPrev.dataSync(), gb.dcPrev.dataSync())).toBeLessThan(1e-6);
    }
  });
});

describe('matrix products split across worker threads', () => {
  afterAll(() => {
    parallelSettings.minMacs = 16_000_000;
    stopMatMulWorkers();
  });

  it('give exactly the single-thread result, with and without cached right operands', () => {
    expect(matMulWorkersReady(60_000, 3)).toBe(2);
    const bs = Array.from({ length: 6 }, (_, i) => rand([300, 257], 20 + i));
    for (const [M, reuse] of [[97, false], [64, true], [64, true], [33, true]] as const) {
      const a = rand([M, 300], M);
      for (const b of [...bs, bs[0]!]) {
        const par = fastKernels.matMul(a, b, reuse);
        expect(par.shape).toEqual([M, 257]);
        expect(Array.from(par.dataSync())).toEqual(Array.from(tf.matMul(a, b).dataSync()));
      }
    }
  });

  it('keep the LSTM gradients equal to torch’s', () => {
    expect(matMulWorkersReady(60_000, 3)).toBe(2);
    parallelSettings.minMacs = 0; // the golden shapes are tiny: send every product to the workers
    const g = goldenJson<{ batch: number; maxLength: number; dim: number; units: number; lengths: number[]; grads: Record<string, number[]> }>('lstm.json');
    const t = goldenTensors('lstm.safetensors');
    const model = createModel(
      { layers: [{ kind: 'lstm', id: 'enc', input: { feed: 'x' }, units: g.units, layers: 2 }], output: 'enc' },
      { x: { kind: 'sequence', dim: g.dim, maxLength: g.maxLength } },
      1,
      { kernels: 'fast', gradBlockRows: 8 },
    );
    model.setWeights(pick(t, 'enc.'));
    const dOut = tf.tensor2d(t['input.dOut']!.data, [g.batch, g.units]);
    const batch = { x: { kind: 'sequence' as const, data: t['input.x']!.data, lengths: Int32Array.from(g.lengths) } };
    const grads = tf.tidy(() => {
      const r = tf.engine().gradients(() => model.forward(batch, { training: true }).prediction, [...model.variables.values()], dOut);
      return Object.fromEntries([...model.variables.keys()].map((name, i) => [name, r.grads[i]!.dataSync() as Float32Array]));
    });
    for (const [name, expected] of Object.entries(g.grads)) expect(maxAbsDiff(grads[name]!, expected), name).toBeLessThanOrEqual(1e-5);
    model.dispose();
    dOut.dispose();
  });
});
