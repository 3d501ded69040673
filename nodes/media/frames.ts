/**
 * Video frames as a lazy, one-pass stream of RGB24 images.
 *
 * Which source frames are delivered is decided here, from the exact frame times of the probe:
 *  - all frames (default): every frame at the source rate;
 *  - `fps`: a grid t = k/fps; each grid point takes the frame on screen at that time (the last frame that
 *    started at or before it), so a frame may repeat when `fps` exceeds the source rate;
 *  - `count`: N frames at indices round(linspace(0, T-1, N)) (repeats when N > T), e.g. the evenly spaced
 *    frames of a temporal window.
 * ffmpeg decodes the file once, drops unwanted frames itself when the wanted set is small enough to write as
 * a `select` expression (else they are dropped here), scales/pads, and writes raw RGB24 into a pipe that is
 * read only as fast as the consumer iterates.
 */
import type { Frame, FrameStream } from '../values.js';
import { InputError } from '../../runtime/errors.js';
import { streamFfmpeg } from './ffmpeg.js';
import type { Probe } from './probe.js';

export type Fit = 'stretch' | 'contain' | 'pad';

export interface FrameSelection {
  fps?: number;
  count?: number;
  /** Target size; one side alone keeps the aspect ratio. */
  width?: number;
  height?: number;
  /** stretch: exactly width×height; contain: keep aspect, fit inside; pad: keep aspect, pad to width×height. */
  fit?: Fit;
}

/** Output size and the ffmpeg filters that produce it from a source of srcW×srcH. */
export function outputGeometry(
  srcW: number,
  srcH: number,
  sel: Pick<FrameSelection, 'width' | 'height' | 'fit'>,
): { width: number; height: number; filters: string[] } {
  const { width: W, height: H } = sel;
  const fit = sel.fit ?? 'stretch';
  if (W === undefined && H === undefined) return { width: srcW, height: srcH, filters: [`scale=${srcW}:${srcH}`] };
  if (W === undefined || H === undefined) {
    const w = W ?? Math.max(1, Math.round((srcW * H!) / srcH));
    const h = H ?? Math.max(1, Math.round((srcH * W!) / srcW));
    return { width: w, height: h, filters: [`scale=${w}:${h}`] };
  }
  if (fit === 'stretch') return { width: W, height: H, filters: [`scale=${W}:${H}`] };
  const s = Math.min(W / srcW, H / srcH);
  const w = Math.max(1, Math.min(W, Math.round(srcW * s)));
  const h = Math.max(1, Math.min(H, Math.round(srcH * s)));
  if (fit === 'contain') return { width: w, height: h, filters: [`scale=${w}:${h}`] };
  const x = Math.floor((W - w) / 2);
  const y = Math.floor((H - h) / 2);
  return { width: W, height: H, filters: [`scale=${w}:${h}`, `pad=${W}:${H}:${x}:${y}:black`] };
}

export interface FramePlan {
  /** Source frame index of each delivered frame, in delivery order. */
  indices: number[];
  /** Time of each delivered frame (seconds from the first frame). */
  times: number[];
  /** Rate of the stream as delivered. */
  fps: number;
}

/** Which source frames to deliver, given the source frame times. */
export function planFrames(frameTimes: number[], sourceFps: number, sel: Pick<FrameSelection, 'fps' | 'count'>): FramePlan {
  const T = frameTimes.length;
  if (sel.fps !== undefined && sel.count !== undefined) {
    throw new Error('give either "fps" or "count", not both');
  }
  if (sel.count !== undefined) {
    const N = sel.count;
    const indices = Array.from({ length: N }, (_, k) => (N === 1 ? 0 : Math.round((k * (T - 1)) / (N - 1))));
    const span = frameTimes[T - 1]! + 1 / sourceFps;
    return { indices, times: indices.map((i) => frameTimes[i]!), fps: N / span };
  }
  if (sel.fps !== undefined) {
    const F = sel.fps;
    // The video lasts until the last frame's display ends.
    const end = frameTimes[T - 1]! + 1 / sourceFps;
    const n = Math.max(1, Math.ceil(end * F - 1e-6));
    const indices: number[] = [];
    const times: number[] = [];
    let i = 0;
    for (let k = 0; k < n; k++) {
      const t = k / F;
      while (i + 1 < T && frameTimes[i + 1]! <= t + 1e-6) i++;
      indices.push(i);
      times.push(t);
    }
    return { indices, times, fps: F };
  }
  return { indices: frameTimes.map((_, i) => i), times: frameTimes.slice(), fps: sourceFps };
}

/** A `select` filter passing exactly the given ascending unique frame numbers, or undefined if too long. */
export function selectFilter(unique: number[], total: number, maxTerms = 1500): string | undefined {
  if (unique.length === total) return undefined;
  const terms: string[] = [];
  for (let a = 0; a < unique.length; ) {
    let b = a;
    while (b + 1 < unique.length && unique[b + 1] === unique[b]! + 1) b++;
    terms.push(a === b ? `eq(n\\,${unique[a]})` : `between(n\\,${unique[a]}\\,${unique[b]})`);
    if (terms.length > maxTerms) return undefined;
    a = b + 1;
  }
  return `select=${terms.join('+')}`;
}

export interface OpenFramesOptions {
  signal?: AbortSignal;
  log?: (message: string) => void;
}

/**
 * A lazy FrameStream over `file`: ffmpeg starts when iteration starts, and is killed when the consumer
 * stops early or the signal aborts. The stream can be iterated once.
 */
export function openFrameStream(file: string, probe: Probe, sel: FrameSelection, options: OpenFramesOptions = {}): FrameStream {
  const { info, frameTimes } = probe;
  if (!info.hasVideo || !frameTimes) {
    return {
      fps: sel.fps ?? 0,
      width: 0,
      height: 0,
      count: 0,
      frames: failing(new InputError('the file has no video stream, so it has no frames to read', { file })),
    };
  }
  const plan = planFrames(frameTimes, info.fps!, sel);
  const geo = outputGeometry(info.width!, info.height!, sel);
  const unique = [...new Set(plan.indices)];
  const select = selectFilter(unique, frameTimes.length);
  const filters = [...(select ? [select] : []), ...geo.filters];
  const args = [
    '-v', 'error',
    '-i', file,
    '-map', '0:v:0',
    '-an', '-sn',
    '-vf', filters.join(','),
    '-vsync', 'passthrough',
    '-pix_fmt', 'rgb24',
    '-f', 'rawvideo',
    '-',
  ];
  const frameBytes = geo.width * geo.height * 3;
  let started = false;

  async function* frames(): AsyncGenerator<Frame, void, undefined> {
    if (started) throw new Error(`the frames of "${file}" are a one-pass stream and were already read`);
    started = true;
    const pieces = streamFfmpeg(args, {
      file,
      what: 'decode the video of',
      chunkBytes: frameBytes,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    // `decoded` counts frames out of ffmpeg: the source frame number when nothing is selected in ffmpeg,
    // else the position in `unique`.
    let decoded = 0;
    let k = 0;
    try {
      for await (const rgb of pieces) {
        const source = select ? unique[decoded]! : decoded;
        decoded++;
        while (k < plan.indices.length && plan.indices[k]! < source) k++; // a frame ffmpeg lost: skip its slots
        while (k < plan.indices.length && plan.indices[k] === source) {
          const nextIsSame = plan.indices[k + 1] === source;
          yield { index: source, time: plan.times[k]!, width: geo.width, height: geo.height, rgb: nextIsSame ? rgb.slice() : rgb };
          k++;
        }
        if (k >= plan.indices.length) break;
      }
    } finally {
      await pieces.return(undefined);
    }
    if (k < plan.indices.length) {
      options.log?.(`"${file}": decoded ${decoded} of the ${unique.length} frames expected; the stream ends early`);
    }
  }

  return { fps: plan.fps, width: geo.width, height: geo.height, count: plan.indices.length, frames: { [Symbol.asyncIterator]: frames } };
}

function failing(error: Error): AsyncIterable<Frame> {
  return {
    // eslint-disable-next-line require-yield
    async *[Symbol.asyncIterator]() {
      throw error;
    },
  };
}
