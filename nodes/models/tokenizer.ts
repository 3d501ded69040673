/**
 * Hugging Face tokenizers from a local model folder (tokenizer.json + tokenizer_config.json) through
 * transformers.js, never touching the network. Adds marker tokens (e.g. `[ATTENTION]`) as special tokens
 * when the saved tokenizer lacks them.
 */
import { AutoTokenizer, type PreTrainedTokenizer } from '@huggingface/transformers';
import path from 'node:path';
import { errorMessage, InputError } from '../../runtime/errors.js';
import { readJsonObject, readOptionalJson } from './files.js';

export interface TokenizerInfo {
  tokenizer: PreTrainedTokenizer;
  /** Largest token id the tokenizer can produce, plus one. */
  size: number;
  /** Markers that were not in the saved tokenizer and were added here, with their new ids. */
  addedMarkers: Record<string, number>;
}

type TokenizerClass = new (json: unknown, config: unknown) => PreTrainedTokenizer;

function maxId(tokenizer: PreTrainedTokenizer): number {
  let max = -1;
  for (const id of tokenizer.get_vocab().values()) if (id > max) max = id;
  return max;
}

/** The id of `token` when the tokenizer knows it as one whole token. */
export function tokenIdOf(tokenizer: PreTrainedTokenizer, token: string): number | undefined {
  const id = tokenizer.convert_tokens_to_ids(token) as number | undefined;
  return id === undefined || id === null || (id === tokenizer.unk_token_id && token !== tokenizer.unk_token) ? undefined : id;
}

export async function loadTokenizer(dir: string, markers: readonly string[] = []): Promise<TokenizerInfo> {
  let tokenizer: PreTrainedTokenizer;
  try {
    tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
  } catch (e) {
    throw new InputError(`cannot load the tokenizer in ${dir} (tokenizer.json, tokenizer_config.json): ${errorMessage(e)}`, {}, { cause: e });
  }
  const missing = markers.filter((m) => tokenIdOf(tokenizer, m) === undefined);
  const addedMarkers: Record<string, number> = {};
  if (missing.length) {
    // Rebuild the same tokenizer class with the markers appended as added special tokens (what
    // `tokenizer.add_special_tokens` does in Python): ids follow the largest existing id.
    const json = structuredClone(readJsonObject(path.join(dir, 'tokenizer.json')));
    const config = readOptionalJson(path.join(dir, 'tokenizer_config.json'));
    const added = Array.isArray(json['added_tokens']) ? (json['added_tokens'] as unknown[]) : [];
    let next = maxId(tokenizer) + 1;
    for (const content of missing) {
      addedMarkers[content] = next;
      added.push({ id: next++, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
    }
    json['added_tokens'] = added;
    tokenizer = new (tokenizer.constructor as TokenizerClass)(json, config);
  }
  return { tokenizer, size: maxId(tokenizer) + 1, addedMarkers };
}
