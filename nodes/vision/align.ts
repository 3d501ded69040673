/**
 * Face alignment to the standard 5-point template (the one of ArcFace/InsightFace crops), two ways:
 *  - `eyes` (default): rotate so the eye line is level; scale so the eye distance or the eye–mouth distance
 *    (whichever gives the larger face: turning the head shortens the first, tilting it forward the second)
 *    matches the template; put the point halfway between eye centre and mouth centre where the template has it.
 *  - `least-squares`: the similarity transform that best maps all five landmarks on the template (Umeyama);
 *    exact for frontal faces, but for a turned face it trades a level eye line for a better overall fit.
 * `padding` zooms out around the template so brows, chin and some hair stay in the crop. Without landmarks
 * the detector box is made square around its centre, padded the same way, and scaled (no rotation).
 */
import type { Affine, RgbImage } from './image.js';
import { invertAffine, warpAffine } from './image.js';

export type Point = [number, number];

/** The 5-point template of 112×112 ArcFace crops: image-left eye, image-right eye, nose, mouth corners. */
const TEMPLATE_112: Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/** Template landmark positions in a `size`×`size` crop, zoomed out by `padding` (0.25 = 25 % more context). */
export function templatePoints(size: number, padding: number): Point[] {
  const s = size / 112 / (1 + padding);
  const c = size / 2;
  return TEMPLATE_112.map(([x, y]) => [c + (x - 56) * s, c + (y - 56) * s]);
}

/**
 * Least-squares similarity transform taking `from` onto `to`: x' = a·x − b·y + tx, y' = b·x + a·y + ty.
 * (Umeyama's method in 2D; written with complex numbers it is one division.)
 */
export function similarity(from: Point[], to: Point[]): Affine {
  const n = from.length;
  if (n < 2 || to.length !== n) throw new Error('similarity needs at least two matching points');
  let fx = 0, fy = 0, tx = 0, ty = 0;
  for (let i = 0; i < n; i++) {
    fx += from[i]![0]; fy += from[i]![1];
    tx += to[i]![0]; ty += to[i]![1];
  }
  fx /= n; fy /= n; tx /= n; ty /= n;
  let re = 0, im = 0, norm = 0;
  for (let i = 0; i < n; i++) {
    const px = from[i]![0] - fx, py = from[i]![1] - fy;
    const qx = to[i]![0] - tx, qy = to[i]![1] - ty;
    // Σ q·conj(p)
    re += qx * px + qy * py;
    im += qy * px - qx * py;
    norm += px * px + py * py;
  }
  if (norm < 1e-9) throw new Error('landmarks coincide: cannot align');
  const a = re / norm;
  const b = im / norm;
  return [a, -b, tx - (a * fx - b * fy), b, a, ty - (b * fx + a * fy)];
}

export function applyAffine([a, b, c, d, e, f]: Affine, [x, y]: Point): Point {
  return [a * x + b * y + c, d * x + e * y + f];
}

export type AlignMethod = 'eyes' | 'least-squares';

const mid = (p: Point, q: Point): Point => [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2];
const dist = (p: Point, q: Point): number => Math.hypot(q[0] - p[0], q[1] - p[1]);

/** Source → crop map levelling the eye line and scaling by eye and eye–mouth distances (see above). */
export function eyeLineTransform(landmarks: Point[], template: Point[]): Affine {
  const [le, re, , lm, rm] = landmarks as [Point, Point, Point, Point, Point];
  const [tle, tre, , tlm, trm] = template as [Point, Point, Point, Point, Point];
  const eye = mid(le, re);
  const mouth = mid(lm, rm);
  const tEye = mid(tle, tre);
  const tMouth = mid(tlm, trm);
  const eyeDist = dist(le, re);
  const eyeMouth = dist(eye, mouth);
  if (eyeDist < 1e-6 && eyeMouth < 1e-6) throw new Error('landmarks coincide: cannot align');
  const k = Math.min(eyeDist > 1e-6 ? dist(tle, tre) / eyeDist : Infinity, eyeMouth > 1e-6 ? dist(tEye, tMouth) / eyeMouth : Infinity);
  const angle = Math.atan2(re[1] - le[1], re[0] - le[0]);
  const a = k * Math.cos(-angle);
  const b = k * Math.sin(-angle);
  const p = mid(eye, mouth);
  const q = mid(tEye, tMouth);
  // x' = k·R(−angle)·(x − p) + q
  return [a, -b, q[0] - (a * p[0] - b * p[1]), b, a, q[1] - (b * p[0] + a * p[1])];
}

/** The aligned `size`×`size` crop of a face given its five landmarks in `image` coordinates. */
export function alignByLandmarks(
  image: RgbImage,
  landmarks: Point[],
  size: number,
  padding: number,
  method: AlignMethod = 'eyes',
): RgbImage {
  const template = templatePoints(size, padding);
  const toCrop = method === 'eyes' ? eyeLineTransform(landmarks, template) : similarity(landmarks, template);
  return warpAffine(image, invertAffine(toCrop), size, size);
}

/** A square `size`×`size` crop centred on the box [x, y, w, h], its longer side grown by `padding`. */
export function cropByBox(image: RgbImage, box: [number, number, number, number], size: number, padding: number): RgbImage {
  const [x, y, w, h] = box;
  const side = Math.max(w, h) * (1 + padding);
  const s = side / size;
  const cx = x + w / 2;
  const cy = y + h / 2;
  return warpAffine(image, [s, 0, cx - side / 2, 0, s, cy - side / 2], size, size);
}
