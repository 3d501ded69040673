/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian header length,
 * a JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {string: string}}`, then
 * the raw little-endian tensor bytes. We write F32 only; we read F32, F16, BF16 and F64 (converted to f32).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { InputError } from '../../../runtime/errors.js';

export interface NamedArray {
  shape: number[];
  data: Float32Array;
}

export type TensorMap = Record<string, NamedArray>;

export interface SafetensorsFile {
  tensors: TensorMap;
  metadata: Record<string, string>;
}

const READABLE = ['F32', 'F16', 'BF16', 'F64'] as const;
type ReadableDtype = (typeof READABLE)[number];
const BYTES: Record<ReadableDtype, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

function fail(source: string, message: string): never {
  throw new InputError(`${source}: ${message}`);
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function decode(bytes: Uint8Array, dtype: ReadableDtype, count: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  switch (dtype) {
    case 'F32':
      // new Uint8Array(bytes) copies (Buffer#slice would not), giving an aligned buffer of our own.
      if (LITTLE_ENDIAN_HOST) out.set(new Float32Array(new Uint8Array(bytes).buffer, 0, count));
      else for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      break;
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      break;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      break;
    case 'BF16': {
      const u32 = new Uint32Array(1);
      const f32 = new Float32Array(u32.buffer);
      for (let i = 0; i < count; i++) {
        u32[0] = view.getUint16(i * 2, true) << 16;
        out[i] = f32[0]!;
      }
      break;
    }
  }
  return out;
}

/**
 * Parse safetensors bytes. Every tensor is returned as float32.
 * @param source a name for error messages (usually the file path).
 */
export function parseSafetensors(bytes: Uint8Array, source = 'safetensors data'): SafetensorsFile {
  if (bytes.byteLength < 8) fail(source, `too short to be a safetensors file (${bytes.byteLength} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > bytes.byteLength) {
    fail(source, `header length ${headerLength} runs past the end of the file (${bytes.byteLength} bytes)`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  } catch (e) {
    fail(source, `header is not valid JSON (${(e as Error).message})`);
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.byteLength - dataStart;
  const tensors: TensorMap = {};
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = (value ?? {}) as Record<string, string>;
      continue;
    }
    const entry = value as HeaderEntry;
    if (!entry || !Array.isArray(entry.shape) || !Array.isArray(entry.data_offsets)) {
      fail(source, `tensor "${name}" has a malformed header entry`);
    }
    if (!(READABLE as readonly string[]).includes(entry.dtype)) {
      fail(source, `tensor "${name}" has dtype ${entry.dtype}; readable: ${READABLE.join(', ')}`);
    }
    const dtype = entry.dtype as ReadableDtype;
    const count = entry.shape.reduce((a, b) => a * b, 1);
    const [begin, end] = entry.data_offsets;
    if (end - begin !== count * BYTES[dtype] || begin < 0 || end > dataLength) {
      fail(
        source,
        `tensor "${name}" (${dtype} ${JSON.stringify(entry.shape)}) has data offsets [${begin}, ${end}] that do not ` +
          `match its size (${count * BYTES[dtype]} bytes) or the data length (${dataLength})`,
      );
    }
    tensors[name] = { shape: [...entry.shape], data: decode(bytes.subarray(dataStart + begin, dataStart + end), dtype, count) };
  }
  return { tensors, metadata };
}

export function readSafetensors(file: string): SafetensorsFile {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new InputError(`cannot read safetensors file ${file}: ${(e as Error).message}`);
  }
  return parseSafetensors(bytes, file);
}

/** Serialise float32 tensors (in name order) with optional string metadata. */
export function serializeSafetensors(tensors: TensorMap, metadata: Record<string, string> = {}): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header['__metadata__'] = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors[name]!;
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new InputError(`tensor "${name}": shape ${JSON.stringify(t.shape)} holds ${count} values, data has ${t.data.length}`);
    }
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + count * 4] };
    offset += count * 4;
  }
  let json = JSON.stringify(header);
  // The reference implementation pads the header with spaces so the data starts 8-byte aligned.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.byteLength;
  for (const name of names) {
    const { data } = tensors[name]!;
    if (LITTLE_ENDIAN_HOST) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    else for (let i = 0; i < data.length; i++) view.setFloat32(at + i * 4, data[i]!, true);
    at += data.length * 4;
  }
  return out;
}

/** Write a safetensors file atomically (temporary file, then rename). */
export function writeSafetensors(file: string, tensors: TensorMap, metadata: Record<string, string> = {}): void {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  writeFileSync(tmp, serializeSafetensors(tensors, metadata));
  renameSync(tmp, file);
}

/** What a model must offer to be loaded from a state dict. */
export interface WeightTarget {
  getWeights(): TensorMap;
  setWeights(weights: TensorMap, options?: { partial?: boolean }): void;
}

export interface LoadOptions {
  /**
   * Prefix renames applied to the file's tensor names before matching, e.g. `{ "audio_lstm.": "audio." }`.
   * The longest matching prefix wins; names without a match are kept as they are.
   */
  rename?: Record<string, string>;
  /** Strict (default): every model weight must be in the file and every file tensor must be used. */
  strict?: boolean;
}

export interface LoadReport {
  loaded: string[];
  /** Model weights the file did not provide (only possible when not strict). */
  missing: string[];
  /** File tensors (after renaming) the model has no weight for (only possible when not strict). */
  unexpected: string[];
}

export function renameTensor(name: string, rename: Record<string, string>): string {
  let best: string | undefined;
  for (const prefix of Object.keys(rename)) {
    if (name.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best === undefined ? name : rename[best]! + name.slice(best.length);
}

/**
 * Load a state dict (a safetensors file path, parsed file, or tensor map) into a model. Shapes must match
 * exactly; with `strict` (default) missing and unexpected names are errors, each listed by name.
 */
export function loadInto(model: WeightTarget, file: string | SafetensorsFile | TensorMap, options: LoadOptions = {}): LoadReport {
  const source = typeof file === 'string' ? file : 'state dict';
  const tensors: TensorMap =
    typeof file === 'string' ? readSafetensors(file).tensors : 'tensors' in file && 'metadata' in file ? (file as SafetensorsFile).tensors : (file as TensorMap);
  const strict = options.strict ?? true;
  const rename = options.rename ?? {};
  const current = model.getWeights();
  const renamed: TensorMap = {};
  const origin: Record<string, string> = {};
  for (const [name, t] of Object.entries(tensors)) {
    const target = renameTensor(name, rename);
    if (target in renamed) {
      throw new InputError(`${source}: tensors "${origin[target]}" and "${name}" both map to model weight "${target}"`);
    }
    renamed[target] = t;
    origin[target] = name;
  }
  const missing = Object.keys(current).filter((n) => !(n in renamed));
  const unexpected = Object.keys(renamed).filter((n) => !(n in current));
  const describe = (n: string) => (origin[n] !== n ? `"${origin[n]}" (as "${n}")` : `"${n}"`);
  const mismatched = Object.keys(renamed)
    .filter((n) => n in current && JSON.stringify(renamed[n]!.shape) !== JSON.stringify(current[n]!.shape))
    .map((n) => `${describe(n)}: file ${JSON.stringify(renamed[n]!.shape)}, model ${JSON.stringify(current[n]!.shape)}`);
  const problems: string[] = [];
  if (mismatched.length) problems.push(`shape mismatch: ${mismatched.join('; ')}`);
  if (strict && missing.length) problems.push(`missing in file: ${missing.map((n) => `"${n}"`).join(', ')}`);
  if (strict && unexpected.length) {
    problems.push(
      `unexpected in file: ${unexpected.map(describe).join(', ')} (model weights: ${Object.keys(current).join(', ')})`,
    );
  }
  if (problems.length) throw new InputError(`${source}: cannot load into the model: ${problems.join('; ')}`);
  const toSet: TensorMap = {};
  for (const n of Object.keys(current)) if (n in renamed) toSet[n] = renamed[n]!;
  model.setWeights(toSet, { partial: true });
  return { loaded: Object.keys(toSet), missing, unexpected };
}
