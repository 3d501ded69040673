import { describe, expect, it } from 'vitest';
import type { Features, TranscriptWord } from '../values.js';
import { lookupWindow } from './lookup.js';
import { sequenceWindow } from './sequence.js';
import { frameTextWindows, markerText } from './text-windows.js';
import { contiguousRows, evenlySpacedRows, firstRows } from './windows.js';

/** T rows of dim 2 where row i = [i, -i]. */
function ramp(T: number, rate?: number): Features {
  const data = new Float32Array(T * 2);
  for (let i = 0; i < T; i++) data.set([i, -i], i * 2);
  return { dims: [T, 2], data, ...(rate ? { rate } : {}) };
}

describe('window index rules', () => {
  it('first rows', () => {
    expect([...firstRows(5, 3)]).toEqual([0, 1, 2]);
    expect([...firstRows(2, 3)]).toEqual([0, 1]);
  });

  it('BAH vision: 400 frames evenly over ±240, whole video when shorter than 400', () => {
    const mid = evenlySpacedRows(2000, 1000, 240, 400);
    expect(mid.length).toBe(400);
    expect(mid[0]).toBe(760);
    expect(mid[399]).toBe(1240);
    expect(mid[1]).toBe(Math.trunc(760 + 480 / 399));
    const start = evenlySpacedRows(2000, 10, 240, 400);
    expect(start[0]).toBe(0);
    expect(start[399]).toBe(250);
    const short = evenlySpacedRows(300, 150, 240, 400);
    expect([...short]).toEqual([...Array(300).keys()]);
  });

  it('BAH audio: contiguous ±radius clipped at the ends', () => {
    expect([...contiguousRows(1000, 500, 3)]).toEqual([497, 498, 499, 500, 501, 502]);
    expect([...contiguousRows(10, 1, 3)]).toEqual([0, 1, 2, 3]);
    expect([...contiguousRows(10, 9, 3)]).toEqual([6, 7, 8, 9]);
  });
});

describe('sequence windows', () => {
  it('first: same window for every point, true length kept', () => {
    const w = sequenceWindow(ramp(5), { mode: 'first', maxLength: 3, pointRate: 24 });
    expect(w.maxLength).toBe(3);
    expect(w.at(0)).toEqual(w.at(100));
    expect([...w.at(0).rows]).toEqual([0, -0, 1, -1, 2, -2]);
    const short = sequenceWindow(ramp(2), { mode: 'first', maxLength: 3, pointRate: 24 });
    expect(short.at(0).length).toBe(2);
  });

  it('first by seconds uses the feature rate (EMI audio: 12 s at 50 rows/s = 600)', () => {
    const w = sequenceWindow(ramp(1000, 50), { mode: 'first', seconds: 12, pointRate: 24 });
    expect(w.maxLength).toBe(600);
    expect(w.at(0).length).toBe(600);
  });

  it('centered maps label frames to feature rows by rate', () => {
    // Audio features at 50/s, points at 24 fps: frame 240 = 10 s = row 500; ±6 s = ±300 rows.
    const w = sequenceWindow(ramp(2000, 50), { mode: 'centered', radiusSeconds: 6, pointRate: 24 });
    const { rows, length } = w.at(240);
    expect(length).toBe(600);
    expect(rows[0]).toBe(200);
    expect(rows[(length - 1) * 2]).toBe(799);
    expect(w.at(0).length).toBe(300);
  });

  it('vector lookup follows the text index', () => {
    const f = { ...ramp(3), index: Int32Array.from([0, 0, 2, 1]) };
    const w = lookupWindow(f);
    expect([...w.at(1)]).toEqual([0, -0]);
    expect([...w.at(2)]).toEqual([2, -2]);
    expect([...w.at(99)]).toEqual([1, -1]);
    expect([...lookupWindow(ramp(1)).at(5)]).toEqual([0, -0]);
  });
});

describe('BAH text marker windows', () => {
  // Chunk 1: "i am not sure" 0–2 s; gap; chunk 2: "maybe later" 5–6 s.
  const words: TranscriptWord[] = [
    { word: 'i', start: 0, end: 0.5 },
    { word: 'am', start: 0.5, end: 1 },
    { word: 'not', start: 1, end: 1.5 },
    { word: 'sure', start: 1.5, end: 2 },
    { word: 'maybe', start: 5, end: 5.5 },
    { word: 'later', start: 5.5, end: 6 },
  ];
  const M = '[ATTENTION]';

  it('inside a word the marker precedes it', () => {
    expect(markerText(words, 1.2, 10, M)).toBe(`i am ${M} not sure maybe later`);
  });
  it('in a gap the marker starts the next chunk', () => {
    expect(markerText(words, 3, 10, M)).toBe(`i am not sure ${M} maybe later`);
  });
  it('after the last word it is appended', () => {
    expect(markerText(words, 7, 10, M)).toBe(`i am not sure maybe later ${M}`);
  });
  it('only words within ±radius count; with none the text is the marker alone', () => {
    expect(markerText(words, 5.2, 1, M)).toBe(`${M} maybe later`);
    expect(markerText(words, 30, 10, M)).toBe(M);
  });
  it('lists each distinct window once and indexes frames', () => {
    const batch = frameTextWindows(words, 8 * 4, 4, 10, M);
    expect(batch.index!.length).toBe(32);
    expect(new Set(batch.texts).size).toBe(batch.texts.length);
    expect(batch.texts[batch.index![0]!]).toBe(`${M} i am not sure maybe later`);
    expect(batch.texts[batch.index![12]!]).toBe(`i am not sure ${M} maybe later`);
    expect(batch.texts[batch.index![31]!]).toBe(`i am not sure maybe later ${M}`);
    // Frames 9..19 (2.25 s … 4.75 s) are all in the gap: one text.
    expect(new Set(Array.from(batch.index!.subarray(9, 20))).size).toBe(1);
  });
});
