/**
 * On-disk cache of node outputs, keyed by fingerprint (a hash of node type, version, params and the
 * fingerprints of its inputs). Entries are written to a temporary file and renamed into place, so a crash
 * leaves either a whole entry or none; each entry ends with a SHA-256 of its bytes, so a damaged entry is
 * detected, removed and recomputed rather than trusted.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { readFile, rename, unlink, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { decode, encode } from './serialize.js';

const DIGEST = 32;

export interface CacheStats {
  hits: number;
  misses: number;
  writes: number;
  corrupt: number;
}

export class DiskCache {
  readonly stats: CacheStats = { hits: 0, misses: 0, writes: 0, corrupt: 0 };

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private file(namespace: string, fp: string): string {
    return path.join(this.dir, namespace.replace(/[^A-Za-z0-9_-]/g, '_'), fp.slice(0, 2), fp + '.afc');
  }

  /** The entry, or undefined on a miss or a damaged entry (which is removed). */
  async get(namespace: string, fp: string): Promise<unknown> {
    const file = this.file(namespace, fp);
    let buf: Buffer;
    try {
      buf = await readFile(file);
    } catch {
      this.stats.misses++;
      return undefined;
    }
    const body = buf.subarray(0, buf.length - DIGEST);
    const digest = buf.subarray(buf.length - DIGEST);
    if (buf.length <= DIGEST || !createHash('sha256').update(body).digest().equals(digest)) {
      this.stats.corrupt++;
      this.stats.misses++;
      await unlink(file).catch(() => undefined);
      return undefined;
    }
    this.stats.hits++;
    return decode(body);
  }

  async has(namespace: string, fp: string): Promise<boolean> {
    try {
      statSync(this.file(namespace, fp));
      return true;
    } catch {
      return false;
    }
  }

  async put(namespace: string, fp: string, value: unknown): Promise<void> {
    const file = this.file(namespace, fp);
    const body = encode(value);
    const digest = createHash('sha256').update(body).digest();
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await writeFile(tmp, Buffer.concat([body, digest]));
      await rename(tmp, file);
      this.stats.writes++;
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
  }

  /** Remove temporary files left by crashed runs (not those of runs still alive). */
  sweepTemporaries(): number {
    let removed = 0;
    const walk = (dir: string): void => {
      let entries: string[];
      try {
        entries = readdirSync(dir);
      } catch {
        return;
      }
      for (const e of entries) {
        const p = path.join(dir, e);
        const tmp = /\.tmp-(\d+)-/.exec(e);
        if (tmp) {
          if (processAlive(Number(tmp[1]))) continue;
          rmSync(p, { force: true });
          removed++;
        } else if (!e.endsWith('.afc')) walk(p);
      }
    };
    walk(this.dir);
    return removed;
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
