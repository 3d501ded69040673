import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { floatTensor, openOnnx, type OnnxModel } from '../models/onnx.js';
import { runNode, syntheticPcm, tinyModelDir } from '../models/test-support.js';
import type { AudioPcm, Features } from '../values.js';
import { audioEncoder, type AudioEncoderParams } from './audio.js';
import { audioChunks, frameCount, frameGrid, normalizeUtterance, WAV2VEC2_STACK } from './audio-frames.js';

const tinyW2v = tinyModelDir('tiny-wav2vec2');

async function encodeMany(samples: Record<string, AudioPcm>, params: Partial<AudioEncoderParams> = {}): Promise<Map<string, Features>> {
  const { outputs } = await runNode(audioEncoder, {
    params: { model: tinyW2v, ...params },
    samples: Object.fromEntries(Object.entries(samples).map(([k, audio]) => [k, { audio }])),
  });
  return new Map([...outputs].map(([k, o]) => [k, o['features'] as Features]));
}

async function encode(audio: AudioPcm, params: Partial<AudioEncoderParams> = {}): Promise<Features> {
  return (await encodeMany({ a: audio }, params)).get('a')!;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

let backbone: OnnxModel;
let head: OnnxModel;
beforeAll(async () => {
  backbone = await openOnnx(path.join(tinyW2v, 'model.onnx'), { threads: 1 });
  head = await openOnnx(path.join(tinyW2v, 'head.onnx'), { threads: 1 });
});

async function direct(samples: Float32Array): Promise<Float32Array> {
  const out = await backbone.run({ input_values: floatTensor(samples, [1, samples.length]) });
  return out['last_hidden_state']!.data as Float32Array;
}

describe('wav2vec2 frame arithmetic', () => {
  it('matches the real conv stack: T = floor((N - 400) / 320) + 1, hop 320, field 400', () => {
    expect(frameGrid(WAV2VEC2_STACK)).toEqual({ hop: 320, field: 400 });
    for (const n of [0, 399, 400, 719, 720, 16000, 192000, 192399]) {
      expect(frameCount(n, WAV2VEC2_STACK)).toBe(n < 400 ? 0 : Math.floor((n - 400) / 320) + 1);
    }
  });

  it('chunks tile the one-pass frame grid exactly', () => {
    const grid = frameGrid(WAV2VEC2_STACK);
    for (const n of [16000, 50000, 50399, 50400]) {
      const total = frameCount(n, WAV2VEC2_STACK);
      const chunks = audioChunks(n, grid, 50, total);
      expect(chunks.reduce((s, c) => s + c.frames, 0)).toBe(total);
      for (const c of chunks) {
        expect(c.start).toBe(c.firstFrame * 320);
        expect(frameCount(c.end - c.start, WAV2VEC2_STACK)).toBe(c.frames);
      }
    }
  });
});

describe('encoder/audio', () => {
  it('gives exactly T = floor((N - 400)/320) + 1 frames at 50 frames/s for any length', async () => {
    const lengths = [400, 719, 720, 16000, 16001, 12345];
    const out = await encodeMany(Object.fromEntries(lengths.map((n) => [`n${n}`, { sampleRate: 16000, samples: syntheticPcm(1).samples.slice(0, n) }])));
    for (const n of lengths) {
      const f = out.get(`n${n}`)!;
      expect(f.dims).toEqual([Math.floor((n - 400) / 320) + 1, 32]);
      expect(f.rate).toBe(50);
    }
  });

  it('normalises per utterance: equal to the model on (x - mean)/sqrt(var + 1e-7), invariant to gain and offset', async () => {
    const audio = syntheticPcm(1.3);
    const f = await encode(audio);
    expect(maxDiff(f.data, await direct(normalizeUtterance(audio.samples)))).toBeLessThan(1e-5);
    const louder = { sampleRate: 16000 as const, samples: audio.samples.map((v) => 3 * v + 0.2) };
    expect(maxDiff((await encode(louder)).data, f.data)).toBeLessThan(1e-4);
  });

  it('appends the regression head per frame (arousal, dominance, valence) after the hidden states', async () => {
    const audio = syntheticPcm(0.8);
    const plain = await encode(audio);
    const withHead = await encode(audio, { head: true });
    const [T, D] = plain.dims;
    expect(withHead.dims).toEqual([T, D + 3]);
    const vad = (await head.run({ hidden_states: floatTensor(plain.data, [T, D]) }))['logits']!.data as Float32Array;
    for (let t = 0; t < T; t++) {
      const row = withHead.data.subarray(t * (D + 3), (t + 1) * (D + 3));
      expect(maxDiff(row.subarray(0, D), plain.data.subarray(t * D, (t + 1) * D))).toBe(0);
      expect(maxDiff(row.subarray(D), vad.subarray(t * 3, t * 3 + 3))).toBeLessThan(1e-5);
    }
  });

  it('chunked long audio keeps the one-pass frame grid; each chunk is the model on its own span', async () => {
    const audio = syntheticPcm(3.3);
    const onePass = await encode(audio, { chunkSeconds: 0 });
    const fitsInOne = await encode(audio, { chunkSeconds: 30 });
    expect(maxDiff(fitsInOne.data, onePass.data)).toBe(0);
    const chunked = await encode(audio, { chunkSeconds: 1 });
    expect(chunked.dims).toEqual(onePass.dims);
    const x = normalizeUtterance(audio.samples);
    const D = 32;
    for (const c of audioChunks(x.length, { hop: 320, field: 400 }, 50, onePass.dims[0])) {
      const expected = await direct(x.subarray(c.start, c.end));
      expect(maxDiff(chunked.data.subarray(c.firstFrame * D, (c.firstFrame + c.frames) * D), expected)).toBeLessThan(1e-5);
    }
    // The tiny model mixes frames with the utterance mean (as attention does), so chunks do differ from one pass.
    expect(maxDiff(chunked.data, onePass.data)).toBeGreaterThan(1e-4);
  });

  it('empty or too-short audio is a clear error', async () => {
    await expect(encode({ sampleRate: 16000, samples: new Float32Array(0) })).rejects.toThrow(/audio has 0 samples.*at least 400 \(25 ms\)/);
    await expect(encode({ sampleRate: 16000, samples: new Float32Array(399) })).rejects.toThrow(/audio has 399 samples/);
  });

  it('requires() asks for head.onnx only with head: true', async () => {
    const base = { revision: 'main', threads: 0, chunkSeconds: 30 };
    const [plain] = await audioEncoder.requires!({ ...base, head: false, model: '/none/w2v' }, '/g.json');
    expect(plain!.missing).toEqual(['model.onnx (or onnx/model.onnx)']);
    const [withHead] = await audioEncoder.requires!({ ...base, head: true, model: '/none/w2v' }, '/g.json');
    expect(withHead!.missing).toEqual(['model.onnx (or onnx/model.onnx)', 'head.onnx']);
    expect(withHead!.hint).toMatch(/head\.onnx/);
    const [ok] = await audioEncoder.requires!({ ...base, head: true, model: tinyW2v }, '/g.json');
    expect(ok!.present).toBe(true);
  });
});
