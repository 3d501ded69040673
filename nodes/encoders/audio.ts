/**
 * encoder/audio: 16 kHz mono audio → hidden states per frame (50/s) of a speech encoder, optionally followed by
 * the arousal/dominance/valence regression head applied per frame (audeering's model: 1024 + 3 = 1027 values).
 * Two kinds of exports: waveform models (wav2vec2, WavLM, HuBERT: `input_values`) and filterbank models
 * (W2V2-BERT 2.0: `input_features` [+ `attention_mask`]); the model's inputs say which.
 */
import path from 'node:path';
import { defineNode, type NodeContext } from '../../runtime/contract.js';
import { InputError } from '../../runtime/errors.js';
import { modelParamProperties, PAPER_MODELS, type ModelParams } from '../models/catalog.js';
import { booleanField, numberArrayField, readOptionalJson } from '../models/files.js';
import { floatOutput, floatTensor, int64Tensor, sharedOnnx, type OnnxModel, type Tensor } from '../models/onnx.js';
import { modelRequirements, ONNX_MODEL, resolveNodeModel, type NodeModelSpec } from '../models/request.js';
import { ModelNotFoundError, type ResolvedModel } from '../models/resolve.js';
import type { AudioPcm, Features } from '../values.js';
import { fbankConfig, FbankFeatures, fbankMinSamples, fbankRows, FBANK_HOP } from './audio-fbank.js';
import { frameCount, frameGrid, normalizeUtterance, rowChunks, sampleSpan, WAV2VEC2_STACK, type ConvStack, type FrameGrid } from './audio-frames.js';

export interface AudioEncoderParams extends ModelParams {
  head: boolean;
  chunkSeconds: number;
}

/**
 * How one kind of model turns audio into its inputs. `prepare` does the whole-utterance work once
 * (normalisation, features); the returned function gives the inputs of output rows [first, first + rows).
 */
interface FrontEnd {
  describe: string;
  /** Samples between output rows (320 → 50 rows/s). */
  hop: number;
  /** Fewest samples that give one row. */
  minSamples: number;
  rows(samples: number): number;
  prepare(samples: Float32Array): Promise<(first: number, rows: number) => Record<string, Tensor>>;
}

interface AudioEncoderState {
  model: OnnxModel;
  output: string;
  head?: OnnxModel;
  frontEnd: FrontEnd;
}

function spec(p: AudioEncoderParams): NodeModelSpec {
  return { role: 'audio-encoder', files: p.head ? [ONNX_MODEL, 'head.onnx'] : [ONNX_MODEL], hintExtra: { head: p.head } };
}

/** wav2vec2 / WavLM / HuBERT: the normalised waveform, frames from the conv stack (config.json). */
function waveformFrontEnd(dir: string): FrontEnd {
  const configFile = path.join(dir, 'config.json');
  const config = readOptionalJson(configFile);
  const stack: ConvStack = {
    kernels: numberArrayField(config, 'conv_kernel', configFile, [...WAV2VEC2_STACK.kernels]),
    strides: numberArrayField(config, 'conv_stride', configFile, [...WAV2VEC2_STACK.strides]),
  };
  const grid: FrameGrid = frameGrid(stack);
  const prepFile = path.join(dir, 'preprocessor_config.json');
  const normalize = booleanField(readOptionalJson(prepFile), 'do_normalize', prepFile, true);
  return {
    describe: `its conv stack (config.json conv_kernel/conv_stride: ${stack.kernels}/${stack.strides})`,
    hop: grid.hop,
    minSamples: grid.field,
    rows: (n) => frameCount(n, stack),
    async prepare(samples) {
      const x = normalize ? normalizeUtterance(samples) : samples;
      const total = frameCount(x.length, stack);
      return (first, rows) => {
        // One pass gets every sample (as a user's own call would); a chunk exactly the samples its frames see.
        const span = rows === total ? { start: 0, end: x.length } : sampleSpan({ firstFrame: first, frames: rows }, grid, x.length);
        return { input_values: floatTensor(x.subarray(span.start, span.end), [1, span.end - span.start]) };
      };
    },
  };
}

/** W2V2-BERT: SeamlessM4T filterbank rows of the whole utterance, sliced by rows; an all-ones mask if asked for. */
function filterbankFrontEnd(dir: string, model: OnnxModel): FrontEnd {
  const prepFile = path.join(dir, 'preprocessor_config.json');
  const { config, layout } = fbankConfig(readOptionalJson(prepFile), prepFile);
  const features = new FbankFeatures(config, layout);
  const declared = model.session.inputMetadata.find((m) => m.name === 'input_features');
  const last = declared?.isTensor ? declared.shape[declared.shape.length - 1] : undefined;
  if (typeof last === 'number' && last !== features.width) {
    throw new InputError(
      `${model.file} takes input_features rows of ${last} values, but ${prepFile} (num_mel_bins ${layout.melBins} × stride ${layout.stride}) gives ${features.width}`,
    );
  }
  const withMask = model.inputNames.includes('attention_mask');
  return {
    describe: `${layout.stride} log-mel frames of 10 ms per row`,
    hop: FBANK_HOP * layout.stride,
    minSamples: fbankMinSamples(layout),
    rows: (n) => fbankRows(n, layout),
    async prepare(samples) {
      const rows = await features.rows(samples);
      const width = features.width;
      return (first, count) => {
        const feeds: Record<string, Tensor> = { input_features: floatTensor(rows.subarray(first * width, (first + count) * width), [1, count, width]) };
        // Exact lengths, no padding: every row is real.
        if (withMask) feeds['attention_mask'] = int64Tensor(new BigInt64Array(count).fill(1n), [1, count]);
        return feeds;
      };
    },
  };
}

async function resolveWithHead(p: AudioEncoderParams, graphFile: string, signal: AbortSignal): Promise<ResolvedModel> {
  try {
    return await resolveNodeModel(p, graphFile, spec(p), signal);
  } catch (e) {
    if (p.head && e instanceof ModelNotFoundError && e.missing.length === 1 && e.missing[0] === 'head.onnx') {
      throw new InputError(
        `audio encoder "${p.model}" has no head.onnx, and head: true asks for it. The arousal/dominance/valence head belongs to ` +
          `${PAPER_MODELS.audio} (docs/models.md#audio-encoder); for encoders without it (WavLM, W2V2-BERT, ...) set head: false ` +
          `(graph param audioHead: false).`,
        {},
        { cause: e },
      );
    }
    throw e;
  }
}

async function setup(ctx: NodeContext<AudioEncoderParams>): Promise<AudioEncoderState> {
  const p = ctx.params;
  const resolved = await resolveWithHead(p, ctx.graphFile, ctx.signal);
  const model = await sharedOnnx(ctx, resolved.files['model.onnx']!, { threads: p.threads });
  let frontEnd: FrontEnd;
  if (model.inputNames.includes('input_features')) frontEnd = filterbankFrontEnd(resolved.dir, model);
  else {
    model.expectSignature(['input_values'], [], 'speech encoder (input_values: wav2vec2, WavLM, HuBERT; or input_features: W2V2-BERT)');
    frontEnd = waveformFrontEnd(resolved.dir);
  }
  const state: AudioEncoderState = {
    model,
    output: model.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : model.outputNames[0]!,
    frontEnd,
  };
  if (p.head) state.head = await sharedOnnx(ctx, resolved.files['head.onnx']!, { threads: p.threads });
  return state;
}

/** Hidden states [rows, D] of one chunk. */
async function encodeRows(state: AudioEncoderState, feeds: Record<string, Tensor>, rows: number): Promise<{ data: Float32Array; dim: number }> {
  const result = await state.model.run(feeds, [state.output]);
  const { data, dims } = floatOutput(result[state.output], state.output, 3, state.model.file);
  if (dims[1] !== rows) {
    const shapes = Object.entries(feeds)
      .map(([k, t]) => `${k}[${t.dims.join(',')}]`)
      .join(', ');
    throw new InputError(`${state.model.file} gave ${dims[1]} frames for ${shapes}; ${state.frontEnd.describe} implies ${rows}`);
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
  description: 'Audio (16 kHz) → speech-encoder hidden states per frame (50/s; wav2vec2, WavLM, W2V2-BERT), optionally + arousal, dominance, valence',
  docs: `
Encodes a whole utterance with an ONNX speech encoder. Output: \`features[T,D]\` at \`rate\` 50, or
\`features[T,D+3]\` with \`head: true\`: the model folder's \`head.onnx\` ([N,D] → [N,3], audeering's regression head)
is applied to every frame and its outputs (arousal, dominance, valence) are appended after the hidden states:
1027 values per frame for \`${PAPER_MODELS.audio}\`, as in the paper's code. \`head: true\` with a model that has
no head.onnx is an error; encoders without a head (WavLM, W2V2-BERT) need \`head: false\`.

The model's inputs decide the preprocessing:
- \`input_values\` [1,N] (wav2vec2, WavLM, HuBERT): the waveform, normalised per utterance,
  \`(x − mean) / sqrt(var + 1e−7)\`, when the folder's preprocessor_config.json says \`do_normalize\` (the default).
  Encoded at its exact length (no padding), so T = floor((N − 400) / 320) + 1 for the standard conv stack
  (read from config.json).
- \`input_features\` [1,T,160] (+ \`attention_mask\` [1,T], all ones) (W2V2-BERT 2.0): 80-bin log-mel filterbanks
  as Hugging Face's \`SeamlessM4TFeatureExtractor\` computes them (the filterbanks by transformers.js' extractor,
  configured by preprocessor_config.json; see docs/models.md#w2v2-bert): 25 ms frames every 10 ms, normalised per
  mel bin over the utterance, pairs of frames stacked into rows. T = floor(F / 2) with F = floor((N − 400) / 160) + 1: an odd last frame is dropped
  (Hugging Face pads it into a row that its attention mask marks as padding).

Long audio is encoded in chunks of \`chunkSeconds\` (0: one pass) to bound memory. Chunks start on frame (row)
boundaries: waveform chunks span exactly the samples their frames see, filterbank chunks are slices of the
whole utterance's rows, so the frame grid and T are those of one pass; the frames inside a chunk see only that
chunk's context (the encoders attend over their input), so chunked and one-pass features differ slightly unless
the audio fits in one chunk. Audio shorter than one frame (400 samples, 25 ms; 560 samples, 35 ms, for W2V2-BERT)
is an error.
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
      head: {
        type: 'boolean',
        default: false,
        description: "append the regression head (head.onnx) outputs per frame: arousal, dominance, valence (audeering's model only)",
      },
      chunkSeconds: { type: 'number', minimum: 0, default: 30, description: 'encode long audio in chunks of this length (0: one pass)' },
    },
  },
  requires: (params, graphFile) => modelRequirements(params, graphFile, spec(params)),
  setup,
  async run(inputs, ctx, state) {
    const audio = inputs['audio'] as AudioPcm;
    if (!audio || !(audio.samples instanceof Float32Array)) throw new InputError('input "audio" is not 16 kHz PCM ({sampleRate, samples: Float32Array})');
    if (audio.sampleRate !== 16000) throw new InputError(`input "audio" is at ${audio.sampleRate} Hz; the encoder needs 16000 Hz`);
    const { frontEnd } = state;
    const n = audio.samples.length;
    const total = frontEnd.rows(n);
    if (total < 1) {
      throw new InputError(`audio has ${n} samples (${(n / 16000).toFixed(4)} s); one frame needs at least ${frontEnd.minSamples} (${frontEnd.minSamples / 16} ms)`);
    }
    const inputsOf = await frontEnd.prepare(audio.samples);
    const chunks = rowChunks(total, Math.round((ctx.params.chunkSeconds * 16000) / frontEnd.hop));
    let out: Float32Array | undefined;
    let width = 0;
    for (const [i, chunk] of chunks.entries()) {
      ctx.signal.throwIfAborted();
      const hidden = await encodeRows(state, inputsOf(chunk.firstFrame, chunk.frames), chunk.frames);
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
    const features: Features = { dims: [total, width], data: out!, rate: 16000 / frontEnd.hop };
    return { features };
  },
});
