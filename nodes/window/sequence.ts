import { defineNode } from '../../runtime/contract.js';
import { InputError } from '../../runtime/errors.js';
import type { Features } from '../values.js';
import {
  contiguousRows,
  evenlySpacedRows,
  firstRows,
  gatherRows,
  rowAt,
  type SequenceWindow,
} from './windows.js';

export interface SequenceWindowParams {
  mode: 'first' | 'centered';
  maxLength?: number;
  seconds?: number;
  radiusSeconds?: number;
  samples?: number;
  pointRate: number;
}

/** Build the provider; exported for tests and for nodes that window in-process. */
export function sequenceWindow(features: Features, p: SequenceWindowParams): SequenceWindow {
  const [total, dim] = features.dims;
  const rate = features.rate;
  if (p.mode === 'first') {
    const maxLength = p.maxLength ?? (p.seconds !== undefined && rate ? Math.round(p.seconds * rate) : undefined);
    if (maxLength === undefined) {
      throw new InputError('mode "first" needs maxLength, or seconds with features that have a rate');
    }
    const rows = gatherRows(features.data, dim, firstRows(total, maxLength));
    const window = { rows, length: rows.length / dim };
    return { kind: 'sequence', dim, maxLength, at: () => window };
  }
  if (!rate) throw new InputError('mode "centered" needs features with a rate (rows per second)');
  if (p.radiusSeconds === undefined) throw new InputError('mode "centered" needs radiusSeconds');
  const radius = Math.round(p.radiusSeconds * rate);
  const samples = p.samples;
  const maxLength = samples ?? 2 * radius;
  return {
    kind: 'sequence',
    dim,
    maxLength,
    at(t: number) {
      const center = Math.min(total - 1, rowAt(t, p.pointRate, rate));
      const rows = samples ? evenlySpacedRows(total, center, radius, samples) : contiguousRows(total, center, radius);
      return { rows: gatherRows(features.data, dim, rows), length: rows.length };
    },
  };
}

export const windowSequence = defineNode<SequenceWindowParams>({
  type: 'window/sequence',
  version: '1',
  description: 'Per-time-point sequence window over a feature sequence (first N rows, or centred on the point).',
  docs: `Two modes, as the paper uses them:

- \`first\`: the same window for every point: the first \`maxLength\` rows (or \`seconds\` × feature rate), e.g. EMI audio
  = first 12 s, EMI vision = first 400 frames. Shorter sequences are zero-padded by the batcher and their true length kept.
- \`centered\`: around the point t. With \`samples\`, that many rows evenly spaced over ±\`radiusSeconds\` (BAH vision:
  400 frames over ±240 frames = ±10 s at 24 fps; a video shorter than 400 frames is used whole, not centred). Without
  \`samples\`, the contiguous rows within ±\`radiusSeconds\`, clipped at the ends (BAH audio: ±6 s).

Points are label frames at \`pointRate\` per second (24 for BAH); feature rows are mapped by the features' own rate.`,
  kind: 'map',
  inputs: { features: { type: 'features[T,D]', description: 'per-sample feature sequence with a rate' } },
  outputs: { window: { type: 'tensor[L,D]', description: 'window provider for each time point' } },
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['mode'],
    properties: {
      mode: { enum: ['first', 'centered'], description: 'first rows, or centred on the time point' },
      maxLength: { type: 'integer', minimum: 1, description: 'first: number of rows (e.g. 400 frames)' },
      seconds: { type: 'number', exclusiveMinimum: 0, description: 'first: seconds of rows (e.g. 12 s of audio)' },
      radiusSeconds: { type: 'number', exclusiveMinimum: 0, description: 'centered: half width in seconds' },
      samples: { type: 'integer', minimum: 1, description: 'centered: rows evenly spaced over the window (e.g. 400)' },
      pointRate: { type: 'number', exclusiveMinimum: 0, default: 24, description: 'time points per second (label fps)' },
    },
  },
  async run(inputs, ctx) {
    const features = inputs['features'] as Features;
    if (!features || !Array.isArray(features.dims) || !(features.data instanceof Float32Array)) {
      throw new InputError(`input "features" is not a feature matrix (got ${typeof features})`);
    }
    if (features.dims[0] === 0) ctx.skip('no feature rows (e.g. no face found in any frame)');
    return { window: sequenceWindow(features, ctx.params) };
  },
});
