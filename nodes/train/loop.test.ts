import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../../test/helpers.js';
import { selectBackend } from '../tf/backend.js';
import { clipPlan } from '../sample/plans.js';
import { createRng } from '../learn/random.js';
import type { ModelSpec } from '../learn/model-ir.js';
import { sequenceWindow } from '../window/sequence.js';
import type { SampleWindows } from './batch.js';
import { feedShapes } from './batch.js';
import { decodeTrainState, encodeTrainState } from './checkpoint.js';
import { train, type EpochRecord, type TrainConfig, type TrainState } from './loop.js';

const spec: ModelSpec = {
  layers: [
    { kind: 'lstm', id: 'lstm', input: { feed: 'win.window' }, units: 4, layers: 1 },
    { kind: 'fusion', id: 'head', inputs: [{ layer: 'lstm' }], hidden: 8, outputs: 1 },
  ],
  output: 'head',
};

function data(): { windows: SampleWindows; plan: ReturnType<typeof clipPlan> } {
  const rng = createRng(3);
  const windows: SampleWindows = new Map();
  const samples = Array.from({ length: 40 }, (_, i) => {
    const rows = Float32Array.from({ length: 5 * 2 }, () => rng() - 0.5);
    windows.set(`s${i}`, { 'win.window': sequenceWindow({ dims: [5, 2], data: rows }, { mode: 'first', maxLength: 5, pointRate: 1 }) });
    return { key: `s${i}`, split: i % 4 === 0 ? 'val' : 'train', target: Float32Array.of(rows[0]! + rows[2]!) };
  });
  return { windows, plan: clipPlan(samples, ['y'], 'regression', { trainSplits: ['train'], selectionSplit: 'val', inferenceSplits: ['val'] }) };
}

const config: TrainConfig = { loss: 'mse', lr: 0.02, weightDecay: 0.01, epochs: 5, batchSize: 8, warmupEpochs: 1, clipValue: 100, seed: 11, select: 'mean-pearson', evalBatchSize: 16 };

describe('training loop', () => {
  it('resumes after a crash from the last checkpoint exactly where it stopped', async () => {
    await selectBackend('cpu');
    const { windows, plan } = data();
    const shapes = feedShapes(windows, ['win.window']);
    const full = await train(spec, shapes, plan, windows, config);

    const file = path.join(tmpDir('resume-'), 'checkpoint.safetensors');
    await expect(
      train(spec, shapes, plan, windows, config, {
        onEpoch: async (record: EpochRecord, state: TrainState) => {
          writeFileSync(file, encodeTrainState(state, state.optimizer!.tensors, { step: state.optimizer!.step }));
          if (record.epoch === 3) throw new Error('simulated crash');
        },
      }),
    ).rejects.toThrow('simulated crash');
    const saved = decodeTrainState(file);
    expect(saved.state.epoch).toBe(3);
    const resumed = await train(spec, shapes, plan, windows, config, {}, {
      ...saved.state,
      optimizer: { step: (saved.optimizerMeta as { step: number }).step, tensors: saved.optimizerTensors },
    });
    const strip = (h: EpochRecord[]) => h.map(({ seconds: _s, ...rest }) => rest);
    expect(strip(resumed.history)).toEqual(strip(full.history));
    expect(resumed.model.bestEpoch).toBe(full.model.bestEpoch);
    expect(Array.from(resumed.predictions.splits['val']!.scores)).toEqual(Array.from(full.predictions.splits['val']!.scores));
  }, 120_000);
});
