/** vision/faces: the main face of every frame, aligned and cropped. */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineNode, type Requirement } from '../../runtime/contract.js';
import { InputError } from '../../runtime/errors.js';
import type { FaceFrame, FaceStream, Frame, FrameStream } from '../values.js';
import { alignByLandmarks, applyAffine, cropByBox, eyeLineTransform, templatePoints, type AlignMethod, type Point } from './align.js';
import { invertAffine, warpAffine, type RgbImage } from './image.js';
import { findModelFile, loadSession } from './detectors/onnx.js';
import { mainFace, type DetectorOptions, type FaceDetection, type FaceDetector } from './detectors/types.js';
import { TinyFaceDetector } from './detectors/tiny-face.js';
import { UltraFaceDetector } from './detectors/ultraface.js';
import { YuNetDetector } from './detectors/yunet.js';
import { mapAhead } from './stream.js';

export type DetectorName = 'yunet' | 'ultraface' | 'tiny-face';

export interface FacesParams {
  detector: DetectorName;
  modelDir?: string;
  modelFile?: string;
  minScore: number;
  nmsIou: number;
  inputSize: number;
  size: number;
  padding: number;
  align: AlignMethod;
  refine: number;
  threads?: number;
}

const MODEL_FILES: Record<DetectorName, { pattern: RegExp; preferred?: string; what: string }> = {
  yunet: { pattern: /yunet.*\.onnx$/i, what: 'YuNet face detector (ONNX)' },
  ultraface: { pattern: /\.onnx$/i, preferred: 'version-RFB-320.onnx', what: 'UltraFace face detector (ONNX)' },
  'tiny-face': { pattern: /^tiny_face_detector_model-weights_manifest\.json$/, what: 'face-api tiny face detector (TensorFlow.js weights)' },
};

const require = createRequire(import.meta.url);

/** face-api's model folder when the package is installed (the default for `tiny-face`). */
export function faceApiModelDir(): string | undefined {
  try {
    return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  } catch {
    return undefined;
  }
}

function modelDirOf(p: Pick<FacesParams, 'detector' | 'modelDir'>): string {
  const dir = p.modelDir || (p.detector === 'tiny-face' ? faceApiModelDir() : undefined);
  if (dir) return dir;
  throw new InputError(
    p.detector === 'tiny-face'
      ? 'no model folder: set modelDir to face-api\'s model/ folder, or install @vladmandic/face-api'
      : `detector "${p.detector}" needs modelDir, the folder of its ONNX model (e.g. ../shared/models/${p.detector})`,
    { param: 'modelDir' },
  );
}

/** The model file a faces node will load (for tiny-face: its weights manifest). */
export function detectorModelFile(p: Pick<FacesParams, 'detector' | 'modelDir' | 'modelFile'>): string {
  const spec = MODEL_FILES[p.detector];
  const dir = modelDirOf(p);
  if (p.modelFile) return findModelFile(dir, p.modelFile, spec.pattern, spec.what);
  if (spec.preferred && existsSync(path.join(dir, spec.preferred))) return path.join(dir, spec.preferred);
  return findModelFile(dir, undefined, spec.pattern, spec.what);
}

/** A detector for the params, its ONNX session shared by every node of the run that uses the same file. */
export async function createDetector(
  p: FacesParams,
  shared: <T>(key: string, factory: () => Promise<T>) => Promise<T>,
  log?: (message: string) => void,
): Promise<FaceDetector> {
  const file = detectorModelFile(p);
  const options: DetectorOptions = { minScore: p.minScore, nmsIou: p.nmsIou, inputSize: p.inputSize };
  if (p.detector === 'tiny-face') {
    const dir = path.dirname(file);
    return shared(`tfjs:${dir}:${JSON.stringify(options)}`, () => TinyFaceDetector.load(dir, options, log));
  }
  const session = await shared(`onnx:${file}:${p.threads ?? 0}`, () => loadSession(file, p.threads));
  return p.detector === 'yunet' ? new YuNetDetector(session, options) : new UltraFaceDetector(session, options);
}

/** Context around the face in the views used to refine landmarks (the detector wants the whole head). */
const REFINE_PADDING = 0.6;
const REFINE_SIZE = 256;

/**
 * Landmarks measured again on a levelled, enlarged view of the face, mapped back to the frame. Small
 * landmark models (YuNet) under-estimate head roll and are imprecise on small faces; each pass cuts the
 * remaining error (see docs/media.md). Keeps the previous landmarks if the face is lost in the view.
 */
export async function refineLandmarks(detector: FaceDetector, image: RgbImage, landmarks: Point[], passes: number): Promise<Point[]> {
  let current = landmarks;
  for (let i = 0; i < passes; i++) {
    const toView = eyeLineTransform(current, templatePoints(REFINE_SIZE, REFINE_PADDING));
    const toFrame = invertAffine(toView);
    const view = warpAffine(image, toFrame, REFINE_SIZE, REFINE_SIZE);
    const again = mainFace(await detector.detect(view));
    if (!again?.landmarks) break;
    current = again.landmarks.map((q) => applyAffine(toFrame, q));
  }
  return current;
}

/** The main face of a frame (largest × score), its landmarks refined; undefined when there is none. */
export async function locateFace(
  detector: FaceDetector,
  frame: RgbImage,
  refine: number,
): Promise<FaceDetection | undefined> {
  const face = mainFace(await detector.detect(frame));
  if (!face?.landmarks || refine <= 0) return face;
  return { ...face, landmarks: await refineLandmarks(detector, frame, face.landmarks, refine) };
}

/** Detects, picks the main face and crops it; a frame without a face gives `found: false`. */
export async function faceOfFrame(
  detector: FaceDetector,
  frame: Frame,
  p: Pick<FacesParams, 'size' | 'padding' | 'refine' | 'align'>,
): Promise<FaceFrame> {
  const face = await locateFace(detector, frame, p.refine);
  if (!face) return { index: frame.index, time: frame.time, found: false };
  const crop = face.landmarks
    ? alignByLandmarks(frame, face.landmarks, p.size, p.padding, p.align)
    : cropByBox(frame, face.box, p.size, p.padding);
  return { index: frame.index, time: frame.time, found: true, box: face.box, score: face.score, crop };
}

export const faces = defineNode<FacesParams, FaceDetector>({
  type: 'vision/faces',
  version: '2',
  description: 'Finds the main face in every frame (YuNet, UltraFace or face-api tiny detector) and crops it aligned to size×size.',
  docs: `
Per frame, the detector's faces above \`minScore\` (after non-maximum suppression) are ranked by
area × score and the first is kept. With YuNet (default) the crop is aligned by its five landmarks onto
the standard 5-point template: \`align: "eyes"\` levels the eye line and scales by the eye distance or the
eye–mouth distance (whichever gives the larger face, so turned or nodding heads are not over-zoomed);
\`"least-squares"\` fits all five points. YuNet's landmarks under-estimate head roll, so by default they are
measured once more on a levelled, enlarged view of the face (\`refine\`). UltraFace gives boxes only: its
crop is the box made square, without rotation. \`tiny-face\` runs face-api's tiny face detector (weights of
the npm package \`@vladmandic/face-api\`) on TensorFlow.js, also boxes only; it is slower (≈ 10 frames/s on
the WebAssembly backend) but needs no model download. \`padding\` zooms out around the face (0.25 = 25 %
more context).

Frames without a face are kept with \`found: false\`, so indices stay aligned with the video. The output is
lazy: a frame is decoded and searched only when the consumer reads it (one frame ahead, so decoding,
inference and the consumer overlap). The models take one image per call (the ONNX models' batch is fixed
at 1), so there is no batching.

\`modelDir\` is the folder holding the model (e.g. \`../shared/models/yunet\`): the file is found by name
(\`*yunet*.onnx\`; \`version-RFB-320.onnx\` for UltraFace; face-api's \`model/\` folder for tiny-face, the
default when the package is installed) or given by \`modelFile\`.
`,
  kind: 'map',
  cacheable: false,
  concurrency: 1,
  inputs: { frames: { type: 'video/frames' } },
  outputs: { faces: { type: 'video/faces', onePass: true } },
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      detector: {
        enum: ['yunet', 'ultraface', 'tiny-face'],
        default: 'yunet',
        description: 'yunet (ONNX, 5 landmarks, aligned crops), ultraface (ONNX, boxes) or tiny-face (face-api weights on TensorFlow.js, boxes)',
      },
      modelDir: {
        type: 'string',
        'x-path': 'dir',
        'x-model': 'face-detector',
        description: 'folder with the detector model (yunet, ultraface: required; tiny-face: default @vladmandic/face-api/model)',
      },
      modelFile: { type: 'string', description: 'model file name inside modelDir (default: found by name)' },
      minScore: { type: 'number', minimum: 0, maximum: 1, default: 0.6, description: 'minimum detector score of a face' },
      nmsIou: { type: 'number', minimum: 0, maximum: 1, default: 0.3, description: 'overlap (IoU) above which the weaker box is dropped' },
      inputSize: {
        type: 'integer',
        minimum: 32,
        default: 640,
        description: 'yunet: longest side of the detector input (frames are shrunk to it, never enlarged); tiny-face: side of its square input (multiple of 32; small frames are not enlarged)',
      },
      size: { type: 'integer', minimum: 16, default: 256, description: 'side of the square face crop' },
      padding: { type: 'number', minimum: 0, default: 0.25, description: 'extra context around the face, as a fraction' },
      align: {
        enum: ['eyes', 'least-squares'],
        default: 'eyes',
        description: 'eyes: level the eye line, scale by eye and eye-mouth distances; least-squares: best fit of all 5 landmarks',
      },
      refine: {
        type: 'integer',
        minimum: 0,
        maximum: 4,
        default: 1,
        description: 'YuNet: times the landmarks are measured again on a levelled, enlarged view of the face (each costs one more detection)',
      },
      threads: { type: 'integer', minimum: 1, description: 'onnxruntime intra-op threads (default: its own choice)' },
    },
  },
  async requires(p): Promise<Requirement[]> {
    const detector = p.detector ?? 'yunet';
    const what = MODEL_FILES[detector].what;
    try {
      return [{ what, location: detectorModelFile({ ...p, detector }), present: true }];
    } catch {
      return [
        {
          what,
          location: p.modelDir || '(modelDir not set)',
          present: false,
          hint:
            detector === 'tiny-face'
              ? 'npm install @vladmandic/face-api (MIT), or point modelDir at its model/ folder'
              : 'YuNet: face_detection_yunet_*.onnx from OpenCV Zoo; UltraFace: version-RFB-320.onnx (both MIT)',
        },
      ];
    }
  },
  async setup(ctx) {
    return createDetector(ctx.params, ctx.shared, (m) => ctx.log.info(m));
  },
  async run(inputs, ctx, detector) {
    const stream = inputs['frames'] as FrameStream | undefined;
    if (!stream || typeof stream !== 'object' || !stream.frames) {
      throw new InputError('port "frames" expects a video/frames stream', { port: 'frames' });
    }
    const p = ctx.params;
    const out: FaceStream = {
      fps: stream.fps,
      ...(stream.count !== undefined ? { count: stream.count } : {}),
      frames: { [Symbol.asyncIterator]: () => mapAhead(stream.frames, (f) => faceOfFrame(detector, f, p), 1) },
    };
    return { faces: out };
  },
});
