/** What every face detector gives: candidate faces in source pixel coordinates. */
import type { Point } from '../align.js';
import type { RgbImage } from '../image.js';

export interface FaceDetection {
  /** [x, y, width, height] in source pixels. */
  box: [number, number, number, number];
  score: number;
  /** Five points when the detector gives them: image-left eye, image-right eye, nose tip, mouth corners. */
  landmarks?: Point[];
}

export interface FaceDetector {
  readonly name: string;
  /** Faces with score ≥ the detector's threshold, after non-maximum suppression, best first. */
  detect(image: RgbImage): Promise<FaceDetection[]>;
}

export interface DetectorOptions {
  /** Minimum score of a face. */
  minScore: number;
  /** IoU above which the weaker of two boxes is dropped. */
  nmsIou: number;
  /** Longest side of the detector input, where the detector takes any size. */
  inputSize: number;
}

function iou(a: FaceDetection['box'], b: FaceDetection['box']): number {
  const x1 = Math.max(a[0], b[0]);
  const y1 = Math.max(a[1], b[1]);
  const x2 = Math.min(a[0] + a[2], b[0] + b[2]);
  const y2 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy non-maximum suppression: best score first, dropping boxes that overlap a kept one. */
export function nonMaxSuppression(faces: FaceDetection[], maxIou: number, limit = 50): FaceDetection[] {
  const sorted = [...faces].sort((p, q) => q.score - p.score);
  const kept: FaceDetection[] = [];
  for (const f of sorted) {
    if (kept.length >= limit) break;
    if (kept.every((k) => iou(k.box, f.box) <= maxIou)) kept.push(f);
  }
  return kept;
}

/** The main face: the largest box weighted by its score (area × score). */
export function mainFace(faces: FaceDetection[]): FaceDetection | undefined {
  let best: FaceDetection | undefined;
  let bestValue = -Infinity;
  for (const f of faces) {
    const v = f.box[2] * f.box[3] * f.score;
    if (v > bestValue) {
      bestValue = v;
      best = f;
    }
  }
  return best;
}
