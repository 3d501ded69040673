/**
 * Whisper's special tokens and decoding settings, read from a model folder's generation_config.json (as
 * Hugging Face and optimum save it), with config.json for the decoder's maximum length.
 */
import path from 'node:path';
import { InputError } from '../../runtime/errors.js';
import { booleanField, numberArrayField, numberField, readJsonObject, readOptionalJson, type JsonObject } from '../models/files.js';

export interface WhisperTokens {
  endOfText: number;
  startOfTranscript: number;
  noTimestamps: number;
  /** <|0.00|>; token t ≥ this is the time (t − timestampBegin) / 50 s. */
  timestampBegin: number;
  multilingual: boolean;
  languages: Record<string, number>;
  tasks: Record<string, number>;
  suppress: number[];
  beginSuppress: number[];
  /** Largest timestamp index allowed as the first token (50: 1 s). */
  maxInitialTimestampIndex: number;
  /** Decoder positions (448). */
  maxLength: number;
}

/** Timestamp tokens per second (0.02 s each); dividing by it keeps times like 0.94 exact to print. */
export const TIMESTAMPS_PER_SECOND = 50;

function idMap(obj: JsonObject, key: string, file: string): Record<string, number> {
  const v = obj[key];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v) || !Object.values(v).every((x) => typeof x === 'number')) {
    throw new InputError(`${file}: field "${key}" should map names to token ids`);
  }
  return v as Record<string, number>;
}

export function readWhisperTokens(dir: string): WhisperTokens {
  const genFile = path.join(dir, 'generation_config.json');
  const gen = readJsonObject(genFile);
  const configFile = path.join(dir, 'config.json');
  const config = readOptionalJson(configFile);
  const noTimestamps = numberField(gen, 'no_timestamps_token_id', genFile);
  const positions = numberField(config, 'max_target_positions', configFile, 448);
  return {
    endOfText: numberField(gen, 'eos_token_id', genFile),
    startOfTranscript: numberField(gen, 'decoder_start_token_id', genFile),
    noTimestamps,
    timestampBegin: noTimestamps + 1,
    multilingual: booleanField(gen, 'is_multilingual', genFile, Object.keys(idMap(gen, 'lang_to_id', genFile)).length > 1),
    languages: idMap(gen, 'lang_to_id', genFile),
    tasks: idMap(gen, 'task_to_id', genFile),
    suppress: numberArrayField(gen, 'suppress_tokens', genFile, []),
    beginSuppress: numberArrayField(gen, 'begin_suppress_tokens', genFile, []),
    maxInitialTimestampIndex: numberField(gen, 'max_initial_timestamp_index', genFile, 50),
    maxLength: Math.min(numberField(gen, 'max_length', genFile, positions), positions),
  };
}

/** The decoder prompt: <|startoftranscript|> [<|lang|> <|task|>] (timestamps on, so no <|notimestamps|>). */
export function whisperPrompt(t: WhisperTokens, language: string, task: 'transcribe' | 'translate', dir: string): number[] {
  if (!t.multilingual) {
    if (task === 'translate') throw new InputError(`the Whisper model in ${dir} is English-only: it cannot translate`);
    return [t.startOfTranscript];
  }
  const lang = t.languages[`<|${language}|>`] ?? t.languages[language];
  if (lang === undefined) {
    const known = Object.keys(t.languages).map((k) => k.replace(/^<\|(.*)\|>$/, '$1'));
    throw new InputError(`language "${language}" is not one of the model's: ${known.join(', ')} (generation_config.json lang_to_id)`);
  }
  const taskId = t.tasks[task];
  if (taskId === undefined) throw new InputError(`task "${task}" is missing from ${path.join(dir, 'generation_config.json')} task_to_id`);
  return [t.startOfTranscript, lang, taskId];
}
