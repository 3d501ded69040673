/**
 * Media metadata without ffprobe: `ffmpeg -i FILE` describes the input on stderr (and exits non-zero
 * because no output is given); a second, decode-free pass (`-c copy -f framecrc`) lists every video packet,
 * which gives the exact frame count and each frame's presentation time, variable frame rate included.
 */
import { stat } from 'node:fs/promises';
import type { MediaInfo } from '../values.js';
import { InputError } from '../../runtime/errors.js';
import { ffmpegFailure, runFfmpeg } from './ffmpeg.js';

/** What `ffmpeg -i` says about an input. */
export interface InputDescription {
  duration?: number;
  start?: number;
  video?: { codec: string; width: number; height: number; fps?: number; rotation: number };
  audio?: { codec: string; sampleRate?: number; channels?: string };
}

const seconds = (hms: string): number => {
  const [h, m, s] = hms.split(':').map(Number);
  return h! * 3600 + m! * 60 + s!;
};

/** ffmpeg prints NTSC rates rounded; map them back to the exact rationals. */
const NTSC: Record<string, number> = { '23.98': 24000 / 1001, '29.97': 30000 / 1001, '59.94': 60000 / 1001, '119.88': 120000 / 1001 };

function parseRate(text: string | undefined): number | undefined {
  if (!text) return undefined;
  if (NTSC[text]) return NTSC[text];
  const k = text.endsWith('k');
  const v = Number(k ? text.slice(0, -1) : text) * (k ? 1000 : 1);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

/**
 * Parses the input description ffmpeg prints for `-i` (first input only). Tolerates the formats of
 * ffmpeg 4 to 7: stream ids with or without `[0x1]`, pixel formats with parenthesised colour info, cover
 * art (`attached pic`, not counted as video), and rotation given as metadata or as a display matrix.
 */
export function parseInputDescription(stderr: string): InputDescription | undefined {
  const lines = stderr.split(/\r?\n/);
  const first = lines.findIndex((l) => /^Input #0\b/.test(l));
  if (first < 0) return undefined;
  const desc: InputDescription = {};
  let current: 'video' | 'audio' | 'other' | undefined;
  for (const line of lines.slice(first + 1)) {
    if (/^(Input #[1-9]|Output #|Stream mapping:|At least one output)/.test(line.trim())) break;
    const dur = /Duration:\s*(\d+:\d+:\d+(?:\.\d+)?)/.exec(line);
    if (dur) desc.duration = seconds(dur[1]!);
    const start = /\bstart:\s*(-?\d+(?:\.\d+)?)/.exec(line);
    if (start && /Duration:/.test(line)) desc.start = Number(start[1]);
    const stream = /^\s*Stream #0:\d+\S*?:\s*(Video|Audio|Subtitle|Data|Attachment):\s*(.*)$/.exec(line);
    if (stream) {
      const [, kind, rest] = stream;
      current = 'other';
      if (kind === 'Video' && !desc.video && !/attached pic/.test(rest!)) {
        const size = /(?:^|[\s,])(\d{1,5})x(\d{1,5})(?=[\s,\[]|$)/.exec(rest!);
        if (size) {
          desc.video = {
            codec: rest!.split(/[\s,]/)[0]!,
            width: Number(size[1]),
            height: Number(size[2]),
            fps: parseRate(/([\d.]+k?) fps/.exec(rest!)?.[1]) ?? parseRate(/([\d.]+k?) tbr/.exec(rest!)?.[1]),
            rotation: 0,
          };
          current = 'video';
        }
      } else if (kind === 'Audio' && !desc.audio) {
        desc.audio = {
          codec: rest!.split(/[\s,]/)[0]!,
          sampleRate: Number(/(\d+) Hz/.exec(rest!)?.[1]) || undefined,
          channels: rest!.split(',')[2]?.trim(),
        };
        current = 'audio';
      }
      continue;
    }
    if (current === 'video' && desc.video) {
      const rotate = /^\s*rotate\s*:\s*(-?\d+(?:\.\d+)?)/.exec(line);
      const matrix = /displaymatrix: rotation of (-?\d+(?:\.\d+)?) degrees/.exec(line);
      const r = rotate?.[1] ?? matrix?.[1];
      if (r !== undefined) desc.video.rotation = Number(r);
    }
  }
  return desc;
}

/** Presentation times (seconds, ascending, from the first frame) of every packet of the first video stream. */
export function parseFrameCrc(text: string): number[] {
  let tb = 0;
  const pts: number[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#tb 0:')) {
      const [num, den] = line.slice(6).trim().split('/').map(Number);
      tb = num! / den!;
      continue;
    }
    if (!line.startsWith('0,')) continue;
    const cols = line.split(',').map((c) => c.trim());
    const p = cols[2] === 'NOPTS' ? cols[1] : cols[2];
    const v = Number(p);
    if (Number.isFinite(v)) pts.push(v);
  }
  pts.sort((a, b) => a - b);
  const t0 = pts[0] ?? 0;
  return pts.map((p) => (p - t0) * tb);
}

export interface Probe {
  info: MediaInfo;
  description: InputDescription;
  /** Frame times from the first video frame (seconds), when the file has video. */
  frameTimes?: number[];
}

/** Throws a clear `InputError` when `file` is missing, not a file, or unreadable. */
export async function assertReadableFile(file: string): Promise<void> {
  let s;
  try {
    s = await stat(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(
      code === 'ENOENT' ? 'media file does not exist' : `cannot read media file (${code ?? String(e)})`,
      { file },
    );
  }
  if (!s.isFile()) throw new InputError('not a file (a media file was expected)', { file });
  if (s.size === 0) throw new InputError('media file is empty', { file });
}

/** Metadata of a media file; `InputError` naming the file if ffmpeg cannot read it. */
export async function probeMedia(file: string, options: { signal?: AbortSignal; log?: (m: string) => void } = {}): Promise<Probe> {
  await assertReadableFile(file);
  const call = { file, what: 'read', signal: options.signal, log: options.log };
  const { stderr, code } = await runFfmpeg(['-i', file], call);
  const description = parseInputDescription(stderr);
  if (!description) throw ffmpegFailure(file, 'read', stderr, code);
  if (!description.video && !description.audio) {
    throw new InputError('the file has neither a video nor an audio stream that ffmpeg can read', { file });
  }
  let frameTimes: number[] | undefined;
  if (description.video) {
    const pass = await runFfmpeg(['-i', file, '-map', '0:v:0', '-c', 'copy', '-f', 'framecrc', '-'], {
      ...call,
      what: 'read the video packets of',
    });
    if (pass.code !== 0) throw ffmpegFailure(file, 'read the video packets of', pass.stderr, pass.code);
    frameTimes = parseFrameCrc(pass.stdout.toString('utf8'));
    if (frameTimes.length === 0) throw new InputError('the video stream holds no frames', { file });
  }
  const v = description.video;
  const swap = v && Math.abs(Math.round(v.rotation / 90)) % 2 === 1;
  const fps = v ? (v.fps ?? estimateFps(frameTimes!)) : undefined;
  const info: MediaInfo = {
    file,
    duration: description.duration ?? (frameTimes && fps ? frameTimes.length / fps : 0),
    hasAudio: description.audio !== undefined,
    hasVideo: v !== undefined,
    ...(v
      ? { fps, frameCount: frameTimes!.length, width: swap ? v.height : v.width, height: swap ? v.width : v.height }
      : {}),
  };
  return { info, description, ...(frameTimes ? { frameTimes } : {}) };
}

function estimateFps(times: number[]): number | undefined {
  if (times.length < 2) return undefined;
  return (times.length - 1) / (times[times.length - 1]! - times[0]!);
}
