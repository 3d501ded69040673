/**
 * The numerical engine of the trainable models (no graph nodes here): model IR → TensorFlow.js variables
 * and a differentiable forward pass, AdamW, schedules, metrics and safetensors checkpoints.
 *
 * Typical use:
 *   await selectBackend();                                  // nodes/tf/backend.ts
 *   const model = createModel(spec, feeds, 3407);
 *   loadInto(model, 'authors.safetensors', { rename: { 'vision_lstm.': 'vision.' } });   // optional
 *   const opt = new AdamW(model.variables, { lr: 1e-4, weightDecay: 0.01 });
 *   for (const [step, { batch, targets }] of batches.entries()) {
 *     const lr = 1e-4 * cosineWithWarmup(step, warmupSteps, totalSteps);
 *     trainStep(model, opt, batch, targets, { loss: 'mse', clipValue: 100, lr });
 *   }
 *   const { prediction } = model.forward(batch, { training: false });   // dispose it when read
 */
export { createModel, type Batch, type FeedBatch, type ForwardResult, type Model, type ModelOptions } from './model.js';
export { LOSS_KINDS, PEARSON_EPS, type LossKind } from './ops.js';
export { AdamW, clipGradValue, cosineWithWarmup, trainStep, type AdamWOptions, type TrainStepOptions } from './optim.js';
export {
  accuracy,
  averagePrecision,
  f1Score,
  gaussianSmooth,
  meanPearson,
  movingAverage,
  pearson,
  sweepThreshold,
  type F1Average,
  type SweepOptions,
  type ThresholdMetric,
} from './metrics.js';
export {
  loadInto,
  parseSafetensors,
  readSafetensors,
  renameTensor,
  serializeSafetensors,
  writeSafetensors,
  type LoadOptions,
  type LoadReport,
  type NamedArray,
  type SafetensorsFile,
  type TensorMap,
} from './safetensors.js';
export { matMulThreads, matMulWorkersReady, startMatMulWorkers, stopMatMulWorkers } from './parallel-matmul.js';
export { Rng } from './rng.js';
