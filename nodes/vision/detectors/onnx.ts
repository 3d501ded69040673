/** Loading ONNX detector models with onnxruntime-node, and finding the model file in a folder. */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { InputError } from '../../../runtime/errors.js';

export type { InferenceSession } from 'onnxruntime-node';
export { ort };

/**
 * The model file: `location` itself when it is a file, else `preferred` inside it, else the only file
 * matching `pattern` there.
 */
export function findModelFile(location: string, preferred: string | undefined, pattern: RegExp, what: string): string {
  let isDir: boolean;
  try {
    isDir = statSync(location).isDirectory();
  } catch {
    throw new InputError(`${what} model not found: ${location} does not exist`, { file: location });
  }
  if (!isDir) return location;
  const names = readdirSync(location);
  if (preferred) {
    if (names.includes(preferred)) return path.join(location, preferred);
    throw new InputError(`${what} model "${preferred}" is not in ${location} (it has: ${names.join(', ') || 'nothing'})`, {
      file: location,
    });
  }
  const matches = names.filter((n) => pattern.test(n)).sort();
  if (matches.length === 0) {
    throw new InputError(`no ${what} model (${pattern}) in ${location} (it has: ${names.join(', ') || 'nothing'})`, {
      file: location,
    });
  }
  return path.join(location, matches[0]!);
}

export async function loadSession(file: string, threads?: number): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(file, {
      // Warnings about initialisers listed as inputs (UltraFace) are noise.
      logSeverityLevel: 3,
      graphOptimizationLevel: 'all',
      ...(threads ? { intraOpNumThreads: threads } : {}),
    });
  } catch (e) {
    throw new InputError(`cannot load ONNX model: ${e instanceof Error ? e.message : String(e)}`, { file });
  }
}
