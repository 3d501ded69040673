/**
 * encoder/audio: 16 kHz mono audio → wav2vec2 hidden states per frame (~50/s), optionally followed by the
 * arousal/dominance/valence regression head applied per frame (audeering's model: 1024 + 3 = 1027 values).
 */
import path from 'node:path';
import { defineNode, type NodeContext } from '../../runtime/contract.js';
import { InputError } from '../../runtime/errors.js';
import { modelParamProperties, PAPER_MODELS, type ModelParams } from '../models/catalog.js';
import { booleanField, numberArrayField, readOptionalJson } from '../models/files.js';
import { floatOutput, floatTensor, sharedOnnx, type OnnxModel } from '../models/onnx.js';
import { modelRequirements, ONNX_MODEL, resolveNodeModel, type NodeModelSpec } from '../models/request.js';
import type { AudioPcm, Features } from '../values.js';
import { audioChunks, frameCount, frameGrid, normalizeUtterance, WAV2VEC2_STACK, type ConvStack, type FrameGrid } from './audio-frames.js';

export interface AudioEncoderParams extends ModelParams {
  head: boolean;
  chunkSeconds: number;
}

interface AudioEncoderState {
  model: OnnxModel;
  output: string;
  head?: OnnxModel;
  stack: ConvStack;
  grid: FrameGrid;
  normalize: boolean;
}

function spec(p: AudioEncoderParams): NodeModelSpec {
  return { role: 'audio-encoder', files: p.head ? [ONNX_MODEL, 'head.onnx'] : [ONNX_MODEL], hintExtra: { head: p.head } };
}

async function setup(ctx: NodeContext<AudioEncoderParams>): Promise<AudioEncoderState> {
  const p = ctx.params;
  const resolved = await resolveNodeModel(p, ctx.graphFile, spec(p), ctx.signal);
  const model = await sharedOnnx(ctx, resolved.files['model.onnx']!, { threads: p.threads });
  model.expectSignature(['input_values'], [], 'wav2vec2 audio encoder');
  const configFile = path.join(resolved.dir, 'config.json');
  const config = readOptionalJson(configFile);
  const stack: ConvStack = {
    kernels: numberArrayField(config, 'conv_kernel', configFile, [...WAV2VEC2_STACK.kernels]),
    strides: numberArrayField(config, 'conv_stride', configFile, [...WAV2VEC2_STACK.strides]),
  };
  const prepFile = path.join(resolved.dir, 'preprocessor_config.json');
  const state: AudioEncoderState = {
    model,
    output: model.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : model.outputNames[0]!,
    stack,
    grid: frameGrid(stack),
    normalize: booleanField(readOptionalJson(prepFile), 'do_normalize', prepFile, true),
  };
  if (p.head) state.head = await sharedOnnx(ctx, resolved.files['head.onnx']!, { threads: p.threads });
  return state;
}

/** Hidden states [frames, D] of one span of (already normalised) audio. */
async function encodeSpan(state: AudioEncoderState, samples: Float32Array, frames: number): Promise<{ data: Float32Array; dim: number }> {
  const result = await state.model.run({ input_values: floatTensor(samples, [1, samples.length]) }, [state.output]);
  const { data, dims } = floatOutput(result[state.output], state.output, 3, state.model.file);
  if (dims[1] !== frames) {
    throw new InputError(
      `${state.model.file} gave ${dims[1]} frames for ${samples.length} samples; its conv stack (config.json conv_kernel/conv_stride: ` +
        `${state.stack.kernels}/${state.stack.strides}) implies ${frames}`,
    );
  }
  return { data, dim: dims[2]! };
}

/** The regression head per frame: [frames, D] → [frames, outputs]. */
async function applyHead(head: OnnxModel, hidden: Float32Array, frames: number, dim: number): Promise<{ data: Float32Array; dim: number }> {
  const input = head.inputNames[0]!;
  const output = head.outputNames[0]!;
  const result = await head.run({ [input]: floatTensor(hidden, [frames, dim]) }, [output]);
  const { data, dims } = floatOutput(result[output], output, 2, head.file);
  return { data, dim: dims[1]! };
}

export const audioEncoder = defineNode<AudioEncoderParams, AudioEncoderState>({
  type: 'encoder/audio',
  version: '1',
  description: 'Audio (16 kHz) → wav2vec2 hidden states per frame (50/s), optionally + arousal, dominance, valence',
  docs: `
Encodes a whole utterance with an ONNX wav2vec2 model (\`input_values\` [1,N] → \`last_hidden_state\` [1,T,D]).
Output: \`features[T,D]\` at \`rate\` 50 (16000 / the conv stack's total stride of 320), or \`features[T,D+3]\` with
\`head: true\`: the model folder's \`head.onnx\` ([N,D] → [N,3], audeering's regression head) is applied to every
frame and its outputs (arousal, dominance, valence) are appended after the hidden states: 1027 values per frame
for \`${PAPER_MODELS.audio}\`, as in the paper's code.

- The input is normalised per utterance, \`(x − mean) / sqrt(var + 1e−7)\` (when the folder's
  preprocessor_config.json says \`do_normalize\`, the default), and encoded at its exact length: no padding,
  so T = floor((N − 400) / 320) + 1 exactly.
- Long audio is encoded in chunks of \`chunkSeconds\` (0: one pass) to bound memory. Chunks start on frame
  boundaries and each spans exactly the samples its frames see, so the frame grid and T are those of one pass;
  the frames inside a chunk see only that chunk's context (wav2vec2's transformer attends over its input), so
  chunked and one-pass features differ slightly unless the audio fits in one chunk.
- Audio shorter than one frame (400 samples, 25 ms) is an error.
`,
  kind: 'map',
  cacheable: true,
  concurrency: 1,
  inputs: { audio: { type: 'audio/pcm16k', description: 'mono 16 kHz audio' } },
  outputs: { features: { type: 'features[T,D]', description: 'hidden states per frame (+3 head outputs), rate 50' } },
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['model'],
    properties: {
      ...modelParamProperties('audio-encoder', PAPER_MODELS.audio),
      head: { type: 'boolean', default: false, description: 'append the regression head (head.onnx) outputs per frame: arousal, dominance, valence' },
      chunkSeconds: { type: 'number', minimum: 0, default: 30, description: 'encode long audio in chunks of this length (0: one pass)' },
    },
  },
  requires: (params, graphFile) => modelRequirements(params, graphFile, spec(params)),
  setup,
  async run(inputs, ctx, state) {
    const audio = inputs['audio'] as AudioPcm;
    if (!audio || !(audio.samples instanceof Float32Array)) throw new InputError('input "audio" is not 16 kHz PCM ({sampleRate, samples: Float32Array})');
    if (audio.sampleRate !== 16000) throw new InputError(`input "audio" is at ${audio.sampleRate} Hz; the encoder needs 16000 Hz`);
    const n = audio.samples.length;
    const total = frameCount(n, state.stack);
    if (total < 1) {
      throw new InputError(`audio has ${n} samples (${(n / 16000).toFixed(4)} s); one frame needs at least ${state.grid.field} (${state.grid.field / 16} ms)`);
    }
    const x = state.normalize ? normalizeUtterance(audio.samples) : audio.samples;
    const framesPerChunk = Math.round((ctx.params.chunkSeconds * 16000) / state.grid.hop);
    const chunks = audioChunks(n, state.grid, framesPerChunk, total);
    let out: Float32Array | undefined;
    let width = 0;
    for (const [i, chunk] of chunks.entries()) {
      ctx.signal.throwIfAborted();
      const hidden = await encodeSpan(state, x.subarray(chunk.start, chunk.end), chunk.frames);
      const head = state.head ? await applyHead(state.head, hidden.data, chunk.frames, hidden.dim) : undefined;
      width = hidden.dim + (head?.dim ?? 0);
      out ??= new Float32Array(total * width);
      for (let f = 0; f < chunk.frames; f++) {
        const row = (chunk.firstFrame + f) * width;
        out.set(hidden.data.subarray(f * hidden.dim, (f + 1) * hidden.dim), row);
        if (head) out.set(head.data.subarray(f * head.dim, (f + 1) * head.dim), row + hidden.dim);
      }
      if (chunks.length > 1) ctx.progress.update(`chunks of ${ctx.key}`, i + 1, chunks.length);
    }
    const features: Features = { dims: [total, width], data: out!, rate: 16000 / state.grid.hop };
    return { features };
  },
});
