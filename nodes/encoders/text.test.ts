import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { GraphValidationError } from '../../runtime/errors.js';
import { buildTextEncoder } from '../../scripts/onnx/tiny-models.js';
import { int64Tensor, openOnnx, type OnnxModel } from '../models/onnx.js';
import { ModelNotFoundError } from '../models/resolve.js';
import { hasSharedTokenizer, runNode, sharedTokenizer, tinyModelDir } from '../models/test-support.js';
import { loadTokenizer } from '../models/tokenizer.js';
import type { Features, TextBatch } from '../values.js';
import { textEncoder, type TextEncoderParams } from './text.js';
import { windowAround } from './text-tokens.js';

const tinyText = tinyModelDir('tiny-text');

async function encode(texts: string[], params: Partial<TextEncoderParams> = {}, index?: Int32Array): Promise<Features> {
  const batch: TextBatch = { texts, ...(index ? { index } : {}) };
  const { outputs } = await runNode(textEncoder, { params: { model: tinyText, ...params }, samples: { s1: { texts: batch } } });
  return outputs.get('s1')!['features'] as Features;
}

/** Hidden states of one token sequence, straight from the model. */
async function hiddenStates(model: OnnxModel, ids: number[]): Promise<{ data: Float32Array; dim: number }> {
  const shape = [1, ids.length];
  const out = await model.run({
    input_ids: int64Tensor(ids, shape),
    attention_mask: int64Tensor(ids.map(() => 1), shape),
    token_type_ids: int64Tensor(ids.map(() => 0), shape),
  });
  const t = out['last_hidden_state']!;
  return { data: t.data as Float32Array, dim: t.dims[2]! };
}

function row(f: Features, i: number): Float32Array {
  return f.data.subarray(i * f.dims[1], (i + 1) * f.dims[1]);
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const texts = [
  'well I guess that is sure',
  'um maybe not',
  'I think the water was cold and the boy saw a big red fish near the river',
  '',
];

let model: OnnxModel;
let tokenizer: Awaited<ReturnType<typeof loadTokenizer>>['tokenizer'];
beforeAll(async () => {
  model = await openOnnx(path.join(tinyText, 'model.onnx'), { threads: 1 });
  tokenizer = (await loadTokenizer(tinyText)).tokenizer;
});

describe('encoder/text', () => {
  it('gives one row per text and passes the index through', async () => {
    const index = Int32Array.from([0, 0, 1, 2, 3, 3]);
    const f = await encode(texts, {}, index);
    expect(f.dims).toEqual([4, 32]);
    expect(f.data.length).toBe(4 * 32);
    expect(f.index).toEqual(index);
    expect(row(f, 0)).not.toEqual(row(f, 1));
  });

  it('cls pooling is the first hidden state; mean pooling the mean over all tokens', async () => {
    const cls = await encode(texts.slice(0, 3), { pooling: 'cls' });
    const mean = await encode(texts.slice(0, 3), { pooling: 'mean' });
    for (let i = 0; i < 3; i++) {
      const ids = tokenizer.encode(texts[i]!);
      const h = await hiddenStates(model, ids);
      expect(maxDiff(row(cls, i), h.data.subarray(0, h.dim))).toBeLessThan(1e-5);
      const expected = new Float32Array(h.dim);
      for (let t = 0; t < ids.length; t++) for (let d = 0; d < h.dim; d++) expected[d]! += h.data[t * h.dim + d]! / ids.length;
      expect(maxDiff(row(mean, i), expected)).toBeLessThan(1e-5);
    }
  });

  it('a batch of N equals N single texts (padding does not leak)', async () => {
    const together = await encode(texts, { batchSize: 8, pooling: 'mean' });
    const single = await encode(texts, { batchSize: 1, pooling: 'mean' });
    expect(maxDiff(together.data, single.data)).toBeLessThan(1e-5);
  });

  it('marker pooling picks the hidden state at the marker, which depends on its context', async () => {
    const marked = ['well I [ATTENTION] guess so', 'um [ATTENTION] maybe not', 'the boy [ATTENTION] guess so'];
    const f = await encode(marked, { pooling: 'marker' });
    const markerId = tokenizer.convert_tokens_to_ids('[ATTENTION]') as number;
    for (let i = 0; i < marked.length; i++) {
      const ids = tokenizer.encode(marked[i]!);
      const at = ids.indexOf(markerId);
      expect(at).toBeGreaterThan(0);
      const h = await hiddenStates(model, ids);
      expect(maxDiff(row(f, i), h.data.subarray(at * h.dim, (at + 1) * h.dim))).toBeLessThan(1e-5);
    }
    // Same marker position (third token), different words around it → different features.
    expect(maxDiff(row(f, 0), row(f, 2))).toBeGreaterThan(1e-3);
  });

  it('truncation keeps the marker, centred in the window', async () => {
    const words = Array.from({ length: 60 }, (_, i) => ['water', 'river', 'fish', 'boy'][i % 4]);
    const text = [...words.slice(0, 40), '[ATTENTION]', ...words.slice(40)].join(' ');
    const f = await encode([text], { pooling: 'marker', maxLength: 16 });
    const ids = tokenizer.encode(text, { add_special_tokens: false });
    const at = ids.indexOf(tokenizer.convert_tokens_to_ids('[ATTENTION]') as number);
    const start = windowAround(ids.length, at, 14);
    expect(start).toBe(at - 6);
    const window = [tokenizer.convert_tokens_to_ids('[CLS]') as number, ...ids.slice(start, start + 14), tokenizer.sep_token_id];
    const h = await hiddenStates(model, window);
    expect(maxDiff(row(f, 0), h.data.subarray(7 * h.dim, 8 * h.dim))).toBeLessThan(1e-5);
  });

  it('windows near the ends shift rather than cut the marker', () => {
    expect(windowAround(10, 3, 20)).toBe(0);
    expect(windowAround(100, 0, 10)).toBe(0);
    expect(windowAround(100, 99, 10)).toBe(90);
    expect(windowAround(100, 50, 10)).toBe(46);
    for (const p of [0, 5, 37, 99]) {
      const s = windowAround(100, p, 7);
      expect(p).toBeGreaterThanOrEqual(s);
      expect(p).toBeLessThan(s + 7);
    }
  });

  it('a text without the marker is an error naming the text and the sample', async () => {
    await expect(encode(['well I [ATTENTION] guess', 'um maybe not'], { pooling: 'marker' })).rejects.toThrow(
      /sample "s1".*text 1 "um maybe not" has no \[ATTENTION\] marker/s,
    );
  });

  it('an empty batch gives a 0-row matrix of the model width', async () => {
    const f = await encode([]);
    expect(f.dims).toEqual([0, 32]);
  });

  it('a missing model is one error, before the run, listing every missing file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'no-model-'));
    writeFileSync(path.join(dir, 'tokenizer.json'), '{}');
    const err = await runNode(textEncoder, { params: { model: dir }, samples: { s1: { texts: { texts: ['x'] } } } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphValidationError);
    const msg = (err as Error).message;
    expect(msg).toContain(`is missing model.onnx (or onnx/model.onnx), tokenizer_config.json (looked in ${dir})`);
    expect(msg).not.toMatch(/missing[^(]*tokenizer\.json,/);
    expect(msg).toContain('optimum-cli export onnx');
    // Used directly (not through a graph), the node's setup raises the typed error itself.
    const base = { revision: 'main', threads: 0, pooling: 'cls' as const, marker: '[ATTENTION]', maxLength: 128, batchSize: 16 };
    await expect(textEncoder.setup!({ params: { ...base, model: dir }, graphFile: path.join(dir, 'g.json') } as never)).rejects.toBeInstanceOf(
      ModelNotFoundError,
    );
  });

  it('requires() reports a present model and a missing one', async () => {
    const base = { revision: 'main', threads: 0, pooling: 'marker' as const, marker: '[ATTENTION]', maxLength: 128, batchSize: 16 };
    const [present] = await textEncoder.requires!({ ...base, model: tinyText }, path.join(tinyText, 'g.json'));
    expect(present).toMatchObject({ present: true, location: tinyText });
    const [missing] = await textEncoder.requires!({ ...base, model: './nowhere' }, path.join(tinyText, 'g.json'));
    expect(missing!.present).toBe(false);
    expect(missing!.missing).toEqual(['model.onnx (or onnx/model.onnx)', 'tokenizer.json', 'tokenizer_config.json']);
    expect(missing!.hint).toContain('[ATTENTION]');
  });
});

describe.skipIf(!hasSharedTokenizer('all-MiniLM-L6-v2'))('encoder/text with the real MiniLM WordPiece tokenizer', () => {
  /** A folder with the real tokenizer and a tiny BERT whose vocabulary has `vocab` rows. */
  function folder(vocab: number): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'minilm-tiny-'));
    for (const f of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) {
      copyFileSync(path.join(sharedTokenizer('all-MiniLM-L6-v2'), f), path.join(dir, f));
    }
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'model.onnx'), buildTextEncoder({ vocabSize: vocab, hidden: 16, maxPositions: 512, seed: 5 }));
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', vocab_size: vocab, hidden_size: 16 }));
    return dir;
  }

  it('encodes with cls pooling', async () => {
    const dir = folder(30522);
    const { outputs } = await runNode(textEncoder, { params: { model: dir }, samples: { a: { texts: { texts: ['Hesitant? Well, maybe.', 'Sure.'] } } } });
    const f = outputs.get('a')!['features'] as Features;
    expect(f.dims).toEqual([2, 16]);
    expect(f.data.every(Number.isFinite)).toBe(true);
  });

  it('adds the [ATTENTION] marker when the exported embedding has a row for it', async () => {
    const dir = folder(30523);
    const texts = ['I am not [ATTENTION] sure about it', 'well [ATTENTION] maybe'];
    const { outputs } = await runNode(textEncoder, { params: { model: dir, pooling: 'marker' }, samples: { a: { texts: { texts } } } });
    const f = outputs.get('a')!['features'] as Features;
    const tok = (await loadTokenizer(dir, ['[ATTENTION]'])).tokenizer;
    const ids = tok.encode(texts[0]!);
    expect(ids).toContain(30522);
    const m = await openOnnx(path.join(dir, 'model.onnx'), { threads: 1 });
    const h = await hiddenStates(m, ids);
    const at = ids.indexOf(30522);
    expect(maxDiff(row(f, 0), h.data.subarray(at * h.dim, (at + 1) * h.dim))).toBeLessThan(1e-5);
  });

  it('refuses the marker when the model was exported without a row for it', async () => {
    const dir = folder(30522);
    await expect(
      runNode(textEncoder, { params: { model: dir, pooling: 'marker' }, samples: { a: { texts: { texts: ['x [ATTENTION]'] } } } }),
    ).rejects.toThrow(/has no \[ATTENTION\] token and the model's vocabulary \(vocab_size 30522\) has no row for it/);
  });
});
