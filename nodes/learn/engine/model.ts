/**
 * Turns a model IR (nodes/learn/model-ir.ts) into TensorFlow.js variables and a differentiable forward pass.
 *
 * Weights are named like the keys of the equivalent PyTorch state dict, with torch's shapes, so checkpoints
 * of the authors' code load after a prefix rename:
 *   LSTM X:   X.weight_ih_l{k} [4H, In], X.weight_hh_l{k} [4H, H], X.bias_ih_l{k} [4H], X.bias_hh_l{k} [4H]
 *   fusion F: F.0.weight [hidden, in], F.0.bias, F.2.weight [outputs, hidden], F.2.bias  (Linear, Tanh, Linear)
 *   MTL M:    M.heads.{i}.0.weight … M.heads.{i}.2.bias per input, M.log_std [N]
 * Initialisation follows torch's defaults in distribution (LSTM U(−1/√H, 1/√H); Linear weight and bias
 * U(−1/√fan_in, 1/√fan_in)), drawn from a seeded generator in parameter order.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../../../runtime/errors.js';
import type { FeedShape, FusionLayer, Layer, LayerInput, LstmLayer, ModelSpec, MtlLayer } from '../model-ir.js';
import { kernelsForBackend, type LstmKernels } from './kernels.js';
import { baseLoss, concatColumns, dense, kendallLoss, LOSS_KINDS, mtlFuse, normalisedWeights, tanh, type LossKind } from './ops.js';
import { stackedLstm, type LstmWeights } from './lstm.js';
import { Rng } from './rng.js';
import type { TensorMap } from './safetensors.js';

export type { LossKind } from './ops.js';

/** What a batch gives for one feed. */
export type FeedBatch =
  | { kind: 'sequence'; /** B × maxLength × dim, right-padded */ data: Float32Array; lengths: Int32Array }
  | { kind: 'vector'; /** B × dim */ data: Float32Array };

export type Batch = Record<string, FeedBatch>;

export interface ForwardResult {
  /** [B, outputs]: raw values or logits. */
  prediction: tf.Tensor2D;
  /** Per-head predictions of an MTL output layer, in input order. */
  heads?: tf.Tensor2D[];
}

export interface ModelOptions {
  /** Force the LSTM kernel implementation (default: fast where available). */
  kernels?: 'fast' | 'generic';
  /** Rows per block of the LSTM weight-gradient products (a speed setting; default 512). */
  gradBlockRows?: number;
}

export interface Model {
  readonly spec: ModelSpec;
  readonly feeds: Readonly<Record<string, FeedShape>>;
  /** Width of the prediction. */
  readonly outputs: number;
  /** Trainable variables by weight name, in parameter order. */
  readonly variables: ReadonlyMap<string, tf.Variable>;
  forward(batch: Batch, options: { training: boolean }): ForwardResult;
  /** Scalar training loss for a batch; Kendall's uncertainty weighting when the output layer is MTL. */
  loss(batch: Batch, targets: Float32Array, kind: LossKind, options?: { training?: boolean }): tf.Scalar;
  /** Normalised MTL weights w_i / Σ w (w_i = exp(−2 s_i)) by head name; empty without an MTL output layer. */
  mtlWeights(): Record<string, number>;
  getWeights(): TensorMap;
  setWeights(weights: TensorMap, options?: { partial?: boolean }): void;
  dispose(): void;
}

let modelCounter = 0;

interface ParamSpec {
  name: string;
  shape: number[];
  init: (rng: Rng) => Float32Array;
}

function uniformInit(shape: number[], bound: number) {
  return (rng: Rng) => rng.uniform(shape.reduce((a, b) => a * b, 1), bound);
}

function linearParams(prefix: string, inDim: number, outDim: number): ParamSpec[] {
  const bound = 1 / Math.sqrt(inDim);
  return [
    { name: `${prefix}.weight`, shape: [outDim, inDim], init: uniformInit([outDim, inDim], bound) },
    { name: `${prefix}.bias`, shape: [outDim], init: uniformInit([outDim], bound) },
  ];
}

function inputName(i: LayerInput): string {
  return 'feed' in i ? `feed "${i.feed}"` : `layer "${i.layer}"`;
}

export function createModel(spec: ModelSpec, feeds: Record<string, FeedShape>, seed: number, options: ModelOptions = {}): Model {
  const layersById = new Map<string, Layer>();
  const outDims = new Map<string, number>();
  const params: ParamSpec[] = [];

  const vectorDim = (input: LayerInput, where: string): number => {
    if ('feed' in input) {
      const shape = feeds[input.feed];
      if (!shape) throw new InputError(`${where}: unknown ${inputName(input)} (feeds: ${Object.keys(feeds).join(', ') || 'none'})`);
      if (shape.kind !== 'vector') throw new InputError(`${where}: ${inputName(input)} is a sequence; only an LSTM layer can read a sequence`);
      return shape.dim;
    }
    const dim = outDims.get(input.layer);
    if (dim === undefined) throw new InputError(`${where}: ${inputName(input)} is not defined before it (layers must be in dependency order)`);
    return dim;
  };

  for (const layer of spec.layers) {
    const where = `layer "${layer.id}"`;
    if (layersById.has(layer.id)) throw new InputError(`${where}: duplicate layer id`);
    if (layer.kind === 'lstm') {
      if (!('feed' in layer.input)) throw new InputError(`${where}: an LSTM reads a sequence feed, got ${inputName(layer.input)}`);
      const shape = feeds[layer.input.feed];
      if (!shape) throw new InputError(`${where}: unknown ${inputName(layer.input)} (feeds: ${Object.keys(feeds).join(', ') || 'none'})`);
      if (shape.kind !== 'sequence') throw new InputError(`${where}: ${inputName(layer.input)} is a vector; an LSTM needs a sequence`);
      if (!(layer.units > 0 && layer.layers > 0)) throw new InputError(`${where}: units and layers must be positive`);
      const H = layer.units;
      const bound = 1 / Math.sqrt(H);
      for (let k = 0; k < layer.layers; k++) {
        const inDim = k === 0 ? shape.dim : H;
        params.push(
          { name: `${layer.id}.weight_ih_l${k}`, shape: [4 * H, inDim], init: uniformInit([4 * H, inDim], bound) },
          { name: `${layer.id}.weight_hh_l${k}`, shape: [4 * H, H], init: uniformInit([4 * H, H], bound) },
          { name: `${layer.id}.bias_ih_l${k}`, shape: [4 * H], init: uniformInit([4 * H], bound) },
          { name: `${layer.id}.bias_hh_l${k}`, shape: [4 * H], init: uniformInit([4 * H], bound) },
        );
      }
      outDims.set(layer.id, H);
    } else if (layer.kind === 'fusion') {
      const inDim = layer.inputs.reduce((s, i) => s + vectorDim(i, where), 0);
      params.push(...linearParams(`${layer.id}.0`, inDim, layer.hidden), ...linearParams(`${layer.id}.2`, layer.hidden, layer.outputs));
      outDims.set(layer.id, layer.outputs);
    } else {
      const n = layer.inputs.length;
      if (layer.names.length !== n) throw new InputError(`${where}: ${n} inputs but ${layer.names.length} names`);
      if (layer.initLogStd.length !== n) throw new InputError(`${where}: ${n} inputs but ${layer.initLogStd.length} initial log std values`);
      layer.inputs.forEach((input, i) => {
        const d = vectorDim(input, where);
        params.push(...linearParams(`${layer.id}.heads.${i}.0`, d, layer.hidden), ...linearParams(`${layer.id}.heads.${i}.2`, layer.hidden, layer.outputs));
      });
      params.push({ name: `${layer.id}.log_std`, shape: [n], init: () => Float32Array.from(layer.initLogStd) });
      outDims.set(layer.id, layer.outputs);
    }
    layersById.set(layer.id, layer);
  }
  const outputLayer = layersById.get(spec.output);
  if (!outputLayer) throw new InputError(`model output "${spec.output}" is not one of the layers (${[...layersById.keys()].join(', ')})`);

  const uid = ++modelCounter;
  const rng = new Rng(seed);
  const variables = new Map<string, tf.Variable>();
  for (const p of params) variables.set(p.name, tf.variable(tf.tensor(p.init(rng), p.shape), true, `affectflow-${uid}/${p.name}`));
  const v = (name: string) => variables.get(name)!;
  let kernels: LstmKernels | undefined;
  const getKernels = () => (kernels ??= kernelsForBackend(options.kernels));

  const batchSize = (batch: Batch): number => {
    let size: number | undefined;
    let first = '';
    for (const [name, shape] of Object.entries(feeds)) {
      const fb = batch[name];
      if (!fb) continue;
      if (fb.kind !== shape.kind) throw new InputError(`feed "${name}": batch gives a ${fb.kind}, the model expects a ${shape.kind}`);
      const b = fb.kind === 'sequence' ? fb.lengths.length : fb.data.length / shape.dim;
      if (!Number.isInteger(b)) throw new InputError(`feed "${name}": ${fb.data.length} values is not a multiple of dimension ${shape.dim}`);
      if (size === undefined) [size, first] = [b, name];
      else if (size !== b) throw new InputError(`feed "${name}" has batch size ${b}, feed "${first}" has ${size}`);
    }
    if (size === undefined || size === 0) throw new InputError('empty batch');
    return size;
  };

  const lstmWeights = (layer: LstmLayer): LstmWeights[] =>
    Array.from({ length: layer.layers }, (_, k) => ({
      wIh: v(`${layer.id}.weight_ih_l${k}`) as tf.Tensor as tf.Tensor2D,
      wHh: v(`${layer.id}.weight_hh_l${k}`) as tf.Tensor as tf.Tensor2D,
      bIh: v(`${layer.id}.bias_ih_l${k}`) as tf.Tensor as tf.Tensor1D,
      bHh: v(`${layer.id}.bias_hh_l${k}`) as tf.Tensor as tf.Tensor1D,
    }));

  const mlp = (prefix: string, x: tf.Tensor2D): tf.Tensor2D => {
    const k = getKernels();
    const hidden = tanh(dense(k, x, v(`${prefix}.0.weight`) as tf.Tensor as tf.Tensor2D, v(`${prefix}.0.bias`) as tf.Tensor as tf.Tensor1D));
    return dense(k, hidden, v(`${prefix}.2.weight`) as tf.Tensor as tf.Tensor2D, v(`${prefix}.2.bias`) as tf.Tensor as tf.Tensor1D);
  };

  const logStd = (layer: MtlLayer) => v(`${layer.id}.log_std`) as tf.Tensor as tf.Tensor1D;

  const forwardAll = (batch: Batch, training: boolean): ForwardResult => {
    const B = batchSize(batch);
    const values = new Map<string, tf.Tensor2D>();
    const vectorInput = (input: LayerInput, where: string): tf.Tensor2D => {
      if ('layer' in input) return values.get(input.layer)!;
      const fb = batch[input.feed];
      if (!fb) throw new InputError(`${where}: the batch has no feed "${input.feed}"`);
      if (fb.kind !== 'vector') throw new InputError(`${where}: feed "${input.feed}" must be a vector`);
      return tf.tensor2d(fb.data, [B, feeds[input.feed]!.dim]);
    };
    let heads: tf.Tensor2D[] | undefined;
    for (const layer of spec.layers) {
      const where = `layer "${layer.id}"`;
      let out: tf.Tensor2D;
      if (layer.kind === 'lstm') {
        const feed = (layer.input as { feed: string }).feed;
        const fb = batch[feed];
        if (!fb || fb.kind !== 'sequence') throw new InputError(`${where}: the batch has no sequence feed "${feed}"`);
        const shape = feeds[feed] as Extract<FeedShape, { kind: 'sequence' }>;
        out = stackedLstm({ data: fb.data, lengths: fb.lengths, maxLength: shape.maxLength, dim: shape.dim }, lstmWeights(layer), feed, {
          training,
          kernels: getKernels(),
          ...(options.gradBlockRows ? { gradBlockRows: options.gradBlockRows } : {}),
        });
      } else if (layer.kind === 'fusion') {
        const xs = layer.inputs.map((i) => vectorInput(i, where));
        out = mlp(layer.id, concatColumns(xs));
      } else {
        const hs = layer.inputs.map((i, n) => mlp(`${layer.id}.heads.${n}`, vectorInput(i, where)));
        out = mtlFuse(logStd(layer), hs);
        if (layer.id === spec.output) heads = hs;
      }
      values.set(layer.id, out);
    }
    const prediction = values.get(spec.output)!;
    return heads ? { prediction, heads } : { prediction };
  };

  const model: Model = {
    spec,
    feeds,
    outputs: outDims.get(spec.output)!,
    variables,
    forward(batch, { training }) {
      return tf.tidy(() => forwardAll(batch, training) as unknown as tf.TensorContainer) as unknown as ForwardResult;
    },
    loss(batch, targets, kind, opts = {}) {
      if (!LOSS_KINDS.includes(kind)) throw new InputError(`unknown loss "${kind}"; choose one of ${LOSS_KINDS.join(', ')}`);
      return tf.tidy(() => {
        const r = forwardAll(batch, opts.training ?? true);
        const [B, outputs] = r.prediction.shape;
        if (targets.length !== B * outputs) {
          throw new InputError(`targets have ${targets.length} values, expected batch ${B} × ${outputs} outputs = ${B * outputs}`);
        }
        const y = tf.tensor2d(targets, [B, outputs]);
        if (!r.heads) return baseLoss(kind, r.prediction, y);
        // Kendall et al.: Σ_i exp(−2 s_i)·L_i + Σ_i s_i with L_i the base loss of head i.
        return kendallLoss(logStd(outputLayer as MtlLayer), r.heads.map((h) => baseLoss(kind, h, y)));
      });
    },
    mtlWeights() {
      if (outputLayer.kind !== 'mtl') return {};
      const wt = normalisedWeights(logStd(outputLayer));
      const w = wt.dataSync();
      wt.dispose();
      return Object.fromEntries(outputLayer.names.map((n, i) => [n, w[i]!]));
    },
    getWeights() {
      const out: TensorMap = {};
      for (const [name, variable] of variables) out[name] = { shape: [...variable.shape], data: variable.dataSync() as Float32Array };
      return out;
    },
    setWeights(weights, opts = {}) {
      const unknown = Object.keys(weights).filter((n) => !variables.has(n));
      const missing = opts.partial ? [] : [...variables.keys()].filter((n) => !(n in weights));
      const bad = Object.keys(weights)
        .filter((n) => variables.has(n))
        .filter((n) => {
          const w = weights[n]!;
          const shape = variables.get(n)!.shape;
          return JSON.stringify(w.shape) !== JSON.stringify(shape) || w.data.length !== shape.reduce((a, b) => a * b, 1);
        })
        .map((n) => `"${n}": given ${JSON.stringify(weights[n]!.shape)} (${weights[n]!.data.length} values), expected ${JSON.stringify(variables.get(n)!.shape)}`);
      const problems: string[] = [];
      if (unknown.length) problems.push(`unknown weights ${unknown.map((n) => `"${n}"`).join(', ')} (the model has ${[...variables.keys()].join(', ')})`);
      if (missing.length) problems.push(`missing weights ${missing.map((n) => `"${n}"`).join(', ')}`);
      if (bad.length) problems.push(`wrong shapes: ${bad.join('; ')}`);
      if (problems.length) throw new InputError(`setWeights: ${problems.join('; ')}`);
      for (const [name, w] of Object.entries(weights)) {
        const variable = variables.get(name)!;
        tf.tidy(() => variable.assign(tf.tensor(w.data, variable.shape)));
      }
    },
    dispose() {
      for (const variable of variables.values()) variable.dispose();
      variables.clear();
    },
  };
  return model;
}

export type { FusionLayer, LstmLayer, MtlLayer };
