/**
 * Whisper decoding over a step function (the decoder's logits at the last position for each sequence):
 * token suppression, the timestamp rules of Whisper's decoder (as openai/whisper and transformers'
 * WhisperTimeStampLogitsProcessor apply them), greedy and beam search, and the segmentation of a window's
 * tokens into timed segments with the seek advance of openai/whisper's transcribe loop.
 */
import { TIMESTAMPS_PER_SECOND, type WhisperTokens } from './whisper-config.js';

/** Logits at the last position of each sequence (all sequences have the same length). */
export type DecoderStep = (sequences: number[][]) => Promise<Float32Array[]>;

/** Timestamp tokens exist for 0.00 … 30.00 s. */
const TIMESTAMPS = 1501;

/**
 * Set forbidden tokens to −∞ in place. `sampled` are the tokens generated after the prompt so far.
 * Rules: suppressed tokens; special tokens other than <|endoftext|>; the first token must be a timestamp
 * ≤ max_initial_timestamp; a timestamp after text closes a segment and must be followed by the next
 * segment's opening timestamp or <|endoftext|>; two timestamps in a row must be followed by text;
 * timestamps never decrease; when the
 * timestamps together are likelier than any single text token, a timestamp is forced.
 */
export function applyWhisperRules(logits: Float32Array, sampled: readonly number[], t: WhisperTokens): void {
  const V = logits.length;
  const tsEnd = Math.min(V, t.timestampBegin + TIMESTAMPS);
  for (const id of t.suppress) if (id < V) logits[id] = -Infinity;
  if (sampled.length === 0) for (const id of t.beginSuppress) if (id < V) logits[id] = -Infinity;
  for (let id = t.endOfText + 1; id < t.timestampBegin; id++) logits[id] = -Infinity;
  for (let id = tsEnd; id < V; id++) logits[id] = -Infinity;

  const n = sampled.length;
  const lastWasTimestamp = n >= 1 && sampled[n - 1]! >= t.timestampBegin;
  const penultimateWasTimestamp = n < 2 || sampled[n - 2]! >= t.timestampBegin;
  if (lastWasTimestamp) {
    if (penultimateWasTimestamp) for (let id = t.timestampBegin; id < tsEnd; id++) logits[id] = -Infinity;
    else for (let id = 0; id < t.endOfText; id++) logits[id] = -Infinity;
  }
  let lastTimestamp = -1;
  for (const id of sampled) if (id >= t.timestampBegin) lastTimestamp = id;
  if (lastTimestamp >= 0) {
    // Timestamps never decrease; a closing timestamp may repeat the opening one, others must move on.
    const limit = lastWasTimestamp && !penultimateWasTimestamp ? lastTimestamp : lastTimestamp + 1;
    for (let id = t.timestampBegin; id < Math.min(limit, tsEnd); id++) logits[id] = -Infinity;
  }
  if (n === 0) {
    for (let id = 0; id < t.timestampBegin; id++) logits[id] = -Infinity;
    for (let id = t.timestampBegin + t.maxInitialTimestampIndex + 1; id < tsEnd; id++) logits[id] = -Infinity;
  }
  const logprobs = logSoftmax(logits);
  let timestampMass = -Infinity;
  for (let id = t.timestampBegin; id < tsEnd; id++) timestampMass = logAddExp(timestampMass, logprobs[id]!);
  let maxText = -Infinity;
  for (let id = 0; id < t.timestampBegin; id++) maxText = Math.max(maxText, logprobs[id]!);
  if (timestampMass > maxText && timestampMass !== -Infinity) for (let id = 0; id < t.timestampBegin; id++) logits[id] = -Infinity;
}

function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

export function logSoftmax(logits: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(logits, (v) => v - lse);
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

export interface DecodeOptions {
  tokens: WhisperTokens;
  /** New tokens at most (the prompt counts against the decoder's maximum length too). */
  maxNewTokens: number;
  beams: number;
  signal?: AbortSignal;
}

/** Tokens generated after `prompt`, without the final <|endoftext|>. Always terminates (length limit). */
export async function decodeWindow(step: DecoderStep, prompt: readonly number[], o: DecodeOptions): Promise<number[]> {
  const limit = Math.max(0, Math.min(o.maxNewTokens, o.tokens.maxLength - prompt.length));
  return o.beams <= 1 ? greedy(step, prompt, limit, o) : beamSearch(step, prompt, limit, o);
}

async function greedy(step: DecoderStep, prompt: readonly number[], limit: number, o: DecodeOptions): Promise<number[]> {
  const seq = [...prompt];
  for (let i = 0; i < limit; i++) {
    o.signal?.throwIfAborted();
    const [logits] = await step([seq]);
    const sampled = seq.slice(prompt.length);
    applyWhisperRules(logits!, sampled, o.tokens);
    const next = argmax(logits!);
    if (next === o.tokens.endOfText) break;
    seq.push(next);
  }
  return seq.slice(prompt.length);
}

interface Beam {
  tokens: number[];
  logprob: number;
}

/**
 * Beam search as openai/whisper's BeamSearchDecoder: each live beam proposes its beams+1 best next tokens, the
 * best `beams` unfinished candidates live on, finished ones (ending in <|endoftext|>) are kept until there are
 * `beams` of them; the result is the finished (else live) sequence with the best mean log-probability per token.
 */
async function beamSearch(step: DecoderStep, prompt: readonly number[], limit: number, o: DecodeOptions): Promise<number[]> {
  let live: Beam[] = [{ tokens: [...prompt], logprob: 0 }];
  const finished: Beam[] = [];
  for (let i = 0; i < limit && live.length > 0 && finished.length < o.beams; i++) {
    o.signal?.throwIfAborted();
    const logits = await step(live.map((b) => b.tokens));
    const candidates: Array<Beam & { next: number }> = [];
    live.forEach((beam, b) => {
      applyWhisperRules(logits[b]!, beam.tokens.slice(prompt.length), o.tokens);
      const lp = logSoftmax(logits[b]!);
      const order = Array.from(lp.keys())
        .filter((id) => lp[id]! > -Infinity)
        .sort((x, y) => lp[y]! - lp[x]! || x - y)
        .slice(0, o.beams + 1);
      for (const id of order) candidates.push({ tokens: beam.tokens, logprob: beam.logprob + lp[id]!, next: id });
    });
    candidates.sort((a, b) => b.logprob - a.logprob);
    const next: Beam[] = [];
    for (const c of candidates) {
      if (c.next === o.tokens.endOfText) {
        if (finished.length < o.beams) finished.push({ tokens: c.tokens.slice(prompt.length), logprob: c.logprob });
      } else if (next.length < o.beams) {
        next.push({ tokens: [...c.tokens, c.next], logprob: c.logprob });
      }
    }
    live = next;
  }
  const pool = finished.length ? finished : live.map((b) => ({ tokens: b.tokens.slice(prompt.length), logprob: b.logprob }));
  const score = (b: Beam) => b.logprob / Math.max(1, b.tokens.length);
  return pool.reduce((best, b) => (score(b) > score(best) ? b : best)).tokens;
}

export interface WindowSegment {
  /** Seconds from the window start. */
  start: number;
  end: number;
  /** Text tokens of the segment (timestamps removed). */
  text: number[];
}

/**
 * Cut a window's tokens into segments at timestamp pairs and tell how far to move on (openai/whisper):
 * when the last segment is complete (ends with a single timestamp) or there are no timestamp pairs, the whole
 * window is consumed; otherwise decoding resumes at the last complete segment's end.
 */
export function segmentWindow(tokens: readonly number[], t: WhisperTokens, windowSeconds: number): { segments: WindowSegment[]; advance: number } {
  const isTs = tokens.map((id) => id >= t.timestampBegin);
  const time = (id: number) => Math.min(windowSeconds, (id - t.timestampBegin) / TIMESTAMPS_PER_SECOND);
  const textOf = (ids: readonly number[]) => ids.filter((id) => id < t.endOfText);
  const n = tokens.length;
  const singleEnding = n >= 2 && !isTs[n - 2] && isTs[n - 1]!;
  const consecutive: number[] = [];
  for (let i = 1; i < n; i++) if (isTs[i - 1] && isTs[i]) consecutive.push(i);
  const segments: WindowSegment[] = [];
  if (consecutive.length) {
    const slices = singleEnding ? [...consecutive, n] : consecutive;
    let last = 0;
    for (const cut of slices) {
      const part = tokens.slice(last, cut);
      segments.push({ start: time(part[0]!), end: time(part[part.length - 1]!), text: textOf(part) });
      last = cut;
    }
    const resume = singleEnding ? windowSeconds : time(tokens[last - 1]!);
    return { segments, advance: resume > 0 ? resume : windowSeconds };
  }
  const stamps = tokens.filter((id) => id >= t.timestampBegin);
  const lastStamp = stamps[stamps.length - 1];
  const end = lastStamp !== undefined && lastStamp !== t.timestampBegin ? time(lastStamp) : windowSeconds;
  const firstStamp = stamps.length && isTs[0] ? time(tokens[0]!) : 0;
  segments.push({ start: Math.min(firstStamp, end), end, text: textOf(tokens) });
  return { segments, advance: windowSeconds };
}
