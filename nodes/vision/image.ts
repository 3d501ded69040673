/**
 * Small image operations on RGB24 (row-major, HWC) buffers: bilinear sampling into detector tensors and
 * affine warps. Plain loops: at detector input sizes they cost a few milliseconds per frame.
 */

export interface RgbImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

/** A 2×3 affine map [a, b, c, d, e, f]: x' = a·x + b·y + c, y' = d·x + e·y + f. */
export type Affine = [number, number, number, number, number, number];

export function invertAffine([a, b, c, d, e, f]: Affine): Affine {
  const det = a * e - b * d;
  if (Math.abs(det) < 1e-12) throw new Error('affine map is not invertible');
  const ia = e / det;
  const ib = -b / det;
  const id = -d / det;
  const ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

/**
 * Output image of `width`×`height` whose pixel (x, y) takes the source at `toSource(x, y)` (bilinear;
 * black outside the source).
 */
export function warpAffine(src: RgbImage, toSource: Affine, width: number, height: number): RgbImage {
  const out = new Uint8Array(width * height * 3);
  const [a, b, c, d, e, f] = toSource;
  const { width: W, height: H, rgb } = src;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Pixel centres: output (x+0.5, y+0.5) maps to source (sx+0.5, sy+0.5).
      const ox = x + 0.5;
      const oy = y + 0.5;
      const sx = a * ox + b * oy + c - 0.5;
      const sy = d * ox + e * oy + f - 0.5;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 < -1 || y0 < -1 || x0 >= W || y0 >= H) continue;
      const fx = sx - x0;
      const fy = sy - y0;
      const o = (y * width + x) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const p00 = pixel(rgb, W, H, x0, y0, ch);
        const p10 = pixel(rgb, W, H, x0 + 1, y0, ch);
        const p01 = pixel(rgb, W, H, x0, y0 + 1, ch);
        const p11 = pixel(rgb, W, H, x0 + 1, y0 + 1, ch);
        const v = (p00 * (1 - fx) + p10 * fx) * (1 - fy) + (p01 * (1 - fx) + p11 * fx) * fy;
        out[o + ch] = v + 0.5;
      }
    }
  }
  return { width, height, rgb: out };
}

function pixel(rgb: Uint8Array, W: number, H: number, x: number, y: number, ch: number): number {
  if (x < 0 || y < 0 || x >= W || y >= H) return 0;
  return rgb[(y * W + x) * 3 + ch]!;
}

export interface TensorLayout {
  /** Tensor size (the image is resized into its top-left `scale`·size region; the rest is `fill`). */
  width: number;
  height: number;
  /** Source pixels per tensor pixel, per axis. */
  scaleX: number;
  scaleY: number;
}

export interface TensorOptions {
  /** Channel order in the tensor. */
  order: 'rgb' | 'bgr';
  /** value = (pixel - mean) / std; one mean for all channels or one per channel (R, G, B). */
  mean: number | [number, number, number];
  std: number;
  /** Planes (NCHW, default, as ONNX models want) or interleaved channels (NHWC, as TensorFlow.js wants). */
  layout?: 'nchw' | 'nhwc';
}

/**
 * Resizes (bilinear, area-averaged when shrinking by more than 2×) `src` into the top-left
 * `contentW`×`contentH` of a `width`×`height` float32 tensor (NCHW or NHWC); the rest stays at the value of
 * black.
 */
export function toTensor(
  src: RgbImage,
  width: number,
  height: number,
  contentW: number,
  contentH: number,
  opts: TensorOptions,
): Float32Array {
  const plane = width * height;
  const data = new Float32Array(3 * plane);
  const [mr, mg, mb] = typeof opts.mean === 'number' ? [opts.mean, opts.mean, opts.mean] : opts.mean;
  const nhwc = opts.layout === 'nhwc';
  // Where the red, green and blue values of pixel o go: o·step + offset.
  const step = nhwc ? 3 : 1;
  const slot = (channel: number) => (nhwc ? channel : channel * plane);
  const rOff = slot(opts.order === 'rgb' ? 0 : 2);
  const gOff = slot(1);
  const bOff = slot(opts.order === 'rgb' ? 2 : 0);
  for (let o = 0; o < plane; o++) {
    data[o * step + rOff] = -mr / opts.std;
    data[o * step + gOff] = -mg / opts.std;
    data[o * step + bOff] = -mb / opts.std;
  }
  const sx = src.width / contentW;
  const sy = src.height / contentH;
  // Shrinking a lot: average a small grid of bilinear samples to avoid aliasing.
  const taps = Math.max(1, Math.min(4, Math.floor(Math.max(sx, sy) / 2) + 1));
  const { width: W, height: H, rgb } = src;
  const n = taps * taps;
  const inv = 1 / (opts.std * n);
  for (let y = 0; y < contentH; y++) {
    for (let x = 0; x < contentW; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let ty = 0; ty < taps; ty++) {
        const fy = Math.min(H - 1, Math.max(0, (y + (ty + 0.5) / taps) * sy - 0.5));
        const y0 = Math.floor(fy);
        const y1 = Math.min(H - 1, y0 + 1);
        const wy = fy - y0;
        for (let tx = 0; tx < taps; tx++) {
          const fx = Math.min(W - 1, Math.max(0, (x + (tx + 0.5) / taps) * sx - 0.5));
          const x0 = Math.floor(fx);
          const x1 = Math.min(W - 1, x0 + 1);
          const wx = fx - x0;
          const i00 = (y0 * W + x0) * 3;
          const i10 = (y0 * W + x1) * 3;
          const i01 = (y1 * W + x0) * 3;
          const i11 = (y1 * W + x1) * 3;
          const w00 = (1 - wx) * (1 - wy);
          const w10 = wx * (1 - wy);
          const w01 = (1 - wx) * wy;
          const w11 = wx * wy;
          r += rgb[i00]! * w00 + rgb[i10]! * w10 + rgb[i01]! * w01 + rgb[i11]! * w11;
          g += rgb[i00 + 1]! * w00 + rgb[i10 + 1]! * w10 + rgb[i01 + 1]! * w01 + rgb[i11 + 1]! * w11;
          b += rgb[i00 + 2]! * w00 + rgb[i10 + 2]! * w10 + rgb[i01 + 2]! * w01 + rgb[i11 + 2]! * w11;
        }
      }
      const o = (y * width + x) * step;
      data[o + rOff] = (r - mr * n) * inv;
      data[o + gOff] = (g - mg * n) * inv;
      data[o + bOff] = (b - mb * n) * inv;
    }
  }
  return data;
}
