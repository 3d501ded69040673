/**
 * asr/whisper: speech → timed transcript with Whisper exported to ONNX (optimum's encoder_model.onnx and
 * decoder_model.onnx), log-mel features from transformers.js' WhisperFeatureExtractor, and our own greedy /
 * beam decoding with timestamp tokens over 30 s windows.
 */
import path from 'node:path';
import { WhisperFeatureExtractor, type PreTrainedTokenizer } from '@huggingface/transformers';
import { defineNode, type NodeContext } from '../../runtime/contract.js';
import { InputError } from '../../runtime/errors.js';
import { modelParamProperties, PAPER_MODELS, type ModelParams } from '../models/catalog.js';
import { readJsonObject } from '../models/files.js';
import { floatOutput, floatTensor, int64Tensor, sharedOnnx, type OnnxModel } from '../models/onnx.js';
import { modelRequirements, resolveNodeModel, type NodeModelSpec } from '../models/request.js';
import { loadTokenizer } from '../models/tokenizer.js';
import type { AudioPcm, TranscriptChunk } from '../values.js';
import { decodeWindow, segmentWindow, type DecoderStep } from './whisper-decode.js';
import { readWhisperTokens, whisperPrompt, type WhisperTokens } from './whisper-config.js';
import { buildTranscript, repairRestarts, type WordTiming } from './words.js';

export interface WhisperParams extends ModelParams {
  language: string;
  task: 'transcribe' | 'translate';
  beams: number;
  maxNewTokens: number;
  wordTiming: WordTiming;
}

interface WhisperState {
  encoder: OnnxModel;
  decoder: OnnxModel;
  features: WhisperFeatureExtractor;
  tokenizer: PreTrainedTokenizer;
  tokens: WhisperTokens;
  prompt: number[];
  /** Samples per window (30 s). */
  window: number;
}

const SAMPLE_RATE = 16000;

const SPEC: NodeModelSpec = {
  role: 'asr',
  files: [
    ['encoder_model.onnx', 'onnx/encoder_model.onnx'],
    ['decoder_model.onnx', 'onnx/decoder_model.onnx'],
    'tokenizer.json',
    'tokenizer_config.json',
    'config.json',
    'generation_config.json',
    'preprocessor_config.json',
  ],
};

async function setup(ctx: NodeContext<WhisperParams>): Promise<WhisperState> {
  const p = ctx.params;
  const resolved = await resolveNodeModel(p, ctx.graphFile, SPEC, ctx.signal);
  const encoder = await sharedOnnx(ctx, resolved.files['encoder_model.onnx']!, { threads: p.threads });
  encoder.expectSignature(['input_features'], ['last_hidden_state'], 'Whisper encoder');
  const decoder = await sharedOnnx(ctx, resolved.files['decoder_model.onnx']!, { threads: p.threads });
  decoder.expectSignature(['input_ids', 'encoder_hidden_states'], ['logits'], 'Whisper decoder');
  const extra = decoder.inputNames.filter((n) => n !== 'input_ids' && n !== 'encoder_hidden_states');
  if (extra.length) {
    throw new InputError(
      `${decoder.file} also takes ${extra.join(', ')}: use the decoder without past key values (optimum's decoder_model.onnx), not the merged or with-past one`,
    );
  }
  const prepFile = path.join(resolved.dir, 'preprocessor_config.json');
  const prep = readJsonObject(prepFile);
  const tokens = readWhisperTokens(resolved.dir);
  const tok = await ctx.shared(`tokenizer:${resolved.dir}:`, () => loadTokenizer(resolved.dir));
  const chunkLength = typeof prep['chunk_length'] === 'number' ? prep['chunk_length'] : 30;
  return {
    encoder,
    decoder,
    features: new WhisperFeatureExtractor(prep),
    tokenizer: tok.tokenizer,
    tokens,
    prompt: whisperPrompt(tokens, p.language, p.task, resolved.dir),
    window: chunkLength * SAMPLE_RATE,
  };
}

/** Encoder states of one window (padded to 30 s by the feature extractor). */
async function encodeWindow(state: WhisperState, samples: Float32Array): Promise<{ data: Float32Array; dims: number[] }> {
  const { input_features: mel } = await state.features._call(samples);
  const result = await state.encoder.run({ input_features: floatTensor(mel.data as Float32Array, mel.dims) }, ['last_hidden_state']);
  return floatOutput(result['last_hidden_state'], 'last_hidden_state', 3, state.encoder.file);
}

/** A decoder step for one window: the encoder states are repeated for every sequence of the batch. */
function decoderStep(state: WhisperState, encoded: { data: Float32Array; dims: number[] }): DecoderStep {
  const [, frames, dim] = encoded.dims as [number, number, number];
  return async (sequences) => {
    const B = sequences.length;
    const L = sequences[0]!.length;
    const ids = int64Tensor(sequences.flat(), [B, L]);
    const enc = B === 1 ? encoded.data : new Float32Array(B * frames * dim);
    if (B > 1) for (let b = 0; b < B; b++) enc.set(encoded.data, b * frames * dim);
    const out = await state.decoder.run({ input_ids: ids, encoder_hidden_states: floatTensor(enc, [B, frames, dim]) }, ['logits']);
    const { data, dims } = floatOutput(out['logits'], 'logits', 3, state.decoder.file);
    const V = dims[2]!;
    return sequences.map((_, b) => data.slice((b * L + L - 1) * V, (b * L + L) * V));
  };
}

export const whisperAsr = defineNode<WhisperParams, WhisperState>({
  type: 'asr/whisper',
  version: '1',
  description: 'Speech (16 kHz) → timed transcript with Whisper (ONNX encoder/decoder, greedy or beam search)',
  docs: `
Transcribes audio with a Whisper model exported to ONNX by optimum (\`optimum-cli export onnx --task
automatic-speech-recognition\`): \`encoder_model.onnx\` (\`input_features\` [1,80,3000] → \`last_hidden_state\`) and
\`decoder_model.onnx\` (\`input_ids\`, \`encoder_hidden_states\` → \`logits\`; the variant without past key values),
plus the tokenizer, config.json, generation_config.json and preprocessor_config.json saved with it.

- Features: log-mel spectrogram by transformers.js' \`WhisperFeatureExtractor\` (as Hugging Face's), per 30 s window.
- Decoding: prompt \`<|startoftranscript|>\` (+ \`<|lang|><|task|>\` for multilingual models), timestamps on; our own
  greedy search (\`beams: 1\`) or beam search (openai/whisper's, best mean log-probability), with Whisper's
  timestamp rules (first token a timestamp ≤ 1 s, timestamps in pairs and non-decreasing) and suppression of
  \`suppress_tokens\` and special tokens. At most \`maxNewTokens\` tokens per window (and the decoder's 448
  positions), so decoding always ends. The paper's EMI transcripts used Whisper large-v3 with beam 5
  (faster-whisper).
- Long audio: windows of 30 s; as in openai/whisper, the next window starts at the end of the last complete
  segment (or after the whole window when it ended cleanly); segment times get the window's offset. Chunk times
  that restart at 0 are repaired (previous end added), as in \`asr/transcript\`.
- Words: optimum's decoders do not output cross-attentions, so word times are NOT aligned by DTW: they are
  interpolated linearly within each chunk (\`wordTiming\`, as \`asr/transcript\`).
- Not done: temperature fallback, compression-ratio and no-speech checks, KV caching (the decoder reruns
  the whole sequence each step: simple, slower for long outputs).
`,
  kind: 'map',
  cacheable: true,
  concurrency: 1,
  inputs: { audio: { type: 'audio/pcm16k', description: 'mono 16 kHz speech' } },
  outputs: { transcript: { type: 'text/transcript', description: 'chunks with start/end, interpolated words' } },
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['model'],
    properties: {
      ...modelParamProperties('asr', PAPER_MODELS.asr),
      language: { type: 'string', default: 'en', description: 'language code for multilingual models (e.g. "en")' },
      task: { enum: ['transcribe', 'translate'], default: 'transcribe', description: 'transcribe, or translate to English' },
      beams: { type: 'integer', minimum: 1, maximum: 16, default: 1, description: '1: greedy; more: beam search (the paper: 5)' },
      maxNewTokens: { type: 'integer', minimum: 1, maximum: 448, default: 224, description: 'tokens generated per 30 s window at most' },
      wordTiming: { enum: ['equal', 'chars'], default: 'equal', description: 'how word times are interpolated inside a chunk' },
    },
  },
  requires: (params, graphFile) => modelRequirements(params, graphFile, SPEC),
  setup,
  async run(inputs, ctx, state) {
    const audio = inputs['audio'] as AudioPcm;
    if (!audio || !(audio.samples instanceof Float32Array)) throw new InputError('input "audio" is not 16 kHz PCM ({sampleRate, samples: Float32Array})');
    if (audio.sampleRate !== SAMPLE_RATE) throw new InputError(`input "audio" is at ${audio.sampleRate} Hz; Whisper needs 16000 Hz`);
    const n = audio.samples.length;
    if (n === 0) throw new InputError('audio is empty (0 samples): nothing to transcribe');
    const p = ctx.params;
    const chunks: TranscriptChunk[] = [];
    for (let seek = 0; seek < n; ) {
      ctx.signal.throwIfAborted();
      const samples = audio.samples.subarray(seek, Math.min(n, seek + state.window));
      const seconds = samples.length / SAMPLE_RATE;
      const encoded = await encodeWindow(state, samples);
      const tokens = await decodeWindow(decoderStep(state, encoded), state.prompt, {
        tokens: state.tokens,
        maxNewTokens: p.maxNewTokens,
        beams: p.beams,
        signal: ctx.signal,
      });
      const { segments, advance } = segmentWindow(tokens, state.tokens, seconds);
      const offset = seek / SAMPLE_RATE;
      for (const s of segments) {
        const text = state.tokenizer.decode(s.text, { skip_special_tokens: true }).trim();
        if (text) chunks.push({ text, start: offset + s.start, end: offset + s.end });
      }
      seek += Math.max(1, Math.round(advance * SAMPLE_RATE));
      if (n > state.window) ctx.progress.update(`audio of ${ctx.key}`, Math.min(seek, n) / SAMPLE_RATE, n / SAMPLE_RATE);
    }
    return { transcript: buildTranscript(repairRestarts(chunks).chunks, p.wordTiming) };
  },
});
