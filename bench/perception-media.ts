/**
 * Throughput of the media and faces nodes on a 60-s generated talking-face clip (640×360, 25 fps):
 * demux frames/s (all frames, fps 5, count 400) and faces frames/s (YuNet with and without landmark
 * refinement, UltraFace, and face-api's tiny face detector on TensorFlow.js when its weights are found:
 * @vladmandic/face-api installed or FACE_API_MODEL_DIR). Writes bench/results/perception-media.json.
 *
 *   node --import tsx bench/perception-media.ts [--seconds 60] [--models ../shared/models]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { demux, type DemuxParams } from '../nodes/media/demux.js';
import { resolveFfmpeg } from '../nodes/media/ffmpeg.js';
import { runMapNode } from '../nodes/media/test-util.js';
import type { FaceStream, FrameStream } from '../nodes/values.js';
import { faceApiModelDir, faces, type FacesParams } from '../nodes/vision/faces.js';
import { selectBackend } from '../nodes/tf/backend.js';
import { drawFace, NEUTRAL, type Appearance } from '../nodes/vision/synthetic-face.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '60' }, models: { type: 'string', default: path.resolve(root, '../shared/models') } },
});
const seconds = Number(values.seconds);
const W = 640;
const H = 360;
const FPS = 25;

const look: Appearance = {
  skin: [224, 172, 140],
  hair: [70, 45, 30],
  iris: [80, 110, 60],
  shirt: [40, 70, 140],
  lips: [180, 80, 85],
  background: [[190, 200, 210], [120, 130, 150]],
  hairLength: 0.4,
};

/** A 10-s talking face loop, repeated to `seconds` with stream copy (rendering 60 s would dominate). */
async function makeClip(dir: string): Promise<string> {
  const ffmpeg = (await resolveFfmpeg()).path;
  const loop = path.join(dir, 'loop.mp4');
  const frames = 10 * FPS;
  const rgb = new Uint8Array(W * H * 3 * frames);
  for (let f = 0; f < frames; f++) {
    const t = f / FPS;
    drawFace(
      { width: W, height: H, rgb: rgb.subarray(f * W * H * 3, (f + 1) * W * H * 3) },
      { cx: W / 2 + 20 * Math.sin(t), cy: H / 2, height: 240, roll: 0.08 * Math.sin(0.7 * t), yaw: 0.2 * Math.sin(0.4 * t) },
      look,
      { ...NEUTRAL, mouthOpen: Math.max(0, Math.sin(9 * t)), smile: 0.5 + 0.5 * Math.sin(0.3 * t), gazeX: Math.sin(0.5 * t) },
    );
  }
  execFileSync(ffmpeg, [
    '-hide_banner', '-v', 'error', '-y',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${W}x${H}`, '-r', String(FPS), '-i', '-',
    '-f', 'lavfi', '-i', 'sine=frequency=220:duration=10',
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', loop,
  ], { input: rgb, maxBuffer: 1 << 30 });
  const clip = path.join(dir, 'clip.mp4');
  execFileSync(ffmpeg, ['-hide_banner', '-v', 'error', '-y', '-stream_loop', String(Math.ceil(seconds / 10) - 1), '-i', loop, '-c', 'copy', '-t', String(seconds), clip]);
  return clip;
}

const demuxDefaults: DemuxParams = { decodeAudio: false, requireAudio: false, startSeconds: 0, fit: 'stretch' };

async function frameStream(file: string, params: Partial<DemuxParams>): Promise<FrameStream> {
  const out = await runMapNode(demux, { ...demuxDefaults, ...params }, { file });
  return out['frames'] as FrameStream;
}

interface Result {
  what: string;
  frames: number;
  seconds: number;
  framesPerSecond: number;
  found?: number;
}

async function timeDemux(file: string, what: string, params: Partial<DemuxParams>): Promise<Result> {
  const t0 = performance.now();
  const stream = await frameStream(file, params);
  let n = 0;
  for await (const _ of stream.frames) n++;
  const s = (performance.now() - t0) / 1000;
  return { what, frames: n, seconds: s, framesPerSecond: n / s };
}

async function timeAudio(file: string): Promise<Result> {
  const t0 = performance.now();
  const out = await runMapNode(demux, { ...demuxDefaults, decodeAudio: true }, { file });
  const s = (performance.now() - t0) / 1000;
  const samples = (out['audio'] as { samples: Float32Array }).samples.length;
  return { what: 'demux audio (mono 16 kHz), x real time', frames: samples, seconds: s, framesPerSecond: samples / 16000 / s };
}

async function timeFaces(file: string, what: string, params: FacesParams, demuxParams: Partial<DemuxParams>): Promise<Result> {
  const stream = await frameStream(file, demuxParams);
  const t0 = performance.now();
  const out = await runMapNode(faces, params, { frames: stream });
  let n = 0;
  let found = 0;
  for await (const f of (out['faces'] as FaceStream).frames) {
    n++;
    if (f.found) found++;
  }
  const s = (performance.now() - t0) / 1000;
  return { what, frames: n, seconds: s, framesPerSecond: n / s, found };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-media-'));
  try {
    const ffmpeg = await resolveFfmpeg();
    const clip = await makeClip(dir);
    const results: Result[] = [];
    const report = (r: Result) => {
      results.push(r);
      process.stdout.write(`${r.what.padEnd(48)} ${r.frames} in ${r.seconds.toFixed(2)} s = ${r.framesPerSecond.toFixed(1)}/s${r.found !== undefined ? `, found ${r.found}` : ''}\n`);
    };
    report(await timeAudio(clip));
    report(await timeDemux(clip, `demux all frames ${W}x${H}`, {}));
    report(await timeDemux(clip, 'demux fps 5', { fps: 5 }));
    report(await timeDemux(clip, 'demux count 400', { count: 400 }));
    report(await timeDemux(clip, 'demux all frames scaled to 224x224', { width: 224, height: 224 }));
    const base = { minScore: 0.6, nmsIou: 0.3, inputSize: 640, size: 256, padding: 0.25, align: 'eyes' as const };
    const yunet = path.join(values.models!, 'yunet');
    const ultraface = path.join(values.models!, 'ultraface');
    if (existsSync(yunet)) {
      report(await timeFaces(clip, 'faces yunet refine 0 (all frames)', { ...base, detector: 'yunet', modelDir: yunet, refine: 0 }, {}));
      report(await timeFaces(clip, 'faces yunet refine 1 (all frames)', { ...base, detector: 'yunet', modelDir: yunet, refine: 1 }, {}));
      report(await timeFaces(clip, 'faces yunet inputSize 320 refine 0', { ...base, detector: 'yunet', modelDir: yunet, refine: 0, inputSize: 320 }, {}));
    }
    if (existsSync(ultraface)) {
      report(await timeFaces(clip, 'faces ultraface RFB-320 (all frames)', { ...base, detector: 'ultraface', modelDir: ultraface, refine: 0 }, {}));
    }
    const faceApi = process.env['FACE_API_MODEL_DIR'] ?? faceApiModelDir();
    if (faceApi && existsSync(faceApi)) {
      const tiny: FacesParams = { ...base, detector: 'tiny-face', modelDir: faceApi, refine: 0, minScore: 0.5, nmsIou: 0.4, inputSize: 416 };
      report(await timeFaces(clip, `faces tiny-face 416 (fps 5, ${await selectBackend()})`, tiny, { fps: 5 }));
    }
    const out = path.join(root, 'bench/results');
    mkdirSync(out, { recursive: true });
    const file = path.join(out, 'perception-media.json');
    writeFileSync(
      file,
      JSON.stringify(
        {
          bench: 'perception-media',
          date: new Date().toISOString(),
          clip: { seconds, width: W, height: H, fps: FPS, frames: seconds * FPS },
          machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, ffmpeg: `${ffmpeg.source}: ${ffmpeg.version}` },
          results,
        },
        null,
        2,
      ) + '\n',
    );
    process.stdout.write(`→ ${path.relative(root, file)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
