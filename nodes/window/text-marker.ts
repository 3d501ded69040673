import { defineNode } from '../../runtime/contract.js';
import { InputError } from '../../runtime/errors.js';
import type { FrameLabels, Transcript } from '../values.js';
import { frameTextWindows } from './text-windows.js';

interface Params {
  radiusSeconds: number;
  marker: string;
}

export const windowTextMarker = defineNode<Params>({
  type: 'window/text-marker',
  version: '1',
  description: 'BAH text windows: words within ±radius of each frame with a marker token at the frame’s position.',
  docs: `For every frame of a sample, the transcript words whose midpoint lies within ±\`radiusSeconds\` (paper: 20 s
windows, so 10 s) with \`marker\` inserted before the first word not yet finished at the frame's time (start of the
next chunk in a gap, appended after the last word, alone when no word is near). Distinct texts are listed once; the
\`index\` maps each frame to its text, so the text encoder runs once per distinct window.`,
  kind: 'map',
  cacheable: true,
  inputs: {
    transcript: { type: 'text/transcript' },
    labels: { type: 'label/frame', description: 'frame labels: give the frame count and rate' },
  },
  outputs: { texts: { type: 'text/batch' } },
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      radiusSeconds: { type: 'number', exclusiveMinimum: 0, default: 10, description: 'half window (10 s = 20 s window)' },
      marker: { type: 'string', minLength: 1, default: '[ATTENTION]', description: 'token marking the time point' },
    },
  },
  async run(inputs, ctx) {
    const transcript = inputs['transcript'] as Transcript;
    const labels = inputs['labels'] as FrameLabels;
    if (!transcript || !Array.isArray(transcript.words)) throw new InputError('transcript has no word list');
    return {
      texts: frameTextWindows(transcript.words, labels.labels.length, labels.fps, ctx.params.radiusSeconds, ctx.params.marker),
    };
  },
});
