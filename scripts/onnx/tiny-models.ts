/**
 * Builders of tiny ONNX models with the input/output signatures of the real exports (optimum / torch.onnx):
 * BERT/GTE text encoder, ViT image encoder, wav2vec2 audio encoder + regression head, Whisper encoder/decoder.
 * The weights are random but deterministic; each model mixes information across its sequence (a masked mean
 * or attention) so a token's state depends on its context, as in the real transformers.
 */
import { GraphBuilder } from './graph.js';
import { Rng } from './rng.js';

/** Sequence length of `ids` ([B, L]) as a scalar, and positions 0..L-1. */
function positions(g: GraphBuilder, ids: string): { length: string; positions: string } {
  const shape = g.op('Shape', [ids]);
  const length = g.op('Gather', [shape, g.ints('one', [], [1])], { axis: 0 });
  const pos = g.op('Range', [g.ints('zero', [], [0]), length, g.ints('one', [], [1])]);
  return { length, positions: pos };
}

/** out = tanh(x·A + context·B + bias): a token-wise layer that also sees a summary of the whole sequence. */
function mixLayer(g: GraphBuilder, rng: Rng, x: string, context: string, dim: number): string {
  const a = g.floats('w_self', [dim, dim], rng.matrix(dim, dim));
  const b = g.floats('w_context', [dim, dim], rng.matrix(dim, dim));
  const bias = g.floats('bias', [dim], rng.uniform(dim, 0.1));
  return g.tanh(g.add(g.add(g.matmul(x, a), g.matmul(context, b)), bias));
}

export interface TextModelOptions {
  vocabSize: number;
  hidden: number;
  /** Rows of the learned position table (unused with sinusoidal positions). */
  maxPositions: number;
  seed: number;
  /** Graph name (recorded in the file). */
  name?: string;
  /** Whether the model takes token_type_ids (BERT, GTE: yes; RoBERTa's export: no). Default true. */
  tokenTypes?: boolean;
  /** Mixing layers (default 2). */
  layers?: number;
  /**
   * Factorised word embedding (as ALBERT): vocab × rank, then rank × hidden. Keeps wide stand-ins small on
   * disk; absent: a full vocab × hidden table.
   */
  embeddingRank?: number;
  /** Learned position table (default) or fixed sinusoids computed in the graph (no bytes, any length). */
  positions?: 'learned' | 'sinusoidal';
}

/** Fixed sinusoids [L,D] of the float steps [L,1]: frequencies 2^-k (exact in binary, so no libm in the bytes). */
function sinusoids(g: GraphBuilder, steps: string, dim: number): string {
  const freq = Float32Array.from({ length: dim }, (_, i) => 1 / 2 ** Math.floor(i / 2));
  const phase = Float32Array.from({ length: dim }, (_, i) => (i % 2) * 1.5707963267948966);
  return g.op('Sin', [g.add(g.mul(steps, g.floats('freq', [dim], freq)), g.floats('phase', [dim], phase))]);
}

/** Mask [B,L] (int64) as floats [B,L,1] and a function giving the masked mean over the sequence, [B,1,D]. */
function maskedMeanOf(g: GraphBuilder, mask: string): (h: string) => string {
  const m = g.op('Unsqueeze', [g.op('Cast', [mask], { to: 1 }), g.ints('axes', [1], [2])]);
  const count = g.op('Max', [g.op('ReduceSum', [m, g.ints('axes', [1], [1])], { keepdims: 1 }), g.floats('one', [], [1])]);
  return (h: string) => g.op('Div', [g.op('ReduceSum', [g.mul(h, m), g.ints('axes', [1], [1])], { keepdims: 1 }), count]);
}

/** `layers` mixing layers: the first replaces x, the others are residual; each sees the context of its input. */
function mixStack(g: GraphBuilder, rng: Rng, x: string, context: (h: string) => string, dim: number, layers: number): string {
  let h = mixLayer(g, rng, x, context(x), dim);
  for (let i = 1; i < layers; i++) h = g.add(h, mixLayer(g, rng, h, context(h), dim));
  return h;
}

/**
 * BERT/GTE signature: input_ids, attention_mask, token_type_ids (int64 [B,L]) → last_hidden_state [B,L,D]
 * (RoBERTa's: no token_type_ids). Mixing layers that combine every token with the attention-masked mean of the
 * sequence, so padding does not change the states of real tokens (batching equivalence) while context does.
 */
export function buildTextEncoder(o: TextModelOptions): Uint8Array {
  const rng = new Rng(o.seed);
  const g = new GraphBuilder(o.name ?? 'tiny-bert');
  const D = o.hidden;
  const withTypes = o.tokenTypes ?? true;
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const mask = g.input('attention_mask', 'int64', ['batch_size', 'sequence_length']);
  const types = withTypes ? g.input('token_type_ids', 'int64', ['batch_size', 'sequence_length']) : undefined;
  const rank = o.embeddingRank;
  const word = rank
    ? g.floats('word_embeddings', [o.vocabSize, rank], rng.uniform(o.vocabSize * rank, 1))
    : g.floats('word_embeddings', [o.vocabSize, D], rng.uniform(o.vocabSize * D, 1));
  const wordProjection = rank ? g.floats('word_projection', [rank, D], rng.matrix(rank, D, 2)) : undefined;
  const typeEmb = types ? g.floats('token_type_embeddings', [2, D], rng.uniform(2 * D, 0.2)) : undefined;
  const learned = (o.positions ?? 'learned') === 'learned';
  const posEmb = learned ? g.floats('position_embeddings', [o.maxPositions, D], rng.uniform(o.maxPositions * D, 0.2)) : undefined;
  const { positions: pos } = positions(g, ids);
  let x = g.op('Gather', [word, ids], { axis: 0 });
  if (wordProjection) x = g.matmul(x, wordProjection);
  if (typeEmb) x = g.add(x, g.op('Gather', [typeEmb, types!], { axis: 0 }));
  const positionEmbedding = posEmb
    ? g.op('Gather', [posEmb, pos], { axis: 0 })
    : g.mul(sinusoids(g, g.op('Unsqueeze', [g.op('Cast', [pos], { to: 1 }), g.ints('axes', [1], [1])]), D), g.floats('position_scale', [], [0.2]));
  x = g.add(x, positionEmbedding);
  x = mixStack(g, rng, x, maskedMeanOf(g, mask), D, o.layers ?? 2);
  g.output('last_hidden_state', 'float', ['batch_size', 'sequence_length', D], x);
  return g.encode(`tiny ${withTypes ? 'BERT/GTE' : 'RoBERTa'}-signature text encoder (random weights) for tests`);
}

export interface VitModelOptions {
  hidden: number;
  imageSize: number;
  patchSize: number;
  seed: number;
  /** Graph name (recorded in the file). */
  name?: string;
  /**
   * Factorised patch embedding: a convolution to `rank` channels, then rank × hidden (small files for wide
   * stand-ins); absent: one convolution to `hidden` channels.
   */
  patchRank?: number;
  /** Learned position table (default) or fixed sinusoids computed in the graph. */
  positions?: 'learned' | 'sinusoidal';
}

/**
 * ViT signature: pixel_values [B,3,224,224] → last_hidden_state [B,1+P,D] (P = (224/patch)² patches plus CLS:
 * 257 tokens for patch 14 as ViT-H/14, 197 for patch 16 as ViT-S/16 and ViT-B/16). Patch embedding by a strided
 * convolution, CLS from the mean of the patches.
 */
export function buildVitEncoder(o: VitModelOptions): Uint8Array {
  const rng = new Rng(o.seed);
  const g = new GraphBuilder(o.name ?? 'tiny-vit');
  const D = o.hidden;
  const grid = o.imageSize / o.patchSize;
  if (!Number.isInteger(grid)) throw new Error(`image size ${o.imageSize} is not a multiple of patch size ${o.patchSize}`);
  const patches = grid * grid;
  const pv = g.input('pixel_values', 'float', ['batch_size', 3, o.imageSize, o.imageSize]);
  const k = o.patchSize;
  const channels = o.patchRank ?? D;
  const conv = g.op(
    'Conv',
    [pv, g.floats('patch_weight', [channels, 3, k, k], rng.matrix(3 * k * k, channels)), g.floats('patch_bias', [channels], rng.uniform(channels, 0.1))],
    { kernel_shape: [k, k], strides: [k, k] },
  );
  let tokens = g.op('Transpose', [g.op('Reshape', [conv, g.ints('shape', [3], [0, channels, patches])])], { perm: [0, 2, 1] });
  if (o.patchRank) tokens = g.tanh(g.matmul(tokens, g.floats('patch_projection', [channels, D], rng.matrix(channels, D, 2))));
  const cls = g.add(g.matmul(g.mean(tokens, [1]), g.floats('cls_weight', [D, D], rng.matrix(D, D))), g.floats('cls_bias', [D], rng.uniform(D, 0.5)));
  const learned = (o.positions ?? 'learned') === 'learned';
  const positionEmbedding = learned
    ? g.floats('position_embeddings', [patches + 1, D], rng.uniform((patches + 1) * D, 0.2))
    : g.mul(sinusoids(g, g.floats('steps', [patches + 1, 1], Float32Array.from({ length: patches + 1 }, (_, i) => i)), D), g.floats('position_scale', [], [0.2]));
  let x = g.add(g.op('Concat', [cls, tokens], { axis: 1 }), positionEmbedding);
  x = mixLayer(g, rng, x, g.mean(x, [1]), D);
  g.output('last_hidden_state', 'float', ['batch_size', patches + 1, D], x);
  return g.encode('tiny ViT-signature image encoder (random weights) for tests');
}

/** wav2vec2's feature encoder: (kernel, stride) per conv layer; receptive field 400 samples, hop 320. */
export const WAV2VEC2_CONV: ReadonlyArray<readonly [number, number]> = [
  [10, 5],
  [3, 2],
  [3, 2],
  [3, 2],
  [3, 2],
  [2, 2],
  [2, 2],
];

export interface Wav2Vec2ModelOptions {
  hidden: number;
  channels: number;
  seed: number;
  /** Graph name (recorded in the file); WavLM and HuBERT share this signature and conv stack. */
  name?: string;
}

/**
 * wav2vec2 signature: input_values [B,N] → last_hidden_state [B,T,D] with the real 7-layer conv stack (so T is
 * exactly the real model's frame count), then a layer that mixes each frame with the utterance mean.
 */
export function buildWav2Vec2Encoder(o: Wav2Vec2ModelOptions): Uint8Array {
  const rng = new Rng(o.seed);
  const g = new GraphBuilder(o.name ?? 'tiny-wav2vec2');
  const D = o.hidden;
  const C = o.channels;
  let x = g.op('Unsqueeze', [g.input('input_values', 'float', ['batch_size', 'sequence_length']), g.ints('axes', [1], [1])]);
  let inChannels = 1;
  for (const [kernel, stride] of WAV2VEC2_CONV) {
    const w = g.floats('conv_weight', [C, inChannels, kernel], rng.matrix(inChannels * kernel, C, 2));
    x = g.tanh(g.op('Conv', [x, w], { kernel_shape: [kernel], strides: [stride] }));
    inChannels = C;
  }
  const frames = g.op('Transpose', [x], { perm: [0, 2, 1] });
  let h = g.add(g.matmul(frames, g.floats('projection', [C, D], rng.matrix(C, D, 2))), g.floats('projection_bias', [D], rng.uniform(D, 0.1)));
  h = mixLayer(g, rng, h, g.mean(h, [1]), D);
  g.output('last_hidden_state', 'float', ['batch_size', 'sequence_length', D], h);
  return g.encode(`tiny ${o.name === undefined ? 'wav2vec2' : o.name.replace(/^tiny-/, '')}-signature audio encoder (random weights) for tests`);
}

export interface W2vBertModelOptions {
  hidden: number;
  /** Values per input row: mel bins × stride (80 × 2 = 160 for W2V2-BERT 2.0). */
  featureSize: number;
  seed: number;
  /** Whether the model takes attention_mask (the real export does; default true). Without it: a plain mean. */
  attentionMask?: boolean;
}

/**
 * W2V2-BERT 2.0 signature (Wav2Vec2BertModel, no adapter): input_features [B,T,160] (pairs of stacked 80-bin
 * log-mel frames, SeamlessM4TFeatureExtractor) + attention_mask [B,T] int64 → last_hidden_state [B,T,D], one
 * state per input row (50 per second). A feature projection, then mixing layers with the attention-masked mean
 * of the utterance, so padded rows change nothing and context does.
 */
export function buildW2vBertEncoder(o: W2vBertModelOptions): Uint8Array {
  const rng = new Rng(o.seed);
  const g = new GraphBuilder('tiny-w2v2-bert');
  const D = o.hidden;
  const features = g.input('input_features', 'float', ['batch_size', 'sequence_length', o.featureSize]);
  const mask = (o.attentionMask ?? true) ? g.input('attention_mask', 'int64', ['batch_size', 'sequence_length']) : undefined;
  // Inputs are normalised per mel bin (unit variance), so a plain Glorot projection keeps tanh in range.
  let x = g.add(g.matmul(features, g.floats('feature_projection', [o.featureSize, D], rng.matrix(o.featureSize, D))), g.floats('projection_bias', [D], rng.uniform(D, 0.1)));
  x = mixStack(g, rng, x, mask ? maskedMeanOf(g, mask) : (h) => g.mean(h, [1]), D, 2);
  g.output('last_hidden_state', 'float', ['batch_size', 'sequence_length', D], x);
  return g.encode('tiny W2V2-BERT-signature audio encoder (random weights) for tests');
}

/** The audeering regression head: dense → tanh → out_proj, [N,D] → [N,3] (arousal, dominance, valence). */
export function buildRegressionHead(o: { hidden: number; seed: number }): Uint8Array {
  const rng = new Rng(o.seed);
  const g = new GraphBuilder('tiny-regression-head');
  const D = o.hidden;
  const hs = g.input('hidden_states', 'float', ['frames', D]);
  const h = g.tanh(g.add(g.matmul(hs, g.floats('dense', [D, D], rng.matrix(D, D))), g.floats('dense_bias', [D], rng.uniform(D, 0.1))));
  const out = g.add(g.matmul(h, g.floats('out_proj', [D, 3], rng.matrix(D, 3))), g.floats('out_proj_bias', [3], rng.uniform(3, 0.1)));
  g.output('logits', 'float', ['frames', 3], out);
  return g.encode('tiny regression head (arousal, dominance, valence) for tests');
}

export interface WhisperModelOptions {
  hidden: number;
  melBins: number;
  frames: number;
  vocabSize: number;
  maxTargetPositions: number;
  seed: number;
}

/**
 * Whisper encoder signature (optimum `encoder_model.onnx`): input_features [B,80,3000] →
 * last_hidden_state [B,1500,D]: two convolutions (the second with stride 2), sinusoidal positions, mixing.
 */
export function buildWhisperEncoder(o: WhisperModelOptions): Uint8Array {
  const rng = new Rng(o.seed);
  const g = new GraphBuilder('tiny-whisper-encoder');
  const D = o.hidden;
  const outFrames = o.frames / 2;
  const feats = g.input('input_features', 'float', ['batch_size', o.melBins, o.frames]);
  let x = g.tanh(
    g.op('Conv', [feats, g.floats('conv1_weight', [D, o.melBins, 3], rng.matrix(o.melBins * 3, D)), g.floats('conv1_bias', [D], rng.uniform(D, 0.1))], {
      kernel_shape: [3],
      pads: [1, 1],
    }),
  );
  x = g.tanh(
    g.op('Conv', [x, g.floats('conv2_weight', [D, D, 3], rng.matrix(D * 3, D)), g.floats('conv2_bias', [D], rng.uniform(D, 0.1))], {
      kernel_shape: [3],
      pads: [1, 1],
      strides: [2],
    }),
  );
  x = g.op('Transpose', [x], { perm: [0, 2, 1] });
  // Sinusoidal positions computed in the graph (Whisper's are fixed sinusoids too), so they cost no bytes.
  const steps = g.op('Unsqueeze', [g.op('Cast', [g.op('Range', [g.ints('zero', [], [0]), g.ints('frames', [], [outFrames]), g.ints('one', [], [1])])], { to: 1 }), g.ints('axes', [1], [1])]);
  x = g.add(x, sinusoids(g, steps, D));
  x = mixLayer(g, rng, x, g.mean(x, [1]), D);
  g.output('last_hidden_state', 'float', ['batch_size', outFrames, D], x);
  return g.encode('tiny Whisper-signature encoder (random weights) for tests');
}

/**
 * Whisper decoder signature (optimum `decoder_model.onnx`, no past key values): input_ids [B,L] int64,
 * encoder_hidden_states [B,1500,D] → logits [B,L,V]. Token + position embeddings, a causal running mean
 * (each token sees only its past), one cross-attention over the encoder states, tied output embedding.
 */
export function buildWhisperDecoder(o: WhisperModelOptions): Uint8Array {
  const rng = new Rng(o.seed);
  const g = new GraphBuilder('tiny-whisper-decoder');
  const D = o.hidden;
  const ids = g.input('input_ids', 'int64', ['batch_size', 'decoder_sequence_length']);
  const enc = g.input('encoder_hidden_states', 'float', ['batch_size', 'encoder_sequence_length', D]);
  const embed = g.floats('embed_tokens', [o.vocabSize, D], rng.uniform(o.vocabSize * D, 1));
  const { positions: pos } = positions(g, ids);
  let x = g.add(
    g.op('Gather', [embed, ids], { axis: 0 }),
    g.op('Gather', [g.floats('embed_positions', [o.maxTargetPositions, D], rng.uniform(o.maxTargetPositions * D, 0.5)), pos], { axis: 0 }),
  );
  // Causal context: mean of tokens 0..i for position i.
  const counts = g.op('Unsqueeze', [g.op('Cast', [g.add(pos, g.ints('one', [], [1]))], { to: 1 }), g.ints('axes', [1], [1])]);
  const causal = g.op('Div', [g.op('CumSum', [x, g.ints('axis', [], [1])]), counts]);
  // Cross-attention: softmax(x·encᵀ/√D)·enc.
  const scores = g.op('Div', [g.matmul(x, g.op('Transpose', [enc], { perm: [0, 2, 1] })), g.floats('scale', [], [Math.sqrt(D)])]);
  const cross = g.matmul(g.op('Softmax', [scores], { axis: -1 }), enc);
  const a = g.floats('w_self', [D, D], rng.matrix(D, D));
  const b = g.floats('w_causal', [D, D], rng.matrix(D, D));
  const c = g.floats('w_cross', [D, D], rng.matrix(D, D, 4));
  x = g.tanh(g.add(g.add(g.matmul(x, a), g.matmul(causal, b)), g.matmul(cross, c)));
  const logits = g.op('MatMul', [g.mul(x, g.floats('logit_scale', [], [4])), g.op('Transpose', [embed], { perm: [1, 0] })]);
  g.output('logits', 'float', ['batch_size', 'decoder_sequence_length', o.vocabSize], logits);
  return g.encode('tiny Whisper-signature decoder (random weights) for tests');
}

