/**
 * Turning texts into model input rows for the text encoder: the tokenizer's special-token template, the
 * marker position, truncation that keeps the marker, and padded batches.
 */
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { InputError } from '../../runtime/errors.js';

/** Tokens the tokenizer puts before and after a single sequence (e.g. [CLS] … [SEP]). */
export interface SpecialTemplate {
  prefix: number[];
  suffix: number[];
}

/** Find the template by encoding a probe text with and without special tokens. */
export function specialTemplate(tokenizer: PreTrainedTokenizer): SpecialTemplate {
  const probe = 'hello';
  const bare = tokenizer.encode(probe, { add_special_tokens: false });
  const full = tokenizer.encode(probe, { add_special_tokens: true });
  for (let start = 0; start + bare.length <= full.length; start++) {
    if (bare.every((id, i) => full[start + i] === id)) {
      return { prefix: full.slice(0, start), suffix: full.slice(start + bare.length) };
    }
  }
  throw new InputError('the tokenizer adds special tokens inside the text; cannot tell its [CLS]/[SEP] template');
}

export interface TokenRow {
  ids: number[];
  /** Position of the marker token in `ids`, when marker pooling. */
  marker?: number;
}

/**
 * A window of `budget` tokens of `content` that contains position `p`, as centred on it as the ends allow:
 * equal context left and right, the unused side's share going to the other.
 */
export function windowAround(length: number, p: number, budget: number): number {
  if (length <= budget) return 0;
  const left = Math.floor((budget - 1) / 2);
  return Math.max(0, Math.min(p - left, length - budget));
}

export interface RowOptions {
  maxLength: number;
  /** Marker token id when pooling at a marker. */
  markerId?: number;
  markerText?: string;
}

function preview(text: string): string {
  return JSON.stringify(text.length > 60 ? text.slice(0, 57) + '...' : text);
}

/** Token ids of one text with the special template, truncated to maxLength (keeping the marker). */
export function tokenRow(tokenizer: PreTrainedTokenizer, template: SpecialTemplate, text: string, index: number, o: RowOptions): TokenRow {
  const content = tokenizer.encode(text, { add_special_tokens: false });
  const budget = o.maxLength - template.prefix.length - template.suffix.length;
  if (budget < 1) throw new InputError(`maxLength ${o.maxLength} leaves no room for text next to the special tokens`);
  let start = 0;
  let marker: number | undefined;
  if (o.markerId !== undefined) {
    const at = content.flatMap((id, i) => (id === o.markerId ? [i] : []));
    if (at.length !== 1) {
      throw new InputError(
        `text ${index} ${preview(text)} has ${at.length === 0 ? 'no' : at.length} ${o.markerText} marker${at.length > 1 ? 's' : ''}; marker pooling needs exactly one`,
      );
    }
    start = windowAround(content.length, at[0]!, budget);
    marker = template.prefix.length + at[0]! - start;
  }
  const kept = content.slice(start, start + budget);
  return { ids: [...template.prefix, ...kept, ...template.suffix], ...(marker !== undefined ? { marker } : {}) };
}

export interface PaddedBatch {
  ids: BigInt64Array;
  mask: BigInt64Array;
  length: number;
}

/** Right-pad rows to the longest one. */
export function padRows(rows: readonly TokenRow[], padId: number): PaddedBatch {
  const length = Math.max(...rows.map((r) => r.ids.length));
  const ids = new BigInt64Array(rows.length * length).fill(BigInt(padId));
  const mask = new BigInt64Array(rows.length * length);
  rows.forEach((r, b) => {
    r.ids.forEach((id, i) => {
      ids[b * length + i] = BigInt(id);
      mask[b * length + i] = 1n;
    });
  });
  return { ids, mask, length };
}
