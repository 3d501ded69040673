import path from 'node:path';
import { defineNode } from '../../runtime/contract.js';
import { selectBackend } from '../tf/backend.js';
import type { LossKind } from '../learn/engine/model.js';
import { modelInputs } from './batch.js';
import { decodeTrainState, encodeTrainState, encodeTrainedModel } from './checkpoint.js';
import { historyCsv, historySvg } from './history.js';
import { train, type TrainConfig, type TrainState } from './loop.js';
import { defaultSelection, type SelectionMetric } from './selection.js';

interface TrainParams {
  loss: 'auto' | LossKind;
  lr: number;
  weightDecay: number;
  epochs: number;
  batchSize: number;
  warmupEpochs: number;
  clipValue: number;
  seed: number;
  select: 'auto' | SelectionMetric;
  evalBatchSize: number;
  backend: string;
  resumeFrom?: string;
  checkpoints: boolean;
}

export const trainSupervised = defineNode<TrainParams>({
  type: 'train/supervised',
  version: '1',
  description: 'Trains the model wired into `model` on the plan’s time points; picks the best epoch; predicts.',
  docs: `Compiles the layer nodes upstream of \`model\` into one model (TensorFlow.js; backend chosen at run time:
tfjs-node-gpu → tfjs-node → wasm → cpu, logged), then trains with AdamW (decoupled weight decay), a cosine schedule
with \`warmupEpochs\` of linear warm-up stepped per batch, and gradient clipping by value. After every epoch it scores
the plan's selection points (\`select\`: mean Pearson for regression, weighted F1 at the best threshold for binary,
or loss) and keeps the best epoch's weights. Writes \`<node>/history.csv\`, \`<node>/curves.svg\`,
\`<node>/checkpoint.safetensors\` (resumable: weights, optimiser and loop state; \`resumeFrom\` continues from one)
and \`<node>/model.safetensors\` (best weights with the model description). Outputs the predictions of the plan's
inference points with the best weights.`,
  kind: 'reduce',
  inputs: {
    model: { type: 'tensor[K]', symbolic: true, description: 'the output layer (fusion head or MTL)' },
    plan: { type: 'plan/points', broadcast: true, description: 'which time points train, select and get predicted' },
  },
  outputs: {
    predictions: { type: 'pred/points', singleton: true },
    model: { type: 'model/trained', singleton: true },
    history: { type: 'train/history', singleton: true },
  },
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      loss: { enum: ['auto', 'mse', 'bce', 'pearson', 'ccc'], default: 'auto', description: 'auto: mse for regression, bce (with logits) for binary' },
      lr: { type: 'number', exclusiveMinimum: 0, default: 1e-4, description: 'peak learning rate (EMI 1e-4, BAH 7.5e-6)' },
      weightDecay: { type: 'number', minimum: 0, default: 0.01 },
      epochs: { type: 'integer', minimum: 1, default: 30 },
      batchSize: { type: 'integer', minimum: 1, default: 32 },
      warmupEpochs: { type: 'number', minimum: 0, default: 1 },
      clipValue: { type: 'number', exclusiveMinimum: 0, default: 100, description: 'gradient clipping by value' },
      seed: { type: 'integer', default: 3407 },
      select: { enum: ['auto', 'mean-pearson', 'f1-weighted', 'f1-weighted-sweep', 'loss'], default: 'auto' },
      evalBatchSize: { type: 'integer', minimum: 1, default: 64 },
      backend: { type: 'string', default: '', description: 'force a TensorFlow.js backend (tensorflow-gpu, tensorflow, wasm, cpu)' },
      resumeFrom: { type: 'string', 'x-path': 'file', description: 'checkpoint.safetensors of an earlier run to continue' },
      checkpoints: { type: 'boolean', default: true, description: 'write a resumable checkpoint after every epoch' },
    },
  },
  async run(rows, broadcast, ctx) {
    const p = ctx.params;
    await selectBackend(p.backend || undefined, (m) => ctx.log.info(m));
    const { spec, plan, windows, shapes } = modelInputs(rows, broadcast);
    const config: TrainConfig = {
      loss: p.loss === 'auto' ? (plan.task === 'binary' ? 'bce' : 'mse') : p.loss,
      lr: p.lr,
      weightDecay: p.weightDecay,
      epochs: p.epochs,
      batchSize: p.batchSize,
      warmupEpochs: p.warmupEpochs,
      clipValue: p.clipValue,
      seed: p.seed,
      select: p.select === 'auto' ? defaultSelection(plan.task) : p.select,
      evalBatchSize: p.evalBatchSize,
    };
    ctx.log.info(
      `training ${spec.layers.map((l) => `${l.kind}:${l.id}`).join(' → ')} on ${windows.size} samples; feeds ` +
        Object.entries(shapes)
          .map(([f, s]) => `${f} ${s.kind === 'sequence' ? `[≤${s.maxLength}×${s.dim}]` : `[${s.dim}]`}`)
          .join(', ') +
        `; ${config.loss} loss, select by ${config.select}`,
    );
    let resume: TrainState | undefined;
    if (p.resumeFrom) {
      const saved = decodeTrainState(p.resumeFrom);
      const meta = saved.optimizerMeta as { step?: number } | undefined;
      resume = { ...saved.state, optimizer: { step: meta?.step ?? 0, tensors: saved.optimizerTensors } };
    }
    const dir = ctx.nodeId.replace(/\//g, '_');
    const started = Date.now();
    const result = await train(
      spec,
      shapes,
      plan,
      windows,
      config,
      {
        signal: ctx.signal,
        log: (m) => ctx.log.info(m),
        onStep: (epoch, step, steps, loss) =>
          ctx.progress.update('epoch', epoch - 1 + step / steps, p.epochs, `loss ${loss.toFixed(4)}`),
        onEpoch: async (record, state, improved) => {
          const mtl = record.mtlWeights
            ? ' weights ' + Object.entries(record.mtlWeights).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(' ')
            : '';
          ctx.log.info(
            `epoch ${record.epoch}/${p.epochs}: train loss ${record.trainLoss.toFixed(4)}, ` +
              `selection ${config.select} ${record.selectionScore.toFixed(4)}${improved ? ' (best)' : ''}, ` +
              `${record.seconds.toFixed(1)}s${mtl}`,
          );
          await ctx.writeOutput(path.join(dir, 'history.csv'), historyCsv(state.history));
          await ctx.writeOutput(path.join(dir, 'curves.svg'), historySvg(state.history, config.select, ctx.nodeId));
          if (p.checkpoints) {
            const opt = state.optimizer ?? { step: 0, tensors: {} };
            await ctx.writeOutput(path.join(dir, 'checkpoint.safetensors'), encodeTrainState(state, opt.tensors, { step: opt.step }));
          }
        },
      },
      resume,
    );
    await ctx.writeOutput(path.join(dir, 'model.safetensors'), encodeTrainedModel(result.model));
    const best = result.history.find((h) => h.epoch === result.model.bestEpoch);
    ctx.reportMetrics({
      bestEpoch: result.model.bestEpoch,
      selection: config.select,
      bestSelectionScore: best?.selectionScore,
      epochs: result.history.length,
      seconds: (Date.now() - started) / 1000,
      ...(result.model.mtlWeights ? { mtlWeights: result.model.mtlWeights } : {}),
    });
    return { singletons: { predictions: result.predictions, model: result.model, history: result.history } };
  },
});
