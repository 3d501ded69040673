/**
 * Frame arithmetic of wav2vec2's convolutional feature encoder, and chunks of long audio that reproduce the
 * one-pass frame grid exactly: chunk k starts on a frame boundary (a multiple of the total stride), so its
 * frames are frames kF, kF+1, ... of the whole utterance and the total frame count is unchanged.
 */
import { InputError } from '../../runtime/errors.js';

export interface ConvStack {
  kernels: readonly number[];
  strides: readonly number[];
}

/** wav2vec2 / HuBERT default: 7 layers, receptive field 400 samples (25 ms), hop 320 (20 ms → 50 frames/s). */
export const WAV2VEC2_STACK: ConvStack = { kernels: [10, 3, 3, 3, 3, 2, 2], strides: [5, 2, 2, 2, 2, 2, 2] };

export interface FrameGrid {
  /** Samples between frames (product of strides). */
  hop: number;
  /** Samples one frame sees (receptive field). */
  field: number;
}

export function frameGrid(stack: ConvStack): FrameGrid {
  if (stack.kernels.length !== stack.strides.length || stack.kernels.length === 0) {
    throw new InputError(`conv_kernel (${stack.kernels.length}) and conv_stride (${stack.strides.length}) must have the same, non-zero length`);
  }
  let hop = 1;
  let field = 1;
  stack.kernels.forEach((k, i) => {
    field += (k - 1) * hop;
    hop *= stack.strides[i]!;
  });
  return { hop, field };
}

/** Frames the encoder gives for `samples` samples, applying each layer's floor((L − k)/s) + 1. */
export function frameCount(samples: number, stack: ConvStack): number {
  let length = samples;
  stack.kernels.forEach((k, i) => {
    length = length < k ? 0 : Math.floor((length - k) / stack.strides[i]!) + 1;
  });
  return length;
}

export interface AudioChunk {
  /** First sample (a multiple of the hop). */
  start: number;
  end: number;
  /** Index of the chunk's first frame in the whole utterance. */
  firstFrame: number;
  frames: number;
}

/**
 * Split `samples` into chunks of `framesPerChunk` frames (0 = one chunk). Each chunk spans the samples its
 * frames see; together they give exactly the frames of one pass over the whole audio.
 */
export function audioChunks(samples: number, grid: FrameGrid, framesPerChunk: number, total: number): AudioChunk[] {
  if (framesPerChunk <= 0 || framesPerChunk >= total) return [{ start: 0, end: samples, firstFrame: 0, frames: total }];
  const chunks: AudioChunk[] = [];
  for (let first = 0; first < total; first += framesPerChunk) {
    const frames = Math.min(framesPerChunk, total - first);
    const start = first * grid.hop;
    chunks.push({ start, end: Math.min(samples, start + (frames - 1) * grid.hop + grid.field), firstFrame: first, frames });
  }
  return chunks;
}

/** Zero mean, unit variance over the whole utterance: (x − mean) / sqrt(var + 1e−7), as Wav2Vec2FeatureExtractor. */
export function normalizeUtterance(x: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i]!;
  const mean = sum / x.length;
  let sq = 0;
  for (let i = 0; i < x.length; i++) sq += (x[i]! - mean) ** 2;
  const scale = 1 / Math.sqrt(sq / x.length + 1e-7);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i]! - mean) * scale;
  return out;
}
