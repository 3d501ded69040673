/**
 * Audio decoding: the first audio stream, down-mixed to mono, resampled to 16 kHz, float32 in [-1, 1].
 * The whole (or the requested window of the) track is held in memory: 64 kB per second, so one hour is
 * about 230 MB. `startSeconds` and `maxSeconds` bound it.
 */
import type { AudioPcm } from '../values.js';
import { streamFfmpeg } from './ffmpeg.js';

export const SAMPLE_RATE = 16000;

export interface AudioWindow {
  /** Seconds to skip at the start (input seeking, sample-accurate). */
  startSeconds?: number;
  /** At most this many seconds. */
  maxSeconds?: number;
}

/** ffmpeg arguments that decode `file`'s first audio stream as raw mono 16 kHz float32 to stdout. */
export function audioArgs(file: string, window: AudioWindow = {}): string[] {
  const args: string[] = ['-v', 'error'];
  if (window.startSeconds) args.push('-ss', String(window.startSeconds));
  args.push('-i', file);
  if (window.maxSeconds !== undefined) args.push('-t', String(window.maxSeconds));
  args.push('-map', '0:a:0', '-vn', '-ac', '1', '-ar', String(SAMPLE_RATE), '-f', 'f32le', '-acodec', 'pcm_f32le', '-');
  return args;
}

/**
 * Decodes audio. `expectedSeconds` sizes the buffer up front (one allocation when it is right); the
 * buffer grows if the stream turns out longer.
 */
export async function decodeAudio(
  file: string,
  options: AudioWindow & { expectedSeconds?: number; signal?: AbortSignal; log?: (m: string) => void } = {},
): Promise<AudioPcm> {
  const guess = Math.max(1, Math.ceil(((options.expectedSeconds ?? 10) + 0.5) * SAMPLE_RATE));
  let bytes = new Uint8Array(guess * 4);
  let used = 0;
  const pieces = streamFfmpeg(audioArgs(file, options), {
    file,
    what: 'decode the audio of',
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  for await (const piece of pieces) {
    if (used + piece.length > bytes.length) {
      const grown = new Uint8Array(Math.max(bytes.length * 2, used + piece.length));
      grown.set(bytes.subarray(0, used));
      bytes = grown;
    }
    bytes.set(piece, used);
    used += piece.length;
  }
  const n = Math.floor(used / 4);
  const all = new Float32Array(bytes.buffer, 0, n);
  // Keep the exact length; copy only when the spare capacity is worth giving back.
  const samples = bytes.length - used > bytes.length / 64 ? all.slice() : all;
  return { sampleRate: SAMPLE_RATE, samples };
}
