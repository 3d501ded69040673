/**
 * The committed tiny models: reproducible byte for byte from scripts/make-tiny-models.ts, small, and with the
 * input/output signatures of the real exports (checked through onnxruntime's metadata and real runs).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../nodes/models/test-support.js';
import { ProtoWriter } from '../scripts/onnx/proto.js';

const committed = path.join(repoRoot, 'samples/models');

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full, base) : [path.relative(base, full).split(path.sep).join('/')];
  });
}

const modelFiles = () => listFiles(committed).filter((f) => /^tiny-[^/]+\//.test(f) || f === 'MANIFEST.json');

describe('tiny models', () => {
  it('re-running the script reproduces every committed file byte for byte', () => {
    const manifest = JSON.parse(readFileSync(path.join(committed, 'MANIFEST.json'), 'utf8')) as { words: string | null };
    const out = mkdtempSync(path.join(os.tmpdir(), 'tiny-models-'));
    const args = ['--import', 'tsx', path.join(repoRoot, 'scripts/make-tiny-models.ts'), '--out', out];
    if (manifest.words) args.push('--words', path.join(repoRoot, manifest.words));
    execFileSync(process.execPath, args, { cwd: repoRoot, stdio: 'pipe' });
    const fresh = listFiles(out).sort();
    expect(modelFiles().sort()).toEqual(fresh);
    for (const f of fresh) expect(readFileSync(path.join(out, f)).equals(readFileSync(path.join(committed, f))), f).toBe(true);
  });

  it('stay well under 2 MB in all', () => {
    const total = modelFiles().reduce((s, f) => s + statSync(path.join(committed, f)).size, 0);
    expect(total).toBeLessThan(2 * 1024 * 1024);
  });

  const signature = async (file: string) => {
    const s = await ort.InferenceSession.create(path.join(committed, file));
    const meta = (m: readonly ort.InferenceSession.ValueMetadata[]) =>
      m.map((v) => (v.isTensor ? `${v.name}:${v.type}[${v.shape.join(',')}]` : v.name));
    return { inputs: meta(s.inputMetadata), outputs: meta(s.outputMetadata), session: s };
  };

  it('text encoder: BERT/GTE signature', async () => {
    const s = await signature('tiny-text/model.onnx');
    expect(s.inputs).toEqual([
      'input_ids:int64[batch_size,sequence_length]',
      'attention_mask:int64[batch_size,sequence_length]',
      'token_type_ids:int64[batch_size,sequence_length]',
    ]);
    expect(s.outputs).toEqual(['last_hidden_state:float32[batch_size,sequence_length,32]']);
  });

  it('ViT: pixel_values [B,3,224,224] → last_hidden_state [B,257,D]', async () => {
    const s = await signature('tiny-vit/model.onnx');
    expect(s.inputs).toEqual(['pixel_values:float32[batch_size,3,224,224]']);
    expect(s.outputs).toEqual(['last_hidden_state:float32[batch_size,257,32]']);
  });

  it('wav2vec2: input_values [B,N] → [B,T,D] with T = floor((N-400)/320)+1, and a [N,D] → [N,3] head', async () => {
    const s = await signature('tiny-wav2vec2/model.onnx');
    expect(s.inputs).toEqual(['input_values:float32[batch_size,sequence_length]']);
    for (const n of [400, 1000, 16000]) {
      const out = await s.session.run({ input_values: new ort.Tensor('float32', new Float32Array(2 * n).fill(0.1), [2, n]) });
      expect(out['last_hidden_state']!.dims).toEqual([2, Math.floor((n - 400) / 320) + 1, 32]);
    }
    const head = await signature('tiny-wav2vec2/head.onnx');
    expect(head.inputs).toEqual(['hidden_states:float32[frames,32]']);
    expect(head.outputs).toEqual(['logits:float32[frames,3]']);
  });

  it('Whisper: optimum encoder_model / decoder_model signatures', async () => {
    const enc = await signature('tiny-whisper/encoder_model.onnx');
    expect(enc.inputs).toEqual(['input_features:float32[batch_size,80,3000]']);
    expect(enc.outputs).toEqual(['last_hidden_state:float32[batch_size,1500,16]']);
    const dec = await signature('tiny-whisper/decoder_model.onnx');
    expect(dec.inputs).toEqual(['input_ids:int64[batch_size,decoder_sequence_length]', 'encoder_hidden_states:float32[batch_size,encoder_sequence_length,16]']);
    expect(dec.outputs).toEqual(['logits:float32[batch_size,decoder_sequence_length,1766]']);
  });

  it('the Whisper decoder is causal: a token does not see later tokens', async () => {
    const dec = await signature('tiny-whisper/decoder_model.onnx');
    const enc = new ort.Tensor('float32', new Float32Array(1500 * 16).map((_, i) => Math.sin(i)), [1, 1500, 16]);
    const run = async (ids: number[]) =>
      (await dec.session.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]), encoder_hidden_states: enc }))['logits']!
        .data as Float32Array;
    const short = await run([257, 258]);
    const long = await run([257, 258, 300]);
    expect(Array.from(long.subarray(0, short.length))).toEqual(Array.from(short));
  });
});

describe('protobuf writer', () => {
  it('writes varints, negative int64 as ten bytes, little-endian floats and length-delimited fields', () => {
    const w = new ProtoWriter().varint(1, 300).varint(2, -1).float(3, 1).string(4, 'hi');
    expect(Array.from(w.finish())).toEqual([
      0x08, 0xac, 0x02, 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x1d, 0x00, 0x00, 0x80, 0x3f, 0x22, 0x02, 0x68, 0x69,
    ]);
  });
});
