/**
 * With real pretrained models under ../shared/models (a Whisper export with encoder_model.onnx and
 * decoder_model.onnx; a sentence encoder with model.onnx and tokenizer.json), the nodes must do the real job:
 * Whisper transcribes the sample speech, and the text encoder ranks a paraphrase above an unrelated sentence.
 * Skipped when no such model is present (a user's clone has no shared/ folder).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { whisperAsr } from '../nodes/asr/whisper.js';
import { textEncoder as textEncoderNode } from '../nodes/encoders/text.js';
import { demux } from '../nodes/media/demux.js';
import { runNode } from '../nodes/models/test-support.js';
import type { NodeDefinition } from '../runtime/contract.js';
import type { Features, Transcript } from '../nodes/values.js';
import { repoRoot } from './helpers.js';

const shared = path.resolve(repoRoot, '../shared/models');

/** Model folders under shared/ (one level of nesting) that contain all of `files`. */
function modelFolders(files: string[]): string[] {
  if (!existsSync(shared)) return [];
  const out: string[] = [];
  const visit = (dir: string, depth: number) => {
    if (files.every((f) => existsSync(path.join(dir, f)) || existsSync(path.join(dir, 'onnx', f)))) out.push(dir);
    if (depth === 0) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) visit(path.join(dir, e.name), depth - 1);
  };
  visit(shared, 2);
  return out;
}

const whisper = modelFolders(['encoder_model.onnx', 'decoder_model.onnx', 'tokenizer.json'])[0];
const textEncoder = modelFolders(['model.onnx', 'tokenizer.json']).find((d) => !d.includes('whisper'));

function words(s: string): string[] {
  return s
    .toLowerCase()
    .replace(/[^a-z' ]+/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

/** Word error rate (Levenshtein over words). */
function wer(reference: string, hypothesis: string): number {
  const r = words(reference);
  const h = words(hypothesis);
  const d = Array.from({ length: r.length + 1 }, (_, i) => [i, ...Array<number>(h.length).fill(0)]);
  for (let j = 1; j <= h.length; j++) d[0]![j] = j;
  for (let i = 1; i <= r.length; i++) {
    for (let j = 1; j <= h.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (r[i - 1] === h[j - 1] ? 0 : 1));
    }
  }
  return d[r.length]![h.length]! / Math.max(1, r.length);
}

describe.skipIf(!whisper)('real Whisper transcribes real speech', () => {
  it('gets the words of sample clips right', async () => {
    const clips = readdirSync(path.join(repoRoot, 'samples/emi/text'))
      .slice(0, 3)
      .map((f) => f.replace('.txt', ''));
    const audio = await runNode(demux as NodeDefinition, { samples: Object.fromEntries(clips.map((id) => [id, { file: path.join(repoRoot, `samples/emi/audio/${id}.mp3`) }])) });
    const samples = Object.fromEntries(clips.map((id) => [id, { audio: audio.outputs.get(id)!['audio'] }]));
    const out = await runNode(whisperAsr as NodeDefinition, { params: { model: whisper! }, samples });
    for (const id of clips) {
      const reference = readFileSync(path.join(repoRoot, `samples/emi/text/${id}.txt`), 'utf8');
      expect(wer(reference, (out.outputs.get(id)!['transcript'] as Transcript).text)).toBeLessThan(0.35);
    }
  }, 300_000);
});

describe.skipIf(!textEncoder)('a real text encoder understands meaning', () => {
  it('ranks a paraphrase above an unrelated sentence', async () => {
    const texts = ['The weather is lovely today.', 'It is a beautiful sunny day.', 'The invoice must be paid by Friday.'];
    const out = await runNode(textEncoderNode as NodeDefinition, { params: { model: textEncoder!, pooling: 'mean' }, samples: { s: { texts: { texts } } } });
    const f = out.outputs.get('s')!['features'] as Features;
    const d = f.dims[1];
    const row = (i: number) => f.data.subarray(i * d, (i + 1) * d);
    const cos = (a: Float32Array, b: Float32Array) => {
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let k = 0; k < d; k++) {
        ab += a[k]! * b[k]!;
        aa += a[k]! * a[k]!;
        bb += b[k]! * b[k]!;
      }
      return ab / Math.sqrt(aa * bb);
    };
    expect(cos(row(0), row(1))).toBeGreaterThan(cos(row(0), row(2)));
  }, 300_000);
});
