/**
 * encoder/image: a stream of frames or face crops → one feature row per frame from a ViT-like ONNX encoder
 * (pixel_values [B,3,H,W] → last_hidden_state [B,tokens,D]), pooled over all tokens (the paper's code) or at CLS.
 * Frames are read one at a time and encoded in batches: the video is never held in memory.
 */
import path from 'node:path';
import { defineNode, type NodeContext } from '../../runtime/contract.js';
import { InputError } from '../../runtime/errors.js';
import { modelParamProperties, PAPER_MODELS, type ModelParams } from '../models/catalog.js';
import { readJsonObject } from '../models/files.js';
import { floatOutput, floatTensor, sharedOnnx, type OnnxModel } from '../models/onnx.js';
import { modelRequirements, ONNX_MODEL, resolveNodeModel, type NodeModelSpec } from '../models/request.js';
import type { FaceFrame, FaceStream, Features, Frame, FrameStream } from '../values.js';
import { imagePreprocessing, preprocessImage, type ImagePreprocessing, type RgbImage } from './image-preprocess.js';
import { RowCollector } from './rows.js';

export interface ImageEncoderParams extends ModelParams {
  pooling: 'mean' | 'cls';
  batchSize: number;
  missing: 'skip' | 'zero';
}

interface ImageEncoderState {
  model: OnnxModel;
  output: string;
  input: string;
  prep: ImagePreprocessing;
}

const SPEC: NodeModelSpec = { role: 'image-encoder', files: [ONNX_MODEL, 'preprocessor_config.json'] };

async function setup(ctx: NodeContext<ImageEncoderParams>): Promise<ImageEncoderState> {
  const p = ctx.params;
  const resolved = await resolveNodeModel(p, ctx.graphFile, SPEC, ctx.signal);
  const model = await sharedOnnx(ctx, resolved.files['model.onnx']!, { threads: p.threads });
  model.expectSignature(['pixel_values'], [], 'image encoder');
  const configFile = path.join(resolved.dir, 'preprocessor_config.json');
  return {
    model,
    input: 'pixel_values',
    output: model.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : model.outputNames[0]!,
    prep: imagePreprocessing(readJsonObject(configFile), configFile),
  };
}

/** The image of a frame, or undefined for a face frame without a face. */
function imageOf(frame: Frame | FaceFrame): RgbImage | undefined {
  if ('found' in frame) return frame.found && frame.crop ? frame.crop : undefined;
  return frame;
}

/** Encodes a batch of preprocessed images and pools each to one row. */
async function encodeBatch(state: ImageEncoderState, pixels: Float32Array, n: number, pooling: 'mean' | 'cls'): Promise<{ rows: Float32Array; dim: number }> {
  const { width, height } = state.prep;
  const input = floatTensor(pixels.subarray(0, n * 3 * width * height), [n, 3, height, width]);
  const result = await state.model.run({ [state.input]: input }, [state.output]);
  const { data, dims } = floatOutput(result[state.output], state.output, 3, state.model.file);
  const [, tokens, dim] = dims as [number, number, number];
  const rows = new Float32Array(n * dim);
  for (let b = 0; b < n; b++) {
    const base = b * tokens * dim;
    if (pooling === 'cls') {
      rows.set(data.subarray(base, base + dim), b * dim);
      continue;
    }
    for (let t = 0; t < tokens; t++) for (let d = 0; d < dim; d++) rows[b * dim + d]! += data[base + t * dim + d]!;
    for (let d = 0; d < dim; d++) rows[b * dim + d]! /= tokens;
  }
  return { rows, dim };
}

export const imageEncoder = defineNode<ImageEncoderParams, ImageEncoderState>({
  type: 'encoder/image',
  version: '1',
  description: 'Frames or face crops → one ViT feature row per frame (mean over all tokens, or CLS)',
  docs: `
Encodes each frame of a \`video/frames\` stream, or each face crop of a \`video/faces\` stream, with an ONNX image
encoder (\`pixel_values\` [B,3,H,W] → \`last_hidden_state\` [B,tokens,D], e.g. ViT-H/14: 257 tokens × 1280).
Output: \`features[T,D]\` with \`rate\` = the stream's fps.

Preprocessing follows the model folder's \`preprocessor_config.json\` as Hugging Face's image processors do:
resize with PIL's resampling (bilinear or bicubic, antialiased when shrinking, 8-bit results), optional centre
crop, rescale (1/255) and normalise (mean/std; 0.5/0.5 for ViT-H in21k).

Pooling: \`mean\` over ALL output tokens, CLS included (what the paper's code does), or \`cls\` (token 0).

Frames are pulled one at a time and encoded \`batchSize\` at a time, so memory holds one batch of pixels plus
the output rows, never the video. A face frame without a face is dropped (\`missing: "skip"\`, what EMI does:
rows then follow only the frames with a face) or gives a row of zeros (\`missing: "zero"\`: one row per frame).
`,
  kind: 'map',
  cacheable: true,
  concurrency: 1,
  inputs: { frames: { type: 'video/faces | video/frames', description: 'frames (or aligned face crops) to encode' } },
  outputs: { features: { type: 'features[T,D]', description: 'one row per frame (per found face when skipping), rate = fps' } },
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['model'],
    properties: {
      ...modelParamProperties('image-encoder', PAPER_MODELS.vision),
      pooling: { enum: ['mean', 'cls'], default: 'mean', description: 'mean over all output tokens (paper) or the CLS token' },
      batchSize: { type: 'integer', minimum: 1, default: 8, description: 'frames per model call' },
      missing: { enum: ['skip', 'zero'], default: 'skip', description: 'frames without a face: drop them (EMI) or emit a zero row' },
    },
  },
  requires: (params, graphFile) => modelRequirements(params, graphFile, SPEC),
  setup,
  async run(inputs, ctx, state) {
    const stream = inputs['frames'] as FrameStream | FaceStream;
    if (!stream || typeof stream.frames?.[Symbol.asyncIterator] !== 'function') throw new InputError('input "frames" is not a frame stream');
    const p = ctx.params;
    const { width, height } = state.prep;
    const pixels = new Float32Array(p.batchSize * 3 * width * height);
    const collector = new RowCollector();
    let queued = 0;
    let seen = 0;
    const flush = async () => {
      if (queued === 0) return;
      const { rows, dim } = await encodeBatch(state, pixels, queued, p.pooling);
      collector.fill(rows, dim);
      queued = 0;
    };
    for await (const frame of stream.frames) {
      ctx.signal.throwIfAborted();
      seen++;
      const image = imageOf(frame);
      if (!image) {
        if (p.missing === 'zero') collector.zero();
        continue;
      }
      try {
        preprocessImage(image, state.prep, pixels.subarray(queued * 3 * width * height));
      } catch (e) {
        throw new InputError(`frame ${frame.index} (${frame.time.toFixed(3)} s): ${e instanceof Error ? e.message : String(e)}`);
      }
      collector.pending();
      if (++queued === p.batchSize) await flush();
      if (seen % 50 === 0) ctx.progress.update(`frames of ${ctx.key}`, seen, stream.count);
    }
    await flush();
    if (collector.dim === undefined) {
      // No frame was encoded (no faces): learn the width from one blank image so the matrix has its real shape.
      pixels.fill(0, 0, 3 * width * height);
      collector.setDim((await encodeBatch(state, pixels, 1, p.pooling)).dim);
    }
    const features: Features = { ...collector.finish(), rate: stream.fps };
    return { features };
  },
});
