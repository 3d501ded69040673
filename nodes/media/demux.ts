/** media/demux: a media file → its audio (mono 16 kHz), a lazy stream of RGB frames, and its metadata. */
import { defineNode } from '../../runtime/contract.js';
import { InputError } from '../../runtime/errors.js';
import type { AudioPcm, FrameStream, MediaInfo } from '../values.js';
import { decodeAudio, SAMPLE_RATE } from './audio.js';
import type { Fit } from './frames.js';
import { openFrameStream } from './frames.js';
import { probeMedia } from './probe.js';

export interface DemuxParams {
  decodeAudio: boolean;
  requireAudio: boolean;
  startSeconds: number;
  maxSeconds?: number;
  fps?: number;
  count?: number;
  width?: number;
  height?: number;
  fit: Fit;
}

export const demux = defineNode<DemuxParams>({
  type: 'media/demux',
  version: '1',
  description: 'Reads a media file with ffmpeg: mono 16 kHz audio, a lazy RGB frame stream, and metadata.',
  docs: `
Audio: the first audio stream, down-mixed to mono and resampled to 16 kHz float32, held whole in memory
(64 kB per second: one hour ≈ 230 MB); \`startSeconds\`/\`maxSeconds\` take a window of it (e.g. the first
12 s for EMI). A file without audio is an error unless \`requireAudio\` is false (the audio is then empty).
Set \`decodeAudio: false\` when only frames or info are used.

Frames: all frames, or \`fps\` (a time grid; each point takes the frame on screen), or \`count\` (N frames at
round(linspace(0, T-1, N))). Optional \`width\`/\`height\` with \`fit\` (stretch, contain, pad). Frames are
decoded only while the consumer reads them (one frame in memory at a time, ffmpeg waits on the pipe), so
any length of video streams in bounded memory. \`Frame.index\` is the source frame number; \`Frame.time\` is
seconds from the first frame (the grid time in \`fps\` mode). Frame times come from the container's packet
times, so variable frame rate files are handled. Audio-only files give audio and info; reading their frames
is an error.

ffmpeg is found at run time: \`FFMPEG_PATH\`, then \`ffmpeg-static\`, \`@ffmpeg-installer/ffmpeg\`, then PATH.
`,
  kind: 'map',
  cacheable: false,
  concurrency: 2,
  inputs: { file: { type: 'media/file', description: 'absolute path of a video or audio file' } },
  outputs: {
    audio: { type: 'audio/pcm16k' },
    frames: { type: 'video/frames', onePass: true },
    info: { type: 'media/info' },
  },
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      decodeAudio: { type: 'boolean', default: true, description: 'decode the audio track (false: audio output is empty)' },
      requireAudio: {
        type: 'boolean',
        default: true,
        description: 'a file without an audio stream is an error (false: its audio output is empty)',
      },
      startSeconds: { type: 'number', minimum: 0, default: 0, description: 'audio: seconds skipped at the start' },
      maxSeconds: { type: 'number', exclusiveMinimum: 0, description: 'audio: at most this many seconds (default: all)' },
      fps: { type: 'number', exclusiveMinimum: 0, description: 'frames: deliver this many frames per second' },
      count: { type: 'integer', minimum: 1, description: 'frames: deliver this many frames spread evenly over the clip' },
      width: { type: 'integer', minimum: 1, description: 'frames: output width (alone: keep aspect)' },
      height: { type: 'integer', minimum: 1, description: 'frames: output height (alone: keep aspect)' },
      fit: {
        enum: ['stretch', 'contain', 'pad'],
        default: 'stretch',
        description: 'frames, with width and height: stretch to the size, fit inside keeping aspect, or keep aspect and pad with black',
      },
    },
  },
  async run(inputs, ctx) {
    const file = inputs['file'];
    if (typeof file !== 'string') throw new InputError(`port "file" expects a path string, got ${typeof file}`, { port: 'file' });
    const p = ctx.params;
    if (p.fps !== undefined && p.count !== undefined) {
      throw new InputError('give either "fps" or "count", not both', { param: 'fps' });
    }
    const log = (m: string) => ctx.log.info(m);
    const probe = await probeMedia(file, { signal: ctx.signal, log });
    const info: MediaInfo = probe.info;
    let audio: AudioPcm = { sampleRate: SAMPLE_RATE, samples: new Float32Array(0) };
    if (p.decodeAudio && info.hasAudio) {
      const remaining = Math.max(0, info.duration - p.startSeconds);
      audio = await decodeAudio(file, {
        startSeconds: p.startSeconds,
        ...(p.maxSeconds !== undefined ? { maxSeconds: p.maxSeconds } : {}),
        expectedSeconds: Math.min(remaining, p.maxSeconds ?? Infinity),
        signal: ctx.signal,
        log,
      });
    } else if (p.decodeAudio && p.requireAudio) {
      throw new InputError(
        'the file has no audio stream (set requireAudio: false to accept files without audio)',
        { file },
      );
    }
    const frames: FrameStream = openFrameStream(
      file,
      probe,
      {
        ...(p.fps !== undefined ? { fps: p.fps } : {}),
        ...(p.count !== undefined ? { count: p.count } : {}),
        ...(p.width !== undefined ? { width: p.width } : {}),
        ...(p.height !== undefined ? { height: p.height } : {}),
        fit: p.fit,
      },
      { signal: ctx.signal, log: (m) => ctx.log.warn(m) },
    );
    return { audio, frames, info };
  },
});
