import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SeamlessM4TFeatureExtractor } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { fbankConfig, FbankFeatures, fbankFrames, fbankMinSamples, fbankRows, W2V_BERT_FEATURES } from './audio-fbank.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** fixtures/make-fbank-golden.py: Hugging Face's SeamlessM4TFeatureExtractor computation in NumPy (float64). */
const golden = JSON.parse(readFileSync(path.join(here, 'fixtures/fbank-golden.json'), 'utf8')) as {
  samples: number;
  pcm16: string;
  frames: number;
  logMel: string;
  rows: number;
  features: string;
};

function decode<T extends Float32Array | Int16Array>(b64: string, Type: { new (b: ArrayBuffer): T }): T {
  const bytes = Buffer.from(b64, 'base64');
  return new Type(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

const pcm = Float32Array.from(decode(golden.pcm16, Int16Array), (v) => v / 32768);
const { config, layout } = fbankConfig({}, 'preprocessor_config.json');

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

// Tolerance: transformers.js keeps the power spectrum and the mel projection in float32 where the Python
// reference works in float64, so results differ by float32 rounding of values up to ~26 (log-mel of 16-bit
// scaled audio), i.e. ulps of 2e-6 (measured: 1.9e-6). 1e-5 allows for other platforms' FFT/libm rounding
// while any real deviation (window, pre-emphasis, mel scale, ddof, pairing) moves values by 1e-3 or more.
const TOLERANCE = 1e-5;

describe('W2V2-BERT filterbank features', () => {
  it('log-mel frames match Hugging Face (NumPy reference) within float32 rounding', async () => {
    const extractor = new SeamlessM4TFeatureExtractor(config);
    const mel = await extractor._extract_fbank_features(pcm, undefined as unknown as number);
    expect(mel.dims).toEqual([golden.frames, 80]);
    expect(fbankFrames(golden.samples)).toBe(golden.frames);
    expect(maxDiff(mel.data as Float32Array, decode(golden.logMel, Float32Array))).toBeLessThan(TOLERANCE);
  });

  it('rows: per-bin normalised over all frames, pairs stacked, the odd last frame left out', async () => {
    expect(golden.frames % 2).toBe(1);
    const rows = await new FbankFeatures(config, layout).rows(pcm);
    expect(golden.rows).toBe(fbankRows(golden.samples, layout));
    expect(rows.length).toBe(golden.rows * 160);
    expect(maxDiff(rows, decode(golden.features, Float32Array))).toBeLessThan(TOLERANCE);
  });

  it("blocks of frames and the own normalisation reproduce the extractor's one-pass _call", async () => {
    const extractor = new SeamlessM4TFeatureExtractor(config);
    const { input_features, attention_mask } = await extractor._call(pcm, { padding: true, pad_to_multiple_of: 2 });
    // transformers.js pads the odd frame into a last row that its mask marks as padding.
    expect(input_features.dims).toEqual([1, golden.rows + 1, 160]);
    expect(Array.from(attention_mask!.data as BigInt64Array).map(Number)).toEqual([...new Array<number>(golden.rows).fill(1), 0]);
    const reference = (input_features.data as Float32Array).subarray(0, golden.rows * 160);
    // Equal up to 1 ulp: the extractor's float32 mel matmul (onnxruntime) may round a frame differently when a
    // block has another number of frames (measured: 0 or 6e-8).
    for (const block of [7, 58, 59, 3000]) {
      const rows = await new FbankFeatures(config, layout, block).rows(pcm);
      expect(maxDiff(rows, reference), `blocks of ${block} frames`).toBeLessThan(1e-6);
    }
  });

  it('row arithmetic: F = floor((N − 400)/160) + 1 frames, floor(F/2) rows, one row from 560 samples', () => {
    expect(fbankMinSamples(layout)).toBe(560);
    for (const n of [0, 399, 400, 559, 560, 719, 720, 16000, 16001]) {
      const frames = n < 400 ? 0 : Math.floor((n - 400) / 160) + 1;
      expect(fbankFrames(n)).toBe(frames);
      expect(fbankRows(n, layout)).toBe(Math.floor(frames / 2));
    }
  });

  it('config: W2V2-BERT 2.0 defaults; other extractors, rates and strides are errors naming the file', () => {
    expect(config).toEqual(W2V_BERT_FEATURES);
    expect(layout).toEqual({ melBins: 80, stride: 2 });
    expect(fbankConfig({ num_mel_bins: 40 }, 'p.json').layout.melBins).toBe(40);
    expect(() => fbankConfig({ feature_extractor_type: 'Wav2Vec2FeatureExtractor' }, 'p.json')).toThrow(/p\.json: feature_extractor_type is "Wav2Vec2FeatureExtractor"/);
    expect(() => fbankConfig({ sampling_rate: 8000 }, 'p.json')).toThrow(/p\.json: sampling_rate is 8000/);
    expect(() => fbankConfig({ stride: 3 }, 'p.json')).toThrow(/p\.json: stride is 3; only 2/);
    expect(() => fbankConfig({ num_mel_bins: 0 }, 'p.json')).toThrow(/p\.json: field "num_mel_bins" is 0/);
  });
});
