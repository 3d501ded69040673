import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../runtime/errors.js';
import { selectBackend } from '../../tf/backend.js';
import { emiSetup, goldenDir, goldenJson, maxAbsDiff } from './golden-fixtures.js';
import { createModel } from './model.js';
import { loadInto, parseSafetensors, readSafetensors, renameTensor, serializeSafetensors, writeSafetensors } from './safetensors.js';

beforeAll(async () => {
  await selectBackend();
});

describe('safetensors format', () => {
  it('reads F16, BF16, F64 and F32 written by Python, with metadata', () => {
    const expected = goldenJson<Record<string, number[]> & { shape: number[] }>('dtypes.json');
    const file = readSafetensors(path.join(goldenDir, 'dtypes.safetensors'));
    expect(file.metadata).toEqual({ note: 'dtype test' });
    for (const name of ['f16', 'bf16', 'f64', 'f32']) {
      expect(file.tensors[name]!.shape).toEqual(expected.shape);
      expect(Array.from(file.tensors[name]!.data)).toEqual(expected[name]);
    }
  });

  it('round-trips float32 tensors and metadata; the data starts 8-byte aligned', () => {
    const tensors = { b: { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 1e-30, 0, -0]) }, a: { shape: [], data: Float32Array.from([7]) } };
    const bytes = serializeSafetensors(tensors, { epoch: '3' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const back = parseSafetensors(bytes);
    expect(back.metadata).toEqual({ epoch: '3' });
    expect(back.tensors).toEqual(tensors);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'st-'));
    writeSafetensors(path.join(dir, 'x.safetensors'), tensors);
    expect(new Uint8Array(readFileSync(path.join(dir, 'x.safetensors')))).toEqual(serializeSafetensors(tensors));
  });

  it('reports malformed files clearly', () => {
    expect(() => parseSafetensors(new Uint8Array(4), 'f.st')).toThrow(/f.st: too short/);
    const bytes = serializeSafetensors({ w: { shape: [2], data: Float32Array.from([1, 2]) } });
    expect(() => parseSafetensors(bytes.subarray(0, bytes.length - 4), 'f.st')).toThrow(/tensor "w" \(F32 \[2\]\) has data offsets \[0, 8\]/);
    expect(() => readSafetensors('/nonexistent/file.safetensors')).toThrow(InputError);
    expect(() => serializeSafetensors({ w: { shape: [3], data: new Float32Array(2) } })).toThrow(/shape \[3\] holds 3 values, data has 2/);
  });

  it('renames by the longest matching prefix', () => {
    const rename = { 'a.': 'x.', 'a.b.': 'y.' };
    expect(renameTensor('a.b.c', rename)).toBe('y.c');
    expect(renameTensor('a.c', rename)).toBe('x.c');
    expect(renameTensor('q.c', rename)).toBe('q.c');
  });
});

describe('loading a PyTorch state dict (authors’ names) into a model', () => {
  const { g, spec, feeds, batch } = emiSetup();
  const file = path.join(goldenDir, 'emi.safetensors');

  it('maps names through the rename and reproduces torch’s forward output', () => {
    const model = createModel(spec, feeds, 11);
    // The file also holds the inputs (input.*): load non-strictly and check what was left out.
    const report = loadInto(model, file, { rename: g.rename, strict: false });
    expect(report.missing).toEqual([]);
    expect(report.unexpected.sort()).toEqual(['input.text', 'input.x', 'input.y']);
    expect(report.loaded).toHaveLength(12);
    const { prediction } = model.forward(batch, { training: false });
    expect(maxAbsDiff(prediction.dataSync(), g.prediction)).toBeLessThanOrEqual(1e-5);
    prediction.dispose();
    model.dispose();
  });

  it('names missing, unexpected and mis-shaped tensors', () => {
    const model = createModel(spec, feeds, 11);
    const tensors = readSafetensors(file).tensors;
    expect(() => loadInto(model, file, { rename: g.rename })).toThrow(/unexpected in file: "input.text", "input.x", "input.y"/);
    const { ['fusion.2.bias']: _b, ...noBias } = tensors;
    const weightsOnly = Object.fromEntries(Object.entries(noBias).filter(([n]) => !n.startsWith('input.')));
    expect(() => loadInto(model, weightsOnly, { rename: g.rename })).toThrow(/missing in file: "head.2.bias"/);
    const wrong = { ...weightsOnly, 'fusion.2.bias': { shape: [7], data: new Float32Array(7) } };
    expect(() => loadInto(model, wrong, { rename: g.rename })).toThrow(/shape mismatch: "fusion.2.bias" \(as "head.2.bias"\): file \[7\], model \[3\]/);
    expect(() => loadInto(model, weightsOnly)).toThrow(/"vision_lstm.weight_ih_l0"/);
    model.dispose();
  });

  it('round-trips model weights through a file', () => {
    const a = createModel(spec, feeds, 1);
    const b = createModel(spec, feeds, 2);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'st-'));
    writeSafetensors(path.join(dir, 'w.safetensors'), a.getWeights());
    loadInto(b, path.join(dir, 'w.safetensors'));
    expect(b.getWeights()).toEqual(a.getWeights());
    a.dispose();
    b.dispose();
  });
});
