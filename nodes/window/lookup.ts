import { defineNode } from '../../runtime/contract.js';
import { InputError } from '../../runtime/errors.js';
import { featureRow, type Features } from '../values.js';
import type { VectorWindow } from './windows.js';

/** The feature row of a time point: `index[t]` when the features carry an index (BAH text), else row 0. */
export function lookupWindow(features: Features): VectorWindow {
  const [rows, dim] = features.dims;
  if (rows === 0) throw new InputError('no feature rows to look up');
  const index = features.index;
  return {
    kind: 'vector',
    dim,
    at(t: number) {
      if (!index) return featureRow(features, 0);
      const i = Math.min(Math.max(0, t), index.length - 1);
      return featureRow(features, index[i]!);
    },
  };
}

export const windowLookup = defineNode({
  type: 'window/lookup',
  version: '1',
  description: 'Per-time-point vector: the feature row a time point maps to (text features) or the only row.',
  kind: 'map',
  inputs: { features: { type: 'features[N,D]', description: 'rows, optionally with a time-step index' } },
  outputs: { window: { type: 'tensor[D]', description: 'vector provider for each time point' } },
  params: { type: 'object', additionalProperties: false, properties: {} },
  async run(inputs) {
    return { window: lookupWindow(inputs['features'] as Features) };
  },
});
