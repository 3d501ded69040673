import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiskCache } from '../../runtime/cache.js';
import { decode, encode, NotSerializableError } from '../../runtime/serialize.js';
import { tmpDir } from '../helpers.js';

describe('serialisation of cached outputs', () => {
  it('round-trips plain data with typed arrays, NaN and undefined', () => {
    const value = {
      dims: [2, 3],
      data: Float32Array.of(1, 2, 3, 4, 5, NaN),
      index: Int32Array.of(0, 1, 1),
      nested: [{ s: 'é', n: Infinity, u: undefined, b: true }],
      big: new Uint8Array(1001).fill(7),
    };
    const back = decode(encode(value)) as typeof value;
    expect(back.dims).toEqual([2, 3]);
    expect(back.data).toBeInstanceOf(Float32Array);
    expect(Array.from(back.data)).toEqual([1, 2, 3, 4, 5, NaN]);
    expect(back.index).toEqual(Int32Array.of(0, 1, 1));
    expect(back.nested[0]).toEqual({ s: 'é', n: Infinity, u: undefined, b: true });
    expect(back.big.every((v) => v === 7)).toBe(true);
  });

  it('refuses functions and class instances with the path of the value', () => {
    expect(() => encode({ a: [{ f: () => 1 }] })).toThrow(NotSerializableError);
    expect(() => encode({ a: new Map() })).toThrow(/\.a is Map/);
  });
});

describe('disk cache', () => {
  it('stores and reads entries, and treats a truncated entry as a miss', async () => {
    const cache = new DiskCache(tmpDir('cache-'));
    await cache.put('ns', 'ab12', { x: Float32Array.of(1, 2) });
    expect(await cache.get('ns', 'ab12')).toEqual({ x: Float32Array.of(1, 2) });
    expect(await cache.get('ns', 'ffff')).toBeUndefined();
    const file = path.join(cache.dir, 'ns', 'ab', 'ab12.afc');
    writeFileSync(file, Buffer.from('AFC1 broken'));
    expect(await cache.get('ns', 'ab12')).toBeUndefined();
    expect(existsSync(file)).toBe(false);
    expect(cache.stats.corrupt).toBe(1);
  });

  it('sweeps temporary files of crashed runs but not of live ones', () => {
    const dir = tmpDir('cache-sweep-');
    mkdirSync(path.join(dir, 'ns', 'ab'), { recursive: true });
    const dead = path.join(dir, 'ns', 'ab', 'ab12.afc.tmp-999999999-00000000');
    const live = path.join(dir, 'ns', 'ab', `ab34.afc.tmp-${process.pid}-00000000`);
    writeFileSync(dead, 'partial');
    writeFileSync(live, 'partial');
    const cache = new DiskCache(dir);
    expect(cache.sweepTemporaries()).toBe(1);
    expect(readdirSync(path.join(dir, 'ns', 'ab'))).toEqual([path.basename(live)]);
  });
});
