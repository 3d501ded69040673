/**
 * Per-time-point model inputs. A windower node turns a sample's features into a provider that, for a time
 * point t (a label frame), returns the rows the model sees. Providers are functions, so they are not cached;
 * they are cheap (slicing cached features).
 */

/** A sequence window: up to `maxLength` rows of `dim` values, zero-padded by the batcher; `length` real rows. */
export interface SequenceWindow {
  kind: 'sequence';
  dim: number;
  maxLength: number;
  at(t: number): { rows: Float32Array; length: number };
}

/** A vector per time point (e.g. a text embedding). */
export interface VectorWindow {
  kind: 'vector';
  dim: number;
  at(t: number): Float32Array;
}

export type Window = SequenceWindow | VectorWindow;

export function isWindow(v: unknown): v is Window {
  return (
    typeof v === 'object' &&
    v !== null &&
    ((v as Window).kind === 'sequence' || (v as Window).kind === 'vector') &&
    typeof (v as Window).at === 'function'
  );
}

/** Rows 0 … min(T, maxLength) − 1 (EMI: the first 12 s of audio, the first 400 frames of vision). */
export function firstRows(total: number, maxLength: number): Int32Array {
  const n = Math.min(total, maxLength);
  return Int32Array.from({ length: n }, (_, i) => i);
}

/**
 * `samples` row indices spread evenly over [center − radius, center + radius] clipped to the sequence
 * (numpy `linspace` then truncation to int, as the reference code's index arrays). A sequence shorter than
 * `samples` rows is used whole and not centred (the BAH vision rule).
 */
export function evenlySpacedRows(total: number, center: number, radius: number, samples: number): Int32Array {
  if (total <= 0) return new Int32Array(0);
  if (total < samples) return firstRows(total, samples);
  const lo = Math.max(0, center - radius);
  const hi = Math.min(total - 1, center + radius);
  const out = new Int32Array(samples);
  if (samples === 1) {
    out[0] = Math.trunc(lo);
    return out;
  }
  const step = (hi - lo) / (samples - 1);
  for (let i = 0; i < samples; i++) out[i] = Math.trunc(lo + i * step);
  return out;
}

/** Contiguous rows [center − radius, center + radius) clipped at the ends (the BAH audio rule). */
export function contiguousRows(total: number, center: number, radius: number): Int32Array {
  const lo = Math.max(0, center - radius);
  const hi = Math.min(total, center + radius);
  return Int32Array.from({ length: Math.max(0, hi - lo) }, (_, i) => lo + i);
}

/** Copy the selected rows of a row-major matrix. */
export function gatherRows(data: Float32Array, dim: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * dim);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    out.set(data.subarray(r * dim, (r + 1) * dim), i * dim);
  }
  return out;
}

/** The feature row at time point t (a frame at `pointRate` per second) for features at `featureRate` rows/s. */
export function rowAt(t: number, pointRate: number, featureRate: number): number {
  return Math.floor((t / pointRate) * featureRate + 1e-9);
}
