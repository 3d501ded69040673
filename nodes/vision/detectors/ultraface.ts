/**
 * UltraFace (Linzaer "Ultra-Light-Fast-Generic-Face-Detector-1MB", MIT): boxes only, no landmarks.
 * Input: RGB stretched to the model's fixed size (320×240 for RFB-320, 640×480 for RFB-640), (x−127)/128,
 * NCHW. Output: `scores` [1, N, 2] (softmax; column 1 = face) and `boxes` [1, N, 4] normalised x1, y1, x2, y2.
 */
import { toTensor, type RgbImage } from '../image.js';
import { nonMaxSuppression, type DetectorOptions, type FaceDetection, type FaceDetector } from './types.js';
import { ort, type InferenceSession } from './onnx.js';

export class UltraFaceDetector implements FaceDetector {
  readonly name = 'ultraface';
  private readonly width: number;
  private readonly height: number;

  constructor(
    private readonly session: InferenceSession,
    private readonly options: DetectorOptions,
  ) {
    const meta = session.inputMetadata[0];
    const shape = meta && 'shape' in meta ? meta.shape : [];
    const h = shape[2];
    const w = shape[3];
    this.width = typeof w === 'number' ? w : 320;
    this.height = typeof h === 'number' ? h : 240;
  }

  async detect(image: RgbImage): Promise<FaceDetection[]> {
    const data = toTensor(image, this.width, this.height, this.width, this.height, { order: 'rgb', mean: 127, std: 128 });
    const input = new ort.Tensor('float32', data, [1, 3, this.height, this.width]);
    const out = await this.session.run({ [this.session.inputNames[0]!]: input });
    const scores = out['scores']!.data as Float32Array;
    const boxes = out['boxes']!.data as Float32Array;
    const faces: FaceDetection[] = [];
    const n = scores.length / 2;
    for (let i = 0; i < n; i++) {
      const score = scores[i * 2 + 1]!;
      if (score < this.options.minScore) continue;
      const x1 = boxes[i * 4]! * image.width;
      const y1 = boxes[i * 4 + 1]! * image.height;
      const x2 = boxes[i * 4 + 2]! * image.width;
      const y2 = boxes[i * 4 + 3]! * image.height;
      faces.push({ box: [x1, y1, x2 - x1, y2 - y1], score });
    }
    for (const t of Object.values(out)) t.dispose?.();
    return nonMaxSuppression(faces, this.options.nmsIou);
  }
}
