/**
 * The perception half as one graph on real short videos (the sample clips: a synthetic talking face with
 * espeak-ng speech): demux → faces → ViT, audio → Whisper ASR → text encoder, audio → wav2vec2 + VAD head.
 * Features have the right shapes, and a second run takes them from the cache without decoding anything.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defineNode } from '../runtime/contract.js';
import type { NodeRegistry } from '../runtime/registry.js';
import type { Features, Transcript } from '../nodes/values.js';
import { createRegistry } from '../src/registry.js';
import { runGraph } from '../src/run.js';
import { repoRoot, tmpDir, writeGraph } from './helpers.js';

const seen = new Map<string, Record<string, unknown>>();
const collect = defineNode({
  type: 'test/collect-features',
  version: '1',
  description: 'records what reaches it',
  kind: 'map',
  sideEffects: true,
  inputs: {
    vision: { type: 'features[T,D]' },
    audio: { type: 'features[T,D]' },
    text: { type: 'features[N,D]' },
    transcript: { type: 'text/transcript' },
    info: { type: 'media/info' },
  },
  outputs: {},
  params: { type: 'object', properties: {} },
  async run(inputs, ctx) {
    seen.set(ctx.key, inputs);
    return {};
  },
});

const models = path.join(repoRoot, 'samples/models');
const hidden = (model: string): number =>
  (JSON.parse(readFileSync(path.join(models, model, 'config.json'), 'utf8')) as { hidden_size: number }).hidden_size;
const graph = {
  name: 'perception',
  nodes: [
    { id: 'data', type: 'dataset/emi', params: { root: path.join(repoRoot, 'samples/emi'), limit: 2, splits: ['train'] } },
    { id: 'demux', type: 'media/demux', in: { file: 'data.video' }, params: { fps: 5 } },
    { id: 'faces', type: 'vision/faces', in: { frames: 'demux.frames' }, params: { detector: 'tiny-face' } },
    { id: 'vit', type: 'encoder/image', in: { frames: 'faces.faces' }, params: { model: path.join(models, 'tiny-vit'), missing: 'skip' } },
    { id: 'asr', type: 'asr/whisper', in: { audio: 'demux.audio' }, params: { model: path.join(models, 'tiny-whisper'), maxNewTokens: 24 } },
    { id: 'segment', type: 'window/first-segment', in: { transcript: 'asr.transcript' } },
    { id: 'gte', type: 'encoder/text', in: { texts: 'segment.texts' }, params: { model: path.join(models, 'tiny-text') } },
    { id: 'wav2vec2', type: 'encoder/audio', in: { audio: 'demux.audio' }, params: { model: path.join(models, 'tiny-wav2vec2'), head: true } },
    {
      id: 'sink',
      type: 'test/collect-features',
      in: { vision: 'vit.features', audio: 'wav2vec2.features', text: 'gte.features', transcript: 'asr.transcript', info: 'demux.info' },
    },
  ],
};

let registry: NodeRegistry;
let dir: string;
beforeAll(() => {
  registry = createRegistry();
  registry.register(collect);
  dir = tmpDir('perception-');
});

describe('perception graph on real short videos', () => {
  it('produces features of the right shapes, then reuses them from the cache', async () => {
    const file = writeGraph(dir, 'perception.json', graph);
    const cache = path.join(dir, 'cache');
    const first = await runGraph(file, { registry, cache, out: path.join(dir, 'run1'), quiet: true });
    expect([...seen.keys()].sort()).toHaveLength(2);
    for (const values of seen.values()) {
      const info = values['info'] as { duration: number; fps: number };
      const vision = values['vision'] as Features;
      const audio = values['audio'] as Features;
      const text = values['text'] as Features;
      const transcript = values['transcript'] as Transcript;
      // Faces at 5 fps: at most one row per sampled frame, nearly all found (the detector sees the synthetic face).
      const frames = Math.round(info.duration * 5);
      expect(vision.dims[0]).toBeGreaterThanOrEqual(frames - 3);
      expect(vision.dims[0]).toBeLessThanOrEqual(frames + 1);
      expect(vision.rate).toBe(5);
      // wav2vec2: one row per 20 ms (conv stack: (N − 400) / 320 + 1), 3 VAD values appended.
      const samples = Math.round(info.duration * 16000);
      expect(Math.abs(audio.dims[0] - (Math.floor((samples - 400) / 320) + 1))).toBeLessThanOrEqual(2);
      expect(audio.rate).toBe(50);
      expect(text.dims[0]).toBe(1);
      expect(audio.dims[1]).toBe(hidden('tiny-wav2vec2') + 3);
      expect(vision.dims[1]).toBe(hidden('tiny-vit'));
      expect(text.dims[1]).toBe(hidden('tiny-text'));
      // The tiny Whisper has random weights: its text is noise, but timed chunks come out.
      expect(transcript.chunks.every((c) => c.end >= c.start)).toBe(true);
    }
    expect(first.counts.find((c) => c.node === 'vit')!.done).toBe(2);

    seen.clear();
    const second = await runGraph(file, { registry, cache, out: path.join(dir, 'run2'), quiet: true });
    const count = (node: string) => second.counts.find((c) => c.node === node);
    for (const node of ['vit', 'asr', 'gte', 'wav2vec2']) expect(count(node)).toMatchObject({ done: 0, cached: 2 });
    // Nothing upstream of the cached encoders ran: no decoding, no face detection.
    expect(count('faces')?.done ?? 0).toBe(0);
    expect(seen.size).toBe(2);
  }, 300_000);
});
