/**
 * Building blocks for generated sample data: a seeded random generator, espeak-ng speech as 16 kHz
 * samples, WAV writing, speech-driven animation of the synthetic face, and ffmpeg writers for videos,
 * MP3s and JPEG face crops. Used by make-samples.ts.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeAudio } from '../../nodes/media/audio.js';
import { resolveFfmpeg } from '../../nodes/media/ffmpeg.js';
import { alignByLandmarks } from '../../nodes/vision/align.js';
import {
  drawFace,
  faceLandmarks,
  type Appearance,
  type Canvas,
  type Expression,
  type Pose,
  type Rgb,
} from '../../nodes/vision/synthetic-face.js';

export const RATE = 16000;

/** mulberry32: small, fast, good enough for sample data; the same seed gives the same data. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  int(lo: number, hi: number): number {
    return Math.floor(this.range(lo, hi + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  normal(): number {
    const u = Math.max(1e-12, this.next());
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  shuffle<T>(items: T[]): T[] {
    const a = [...items];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }
}

export const clamp = (x: number, lo = 0, hi = 1) => Math.min(hi, Math.max(lo, x));

export interface Voice {
  /** espeak-ng voice, e.g. `en-us+f3`. */
  name: string;
  /** 0–99. */
  pitch: number;
  /** Words per minute. */
  speed: number;
  /** 0–200. */
  amplitude: number;
  /** Extra pause between words, in units of 10 ms. */
  wordGap: number;
}

const work = mkdtempSync(path.join(os.tmpdir(), 'affectflow-samples-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
let counter = 0;

function run(cmd: string, args: string[], input?: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [input ? 'pipe' : 'ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} failed (${code}): ${err.slice(-2000)}`))));
    if (input) child.stdin!.end(input);
  });
}

/** Speech for `text` as 16 kHz mono samples, leading and trailing silence trimmed to 30 ms. */
export async function speak(text: string, voice: Voice): Promise<Float32Array> {
  const wav = path.join(work, `speech-${counter++}.wav`);
  await run('espeak-ng', [
    '-v', voice.name,
    '-p', String(Math.round(clamp(voice.pitch, 0, 99))),
    '-s', String(Math.round(voice.speed)),
    '-a', String(Math.round(clamp(voice.amplitude, 0, 200))),
    '-g', String(Math.round(voice.wordGap)),
    '-w', wav,
    text,
  ]);
  const { samples } = await decodeAudio(wav);
  return trimSilence(samples, 0.01, Math.round(0.03 * RATE));
}

export function trimSilence(x: Float32Array, threshold: number, margin: number): Float32Array {
  let a = 0;
  while (a < x.length && Math.abs(x[a]!) < threshold) a++;
  let b = x.length;
  while (b > a && Math.abs(x[b - 1]!) < threshold) b--;
  return x.slice(Math.max(0, a - margin), Math.min(x.length, b + margin));
}

/** A track assembled from pieces placed at given times (seconds). */
export function assemble(duration: number, pieces: Array<{ at: number; samples: Float32Array }>): Float32Array {
  const out = new Float32Array(Math.round(duration * RATE));
  for (const p of pieces) out.set(p.samples.subarray(0, Math.max(0, out.length - Math.round(p.at * RATE))), Math.round(p.at * RATE));
  return out;
}

/** Speech energy per video frame, scaled to about [0, 1] (95th percentile → 1). */
export function energyPerFrame(samples: Float32Array, fps: number, frames: number): Float32Array {
  const out = new Float32Array(frames);
  const hop = RATE / fps;
  for (let f = 0; f < frames; f++) {
    const a = Math.round(f * hop);
    const b = Math.min(samples.length, Math.round((f + 1) * hop));
    let s = 0;
    for (let i = a; i < b; i++) s += samples[i]! * samples[i]!;
    out[f] = b > a ? Math.sqrt(s / (b - a)) : 0;
  }
  const sorted = [...out].sort((p, q) => p - q);
  const ref = sorted[Math.floor(0.95 * (sorted.length - 1))]! || 1;
  for (let f = 0; f < frames; f++) out[f] = clamp(out[f]! / ref);
  return out;
}

export function writeWav(file: string, samples: Float32Array, rate = RATE): void {
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) data.writeInt16LE(Math.round(clamp(samples[i]!, -1, 1) * 32767), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  writeFileSync(file, Buffer.concat([header, data]));
}

export interface Look {
  appearance: Appearance;
  voice: Voice;
}

const SKINS: Rgb[] = [[236, 188, 160], [224, 172, 140], [198, 144, 110], [160, 112, 80], [120, 80, 58]];
const HAIRS: Rgb[] = [[40, 28, 20], [70, 45, 30], [120, 80, 40], [170, 130, 80], [30, 30, 32], [140, 60, 30]];
const IRISES: Rgb[] = [[80, 110, 60], [60, 90, 140], [90, 60, 40], [50, 40, 30]];
const SHIRTS: Rgb[] = [[40, 70, 140], [150, 40, 40], [40, 120, 70], [90, 90, 90], [200, 180, 60], [110, 60, 140]];
const BACKGROUNDS: Array<[Rgb, Rgb]> = [
  [[190, 200, 210], [120, 130, 150]],
  [[220, 210, 190], [160, 150, 130]],
  [[180, 200, 180], [110, 140, 110]],
  [[200, 190, 210], [140, 120, 150]],
];

/** A random person: appearance and a base voice. */
export function randomPerson(rng: Random): Look {
  const female = rng.next() < 0.5;
  return {
    appearance: {
      skin: rng.pick(SKINS),
      hair: rng.pick(HAIRS),
      iris: rng.pick(IRISES),
      shirt: rng.pick(SHIRTS),
      lips: [rng.range(160, 200), rng.range(70, 100), rng.range(75, 100)],
      background: rng.pick(BACKGROUNDS),
      hairLength: female ? rng.range(0.5, 1) : rng.range(0, 0.35),
      texture: 0.02,
    },
    voice: { name: `en-us+${female ? 'f' : 'm'}${rng.int(1, female ? 4 : 6)}`, pitch: rng.range(35, 60), speed: 155, amplitude: 100, wordGap: 0 },
  };
}

/** Per-frame state of an animated face. */
export interface FrameState {
  pose: Pose;
  expression: Expression;
}

/** Blinks: 3-frame-at-24-fps closures every 2–5 s. */
export function blinkTrack(rng: Random, frames: number, fps: number): Float32Array {
  const out = new Float32Array(frames);
  let t = rng.range(0.5, 2.5);
  while (t * fps < frames) {
    const f = Math.round(t * fps);
    const len = Math.max(1, Math.round(0.12 * fps));
    for (let i = 0; i < len && f + i < frames; i++) out[f + i] = i === Math.floor(len / 2) ? 1 : 0.6;
    t += rng.range(2, 5);
  }
  return out;
}

/** Smooth random motion in [-1, 1] (a sum of slow sines with random phases). */
export function sway(rng: Random): (t: number) => number {
  const parts = [0.17, 0.31, 0.53].map((f) => ({ f: f * rng.range(0.8, 1.2), p: rng.range(0, 2 * Math.PI) }));
  return (t) => parts.reduce((s, { f, p }) => s + Math.sin(2 * Math.PI * f * t + p), 0) / parts.length;
}

/** Renders the frames of a clip (RGB24, width×height) and, optionally, aligned 256×256 crops of each. */
export function renderFrames(
  width: number,
  height: number,
  states: FrameState[],
  appearance: Appearance,
  seed: number,
  crops?: { size: number; padding: number },
): { video: Uint8Array; crops?: Uint8Array } {
  const frameBytes = width * height * 3;
  const video = new Uint8Array(frameBytes * states.length);
  const cropBytes = crops ? crops.size * crops.size * 3 : 0;
  const cropData = crops ? new Uint8Array(cropBytes * states.length) : undefined;
  states.forEach((s, i) => {
    const canvas: Canvas = { width, height, rgb: video.subarray(i * frameBytes, (i + 1) * frameBytes) };
    drawFace(canvas, s.pose, appearance, s.expression, seed);
    if (crops && cropData) {
      // The dataset's own crops: aligned with the true landmarks, as a perfect landmark detector would.
      const crop = alignByLandmarks(canvas, faceLandmarks(s.pose, s.expression), crops.size, crops.padding);
      cropData.set(crop.rgb, i * cropBytes);
    }
  });
  return { video, ...(cropData ? { crops: cropData } : {}) };
}

const ffmpegPath = async () => (await resolveFfmpeg()).path;
const BITEXACT = ['-fflags', '+bitexact', '-flags', '+bitexact', '-map_metadata', '-1'];

/** An MP4 (H.264 + AAC) from raw frames and 16 kHz audio. */
export async function writeVideo(
  file: string,
  frames: Uint8Array,
  size: { width: number; height: number; fps: number },
  audio: Float32Array,
  crf: number,
): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  const wav = path.join(work, `audio-${counter++}.wav`);
  writeWav(wav, audio);
  await run(await ffmpegPath(), [
    '-hide_banner', '-v', 'error', '-y',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${size.width}x${size.height}`, '-r', String(size.fps), '-i', '-',
    '-i', wav,
    '-map', '0:v', '-map', '1:a',
    '-c:v', 'libx264', '-preset', 'slow', '-crf', String(crf), '-pix_fmt', 'yuv420p', '-g', String(size.fps * 5),
    '-threads', '1', '-x264-params', 'threads=1',
    '-c:a', 'aac', '-b:a', '32k', '-ac', '1', '-ar', String(RATE),
    '-movflags', '+faststart', '-shortest',
    ...BITEXACT,
    file,
  ], frames);
}

export async function writeMp3(file: string, audio: Float32Array): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  const wav = path.join(work, `audio-${counter++}.wav`);
  writeWav(wav, audio);
  await run(await ffmpegPath(), ['-hide_banner', '-v', 'error', '-y', '-i', wav, '-c:a', 'libmp3lame', '-b:a', '24k', '-ac', '1', '-ar', String(RATE), ...BITEXACT, file]);
}

/** JPEGs `frame-0.jpg` … from raw size×size crops. */
export async function writeJpegs(dir: string, crops: Uint8Array, size: number, quality: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await run(await ffmpegPath(), [
    '-hide_banner', '-v', 'error', '-y',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${size}x${size}`, '-i', '-',
    // 4:2:0 chroma and optimal Huffman tables: about 2 kB a crop at quality 20.
    '-pix_fmt', 'yuvj420p', '-huffman', 'optimal', '-q:v', String(quality), '-start_number', '0', ...BITEXACT,
    path.join(dir, 'frame-%d.jpg'),
  ], crops);
}
