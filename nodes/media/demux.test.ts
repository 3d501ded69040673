import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError, InputError } from '../../runtime/errors.js';
import type { AudioPcm, Frame, FrameStream, MediaInfo } from '../values.js';
import { demux, type DemuxParams } from './demux.js';
import { liveFfmpegProcesses, resolveFfmpeg } from './ffmpeg.js';
import { collect, meanChannel, runMapNode, tempDir, testMedia } from './test-util.js';

const defaults: DemuxParams = { decodeAudio: true, requireAudio: true, startSeconds: 0, fit: 'stretch' };

async function demuxFile(file: string, params: Partial<DemuxParams> = {}, signal?: AbortSignal) {
  const out = await runMapNode(demux, { ...defaults, ...params }, { file }, signal ? { signal } : {});
  return { audio: out['audio'] as AudioPcm, frames: out['frames'] as FrameStream, info: out['info'] as MediaInfo };
}

/** index-av.mp4 and vfr.mkv encode frame n as grey with luma 16 + 7n; RGB ≈ 7n·255/219. */
const frameNumberOf = (f: Frame): number => Math.round(meanChannel(f.rgb, 0) / ((7 * 255) / 219));

function zeroCrossingsPerSecond(x: Float32Array, rate: number): number {
  let n = 0;
  for (let i = 1; i < x.length; i++) if (x[i - 1]! < 0 && x[i]! >= 0) n++;
  return (n * rate) / x.length;
}

describe('media/demux audio', () => {
  it('decodes to mono 16 kHz with the exact length (1.25 s of 44.1 kHz FLAC → 20000 samples)', async () => {
    const { audio, info } = await demuxFile(testMedia('tone-44k.flac'));
    expect(audio.sampleRate).toBe(16000);
    expect(audio.samples).toBeInstanceOf(Float32Array);
    expect(audio.samples.length).toBe(20000);
    expect(info).toMatchObject({ hasAudio: true, hasVideo: false, duration: 1.25 });
    // Still a 440 Hz tone after resampling.
    expect(zeroCrossingsPerSecond(audio.samples, 16000)).toBeCloseTo(440, -1);
    const peak = audio.samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(peak).toBeGreaterThan(0.05);
    expect(peak).toBeLessThanOrEqual(1);
  });

  it('takes a window with startSeconds and maxSeconds', async () => {
    const { audio } = await demuxFile(testMedia('tone-44k.flac'), { startSeconds: 0.25, maxSeconds: 0.5 });
    expect(audio.samples.length).toBe(8000);
  });

  it('reads the AAC track of an MP4 and MP3 speech', async () => {
    const av = await demuxFile(testMedia('index-av.mp4'));
    expect(Math.abs(av.audio.samples.length - 3 * 16000)).toBeLessThanOrEqual(1024);
    const speech = await demuxFile(testMedia('speech.mp3'));
    expect(speech.info.hasVideo).toBe(false);
    expect(Math.abs(speech.audio.samples.length / 16000 - speech.info.duration)).toBeLessThan(0.1);
    const energy = speech.audio.samples.reduce((s, v) => s + v * v, 0) / speech.audio.samples.length;
    expect(energy).toBeGreaterThan(1e-4);
  });

  it('fails clearly on a file without audio, unless requireAudio is false', async () => {
    const file = testMedia('video-only.mp4');
    const error = await demuxFile(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(/no audio stream.*requireAudio/);
    const { audio, frames } = await demuxFile(file, { requireAudio: false });
    expect(audio.samples.length).toBe(0);
    expect(await collect(frames.frames)).toHaveLength(10);
  });
});

describe('media/demux frames', () => {
  it('delivers every frame with its number and time by default', async () => {
    const { frames, info } = await demuxFile(testMedia('index-av.mp4'), { decodeAudio: false });
    expect(info).toMatchObject({ fps: 10, frameCount: 30, width: 96, height: 72, hasAudio: true, hasVideo: true });
    expect(frames).toMatchObject({ fps: 10, width: 96, height: 72, count: 30 });
    const all = await collect(frames.frames);
    expect(all.map((f) => f.index)).toEqual([...Array(30).keys()]);
    all.forEach((f, n) => expect(f.time).toBeCloseTo(n / 10, 6));
    expect(all.map(frameNumberOf)).toEqual([...Array(30).keys()]);
    expect(all[0]!.rgb.length).toBe(96 * 72 * 3);
  });

  it('samples a time grid in fps mode (the frame on screen at each grid time)', async () => {
    const { frames } = await demuxFile(testMedia('index-av.mp4'), { decodeAudio: false, fps: 4 });
    const all = await collect(frames.frames);
    expect(frames.fps).toBe(4);
    expect(all).toHaveLength(12); // 3 s × 4
    all.forEach((f, k) => {
      expect(f.time).toBeCloseTo(k / 4, 9);
      expect(f.index).toBe(Math.floor((k / 4) * 10 + 1e-9));
      expect(frameNumberOf(f)).toBe(f.index);
    });
  });

  it('spreads N frames evenly in count mode, repeating frames when N exceeds the frame count', async () => {
    for (const N of [7, 45]) {
      const { frames } = await demuxFile(testMedia('index-av.mp4'), { decodeAudio: false, count: N });
      const all = await collect(frames.frames);
      expect(frames.count).toBe(N);
      const expected = Array.from({ length: N }, (_, k) => Math.round((k * 29) / (N - 1)));
      expect(all.map((f) => f.index)).toEqual(expected);
      expect(all.map(frameNumberOf)).toEqual(expected);
      all.forEach((f) => expect(f.time).toBeCloseTo(f.index / 10, 6));
    }
  });

  it('handles variable frame rate: frame times come from the packets', async () => {
    const { frames, info } = await demuxFile(testMedia('vfr.mkv'), { requireAudio: false, fps: 10 });
    expect(info.frameCount).toBe(20);
    const all = await collect(frames.frames);
    expect(all).toHaveLength(25); // 0.0 .. 2.4 s
    // 0.0-0.9 s: frames 0-9; 1.0-1.4 s: frame 9 stays on screen; 1.5-2.4 s: frames 10-19.
    const expected = [...Array(10).keys(), 9, 9, 9, 9, 9, ...Array.from({ length: 10 }, (_, i) => 10 + i)];
    expect(all.map((f) => f.index)).toEqual(expected);
    expect(all.map(frameNumberOf)).toEqual(expected);
  });

  it('scales: stretch, contain, pad, and one side keeping the aspect', async () => {
    const file = testMedia('index-av.mp4');
    const last = async (p: Partial<DemuxParams>) => {
      const { frames } = await demuxFile(file, { decodeAudio: false, count: 2, ...p });
      const [, f] = await collect(frames.frames);
      expect([f!.width, f!.height]).toEqual([frames.width, frames.height]);
      expect(f!.rgb.length).toBe(f!.width * f!.height * 3);
      return f!;
    };
    expect(await last({ width: 50, height: 20 })).toMatchObject({ width: 50, height: 20 });
    expect(await last({ width: 48, height: 48, fit: 'contain' })).toMatchObject({ width: 48, height: 36 });
    expect(await last({ width: 48 })).toMatchObject({ width: 48, height: 36 });
    // The last frame of the clip is uniform light grey; the padding (6 rows above and below) is black.
    const padded = await last({ width: 48, height: 48, fit: 'pad' });
    const row = (y: number) => padded.rgb.subarray(y * 48 * 3, (y + 1) * 48 * 3);
    expect(Math.max(...row(0))).toBeLessThan(8);
    expect(Math.max(...row(47))).toBeLessThan(8);
    expect(Math.min(...row(24))).toBeGreaterThan(200);
  });

  it('gives audio and info for audio-only files, and an error when their frames are read', async () => {
    const { frames, info } = await demuxFile(testMedia('speech.mp3'));
    expect(info.hasVideo).toBe(false);
    await expect(collect(frames.frames)).rejects.toThrow(/no video stream/);
  });

  it('lets the frames be read only once', async () => {
    const { frames } = await demuxFile(testMedia('index-av.mp4'), { decodeAudio: false, count: 2 });
    await collect(frames.frames);
    await expect(collect(frames.frames)).rejects.toThrow(/one-pass/);
  });
});

describe('media/demux bad input', () => {
  it('names a corrupt file and quotes ffmpeg', async () => {
    const file = testMedia('corrupt.mp4');
    const error = await demuxFile(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(/moov atom not found|Invalid data/);
  });

  it('names a missing path', async () => {
    const file = path.join(tempDir('demux-'), 'nope.mp4');
    await expect(demuxFile(file)).rejects.toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*does not exist`));
    await expect(demuxFile(file)).rejects.toBeInstanceOf(InputError);
  });

  it('rejects a text file posing as a video', async () => {
    const file = path.join(tempDir('demux-'), 'notes.mp4');
    writeFileSync(file, 'this is not a video\n'.repeat(50));
    const error = await demuxFile(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain(file);
  });
});

describe('media/demux streaming', () => {
  let long: string;
  const seconds = 40;
  beforeAll(async () => {
    // 40 s of 320×240 at 25 fps: 1000 frames, 230 MB of RGB in all.
    const dir = tempDir('demux-long-');
    long = path.join(dir, 'long.mp4');
    const bin = await resolveFfmpeg();
    execFileSync(bin.path, [
      '-hide_banner', '-v', 'error', '-y',
      '-f', 'lavfi', '-i', `testsrc2=s=320x240:r=25:d=${seconds}`,
      '-f', 'lavfi', '-i', `sine=frequency=220:duration=${seconds}`,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '35', '-c:a', 'aac', '-shortest', long,
    ]);
  });
  afterAll(() => {
    expect(liveFfmpegProcesses()).toEqual([]);
  });

  it('keeps memory bounded while a slow consumer reads a long clip', async () => {
    const { frames } = await demuxFile(long, { decodeAudio: false });
    expect(frames.count).toBe(seconds * 25);
    global.gc?.();
    const base = process.memoryUsage();
    let maxExternal = 0;
    let maxRss = 0;
    let n = 0;
    for await (const f of frames.frames) {
      n++;
      if (n % 50 === 0) {
        await new Promise((r) => setTimeout(r, 5)); // a slow consumer now and then
        const m = process.memoryUsage();
        maxExternal = Math.max(maxExternal, m.arrayBuffers - base.arrayBuffers);
        maxRss = Math.max(maxRss, m.rss - base.rss);
      }
      expect(f.rgb.length).toBe(320 * 240 * 3);
    }
    expect(n).toBe(seconds * 25);
    // 230 MB flowed through; what is held stays at a few frames plus garbage not yet collected.
    expect(maxExternal).toBeLessThan(64 * 1024 * 1024);
    expect(maxRss).toBeLessThan(150 * 1024 * 1024);
  });

  it('kills ffmpeg when the consumer stops early', async () => {
    const { frames } = await demuxFile(long, { decodeAudio: false });
    let n = 0;
    for await (const _ of frames.frames) {
      if (++n === 3) {
        expect(liveFfmpegProcesses()).toHaveLength(1);
        break;
      }
    }
    await waitFor(() => liveFfmpegProcesses().length === 0);
  });

  it('kills ffmpeg and throws CancelledError when the run is cancelled', async () => {
    const controller = new AbortController();
    const { frames } = await demuxFile(long, { decodeAudio: false }, controller.signal);
    let n = 0;
    const reading = (async () => {
      for await (const _ of frames.frames) {
        if (++n === 5) {
          const [pid] = liveFfmpegProcesses();
          expect(pid).toBeDefined();
          controller.abort();
        }
      }
    })();
    await expect(reading).rejects.toBeInstanceOf(CancelledError);
    expect(n).toBeLessThan(seconds * 25);
    await waitFor(() => liveFfmpegProcesses().length === 0);
  });

  it('cancels an audio decode', async () => {
    const controller = new AbortController();
    const pending = demuxFile(long, {}, controller.signal);
    setTimeout(() => controller.abort(), 30);
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    await waitFor(() => liveFfmpegProcesses().length === 0);
  });
});

async function waitFor(condition: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
