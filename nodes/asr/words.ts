/**
 * Transcript assembly shared by the ASR nodes: repairing chunk timestamps that restart at 0, and word times
 * interpolated linearly inside each chunk (as the paper's code does when it places the [ATTENTION] marker).
 */
import type { Transcript, TranscriptChunk, TranscriptWord } from '../values.js';

/**
 * How word times are spread over a chunk: `equal` gives every word the same share of the chunk (the
 * paper's code: a word's index over the word count), `chars` shares by word length in characters.
 */
export type WordTiming = 'equal' | 'chars';

/** Chunks may overlap a little; going back further than this before the previous end is a restart. */
export const RESTART_TOLERANCE = 1;

/**
 * Chunk times that go back (before the previous chunk's start, or more than RESTART_TOLERANCE seconds before
 * its end) restarted at 0, e.g. a pipeline that timed each 30 s window from 0: shift that chunk and all
 * following by the previous chunk's (repaired) end.
 * Works on chunks and on word lists; returns new items and how many restarts were repaired.
 */
export function repairRestarts<T extends { start: number; end: number }>(items: readonly T[]): { chunks: T[]; repaired: number } {
  const out: T[] = [];
  let offset = 0;
  let repaired = 0;
  for (const c of items) {
    const prev = out[out.length - 1];
    const start = c.start + offset;
    if (prev && (start < prev.start || start < prev.end - RESTART_TOLERANCE)) {
      offset = prev.end - c.start;
      repaired++;
    }
    out.push({ ...c, start: c.start + offset, end: c.end + offset });
  }
  return { chunks: out, repaired };
}

export function splitWords(text: string): string[] {
  return text.split(/\s+/).filter((w) => w.length > 0);
}

/** Words of one chunk with times spread linearly over [start, end]. */
export function interpolateWords(chunk: TranscriptChunk, timing: WordTiming = 'equal'): TranscriptWord[] {
  const words = splitWords(chunk.text);
  const weights = words.map((w) => (timing === 'chars' ? w.length : 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const span = chunk.end - chunk.start;
  let acc = 0;
  return words.map((word, i) => {
    const start = chunk.start + (span * acc) / total;
    acc += weights[i]!;
    return { word, start, end: chunk.start + (span * acc) / total };
  });
}

/** A transcript from chunks (times already absolute); words interpolated unless given. */
export function buildTranscript(chunks: readonly TranscriptChunk[], timing: WordTiming, words?: TranscriptWord[]): Transcript {
  return {
    text: chunks
      .map((c) => c.text.trim())
      .filter((t) => t.length > 0)
      .join(' '),
    chunks: chunks.map((c) => ({ ...c })),
    words: words ?? chunks.flatMap((c) => interpolateWords(c, timing)),
  };
}

/** Chunks from a word list: a new chunk starts after a pause longer than `gap` seconds. */
export function chunksFromWords(words: readonly TranscriptWord[], gap: number): TranscriptChunk[] {
  const chunks: TranscriptChunk[] = [];
  let current: TranscriptWord[] = [];
  const close = () => {
    if (current.length) chunks.push({ text: current.map((w) => w.word).join(' '), start: current[0]!.start, end: current[current.length - 1]!.end });
    current = [];
  };
  for (const w of words) {
    const last = current[current.length - 1];
    if (last && w.start - last.end > gap) close();
    current.push(w);
  }
  close();
  return chunks;
}
