/**
 * vision/face-images: a folder of pre-cropped, aligned face images named `frame-<N>.jpg` (as BAH ships
 * them) → a FaceStream in frame order, with `found: false` entries for missing frame numbers.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { defineNode } from '../../runtime/contract.js';
import { InputError } from '../../runtime/errors.js';
import { ffmpegFailure, relevantStderr, runFfmpeg } from '../media/ffmpeg.js';
import type { FaceFrame, FaceStream } from '../values.js';

export interface FaceImagesParams {
  fps: number;
  size: number;
  pattern: string;
  batch: number;
}

export interface NumberedImage {
  n: number;
  file: string;
}

const IMAGE_TYPES: Record<string, string> = { '.jpg': 'jpeg', '.jpeg': 'jpeg', '.png': 'png' };

/** Images of `dir` whose names match `pattern` (first group = frame number), in frame-number order. */
export async function listNumberedImages(dir: string, pattern: RegExp): Promise<NumberedImage[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(
      code === 'ENOENT' ? 'face image folder does not exist' : code === 'ENOTDIR' ? 'not a folder (a folder of face images was expected)' : `cannot read the face image folder (${code})`,
      { file: dir },
    );
  }
  const images: NumberedImage[] = [];
  const seen = new Map<number, string>();
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m || !IMAGE_TYPES[path.extname(name).toLowerCase()]) continue;
    const n = Number(m[1]);
    if (!Number.isInteger(n)) continue;
    if (seen.has(n)) throw new InputError(`two images for frame ${n}: ${seen.get(n)} and ${name}`, { file: dir });
    seen.set(n, name);
    images.push({ n, file: path.join(dir, name) });
  }
  return images.sort((a, b) => a.n - b.n);
}

/** Splits images into runs of one file type (ffmpeg's concat demuxer needs one codec) of at most `max`. */
export function batches(images: NumberedImage[], max: number): NumberedImage[][] {
  const out: NumberedImage[][] = [];
  let cur: NumberedImage[] = [];
  let type = '';
  for (const img of images) {
    const t = IMAGE_TYPES[path.extname(img.file).toLowerCase()]!;
    if (cur.length && (t !== type || cur.length >= max)) {
      out.push(cur);
      cur = [];
    }
    type = t;
    cur.push(img);
  }
  if (cur.length) out.push(cur);
  return out;
}

const quote = (file: string) => `'${file.replace(/'/g, "'\\''")}'`;

function decodeArgs(input: string[], size: number): string[] {
  return ['-v', 'error', ...input, '-vf', `scale=${size}:${size}`, '-vsync', 'passthrough', '-pix_fmt', 'rgb24', '-f', 'rawvideo', '-'];
}

/** Decodes one image alone; an `InputError` naming it when ffmpeg complains or gives no picture. */
export async function decodeImage(file: string, size: number, signal?: AbortSignal): Promise<Uint8Array> {
  const { stdout, stderr, code } = await runFfmpeg(decodeArgs(['-i', file], size), { file, what: 'decode the image', ...(signal ? { signal } : {}) });
  const complaints = relevantStderr(stderr);
  if (code !== 0 || stdout.length !== size * size * 3 || complaints.length) {
    throw ffmpegFailure(file, 'decode the image', stderr || `got ${stdout.length} bytes instead of one ${size}×${size} picture`, code);
  }
  return Uint8Array.prototype.slice.call(stdout);
}

/**
 * Decodes a batch with one ffmpeg run (concat demuxer). If ffmpeg complains or the count is off, the
 * batch is decoded image by image so the bad file can be named.
 */
async function* decodeBatch(batch: NumberedImage[], size: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'affectflow-faces-'));
  const list = path.join(tmp, 'list.ffconcat');
  // `duration` keeps timestamps increasing from image to image.
  await writeFile(list, 'ffconcat version 1.0\n' + batch.map((b) => `file ${quote(b.file)}\nduration 1\n`).join(''));
  const pictures: Uint8Array[] = [];
  let clean = true;
  try {
    const args = decodeArgs(['-f', 'concat', '-safe', '0', '-i', list], size);
    const { stdout, stderr, code } = await runFfmpeg(args, { file: batch[0]!.file, what: 'decode the images', ...(signal ? { signal } : {}) });
    const bytes = size * size * 3;
    clean = code === 0 && stdout.length === bytes * batch.length && relevantStderr(stderr).length === 0;
    // Copies, so a crop kept downstream does not hold on to the whole batch.
    if (clean) for (let i = 0; i < batch.length; i++) pictures.push(Uint8Array.prototype.slice.call(stdout, i * bytes, (i + 1) * bytes));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  if (clean) {
    yield* pictures;
    return;
  }
  for (const b of batch) yield await decodeImage(b.file, size, signal);
}

export const faceImages = defineNode<FaceImagesParams>({
  type: 'vision/face-images',
  version: '1',
  description: 'Streams a folder of pre-cropped face images (frame-<N>.jpg) as faces in frame order.',
  docs: `
Reads \`frame-<N>.jpg\` / \`.png\` files (the frame number N counts from 0) in numeric order, decodes them
with ffmpeg in batches (one process per \`batch\` images), scales them to \`size\`×\`size\` when they differ,
and yields one face per frame number from 0 to the largest N. Frame numbers without an image give
\`found: false\`, so indices stay aligned with the video and its labels. An image ffmpeg cannot decode is an
error naming the file. Times are N / \`fps\` (BAH videos are 24 fps).
`,
  kind: 'map',
  cacheable: false,
  concurrency: 2,
  inputs: { dir: { type: 'media/file', description: 'folder of face images' } },
  outputs: { faces: { type: 'video/faces', onePass: true } },
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      fps: { type: 'number', exclusiveMinimum: 0, default: 24, description: 'frame rate of the video the faces come from' },
      size: { type: 'integer', minimum: 16, default: 256, description: 'side of the square crops delivered' },
      pattern: {
        type: 'string',
        default: '^frame-(\\d+)\\.(?:jpe?g|png)$',
        description: 'regular expression for image names; its first group is the frame number',
      },
      batch: { type: 'integer', minimum: 1, default: 64, description: 'images decoded per ffmpeg run' },
    },
  },
  async run(inputs, ctx) {
    const given = inputs['dir'];
    if (typeof given !== 'string') throw new InputError(`port "dir" expects a folder path, got ${typeof given}`, { port: 'dir' });
    // Absolute, because ffmpeg's concat lists resolve relative names against the list's own folder.
    const dir = path.resolve(given);
    const { fps, size, batch } = ctx.params;
    let pattern: RegExp;
    try {
      pattern = new RegExp(ctx.params.pattern, 'i');
    } catch (e) {
      throw new InputError(`invalid regular expression: ${(e as Error).message}`, { param: 'pattern' });
    }
    const images = await listNumberedImages(dir, pattern);
    if (images.length === 0) throw new InputError(`no face images matching ${pattern} in the folder`, { file: dir });
    const count = images[images.length - 1]!.n + 1;
    let started = false;
    async function* frames(): AsyncGenerator<FaceFrame> {
      if (started) throw new Error(`the faces of "${dir}" are a one-pass stream and were already read`);
      started = true;
      let next = 0;
      for (const b of batches(images, batch)) {
        let i = 0;
        for await (const rgb of decodeBatch(b, size, ctx.signal)) {
          const n = b[i++]!.n;
          for (; next < n; next++) yield { index: next, time: next / fps, found: false };
          yield { index: n, time: n / fps, found: true, crop: { width: size, height: size, rgb } };
          next = n + 1;
        }
      }
    }
    const out: FaceStream = { fps, count, frames: { [Symbol.asyncIterator]: frames } };
    return { faces: out };
  },
});
