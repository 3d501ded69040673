import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NodeDefinition } from '../../runtime/contract.js';
import { runGraph } from '../../src/run.js';
import { createRegistry } from '../../src/registry.js';
import { mediaNodes } from '../media/index.js';
import { collect, runMapNode, sharedModels, tempDir, testMedia } from '../media/test-util.js';
import type { FaceFrame, FaceStream, Frame, FrameStream } from '../values.js';
import { applyAffine, eyeLineTransform, templatePoints, type Point } from './align.js';
import { createDetector, faceApiModelDir, faces, locateFace, type FacesParams } from './faces.js';
import { mainFace, type FaceDetector } from './detectors/types.js';
import { drawFace, faceLandmarks, NEUTRAL, type Appearance, type Expression, type Pose } from './synthetic-face.js';
import { visionNodes } from './index.js';
import { demux } from '../media/demux.js';
import { createRng } from '../learn/random.js';
import { runFfmpeg } from '../media/ffmpeg.js';

/**
 * A real photo: the demo photo that the MIT-licensed @vladmandic/face-api package ships, cropped around the face
 * at test time (nothing copied into the repository). Tests that need it skip when the package is absent.
 */
const photoSource = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules/@vladmandic/face-api/demo/sample3.jpg');
const havePhoto = existsSync(photoSource);
let photoFile = '';
beforeAll(async () => {
  if (!havePhoto) return;
  photoFile = path.join(tempDir('face-photo-'), 'face-photo.jpg');
  const r = await runFfmpeg(['-v', 'error', '-y', '-i', photoSource, '-vf', 'crop=560:560:902:73,scale=224:224', '-q:v', '4', photoFile], { file: photoSource, what: 'crop the demo photo' });
  if (r.code !== 0) throw new Error(`could not crop the demo photo: ${r.stderr}`);
});

const yunetDir = path.join(sharedModels, 'yunet');
const ultrafaceDir = path.join(sharedModels, 'ultraface');
const haveModels = existsSync(yunetDir) && existsSync(ultrafaceDir);

const base = { minScore: 0.6, nmsIou: 0.3, inputSize: 640, size: 256, padding: 0.25, align: 'eyes' as const, refine: 1 };
const yunetParams: FacesParams = { detector: 'yunet', modelDir: yunetDir, ...base };
const ultraParams: FacesParams = { detector: 'ultraface', modelDir: ultrafaceDir, ...base };

function sharedCache() {
  const m = new Map<string, Promise<unknown>>();
  return <T>(k: string, f: () => Promise<T>) => {
    if (!m.has(k)) m.set(k, f());
    return m.get(k) as Promise<T>;
  };
}

const look: Appearance = {
  skin: [224, 172, 140],
  hair: [70, 45, 30],
  iris: [80, 110, 60],
  shirt: [40, 70, 140],
  lips: [180, 80, 85],
  background: [[190, 200, 210], [120, 130, 150]],
  hairLength: 0.3,
};

function render(pose: Partial<Pose>, expression: Partial<Expression> = {}, appearance = look, w = 320, h = 240): Frame {
  const rgb = new Uint8Array(w * h * 3);
  drawFace({ width: w, height: h, rgb }, { cx: w / 2, cy: h / 2, height: 150, roll: 0, yaw: 0, ...pose }, appearance, { ...NEUTRAL, ...expression });
  return { index: 0, time: 0, width: w, height: h, rgb };
}

function blank(w = 320, h = 240): Frame {
  const rgb = new Uint8Array(w * h * 3).fill(128);
  return { index: 0, time: 0, width: w, height: h, rgb };
}

function streamOf(frames: Frame[], fps = 10): FrameStream {
  return {
    fps,
    width: frames[0]!.width,
    height: frames[0]!.height,
    count: frames.length,
    frames: (async function* () {
      for (const [i, f] of frames.entries()) yield { ...f, index: i, time: i / fps };
    })(),
  };
}

async function facesOf(params: FacesParams, frames: Frame[]): Promise<FaceFrame[]> {
  const out = await runMapNode(faces, params, { frames: streamOf(frames) });
  return collect((out['faces'] as FaceStream).frames);
}

const boxCentre = (b: [number, number, number, number]) => [b[0] + b[2] / 2, b[1] + b[3] / 2];

describe.skipIf(!haveModels || !havePhoto)('vision/faces with the shared ONNX detectors', () => {
  let photo: Frame;
  let yunet: FaceDetector;
  beforeAll(async () => {
    const out = await runMapNode(demux, { decodeAudio: false, requireAudio: false, startSeconds: 0, fit: 'stretch' }, { file: photoFile });
    [photo] = await collect((out['frames'] as FrameStream).frames);
    yunet = await createDetector(yunetParams, sharedCache());
  });

  it.each([
    ['yunet', yunetParams],
    ['ultraface', ultraParams],
  ] as const)('finds the face in a real photo (%s)', async (_name, params) => {
    const [face] = await facesOf(params, [photo]);
    expect(face!.found).toBe(true);
    expect(face!.score).toBeGreaterThan(0.8);
    // The photo was cropped around the face: its centre is near the middle and it is 80-160 px tall.
    const [cx, cy] = boxCentre(face!.box!);
    expect(Math.hypot(cx! - 112, cy! - 112)).toBeLessThan(30);
    expect(face!.box![3]).toBeGreaterThan(80);
    expect(face!.box![3]).toBeLessThan(170);
    expect(face!.crop).toMatchObject({ width: 256, height: 256 });
    expect(face!.crop!.rgb.length).toBe(256 * 256 * 3);
  });

  it('aligns a real face: the crop is centred and its eye line nearly level', async () => {
    const [face] = await facesOf(yunetParams, [photo]);
    const again = mainFace(await yunet.detect(face!.crop!))!;
    const [le, re, , lm, rm] = again.landmarks!;
    expect(Math.abs(Math.atan2(re![1] - le![1], re![0] - le![0]))).toBeLessThan(0.12);
    // Eye centre and mouth centre near where the template puts them.
    const t = templatePoints(256, 0.25);
    const mid = (p: number[], q: number[]) => [(p[0]! + q[0]!) / 2, (p[1]! + q[1]!) / 2];
    const [ex, ey] = mid(le!, re!);
    const [tx, ty] = mid(t[0]!, t[1]!);
    expect(Math.hypot(ex! - tx!, ey! - ty!)).toBeLessThan(14);
    const [mx, my] = mid(lm!, rm!);
    const [ux, uy] = mid(t[3]!, t[4]!);
    expect(Math.hypot(mx! - ux!, my! - uy!)).toBeLessThan(14);
  });

  it('levels a tilted head: refining the landmarks cuts the roll left in the crop', async () => {
    const pose = { cx: 160, cy: 120, height: 150, roll: 0.35, yaw: 0 };
    const frame = render(pose);
    const truth = faceLandmarks(pose);
    /** Roll left in the crop: the true eye line after the alignment transform. */
    const residual = (landmarks: Point[]) => {
      const m = eyeLineTransform(landmarks, templatePoints(256, 0.25));
      const [l, r] = [applyAffine(m, truth[0]!), applyAffine(m, truth[1]!)];
      return Math.abs(Math.atan2(r[1] - l[1], r[0] - l[0]));
    };
    const once = await locateFace(yunet, frame, 0);
    const refined = await locateFace(yunet, frame, 1);
    expect(residual(truth)).toBeLessThan(1e-9);
    expect(residual(refined!.landmarks!)).toBeLessThan(residual(once!.landmarks!));
    expect(residual(refined!.landmarks!)).toBeLessThan(0.1);
  });

  it('finds synthetic faces across expressions, poses, sizes and looks (both detectors)', async () => {
    const random = createRng(7);
    const frames: Frame[] = [];
    const truth: Array<[number, number]> = [];
    for (let i = 0; i < 24; i++) {
      const r = () => random() * 2 - 1;
      const height = 90 + random() * 120;
      const cx = 160 + r() * 40;
      const cy = 120 + r() * 20;
      const appearance: Appearance = {
        ...look,
        skin: [180 + random() * 60, 120 + random() * 60, 90 + random() * 60],
        hair: [20 + random() * 120, 15 + random() * 80, 10 + random() * 50],
        hairLength: random(),
      };
      frames.push(
        render(
          { cx, cy, height, roll: r() * 0.25, yaw: r() * 0.4 },
          { smile: random(), mouthOpen: random(), brow: r(), gazeX: r(), gazeY: r() * 0.5, blink: random() < 0.2 ? 1 : 0 },
          appearance,
        ),
      );
      truth.push([cx, cy]);
    }
    for (const params of [yunetParams, ultraParams]) {
      const found = await facesOf(params, frames);
      const hits = found.filter((f, i) => {
        if (!f.found) return false;
        const [x, y] = boxCentre(f.box!);
        return Math.hypot(x! - truth[i]![0], y! - truth[i]![1]) < 25;
      });
      expect(hits.length / frames.length, params.detector).toBeGreaterThanOrEqual(0.9);
    }
  });

  it('marks frames without a face as not found and keeps their place', async () => {
    const out = await facesOf(yunetParams, [render({}), blank(), render({ cx: 120 })]);
    expect(out.map((f) => [f.index, f.found])).toEqual([
      [0, true],
      [1, false],
      [2, true],
    ]);
    expect(out[1]!.crop).toBeUndefined();
    expect(out[2]!.time).toBeCloseTo(0.2, 9);
  });

  it('picks the main face (largest × score) when there are two', async () => {
    const w = 480;
    const h = 240;
    const frame = render({ cx: 340, cy: 120, height: 170 }, {}, look, w, h);
    // A second, smaller person on the left.
    const small = render({ cx: 110, cy: 110, height: 90 }, {}, { ...look, shirt: [150, 40, 40] }, w, h);
    for (let y = 0; y < h; y++) frame.rgb.set(small.rgb.subarray(y * w * 3, (y * w + 200) * 3), y * w * 3);
    const all = await yunet.detect(frame);
    expect(all.length).toBe(2);
    const [face] = await facesOf(yunetParams, [frame]);
    const [cx] = boxCentre(face!.box!);
    expect(Math.abs(cx! - 340)).toBeLessThan(20);
  });

  it('runs in a graph: demux → faces → sink', async () => {
    const seen: Array<{ key: string; found: boolean[] }> = [];
    const source: NodeDefinition = {
      type: 'test/media-file',
      kind: 'source',
      version: '1',
      description: 'one media file',
      inputs: {},
      outputs: { file: { type: 'media/file' } },
      params: { type: 'object', properties: {} },
      async *items() {
        yield { key: 'photo', outputs: { file: photoFile } };
        yield { key: 'tone', outputs: { file: testMedia('index-av.mp4') } };
      },
    };
    const sink: NodeDefinition = {
      type: 'test/face-sink',
      kind: 'map',
      version: '1',
      description: 'records which frames had a face',
      sideEffects: true,
      inputs: { faces: { type: 'video/faces' } },
      outputs: {},
      params: { type: 'object', properties: {} },
      async run(inputs, ctx) {
        const stream = inputs['faces'] as FaceStream;
        seen.push({ key: ctx.key, found: (await collect(stream.frames)).map((f) => f.found) });
        return {};
      },
    };
    const registry = createRegistry({ builtins: false });
    registry.registerAll([...mediaNodes, ...visionNodes, source, sink]);
    const dir = tempDir('faces-graph-');
    const file = path.join(dir, 'g.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'faces',
        nodes: [
          { id: 'src', type: 'test/media-file' },
          { id: 'demux', type: 'media/demux', in: { file: 'src.file' }, params: { requireAudio: false, decodeAudio: false, count: 3 } },
          { id: 'faces', type: 'vision/faces', in: { frames: 'demux.frames' }, params: { modelDir: path.relative(dir, yunetDir) } },
          { id: 'sink', type: 'test/face-sink', in: { faces: 'faces.faces' } },
        ],
      }),
    );
    await runGraph(file, { registry, quiet: true, cache: false, out: path.join(dir, 'run') });
    seen.sort((a, b) => a.key.localeCompare(b.key));
    expect(seen).toEqual([
      { key: 'photo', found: [true, true, true] },
      { key: 'tone', found: [false, false, false] },
    ]);
  });
});

// face-api's weights: from @vladmandic/face-api when installed, or a folder named by FACE_API_MODEL_DIR.
const faceApiDir = process.env['FACE_API_MODEL_DIR'] ?? faceApiModelDir();
const haveFaceApi = faceApiDir !== undefined && existsSync(path.join(faceApiDir, 'tiny_face_detector_model-weights_manifest.json'));

describe.skipIf(!haveFaceApi)('vision/faces with the tiny face detector (TensorFlow.js)', () => {
  const tiny: FacesParams = { ...base, detector: 'tiny-face', modelDir: faceApiDir!, minScore: 0.5, nmsIou: 0.4, inputSize: 608 };

  it.skipIf(!havePhoto)('finds the face in a real photo', async () => {
    const out = await runMapNode(demux, { decodeAudio: false, requireAudio: false, startSeconds: 0, fit: 'stretch' }, { file: photoFile });
    const [face] = await facesOf(tiny, await collect((out['frames'] as FrameStream).frames));
    expect(face!.found).toBe(true);
    expect(face!.score).toBeGreaterThan(0.5);
    const [cx, cy] = boxCentre(face!.box!);
    expect(Math.hypot(cx! - 112, cy! - 120)).toBeLessThan(30);
    expect(face!.crop).toMatchObject({ width: 256, height: 256 });
  });

  it('finds synthetic faces and nothing in a blank frame', async () => {
    const random = createRng(11);
    const frames = Array.from({ length: 8 }, () =>
      render({ cx: 160 + (random() - 0.5) * 60, height: 110 + random() * 80 }, { smile: random(), mouthOpen: random(), gazeX: random() * 2 - 1 }),
    );
    const out = await facesOf(tiny, [...frames, blank()]);
    expect(out.slice(0, 8).filter((f) => f.found).length).toBeGreaterThanOrEqual(7);
    expect(out[8]!.found).toBe(false);
  });
});
