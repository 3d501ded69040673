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

/** A run of output frames (rows): frames firstFrame … firstFrame + frames − 1 of the whole utterance. */
export interface FrameChunk {
  firstFrame: number;
  frames: number;
}

export interface AudioChunk extends FrameChunk {
  /** First sample (a multiple of the hop). */
  start: number;
  end: number;
}

/** Split `total` frames into runs of `framesPerChunk` (0, or at least `total`: one run). */
export function rowChunks(total: number, framesPerChunk: number): FrameChunk[] {
  if (framesPerChunk <= 0 || framesPerChunk >= total) return [{ firstFrame: 0, frames: total }];
  const chunks: FrameChunk[] = [];
  for (let first = 0; first < total; first += framesPerChunk) chunks.push({ firstFrame: first, frames: Math.min(framesPerChunk, total - first) });
  return chunks;
}

/** The samples a run of frames sees: from its first frame's start to its last frame's end (within the audio). */
export function sampleSpan(chunk: FrameChunk, grid: FrameGrid, samples: number): { start: number; end: number } {
  const start = chunk.firstFrame * grid.hop;
  return { start, end: Math.min(samples, start + (chunk.frames - 1) * grid.hop + grid.field) };
}

/**
 * Split `samples` into chunks of `framesPerChunk` frames (0 = one chunk). Each chunk spans the samples its
 * frames see; together they give exactly the frames of one pass over the whole audio.
 */
export function audioChunks(samples: number, grid: FrameGrid, framesPerChunk: number, total: number): AudioChunk[] {
  const chunks = rowChunks(total, framesPerChunk);
  if (chunks.length === 1) return [{ firstFrame: 0, frames: total, start: 0, end: samples }];
  return chunks.map((c) => ({ ...c, ...sampleSpan(c, grid, samples) }));
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
