/** Reading the JSON side files of a model folder (config.json, preprocessor_config.json, ...). */
import { existsSync, readFileSync } from 'node:fs';
import { InputError } from '../../runtime/errors.js';

export type JsonObject = { [key: string]: unknown };

export function readJsonObject(file: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`${file}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InputError(`${file}: expected a JSON object`);
  return value as JsonObject;
}

/** The JSON object in `file`, or `{}` when the (optional) file is absent. */
export function readOptionalJson(file: string): JsonObject {
  return existsSync(file) ? readJsonObject(file) : {};
}

/** A numeric field, or the fallback when absent; a field of the wrong type is an error naming it. */
export function numberField(obj: JsonObject, key: string, file: string, fallback?: number): number {
  const v = obj[key];
  if (v === undefined || v === null) {
    if (fallback === undefined) throw new InputError(`${file}: field "${key}" is missing (expected a number)`);
    return fallback;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(`${file}: field "${key}" is ${JSON.stringify(v)}, expected a number`);
  return v;
}

export function numberArrayField(obj: JsonObject, key: string, file: string, fallback?: number[]): number[] {
  const v = obj[key];
  if (v === undefined || v === null) {
    if (fallback === undefined) throw new InputError(`${file}: field "${key}" is missing (expected a list of numbers)`);
    return fallback;
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) {
    throw new InputError(`${file}: field "${key}" is ${JSON.stringify(v)}, expected a list of numbers`);
  }
  return v as number[];
}

export function booleanField(obj: JsonObject, key: string, file: string, fallback: boolean): boolean {
  const v = obj[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw new InputError(`${file}: field "${key}" is ${JSON.stringify(v)}, expected true or false`);
  return v;
}
