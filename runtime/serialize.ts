/**
 * Binary serialisation of node outputs for the cache: plain JSON data with typed arrays stored as raw bytes.
 * Layout: "AFC1" | u32 header length | header JSON | aligned typed-array bytes. No functions, classes or
 * cycles: a cacheable node must output plain data.
 */
import { isPlainObject } from './json-util.js';

const MAGIC = 'AFC1';

const TYPED = {
  Float32Array,
  Float64Array,
  Int8Array,
  Int16Array,
  Int32Array,
  Uint8Array,
  Uint16Array,
  Uint32Array,
  BigInt64Array,
  BigUint64Array,
} as const;
type TypedName = keyof typeof TYPED;
type AnyTyped = InstanceType<(typeof TYPED)[TypedName]>;

interface TypedRef {
  $typed: TypedName;
  offset: number;
  length: number;
}

export class NotSerializableError extends Error {}

export function encode(value: unknown): Buffer {
  const blobs: AnyTyped[] = [];
  let offset = 0;
  const walk = (v: unknown, at: string): unknown => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') {
      if (Number.isFinite(v)) return v;
      return { $number: String(v) };
    }
    if (v === undefined) return { $undefined: true };
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const name = v.constructor.name as TypedName;
      if (!(name in TYPED)) throw new NotSerializableError(`${at}: unsupported array type ${name}`);
      const t = v as AnyTyped;
      offset = Math.ceil(offset / 8) * 8;
      const ref: TypedRef = { $typed: name, offset, length: t.length };
      blobs.push(t);
      offset += t.byteLength;
      return ref;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${at}[${i}]`));
    if (isPlainObject(v) && Object.getPrototypeOf(v) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, `${at}.${k}`);
      return out;
    }
    throw new NotSerializableError(
      `${at || 'value'} is ${typeof v === 'object' ? (v as object).constructor?.name ?? 'an object' : typeof v}, which cannot be cached (plain data and typed arrays only)`,
    );
  };
  const header = Buffer.from(JSON.stringify(walk(value, '')), 'utf8');
  const start = Math.ceil((8 + header.length) / 8) * 8;
  const out = Buffer.alloc(start + offset);
  out.write(MAGIC, 0, 'ascii');
  out.writeUInt32LE(header.length, 4);
  header.copy(out, 8);
  let pos = 0;
  for (const b of blobs) {
    pos = Math.ceil(pos / 8) * 8;
    Buffer.from(b.buffer, b.byteOffset, b.byteLength).copy(out, start + pos);
    pos += b.byteLength;
  }
  return out;
}

export function decode(buf: Buffer): unknown {
  if (buf.length < 8 || buf.toString('ascii', 0, 4) !== MAGIC) throw new Error('not an affectflow cache entry');
  const headerLength = buf.readUInt32LE(4);
  const header = JSON.parse(buf.toString('utf8', 8, 8 + headerLength)) as unknown;
  const start = Math.ceil((8 + headerLength) / 8) * 8;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (isPlainObject(v)) {
      if (typeof v['$typed'] === 'string') {
        const ref = v as unknown as TypedRef;
        const Ctor = TYPED[ref.$typed];
        const bytes = ref.length * Ctor.BYTES_PER_ELEMENT;
        // Copy into a fresh aligned buffer so the result owns its memory.
        const copy = new ArrayBuffer(bytes);
        new Uint8Array(copy).set(buf.subarray(start + ref.offset, start + ref.offset + bytes));
        return new Ctor(copy);
      }
      if (v['$undefined'] === true) return undefined;
      if (typeof v['$number'] === 'string') return Number(v['$number']);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return walk(header);
}
