/**
 * Model parts as graph nodes. They are symbolic: while the graph is planned, each one adds its layer to a
 * model description (nodes/learn/model-ir.ts); a training or prediction node receives the description of
 * the part wired into its `model` input, and the streams that feed it.
 */
import { defineNode, Feed } from '../../runtime/contract.js';
import { mergeSpecs, type Layer, type LayerInput, type ModelSpec } from '../learn/model-ir.js';

/** What a layer node's output port carries during planning. */
export interface LayerHandle {
  spec: ModelSpec;
}

export function isLayerHandle(v: unknown): v is LayerHandle {
  return typeof v === 'object' && v !== null && 'spec' in v;
}

/** Turn an input of a layer node (a feed placeholder or another layer's handle) into a layer input. */
function toInput(v: unknown, nodeId: string, port: string): { input: LayerInput; specs: ModelSpec[] } {
  if (v instanceof Feed) return { input: { feed: v.name }, specs: [] };
  if (isLayerHandle(v)) return { input: { layer: v.spec.output }, specs: [v.spec] };
  throw new Error(`node "${nodeId}": input "${port}" must come from a window node or another layer`);
}

function build(layer: Layer, inputs: Array<{ specs: ModelSpec[] }>): { out: LayerHandle } {
  return { out: { spec: mergeSpecs(inputs.flatMap((i) => i.specs), layer) } };
}

export const lstmLayer = defineNode<{ units: number; layers: number }>({
  type: 'layer/lstm',
  version: '1',
  description: 'Stacked LSTM over a window; outputs the top hidden state at each sample’s last real step.',
  kind: 'symbolic',
  inputs: { x: { type: 'tensor[T,D]', description: 'sequence window (zero-padded, true lengths kept)' } },
  outputs: { out: { type: 'tensor[${units}]' } },
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['units'],
    properties: {
      units: { type: 'integer', minimum: 1, description: 'hidden size (paper: audio 1027, vision 768)' },
      layers: { type: 'integer', minimum: 1, default: 2, description: 'stacked layers (paper: 2)' },
    },
  },
  build(inputs, { nodeId, params }) {
    const x = toInput(inputs['x'], nodeId, 'x');
    return build({ kind: 'lstm', id: nodeId, input: x.input, units: params.units, layers: params.layers }, [x]);
  },
});

export const fusionLayer = defineNode<{ hidden: number; outputs: number }>({
  type: 'layer/fusion-mlp',
  version: '1',
  description: 'Fusion head: concatenate inputs in order → Linear → tanh → Linear (no output activation).',
  kind: 'symbolic',
  inputs: { x: { type: 'tensor[D]', many: true, description: 'features to concatenate, in this order' } },
  outputs: { out: { type: 'tensor[${outputs}]' } },
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['outputs'],
    properties: {
      hidden: { type: 'integer', minimum: 1, default: 1027, description: 'hidden width (paper: 1027)' },
      outputs: { type: 'integer', minimum: 1, description: 'EMI: 6 intensities; BAH: 1 logit' },
    },
  },
  build(inputs, { nodeId, params }) {
    const xs = (inputs['x'] as unknown[]).map((v, i) => toInput(v, nodeId, `x[${i}]`));
    return build({ kind: 'fusion', id: nodeId, inputs: xs.map((x) => x.input), hidden: params.hidden, outputs: params.outputs }, xs);
  },
});

interface MtlParams {
  hidden: number;
  outputs: number;
  names?: string[];
  initLogStd?: number[];
}

export const mtlLayer = defineNode<MtlParams>({
  type: 'layer/mtl',
  version: '1',
  description: 'Uncertainty-weighted multi-task fusion: one head per input, learned log-std weights (Kendall).',
  docs: `Each input gets its own head (Linear → tanh → Linear) making a unimodal prediction; a learned log standard
deviation s_i per head weighs its loss (Σ exp(−2 s_i)·loss_i + Σ s_i) and its prediction in the convex combination
Σ w_i·pred_i / Σ w_i, w_i = exp(−2 s_i). Any number of inputs (the released code fixed two). The weights are reported
per epoch. \`names\` label the inputs (default: the source node ids); \`initLogStd\` skews the start (paper §6).`,
  kind: 'symbolic',
  inputs: { x: { type: 'tensor[D]', many: true, description: 'one input per modality' } },
  outputs: { out: { type: 'tensor[${outputs}]' } },
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['outputs'],
    properties: {
      hidden: { type: 'integer', minimum: 1, default: 1027 },
      outputs: { type: 'integer', minimum: 1 },
      names: { type: 'array', items: { type: 'string' }, description: 'a name per input, e.g. ["audio","vision","text"]' },
      initLogStd: { type: 'array', items: { type: 'number' }, description: 'initial log-std per input (default 0)' },
    },
  },
  build(inputs, { nodeId, params }) {
    const raw = inputs['x'] as unknown[];
    const xs = raw.map((v, i) => toInput(v, nodeId, `x[${i}]`));
    const names =
      params.names ??
      xs.map((x) => ('feed' in x.input ? x.input.feed.split('.')[0]!.split('/').pop()! : x.input.layer.split('/').pop()!));
    if (names.length !== xs.length) throw new Error(`node "${nodeId}": ${names.length} names for ${xs.length} inputs`);
    const initLogStd = params.initLogStd ?? names.map(() => 0);
    if (initLogStd.length !== xs.length) {
      throw new Error(`node "${nodeId}": initLogStd has ${initLogStd.length} values for ${xs.length} inputs`);
    }
    return build(
      { kind: 'mtl', id: nodeId, inputs: xs.map((x) => x.input), names, hidden: params.hidden, outputs: params.outputs, initLogStd },
      xs,
    );
  },
});
