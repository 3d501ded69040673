/**
 * The encoder-ablation stand-ins in samples/models (paper Tables 2 and 5): the real exports' signatures, widths
 * in the real models' ratios, tokenizers that know the sample words and the [ATTENTION] marker, and each one
 * running through its encoder node. (test/tiny-models.test.ts checks that the script reproduces them.)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { wordsOf } from '../../scripts/onnx/words.js';
import { readJsonObject } from '../models/files.js';
import { repoRoot, runNode, syntheticPcm, tinyModelDir, type TinyModel } from '../models/test-support.js';
import { loadTokenizer } from '../models/tokenizer.js';
import type { FaceFrame, FaceStream, Features, TextBatch } from '../values.js';
import { audioEncoder } from './audio.js';
import { imageEncoder } from './image.js';
import { textEncoder } from './text.js';

const TEXT = { 'tiny-bert-base': 24, 'tiny-bert-large': 32, 'tiny-roberta-base': 24, 'tiny-gte-base': 24, 'tiny-gte-large': 32 } as const;
const VISION = { 'tiny-vit-s': [12, 197], 'tiny-vit-b': [24, 197], 'tiny-vit-h': [40, 257] } as const;
type TextModel = keyof typeof TEXT;

async function signature(model: TinyModel, file = 'model.onnx'): Promise<{ inputs: string[]; outputs: string[] }> {
  const s = await ort.InferenceSession.create(path.join(tinyModelDir(model), file));
  const meta = (m: readonly ort.InferenceSession.ValueMetadata[]) => m.map((v) => (v.isTensor ? `${v.name}:${v.type}[${v.shape.join(',')}]` : v.name));
  const out = { inputs: meta(s.inputMetadata), outputs: meta(s.outputMetadata) };
  await s.release();
  return out;
}

const ids = (name: string) => `${name}:int64[batch_size,sequence_length]`;

describe('text stand-ins', () => {
  it.each(Object.entries(TEXT))('%s: the real export signature, width %i, config consistent with the tokenizer', async (name, width) => {
    const model = name as TextModel;
    const s = await signature(model);
    const roberta = model === 'tiny-roberta-base';
    // RoBERTa's export has no token_type_ids; BERT's and GTE's have them.
    expect(s.inputs).toEqual(roberta ? [ids('input_ids'), ids('attention_mask')] : [ids('input_ids'), ids('attention_mask'), ids('token_type_ids')]);
    expect(s.outputs).toEqual([`last_hidden_state:float32[batch_size,sequence_length,${width}]`]);
    const config = readJsonObject(path.join(tinyModelDir(model), 'config.json'));
    const { size } = await loadTokenizer(tinyModelDir(model));
    expect(config['hidden_size']).toBe(width);
    expect(config['vocab_size']).toBe(size);
    expect(config['model_type']).toBe(roberta ? 'roberta' : model.startsWith('tiny-gte') ? 'new' : 'bert');
  });

  it('large models are wider than base ones, as bert-large / gte-large (1024) against base (768)', () => {
    expect(TEXT['tiny-bert-large'] / TEXT['tiny-bert-base']).toBe(1024 / 768);
    expect(TEXT['tiny-gte-large'] / TEXT['tiny-gte-base']).toBe(1024 / 768);
  });

  const sampleWords = [...new Set(wordsOf(readFileSync(path.join(repoRoot, 'samples/models/words.txt'), 'utf8')))];

  it.each(Object.keys(TEXT))('%s: every sample word is one token and [ATTENTION] is a special token', async (name) => {
    const { tokenizer } = await loadTokenizer(tinyModelDir(name as TextModel));
    const roberta = name === 'tiny-roberta-base';
    expect(sampleWords.length).toBeGreaterThan(100);
    for (const word of sampleWords) {
      // RoBERTa sees words after a space (Ġword); WordPiece lower-cases and splits on spaces.
      const pieces = tokenizer.encode(roberta ? ` ${word}` : word, { add_special_tokens: false });
      expect(pieces, word).toHaveLength(1);
    }
    const marker = tokenizer.encode('well [ATTENTION] maybe', { add_special_tokens: false });
    const markerId = tokenizer.convert_tokens_to_ids('[ATTENTION]') as number;
    expect(marker.filter((id) => id === markerId)).toHaveLength(1);
    expect(tokenizer.all_special_ids).toContain(markerId);
    // Not lower-cased or split: the marker text in other case is ordinary text.
    expect(tokenizer.encode('[attention]', { add_special_tokens: false })).not.toContain(markerId);
  });

  it('RoBERTa: byte-level BPE with <s> … </s> and <pad> 1, as roberta-base', async () => {
    const { tokenizer } = await loadTokenizer(tinyModelDir('tiny-roberta-base'));
    const encoded = tokenizer.encode('I really admire that');
    expect(encoded[0]).toBe(0);
    expect(encoded.at(-1)).toBe(2);
    expect(tokenizer.pad_token_id).toBe(1);
    expect(tokenizer.decode(encoded, { skip_special_tokens: true })).toBe('I really admire that');
    // Any text round-trips, even outside the vocabulary (bytes).
    expect(tokenizer.decode(tokenizer.encode('Zoë says ¡hola! 😀', { add_special_tokens: false }))).toBe('Zoë says ¡hola! 😀');
  });

  it('through encoder/text with marker pooling: one row per text of the model width; the variants differ', async () => {
    const texts: TextBatch = { texts: ['I guess [ATTENTION] maybe not', 'well [ATTENTION] that was really funny', '[ATTENTION] um okay'] };
    const rows: Record<string, Features> = {};
    for (const model of Object.keys(TEXT) as TextModel[]) {
      const { outputs } = await runNode(textEncoder, { params: { model: tinyModelDir(model), pooling: 'marker' }, samples: { s: { texts } } });
      rows[model] = outputs.get('s')!['features'] as Features;
      expect(rows[model].dims, model).toEqual([3, TEXT[model]]);
      expect(rows[model].data.every(Number.isFinite)).toBe(true);
    }
    const base = rows['tiny-bert-base']!.data;
    for (const model of ['tiny-roberta-base', 'tiny-gte-base'] as const) expect(rows[model]!.data.some((v, i) => Math.abs(v - base[i]!) > 1e-3)).toBe(true);
    // RoBERTa pads with <pad> (1) under a zero attention mask: batching does not change a text's row.
    const { outputs } = await runNode(textEncoder, {
      params: { model: tinyModelDir('tiny-roberta-base'), pooling: 'marker', batchSize: 1 },
      samples: { s: { texts } },
    });
    const oneByOne = outputs.get('s')!['features'] as Features;
    const batched = rows['tiny-roberta-base']!.data;
    expect(Math.max(...oneByOne.data.map((v, i) => Math.abs(v - batched[i]!)))).toBeLessThan(1e-5);
  });
});

describe('vision stand-ins', () => {
  it.each(Object.entries(VISION))('%s: pixel_values [B,3,224,224] → [B,tokens,D] = %j', async (name, [width, tokens]) => {
    const s = await signature(name as keyof typeof VISION);
    expect(s.inputs).toEqual(['pixel_values:float32[batch_size,3,224,224]']);
    expect(s.outputs).toEqual([`last_hidden_state:float32[batch_size,${tokens},${width}]`]);
    const config = readJsonObject(path.join(tinyModelDir(name as TinyModel), 'config.json'));
    expect(config['patch_size']).toBe(tokens === 257 ? 14 : 16);
  });

  it('through encoder/image: widths 12 < 24 < 40 (ViT-S 384, ViT-B 768, ViT-H 1280)', async () => {
    function faces(): FaceStream {
      async function* frames(): AsyncGenerator<FaceFrame> {
        for (let i = 0; i < 3; i++) {
          const rgb = new Uint8Array(64 * 64 * 3).map((_, j) => (j * 7 + i * 29) & 255);
          yield { index: i, time: i / 5, found: true, box: [0, 0, 64, 64], score: 0.9, crop: { width: 64, height: 64, rgb } };
        }
      }
      return { fps: 5, count: 3, frames: frames() };
    }
    for (const [model, [width]] of Object.entries(VISION)) {
      const { outputs } = await runNode(imageEncoder, { params: { model: tinyModelDir(model as TinyModel) }, samples: { v: { frames: faces() } }, feedTypes: { frames: 'video/faces' } });
      const f = outputs.get('v')!['features'] as Features;
      expect(f.dims, model).toEqual([3, width]);
      expect(f.data.every(Number.isFinite)).toBe(true);
    }
  });
});

describe('audio stand-ins', () => {
  it('tiny-wavlm: the wav2vec2 signature, no head; tiny-w2v2-bert: the W2V2-BERT 2.0 signature with its feature extractor', async () => {
    expect(await signature('tiny-wavlm')).toEqual({
      inputs: ['input_values:float32[batch_size,sequence_length]'],
      outputs: ['last_hidden_state:float32[batch_size,sequence_length,32]'],
    });
    expect(await signature('tiny-w2v2-bert')).toEqual({
      inputs: ['input_features:float32[batch_size,sequence_length,160]', ids('attention_mask')],
      outputs: ['last_hidden_state:float32[batch_size,sequence_length,32]'],
    });
    const prep = readJsonObject(path.join(tinyModelDir('tiny-w2v2-bert'), 'preprocessor_config.json'));
    expect(prep).toMatchObject({ feature_extractor_type: 'SeamlessM4TFeatureExtractor', num_mel_bins: 80, stride: 2, sampling_rate: 16000 });
    expect(readJsonObject(path.join(tinyModelDir('tiny-wav2vec2'), 'config.json'))['id2label']).toBeDefined();
  });

  it('the three audio variants run through encoder/audio at 50 frames/s; only audeering has the head', async () => {
    const audio = syntheticPcm(2);
    const run = async (model: TinyModel, head: boolean) =>
      (await runNode(audioEncoder, { params: { model: tinyModelDir(model), head }, samples: { a: { audio } } })).outputs.get('a')!['features'] as Features;
    const audeering = await run('tiny-wav2vec2', true);
    const wavlm = await run('tiny-wavlm', false);
    const w2vBert = await run('tiny-w2v2-bert', false);
    expect(audeering.dims).toEqual([99, 35]);
    expect(wavlm.dims).toEqual([99, 32]);
    expect(w2vBert.dims).toEqual([99, 32]);
    for (const f of [audeering, wavlm, w2vBert]) expect(f.rate).toBe(50);
  });
});
