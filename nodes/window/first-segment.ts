import { defineNode } from '../../runtime/contract.js';
import type { Transcript } from '../values.js';

/** EMI text: only the first ASR segment(s) of the clip (the released code uses the first one). */
export const windowFirstSegment = defineNode<{ segments: number }>({
  type: 'window/first-segment',
  version: '1',
  description: 'EMI text: the first transcript segment(s) of a clip, as one text to encode.',
  kind: 'map',
  cacheable: true,
  inputs: { transcript: { type: 'text/transcript' } },
  outputs: { texts: { type: 'text/batch' } },
  params: {
    type: 'object',
    additionalProperties: false,
    properties: { segments: { type: 'integer', minimum: 1, default: 1, description: 'how many leading segments' } },
  },
  async run(inputs, ctx) {
    const t = inputs['transcript'] as Transcript;
    const text = t.chunks.length
      ? t.chunks
          .slice(0, ctx.params.segments)
          .map((c) => c.text.trim())
          .join(' ')
      : t.text.trim();
    return { texts: { texts: [text] } };
  },
});
