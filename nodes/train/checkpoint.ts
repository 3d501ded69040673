/**
 * Checkpoints: one safetensors file per checkpoint holding the weights (`model.*`), the optimiser state
 * (`optim.*`) and the loop state as JSON metadata. One file, written to a temporary name and renamed, so a
 * crash leaves the previous checkpoint intact.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../../runtime/errors.js';
import { parseSafetensors, serializeSafetensors, type TensorMap } from '../learn/engine/safetensors.js';
import type { FeedShape, ModelSpec } from '../learn/model-ir.js';
import type { TrainedModel, TrainState } from './loop.js';

function prefixed(prefix: string, w: TensorMap): TensorMap {
  return Object.fromEntries(Object.entries(w).map(([k, v]) => [prefix + k, v]));
}

function strip(prefix: string, w: TensorMap): TensorMap {
  return Object.fromEntries(Object.entries(w).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
}

export function encodeTrainState(state: TrainState, optimizerTensors: TensorMap, optimizerMeta: unknown): Uint8Array {
  const meta = {
    format: 'affectflow-train-state-1',
    epoch: state.epoch,
    bestEpoch: state.bestEpoch,
    bestScore: state.bestScore,
    step: state.step,
    history: state.history,
    optimizer: optimizerMeta,
  };
  return serializeSafetensors(
    { ...prefixed('model.', state.weights), ...prefixed('best.', state.bestWeights), ...prefixed('optim.', optimizerTensors) },
    { affectflow: JSON.stringify(meta) },
  );
}

export function decodeTrainState(file: string): { state: Omit<TrainState, 'optimizer'>; optimizerTensors: TensorMap; optimizerMeta: unknown } {
  const { tensors, metadata } = parseSafetensors(readFileSync(file), file);
  const raw = metadata['affectflow'];
  if (!raw) throw new InputError(`${file} is not an affectflow training checkpoint (no "affectflow" metadata)`);
  const meta = JSON.parse(raw) as {
    format: string;
    epoch: number;
    bestEpoch: number;
    bestScore: number;
    step: number;
    history: TrainState['history'];
    optimizer: unknown;
  };
  return {
    state: {
      epoch: meta.epoch,
      bestEpoch: meta.bestEpoch,
      bestScore: meta.bestScore,
      step: meta.step,
      history: meta.history,
      weights: strip('model.', tensors) ,
      bestWeights: strip('best.', tensors) ,
    },
    optimizerTensors: strip('optim.', tensors),
    optimizerMeta: meta.optimizer,
  };
}

/** The trained model as a portable file: weights + the model description in metadata. */
export function encodeTrainedModel(m: TrainedModel): Uint8Array {
  return serializeSafetensors(m.weights, {
    affectflow: JSON.stringify({ format: 'affectflow-model-1', spec: m.spec, shapes: m.shapes, task: m.task, names: m.names, bestEpoch: m.bestEpoch }),
  });
}

export function decodeTrainedModel(file: string): { weights: TensorMap; spec?: ModelSpec; shapes?: Record<string, FeedShape> } {
  const { tensors, metadata } = parseSafetensors(readFileSync(file), file);
  const raw = metadata['affectflow'];
  const meta = raw ? (JSON.parse(raw) as { spec?: ModelSpec; shapes?: Record<string, FeedShape> }) : {};
  return { weights: tensors , ...(meta.spec ? { spec: meta.spec } : {}), ...(meta.shapes ? { shapes: meta.shapes } : {}) };
}
