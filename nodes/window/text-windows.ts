/**
 * BAH text windows (paper §3.2, seed facts): the words within ±radius seconds of a time point, with one marker
 * token inserted where the time point falls.
 *
 * - A word belongs to the window when its midpoint lies within [t − radius, t + radius].
 * - The marker goes before the first word that has not ended by t: inside a word it precedes that word; in a
 *   gap between chunks it lands at the start of the next chunk; after the last word it is appended; with no
 *   words around, the text is the marker alone.
 * - Word times come from the transcript (interpolated within a chunk when the ASR gives chunk times only).
 *   The released code took a chunk's tail with a wrong slice index; here every word is placed by its own time.
 */
import type { TextBatch, TranscriptWord } from '../values.js';

export function markerText(words: TranscriptWord[], t: number, radius: number, marker: string): string {
  const parts: string[] = [];
  let placed = false;
  for (const w of words) {
    const mid = (w.start + w.end) / 2;
    if (mid < t - radius || mid > t + radius) continue;
    if (!placed && w.end > t) {
      parts.push(marker);
      placed = true;
    }
    parts.push(w.word);
  }
  if (!placed) parts.push(marker);
  return parts.join(' ');
}

/** One text per distinct window over every frame of a sample, and the frame → text index. */
export function frameTextWindows(
  words: TranscriptWord[],
  frameCount: number,
  fps: number,
  radius: number,
  marker: string,
): TextBatch {
  const sorted = [...words].sort((a, b) => a.start - b.start || a.end - b.end);
  const texts: string[] = [];
  const rowOf = new Map<string, number>();
  const index = new Int32Array(frameCount);
  for (let f = 0; f < frameCount; f++) {
    const text = markerText(sorted, f / fps, radius, marker);
    let row = rowOf.get(text);
    if (row === undefined) {
      row = texts.length;
      texts.push(text);
      rowOf.set(text, row);
    }
    index[f] = row;
  }
  return { texts, index };
}
