/**
 * The values that flow between the built-in node families, one interface per port type. The runtime treats
 * values as opaque; these types are the shared vocabulary of the families in nodes/.
 *
 *   port type            TypeScript value
 *   media/file           string (absolute path)
 *   media/info           MediaInfo
 *   audio/pcm16k         AudioPcm (mono, 16 kHz, float32 in [-1, 1])
 *   video/frames         FrameStream (one-pass)
 *   video/faces          FaceStream (one-pass)
 *   text/transcript      Transcript (chunks and words with times)
 *   text/batch           TextBatch (texts to encode, optionally indexed by time step)
 *   features[T,D]        Features (a per-sample matrix: one row per time step, or per text)
 *   label/frame          FrameLabels (one label per frame)
 *   label/vector         Float32Array (one vector of targets per sample, e.g. six EMI intensities)
 *   data/split           string ("train" | "val" | "test" | ...)
 */

export interface MediaInfo {
  file: string;
  /** Seconds. */
  duration: number;
  fps?: number;
  frameCount?: number;
  width?: number;
  height?: number;
  hasAudio: boolean;
  hasVideo: boolean;
}

export interface AudioPcm {
  sampleRate: 16000;
  samples: Float32Array;
}

/** A decoded RGB frame, row-major HWC, 3 bytes per pixel. */
export interface Frame {
  /** Frame number in the source (at the source's frame rate). */
  index: number;
  /** Seconds from the start. */
  time: number;
  width: number;
  height: number;
  rgb: Uint8Array;
}

export interface FrameStream {
  /** Frames per second of the stream as delivered (after any resampling). */
  fps: number;
  width: number;
  height: number;
  /** Number of frames the stream will deliver, when known. */
  count?: number;
  frames: AsyncIterable<Frame>;
}

export interface FaceFrame {
  index: number;
  time: number;
  /** False when no face was found; `crop` is then absent. */
  found: boolean;
  /** [x, y, width, height] in source pixels. */
  box?: [number, number, number, number];
  score?: number;
  /** Aligned face crop (RGB, HWC). */
  crop?: { width: number; height: number; rgb: Uint8Array };
}

export interface FaceStream {
  fps: number;
  count?: number;
  frames: AsyncIterable<FaceFrame>;
}

export interface TranscriptChunk {
  text: string;
  /** Seconds. */
  start: number;
  end: number;
}

export interface TranscriptWord {
  word: string;
  start: number;
  end: number;
}

export interface Transcript {
  text: string;
  chunks: TranscriptChunk[];
  /** Word times: from the ASR when it gives them, else interpolated within chunks. */
  words: TranscriptWord[];
}

export interface TextBatch {
  texts: string[];
  /** Optional map from a time step (e.g. a frame) to the row of `texts` that belongs to it. */
  index?: Int32Array;
}

export interface Features {
  /** [rows, dim]. */
  dims: [number, number];
  /** Row-major rows × dim. */
  data: Float32Array;
  /** Rows per second, for time-indexed features (e.g. 50 for wav2vec2, the frame rate for images). */
  rate?: number;
  /** Carried over from a TextBatch: time step → row. */
  index?: Int32Array;
}

export interface FrameLabels {
  /** Frames per second of the labels. */
  fps: number;
  /** One label per frame. */
  labels: Uint8Array;
  /** False for unlabelled samples (e.g. a test split): the frame count is known, the labels are not. */
  known?: boolean;
}

/** Row `i` of a feature matrix (a view, no copy). */
export function featureRow(f: Features, i: number): Float32Array {
  const d = f.dims[1];
  return f.data.subarray(i * d, (i + 1) * d);
}
