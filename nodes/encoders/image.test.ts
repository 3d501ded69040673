import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { floatTensor, openOnnx, type OnnxModel } from '../models/onnx.js';
import { readJsonObject } from '../models/files.js';
import { runNode, tinyModelDir } from '../models/test-support.js';
import type { FaceFrame, FaceStream, Features, Frame, FrameStream } from '../values.js';
import { imageEncoder, type ImageEncoderParams } from './image.js';
import { imagePreprocessing, preprocessImage, resizeRgb, type RgbImage } from './image-preprocess.js';

const tinyVit = tinyModelDir('tiny-vit');
const prep = imagePreprocessing(readJsonObject(path.join(tinyVit, 'preprocessor_config.json')), 'preprocessor_config.json');

/** A deterministic face crop: gradients and a moving square, different per frame. */
function crop(i: number, size = 256): RgbImage {
  const rgb = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const j = (y * size + x) * 3;
      const inSquare = Math.abs(x - ((40 + i * 17) % size)) < 30 && Math.abs(y - 128) < 30;
      rgb[j] = (x + i * 9) & 255;
      rgb[j + 1] = inSquare ? 250 : (y * 2) & 255;
      rgb[j + 2] = ((x ^ y) + i * 31) & 255;
    }
  }
  return { width: size, height: size, rgb };
}

/** Faces at 5 fps; frames listed in `noFace` have none. */
function faces(n: number, noFace: number[] = []): FaceStream {
  async function* frames(): AsyncGenerator<FaceFrame> {
    for (let i = 0; i < n; i++) {
      const time = i / 5;
      if (noFace.includes(i)) yield { index: i, time, found: false };
      else yield { index: i, time, found: true, box: [10, 10, 256, 256], score: 0.9, crop: crop(i) };
    }
  }
  return { fps: 5, count: n, frames: frames() };
}

function videoFrames(n: number, width: number, height: number): FrameStream {
  async function* frames(): AsyncGenerator<Frame> {
    for (let i = 0; i < n; i++) {
      const rgb = new Uint8Array(width * height * 3).map((_, j) => (j * 7 + i * 13) & 255);
      yield { index: i, time: i / 24, width, height, rgb };
    }
  }
  return { fps: 24, width, height, count: n, frames: frames() };
}

async function encode(stream: FaceStream | FrameStream, params: Partial<ImageEncoderParams> = {}, type = 'video/faces'): Promise<Features> {
  const { outputs } = await runNode(imageEncoder, { params: { model: tinyVit, ...params }, samples: { v: { frames: stream } }, feedTypes: { frames: type } });
  return outputs.get('v')!['features'] as Features;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

let model: OnnxModel;
beforeAll(async () => {
  model = await openOnnx(path.join(tinyVit, 'model.onnx'), { threads: 1 });
});

/** The model's tokens for one image, straight from onnxruntime. */
async function tokens(img: RgbImage): Promise<{ data: Float32Array; tokens: number; dim: number }> {
  const px = new Float32Array(3 * 224 * 224);
  preprocessImage(img, prep, px);
  const t = (await model.run({ pixel_values: floatTensor(px, [1, 3, 224, 224]) }))['last_hidden_state']!;
  return { data: t.data as Float32Array, tokens: t.dims[1]!, dim: t.dims[2]! };
}

describe('encoder/image', () => {
  it('gives one row per frame at the stream rate, mean-pooled over all 257 tokens', async () => {
    const f = await encode(faces(6), { batchSize: 4 });
    expect(f.dims).toEqual([6, 32]);
    expect(f.rate).toBe(5);
    const t = await tokens(crop(2));
    expect(t.tokens).toBe(257);
    const mean = new Float32Array(t.dim);
    for (let k = 0; k < t.tokens; k++) for (let d = 0; d < t.dim; d++) mean[d]! += t.data[k * t.dim + d]! / t.tokens;
    expect(maxDiff(f.data.subarray(2 * 32, 3 * 32), mean)).toBeLessThan(1e-5);
  });

  it('cls pooling takes token 0', async () => {
    const f = await encode(faces(3), { pooling: 'cls' });
    const t = await tokens(crop(1));
    expect(maxDiff(f.data.subarray(32, 64), t.data.subarray(0, 32))).toBeLessThan(1e-5);
  });

  it('a batch of N equals N singles', async () => {
    const one = await encode(faces(7), { batchSize: 1 });
    const many = await encode(faces(7), { batchSize: 5 });
    expect(maxDiff(one.data, many.data)).toBeLessThan(1e-5);
  });

  it('frames without a face are skipped, or become zero rows in place', async () => {
    const noFace = [0, 3, 4];
    const skipped = await encode(faces(7, noFace), { missing: 'skip', batchSize: 3 });
    const zeroed = await encode(faces(7, noFace), { missing: 'zero', batchSize: 3 });
    const all = await encode(faces(7), { batchSize: 3 });
    expect(skipped.dims).toEqual([4, 32]);
    expect(zeroed.dims).toEqual([7, 32]);
    const kept = [1, 2, 5, 6];
    kept.forEach((frame, r) => {
      expect(maxDiff(skipped.data.subarray(r * 32, (r + 1) * 32), all.data.subarray(frame * 32, (frame + 1) * 32))).toBeLessThan(1e-5);
      expect(maxDiff(zeroed.data.subarray(frame * 32, (frame + 1) * 32), all.data.subarray(frame * 32, (frame + 1) * 32))).toBeLessThan(1e-5);
    });
    for (const frame of noFace) expect(zeroed.data.subarray(frame * 32, (frame + 1) * 32).every((v) => v === 0)).toBe(true);
  });

  it('a stream with no face at all still has the model width', async () => {
    expect((await encode(faces(3, [0, 1, 2]), { missing: 'skip' })).dims).toEqual([0, 32]);
    expect((await encode(faces(2, [0, 1]), { missing: 'zero' })).dims).toEqual([2, 32]);
  });

  it('encodes plain video frames of another size (resized to 224)', async () => {
    const f = await encode(videoFrames(3, 320, 240), {}, 'video/frames');
    expect(f.dims).toEqual([3, 32]);
    expect(f.rate).toBe(24);
  });

  it('a malformed frame is an error naming the frame', async () => {
    async function* frames(): AsyncGenerator<FaceFrame> {
      yield { index: 0, time: 0, found: true, crop: crop(0) };
      yield { index: 1, time: 0.2, found: true, crop: { width: 10, height: 10, rgb: new Uint8Array(5) } };
    }
    await expect(encode({ fps: 5, frames: frames() })).rejects.toThrow(/frame 1 \(0\.200 s\): image of 10×10 has 5 bytes/);
  });

  it('requires() lists the ONNX file and the preprocessor config', async () => {
    const base = { revision: 'main', threads: 0, pooling: 'mean' as const, batchSize: 8, missing: 'skip' as const };
    const [ok] = await imageEncoder.requires!({ ...base, model: tinyVit }, '/x/g.json');
    expect(ok!.present).toBe(true);
    const [missing] = await imageEncoder.requires!({ ...base, model: '/nonexistent/vit' }, '/x/g.json');
    expect(missing).toMatchObject({ present: false, missing: ['model.onnx (or onnx/model.onnx)', 'preprocessor_config.json'] });
  });
});

describe('image preprocessing (as HF ViTImageProcessor with PIL)', () => {
  it('reads size, rescale and normalisation from preprocessor_config.json', () => {
    expect(prep).toMatchObject({ width: 224, height: 224, resample: 2, normalize: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } });
    const img: RgbImage = { width: 224, height: 224, rgb: new Uint8Array(224 * 224 * 3) };
    img.rgb.fill(255, 0, 3);
    const out = new Float32Array(3 * 224 * 224);
    preprocessImage(img, prep, out);
    expect(out[0]).toBeCloseTo(1, 6); // (255/255 - 0.5) / 0.5
    expect(out[1]).toBeCloseTo(-1, 6); // (0 - 0.5) / 0.5
  });

  it('shrinks with an antialiasing triangle filter like PIL (hand-computed 4 → 2)', () => {
    // PIL bilinear 4 → 2: support 2 px; output 0 weighs inputs 0,1,2 by .75,.75,.25 (normalised), output 1
    // weighs inputs 1,2,3 by .25,.75,.75; 8-bit fixed point, rounded.
    const row = [0, 100, 200, 255];
    const img: RgbImage = { width: 4, height: 1, rgb: Uint8Array.from(row.flatMap((v) => [v, v, v])) };
    const out = resizeRgb(img, 2, 1, 2);
    expect(out.rgb[0]).toBe(Math.round((0.75 * 0 + 0.75 * 100 + 0.25 * 200) / 1.75));
    expect(out.rgb[3]).toBe(Math.round((0.25 * 100 + 0.75 * 200 + 0.75 * 255) / 1.75));
  });

  it('agrees with torch antialiased interpolation (built to match Pillow) within one grey level', () => {
    // Fixture: nodes/encoders/fixtures/make-resize-golden.py (torch keeps floats, Pillow and we round per pass).
    const cases = JSON.parse(readFileSync(path.join(import.meta.dirname, 'fixtures/resize-golden.json'), 'utf8')) as Array<{
      width: number;
      height: number;
      outWidth: number;
      outHeight: number;
      filter: 2 | 3;
      rgb: number[];
      expected: number[];
    }>;
    expect(cases.length).toBe(5);
    for (const c of cases) {
      const out = resizeRgb({ width: c.width, height: c.height, rgb: Uint8Array.from(c.rgb) }, c.outWidth, c.outHeight, c.filter);
      expect(out.rgb.length).toBe(c.expected.length);
      let worst = 0;
      out.rgb.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - c.expected[i]!))));
      expect(worst, `${c.width}×${c.height} → ${c.outWidth}×${c.outHeight}`).toBeLessThanOrEqual(1 + 1e-3);
    }
  });

  it('keeps a constant image constant and an image of the right size unchanged', () => {
    const flat: RgbImage = { width: 256, height: 256, rgb: new Uint8Array(256 * 256 * 3).fill(77) };
    for (const filter of [2, 3] as const) expect(resizeRgb(flat, 224, 224, filter).rgb.every((v) => v === 77)).toBe(true);
    const img = crop(3, 224);
    expect(resizeRgb(img, 224, 224).rgb).toEqual(img.rgb);
  });

  it('supports shortest-edge resize with a centre crop (CLIP-style processors)', () => {
    const p = imagePreprocessing(
      { do_resize: true, size: { shortest_edge: 8 }, do_center_crop: true, crop_size: { height: 8, width: 8 }, resample: 3, image_mean: [0, 0, 0], image_std: [1, 1, 1] },
      'p.json',
    );
    const img: RgbImage = { width: 32, height: 16, rgb: new Uint8Array(32 * 16 * 3).fill(51) };
    const out = new Float32Array(3 * 8 * 8);
    preprocessImage(img, p, out);
    expect(out.every((v) => Math.abs(v - 0.2) < 1e-6)).toBe(true);
    expect(() => imagePreprocessing({ resample: 0, size: 224 }, 'p.json')).toThrow(/resample 0 is not supported/);
  });
});
