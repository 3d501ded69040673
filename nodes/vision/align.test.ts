import { describe, expect, it } from 'vitest';
import { alignByLandmarks, applyAffine, cropByBox, similarity, templatePoints, type Point } from './align.js';
import { invertAffine, type Affine } from './image.js';

describe('similarity', () => {
  it('recovers a known rotation, scale and shift exactly', () => {
    const from: Point[] = [[10, 20], [50, 22], [30, 40], [15, 60], [45, 61]];
    const angle = 0.4;
    const s = 1.7;
    const known: Affine = [s * Math.cos(angle), -s * Math.sin(angle), 12, s * Math.sin(angle), s * Math.cos(angle), -5];
    const to = from.map((p) => applyAffine(known, p));
    const m = similarity(from, to);
    m.forEach((v, i) => expect(v).toBeCloseTo(known[i]!, 9));
  });

  it('inverts affine maps', () => {
    const m: Affine = [1.2, -0.3, 7, 0.3, 1.2, -2];
    const p: Point = [3, 4];
    const back = applyAffine(invertAffine(m), applyAffine(m, p));
    expect(back[0]).toBeCloseTo(3, 9);
    expect(back[1]).toBeCloseTo(4, 9);
  });
});

/** An image with a bright 3×3 dot at each point. */
function dots(points: Point[], w: number, h: number) {
  const rgb = new Uint8Array(w * h * 3);
  for (const [x, y] of points) {
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const o = ((Math.round(y - 0.5) + dy) * w + Math.round(x - 0.5) + dx) * 3;
        rgb.fill(255, o, o + 3);
      }
    }
  }
  return { width: w, height: h, rgb };
}

/** Brightness-weighted centroid of the pixels within `r` of `p`. */
function centroid(img: { width: number; rgb: Uint8Array }, p: Point, r: number): Point {
  let sx = 0, sy = 0, sw = 0;
  for (let y = Math.floor(p[1] - r); y <= p[1] + r; y++) {
    for (let x = Math.floor(p[0] - r); x <= p[0] + r; x++) {
      const v = img.rgb[(y * img.width + x) * 3]!;
      sx += v * (x + 0.5); sy += v * (y + 0.5); sw += v;
    }
  }
  return [sx / sw, sy / sw];
}

describe('alignment', () => {
  it('puts tilted, scaled landmarks onto the template of the crop', () => {
    const template = templatePoints(256, 0.25);
    // A face 0.8× the crop's scale, tilted by 25°, somewhere in a 400×300 frame.
    const a = 0.8 * Math.cos(0.44);
    const b = 0.8 * Math.sin(0.44);
    const place: Affine = [a, -b, 110, b, a, 40];
    const landmarks = template.map((p) => applyAffine(place, p));
    const crop = alignByLandmarks(dots(landmarks, 400, 300), landmarks, 256, 0.25);
    expect([crop.width, crop.height]).toEqual([256, 256]);
    for (const t of template) {
      const c = centroid(crop, t, 6);
      expect(Math.hypot(c[0] - t[0], c[1] - t[1])).toBeLessThan(1);
    }
  });

  it('zooms out with padding: eye distance shrinks by 1 / (1 + padding)', () => {
    const [l0, r0] = templatePoints(256, 0);
    const [l1, r1] = templatePoints(256, 0.5);
    expect((r1![0] - l1![0]) / (r0![0] - l0![0])).toBeCloseTo(1 / 1.5, 9);
  });

  it('crops a padded square around a box', () => {
    const img = dots([[100, 80]], 200, 160);
    const crop = cropByBox(img, [80, 50, 40, 60], 64, 0.5); // centre (100, 80), side 90
    const c = centroid(crop, [32, 32], 5);
    expect(c[0]).toBeCloseTo(32, 0);
    expect(c[1]).toBeCloseTo(32, 0);
  });
});

describe('eye-line alignment', () => {
  it('levels the eyes and puts a frontal face on the template', () => {
    const template = templatePoints(256, 0.25);
    const a = 0.7 * Math.cos(-0.5);
    const b = 0.7 * Math.sin(-0.5);
    const place: Affine = [a, -b, 90, b, a, 120];
    const landmarks = template.map((p) => applyAffine(place, p));
    const crop = alignByLandmarks(dots(landmarks, 400, 300), landmarks, 256, 0.25, 'eyes');
    const [le, re] = [centroid(crop, template[0]!, 6), centroid(crop, template[1]!, 6)];
    // (The template's own eyes differ in height by 0.4 px at this size.)
    expect(Math.abs(re[1] - le[1])).toBeLessThan(1);
    for (const t of template) {
      const c = centroid(crop, t, 6);
      expect(Math.hypot(c[0] - t[0], c[1] - t[1])).toBeLessThan(1.5);
    }
  });

  it('keeps the eyes level when the head is turned (eye distance shortened)', () => {
    const template = templatePoints(256, 0.25);
    // Squash horizontally (a turn), then tilt by 0.3 rad.
    const turned = template.map(([x, y]) => [128 + (x - 128) * 0.6, y] as Point);
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const landmarks = turned.map(([x, y]) => [200 + c * (x - 128) - s * (y - 128), 150 + s * (x - 128) + c * (y - 128)] as Point);
    const crop = alignByLandmarks(dots(landmarks, 400, 300), landmarks, 256, 0.25, 'eyes');
    const tEyeY = template[0]![1];
    const le = centroid(crop, [template[0]![0] + 0.2 * (128 - template[0]![0]), tEyeY], 10);
    const re = centroid(crop, [template[1]![0] - 0.2 * (template[1]![0] - 128), tEyeY], 10);
    expect(Math.abs(re[1] - le[1])).toBeLessThan(0.5);
    // Scaled by the eye–mouth distance: eyes and mouth at the template's heights.
    expect(le[1]).toBeCloseTo(tEyeY, 0);
  });
});
