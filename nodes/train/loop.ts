/**
 * The training loop: epochs of shuffled batches, cosine schedule with warm-up, AdamW, gradient clipping by
 * value, model selection on a validation split after every epoch, resumable checkpoints, inference with the
 * best weights. Independent of the graph: the train node gathers the windows and the plan and calls this.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CancelledError } from '../../runtime/errors.js';
import type { ModelSpec, FeedShape } from '../learn/model-ir.js';
import { pointsToPredictions, type Point, type PointPlan, type Predictions, type SplitPredictions } from '../learn/points.js';
import { createModel, type Model } from '../learn/engine/model.js';
import { AdamW, cosineWithWarmup, trainStep, type LossKind } from '../learn/engine/optim.js';
import type { TensorMap } from '../learn/engine/safetensors.js';
import { assembleBatch, chunks, type SampleWindows } from './batch.js';
import { selectionScore, type SelectionMetric } from './selection.js';

export interface TrainConfig {
  loss: LossKind;
  lr: number;
  weightDecay: number;
  epochs: number;
  batchSize: number;
  warmupEpochs: number;
  clipValue: number;
  seed: number;
  select: SelectionMetric;
  evalBatchSize: number;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  selectionLoss: number;
  selectionScore: number;
  lr: number;
  seconds: number;
  mtlWeights?: Record<string, number>;
}

export interface TrainState {
  epoch: number;
  bestEpoch: number;
  bestScore: number;
  history: EpochRecord[];
  weights: TensorMap;
  bestWeights: TensorMap;
  optimizer?: { step: number; tensors: TensorMap };
  step: number;
}

export interface LoopHooks {
  onStep?(epoch: number, step: number, steps: number, loss: number): void;
  onEpoch?(record: EpochRecord, state: TrainState, improved: boolean): Promise<void>;
  signal?: AbortSignal;
  log?(message: string): void;
}

export interface TrainedModel {
  spec: ModelSpec;
  shapes: Record<string, FeedShape>;
  task: PointPlan['task'];
  names: string[];
  weights: TensorMap;
  bestEpoch: number;
  mtlWeights?: Record<string, number>;
}

/** Predictions of a model for points (probabilities for binary tasks). */
export function predictPoints(
  model: Model,
  points: Point[],
  windows: SampleWindows,
  shapes: Record<string, FeedShape>,
  task: PointPlan['task'],
  outputs: number,
  batchSize: number,
  lossKind?: LossKind,
): { predictions: SplitPredictions; loss: number } {
  const scores = new Float32Array(points.length * outputs);
  let lossSum = 0;
  let offset = 0;
  for (const part of chunks(points, batchSize)) {
    const { batch, targets } = assembleBatch(part, windows, shapes, outputs);
    const out = tf.tidy(() => {
      const pred = model.forward(batch, { training: false }).prediction;
      const loss = lossKind && targets.every(Number.isFinite) ? model.loss(batch, targets, lossKind).dataSync()[0]! : NaN;
      return { values: (task === 'binary' ? tf.sigmoid(pred) : pred).dataSync() as Float32Array, loss };
    });
    scores.set(out.values, offset * outputs);
    if (Number.isFinite(out.loss)) lossSum += out.loss * part.length;
    offset += part.length;
  }
  return { predictions: pointsToPredictions(points, scores, outputs), loss: lossSum / Math.max(1, points.length) };
}

export async function train(
  spec: ModelSpec,
  shapes: Record<string, FeedShape>,
  plan: PointPlan,
  windows: SampleWindows,
  config: TrainConfig,
  hooks: LoopHooks = {},
  resume?: TrainState,
): Promise<{ model: TrainedModel; predictions: Predictions; history: EpochRecord[] }> {
  const outputs = plan.names.length;
  const keep = (pts: Point[]) => pts.filter((p) => windows.has(p.key));
  const model = createModel(spec, shapes, config.seed);
  try {
    const optimizer = new AdamW(model.variables, { lr: config.lr, weightDecay: config.weightDecay });
    const stepsPerEpoch = Math.max(1, Math.ceil(keep(plan.train(0, config.seed)).length / config.batchSize));
    const totalSteps = stepsPerEpoch * config.epochs;
    const warmupSteps = Math.round(stepsPerEpoch * config.warmupEpochs);
    const state: TrainState = resume ?? {
      epoch: 0,
      bestEpoch: -1,
      bestScore: -Infinity,
      history: [],
      weights: model.getWeights(),
      bestWeights: model.getWeights(),
      step: 0,
    };
    if (resume) {
      model.setWeights(resume.weights);
      if (resume.optimizer) optimizer.setState(resume.optimizer);
      hooks.log?.(`resuming after epoch ${resume.epoch} (best so far: epoch ${resume.bestEpoch})`);
    }
    const selection = keep(plan.selection());
    for (let epoch = state.epoch + 1; epoch <= config.epochs; epoch++) {
      const t0 = performance.now();
      const points = keep(plan.train(epoch - 1, config.seed));
      const batches = chunks(points, config.batchSize);
      let lossSum = 0;
      let lr = config.lr;
      for (const [i, part] of batches.entries()) {
        if (hooks.signal?.aborted) throw new CancelledError('training cancelled');
        lr = config.lr * cosineWithWarmup(state.step, warmupSteps, totalSteps);
        const { batch, targets } = assembleBatch(part, windows, shapes, outputs);
        const loss = trainStep(model, optimizer, batch, targets, { loss: config.loss, clipValue: config.clipValue, lr });
        state.step++;
        lossSum += loss * part.length;
        hooks.onStep?.(epoch, i + 1, batches.length, loss);
        // Let progress lines and Ctrl-C through between steps.
        await new Promise((r) => setImmediate(r));
      }
      const evaluation = selection.length
        ? predictPoints(model, selection, windows, shapes, plan.task, outputs, config.evalBatchSize, config.loss)
        : undefined;
      const score = evaluation ? selectionScore(config.select, plan.names, evaluation.predictions, evaluation.loss) : -lossSum;
      const record: EpochRecord = {
        epoch,
        trainLoss: lossSum / Math.max(1, points.length),
        selectionLoss: evaluation?.loss ?? NaN,
        selectionScore: score,
        lr,
        seconds: (performance.now() - t0) / 1000,
      };
      const mtl = model.mtlWeights();
      if (Object.keys(mtl).length) record.mtlWeights = mtl;
      state.history.push(record);
      state.epoch = epoch;
      state.weights = model.getWeights();
      state.optimizer = optimizer.getState();
      const improved = score > state.bestScore || state.bestEpoch < 0;
      if (improved) {
        state.bestScore = score;
        state.bestEpoch = epoch;
        state.bestWeights = state.weights;
      }
      await hooks.onEpoch?.(record, state, improved);
    }
    model.setWeights(state.bestWeights);
    const predictions: Predictions = { task: plan.task, names: plan.names, splits: {} };
    for (const [split, points] of Object.entries(plan.inference())) {
      predictions.splits[split] = predictPoints(model, keep(points), windows, shapes, plan.task, outputs, config.evalBatchSize).predictions;
    }
    const trained: TrainedModel = {
      spec,
      shapes,
      task: plan.task,
      names: plan.names,
      weights: state.bestWeights,
      bestEpoch: state.bestEpoch,
    };
    const bestMtl = state.history.find((h) => h.epoch === state.bestEpoch)?.mtlWeights;
    if (bestMtl) trained.mtlWeights = bestMtl;
    return { model: trained, predictions, history: state.history };
  } finally {
    model.dispose();
  }
}
