/**
 * Image preprocessing as Hugging Face image processors (ViTImageProcessor and friends) do it, read from the
 * model folder's preprocessor_config.json: resize (with PIL's resampling, which HF uses: separable
 * convolution, antialiased when shrinking, 8-bit fixed-point results), optional centre crop, rescale,
 * normalise, HWC uint8 → CHW float32.
 */
import { InputError } from '../../runtime/errors.js';
import { booleanField, numberArrayField, numberField, type JsonObject } from '../models/files.js';

export interface RgbImage {
  width: number;
  height: number;
  /** Row-major HWC, 3 bytes per pixel. */
  rgb: Uint8Array;
}

export interface ImagePreprocessing {
  resize?: { kind: 'exact'; width: number; height: number } | { kind: 'shortest-edge'; size: number };
  /** PIL resampling filter: 2 bilinear, 3 bicubic. */
  resample: 2 | 3;
  crop?: { width: number; height: number };
  rescale?: number;
  normalize?: { mean: [number, number, number]; std: [number, number, number] };
  /** Size of the model input. */
  width: number;
  height: number;
}

function sizeOf(v: unknown, key: string, file: string): { width: number; height: number } | { shortest: number } {
  if (typeof v === 'number') return { width: v, height: v };
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o['height'] === 'number' && typeof o['width'] === 'number') return { width: o['width'], height: o['height'] };
    if (typeof o['shortest_edge'] === 'number') return { shortest: o['shortest_edge'] };
  }
  throw new InputError(`${file}: "${key}" is ${JSON.stringify(v)}; expected a number, {height, width} or {shortest_edge}`);
}

function triple(values: number[], key: string, file: string): [number, number, number] {
  if (values.length === 1) return [values[0]!, values[0]!, values[0]!];
  if (values.length !== 3) throw new InputError(`${file}: "${key}" needs 3 values (R, G, B), got ${values.length}`);
  return [values[0]!, values[1]!, values[2]!];
}

/** Read a preprocessor_config.json (already parsed) into the steps to apply. */
export function imagePreprocessing(config: JsonObject, file: string): ImagePreprocessing {
  const resample = numberField(config, 'resample', file, 2);
  if (resample !== 2 && resample !== 3) throw new InputError(`${file}: resample ${resample} is not supported (2 bilinear or 3 bicubic)`);
  const out: ImagePreprocessing = { resample, width: 0, height: 0 };
  if (booleanField(config, 'do_resize', file, true)) {
    const size = sizeOf(config['size'], 'size', file);
    out.resize = 'shortest' in size ? { kind: 'shortest-edge', size: size.shortest } : { kind: 'exact', ...size };
  }
  if (booleanField(config, 'do_center_crop', file, false)) {
    const crop = sizeOf(config['crop_size'], 'crop_size', file);
    if ('shortest' in crop) throw new InputError(`${file}: crop_size must give height and width`);
    out.crop = crop;
  }
  if (booleanField(config, 'do_rescale', file, true)) out.rescale = numberField(config, 'rescale_factor', file, 1 / 255);
  if (booleanField(config, 'do_normalize', file, true)) {
    out.normalize = {
      mean: triple(numberArrayField(config, 'image_mean', file), 'image_mean', file),
      std: triple(numberArrayField(config, 'image_std', file), 'image_std', file),
    };
  }
  const fixed = out.crop ?? (out.resize?.kind === 'exact' ? out.resize : undefined);
  if (!fixed) throw new InputError(`${file}: the model input size is not fixed (give size {height, width} or a centre crop)`);
  out.width = fixed.width;
  out.height = fixed.height;
  return out;
}

// --- PIL-compatible resampling (Pillow's ImagingResample for 8-bit images) -------------------------------

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;

const FILTERS: Record<2 | 3, { support: number; weight: (x: number) => number }> = {
  2: { support: 1, weight: (x) => (Math.abs(x) < 1 ? 1 - Math.abs(x) : 0) },
  3: {
    support: 2,
    weight: (v) => {
      const a = -0.5;
      const x = Math.abs(v);
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
      return 0;
    },
  },
};

interface Coefficients {
  /** First input index per output index. */
  start: Int32Array;
  /** Number of taps per output index. */
  count: Int32Array;
  /** Fixed-point weights, `taps` per output index. */
  weights: Float64Array;
  taps: number;
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for one axis (`inStart`/`inEnd` select a box). */
function coefficients(inStart: number, inEnd: number, inSize: number, outSize: number, filter: 2 | 3): Coefficients {
  const f = FILTERS[filter];
  const scale = (inEnd - inStart) / outSize;
  const filterScale = Math.max(scale, 1);
  const support = f.support * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * taps);
  const w = new Float64Array(taps);
  for (let o = 0; o < outSize; o++) {
    const center = inStart + (o + 0.5) * scale;
    const ss = 1 / filterScale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const n = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let total = 0;
    for (let x = 0; x < n; x++) {
      w[x] = f.weight((x + xmin - center + 0.5) * ss);
      total += w[x]!;
    }
    for (let x = 0; x < n; x++) {
      const k = total !== 0 ? w[x]! / total : 0;
      weights[o * taps + x] = k < 0 ? Math.trunc(-0.5 + k * ONE) : Math.trunc(0.5 + k * ONE);
    }
    start[o] = xmin;
    count[o] = n;
  }
  return { start, count, weights, taps };
}

function clip8(acc: number): number {
  const v = Math.floor(acc / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** One separable pass along x (horizontal) or y (vertical) of an RGB image. */
function resamplePass(src: RgbImage, outW: number, outH: number, c: Coefficients, horizontal: boolean): RgbImage {
  const out = new Uint8Array(outW * outH * 3);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const o = horizontal ? x : y;
      const first = c.start[o]!;
      const n = c.count[o]!;
      let r = ONE / 2;
      let g = ONE / 2;
      let b = ONE / 2;
      for (let k = 0; k < n; k++) {
        const wgt = c.weights[o * c.taps + k]!;
        const i = horizontal ? (y * src.width + first + k) * 3 : ((first + k) * src.width + x) * 3;
        r += src.rgb[i]! * wgt;
        g += src.rgb[i + 1]! * wgt;
        b += src.rgb[i + 2]! * wgt;
      }
      const j = (y * outW + x) * 3;
      out[j] = clip8(r);
      out[j + 1] = clip8(g);
      out[j + 2] = clip8(b);
    }
  }
  return { width: outW, height: outH, rgb: out };
}

/** Resize like `PIL.Image.resize((width, height), filter)` on an RGB image (horizontal pass, then vertical). */
export function resizeRgb(img: RgbImage, width: number, height: number, filter: 2 | 3 = 2): RgbImage {
  let cur = img;
  if (width !== img.width) cur = resamplePass(cur, width, cur.height, coefficients(0, img.width, img.width, width, filter), true);
  if (height !== img.height) cur = resamplePass(cur, width, height, coefficients(0, img.height, img.height, height, filter), false);
  return cur;
}

function centerCrop(img: RgbImage, width: number, height: number): RgbImage {
  if (width > img.width || height > img.height) throw new InputError(`cannot crop ${width}×${height} from a ${img.width}×${img.height} image`);
  const top = Math.floor((img.height - height) / 2);
  const left = Math.floor((img.width - width) / 2);
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) out.set(img.rgb.subarray(((top + y) * img.width + left) * 3, ((top + y) * img.width + left + width) * 3), y * width * 3);
  return { width, height, rgb: out };
}

function checkImage(img: RgbImage): void {
  if (!(img.width > 0 && img.height > 0) || img.rgb.length !== img.width * img.height * 3) {
    throw new InputError(`image of ${img.width}×${img.height} has ${img.rgb.length} bytes, expected ${Math.max(0, img.width * img.height * 3)} (RGB)`);
  }
}

/** Preprocess one image into `out` (CHW float32, 3·height·width values). */
export function preprocessImage(img: RgbImage, p: ImagePreprocessing, out: Float32Array): void {
  checkImage(img);
  let cur = img;
  if (p.resize?.kind === 'exact') cur = resizeRgb(cur, p.resize.width, p.resize.height, p.resample);
  else if (p.resize?.kind === 'shortest-edge') {
    const s = p.resize.size;
    const [w, h] = cur.width <= cur.height ? [s, Math.trunc((s * cur.height) / cur.width)] : [Math.trunc((s * cur.width) / cur.height), s];
    cur = resizeRgb(cur, w, h, p.resample);
  }
  if (p.crop) cur = centerCrop(cur, p.crop.width, p.crop.height);
  if (cur.width !== p.width || cur.height !== p.height) throw new InputError(`preprocessed image is ${cur.width}×${cur.height}, the model expects ${p.width}×${p.height}`);
  const plane = p.width * p.height;
  const scale = p.rescale ?? 1;
  for (let c = 0; c < 3; c++) {
    const mean = p.normalize ? p.normalize.mean[c]! : 0;
    const std = p.normalize ? p.normalize.std[c]! : 1;
    for (let i = 0; i < plane; i++) out[c * plane + i] = (cur.rgb[i * 3 + c]! * scale - mean) / std;
  }
}
