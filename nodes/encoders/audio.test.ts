import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildW2vBertEncoder } from '../../scripts/onnx/tiny-models.js';
import { floatTensor, int64Tensor, openOnnx, type OnnxModel } from '../models/onnx.js';
import { runNode, syntheticPcm, tinyModelDir } from '../models/test-support.js';
import type { AudioPcm, Features } from '../values.js';
import { audioEncoder, type AudioEncoderParams } from './audio.js';
import { fbankConfig, FbankFeatures } from './audio-fbank.js';
import { audioChunks, frameCount, frameGrid, normalizeUtterance, rowChunks, WAV2VEC2_STACK } from './audio-frames.js';

const tinyW2v = tinyModelDir('tiny-wav2vec2');
const tinyW2vBert = tinyModelDir('tiny-w2v2-bert');
const tinyWavLm = tinyModelDir('tiny-wavlm');

async function encodeMany(samples: Record<string, AudioPcm>, params: Partial<AudioEncoderParams> = {}): Promise<Map<string, Features>> {
  const { outputs } = await runNode(audioEncoder, {
    params: { model: tinyW2v, ...params },
    samples: Object.fromEntries(Object.entries(samples).map(([k, audio]) => [k, { audio }])),
  });
  return new Map([...outputs].map(([k, o]) => [k, o['features'] as Features]));
}

/** A copy of a tiny model folder with some files replaced (name → content). */
function variantOf(dir: string, files: Record<string, string | Uint8Array>): string {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'audio-model-')), path.basename(dir));
  cpSync(dir, out, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(out, name), content);
  return out;
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

/** W2V2-BERT rows per sample count: F = floor((N − 400)/160) + 1 log-mel frames, pairs of them. */
const w2vBertRows = (n: number) => Math.floor((Math.floor((n - 400) / 160) + 1) / 2);

describe('encoder/audio with a W2V2-BERT export (input_features)', () => {
  let model: OnnxModel;
  const { config, layout } = fbankConfig({}, 'preprocessor_config.json');
  const fbank = new FbankFeatures(config, layout);
  beforeAll(async () => {
    model = await openOnnx(path.join(tinyW2vBert, 'model.onnx'), { threads: 1 });
  });
  /** The model on rows [first, first + count) of the utterance's features, mask all ones. */
  async function direct(rows: Float32Array, first: number, count: number): Promise<Float32Array> {
    const out = await model.run({
      input_features: floatTensor(rows.subarray(first * 160, (first + count) * 160), [1, count, 160]),
      attention_mask: int64Tensor(new Array<number>(count).fill(1), [1, count]),
    });
    return out['last_hidden_state']!.data as Float32Array;
  }

  it('gives exactly floor(F/2) rows at 50 per second for any length', async () => {
    const lengths = [560, 719, 720, 880, 12345, 16000, 16001];
    const out = await encodeMany(Object.fromEntries(lengths.map((n) => [`n${n}`, { sampleRate: 16000, samples: syntheticPcm(1.1).samples.slice(0, n) }])), {
      model: tinyW2vBert,
    });
    for (const n of lengths) {
      const f = out.get(`n${n}`)!;
      expect(f.dims, `${n} samples`).toEqual([w2vBertRows(n), 32]);
      expect(f.rate).toBe(50);
    }
  });

  it('feeds SeamlessM4T features of the whole utterance and an all-ones attention mask', async () => {
    const audio = syntheticPcm(1.37);
    const f = await encode(audio, { model: tinyW2vBert });
    const rows = await fbank.rows(audio.samples);
    const T = w2vBertRows(audio.samples.length);
    expect(maxDiff(f.data, await direct(rows, 0, T))).toBeLessThan(1e-5);
    // The features are normalised per mel bin: the encoding does not depend on the gain.
    const louder = { sampleRate: 16000 as const, samples: audio.samples.map((v) => 4 * v) };
    expect(maxDiff((await encode(louder, { model: tinyW2vBert })).data, f.data)).toBeLessThan(1e-3);
  });

  it('chunked long audio keeps the one-pass row grid; each chunk is the model on its slice of the rows', async () => {
    const audio = syntheticPcm(3.3);
    const onePass = await encode(audio, { model: tinyW2vBert, chunkSeconds: 0 });
    expect(maxDiff((await encode(audio, { model: tinyW2vBert, chunkSeconds: 30 })).data, onePass.data)).toBe(0);
    const chunked = await encode(audio, { model: tinyW2vBert, chunkSeconds: 1 });
    expect(chunked.dims).toEqual(onePass.dims);
    const rows = await fbank.rows(audio.samples);
    const chunks = rowChunks(onePass.dims[0], 50);
    expect(chunks.length).toBe(4);
    for (const c of chunks) {
      const expected = await direct(rows, c.firstFrame, c.frames);
      expect(maxDiff(chunked.data.subarray(c.firstFrame * 32, (c.firstFrame + c.frames) * 32), expected)).toBeLessThan(1e-5);
    }
    // The model mixes rows with the utterance mean (as attention does), so chunks differ from one pass.
    expect(maxDiff(chunked.data, onePass.data)).toBeGreaterThan(1e-4);
  });

  it('a model without attention_mask gets input_features alone', async () => {
    const noMask = variantOf(tinyW2vBert, { 'model.onnx': buildW2vBertEncoder({ hidden: 8, featureSize: 160, seed: 5, attentionMask: false }) });
    const audio = syntheticPcm(0.5);
    const f = await encode(audio, { model: noMask });
    expect(f.dims).toEqual([w2vBertRows(audio.samples.length), 8]);
    const bare = await openOnnx(path.join(noMask, 'model.onnx'), { threads: 1 });
    const rows = await fbank.rows(audio.samples);
    const out = await bare.run({ input_features: floatTensor(rows, [1, rows.length / 160, 160]) });
    expect(maxDiff(f.data, out['last_hidden_state']!.data as Float32Array)).toBeLessThan(1e-5);
  });

  it('too-short audio, a wrong feature extractor or a row width the model does not take are clear errors', async () => {
    await expect(encode({ sampleRate: 16000, samples: new Float32Array(559) }, { model: tinyW2vBert })).rejects.toThrow(
      /audio has 559 samples.*at least 560 \(35 ms\)/,
    );
    const wrongType = variantOf(tinyW2vBert, { 'preprocessor_config.json': JSON.stringify({ feature_extractor_type: 'Wav2Vec2FeatureExtractor' }) });
    await expect(encode(syntheticPcm(0.2), { model: wrongType })).rejects.toThrow(/preprocessor_config\.json: feature_extractor_type is "Wav2Vec2FeatureExtractor"/);
    const narrow = variantOf(tinyW2vBert, { 'preprocessor_config.json': JSON.stringify({ num_mel_bins: 40 }) });
    await expect(encode(syntheticPcm(0.2), { model: narrow })).rejects.toThrow(/takes input_features rows of 160 values, but .*gives 80/);
  });

  it('head: true without head.onnx says the head is audeering\'s and to set head: false', async () => {
    await expect(encode(syntheticPcm(0.2), { model: tinyW2vBert, head: true })).rejects.toThrow(
      /is missing head\.onnx[\s\S]*other encoders need head: false, graph param audioHead: false/,
    );
  });
});

describe('encoder/audio with a WavLM export (input_values, no head)', () => {
  it('encodes like wav2vec2: T = floor((N − 400)/320) + 1 frames of the backbone on the normalised waveform', async () => {
    const audio = syntheticPcm(1.3);
    const f = await encode(audio, { model: tinyWavLm });
    expect(f.dims).toEqual([Math.floor((audio.samples.length - 400) / 320) + 1, 32]);
    const wavlm = await openOnnx(path.join(tinyWavLm, 'model.onnx'), { threads: 1 });
    const x = normalizeUtterance(audio.samples);
    const out = await wavlm.run({ input_values: floatTensor(x, [1, x.length]) });
    expect(maxDiff(f.data, out['last_hidden_state']!.data as Float32Array)).toBeLessThan(1e-5);
    // Another model: other weights, other features.
    expect(maxDiff(f.data, (await encode(audio)).data)).toBeGreaterThan(1e-2);
  });

  it('head: true is a clear error (no head.onnx)', async () => {
    await expect(encode(syntheticPcm(0.2), { model: tinyWavLm, head: true })).rejects.toThrow(/audio encoder .*tiny-wavlm.* is missing head\.onnx/);
  });
});
