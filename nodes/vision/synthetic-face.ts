/**
 * A synthetic talking face, drawn per pixel into RGB frames: head, hair, ears, neck and shoulders, eyes
 * with irises and lids, brows, nose shading and a mouth whose smile and opening can be animated. Used for
 * bundled sample data and for tests of the face detectors (which find these faces; see docs/media.md).
 *
 * Shapes are evaluated in face-local coordinates (u to the image right, v down; the face ellipse spans
 * u ∈ [-0.72, 0.72], v ∈ [-1, 1]) after undoing the head's roll, with one-pixel anti-aliased edges.
 */

export type Rgb = [number, number, number];

export interface Expression {
  /** 0 neutral … 1 broad smile (mouth corners up, wider mouth, raised cheeks). */
  smile: number;
  /** 0 closed … 1 wide open (e.g. from speech energy). */
  mouthOpen: number;
  /** −1 furrowed (inner ends down, drawn together) … 1 raised. */
  brow: number;
  /** Gaze direction, each −1 … 1 (x to the image right, y down); aversion = large |x| or y. */
  gazeX: number;
  gazeY: number;
  /** 0 open … 1 closed eyelids. */
  blink: number;
}

export interface Appearance {
  skin: Rgb;
  hair: Rgb;
  iris: Rgb;
  shirt: Rgb;
  lips: Rgb;
  /** Two background colours (top, bottom). */
  background: [Rgb, Rgb];
  /** Hair length: 0 short … 1 long (down to the shoulders). */
  hairLength: number;
  /** Strength of the background's blotchy texture (default 0.06; lower compresses better). */
  texture?: number;
}

export interface Pose {
  /** Face centre in pixels. */
  cx: number;
  cy: number;
  /** Face height (chin to top of head) in pixels. */
  height: number;
  /** Head tilt in radians (positive = clockwise in the image). */
  roll: number;
  /** Head turn −1 … 1 (features shift sideways, the far side narrows). */
  yaw: number;
}

export const NEUTRAL: Expression = { smile: 0, mouthOpen: 0, brow: 0, gazeX: 0, gazeY: 0, blink: 0 };

export interface Canvas {
  width: number;
  height: number;
  rgb: Uint8Array;
}

const clamp = (x: number, lo = 0, hi = 1) => (x < lo ? lo : x > hi ? hi : x);
/** Coverage of a shape from its signed distance (negative inside), over about one pixel `px`. */
const cover = (d: number, px: number) => clamp(0.5 - d / px);
const mix = (a: Rgb, b: Rgb, t: number): Rgb => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
const shade = (c: Rgb, k: number): Rgb => [c[0] * k, c[1] * k, c[2] * k];

/** Approximate signed distance to an axis-aligned ellipse (good near the edge, which is all we need). */
function ellipse(u: number, v: number, cu: number, cv: number, ru: number, rv: number): number {
  const x = (u - cu) / ru;
  const y = (v - cv) / rv;
  const r = Math.sqrt(x * x + y * y);
  return (r - 1) * Math.min(ru, rv);
}

/** A small deterministic hash noise in [0, 1) for texture. */
function noise(x: number, y: number, seed: number): number {
  let h = (x * 374761393 + y * 668265263 + seed * 2246822519) | 0;
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** Draws the background and the person into `canvas` (overwriting it). */
export function drawFace(canvas: Canvas, pose: Pose, look: Appearance, e: Expression, seed = 0): void {
  const { width: W, height: H, rgb } = canvas;
  const unit = pose.height / 2; // pixels per face-local unit
  const px = 1.2 / unit; // one pixel in local units, for anti-aliasing
  const cos = Math.cos(pose.roll);
  const sin = Math.sin(pose.roll);
  const yaw = clamp(pose.yaw, -1, 1);
  const smile = clamp(e.smile);
  const open = clamp(e.mouthOpen);
  const brow = clamp(e.brow, -1, 1);
  const blink = clamp(e.blink);
  // Features move with the head's turn; the half of the face turned away gets narrower.
  const shift = yaw * 0.12;
  const texture = look.texture ?? 0.06;

  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const dx = (x + 0.5 - pose.cx) / unit;
      const dy = (y + 0.5 - pose.cy) / unit;
      // Undo the roll: local coordinates of this pixel.
      const u = cos * dx + sin * dy;
      const v = -sin * dx + cos * dy;

      // Background: vertical gradient with faint texture.
      const t = y / H;
      let c: Rgb = mix(look.background[0], look.background[1], t);
      const n = noise(x >> 2, y >> 2, seed) - 0.5;
      c = shade(c, 1 + n * texture);

      // Shoulders and neck.
      const shoulders = ellipse(u, v, 0, 2.25, 1.55, 0.95);
      c = mix(c, shade(look.shirt, 1 - 0.15 * clamp(v - 1.4)), cover(shoulders, px));
      const neck = Math.max(Math.abs(u) - 0.3, Math.abs(v - 1.05) - 0.45);
      c = mix(c, shade(look.skin, 0.78), cover(neck, px));

      // Hair behind the head (longer hair reaches further down).
      const hairBack = Math.max(ellipse(u, v, 0, -0.12, 0.86, 1.02), v - (0.15 + look.hairLength * 0.9));
      c = mix(c, look.hair, cover(hairBack, px));

      // Ears.
      const ear = Math.min(ellipse(u, v, -0.72 + shift * 0.3, 0.02, 0.09, 0.17), ellipse(u, v, 0.72 + shift * 0.3, 0.02, 0.09, 0.17));
      c = mix(c, shade(look.skin, 0.9), cover(ear, px));

      // Face, shaded like a lit ovoid (light from the upper left).
      const faceD = ellipse(u, v, shift * 0.15, 0, 0.72 - Math.abs(yaw) * 0.04, 1);
      const faceCover = cover(faceD, px);
      if (faceCover > 0) {
        const fu = (u - shift * 0.15) / 0.72;
        const r2 = fu * fu + v * v;
        let k = 1.08 - 0.28 * r2 - 0.06 * fu + 0.04 * v;
        k += yaw * fu * 0.08; // the turned-away side is darker
        let skin = shade(look.skin, clamp(k, 0.5, 1.2));
        // Cheeks lift and redden a little in a smile.
        const cheek = Math.min(ellipse(u, v, -0.36 + shift, 0.28 - smile * 0.05, 0.16, 0.11), ellipse(u, v, 0.36 + shift, 0.28 - smile * 0.05, 0.16, 0.11));
        skin = mix(skin, mix(skin, [220, 120, 120], 0.25), cover(cheek, 0.08) * (0.3 + smile * 0.7));
        skin = shade(skin, 1 + (noise(x, y, seed + 7) - 0.5) * 0.03);
        c = mix(c, skin, faceCover);
        c = face(c, u - shift, v, look, smile, open, brow, blink, e.gazeX, e.gazeY, px);
        // Fringe: hair over the forehead, with a wavy edge.
        const fringe = v - (-0.58 + 0.05 * Math.sin(u * 9 + seed) - 0.12 * (1 - fu * fu));
        c = mix(c, shade(look.hair, 1.05), cover(fringe, px) * faceCover);
      }

      const o = (y * W + x) * 3;
      rgb[o] = clamp(c[0], 0, 255);
      rgb[o + 1] = clamp(c[1], 0, 255);
      rgb[o + 2] = clamp(c[2], 0, 255);
    }
  }
}

/** Eyes, brows, nose and mouth over the face colour `c` at local (u, v) (u relative to the face's centre line). */
function face(
  c: Rgb,
  u: number,
  v: number,
  look: Appearance,
  smile: number,
  open: number,
  brow: number,
  blink: number,
  gazeX: number,
  gazeY: number,
  px: number,
): Rgb {
  const eyeV = -0.12;
  for (const side of [-1, 1]) {
    const eu = side * 0.3;
    // Eye socket shadow.
    const socket = ellipse(u, v, eu, eyeV - 0.01, 0.19, 0.12);
    c = mix(c, shade(c, 0.82), cover(socket, 0.06));
    // The visible eye: an almond between the lids; blinking lowers the upper lid.
    const ru = 0.145;
    const rvOpen = 0.075 * (1 - 0.85 * blink);
    const s = (u - eu) / ru;
    const halfOpen = rvOpen * Math.sqrt(clamp(1 - s * s));
    const top = eyeV - halfOpen;
    const bottom = eyeV + halfOpen * 0.8;
    const inside = Math.max(top - v, v - bottom, Math.abs(u - eu) - ru);
    const eyeCover = cover(inside, px);
    if (eyeCover > 0) {
      let ec: Rgb = [236, 234, 228];
      const iu = eu + gazeX * 0.07;
      const iv = eyeV + gazeY * 0.035;
      const iris = ellipse(u, v, iu, iv, 0.062, 0.062);
      ec = mix(ec, look.iris, cover(iris, px));
      ec = mix(ec, [15, 12, 12], cover(ellipse(u, v, iu, iv, 0.028, 0.028), px));
      ec = mix(ec, [255, 255, 255], cover(ellipse(u, v, iu - 0.02, iv - 0.02, 0.012, 0.012), px) * 0.8);
      c = mix(c, ec, eyeCover);
    }
    // Upper lid line and lashes.
    const lid = Math.max(Math.abs(v - top) - 0.012, Math.abs(u - eu) - ru * 1.02);
    c = mix(c, [40, 28, 24], cover(lid, px) * 0.9);

    // Brow: an arc above the eye. Raising lifts it; furrowing lowers and tilts the inner end down.
    const inner = -side; // towards the nose: inner end is at s = inner
    const bs = (u - eu) / 0.17;
    if (Math.abs(bs) < 1.1) {
      const lift = brow > 0 ? brow * 0.09 : brow * 0.03;
      const innerDrop = brow < 0 ? -brow * 0.07 : 0;
      const towardsInner = clamp((bs * inner + 1) / 2);
      const bv = eyeV - 0.17 - lift - 0.03 * (1 - bs * bs) + innerDrop * towardsInner * towardsInner;
      const thick = 0.028 * (1 - 0.4 * Math.abs(bs));
      const bd = Math.max(Math.abs(v - bv) - thick, Math.abs(bs) - 1);
      c = mix(c, shade(look.hair, 0.8), cover(bd * 0.5, px));
    }
  }
  // Furrow lines between the brows when frowning.
  if (brow < 0) {
    const furrow = Math.max(Math.abs(Math.abs(u) - 0.04) - 0.006, Math.abs(v + 0.3) - 0.05);
    c = mix(c, shade(c, 0.75), cover(furrow, px) * -brow);
  }

  // Nose: a shaded ridge, a tip and two nostrils.
  const ridge = Math.max(Math.abs(u - 0.05) - 0.018, Math.abs(v - 0.08) - 0.16);
  c = mix(c, shade(c, 0.86), cover(ridge, 0.05));
  c = mix(c, shade(c, 0.9), cover(ellipse(u, v, 0, 0.25, 0.11, 0.06), 0.05));
  for (const side of [-1, 1]) c = mix(c, [70, 40, 35], cover(ellipse(u, v, side * 0.055, 0.285, 0.028, 0.016), px));

  // Mouth: a lip outline around an opening; corners rise and the mouth widens with a smile.
  const mw = 0.21 * (1 + 0.3 * smile);
  const ms = u / mw;
  if (Math.abs(ms) < 1.25) {
    const s2 = clamp(ms * ms);
    const centre = 0.52 - smile * 0.07 * s2 + smile * 0.02;
    const gap = (0.006 + open * 0.16) * (1 - s2);
    const upper = centre - gap * 0.4 - smile * 0.01 * (1 - s2);
    const lower = centre + gap * 0.6 + smile * 0.02 * (1 - s2);
    const lipU = 0.035 * (1 - 0.6 * s2);
    const lipL = 0.045 * (1 - 0.6 * s2);
    const lips = Math.max(Math.max(upper - lipU - v, v - lower - lipL), Math.abs(ms) - 1);
    c = mix(c, look.lips, cover(lips * 0.6, px));
    const hole = Math.max(Math.max(upper - v, v - lower), Math.abs(ms) - 0.97);
    if (gap > 0.004) {
      let inside: Rgb = [60, 18, 22];
      // Upper teeth show when the mouth opens or smiles.
      const teeth = v - (upper + 0.03 + 0.02 * smile);
      if (open > 0.15 || smile > 0.4) inside = mix(inside, [232, 228, 215], cover(teeth, px));
      c = mix(c, inside, cover(hole, px));
    } else {
      const line = Math.max(Math.abs(v - centre) - 0.008, Math.abs(ms) - 1);
      c = mix(c, [90, 35, 40], cover(line, px));
    }
  }
  return c;
}

/**
 * The five landmarks of a drawn face in image pixels, in the order detectors use: image-left eye,
 * image-right eye, nose tip, image-left and image-right mouth corner. Exact, so crops aligned with them
 * are what a perfect landmark detector would give.
 */
export function faceLandmarks(pose: Pose, e: Expression = NEUTRAL): Array<[number, number]> {
  const unit = pose.height / 2;
  const shift = clamp(pose.yaw, -1, 1) * 0.12;
  const smile = clamp(e.smile);
  const mw = 0.21 * (1 + 0.3 * smile);
  const corner = 0.52 - smile * 0.05;
  const local: Array<[number, number]> = [
    [-0.3 + shift, -0.12],
    [0.3 + shift, -0.12],
    [shift, 0.25],
    [-mw + shift, corner],
    [mw + shift, corner],
  ];
  const cos = Math.cos(pose.roll);
  const sin = Math.sin(pose.roll);
  return local.map(([u, v]) => [pose.cx + (cos * u - sin * v) * unit, pose.cy + (sin * u + cos * v) * unit]);
}
