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
  maxPositions: number;
  seed: number;
}

/**
 * BERT/GTE signature: input_ids, attention_mask, token_type_ids (int64 [B,L]) → last_hidden_state [B,L,D].
 * Two layers, each mixing every token with the attention-masked mean of the sequence, so padding does not
 * change the states of real tokens (batching equivalence) while context does.
 */
export function buildTextEncoder(o: TextModelOptions): Uint8Array {
  const rng = new Rng(o.seed);
  const g = new GraphBuilder('tiny-bert');
  const D = o.hidden;
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const mask = g.input('attention_mask', 'int64', ['batch_size', 'sequence_length']);
  const types = g.input('token_type_ids', 'int64', ['batch_size', 'sequence_length']);
  const word = g.floats('word_embeddings', [o.vocabSize, D], rng.uniform(o.vocabSize * D, 1));
  const typeEmb = g.floats('token_type_embeddings', [2, D], rng.uniform(2 * D, 0.2));
  const posEmb = g.floats('position_embeddings', [o.maxPositions, D], rng.uniform(o.maxPositions * D, 0.2));
  const { positions: pos } = positions(g, ids);
  let x = g.add(
    g.add(g.op('Gather', [word, ids], { axis: 0 }), g.op('Gather', [typeEmb, types], { axis: 0 })),
    g.op('Gather', [posEmb, pos], { axis: 0 }),
  );
  const m = g.op('Unsqueeze', [g.op('Cast', [mask], { to: 1 }), g.ints('axes', [1], [2])]);
  const count = g.op('Max', [g.op('ReduceSum', [m, g.ints('axes', [1], [1])], { keepdims: 1 }), g.floats('one', [], [1])]);
  const maskedMean = (h: string) =>
    g.op('Div', [g.op('ReduceSum', [g.mul(h, m), g.ints('axes', [1], [1])], { keepdims: 1 }), count]);
  x = mixLayer(g, rng, x, maskedMean(x), D);
  x = g.add(x, mixLayer(g, rng, x, maskedMean(x), D));
  g.output('last_hidden_state', 'float', ['batch_size', 'sequence_length', D], x);
  return g.encode('tiny BERT/GTE-signature text encoder (random weights) for tests');
}

export interface VitModelOptions {
  hidden: number;
  imageSize: number;
  patchSize: number;
  seed: number;
}

/**
 * ViT signature: pixel_values [B,3,224,224] → last_hidden_state [B,1+P,D] (P = (224/14)² = 256 patches
 * plus CLS, as ViT-H/14). Patch embedding by a strided convolution, CLS from the mean of the patches.
 */
export function buildVitEncoder(o: VitModelOptions): Uint8Array {
  const rng = new Rng(o.seed);
  const g = new GraphBuilder('tiny-vit');
  const D = o.hidden;
  const grid = o.imageSize / o.patchSize;
  const patches = grid * grid;
  const pv = g.input('pixel_values', 'float', ['batch_size', 3, o.imageSize, o.imageSize]);
  const k = o.patchSize;
  const conv = g.op(
    'Conv',
    [pv, g.floats('patch_weight', [D, 3, k, k], rng.matrix(3 * k * k, D)), g.floats('patch_bias', [D], rng.uniform(D, 0.1))],
    { kernel_shape: [k, k], strides: [k, k] },
  );
  const tokens = g.op('Transpose', [g.op('Reshape', [conv, g.ints('shape', [3], [0, D, patches])])], { perm: [0, 2, 1] });
  const cls = g.add(g.matmul(g.mean(tokens, [1]), g.floats('cls_weight', [D, D], rng.matrix(D, D))), g.floats('cls_bias', [D], rng.uniform(D, 0.5)));
  let x = g.add(g.op('Concat', [cls, tokens], { axis: 1 }), g.floats('position_embeddings', [patches + 1, D], rng.uniform((patches + 1) * D, 0.2)));
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
}

/**
 * wav2vec2 signature: input_values [B,N] → last_hidden_state [B,T,D] with the real 7-layer conv stack (so T is
 * exactly the real model's frame count), then a layer that mixes each frame with the utterance mean.
 */
export function buildWav2Vec2Encoder(o: Wav2Vec2ModelOptions): Uint8Array {
  const rng = new Rng(o.seed);
  const g = new GraphBuilder('tiny-wav2vec2');
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
  return g.encode('tiny wav2vec2-signature audio encoder (random weights) for tests');
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
  // Frequencies 2^-k: exact in binary, so the file's bytes never depend on a libm.
  const freq = Float32Array.from({ length: D }, (_, i) => 1 / 2 ** Math.floor(i / 2));
  const phase = Float32Array.from({ length: D }, (_, i) => (i % 2) * 1.5707963267948966);
  const pos = g.op('Sin', [g.add(g.mul(steps, g.floats('freq', [D], freq)), g.floats('phase', [D], phase))]);
  x = g.add(x, pos);
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

