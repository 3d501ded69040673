/**
 * YuNet (OpenCV Zoo, MIT): a 230 kB anchor-free face detector with five landmarks. Input: BGR 0..255
 * float NCHW, height and width multiples of 32, any size. Output per stride s ∈ {8, 16, 32}: `cls_s`,
 * `obj_s` (N×1), `bbox_s` (N×4), `kps_s` (N×10) for the N = (H/s)·(W/s) grid cells in row-major order.
 * score = √(cls·obj); centre = (cell + b[0..1])·s; size = exp(b[2..3])·s; landmark j = (cell + k[2j..2j+1])·s.
 * Its input has a fixed batch of 1, so frames go one at a time.
 */
import type { Point } from '../align.js';
import { toTensor, type RgbImage } from '../image.js';
import { nonMaxSuppression, type DetectorOptions, type FaceDetection, type FaceDetector } from './types.js';
import { ort, type InferenceSession } from './onnx.js';

const STRIDES = [8, 16, 32] as const;

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/**
 * Input geometry: the image shrunk so its longer side is at most `inputSize` (never enlarged: that costs
 * time and finds no more faces), padded up to multiples of 32.
 */
export function yunetInputSize(width: number, height: number, inputSize: number) {
  const scale = Math.min(1, inputSize / Math.max(width, height));
  const contentW = Math.max(1, Math.round(width * scale));
  const contentH = Math.max(1, Math.round(height * scale));
  return { contentW, contentH, tensorW: Math.ceil(contentW / 32) * 32, tensorH: Math.ceil(contentH / 32) * 32 };
}

export class YuNetDetector implements FaceDetector {
  readonly name = 'yunet';
  constructor(
    private readonly session: InferenceSession,
    private readonly options: DetectorOptions,
  ) {}

  async detect(image: RgbImage): Promise<FaceDetection[]> {
    const g = yunetInputSize(image.width, image.height, this.options.inputSize);
    const data = toTensor(image, g.tensorW, g.tensorH, g.contentW, g.contentH, { order: 'bgr', mean: 0, std: 1 });
    const input = new ort.Tensor('float32', data, [1, 3, g.tensorH, g.tensorW]);
    const out = await this.session.run({ [this.session.inputNames[0]!]: input });
    // Tensor pixels → source pixels.
    const sx = image.width / g.contentW;
    const sy = image.height / g.contentH;
    const faces: FaceDetection[] = [];
    for (const s of STRIDES) {
      const cls = out[`cls_${s}`]!.data as Float32Array;
      const obj = out[`obj_${s}`]!.data as Float32Array;
      const bbox = out[`bbox_${s}`]!.data as Float32Array;
      const kps = out[`kps_${s}`]!.data as Float32Array;
      const cols = g.tensorW / s;
      for (let i = 0; i < cls.length; i++) {
        const score = Math.sqrt(clamp01(cls[i]!) * clamp01(obj[i]!));
        if (score < this.options.minScore) continue;
        const col = i % cols;
        const row = (i - col) / cols;
        const cx = (col + bbox[i * 4]!) * s;
        const cy = (row + bbox[i * 4 + 1]!) * s;
        const w = Math.exp(bbox[i * 4 + 2]!) * s;
        const h = Math.exp(bbox[i * 4 + 3]!) * s;
        const landmarks: Point[] = [];
        for (let j = 0; j < 5; j++) {
          landmarks.push([(col + kps[i * 10 + 2 * j]!) * s * sx, (row + kps[i * 10 + 2 * j + 1]!) * s * sy]);
        }
        faces.push({ box: [(cx - w / 2) * sx, (cy - h / 2) * sy, w * sx, h * sy], score, landmarks });
      }
    }
    for (const t of Object.values(out)) t.dispose?.();
    return nonMaxSuppression(faces, this.options.nmsIou);
  }
}
