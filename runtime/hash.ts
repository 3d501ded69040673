/** Content hashes for fingerprints: structure-aware, typed arrays hashed by their bytes. */
import { createHash, type Hash } from 'node:crypto';
import { isPlainObject } from './json-util.js';

function feed(h: Hash, v: unknown): void {
  if (v === null || v === undefined) {
    h.update(v === null ? 'N;' : 'U;');
  } else if (typeof v === 'string') {
    h.update(`S${v.length}:`).update(v);
  } else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') {
    h.update(`${(typeof v)[0]}${String(v)};`);
  } else if (ArrayBuffer.isView(v)) {
    h.update(`T${v.constructor.name}${v.byteLength}:`).update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  } else if (Array.isArray(v)) {
    h.update(`A${v.length}[`);
    for (const x of v) feed(h, x);
    h.update(']');
  } else if (isPlainObject(v)) {
    const keys = Object.keys(v).sort();
    h.update(`O${keys.length}{`);
    for (const k of keys) {
      h.update(`${k.length}:${k}`);
      feed(h, v[k]);
    }
    h.update('}');
  } else {
    // Functions and class instances have no content identity; hash their printed form.
    h.update(`X${String(v)};`);
  }
}

export function hashValue(...parts: unknown[]): string {
  const h = createHash('sha256');
  for (const p of parts) feed(h, p);
  return h.digest('hex');
}
