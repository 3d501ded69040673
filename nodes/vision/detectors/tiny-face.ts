/**
 * The "tiny face detector" of face-api (Tiny-YOLOv2 with depthwise-separable convolutions, 190 kB of
 * uint8-quantised weights; shipped as `model/tiny_face_detector_model*` in the MIT-licensed npm package
 * `@vladmandic/face-api`), run with @tensorflow/tfjs-core on the backend chosen by `selectBackend()`.
 * Only the weight files are used: the network is written here with tfjs-core ops, so neither the package's
 * code nor the full @tensorflow/tfjs is needed. Boxes only, no landmarks.
 *
 * Input: RGB padded to a square at the bottom/right, resized to `inputSize` (a multiple of 32; 416 by
 * default), minus the per-channel mean, / 255, NHWC. Network: conv 3×3 (valid) → leaky ReLU(0.1) →
 * maxpool 2 → 5 × [separable conv 3×3 (pad 1) + bias → leaky → maxpool (stride 2, the last stride 1)] →
 * conv 1×1 → a grid of `inputSize`/32 cells × 5 anchors × (x, y, w, h, score).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../../../runtime/errors.js';
import { selectBackend } from '../../tf/backend.js';
import { toTensor, type RgbImage } from '../image.js';
import { nonMaxSuppression, type DetectorOptions, type FaceDetection, type FaceDetector } from './types.js';

export const TINY_FACE_MANIFEST = 'tiny_face_detector_model-weights_manifest.json';

const MEAN_RGB: [number, number, number] = [117.001, 114.697, 97.404];
const ANCHORS: Array<[number, number]> = [
  [1.603231, 2.094468],
  [6.041143, 7.080126],
  [2.882459, 3.518061],
  [4.266906, 5.178857],
  [9.041765, 10.66308],
];
const BOX_SIZE = 5;

interface ManifestGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

/** Reads a tfjs weights manifest and its binary shards from a folder into named tensors. */
export async function loadWeightMap(dir: string, manifestName: string): Promise<tf.NamedTensorMap> {
  const manifestFile = path.join(dir, manifestName);
  let groups: ManifestGroup[];
  try {
    groups = JSON.parse(await readFile(manifestFile, 'utf8')) as ManifestGroup[];
  } catch (e) {
    throw new InputError(`cannot read the weights manifest (${(e as Error).message})`, { file: manifestFile });
  }
  const map: tf.NamedTensorMap = {};
  for (const g of groups) {
    const shards = await Promise.all(g.paths.map((p) => readFile(path.join(dir, p))));
    const joined = Buffer.concat(shards);
    const buffer = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength);
    Object.assign(map, tf.io.decodeWeights(buffer, g.weights));
  }
  return map;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export class TinyFaceDetector implements FaceDetector {
  readonly name = 'tiny-face';
  private readonly inputSize: number;

  private constructor(
    private readonly w: tf.NamedTensorMap,
    private readonly options: DetectorOptions,
  ) {
    this.inputSize = Math.max(32, Math.round(options.inputSize / 32) * 32);
  }

  /** Loads the weights from face-api's `model/` folder (after selecting the TensorFlow.js backend). */
  static async load(dir: string, options: DetectorOptions, log?: (m: string) => void): Promise<TinyFaceDetector> {
    await selectBackend(undefined, log);
    const weights = await loadWeightMap(dir, TINY_FACE_MANIFEST);
    for (const name of ['conv0/filters', 'conv5/pointwise_filter', 'conv8/filters']) {
      if (!weights[name]) throw new InputError(`weight "${name}" missing: not a tiny face detector model`, { file: dir });
    }
    return new TinyFaceDetector(weights, options);
  }

  private weight<R extends tf.Rank>(name: string): tf.Tensor<R> {
    return this.w[name] as tf.Tensor<R>;
  }

  private forward(x: tf.Tensor4D): tf.Tensor4D {
    const leaky = (t: tf.Tensor4D) => tf.leakyRelu(t, 0.1);
    let out = leaky(tf.add(tf.conv2d(x, this.weight<tf.Rank.R4>('conv0/filters'), 1, 'valid'), this.weight('conv0/bias')));
    out = tf.maxPool(out, 2, 2, 'same');
    for (let i = 1; i <= 5; i++) {
      const padded = tf.pad(out, [[0, 0], [1, 1], [1, 1], [0, 0]]);
      const conv = tf.separableConv2d(padded, this.weight<tf.Rank.R4>(`conv${i}/depthwise_filter`), this.weight<tf.Rank.R4>(`conv${i}/pointwise_filter`), 1, 'valid');
      out = leaky(tf.add(conv, this.weight(`conv${i}/bias`)));
      out = tf.maxPool(out, 2, i < 5 ? 2 : 1, 'same');
    }
    return tf.add(tf.conv2d(out, this.weight<tf.Rank.R4>('conv8/filters'), 1, 'valid'), this.weight('conv8/bias'));
  }

  async detect(image: RgbImage): Promise<FaceDetection[]> {
    // Never enlarge a small frame: upscaling blurs it and costs detections (measured on 320×240 video: 608 finds
    // 65–80 % of the faces that 320 finds). The input stays a multiple of 32.
    const S = Math.min(this.inputSize, Math.max(32, Math.ceil(Math.max(image.width, image.height) / 32) * 32));
    const scale = S / Math.max(image.width, image.height);
    const contentW = Math.max(1, Math.round(image.width * scale));
    const contentH = Math.max(1, Math.round(image.height * scale));
    const data = toTensor(image, S, S, contentW, contentH, { order: 'rgb', mean: MEAN_RGB, std: 255, layout: 'nhwc' });
    const output = tf.tidy(() => this.forward(tf.tensor4d(data, [1, S, S, 3])));
    const values = (await output.data()) as Float32Array;
    output.dispose();
    const cells = output.shape[1];
    const faces: FaceDetection[] = [];
    // Grid units → source pixels: the grid spans the padded square of side max(width, height).
    const unit = Math.max(image.width, image.height) / cells;
    for (let row = 0; row < cells; row++) {
      for (let col = 0; col < cells; col++) {
        for (let a = 0; a < ANCHORS.length; a++) {
          const o = ((row * cells + col) * ANCHORS.length + a) * BOX_SIZE;
          const score = sigmoid(values[o + 4]!);
          if (score < this.options.minScore) continue;
          const cx = (col + sigmoid(values[o]!)) * unit;
          const cy = (row + sigmoid(values[o + 1]!)) * unit;
          const w = Math.exp(values[o + 2]!) * ANCHORS[a]![0] * unit;
          const h = Math.exp(values[o + 3]!) * ANCHORS[a]![1] * unit;
          faces.push({ box: [cx - w / 2, cy - h / 2, w, h], score });
        }
      }
    }
    return nonMaxSuppression(faces, this.options.nmsIou);
  }
}
