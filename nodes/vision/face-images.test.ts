import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../runtime/errors.js';
import { collect, meanChannel, runMapNode, tempDir, testMedia } from '../media/test-util.js';
import type { FaceFrame, FaceStream } from '../values.js';
import { batches, faceImages, listNumberedImages, type FaceImagesParams } from './face-images.js';
import { mapAhead } from './stream.js';

const defaults: FaceImagesParams = { fps: 24, size: 256, pattern: '^frame-(\\d+)\\.(?:jpe?g|png)$', batch: 64 };

async function read(dir: string, params: Partial<FaceImagesParams> = {}): Promise<{ stream: FaceStream; frames: FaceFrame[] }> {
  const out = await runMapNode(faceImages, { ...defaults, ...params }, { dir });
  const stream = out['faces'] as FaceStream;
  return { stream, frames: await collect(stream.frames) };
}

describe('vision/face-images', () => {
  it('streams images in numeric frame order, fills gaps with found: false and resizes to 256×256', async () => {
    const { stream, frames } = await read(testMedia('faces'));
    expect(stream).toMatchObject({ fps: 24, count: 11 });
    expect(frames.map((f) => f.index)).toEqual([...Array(11).keys()]);
    expect(frames.filter((f) => f.found).map((f) => f.index)).toEqual([0, 1, 3, 10]);
    frames.forEach((f) => expect(f.time).toBeCloseTo(f.index / 24, 9));
    for (const f of frames.filter((x) => x.found)) {
      expect(f.crop).toMatchObject({ width: 256, height: 256 });
      expect(f.crop!.rgb.length).toBe(256 * 256 * 3);
      // Image N is a flat colour with red = 20·N (JPEG shifts it a little).
      expect(Math.abs(meanChannel(f.crop!.rgb, 0) - 20 * f.index)).toBeLessThan(8);
    }
    expect(frames[2]!.crop).toBeUndefined();
  });

  it('gives the same faces whatever the batch size', async () => {
    const a = await read(testMedia('faces'), { batch: 1 });
    const b = await read(testMedia('faces'), { batch: 64 });
    expect(b.frames.map((f) => f.found)).toEqual(a.frames.map((f) => f.found));
    for (const [i, f] of a.frames.entries()) {
      if (!f.crop) continue;
      const other = b.frames[i]!.crop!.rgb;
      let maxDiff = 0;
      for (let k = 0; k < f.crop.rgb.length; k++) maxDiff = Math.max(maxDiff, Math.abs(f.crop.rgb[k]! - other[k]!));
      // Same-size images are bit-identical; an image scaled after a size change mid-batch may differ by
      // ffmpeg's rounding in the reconfigured scaler.
      expect(maxDiff, `frame ${i}`).toBeLessThanOrEqual(f.index === 1 ? 2 : 0);
    }
  });

  it('names an image ffmpeg cannot decode', async () => {
    const dir = tempDir('face-images-');
    cpSync(testMedia('faces'), dir, { recursive: true });
    const bad = path.join(dir, 'frame-1.jpg');
    writeFileSync(bad, 'not a jpeg at all');
    const error = await read(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain(bad);
  });

  it('reports a missing folder and a folder without face images', async () => {
    const missing = path.join(tempDir('face-images-'), 'nope');
    await expect(read(missing)).rejects.toThrow(/does not exist/);
    await expect(read(tempDir('face-images-'))).rejects.toBeInstanceOf(InputError);
  });

  it('splits batches by file type and size', async () => {
    const images = await listNumberedImages(testMedia('faces'), new RegExp(defaults.pattern, 'i'));
    expect(images.map((i) => i.n)).toEqual([0, 1, 3, 10]);
    expect(batches(images, 2).map((b) => b.map((i) => i.n))).toEqual([[0, 1], [3], [10]]);
  });
});

describe('mapAhead', () => {
  it('keeps order while running ahead, and stops the source on early exit', async () => {
    let pulled = 0;
    let closed = false;
    async function* source() {
      try {
        for (let i = 0; i < 100; i++) {
          pulled++;
          yield i;
        }
      } finally {
        closed = true;
      }
    }
    let running = 0;
    let maxRunning = 0;
    const out: number[] = [];
    for await (const v of mapAhead(source(), async (x) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, (x * 7) % 5));
      running--;
      return x * 2;
    }, 2)) {
      out.push(v);
      if (out.length === 10) break;
    }
    expect(out).toEqual([...Array(10).keys()].map((x) => x * 2));
    expect(maxRunning).toBeGreaterThan(1);
    expect(maxRunning).toBeLessThanOrEqual(3);
    expect(pulled).toBeLessThanOrEqual(13);
    expect(closed).toBe(true);
  });

  it('passes on an error of the mapping function', async () => {
    async function* source() {
      yield* [1, 2, 3];
    }
    const it = mapAhead(source(), async (x) => {
      if (x === 2) throw new Error('boom at 2');
      return x;
    });
    await expect(collect(it)).rejects.toThrow('boom at 2');
  });
});
