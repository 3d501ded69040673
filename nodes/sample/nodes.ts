import { defineNode } from '../../runtime/contract.js';
import { InputError } from '../../runtime/errors.js';
import type { FrameLabels } from '../values.js';
import { clipPlan, segmentPlan } from './plans.js';

const splitParams = {
  trainSplits: { type: 'array', items: { type: 'string' }, default: ['train'], description: 'splits to train on' },
  selectionSplit: { type: 'string', default: 'val', description: 'split used to pick the best epoch' },
  inferenceSplits: { type: 'array', items: { type: 'string' }, default: ['val', 'test'], description: 'splits to predict' },
};

export const EMI_EMOTIONS = ['Admiration', 'Amusement', 'Determination', 'Empathic Pain', 'Excitement', 'Joy'];

interface ClipParams {
  trainSplits: string[];
  selectionSplit: string;
  inferenceSplits: string[];
  names: string[];
  task: 'regression' | 'binary';
}

export const sampleClips = defineNode<ClipParams>({
  type: 'sample/clips',
  version: '1',
  description: 'One time point per clip (EMI): which clips train, select the best epoch, and get predicted.',
  kind: 'reduce',
  inputs: { labels: { type: 'label/vector' }, split: { type: 'data/split' } },
  outputs: { plan: { type: 'plan/points', singleton: true } },
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...splitParams,
      names: { type: 'array', items: { type: 'string' }, default: EMI_EMOTIONS, description: 'output names' },
      task: { enum: ['regression', 'binary'], default: 'regression' },
    },
  },
  async run(rows, _b, ctx) {
    const p = ctx.params;
    const samples = rows.map((r) => {
      const target = r.inputs['labels'] as Float32Array;
      if (target.length !== p.names.length) {
        throw new InputError(`sample "${r.key}" has ${target.length} labels but ${p.names.length} names are configured`);
      }
      return { key: r.key, split: r.inputs['split'] as string, target };
    });
    const plan = clipPlan(samples, p.names, p.task, p);
    ctx.log.info(plan.describe());
    return { singletons: { plan } };
  },
});

interface SegmentParams {
  trainSplits: string[];
  selectionSplit: string;
  inferenceSplits: string[];
  evalStride: number;
  from: number;
  to: number;
  balance: boolean;
  pointsPerSegment: number;
}

export const sampleSegments = defineNode<SegmentParams>({
  type: 'sample/segments',
  version: '1',
  description: 'Frame-level time points (BAH): segment-balanced for training, every Nth frame for selection, all for inference.',
  docs: `Consecutive frames with equal labels form segments. Each epoch trains on every minority-class segment plus as
many randomly chosen majority segments, at a time point drawn uniformly from \`from\`–\`to\` of each segment (12–88 %);
redrawn every epoch (\`pointsPerSegment\` draws several points per segment, for small data sets). Model selection uses every \`evalStride\`th frame (80) of each segment of the selection split;
inference predicts every frame of the inference splits.`,
  kind: 'reduce',
  inputs: { labels: { type: 'label/frame' }, split: { type: 'data/split' } },
  outputs: { plan: { type: 'plan/points', singleton: true } },
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...splitParams,
      evalStride: { type: 'integer', minimum: 1, default: 80, description: 'selection: every Nth frame of each segment' },
      from: { type: 'number', minimum: 0, maximum: 1, default: 0.12 },
      to: { type: 'number', minimum: 0, maximum: 1, default: 0.88 },
      balance: { type: 'boolean', default: true, description: 'balance minority and majority segments' },
      pointsPerSegment: { type: 'integer', minimum: 1, default: 1, description: 'time points per chosen segment and epoch (paper: 1)' },
    },
  },
  async run(rows, _b, ctx) {
    const samples = rows.map((r) => ({
      key: r.key,
      split: r.inputs['split'] as string,
      labels: (r.inputs['labels'] as FrameLabels).labels,
    }));
    const plan = segmentPlan(samples, ctx.params);
    ctx.log.info(plan.describe());
    return { singletons: { plan } };
  },
});
