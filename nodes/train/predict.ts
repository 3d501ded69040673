import { readFileSync } from 'node:fs';
import { defineNode } from '../../runtime/contract.js';
import { createModel } from '../learn/engine/model.js';
import { loadInto, parseSafetensors } from '../learn/engine/safetensors.js';
import type { Predictions } from '../learn/points.js';
import { selectBackend } from '../tf/backend.js';
import { modelInputs } from './batch.js';
import { predictPoints } from './loop.js';

interface PredictParams {
  checkpoint: string;
  rename: Record<string, string>;
  strict: boolean;
  batchSize: number;
  backend: string;
}

export const predictCheckpoint = defineNode<PredictParams>({
  type: 'predict/checkpoint',
  version: '1',
  description: 'Predicts the plan’s inference points with saved weights: an affectflow model or a PyTorch state dict.',
  docs: `Builds the model wired into \`model\` and loads its weights from \`checkpoint\`, a safetensors file: the
\`model.safetensors\` a training run wrote, or a state dict exported from PyTorch (e.g. a model trained with the
authors' code: \`safetensors.torch.save_file(model.state_dict(), "model.safetensors")\`). \`rename\` maps name
prefixes of the file onto the graph's layer ids (e.g. \`{"audio_lstm.": "audioLstm."}\`); weight names follow
PyTorch (\`weight_ih_l0\`, \`0.weight\`, ...). Every missing, unexpected or mis-shaped tensor is named.`,
  kind: 'reduce',
  inputs: {
    model: { type: 'tensor[K]', symbolic: true, description: 'the output layer' },
    plan: { type: 'plan/points', broadcast: true },
  },
  outputs: { predictions: { type: 'pred/points', singleton: true } },
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['checkpoint'],
    properties: {
      checkpoint: { type: 'string', 'x-path': 'file', description: 'safetensors weights' },
      rename: { type: 'object', additionalProperties: { type: 'string' }, default: {}, description: 'file name prefix → graph name prefix' },
      strict: { type: 'boolean', default: true, description: 'every weight must be in the file and every tensor used' },
      batchSize: { type: 'integer', minimum: 1, default: 64 },
      backend: { type: 'string', default: '' },
    },
  },
  async run(rows, broadcast, ctx) {
    const p = ctx.params;
    await selectBackend(p.backend || undefined, (m) => ctx.log.info(m));
    const { spec, plan, windows, shapes } = modelInputs(rows, broadcast);
    const model = createModel(spec, shapes, 0);
    try {
      const file = parseSafetensors(readFileSync(p.checkpoint), p.checkpoint);
      const report = loadInto(model, file, { rename: p.rename, strict: p.strict });
      ctx.log.info(`loaded ${report.loaded.length} weights from ${p.checkpoint}`);
      const predictions: Predictions = { task: plan.task, names: plan.names, splits: {} };
      for (const [split, points] of Object.entries(plan.inference())) {
        const kept = points.filter((pt) => windows.has(pt.key));
        predictions.splits[split] = predictPoints(model, kept, windows, shapes, plan.task, plan.names.length, p.batchSize).predictions;
      }
      return { singletons: { predictions } };
    } finally {
      model.dispose();
    }
  },
});
